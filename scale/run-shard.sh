#!/usr/bin/env bash
# Runs one shard of a PcVerify campaign on whatever scheduler started it (docs/scaling.md).
#
#   scale/run-shard.sh [--dry-run] proofs              # shard i/n of a proof campaign (dotnet test, --no-build)
#   scale/run-shard.sh [--dry-run] reproduce [ARGS...] # shard i/n of `pcverify reproduce ARGS...`
#
# The shard's 0-based index comes from the scheduler, the first one set of:
#   SLURM_ARRAY_TASK_ID (Slurm job array), JOB_COMPLETION_INDEX (Kubernetes Indexed Job),
#   PCVERIFY_SHARD_INDEX (anything else, e.g. a CI matrix);
# the number of shards from PCVERIFY_SHARD_COUNT, else SLURM_ARRAY_TASK_COUNT. The shard is index + 1 of count,
# written i/n as pcverify and the proofs expect (1 ≤ i ≤ n). Results go under PCVERIFY_RESULTS_DIR (default
# results/campaign): proof JSON files directly, reproduce partials in shard-i/. `pcverify merge` combines them.
# --dry-run (or PCVERIFY_DRY_RUN=1) prints the environment and command instead of running it.
set -euo pipefail

dry="${PCVERIFY_DRY_RUN:-0}"
if [ "${1:-}" = "--dry-run" ]; then dry=1; shift; fi
what="${1:-}"
shift || true

fail() { echo "run-shard.sh: $*" >&2; exit 2; }

index="${SLURM_ARRAY_TASK_ID:-${JOB_COMPLETION_INDEX:-${PCVERIFY_SHARD_INDEX:-}}}"
count="${PCVERIFY_SHARD_COUNT:-${SLURM_ARRAY_TASK_COUNT:-}}"
[ -n "$index" ] || fail "no shard index: set SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or PCVERIFY_SHARD_INDEX (0-based)"
[ -n "$count" ] || fail "no shard count: set PCVERIFY_SHARD_COUNT (or run in a Slurm array, which sets SLURM_ARRAY_TASK_COUNT)"
[[ "$index" =~ ^[0-9]+$ ]] || fail "shard index must be a non-negative integer, found '$index'"
[[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] || fail "shard count must be a positive integer, found '$count'"
[ "$index" -lt "$count" ] || fail "shard index $index (0-based) is not below the shard count $count"
shard="$((index + 1))/$count"
results="${PCVERIFY_RESULTS_DIR:-results/campaign}"

run() {
  if [ "$dry" -eq 1 ]; then
    printf '%s\n' "$@"
  else
    mkdir -p "$results"
    exec env "$@"
  fi
}

case "$what" in
  proofs)
    [ -n "${PCVERIFY_PROOF_SEED:-}" ] || fail "PCVERIFY_PROOF_SEED must be set: every shard of a campaign shares one campaign seed"
    run "PCVERIFY_PROOF_SHARD=$shard" "PCVERIFY_PROOF_RESULTS=$results" "PCVERIFY_PROOF_SEED=$PCVERIFY_PROOF_SEED" \
      "PCVERIFY_PROOF_CASES=${PCVERIFY_PROOF_CASES:-1000}" \
      dotnet test -c Release --no-build proofs/PcVerify.Proofs
    ;;
  reproduce)
    # PCVERIFY: how to call pcverify (the container's published binary; default: the built CLI of this checkout).
    read -r -a pcverify <<< "${PCVERIFY:-dotnet src/PcVerify.Cli/bin/Release/net10.0/pcverify.dll}"
    if [ "$dry" -eq 0 ]; then mkdir -p "$results/shard-$((index + 1))"; fi
    run "${pcverify[@]}" reproduce --shard "$shard" --out "$results/shard-$((index + 1))" "$@"
    ;;
  *)
    fail "first argument must be proofs or reproduce, found '$what'"
    ;;
esac

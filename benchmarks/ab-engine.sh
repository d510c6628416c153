#!/usr/bin/env bash
# A/B of the engine: the same BenchmarkDotNet classes built from a base commit (A, a git worktree) and from this
# working tree (B), run interleaved A B B A A B … so that load drifts hit both alike; per case the minimum over the
# rounds of BenchmarkDotNet's Min (the least-disturbed iteration) is kept, and B/A is printed with the allocated
# bytes per operation of both sides and the load average seen during the runs.
#
#   benchmarks/ab-engine.sh [-b BASE] [-n ROUNDS] [-f FILTER]... [-- extra BenchmarkDotNet arguments]
#
# Defaults: BASE 7a5be2f (the last commit before the chain learners became graph facades), ROUNDS 4, the filters
# '*TrainingStepBenchmarks*' '*BpStepBenchmarks*', and BenchmarkDotNet arguments '--job short --inProcess'.
# Example (quick check): benchmarks/ab-engine.sh -n 2 -- --job short --inProcess --iterationTime 100
set -euo pipefail

base=7a5be2f
rounds=4
filters=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -b) base="$2"; shift 2 ;;
    -n) rounds="$2"; shift 2 ;;
    -f) filters+=("$2"); shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "ab-engine.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ ${#filters[@]} -gt 0 ]] || filters=('*TrainingStepBenchmarks*' '*BpStepBenchmarks*')
extra=("$@")
[[ ${#extra[@]} -gt 0 ]] || extra=(--job short --inProcess)

repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/pcverify-ab.XXXXXX")
wt="$work/base"
cleanup() { git -C "$repo" worktree remove --force "$wt" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

echo "A = $base ($(git -C "$repo" rev-parse --short "$base")), B = working tree of $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD || echo ' + uncommitted changes')"
git -C "$repo" worktree add --detach "$wt" "$base" >/dev/null
# The base resolves ../shared like the main checkout does.
[[ -e "$work/shared" || ! -e "$repo/../shared" ]] || ln -s "$(cd "$repo/../shared" && pwd)" "$work/shared"

build() { dotnet build -c Release "$1/benchmarks/PcVerify.Benchmarks" -o "$2" -warnaserror -nologo -v q >"$2.log" 2>&1 || { tail -20 "$2.log"; exit 1; }; }
echo "building A and B …"
build "$wt" "$work/A"
build "$repo" "$work/B"

# ABBA order (A B, B A, A B, …): a load that drifts during the run then favours neither side.
for ((i = 1; i <= rounds; i++)); do
  order="A B"
  (( i % 2 == 0 )) && order="B A"
  for side in $order; do
    echo "round $i/$rounds: $side (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    (cd "$work" && dotnet "$work/$side/PcVerify.Benchmarks.dll" --filter "${filters[@]}" "${extra[@]}" \
      --exporters json --artifacts "$work/runs/$side.$i" >"$work/$side.$i.log" 2>&1) || { tail -30 "$work/$side.$i.log"; exit 1; }
    cut -d' ' -f1 /proc/loadavg >>"$work/load"
  done
done

python3 - "$work" <<'PY'
import glob, json, os, sys
work = sys.argv[1]
best = {}  # (side, case) -> (min over rounds of BenchmarkDotNet's Min in ns, allocated bytes per operation)
for side in "AB":
    for path in glob.glob(os.path.join(work, "runs", side + ".*", "results", "*-report-full-compressed.json")) + \
                glob.glob(os.path.join(work, "runs", side + ".*", "results", "*-report-full.json")):
        for b in json.load(open(path))["Benchmarks"]:
            stats = b.get("Statistics") or {}
            if "Min" not in stats:
                continue
            case = b["FullName"]
            mem = (b.get("Memory") or {}).get("BytesAllocatedPerOperation")
            old = best.get((side, case))
            if old is None or stats["Min"] < old[0]:
                best[(side, case)] = (stats["Min"], mem)
cases = sorted({c for s, c in best if s == "A"} & {c for s, c in best if s == "B"})
loads = [float(x) for x in open(os.path.join(work, "load")).read().split()]
print(f"\n{'case':<100} {'A ns':>12} {'B ns':>12} {'B/A':>6} {'A B/op':>7} {'B B/op':>7}")
worst = 0.0
for c in cases:
    a, b = best[("A", c)], best[("B", c)]
    r = b[0] / a[0]
    worst = max(worst, r)
    print(f"{c[-100:]:<100} {a[0]:12.0f} {b[0]:12.0f} {r:6.3f} {'' if a[1] is None else a[1]:>7} {'' if b[1] is None else b[1]:>7}")
print(f"\n{len(cases)} cases; worst B/A {worst:.3f}; load average during the runs {min(loads):.2f}..{max(loads):.2f} "
      f"(the machine's {os.cpu_count()} processors)")
PY

#!/usr/bin/env bash
# The issue-15 record in one sitting (docs/performance.md "Record"): every benchmark group a target of issue 15 is
# judged by, each followed by its ratios, and PyTorch right after the BDN group it is compared with, so every ratio
# and every comparison comes from figures of the same hour. Needs a quiet machine (run `uptime` first: the load
# average is printed before and after every group) and python3-torch at /usr/bin/python3 for the PyTorch columns.
#
# Usage: benchmarks/record.sh OUT_DIR [--quick]
#   OUT_DIR    gets one BenchmarkDotNet artifacts folder per group (gemm, conv, bp, steps) and record.txt, the
#              ratios, the PyTorch tables and the load averages (about 30 min on 2 quiet cores; --quick: a dry run
#              of the same groups, about 3 min, to check the script).
set -euo pipefail
out=${1:?usage: benchmarks/record.sh OUT_DIR [--quick]}
job=(--job short --iterationCount 9)
torch_args=()
if [[ ${2:-} == --quick ]]; then
  job=(--job dry)
  torch_args=(--quick)
fi
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
log="$out/record.txt"
cd "$root"
{
  echo "# record of $(git rev-parse --short HEAD) on $(date -u '+%Y-%m-%d %H:%M UTC')"
  dotnet build -c Release benchmarks/PcVerify.Benchmarks -nologo -v q | tail -n 2
} | tee "$log"

bdn() { # bdn NAME FILTER...: one BenchmarkDotNet run into $out/NAME, then its ratios
  local name=$1
  shift
  echo "## $name: load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  dotnet run -c Release --no-build --project benchmarks/PcVerify.Benchmarks -- \
    --filter "$@" "${job[@]}" --inProcess --artifacts "$out/$name" > "$out/$name.log"
  echo "## $name: load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  python3 benchmarks/PcVerify.Benchmarks/ratios.py "$out/$name" | tee -a "$log"
}

peer() { # peer ARGS...: the PyTorch comparison, right after the BDN group it reads
  if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import torch' 2> /dev/null; then
    /usr/bin/python3 benchmarks/torch_compare.py "${torch_args[@]}" "$@" | tee -a "$log"
  else
    echo "## PyTorch comparison skipped: /usr/bin/python3 cannot import torch (apt-get install python3-torch)" | tee -a "$log"
  fi
}

# Item 3 (products vs the FMA peak of the same run) and the conv kernels.
bdn gemm '*NetworkGemmBenchmarks*' '*FmaPeakBenchmarks*' '*ConvKernelBenchmarks*'
# Item 5: conv steps (Z-IL / BP, 1 and 2 threads), then PyTorch's conv steps.
bdn conv '*ConvStepBenchmarks*'
peer --conv --bdn "$out/conv"
# Items 1, 2, 4: the BP step cells of the PyTorch comparison, then PyTorch.
bdn bp '*BpStepBenchmarks*'
peer --bdn "$out/bp"
# Item 6: Z-IL / BP on the MLP steps, bytes allocated per step, the paper network against the triad bound.
bdn steps '*TrainingStepBenchmarks*' '*PaperNetwork*' '*MemoryBandwidth*' '*FmaPeak*'
echo "# done $(date -u '+%H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"

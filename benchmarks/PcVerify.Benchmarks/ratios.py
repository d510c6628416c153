#!/usr/bin/env python3
"""Turns one BenchmarkDotNet run (its artifacts/results/*.csv) into the ratios of docs/performance.md.

Usage: python3 benchmarks/PcVerify.Benchmarks/ratios.py ARTIFACTS_DIR [--lanes 8]
Every ratio uses figures of the same run: the FMA peak and the triad bandwidth are machine references measured
next to the steps they judge.
"""
import csv, glob, os, sys

def seconds(text):
    v, unit = text.replace(',', '').split()
    return float(v) * {'ns': 1e-9, 'us': 1e-6, 'μs': 1e-6, 'ms': 1e-3, 's': 1.0}[unit]

def load(art, cls):
    files = glob.glob(os.path.join(art, 'results', f'*{cls}*-report.csv'))
    if not files:
        return []
    with open(files[0], newline='') as f:
        return list(csv.DictReader(f))

def main():
    art = sys.argv[1]
    lanes = int(sys.argv[sys.argv.index('--lanes') + 1]) if '--lanes' in sys.argv else 8
    fma = {r['Method']: seconds(r['Mean']) for r in load(art, 'FmaPeakBenchmarks')}
    triad = {r['Threads']: seconds(r['Mean']) for r in load(art, 'MemoryBandwidthBenchmarks')}
    peak = 2 * lanes / fma['FmaFloat'] if 'FmaFloat' in fma else None
    if peak:
        print(f'FMA peak, 1 thread, float32: {peak / 1e9:.1f} GFLOP/s (unfused mul+add: {2 * lanes / fma["MulAddFloat"] / 1e9:.1f})')
    bw = None
    for t, s in sorted(triad.items()):
        b = 3 * 4 * (1 << 25) / s
        print(f'Triad bandwidth, {t} thread(s): {b / 1e9:.1f} GB/s')
        bw = max(bw or 0, b)

    paper = {r['Method']: seconds(r['Mean']) for r in load(art, 'PaperNetworkStepBenchmarks')}
    if paper:
        w = [27, 1024, 2048, 4096, 50176]
        weights = sum(w[i] * w[i + 1] for i in range(4)) + sum(w[:4])
        backward = sum(w[i] * w[i + 1] for i in range(3))
        traffic = 4 * (weights + backward + 2 * weights)
        print(f'Paper network: {weights} parameters; BP traffic {traffic / 1e6:.1f} MB')
        if bw:
            bound = traffic / bw
            print(f'  memory-traffic bound {bound * 1e3:.1f} ms; BP {paper["BP"] * 1e3:.1f} ms = {paper["BP"] / bound:.2f} x bound (target <= 1.25)')
        for m in ('ZilEventDriven', 'FaZil'):
            if m in paper:
                print(f'  {m} / BP = {paper[m] / paper["BP"]:.3f}')

    steps = load(art, 'TrainingStepBenchmarks')
    if steps:
        t = {(r['Method'], r['Batch'], r['Threads'], r['Activation']): seconds(r['Mean']) for r in steps}
        w = [10, 256, 256, 784]
        flops = lambda b: 2 * b * (2 * sum(w[i] * w[i + 1] for i in range(3)) + sum(w[i] * w[i + 1] for i in range(2)))
        print('784-256-256-10, float32: ratio to BP of the same configuration')
        for (m, b, th, a), s in sorted(t.items(), key=lambda kv: (kv[0][3], int(kv[0][1]), kv[0][2], kv[0][0])):
            bp = t[('BP', b, th, a)]
            extra = ''
            if b == '64' and peak:
                extra = f'  {flops(64) / s / 1e9:6.1f} GFLOP/s = {flops(64) / s / peak * 100:5.1f}% of 1-thread FMA peak'
            one = t.get((m, b, '1', a))
            if th == '2' and one:
                extra += f'  speed-up 2 vs 1 thread {one / s:.2f}x'
            print(f'  {a:4} B={b:>2} threads={th} {m:15} {s * 1e6:12.1f} us  /BP {s / bp:6.3f}{extra}')

    gemm = load(art, 'NetworkGemmBenchmarks')
    if gemm:
        w = [784, 256, 256, 10]
        full = 2 * 64 * sum(w[i] * w[i + 1] for i in range(3))
        flops = {'Forward': full, 'Update': full, 'Backward': 2 * 64 * sum(w[i] * w[i + 1] for i in range(1, 3))}
        print('784-256-256-10, batch 64, 1 thread: the products of one step by kind (target >= 70% of the FMA peak)')
        for f in glob.glob(os.path.join(art, 'results', '*NetworkGemmBenchmarks*-report.csv')):
            typ = 'double' if 'Double' in f else 'float'
            with open(f, newline='') as h:
                rows = list(csv.DictReader(h))
            fpeak = 2 * (lanes if typ == 'float' else lanes // 2) / fma[f'Fma{typ.capitalize()}'] if f'Fma{typ.capitalize()}' in fma else None
            total_t = total_f = 0.0
            for r in rows:
                s, fl = seconds(r['Mean']), flops[r['Method']]
                total_t += s
                total_f += fl
                share = f' = {fl / s / fpeak * 100:5.1f}% of peak' if fpeak else ''
                print(f'  {typ:6} {r["Method"]:8} {s * 1e6:10.1f} us {fl / s / 1e9:7.1f} GFLOP/s{share}  alloc {r["Allocated"]}')
            if fpeak and total_t:
                print(f'  {typ:6} all      {total_t * 1e6:10.1f} us {total_f / total_t / 1e9:7.1f} GFLOP/s = {total_f / total_t / fpeak * 100:5.1f}% of peak')

    for f in glob.glob(os.path.join(art, 'results', '*ConvKernelBenchmarks*-report.csv')):
        typ = 'double' if 'Double' in f else 'float'
        fpeak = 2 * (lanes if typ == 'float' else lanes // 2) / fma[f'Fma{typ.capitalize()}'] if f'Fma{typ.capitalize()}' in fma else None
        with open(f, newline='') as h:
            rows = list(csv.DictReader(h))
        print(f'Convolution kernels, CIFAR-size block (32x32, 3x3, pad 1, batch 32, out 32), {typ}, 1 thread')
        for r in rows:
            s = seconds(r['Mean'])
            fl = 2 * 32 * 32 * 32 * 32 * int(r['In']) * 9
            share = f' = {fl / s / fpeak * 100:5.1f}% of peak' if fpeak else ''
            print(f'  in={r["In"]:>2} {r["Method"]:15} {s * 1e6:10.1f} us {fl / s / 1e9:7.1f} GFLOP/s{share}  alloc {r["Allocated"]}')

    conv = load(art, 'ConvStepBenchmarks')
    if conv:
        t = {(r['Method'], r['Network'], r['Threads']): seconds(r['Mean']) for r in conv}
        print('Convolutional graphs, float32, batch 32: ratio to BP of the same configuration (target Z-IL / BP <= 1.05)')
        for (m, n, th), s in sorted(t.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
            one = t.get((m, n, '1'))
            extra = f'  speed-up 2 vs 1 thread {one / s:.2f}x' if th == '2' and one else ''
            print(f'  {n:11} threads={th} {m:6} {s * 1e6:12.1f} us  /BP {s / t[("BP", n, th)]:6.3f}{extra}')

    for cls in ('GemvBenchmarks', 'GemvTransposedBenchmarks', 'Rank1UpdateBenchmarks', 'GemmBenchmarks', 'ActivationBenchmarks'):
        for f in glob.glob(os.path.join(art, 'results', f'*.{cls}*-report.csv')):
            with open(f, newline='') as h:
                rows = list(csv.DictReader(h))
            typ = 'double' if 'Double' in f else 'float'
            base = {r['N']: seconds(r['Mean']) for r in rows if r['Method'] == 'Scalar'}
            for r in rows:
                print(f'{cls:26} {typ:6} N={r["N"]:5} {r["Method"]:21} {seconds(r["Mean"]) * 1e6:12.2f} us  speed-up vs scalar {base[r["N"]] / seconds(r["Mean"]):7.2f}x  alloc {r["Allocated"]}')

main()

#!/usr/bin/python3
"""One BP step of 784-256-256-10 in PyTorch, timed the way BenchmarkDotNet times PcVerify's BpStepBenchmarks.

The peer of issue 15 (item 2): PyTorch from the Debian registry (python3-torch, with libopenblas0-pthread providing libblas.so.3: without it
Debian's python3-torch runs on the reference BLAS, ~40x slower, and the script warns). Same formulation as the
engine's BP (docs/math.md §2; Backprop.cs), written with explicit tensor operations, not autograd:
    forward    y^3 = s_in;  y^l = W^{l+1} f(y^{l+1}) + v^{l+1}   (f applied to the input too; the output is linear)
    errors     d^0 = s_out − y^0;  d^l = f'(y^l) ⊙ (W^l)ᵀ d^{l−1}
    update     W^{l+1} += (α/B) Σ_b d^l_b f(y^{l+1}_b)ᵀ,  v^{l+1} += (α/B) Σ_b d^l_b   (SGD, mean over the batch)
with f' computed from the stored f(y) (1 − f² for tanh, the way autograd's tanh_backward does; PcVerify recomputes
tanh from y, i.e. it does more work). `--autograd` times the idiomatic alternative instead (nn.Linear layers, MSE
loss scaled to ½Σ/B, loss.backward(), optimizer.step()), which gives the same update.

Timing: per cell, a warm-up of W steps, then N samples of K consecutive steps each (K chosen so a sample lasts
about S ms, default 100); the figure is the minimum over samples of (sample time / K), as BDN's Min column over its
iterations. Keep S long, like BDN's iterations (hundreds of ms): on a loaded machine a min over short samples finds
the quiet moments and flatters whichever side uses them (with S = 2 ms PyTorch's batch-64 cells came out 3–4×
faster than BDN's Min of the same hour). The machine load average is printed with the table: compare only figures
taken side by side, in the same hour.

Usage: /usr/bin/python3 benchmarks/torch_compare.py [--samples N] [--warmup W] [--sample-ms S] [--autograd]
                                                  [--bdn BenchmarkDotNet.Artifacts] [--quick] [--check] [--conv]
`--conv` times the convolutional steps of ConvStepBenchmarks instead (the CIFAR-size block and the digits CNN,
float32, batch 32, 1 and 2 threads; autograd, see ConvBp) and, with `--bdn`, reads that class's report and adds
PcVerify's BP and Z-IL times and their speed against PyTorch's BP step.
Every run first checks that the explicit formulation and autograd agree (two steps, float64, 1e-12).
`--bdn DIR` reads DIR/results/*BpStepBenchmarks*-report.csv of a BDN run and adds PcVerify's time and the speed
ratio (PyTorch time ÷ PcVerify time: > 1 means PcVerify is faster) per cell.
"""
import argparse
import ctypes
import csv
import glob
import os
import platform
import time

import torch

WIDTHS = [784, 256, 256, 10]  # input first


def activation(name):
    if name == 'relu':
        return torch.relu, lambda y, fy: (y > 0).to(y.dtype)
    if name == 'tanh':
        return torch.tanh, lambda y, fy: 1 - fy * fy
    raise ValueError(name)


class ManualBp:
    """The engine's formulation with explicit matrix products and in-place updates."""

    def __init__(self, act, dtype, batch, alpha, gen):
        self.f, self.df = activation(act)
        self.alpha, self.batch = alpha, batch
        # W[i] maps layer widths[i] -> widths[i+1] (input first), He-normal like the engine's benchmark setup.
        self.W = [torch.randn(WIDTHS[i + 1], WIDTHS[i], generator=gen, dtype=dtype) * (2.0 / WIDTHS[i]) ** 0.5
                  for i in range(3)]
        self.v = [torch.zeros(WIDTHS[i + 1], dtype=dtype) for i in range(3)]

    def step(self, s_in, s_out):
        fs, ys = [], [s_in]
        for W, v in zip(self.W, self.v):
            fy = self.f(ys[-1])
            fs.append(fy)
            ys.append(torch.addmm(v, fy, W.t()))
        d = s_out - ys[-1]
        scale = self.alpha / self.batch
        for i in (2, 1, 0):
            # The error of the layer below must use W before its update (all updates of a step read the same θ).
            d_below = None
            if i > 0:
                d_below = self.df(ys[i], fs[i]) * (d @ self.W[i])
            self.W[i].addmm_(d.t(), fs[i], alpha=scale)
            self.v[i].add_(d.sum(0), alpha=scale)
            d = d_below


class AutogradBp:
    """Idiomatic PyTorch: nn.Linear, ½Σ/B squared error, SGD. Same update as ManualBp."""

    def __init__(self, act, dtype, batch, alpha, gen):
        self.f, _ = activation(act)
        self.layers = [torch.nn.Linear(WIDTHS[i], WIDTHS[i + 1]).to(dtype) for i in range(3)]
        with torch.no_grad():
            for i, layer in enumerate(self.layers):
                layer.weight.copy_(torch.randn(WIDTHS[i + 1], WIDTHS[i], generator=gen, dtype=dtype) * (2.0 / WIDTHS[i]) ** 0.5)
                layer.bias.zero_()
        self.batch = batch
        self.opt = torch.optim.SGD([p for layer in self.layers for p in layer.parameters()], lr=alpha)

    def step(self, s_in, s_out):
        y = s_in
        for layer in self.layers:
            y = layer(self.f(y))
        loss = 0.5 * ((s_out - y) ** 2).sum() / self.batch
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()


class ConvBp:
    """One BP step of a convolutional graph of ConvStepBenchmarks, with autograd (the engine's graph BP, docs/math.md §10:
    activations on the edges as in the graph file, a linear output, ½Σ/B squared error, SGD with rate α; He-normal
    weights, zero biases, as GraphParameters.Initialise). `cifar-block`: 3×32×32 → conv 32 (3×3, pad 1) → relu →
    conv 32 → relu → flatten → dense 10. `cnn-digits` (examples/cnn-digits.json): 1×8×8 → conv 4 → relu → max pool 2 →
    flatten → dense 10."""

    def __init__(self, network, dtype, batch, alpha, gen):
        nn = torch.nn
        if network == 'cifar-block':
            self.input = (3, 32, 32)
            self.net = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
                                     nn.Flatten(), nn.Linear(32 * 32 * 32, 10))
        elif network == 'cnn-digits':
            self.input = (1, 8, 8)
            self.net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10))
        else:
            raise ValueError(network)
        self.net = self.net.to(dtype)
        with torch.no_grad():
            for m in self.net:
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    fan_in = m.weight[0].numel()
                    m.weight.copy_(torch.randn(m.weight.shape, generator=gen, dtype=dtype) * (2.0 / fan_in) ** 0.5)
                    m.bias.zero_()
        self.batch = batch
        self.opt = torch.optim.SGD(self.net.parameters(), lr=alpha)

    def step(self, s_in, s_out):
        y = self.net(s_in.view(self.batch, *self.input))
        loss = 0.5 * ((s_out - y) ** 2).sum() / self.batch
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()


def blas_libraries():
    """The BLAS shared objects loaded into this process (after a first matrix product)."""
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    with open('/proc/self/maps') as fh:
        paths = {line.split()[-1] for line in fh if 'blas' in line.lower() and line.split()[-1].startswith('/')}
    return sorted(paths)


def set_threads(threads):
    """torch's intra-op threads, and OpenBLAS's own pool, which torch.set_num_threads does not always reach."""
    torch.set_num_threads(threads)
    for path in blas_libraries():
        lib = ctypes.CDLL(path)
        if hasattr(lib, 'openblas_set_num_threads'):
            lib.openblas_set_num_threads(threads)


def time_cell(make, batch, dtype, threads, samples, warmup, sample_seconds, widths=(WIDTHS[0], WIDTHS[-1])):
    set_threads(threads)
    gen = torch.Generator().manual_seed(42)
    s_in = torch.rand(batch, widths[0], generator=gen, dtype=dtype)
    s_out = torch.zeros(batch, widths[1], dtype=dtype)
    s_out[torch.arange(batch), torch.randint(0, widths[1], (batch,), generator=gen)] = 1
    net = make(batch, dtype, gen)
    for _ in range(warmup):
        net.step(s_in, s_out)
    # K steps per sample, so that a sample is long compared with the timer's resolution and Python's jitter.
    t0 = time.perf_counter()
    net.step(s_in, s_out)
    one = time.perf_counter() - t0
    k = max(1, int(sample_seconds / max(one, 1e-7)))
    best = float('inf')
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(k):
            net.step(s_in, s_out)
        best = min(best, (time.perf_counter() - t0) / k)
    return best


def bdn_times(art):
    """PcVerify's Min per (dtype, activation, batch, threads) from a BDN BpStepBenchmarks report."""
    units = {'ns': 1e-9, 'us': 1e-6, 'μs': 1e-6, 'ms': 1e-3, 's': 1.0}
    out = {}
    for path in glob.glob(os.path.join(art, 'results', '*BpStepBenchmarks*-report.csv')):
        with open(path, newline='') as fh:
            for row in csv.DictReader(fh):
                value, unit = row.get('Min', row['Mean']).replace(',', '').split()
                dtype = 'float64' if 'Double' in row.get('Type', '') or 'Double' in path else 'float32'
                key = (dtype, row['Activation'], int(row['Batch']), int(row['Threads']))
                out[key] = float(value) * units[unit]
    return out


def bdn_conv_times(art):
    """PcVerify's Min per (method, network, threads) from a BDN ConvStepBenchmarks report."""
    units = {'ns': 1e-9, 'us': 1e-6, 'μs': 1e-6, 'ms': 1e-3, 's': 1.0}
    out = {}
    for path in glob.glob(os.path.join(art, 'results', '*ConvStepBenchmarks*-report.csv')):
        with open(path, newline='') as fh:
            for row in csv.DictReader(fh):
                value, unit = row.get('Min', row['Mean']).replace(',', '').split()
                out[(row['Method'], row['Network'], int(row['Threads']))] = float(value) * units[unit]
    return out


def conv_table(a):
    """The conv steps of ConvStepBenchmarks (float32, batch 32, 1 and 2 threads) against PyTorch's autograd step."""
    bdn = bdn_conv_times(a.bdn) if a.bdn else {}
    print(f'{"network":12} {"threads":>7} {"PyTorch µs":>11}' + (f' {"PcVerify BP µs":>15} {"speed":>7} {"Z-IL µs":>10} {"speed":>7}' if bdn else ''))
    sizes = {'cifar-block': (3 * 32 * 32, 10), 'cnn-digits': (64, 10)}
    for network in ('cifar-block', 'cnn-digits'):
        for threads in (1, 2):
            make = lambda b, d, g, network=network: ConvBp(network, d, b, 1e-3, g)
            t = time_cell(make, 32, torch.float32, threads, a.samples, a.warmup, a.sample_ms / 1000, sizes[network])
            line = f'{network:12} {threads:7d} {t * 1e6:11.1f}'
            bp, zil = bdn.get(('BP', network, threads)), bdn.get(('Zil', network, threads))
            if bp:
                line += f' {bp * 1e6:15.1f} {t / bp:6.2f}×'
            if zil:
                line += f' {zil * 1e6:10.1f} {t / zil:6.2f}×'
            print(line, flush=True)


def check():
    """The explicit formulation and autograd give the same parameters after two steps (float64, both activations)."""
    worst = 0.0
    for act in ('relu', 'tanh'):
        for batch in (1, 5):
            gen_data = torch.Generator().manual_seed(7)
            s_in = torch.rand(batch, WIDTHS[0], generator=gen_data, dtype=torch.float64)
            s_out = torch.rand(batch, WIDTHS[-1], generator=gen_data, dtype=torch.float64)
            manual = ManualBp(act, torch.float64, batch, 0.1, torch.Generator().manual_seed(3))
            auto = AutogradBp(act, torch.float64, batch, 0.1, torch.Generator().manual_seed(3))
            for _ in range(2):
                manual.step(s_in, s_out)
                auto.step(s_in, s_out)
            for i, layer in enumerate(auto.layers):
                worst = max(worst, (manual.W[i] - layer.weight.detach()).abs().max().item(),
                            (manual.v[i] - layer.bias.detach()).abs().max().item())
    print(f'explicit BP vs autograd after two steps: max |Δθ| = {worst:.3g} (bound 1e-12)')
    if not worst <= 1e-12:
        raise SystemExit('the two formulations differ: the comparison would not time the same step')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--samples', type=int, default=30)
    ap.add_argument('--warmup', type=int, default=20)
    ap.add_argument('--sample-ms', type=float, default=100.0, help='length of one timed sample (BDN iterations are long too)')
    ap.add_argument('--autograd', action='store_true')
    ap.add_argument('--bdn', help='BenchmarkDotNet artifacts directory with a BpStepBenchmarks run')
    ap.add_argument('--quick', action='store_true', help='3 samples of short blocks: checks that the script runs')
    ap.add_argument('--check', action='store_true', help='only check that explicit BP and autograd agree, then exit')
    ap.add_argument('--conv', action='store_true', help='the conv steps of ConvStepBenchmarks instead (--bdn: a ConvStepBenchmarks run)')
    a = ap.parse_args()
    check()
    if a.check:
        return
    if a.quick:
        a.samples, a.warmup, a.sample_ms = 3, 2, 0.5
    kind = AutogradBp if a.autograd else ManualBp
    bdn = bdn_times(a.bdn) if a.bdn else {}
    alpha = 1e-3

    print(f'PyTorch {torch.__version__} ({"autograd" if a.autograd or a.conv else "explicit BP"}), Python {platform.python_version()}, '
          f'{os.cpu_count()} CPUs, load average {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    blas = blas_libraries()
    print(f'BLAS: {", ".join(blas) or "none found"}')
    if not any('openblas' in b for b in blas):
        print('warning: not OpenBLAS (the reference BLAS is ~40x slower); `apt-get install libopenblas0-pthread` selects it')
    if a.conv:
        conv_table(a)
        print(f'load average after: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
        return
    header = f'{"dtype":8} {"f":5} {"batch":>5} {"threads":>7} {"PyTorch µs":>11}'
    if bdn:
        header += f' {"PcVerify µs":>12} {"speed vs PyTorch":>17}'
    print(header)
    for dtype_name, dtype in (('float32', torch.float32), ('float64', torch.float64)):
        for act in ('relu', 'tanh'):
            for batch in (1, 64):
                for threads in (1, 2):
                    make = lambda b, d, g, act=act: kind(act, d, b, alpha, g)
                    t = time_cell(make, batch, dtype, threads, a.samples, a.warmup, a.sample_ms / 1000)
                    line = f'{dtype_name:8} {act:5} {batch:5d} {threads:7d} {t * 1e6:11.1f}'
                    ours = bdn.get((dtype_name, act, batch, threads))
                    if ours:
                        line += f' {ours * 1e6:12.1f} {t / ours:16.2f}×'
                    print(line, flush=True)
    print(f'load average after: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Writes the parameter fixtures of ParameterFixtureTests with numpy, and numpy's own forward pass as the oracle.

Run from this directory: /usr/bin/python3 make_parameter_fixtures.py   (numpy >= 1.24). The files are committed, so
the tests do not need Python; rerun only to change a fixture.

Every weight is square where the format allows it (3x3 layered matrices; a conv weight of 2 out x 2 in channels with
a 3x3 kernel; an 18x18 dense weight), so reading a matrix transposed, a kernel flipped or out/in channels swapped keeps
every shape and is caught only by the values. Some arrays are saved Fortran-ordered (np.asfortranarray: numpy writes
'fortran_order': True), the layout numpy uses for w.T; the reader must return them in C order.

Element values (the tests compute them independently, with the same closed form):
  value(k, i) = s * (k + 1 + i + 8 * (i*i mod 5)) * scale with s = -1 for odd i, +1 otherwise, i = the element's
  C-order index (the i*i term breaks the linear pattern, under which a transposed kernel could agree by symmetry),
  k = a per-array offset and scale = 1/16, 1/64 (the layered biases) or 1/256 (the conv weight and bias), small
  enough to keep tanh out of saturation as given below.
  Every value is a small integer times a power of two: exact in float32 and float64.
"""
import json

import numpy as np


def values(k, shape, scale=1 / 16):
    n = int(np.prod(shape))
    i = np.arange(n)
    return (np.where(i % 2 == 1, -1.0, 1.0) * (k + 1 + i + 8 * (i * i % 5)) * scale).reshape(shape)


# --- a layered net 3-3-3 (layer 0 = output, layer 2 = input), tanh, with biases --------------------------------
theta1 = values(0, (3, 3))            # C order
theta2 = np.asfortranarray(values(9, (3, 3)))  # Fortran order: the file stores theta2.T's bytes
beta1 = values(18, (3,), 1 / 64)
beta2 = values(21, (3,), 1 / 64)
assert not theta2.flags.c_contiguous and theta2.flags.f_contiguous
np.savez("params-layered-3-3-3.npz", theta1=theta1, theta2=theta2, beta1=beta1, beta2=beta2)

# docs/math.md §1: mu^l = theta^{l+1} f(x^{l+1}) + beta^{l+1}, f applied to every layer's value including the input.
x = np.array([[0.5, -1.25, 2.0], [-0.75, 0.25, 1.5]])
h = x
for theta, beta in ((theta2, beta2), (theta1, beta1)):
    h = np.tanh(h) @ theta.T + beta
np.savez("params-layered-3-3-3.expected.npz", inputs=x, forward=h)

# --- a graph: input 2x3x3 -> conv 2->2, 3x3, padding 1 -> flatten -> dense 18->18 (tanh on the conv's output) ----
graph = {
    "format": "pcverify-graph/1",
    "description": "Parameter-layout fixture: every weight square (make_parameter_fixtures.py).",
    "vertices": [
        {"name": "x", "kind": "input", "shape": [2, 3, 3]},
        {"name": "conv", "kind": "conv2d", "parents": [{"from": "x", "activation": "identity"}],
         "units": 2, "kernel": 3, "padding": 1, "bias": True},
        {"name": "flat", "kind": "flatten", "parents": [{"from": "conv", "activation": "tanh"}]},
        {"name": "fc", "kind": "dense", "parents": [{"from": "flat", "activation": "identity"}], "units": 18, "bias": True},
    ],
    "output": "fc",
}
with open("params-conv-square.json", "w") as f:
    json.dump(graph, f, indent=1)
    f.write("\n")

conv_w = np.asfortranarray(values(0, (2, 2, 3, 3), 1 / 256))  # (out, in, kh, kw), PyTorch layout, stored Fortran-ordered
conv_b = values(36, (2,), 1 / 256)
fc_w = values(38, (18, 18))  # (out, in), PyTorch layout
fc_b = np.asfortranarray(values(362, (18,)))  # 1-D: Fortran and C order are the same bytes
np.savez("params-conv-square.npz", **{"conv.weight": conv_w, "conv.bias": conv_b, "fc.weight": fc_w, "fc.bias": fc_b})

# PyTorch's Conv2d is a cross-correlation: y[o, r, c] = b[o] + sum_{i, u, v} w[o, i, u, v] * xpad[i, r + u, c + v].
inputs = ((np.arange(2 * 2 * 3 * 3).reshape(2, 2, 3, 3) * 37 % 23) - 11) / 16
out = []
for img in inputs:
    xpad = np.pad(img, ((0, 0), (1, 1), (1, 1)))
    y = np.zeros((2, 3, 3))
    for o in range(2):
        for r in range(3):
            for c in range(3):
                y[o, r, c] = conv_b[o] + np.sum(conv_w[o] * xpad[:, r:r + 3, c:c + 3])
    assert np.abs(y).max() < 2, "tanh would saturate and hide a wrong kernel orientation"
    out.append(fc_w @ np.tanh(y).reshape(-1) + fc_b)
np.savez("params-conv-square.expected.npz", inputs=inputs.reshape(2, -1), forward=np.array(out))

for name in ("params-layered-3-3-3.npz", "params-conv-square.npz"):
    with np.load(name) as z:
        for key in z.files:
            print(f"{name} {key}: shape {z[key].shape}")

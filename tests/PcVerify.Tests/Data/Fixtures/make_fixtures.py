#!/usr/bin/env python3
"""Writes the NPZ fixtures of ZipReaderTests with numpy and zipfile, the tools whose behaviour the reader
follows, and prints what numpy and zipfile do with each file (the table in docs/resources.md).

Run from this directory: python3 make_fixtures.py   (numpy >= 1.24). The files are committed, so the tests do
not need Python; rerun only to change a fixture.

Every data fixture holds the same arrays (the tests compute them independently):
  inputs  float64 (4, 3): (k - 5.5) / 8 for k = 0..11, row-major
  targets float32 (4, 2): one-hot of labels
  labels  int64   (4,):   0, 1, 1, 0
"""
import io
import struct
import zipfile
import zlib

import numpy as np

inputs = (np.arange(12, dtype=np.float64).reshape(4, 3) - 5.5) / 8
labels = np.array([0, 1, 1, 0], dtype=np.int64)
targets = np.eye(2, dtype=np.float32)[labels]


def savez(compressed):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, inputs=inputs, targets=targets, labels=labels)
    return buf.getvalue()


def npy(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def zip_of(entries, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return buf.getvalue()


def flip(data, offset):
    b = bytearray(data)
    b[offset] ^= 0x01
    return bytes(b)


def eocd(data):
    return data.rfind(b"PK\x05\x06")


stored = savez(False)
deflated = savez(True)
files = {}
files["numpy-savez.npz"] = stored
files["numpy-savez-compressed.npz"] = deflated

# The end record's two entry counts are off by one: zipfile ignores them and walks the directory by its size.
b = bytearray(stored)
e = eocd(stored)
struct.pack_into("<HH", b, e + 8, 4, 4)
files["eocd-count-wrong.npz"] = bytes(b)

# Bytes before the archive (as in a self-extracting zip): zipfile shifts every offset by the difference.
files["prepended.npz"] = b"sixteen bytes..." + stored

# An archive comment: the end record is found by searching backwards.
b = bytearray(stored)
struct.pack_into("<H", b, e + 20, 7)
files["comment.npz"] = bytes(b) + b"comment"

# One bit flipped inside the data of 'inputs.npy' (stored), and inside the deflate data of the compressed file.
files["crc-stored.npz"] = flip(stored, stored.find(b"\x93NUMPY") + 128 + 20)
first_local = deflated.find(b"PK\x03\x04")
name_len, extra_len = struct.unpack_from("<HH", deflated, first_local + 26)
files["crc-deflated.npz"] = flip(deflated, first_local + 30 + name_len + extra_len + 40)

# One byte deleted near the start (inside the first local header).
files["deleted-byte.npz"] = stored[:20] + stored[21:]

# An entry whose .npy is followed by junk inside the entry (numpy ignores it; this reader refuses it).
files["entry-trailing-junk.npz"] = zip_of([("inputs.npy", npy(inputs) + b"junk"), ("targets.npy", npy(targets))])

for name, data in files.items():
    with open(name, "wb") as f:
        f.write(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            bad = z.testzip()
            zf = "accepts" if bad is None else f"bad entry {bad}"
    except Exception as ex:  # noqa: BLE001 - the table records whatever zipfile raises
        zf = f"{type(ex).__name__}: {ex}"
    try:
        with np.load(io.BytesIO(data)) as z:
            got = {k: z[k] for k in z.files}
        ok = np.array_equal(got["inputs"], inputs)
        npr = "loads" + ("" if ok else " (different values)")
    except Exception as ex:  # noqa: BLE001
        npr = f"{type(ex).__name__}: {ex}"
    print(f"| {name} | {len(data)} | zipfile: {zf} | numpy: {npr} |")

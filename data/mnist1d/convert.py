#!/usr/bin/env python3
"""Regenerate the shipped MNIST-1D dataset and check it against the canonical pickle.

Exact command (run from the repository root):

    python3 -m venv /tmp/m1venv && /tmp/m1venv/bin/pip install mnist1d==0.0.2.post1 safetensors==0.8.0
    /tmp/m1venv/bin/python data/mnist1d/convert.py --check ../shared/data/mnist1d/mnist1d_data.pkl

It calls the package's own generator, `make_dataset(get_dataset_args())` (Greydanus 2020,
arXiv 2011.14439; package `mnist1d` 0.0.2.post1, Apache-2.0), and writes
`data/mnist1d/mnist1d.safetensors` with tensors
  x       F64 [4000, 40]   training inputs
  y       I64 [4000]       training labels 0..9
  x_test  F64 [1000, 40]   test inputs
  y_test  I64 [1000]       test labels
  t       F64 [40]         the template time axis
Tensor names are written in sorted order with no metadata, so the bytes (and SHA-256) are
reproducible.  With --check it loads the canonical pickle (greydanus/mnist1d, commit
7878d96082abd200c546a07a4101fa90b30fdf7e) and asserts labels equal and inputs within 1e-12.
"""
import argparse
import hashlib
import pickle
import sys

import numpy as np
from mnist1d.data import get_dataset_args, make_dataset
from safetensors.numpy import save_file

OUT = "data/mnist1d/mnist1d.safetensors"

def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", help="path of the canonical mnist1d_data.pkl to compare with")
    ap.add_argument("--out", default=OUT)
    a = ap.parse_args()
    d = make_dataset(get_dataset_args())
    tensors = {
        "x": np.ascontiguousarray(d["x"], dtype=np.float64),
        "y": np.ascontiguousarray(d["y"], dtype=np.int64),
        "x_test": np.ascontiguousarray(d["x_test"], dtype=np.float64),
        "y_test": np.ascontiguousarray(d["y_test"], dtype=np.int64),
        "t": np.ascontiguousarray(d["t"], dtype=np.float64),
    }
    for k, v in tensors.items():
        print(f"{k}: {v.dtype} {list(v.shape)}")
    save_file(tensors, a.out)
    sha = hashlib.sha256(open(a.out, "rb").read()).hexdigest()
    print(f"wrote {a.out} sha256 {sha}")
    if a.check:
        with open(a.check, "rb") as f:
            ref = pickle.load(f)
        ok = True
        for k in ["y", "y_test"]:
            eq = bool(np.array_equal(np.asarray(ref[k]), tensors[k]))
            print(f"check {k}: labels equal = {eq}")
            ok &= eq
        for k in ["x", "x_test", "t"]:
            diff = float(np.max(np.abs(np.asarray(ref[k], dtype=np.float64) - tensors[k])))
            print(f"check {k}: max |diff| = {diff:.3e} (must be <= 1e-12)")
            ok &= diff <= 1e-12
        print("check: PASS" if ok else "check: FAIL")
        return 0 if ok else 1
    return 0

if __name__ == "__main__":
    sys.exit(main())

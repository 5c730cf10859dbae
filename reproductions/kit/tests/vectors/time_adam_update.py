"""Peer timing for `cargo bench -p repro-kit --bench optim`: the optimizer update alone on the
same shapes, PyTorch CPU, one thread. Prints the median ms per step (and the kit's numbers with
the ratio when criterion's JSON output is found under target/criterion).

    venv/bin/python time_adam_update.py [--target /path/to/target]
"""
import argparse
import json
import pathlib
import statistics
import time

import torch

torch.set_num_threads(1)

CNN = [(32, 1, 5, 5), (32,), (64, 32, 5, 5), (64,), (1024, 3136), (1024,), (10, 1024), (10,)]
MLP = [(50, 13), (50,), (1, 50), (1,)]


def time_step(shapes, make, reps, warmup=5):
    g = torch.Generator().manual_seed(0)
    ps = [torch.nn.Parameter((torch.rand(s, generator=g) * 2 - 1) * 0.1) for s in shapes]
    for p in ps:
        p.grad = torch.rand(p.shape, generator=g) * 2 - 1
    opt = make(ps)
    for _ in range(warmup):
        opt.step()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        opt.step()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def kit_ms(target, group, name):
    p = pathlib.Path(target) / "criterion" / group / name / "new" / "estimates.json"
    if not p.exists():
        return None
    return json.loads(p.read_text())["median"]["point_estimate"] / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="/work/target")
    ap.add_argument("--reps", type=int, default=50)
    a = ap.parse_args()
    A, W, S = torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD
    rows = [
        ("optim_update_cnn2d_3.3M", "adam_fused", CNN,
         lambda ps: A(ps, lr=1e-4, foreach=True), "Adam(foreach=True)"),
        ("optim_update_cnn2d_3.3M", "adam_fused", CNN,
         lambda ps: A(ps, lr=1e-4, foreach=False), "Adam(foreach=False)"),
        ("optim_update_cnn2d_3.3M", "adamw_fused", CNN,
         lambda ps: W(ps, foreach=True), "AdamW(foreach=True)"),
        ("optim_update_cnn2d_3.3M", "sgd_momentum_fused", CNN,
         lambda ps: S(ps, lr=1e-4, momentum=0.9, foreach=True), "SGD(momentum=0.9, foreach=True)"),
        ("optim_update_mlp50_751", "adam_fused", MLP,
         lambda ps: A(ps, lr=1e-3, foreach=True), "Adam(foreach=True)"),
        ("optim_update_mlp50_751", "adam_fused", MLP,
         lambda ps: A(ps, lr=1e-3, foreach=False), "Adam(foreach=False)"),
    ]
    print(f"torch {torch.__version__}, 1 thread")
    print(f"| workload | PyTorch | PyTorch ms | kit ms | ratio kit/PyTorch |")
    print("|---|---|---|---|---|")
    for group, name, shapes, make, label in rows:
        reps = a.reps if "cnn" in group else a.reps * 20
        t = time_step(shapes, make, reps)
        k = kit_ms(a.target, group, name)
        ks = f"{k:.4f}" if k is not None else "n/a"
        r = f"{k / t:.2f}" if k is not None else "n/a"
        print(f"| {group}/{name} | {label} | {t:.4f} | {ks} | {r} |")


if __name__ == "__main__":
    main()

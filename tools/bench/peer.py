#!/usr/bin/env python3
"""PyTorch peer of the project's criterion benchmarks.

Times, on one thread (torch.set_num_threads(1)), the same workloads the Rust benches time --
the four MNIST-1D models (forward, Adam step; batch 100), the Fashion-MNIST MLP 256-128-100
(Keras-style SGD step, batch 64, and a 750-step epoch), the 2-D CNN of the TensorFlow tutorial
(forward, Adam step; batch 100) and the kit's layers (forward, forward+backward) -- and prints per
workload: PyTorch ms, project ms (criterion's median from <criterion-dir>/**/new/estimates.json)
and the ratio project / PyTorch (< 1: the project is faster).

    /work/venvs/torch/bin/python tools/bench/peer.py [--criterion-dir DIR] [--only SUBSTR]
        [--threads N] [--save FILE.json] [--markdown]

Run the criterion benches first (see reproductions/kit/benches/README.md). Workloads without a
criterion result print "-" for the project.
"""
import argparse
import glob
import json
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def timeit(fn, min_time=2.0, warmup=3, max_reps=200):
    """Median seconds per call of fn() over repeated calls (after warm-up)."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while (time.perf_counter() - start < min_time or len(times) < 5) and len(times) < max_reps:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# --- MNIST-1D models (reproductions/greydanus2020-mnist1d/src/models.rs) ---------------------

class Mlp(nn.Module):
    def __init__(self, hidden=100):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(40, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, 10)

    def forward(self, x):
        h = F.relu(self.l1(x))
        h = h + F.relu(self.l2(h))
        return self.l3(h)


class Cnn1d(nn.Module):
    def __init__(self, c=25):
        super().__init__()
        self.conv1 = nn.Conv1d(1, c, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(c, c, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(c, c, 3, stride=2, padding=1)
        self.linear = nn.Linear(c * 5, 10)

    def forward(self, x):
        h = x.view(-1, 1, 40)
        h = F.relu(self.conv1(h))
        h = F.relu(self.conv2(h))
        h = F.relu(self.conv3(h))
        return self.linear(h.view(h.shape[0], -1))


class Gru(nn.Module):
    def __init__(self, hidden=6):
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(40 * 2 * hidden, 10)

    def forward(self, x):
        out, _ = self.gru(x.view(-1, 40, 1))
        return self.linear(out.reshape(out.shape[0], -1))


# --- 2-D CNN (reproductions/kit/benches/cnn2d_step.rs) -----------------------------------------

class Cnn2d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = nn.Linear(7 * 7 * 64, 1024)
        self.fc2 = nn.Linear(1024, 10)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = F.relu(self.fc1(h.flatten(1)))
        return self.fc2(h)


# --- Fashion-MNIST CNN (reproductions/abelusha2017-fashion-cnn/benches/train_step.rs) ----------

class FashionCnn(nn.Module):
    """Two 3x3x32 'valid' convolutions with 2x2 max pooling, dropout 0.25, dense 128, dropout 0.5,
    softmax (113,386 parameters); NCHW, flattened in NHWC order as Keras does."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 32, 3)
        self.fc1 = nn.Linear(5 * 5 * 32, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = F.dropout(h, 0.25, training=self.training)
        h = h.permute(0, 2, 3, 1).flatten(1)
        h = F.dropout(F.relu(self.fc1(h)), 0.5, training=self.training)
        return torch.softmax(self.fc2(h), -1)


# --- Fashion-MNIST MLP (reproductions/xiao2017-fashion-mnist) ----------------------------------

class FashionMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in [(784, 256), (256, 128), (128, 100), (100, 10)]])

    def forward(self, x):
        for l in self.layers[:-1]:
            x = F.dropout(torch.tanh(l(x)), 0.4, training=True)
        return torch.sigmoid(self.layers[-1](x))


def keras_cce(p, y_onehot):
    p = p / p.sum(-1, keepdim=True)
    p = p.clamp(1e-7, 1 - 1e-7)
    return -(y_onehot * p.log()).sum(-1).mean()


def step_fn(model, opt, x, y, loss_fn):
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def fwd_bwd_fn(model, x, y, loss_fn):
    def fwd_bwd():
        model.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
    return fwd_bwd


def forward_fn(model, x):
    def fwd():
        with torch.no_grad():
            model(x)
    return fwd


def layer_fns(layer, x):
    """(forward, forward+backward of sum) of a layer on a trainable input."""
    x = x.clone().requires_grad_(True)

    def fwd():
        with torch.no_grad():
            layer(x)

    def fwd_bwd():
        layer(x).sum().backward()
    return fwd, fwd_bwd


def workloads(threads):
    """(criterion full id, function) pairs."""
    torch.manual_seed(0)
    w = []
    x40 = torch.rand(100, 40) * 2 - 1
    y100 = torch.arange(100) % 10
    for name, model in [("logistic", nn.Linear(40, 10)), ("mlp", Mlp()), ("cnn", Cnn1d()), ("gru", Gru())]:
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        w.append((f"mnist1d_train_step_batch100/{name}/forward", forward_fn(model, x40)))
        w.append((f"mnist1d_train_step_batch100/{name}/forward_backward",
                  fwd_bwd_fn(model, x40, y100, F.cross_entropy)))
        w.append((f"mnist1d_train_step_batch100/{name}/step", step_fn(model, opt, x40, y100, F.cross_entropy)))

    fm = FashionMlp()
    fopt = torch.optim.SGD(fm.parameters(), lr=0.01, momentum=0.975, nesterov=True)
    x64 = torch.rand(64, 784)
    y64 = F.one_hot(torch.arange(64) % 10, 10).float()
    w.append(("fashion_mlp_256_128_100/step_batch64", step_fn(fm, fopt, x64, y64, keras_cce)))
    xtr = torch.rand(48000, 784)
    ytr = F.one_hot(torch.arange(48000) % 10, 10).float()

    def epoch():
        perm = torch.randperm(48000)
        for i in range(0, 48000, 64):
            idx = perm[i:i + 64]
            step_fn(fm, fopt, xtr[idx], ytr[idx], keras_cce)()
    w.append(("fashion_mlp_256_128_100/epoch_48000", epoch))

    # gal2016 UCI MLP 13 -> 50 -> 1 (reproductions/gal2016-mc-dropout/benches/small_mlp.rs): one
    # Adam step at batch 128 with the dropout masks drawn beforehand (input already masked,
    # hidden multipliers given), MSE + L2 on the kernels; and 100 MC-dropout passes over 51
    # points with fresh masks, mapped to target units, predictive mean and log-sum-exp.
    torch.manual_seed(0)
    g1, g2 = nn.Linear(13, 50), nn.Linear(50, 1)
    gopt = torch.optim.Adam(list(g1.parameters()) + list(g2.parameters()), lr=1e-3)
    keep = 0.95
    xd = (torch.rand(128, 13) * 4 - 2) * (torch.rand(128, 13) < keep) / keep
    hm = (torch.rand(128, 50) < keep).float() / keep
    yg = torch.rand(128, 1)

    def gal_step():
        gopt.zero_grad(set_to_none=True)
        pred = g2(F.relu(g1(xd)) * hm)
        loss = F.mse_loss(pred, yg) + 1e-4 * (g1.weight.pow(2).sum() + g2.weight.pow(2).sum())
        loss.backward()
        gopt.step()
    w.append(("gal2016_adam_step_13_50_1_batch128/host", gal_step))
    xp = torch.rand(51, 13) * 4 - 2
    truth = torch.rand(51, dtype=torch.float64)

    def gal_mc():
        with torch.no_grad():
            xr = F.dropout(xp.repeat(100, 1), 0.05, training=True)
            h = F.dropout(F.relu(g1(xr)), 0.05, training=True)
            pred = (g2(h).view(100, 51).double() * 2.0 + 0.5)
            pred.mean(0)
            torch.logsumexp(-0.5 * (truth - pred).pow(2), 0)
    w.append(("gal2016_mc_pass_rows_51x100/mc_dropout", gal_mc))

    cnn = Cnn2d()
    copt = torch.optim.Adam(cnn.parameters(), lr=1e-4)
    x2 = torch.rand(100, 1, 28, 28) * 2 - 1
    group = f"cnn2d_train_step_batch100_threads{threads}"
    w.append((f"{group}/kit/forward", forward_fn(cnn, x2)))
    w.append((f"{group}/kit/forward_backward", fwd_bwd_fn(cnn, x2, y100, F.cross_entropy)))
    w.append((f"{group}/kit/step", step_fn(cnn, copt, x2, y100, F.cross_entropy)))

    # The Fashion-MNIST CNN of abelusha2017-fashion-cnn at its batch of 64: forward (dropout
    # off) and a training step (dropout on, softmax, Keras cross-entropy, Adam eps 1e-8).
    fc = FashionCnn()
    fcopt = torch.optim.Adam(fc.parameters(), lr=1e-3, eps=1e-8)
    xf = torch.rand(64, 1, 28, 28) * 0.5 + 0.5
    yf = F.one_hot(torch.arange(64) % 10, 10).float()
    fgroup = f"fashion_cnn_batch64_threads{threads}"

    def fc_forward():
        fc.eval()
        with torch.no_grad():
            fc(xf)
    w.append((f"{fgroup}/forward", fc_forward))
    fc_step = step_fn(fc, fcopt, xf, yf, keras_cce)

    def fc_train_step():
        fc.train()
        fc_step()
    w.append((f"{fgroup}/step", fc_train_step))

    lg = f"kit_layers_threads{threads}"
    layers = [
        ("conv1d_25x19_k3s2p1", nn.Conv1d(25, 25, 3, stride=2, padding=1), (100, 25, 19)),
        ("conv2d_1x28x28_32k5p2", nn.Conv2d(1, 32, 5, padding=2), (100, 1, 28, 28)),
        ("conv2d_32x14x14_64k5p2", nn.Conv2d(32, 64, 5, padding=2), (100, 32, 14, 14)),
        ("maxpool2d_32x28x28_k2s2", nn.MaxPool2d(2, 2), (100, 32, 28, 28)),
        ("avgpool2d_32x28x28_k2s2", nn.AvgPool2d(2, 2), (100, 32, 28, 28)),
        ("linear_3136x1024", nn.Linear(3136, 1024), (100, 3136)),
    ]
    for name, layer, shape in layers:
        fwd, fwd_bwd = layer_fns(layer, torch.rand(*shape) * 2 - 1)
        w.append((f"{lg}/{name}/forward", fwd))
        w.append((f"{lg}/{name}/forward_backward", fwd_bwd))
    return w


def criterion_results(root):
    """full id -> median seconds, from criterion's new/estimates.json files."""
    out = {}
    for bj in glob.glob(os.path.join(root, "**", "new", "benchmark.json"), recursive=True):
        with open(bj) as f:
            full_id = json.load(f)["full_id"]
        with open(os.path.join(os.path.dirname(bj), "estimates.json")) as f:
            out[full_id] = json.load(f)["median"]["point_estimate"] / 1e9
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_dir = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    ap.add_argument("--criterion-dir", default=default_dir)
    ap.add_argument("--only", default="", help="run only workloads whose id contains this")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=2.0, help="seconds of timing per workload")
    ap.add_argument("--save", help="also write the table as JSON")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    project = criterion_results(a.criterion_dir)
    rows = []
    for wid, fn in workloads(a.threads):
        if a.only not in wid:
            continue
        t_torch = timeit(fn, min_time=a.min_time if "epoch" not in wid else 0.0, warmup=1 if "epoch" in wid else 3,
                         max_reps=3 if "epoch" in wid else 200)
        t_proj = project.get(wid)
        rows.append({"workload": wid, "pytorch_ms": t_torch * 1e3,
                     "project_ms": None if t_proj is None else t_proj * 1e3,
                     "ratio": None if t_proj is None else t_proj / t_torch})
        r = rows[-1]
        if not a.markdown:
            proj = "-" if r["project_ms"] is None else f"{r['project_ms']:10.3f}"
            ratio = "-" if r["ratio"] is None else f"{r['ratio']:6.2f}"
            print(f"{wid:70s} pytorch {r['pytorch_ms']:10.3f} ms  project {proj} ms  ratio {ratio}", flush=True)
    if a.markdown:
        print("| workload | PyTorch ms | project ms | ratio |\n|---|---|---|---|")
        for r in rows:
            proj = "-" if r["project_ms"] is None else f"{r['project_ms']:.3f}"
            ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
            print(f"| {r['workload']} | {r['pytorch_ms']:.3f} | {proj} | {ratio} |")
    if a.save:
        with open(a.save, "w") as f:
            json.dump({"torch": torch.__version__, "threads": a.threads, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()

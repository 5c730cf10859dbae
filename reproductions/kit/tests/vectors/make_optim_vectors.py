"""Reference values from PyTorch for the kit's optimizer, clipping, schedule and loss tests.

Writes optim_vectors.json next to this script; the Rust test
reproductions/kit/tests/pytorch_vectors.rs replays every case and compares.

    python -m venv venv && venv/bin/pip install -r requirements.txt
    venv/bin/python make_optim_vectors.py

Everything is float32 on the CPU with one thread. Gradients are given explicitly (the test
recreates them exactly as the gradient of sum(w * c) = c).
"""
import json
import math
import pathlib

import torch

torch.set_num_threads(1)
torch.manual_seed(20240611)

SHAPES = [(3, 4), (5,)]
STEPS = 6
# The learning rate is changed to lr * LR_FACTOR before step LR_CHANGE_AT (0-based), to test
# set_learning_rate.
LR_CHANGE_AT = 4
LR_FACTOR = 0.5


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def optimizer_case(name, cls, kwargs, grad_scale=0.5):
    params = [torch.randn(s, dtype=torch.float32) for s in SHAPES]
    init = [flat(p) for p in params]
    ps = [torch.nn.Parameter(p.clone()) for p in params]
    opt = cls(ps, **kwargs)
    grads, after = [], []
    for step in range(STEPS):
        if step == LR_CHANGE_AT:
            for g in opt.param_groups:
                g["lr"] = g["lr"] * LR_FACTOR
        gs = [torch.randn(s, dtype=torch.float32) * grad_scale for s in SHAPES]
        for p, g in zip(ps, gs):
            p.grad = g.clone()
        opt.step()
        grads.append([flat(g) for g in gs])
        after.append([flat(p) for p in ps])
    return {
        "name": name,
        "optimizer": cls.__name__,
        "kwargs": kwargs,
        "shapes": [list(s) for s in SHAPES],
        "init": init,
        "grads": grads,
        "after": after,
    }


def optimizer_cases():
    S, A, W, R = torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop
    specs = [
        ("sgd_plain", S, dict(lr=0.1)),
        ("sgd_momentum", S, dict(lr=0.05, momentum=0.9)),
        ("sgd_dampening_wd", S, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
        ("sgd_nesterov_wd", S, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.001)),
        ("adam_default", A, dict(lr=1e-3)),
        ("adam_betas_eps_wd", A, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
        ("adam_amsgrad", A, dict(lr=0.01, amsgrad=True)),
        ("adam_beta1_small", A, dict(lr=0.01, betas=(0.3, 0.9))),
        ("adamw_default", W, dict(lr=0.01)),
        ("adamw_wd_amsgrad", W, dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
        ("rmsprop_default", R, dict(lr=0.01)),
        ("rmsprop_centered", R, dict(lr=0.01, alpha=0.9, centered=True)),
        ("rmsprop_momentum_wd", R, dict(lr=0.01, momentum=0.9, weight_decay=0.01)),
        ("rmsprop_centered_momentum", R, dict(lr=0.01, momentum=0.5, centered=True, eps=1e-6)),
    ]
    # Gradients of order 1e-6, where ε dominates the denominator: these cases fail if ε is
    # placed inside the square root or before the bias correction.
    tiny = [
        ("adam_tiny_grads_eps", A, dict(lr=0.01, eps=1e-6)),
        ("adamw_tiny_grads_eps", W, dict(lr=0.01, eps=1e-6)),
        ("rmsprop_tiny_grads_eps", R, dict(lr=0.01, eps=1e-6)),
    ]
    out = []
    for (name, cls, kw), scale in [(s, 0.5) for s in specs] + [(s, 1e-6) for s in tiny]:
        kw = dict(kw)
        case = optimizer_case(name, cls, kw, scale)
        if "betas" in kw:
            case["kwargs"]["betas"] = list(kw["betas"])
        out.append(case)
    return out


def clip_cases():
    out = []
    for max_norm, scale in [(1.0, 1.0), (100.0, 1.0), (0.5, 3.0)]:
        ps = [torch.nn.Parameter(torch.zeros(s)) for s in SHAPES]
        gs = [torch.randn(s) * scale for s in SHAPES]
        for p, g in zip(ps, gs):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        out.append({
            "max_norm": max_norm,
            "shapes": [list(s) for s in SHAPES],
            "grads": [flat(g) for g in gs],
            "total_norm": float(total),
            "clipped": [flat(p.grad) for p in ps],
        })
    return out


def schedule_cases():
    def run(make, n):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=0.1)
        sched = make(opt)
        lrs = []
        for _ in range(n):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return lrs

    S = torch.optim.lr_scheduler
    return {
        "step_lr": {"initial": 0.1, "step_size": 3, "gamma": 0.5,
                    "lrs": run(lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12)},
        "cosine": {"initial": 0.1, "t_max": 10, "eta_min": 0.001,
                   "lrs": run(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 25)},
    }


def loss_cases():
    F = torch.nn.functional
    out = {}
    logits = torch.randn(6, 5) * 3
    labels = torch.randint(0, 5, (6,))
    ce = {}
    for ls in [0.0, 0.1, 0.3]:
        x = logits.clone().requires_grad_(True)
        loss = F.cross_entropy(x, labels, label_smoothing=ls)
        loss.backward()
        ce[str(ls)] = {"loss": float(loss.detach()), "grad": flat(x.grad)}
    out["cross_entropy"] = {"logits": flat(logits), "shape": [6, 5],
                            "labels": [int(v) for v in labels], "by_smoothing": ce}

    z = torch.randn(4, 3) * 4
    y = torch.rand(4, 3)
    x = z.clone().requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(x, y)
    loss.backward()
    out["bce_with_logits"] = {"logits": flat(z), "targets": flat(y), "shape": [4, 3],
                              "loss": float(loss.detach()), "grad": flat(x.grad)}
    p = torch.sigmoid(torch.randn(4, 3))
    x = p.clone().requires_grad_(True)
    loss = F.binary_cross_entropy(x, y)
    loss.backward()
    out["bce"] = {"probs": flat(p), "targets": flat(y), "shape": [4, 3],
                  "loss": float(loss.detach()), "grad": flat(x.grad)}

    a, b = torch.randn(4, 3), torch.randn(4, 3)
    x = a.clone().requires_grad_(True)
    loss = F.mse_loss(x, b)
    loss.backward()
    out["mse"] = {"pred": flat(a), "target": flat(b), "shape": [4, 3],
                  "loss": float(loss.detach()), "grad": flat(x.grad)}

    mu, t = torch.randn(8), torch.randn(8)
    var = torch.rand(8) * 2 + 0.05
    var[3] = 1e-8  # below eps: clamped in the value, gradient straight through
    g = {}
    for full in [True, False]:
        m = mu.clone().requires_grad_(True)
        v = var.clone().requires_grad_(True)
        loss = torch.nn.GaussianNLLLoss(full=full, eps=1e-6)(m, t, v)
        loss.backward()
        g[str(full)] = {"loss": float(loss.detach()), "grad_mean": flat(m.grad), "grad_var": flat(v.grad)}
    out["gaussian_nll"] = {"mean": flat(mu), "var": flat(var), "target": flat(t), "by_full": g}
    return out


def main():
    data = {
        "generator": "make_optim_vectors.py",
        "torch": torch.__version__,
        "lr_change_at": LR_CHANGE_AT,
        "lr_factor": LR_FACTOR,
        "optimizers": optimizer_cases(),
        "clip_grad_norm": clip_cases(),
        "schedules": schedule_cases(),
        "losses": loss_cases(),
    }
    path = pathlib.Path(__file__).with_name("optim_vectors.json")
    path.write_text(json.dumps(data) + "\n")
    print(f"wrote {path} (torch {torch.__version__})")


if __name__ == "__main__":
    main()

"""Benchmark: µs per Trainer.step() with the full trace, against a bare inline NumPy step and a PyTorch float64
step of the same net (tanh hidden layers, sigmoid output with BCE, full batch, plain SGD), plain and with batch
norm before every hidden tanh and dropout p = 0.2 after it (issue 15).

Budget (issue 14): ≤ 2× the bare NumPy step and ≤ 0.6× the PyTorch step at every size. The last column is the
bare NumPy step over PyTorch's: where it is above 0.6 no step that trains the net can meet the PyTorch budget
(the trace step does everything the bare one does, and more), so the verdict leaves those sizes out. With batch norm or
dropout a training pass is not an evaluation pass, so the trace step makes one forward pass more than the
others: the evaluation of the new weights (train/test loss, accuracy) that the plain net gets for free.
Run: .venv/bin/python bench/engine_step.py   (`make bench` installs PyTorch, the optional `bench` extra)
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import Config, Trainer

CASES = [("2-8-8-1", (8, 8), 200), ("2-16-16-16-1", (16, 16, 16), 500), ("2-(32×6)-1", (32,) * 6, 1000)]
BUDGET_NUMPY, BUDGET_TORCH = 2.0, 0.6
DROPOUT = 0.2
EPS, MOMENTUM = 1e-5, 0.1


def bare_step_factory(trainer: Trainer):
    """Return a closure doing forward + loss + backward + SGD update of the same net (tanh hidden, sigmoid+BCE), with
    batch norm and dropout when the trainer has them: what the PyTorch step does (it computes the loss too), in
    the fewest NumPy calls."""
    if trainer.config.batch_norm or trainer.config.dropout:
        return bare_bn_dropout_step_factory(trainer)
    params = [(W.copy(), b.copy()) for W, b in trainer.params]
    X, y = trainer.split.X_train, trainer.split.y_train
    lr, B = trainer.config.lr, X.shape[0]

    def step():
        acts = [X]
        a = X
        for i, (W, b) in enumerate(params):
            z = a @ W.T + b
            a = np.tanh(z) if i < len(params) - 1 else 1.0 / (1.0 + np.exp(-z))
            acts.append(a)
        loss = np.logaddexp(0.0, (1.0 - 2.0 * y) * z).mean()   # BCE on the logit, as BCEWithLogitsLoss  # noqa: F841
        delta = acts[-1] - y
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            grad_W = delta.T @ acts[i] / B
            grad_b = delta.mean(axis=0)
            if i:
                delta = (delta @ W) * (1.0 - acts[i] ** 2)
            params[i] = (W - lr * grad_W, b - lr * grad_b)

    return step


def bare_bn_dropout_step_factory(trainer: Trainer):
    """Return a closure doing one training step of a net with batch norm before each hidden tanh and dropout after
    it: forward with the batch's statistics, backward with the three-term formula, SGD on W, b, γ, β, running
    statistics moved. No trace, no evaluation."""
    params = [(W.copy(), b.copy()) for W, b in trainer.params]
    n = [W.shape[0] for W, _ in params[:-1]]
    norm = [[np.ones(k), np.zeros(k), np.zeros(k), np.ones(k)] for k in n]   # γ, β, running mean, running var
    X, y = trainer.split.X_train, trainer.split.y_train
    lr, B, p = trainer.config.lr, X.shape[0], trainer.config.dropout
    rng = np.random.default_rng(0)

    def step():
        ins, cache, a = [], [], X
        for i, (W, b) in enumerate(params[:-1]):
            ins.append(a)
            z = a @ W.T + b
            mu, var = z.mean(axis=0), z.var(axis=0)
            x_hat = (z - mu) / np.sqrt(var + EPS)
            h = np.tanh(norm[i][0] * x_hat + norm[i][1])
            m = (rng.random(h.shape) >= p) / (1 - p)
            norm[i][2] = (1 - MOMENTUM) * norm[i][2] + MOMENTUM * mu
            norm[i][3] = (1 - MOMENTUM) * norm[i][3] + MOMENTUM * var * B / (B - 1)
            cache.append((x_hat, var, h, m))
            a = h * m
        ins.append(a)
        W, b = params[-1]
        z = a @ W.T + b
        loss = np.logaddexp(0.0, (1.0 - 2.0 * y) * z).mean()   # BCE on the logit, as BCEWithLogitsLoss  # noqa: F841
        delta = 1.0 / (1.0 + np.exp(-z)) - y
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            grad_W, grad_b = delta.T @ ins[i] / B, delta.mean(axis=0)
            if i:
                x_hat, var, h, m = cache[i - 1]
                g, bt = norm[i - 1][:2]
                dy = (delta @ W) * m * (1.0 - h ** 2)
                delta = g / np.sqrt(var + EPS) * (dy - dy.mean(axis=0) - x_hat * (dy * x_hat).mean(axis=0))
                norm[i - 1][0] = g - lr * (dy * x_hat).mean(axis=0)
                norm[i - 1][1] = bt - lr * dy.mean(axis=0)
            params[i] = (W - lr * grad_W, b - lr * grad_b)

    return step


def torch_step_factory(trainer: Trainer):
    """Return a closure doing one PyTorch float64 training step of the same net (BatchNorm1d before each hidden
    Tanh and Dropout after it when the trainer has them), or None without PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    layers = []
    for k, (W, b) in enumerate(trainer.params):
        lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if k < len(trainer.params) - 1:
            if trainer.config.batch_norm:
                layers.append(torch.nn.BatchNorm1d(W.shape[0], eps=EPS, momentum=MOMENTUM, dtype=torch.float64))
            layers.append(torch.nn.Tanh())
            if trainer.config.dropout:
                layers.append(torch.nn.Dropout(trainer.config.dropout))
    model = torch.nn.Sequential(*layers)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=trainer.config.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    X, y = torch.from_numpy(trainer.split.X_train), torch.from_numpy(trainer.split.y_train)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()

    return step


def best_us(fns, n: int, rounds: int = 9) -> list[float]:
    """Return the best mean µs per call of each fn, timed in alternating rounds of n calls.

    Alternating keeps a slow patch of the machine (a noisy neighbour, a frequency change) from landing on one
    side of a ratio only.
    """
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            best[k] = min(best[k], (time.perf_counter() - t0) / n)
    return [b * 1e6 for b in best]


def main() -> None:
    torch_here = torch_step_factory(Trainer(Config(hidden=(2,)))) is not None
    print(f"{'net':<22}{'N':>6}{'trace step µs':>15}{'bare NumPy µs':>15}{'ratio':>7}{'PyTorch µs':>12}{'ratio':>7}"
          f"{'bare/PyTorch':>14}")
    worst = {}
    for extra, label in (({}, ""), ({"batch_norm": True, "dropout": DROPOUT}, " BN+drop")):
        for name, hidden, n in CASES:
            cfg = Config(hidden=hidden, n_samples=n, lr=0.1, **extra)
            fns = [Trainer(cfg).step, bare_step_factory(Trainer(cfg))]
            if torch_here:
                fns.append(torch_step_factory(Trainer(cfg)))
            times = best_us(fns, 1000 if n <= 200 else 300)
            w = worst.setdefault(label, [0.0, 0.0])
            w[0] = max(w[0], times[0] / times[1])
            line = f"{name + label:<22}{n:>6}{times[0]:>15.1f}{times[1]:>15.1f}{times[0] / times[1]:>7.2f}"
            if torch_here:
                reachable = times[1] / times[2] <= BUDGET_TORCH
                if reachable:
                    w[1] = max(w[1], times[0] / times[2])
                line += (f"{times[2]:>12.1f}{times[0] / times[2]:>7.2f}{times[1] / times[2]:>14.2f}"
                         + ("" if reachable else "  (PyTorch budget out of reach: bare alone is over 0.6)"))
            print(line)
    tracemalloc.start()
    trainer = Trainer(Config(hidden=(8, 8), n_samples=200))
    trainer.run(10_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory, 10 000 steps of 2-8-8-1/N=200: {peak / 2**20:.1f} MB (target ≤ 20 MB)")
    for label, (worst_np, worst_torch) in worst.items():
        what = label.strip() or "plain"
        print(f"{what}: worst ratio to bare NumPy {worst_np:.2f} (budget ≤ {BUDGET_NUMPY})"
              + (f", to PyTorch float64 {worst_torch:.2f} where reachable (budget ≤ {BUDGET_TORCH})"
                 if torch_here else ""))
    if not torch_here:
        print("PyTorch not installed: `make bench` installs it (the optional `bench` extra)")


if __name__ == "__main__":
    main()

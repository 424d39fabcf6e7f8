"""Time bootstrap_ci and by_batch against naive Python loops measured in the same run.

Run: .venv/bin/python benchmarks/metrics.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from modellab.metrics import bootstrap_ci, by_batch


def timed(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def naive_bootstrap(y, p, n_boot, seed=0):
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n_boot):
        idx = rng.integers(0, y.size, y.size)
        vals.append(skm.roc_auc_score(y[idx], p[idx]))
    return np.percentile(vals, [2.5, 97.5])


def naive_by_batch(df, n_boot):
    rows = []
    for key, part in df.groupby("batch"):
        y, p = part["default"].to_numpy(), part["score"].to_numpy()
        lo, hi = naive_bootstrap(y, p, n_boot)
        rows.append({"batch": key, "roc_auc": skm.roc_auc_score(y, p), "low": lo, "high": hi})
    return pd.DataFrame(rows)


def main():
    rng = np.random.default_rng(0)
    n = 5000
    y = rng.integers(0, 2, n).astype(float)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
    fast = timed(lambda: bootstrap_ci("roc_auc", y, p, n_boot=1000))
    slow = timed(lambda: naive_bootstrap(y, p, 1000), repeat=1)
    print(f"bootstrap_ci roc_auc, 1000 x {n} rows: {fast:.3f}s vs loop {slow:.3f}s "
          f"({slow / fast:.1f}x faster)")

    frames = []
    for b in range(20):
        yb = rng.integers(0, 2, 1000).astype(float)
        frames.append(pd.DataFrame({"batch": b, "default": yb,
                                    "score": np.clip(0.3 * yb + rng.uniform(0, 0.7, 1000), 0, 1)}))
    df = pd.concat(frames, ignore_index=True)
    fast = timed(lambda: by_batch(df, metrics=["roc_auc"], ci=True, n_boot=200), repeat=2)
    slow = timed(lambda: naive_by_batch(df, 200), repeat=1)
    print(f"by_batch roc_auc + 95% CI, 20 batches x 1000 rows, 200 resamples: {fast:.3f}s vs "
          f"loop {slow:.3f}s ({slow / fast:.1f}x faster)")
    plain = timed(lambda: by_batch(df))
    print(f"by_batch all metrics, no CI: {plain:.3f}s")


if __name__ == "__main__":
    main()

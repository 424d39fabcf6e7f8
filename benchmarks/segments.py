"""Segment metrics on many rows and segments: modellab.metrics.by_segment vs Fairlearn's MetricFrame.

Both contenders run in the same process on the same data; the script prints times and ratios,
and checks that the point values agree. Fairlearn computes point values only unless asked for
bootstrap intervals (``n_boot``), which it gets by resampling the *whole* frame; by_segment
resamples within each segment. Three lines are printed:

1. point values only: by_segment(n_boot=1) vs MetricFrame;
2. with 95% intervals: by_segment(n_boot=N) vs MetricFrame(n_boot=N);
3. the same metrics computed by a pandas groupby + scikit-learn loop, as a floor.

Run: .venv/bin/python benchmarks/segments.py [--rows 1000000] [--segments 50] [--boot 100]
(the issue's size is 1M rows x 50 segments; on a shared machine start with --rows 100000).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame
from sklearn import metrics as skm

from modellab.metrics import by_segment

METRICS = ["recall", "precision", "roc_auc"]
SK = {"recall": skm.recall_score, "precision": skm.precision_score}


def timed(fn, repeat=1):
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def data(rows: int, segments: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.beta(1.2, 8.0, rows)
    return pd.DataFrame({
        "segment": rng.integers(0, segments, rows).astype(str),
        "score": score,
        "default": (rng.random(rows) < score).astype(np.int64),
        "prediction": (score >= 0.2).astype(np.int64),
    })


def fairlearn_frame(df: pd.DataFrame, n_boot: int | None = None):
    labels = MetricFrame(metrics=SK, y_true=df["default"], y_pred=df["prediction"],
                         sensitive_features=df["segment"], n_boot=n_boot,
                         ci_quantiles=[0.025, 0.975] if n_boot else None,
                         random_state=0 if n_boot else None)
    ranking = MetricFrame(metrics={"roc_auc": skm.roc_auc_score}, y_true=df["default"],
                          y_pred=df["score"], sensitive_features=df["segment"], n_boot=n_boot,
                          ci_quantiles=[0.025, 0.975] if n_boot else None,
                          random_state=0 if n_boot else None)
    return labels, ranking


def groupby_loop(df: pd.DataFrame) -> pd.DataFrame:
    rows = {}
    for key, part in df.groupby("segment"):
        rows[key] = {"recall": skm.recall_score(part["default"], part["prediction"]),
                     "precision": skm.precision_score(part["default"], part["prediction"]),
                     "roc_auc": skm.roc_auc_score(part["default"], part["score"])}
    return pd.DataFrame(rows).T


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=50)
    parser.add_argument("--boot", type=int, default=100)
    args = parser.parse_args()
    df = data(args.rows, args.segments)
    print(f"{args.rows:,} rows x {args.segments} segments, metrics {METRICS}; "
          f"load average {_load()} (a busy machine slows both contenders)")

    t_ours, ours = timed(lambda: by_segment(df, "segment", METRICS, n_boot=1))
    t_fl, (fl_labels, fl_rank) = timed(lambda: fairlearn_frame(df))
    t_loop, _ = timed(lambda: groupby_loop(df))
    wide = ours.pivot(index="segment", columns="metric", values="value")
    by_group = pd.concat([fl_labels.by_group, fl_rank.by_group], axis=1).astype(float)
    diff = (wide[METRICS].sort_index() - by_group[METRICS].sort_index()).abs().to_numpy().max()
    print(f"point values: by_segment {t_ours:.2f}s, Fairlearn MetricFrame {t_fl:.2f}s "
          f"(ratio {t_fl / t_ours:.2f}), groupby + scikit-learn loop {t_loop:.2f}s; "
          f"largest difference {diff:.1e}")

    t_ours_ci, _ = timed(lambda: by_segment(df, "segment", METRICS, n_boot=args.boot))
    t_fl_ci, _ = timed(lambda: fairlearn_frame(df, n_boot=args.boot))
    print(f"with {args.boot} bootstrap resamples: by_segment {t_ours_ci:.2f}s, "
          f"Fairlearn MetricFrame {t_fl_ci:.2f}s (ratio {t_fl_ci / t_ours_ci:.2f}); "
          f"load average {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()

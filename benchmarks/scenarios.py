"""Benchmark of modellab.scenarios: production rows generated and scored per second.

For each size (10k, 100k, 1M production rows) it times a full pass over
``Scenario.iter_batches()`` of a scenario (population draw, drift primitives,
default labels, DataFrame with pandas string columns, model scoring), in two
layouts: 10 large batches, and 1,000-row batches (the course's default batch
size, where per-batch overhead shows). In the same run it measures the parts of
one large batch and two baselines:

- ``numpy draw``: the raw vectorised population draw alone (the floor);
- ``HGB scoring``: a HistGradientBoostingClassifier of similar accuracy scoring
  the same rows, which is why the course model is a binned logistic scorecard.

Target: 1M rows in under 2 s on 2 cores. No asserts: it prints figures.

Usage::

    python benchmarks/scenarios.py                    # 10k, 100k, 1M rows
    python benchmarks/scenarios.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from modellab import scenarios as sc
from modellab.scenarios import world
from modellab.scenarios.scenario import _draw


def _time(fn, repeat: int = 1) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _stream(name: str, rows: int, batches: int) -> float:
    s = sc.make(name, n_reference=1000, n_batches=batches, batch_size=rows // batches)
    s.reference  # noqa: B018 - warm up: reference, model and world statistics
    return _time(lambda: sum(len(b) for b in s.iter_batches()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--scenario", default="covariate_shift_sudden")
    args = parser.parse_args(argv)
    print(f"modellab.scenarios benchmark on {os.cpu_count()} core(s), scenario {args.scenario!r}")
    sc.make("stable", n_batches=1, batch_size=10).reference  # noqa: B018 - warm caches

    print(f"\n{'rows':>10}  {'layout':<22} {'seconds':>8} {'rows/s':>12}")
    for rows in args.sizes:
        layouts = [("10 batches", 10)]
        if rows // 1000 >= 10:
            layouts.append(("1,000-row batches", rows // 1000))
        for label, batches in layouts:
            sec = _stream(args.scenario, rows, batches)
            print(f"{rows:>10,}  {label:<22} {sec:>8.3f} {rows / sec:>12,.0f}")

    # Parts of one large batch, and the baselines, at the largest size.
    n = max(args.sizes)
    s = sc.make(args.scenario, n_reference=1000, n_batches=20, batch_size=n)
    model = s.model
    rng = np.random.default_rng(0)
    t_numpy = _time(lambda: world.sample_population(rng, n), repeat=2)
    data = _draw(rng, n, [])
    t_labels = _time(lambda: rng.random(n) < world.sigmoid(world.default_logit(data)), repeat=2)
    t_frame = _time(lambda: data.to_frame(), repeat=2)
    frame = data.to_frame()
    t_score = _time(lambda: model.predict_proba(frame[s.features]), repeat=2)
    t_batch = _time(lambda: s.batch(15), repeat=2)

    # HGB gets raw category codes and numbers (no encoding cost counted against it).
    train = _draw(np.random.default_rng(1), 20_000, [])
    X = np.column_stack(
        [
            *(data.codes[c] for c in world.CATEGORICAL_FEATURES),
            *(data.numeric[c] for c in world.NUMERIC_FEATURES),
        ]
    )
    X_train = np.column_stack(
        [
            *(train.codes[c] for c in world.CATEGORICAL_FEATURES),
            *(train.numeric[c] for c in world.NUMERIC_FEATURES),
        ]
    )
    hgb = HistGradientBoostingClassifier(
        max_iter=60,
        learning_rate=0.15,
        max_leaf_nodes=15,
        categorical_features=[0, 1, 2],
        early_stopping=False,
        random_state=0,
    ).fit(X_train, train.label)
    t_hgb = _time(lambda: hgb.predict_proba(X), repeat=1)
    auc_hgb = roc_auc_score(data.label, hgb.predict_proba(X)[:, 1])
    auc_card = roc_auc_score(data.label, model.predict_proba(frame[s.features])[:, 1])

    print(f"\nParts of one batch of {n:,} rows (best of 2):")
    print(f"  numpy population draw      {t_numpy:7.3f} s   (baseline)")
    print(f"  default labels             {t_labels:7.3f} s")
    print(f"  DataFrame (str columns)    {t_frame:7.3f} s")
    print(f"  scorecard scoring          {t_score:7.3f} s   ROC-AUC {auc_card:.3f}")
    ratio = t_batch / t_numpy
    print(f"  whole drifted batch        {t_batch:7.3f} s   = {ratio:.1f}x the numpy draw")
    print(
        f"  HGB scoring (60 trees)     {t_hgb:7.3f} s   ROC-AUC {auc_hgb:.3f}, "
        f"{t_hgb / t_score:.1f}x the scorecard's time"
    )


if __name__ == "__main__":
    main()

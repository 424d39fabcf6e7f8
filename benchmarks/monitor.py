"""Benchmark: what does monitoring cost per batch, compared with the raw computations?

Monitors ``--batches`` batches of ``--rows`` rows (default 100 x 10,000) of the
``covariate_shift_gradual`` scenario and prints seconds per batch for

* baseline: ``DriftDetector.test`` (detector fitted once) + ``classification_summary``
  per batch - the statistics alone;
* baseline, one-shot: ``modellab.drift.compare`` (fit + test) + ``classification_summary``;
* ``Monitor.run`` in memory (metrics, drift, histograms, missing rates, rules);
* ``Monitor.run`` writing to a SQLite store (one transaction per batch);
* a second ``run`` on the same store (everything already stored: the cron re-run).

and the monitor's overhead ratio against the baseline measured in the same run.

Usage: ``python benchmarks/monitor.py [--batches 100] [--rows 10000]``
"""

from __future__ import annotations

import argparse
import pathlib
import tempfile
import time

from modellab import scenarios
from modellab.drift import DriftDetector, compare
from modellab.metrics import classification_summary
from modellab.monitor import Monitor


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    s = scenarios.make("covariate_shift_gradual", seed=args.seed, n_reference=20_000,
                       n_batches=args.batches, batch_size=args.rows)
    t_gen, production = timed(lambda: s.production)
    reference, features, thr = s.reference, s.features, s.threshold
    groups = [g for _, g in production.groupby("batch", sort=True)]
    n = len(groups)
    print(f"{n} batches x {args.rows:,} rows, {len(features)} features "
          f"(data generated in {t_gen:.1f} s)")

    def baseline():
        detector = DriftDetector().fit(reference[features])
        for g in groups:
            detector.test(g[features])
            classification_summary(g["default"], g["score"], thr)

    def one_shot():
        for g in groups[: max(1, n // 10)]:  # a tenth of the batches is enough to time it
            compare(reference[features], g[features])
            classification_summary(g["default"], g["score"], thr)

    t_base, _ = timed(baseline)
    t_once, _ = timed(one_shot)
    t_once *= n / max(1, n // 10)
    t_mem, result = timed(lambda: Monitor(reference, features=features).run(production))
    with tempfile.TemporaryDirectory() as tmp:
        store = pathlib.Path(tmp) / "monitor.db"
        t_store, _ = timed(lambda: Monitor(reference, features=features, store=store).run(production))
        t_again, again = timed(lambda: Monitor(reference, features=features, store=store).run(production))
        size = store.stat().st_size
    assert again.new_batches == [] and len(again.history) == n

    rows = [
        ("baseline: detector.test + classification_summary", t_base),
        ("baseline: drift.compare + classification_summary", t_once),
        ("Monitor.run, in memory", t_mem),
        ("Monitor.run, SQLite store", t_store),
        ("Monitor.run again, all batches already stored", t_again),
    ]
    print(f"{'':52s} {'s/batch':>9s} {'x baseline':>11s}")
    for label, t in rows:
        print(f"{label:52s} {t / n:9.4f} {t / t_base:11.2f}")
    print(f"store size: {size / 1e6:.2f} MB for {n} batches; "
          f"{len(result.alerts)} alerts, first at batch {result.first_alert()['batch']}")


if __name__ == "__main__":
    main()

"""Benchmark of modellab.estimate (CBPE) against NannyML's CBPE and a carry-forward baseline.

Worlds: the course scenarios ``covariate_shift_delayed`` (the estimate should track the drop)
and ``concept_drift_delayed`` (the estimate cannot see it), 20 weekly batches, at several
total production sizes (10k, 100k, 1M rows: batches of 500, 5,000, 50,000 rows; reference of
max(5,000, 2 batches) rows), each drawn with ``--seeds`` seeds (default 3): one seed's MAE
moves by about as much as the two estimators differ, so the table averages over seeds.
Labels are pending for the last 8 batches; the *later-realised* metrics come from the same
worlds with every label (``modellab.estimate.later_labels``), computed with scikit-learn.

Per world and size it prints, for ROC-AUC, accuracy, precision, recall and F1, the mean
absolute error (MAE) over all 20 batches (averaged over the seeds) of

- ``modellab``: ``PerformanceEstimator.fit(reference).estimate(production)``;
- ``nannyml``: ``nannyml.CBPE`` with the same threshold (``y_pred``), metrics and chunk size,
  when a NannyML interpreter is available (see below);
- ``diff``: modellab - nannyml, with its standard error over the seeds (negative: modellab
  is closer to the truth);
- ``carry``: the naive answer without estimation: each pending batch gets the metric of the
  last labelled batch (MAE over the pending batches only);

and the time of each estimator doing the same work: fit on the labelled reference, then
estimate the 20 production batches with their labels withheld (bands and alerts included on
both sides), on data already in memory (imports and file reading excluded), best of
``--repeats`` runs (default 5) per seed, averaged over the seeds (modellab's split into fit
and estimate); and the ratio NannyML / modellab. Nothing is asserted: it prints. The best of
several runs (as ``timeit`` does) keeps a scheduler hiccup out of a 30 ms run; both sides get
the same number of runs. The machine may be shared: the ratio of the same run is what
counts, and the load average is printed with it.

NannyML 0.13.1 needs pandas < 3, so it runs in a separate virtual environment, in a
subprocess fed with Parquet files (its usage statistics switched off, so it does not try
the network while timed):

- ``--nannyml-python PATH``: use that interpreter;
- otherwise ``artifacts/nannyml-venv/bin/python`` when it exists;
- ``--make-venv``: create that venv first (``pip install nannyml==0.13.1 "pandas<3"
  statsmodels``: a few minutes and several hundred MB);
- without any of them the NannyML column is skipped with a message.

Usage::

    python benchmarks/estimate.py                       # 10k, 100k, 1M rows
    python benchmarks/estimate.py --sizes 10000 --seeds 5 --make-venv
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from modellab.estimate import PerformanceEstimator, later_labels
from modellab.scenarios import make

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV = ROOT / "artifacts" / "nannyml-venv"
METRICS = ["roc_auc", "accuracy", "precision", "recall", "f1"]
WORLDS = ["covariate_shift_delayed", "concept_drift_delayed"]
N_BATCHES = 20

# Reads every (reference, analysis) pair first, then times fit + estimate of each.
_NANNYML = r"""
import json, sys, time
import pandas as pd
import nannyml as nml
jobs = json.loads(sys.argv[1]); metrics = sys.argv[2].split(","); repeats = int(sys.argv[3])
data = [(pd.read_parquet(j["ref"]), pd.read_parquet(j["ana"]), j["chunk_size"]) for j in jobs]
out = []
for ref, ana, chunk_size in data:
    best = float("inf")
    for _ in range(repeats):
        ref_run, ana_run = ref.copy(), ana.copy()  # CBPE adds columns to what it is given
        start = time.perf_counter()
        est = nml.CBPE(problem_type="classification_binary", y_pred_proba="score",
                       y_pred="prediction", y_true="default", metrics=metrics,
                       chunk_size=chunk_size)
        est.fit(ref_run)
        res = est.estimate(ana_run)
        best = min(best, time.perf_counter() - start)
    df = res.filter(period="analysis").to_df()
    out.append({"seconds": best, "calibrated": bool(est.needs_calibration),
                "estimates": {m: df[(m, "value")].astype(float).tolist() for m in metrics}})
print(json.dumps({"runs": out, "version": nml.__version__}))
"""


def realised(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Metrics per batch with every label (scikit-learn), one column per metric."""
    rows = {}
    for b, g in frame.groupby("batch"):
        y, s = g["default"].to_numpy(int), g["score"].to_numpy()
        pred = (s >= threshold).astype(int)
        rows[b] = {
            "roc_auc": skm.roc_auc_score(y, s), "accuracy": skm.accuracy_score(y, pred),
            "precision": skm.precision_score(y, pred, zero_division=np.nan),
            "recall": skm.recall_score(y, pred, zero_division=np.nan),
            "f1": skm.f1_score(y, pred, zero_division=np.nan),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def nannyml_python(args) -> pathlib.Path | None:
    if args.nannyml_python:
        return pathlib.Path(args.nannyml_python)
    python = VENV / "bin" / "python"
    if not python.exists() and args.make_venv:
        print(f"creating {VENV} with nannyml==0.13.1 (pandas<3) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        # NannyML 0.13.1 imports statsmodels without declaring it.
        subprocess.run([str(python), "-m", "pip", "install", "-q", "nannyml==0.13.1", "pandas<3",
                        "statsmodels"], check=True)
    return python if python.exists() else None


def run_nannyml(python, worlds, repeats) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for i, (world, _) in enumerate(worlds):
            ref_path, ana_path = pathlib.Path(tmp) / f"ref{i}.parquet", pathlib.Path(tmp) / f"ana{i}.parquet"
            world.reference[["score", "prediction", "default"]].to_parquet(ref_path)
            world.production[["score", "prediction"]].to_parquet(ana_path)
            jobs.append({"ref": str(ref_path), "ana": str(ana_path), "chunk_size": world.batch_size})
        env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1"}
        done = subprocess.run([str(python), "-c", _NANNYML, json.dumps(jobs), ",".join(METRICS),
                               str(repeats)], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            print(f"  NannyML failed: {done.stderr.strip().splitlines()[-1:]}")
            return None
        return json.loads(done.stdout.strip().splitlines()[-1])


def run_modellab(world, repeats) -> tuple[pd.DataFrame, tuple[float, float, float], str]:
    """Estimates, (fit + estimate, fit, estimate) seconds of the fastest run, calibration."""
    production = world.production.drop(columns="default")  # labels withheld, as for NannyML
    best = (float("inf"), 0.0, 0.0)
    for _ in range(repeats):
        start = time.perf_counter()
        est = PerformanceEstimator(threshold=world.threshold, chunk_size=world.batch_size)
        est.fit(world.reference)
        fitted = time.perf_counter()
        out = est.estimate(production)
        end = time.perf_counter()
        best = min(best, (end - start, fitted - start, end - fitted))
    return out.pivot(index="batch", columns="metric", values="estimate")[METRICS], best, est.calibration_


def bench(name: str, n_rows: int, python, seeds: int, repeats: int) -> None:
    batch = n_rows // N_BATCHES
    worlds = []
    for seed in range(seeds):
        world = make(name, seed=seed, n_reference=max(5000, 2 * batch), n_batches=N_BATCHES,
                     batch_size=batch)
        worlds.append((world, realised(later_labels(world), world.threshold)))
    peer = run_nannyml(python, worlds, repeats) if python else None
    errors, seconds, chosen = [], [], []
    for i, (world, truth) in enumerate(worlds):
        ours, ours_s, calibration = run_modellab(world, repeats)
        chosen.append(calibration)
        pending = world.production.groupby("batch")["default"].apply(lambda y: y.isna().all())
        last_labelled = int(pending[~pending].index.max())
        for m in METRICS:
            row = {"seed": i, "metric": m, "modellab": (ours[m] - truth[m]).abs().mean()}
            if peer:
                theirs = np.asarray(peer["runs"][i]["estimates"][m], dtype=float)[: len(truth)]
                row["nannyml"] = np.nanmean(np.abs(theirs - truth[m].to_numpy()))
            row["carry (pending)"] = (truth.loc[pending[pending].index, m]
                                      - truth.loc[last_labelled, m]).abs().mean()
            errors.append(row)
        seconds.append(ours_s)
    errors = pd.DataFrame(errors)
    table = errors.groupby("metric", sort=False).mean().drop(columns="seed")
    if peer:
        diff = (errors["modellab"] - errors["nannyml"]).groupby(errors["metric"], sort=False)
        se = diff.std(ddof=1) / np.sqrt(seeds) if seeds > 1 else diff.mean() * np.nan
        table.insert(2, "diff", [f"{d:+.4f} ± {s:.4f}" for d, s in zip(diff.mean(), se, strict=True)])
    print(f"\n{name}, {n_rows:,} rows ({N_BATCHES} batches of {batch:,}; reference "
          f"{worlds[0][0].n_reference:,}; {seeds} seed(s)); MAE vs later-realised metric:")
    print(table.round(4).to_string())
    ours_s, fit_s, estimate_s = np.mean(seconds, axis=0)
    line = (f"  time fit+estimate (best of {repeats}, mean over seeds): modellab {ours_s:.3f} s "
            f"(fit {fit_s:.3f} + estimate {estimate_s:.3f})")
    if peer:
        theirs_s = float(np.mean([r["seconds"] for r in peer["runs"]]))
        calibrated = sum(r["calibrated"] for r in peer["runs"])
        line += (f", NannyML {peer['version']} {theirs_s:.3f} s (NannyML / modellab = "
                 f"{theirs_s / ours_s:.1f}x); load average {os.getloadavg()[0]:.1f}")
        line += (f"\n  calibration: NannyML recalibrated (isotonic) in {calibrated} of {seeds} "
                 f"seed(s), else kept the scores; modellab chose "
                 f"{', '.join(chosen)}")
    print(line, flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seeds", type=int, default=3, help="worlds per size (seeds 0, 1, ...)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per world (best kept)")
    parser.add_argument("--nannyml-python", help="interpreter of a venv with nannyml installed")
    parser.add_argument("--make-venv", action="store_true",
                        help=f"create {VENV.relative_to(ROOT)} with nannyml (pandas<3) if missing")
    args = parser.parse_args(argv)
    python = nannyml_python(args)
    if python is None:
        print("NannyML: skipped (no interpreter with nannyml: pass --nannyml-python PATH or "
              "--make-venv; it needs pandas < 3, so it cannot share this venv).")
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    for n in args.sizes:
        for name in WORLDS:
            bench(name, n, python, args.seeds, args.repeats)


if __name__ == "__main__":
    main()

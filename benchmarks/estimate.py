"""Benchmark of modellab.estimate (CBPE) against NannyML's CBPE and a carry-forward baseline.

Worlds: the course scenarios ``covariate_shift_delayed`` (the estimate should track the drop)
and ``concept_drift_delayed`` (the estimate cannot see it), 20 weekly batches, at several
total production sizes (10k, 100k, 1M rows: batches of 500, 5,000, 50,000 rows; reference of
max(5,000, 2 batches) rows). Labels are pending for the last 8 batches; the *later-realised*
metrics come from the same worlds with every label (``modellab.estimate.later_labels``),
computed with scikit-learn.

Per world and size it prints, for ROC-AUC, accuracy, precision, recall and F1, the mean
absolute error (MAE) over all 20 batches of

- ``modellab``: ``PerformanceEstimator.fit(reference).estimate(production)``;
- ``nannyml``: ``nannyml.CBPE`` with the same threshold (``y_pred``), metrics and chunk size,
  when a NannyML interpreter is available (see below);
- ``carry``: the naive answer without estimation: each pending batch gets the metric of the
  last labelled batch (MAE over the pending batches only);

and the time of fit + estimate of each estimator, with the ratio NannyML / modellab. Nothing
is asserted: it prints.

NannyML 0.13.1 needs pandas < 3, so it runs in a separate virtual environment, in a
subprocess fed with Parquet files (timed inside that process, so its import is not counted):

- ``--nannyml-python PATH``: use that interpreter;
- otherwise ``artifacts/nannyml-venv/bin/python`` when it exists;
- ``--make-venv``: create that venv first (``pip install nannyml==0.13.1 "pandas<3"
  statsmodels``: a few minutes and several hundred MB);
- without any of them the NannyML column is skipped with a message.

Usage::

    python benchmarks/estimate.py                       # 10k, 100k, 1M rows
    python benchmarks/estimate.py --sizes 10000 --make-venv
"""

from __future__ import annotations

import argparse
import json
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

_NANNYML = r"""
import json, sys, time
import pandas as pd
import nannyml as nml
ref = pd.read_parquet(sys.argv[1]); ana = pd.read_parquet(sys.argv[2])
chunk_size = int(sys.argv[3]); metrics = sys.argv[4].split(",")
start = time.perf_counter()
est = nml.CBPE(problem_type="classification_binary", y_pred_proba="score", y_pred="prediction",
               y_true="default", metrics=metrics, chunk_size=chunk_size)
est.fit(ref)
res = est.estimate(ana)
seconds = time.perf_counter() - start
df = res.filter(period="analysis").to_df()
out = {m: df[(m, "value")].astype(float).tolist() for m in metrics}
print(json.dumps({"seconds": seconds, "estimates": out, "version": nml.__version__}))
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


def run_nannyml(python, reference, production, chunk_size) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        ref_path, ana_path = pathlib.Path(tmp) / "ref.parquet", pathlib.Path(tmp) / "ana.parquet"
        cols = ["score", "prediction", "default"]
        reference[cols].to_parquet(ref_path)
        production[["score", "prediction"]].to_parquet(ana_path)
        done = subprocess.run([str(python), "-c", _NANNYML, str(ref_path), str(ana_path),
                               str(chunk_size), ",".join(METRICS)], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"  NannyML failed: {done.stderr.strip().splitlines()[-1:]}")
            return None
        return json.loads(done.stdout.strip().splitlines()[-1])


def bench(name: str, n_rows: int, python) -> None:
    batch = n_rows // N_BATCHES
    world = make(name, seed=0, n_reference=max(5000, 2 * batch), n_batches=N_BATCHES,
                 batch_size=batch)
    production, full = world.production, later_labels(world)
    truth = realised(full, world.threshold)
    pending = production.groupby("batch")["default"].apply(lambda y: y.isna().all())
    last_labelled = int(pending[~pending].index.max())

    start = time.perf_counter()
    est = PerformanceEstimator(threshold=world.threshold, chunk_size=batch).fit(world.reference)
    ours = est.estimate(production.drop(columns="default"))
    ours_s = time.perf_counter() - start
    ours = ours.pivot(index="batch", columns="metric", values="estimate")[METRICS]

    peer = run_nannyml(python, world.reference, production, batch) if python else None
    rows = []
    for m in METRICS:
        row = {"metric": m, "modellab": (ours[m] - truth[m]).abs().mean()}
        if peer:
            theirs = np.asarray(peer["estimates"][m], dtype=float)
            row["nannyml"] = np.nanmean(np.abs(theirs[: len(truth)] - truth[m].to_numpy()))
        carry = truth.loc[last_labelled, m]
        row["carry (pending)"] = (truth.loc[pending[pending].index, m] - carry).abs().mean()
        rows.append(row)
    print(f"\n{name}, {n_rows:,} rows ({N_BATCHES} batches of {batch:,}; reference "
          f"{world.n_reference:,}); MAE vs later-realised metric:")
    print(pd.DataFrame(rows).set_index("metric").round(4).to_string())
    line = f"  time fit+estimate: modellab {ours_s:.3f} s"
    if peer:
        line += (f", NannyML {peer['version']} {peer['seconds']:.3f} s "
                 f"(NannyML / modellab = {peer['seconds'] / ours_s:.1f}x)")
    print(line)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--nannyml-python", help="interpreter of a venv with nannyml installed")
    parser.add_argument("--make-venv", action="store_true",
                        help=f"create {VENV.relative_to(ROOT)} with nannyml (pandas<3) if missing")
    args = parser.parse_args(argv)
    python = nannyml_python(args)
    if python is None:
        print("NannyML: skipped (no interpreter with nannyml: pass --nannyml-python PATH or "
              "--make-venv; it needs pandas < 3, so it cannot share this venv).")
    for n in args.sizes:
        for name in WORLDS:
            bench(name, n, python)


if __name__ == "__main__":
    main()

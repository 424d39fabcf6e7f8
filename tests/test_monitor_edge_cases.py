"""Monitor and monitor_parquet on ordinary-but-awkward production data (issue 11).

Each test pins one silently-wrong answer the monitor used to give: the in-memory path
(``Monitor.run``) and the chunked path (``monitor_parquet``) must agree, or refuse with
an error that names the argument and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from modellab.monitor import Monitor
from modellab.scale import monitor_parquet


def frame(n, rng, *, shift=0.0, logits=False, batch=None):
    x = rng.normal(shift, 1, n)
    margin = 2 * x - 1
    p = 1 / (1 + np.exp(-margin))
    out = pd.DataFrame({
        "x": x,
        "colour": rng.choice(["red", "blue", "green"], n),
        "default": (rng.random(n) < p).astype(float),
        "score": margin if logits else p,
    })
    return out if batch is None else out.assign(batch=batch)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(11)


# ------------------------------------------------------------------ 1. decision scores
def test_decision_scores_give_the_same_roc_auc_in_memory_and_chunked(rng, tmp_path):
    reference = frame(4000, rng, logits=True)
    production = pd.concat([frame(2000, rng, logits=True, batch=b) for b in range(3)])
    assert production["score"].min() < -3 and production["score"].max() > 3
    monitor = Monitor(reference, rules=[])
    in_memory = monitor.run(production).history
    for b in range(3):
        rows = production[production["batch"] == b]
        assert in_memory.loc[b, "roc_auc"] == roc_auc_score(rows["default"], rows["score"])
    production.to_parquet(tmp_path / "p.parquet")
    chunked = monitor_parquet(monitor, tmp_path, batch_size=700).history
    err = (chunked["roc_auc"] - in_memory["roc_auc"]).abs()
    assert (err <= chunked["roc_auc_max_error"] + 1e-12).all()
    assert chunked["roc_auc_max_error"].max() < 0.005
    assert (chunked["pr_auc"] - in_memory["pr_auc"]).abs().max() < 0.01
    # scores beyond the reference's range still rank correctly (open outer bins)
    far = production.assign(score=production["score"] * 3)
    far.to_parquet(tmp_path / "p.parquet")
    expected = monitor.run(far).history["roc_auc"]
    got = monitor_parquet(monitor, tmp_path).history
    assert ((got["roc_auc"] - expected).abs() <= got["roc_auc_max_error"] + 1e-12).all()


# ------------------------------------------------------------------ 2. files whose columns differ
def test_files_with_different_columns_use_the_union_of_schemas(rng, tmp_path):
    reference = frame(3000, rng).assign(prediction=lambda f: (f["score"] >= 0.5).astype(int))
    batches = [frame(1500, rng, batch=b).assign(prediction=lambda f: (f["score"] >= 0.5)
                                                .astype(int)) for b in range(3)]
    # the first file has neither labels nor decisions; the later ones have both
    batches[0].drop(columns=["default", "prediction"]).to_parquet(tmp_path / "a.parquet")
    batches[1].iloc[:700].to_parquet(tmp_path / "b.parquet")
    batches[1].iloc[700:].drop(columns="default").to_parquet(tmp_path / "c.parquet")
    batches[2].to_parquet(tmp_path / "d.parquet")
    monitor = Monitor(reference, rules=[])
    result = monitor_parquet(monitor, tmp_path, batch_size=500)
    # in memory: what the files hold, with missing labels/decisions as NaN
    rows = pd.concat([pd.read_parquet(f) for f in sorted(tmp_path.glob("*.parquet"))])
    expected = monitor.run(rows).history
    got = result.history
    assert got["n_labelled"].tolist() == [0, 700, 1500] == expected["n_labelled"].tolist()
    for col in ["accuracy", "precision", "recall", "positive_rate", "drift_share"]:
        pd.testing.assert_series_equal(got[col], expected[col], check_exact=True, obj=col)
    assert (got["roc_auc"] - expected["roc_auc"]).abs().max() <= got["roc_auc_max_error"].max()
    assert result.notes == (
        "a.parquet has no 'default' column: its rows count as unlabelled.",
        "a.parquet has no 'prediction' column: its decisions are score >= threshold.",
        "c.parquet has no 'default' column: its rows count as unlabelled.",
    )


# ------------------------------------------------------------------ 4. predictions
@pytest.mark.parametrize("bad, found", [(["yes", "no"], r"\['no', 'yes'\]"), ([0, 2], r"\[2.0\]")])
def test_predictions_are_validated_like_the_reference(rng, tmp_path, bad, found):
    reference = frame(2000, rng).assign(prediction=lambda f: (f["score"] >= 0.5).astype(int))
    monitor = Monitor(reference, rules=[])
    production = frame(1000, rng, batch=0)
    production["prediction"] = np.where(production["score"] >= 0.5, bad[0], bad[1])
    with pytest.raises(ValueError, match=rf"production column 'prediction' must hold 0/1 "
                                         rf"decisions.*found {found}"):
        monitor.run(production)
    production.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(ValueError, match=rf"p.parquet: column 'prediction' must hold 0/1 "
                                         rf"decisions.*found {found}"):
        monitor_parquet(monitor, tmp_path)
    with pytest.raises(ValueError, match=rf"reference column 'prediction' must hold 0/1 "
                                         rf"decisions.*found {found}"):
        Monitor(reference.assign(prediction=np.resize(production["prediction"].to_numpy(),
                                                      len(reference))))


def test_booleans_and_missing_predictions(rng):
    reference = frame(2000, rng)
    monitor = Monitor(reference, rules=[])
    production = frame(1000, rng, batch=0)
    decided = production.assign(prediction=production["score"] >= 0.5)  # booleans
    assert monitor.run(decided).history.loc[0, "positive_rate"] == (
        production["score"] >= 0.5).mean()
    # a missing decision is the score's: the rate is never computed on part of the rows
    holes = production.assign(prediction=np.where(production.index % 2, 1.0, np.nan))
    expected = np.where(production.index % 2, 1.0, production["score"] >= 0.5).mean()
    assert monitor.run(holes).history.loc[0, "positive_rate"] == expected

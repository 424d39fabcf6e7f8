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

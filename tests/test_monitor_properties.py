"""Property tests: Monitor.run (in memory) == monitor_parquet (chunked) == on Dask.

Hypothesis builds awkward production data: decision scores (logits) or probabilities,
discrete and categorical features with missing values, label delay, batch ids as
numbers, as numbers-in-text ("week 10") or as text in some files and numbers in others,
timestamps or none, and Parquet layouts where files cut batches and lack the label,
prediction or timestamp column. The three paths must agree exactly on counts, drift
tests and flags, and ROC-AUC within the bound the chunked path reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modellab.monitor import DriftShareAbove, Monitor, MonitorResult
from modellab.scale import local_client, monitor_parquet

EXACT = ["n", "n_labelled", "accuracy", "precision", "recall", "f1", "base_rate",
         "positive_rate", "drift_share"]
CLOSE = ["brier", "mean_score"]


def rows(rng, n, *, shift=0.0, logits=False):
    x = rng.normal(shift, 1, n)
    margin = 1.5 * x - 1
    p = 1 / (1 + np.exp(-margin))
    frame = pd.DataFrame({
        "x": np.where(rng.random(n) < 0.05, np.nan, x),
        "count": rng.poisson(1.0 + max(shift, 0), n).astype(float),  # few distinct values
        "colour": rng.choice(["red", "blue", "green"], n, p=[0.5, 0.3, 0.2]),
        "default": (rng.random(n) < p).astype(float),
        "score": margin if logits else p,
    })
    threshold = 0.0 if logits else 0.5
    frame["prediction"] = (frame["score"] >= threshold).astype(int)
    return frame


@st.composite
def worlds(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    logits = draw(st.booleans())
    n_batches = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(40, 160), min_size=n_batches, max_size=n_batches))
    ids = draw(st.sampled_from(["int", "week", "text-in-some-files"]))
    timed = draw(st.booleans())
    delay = draw(st.integers(0, 2))  # the last `delay` batches have no labels yet
    rng = np.random.default_rng(seed)
    reference = rows(rng, 500, logits=logits)
    parts = []
    for b, n in enumerate(sizes):
        part = rows(rng, n, shift=0.8 * (b >= 2), logits=logits)
        part["batch"] = b if ids != "week" else f"week {[10, 2, 1, 11][b]}"
        if timed:
            part["timestamp"] = pd.Timestamp("2024-01-01") + pd.Timedelta(days=7 * b)
        if b >= n_batches - delay:
            part["default"] = np.nan
        parts.append(part)
    production = pd.concat(parts, ignore_index=True)
    # cut the rows into files at random places (files cut batches)
    n_files = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(1, len(production) - 1), min_size=n_files - 1,
                                max_size=n_files - 1, unique=True)))
    files = [production.iloc[a:b] for a, b in zip([0, *cuts], [*cuts, len(production)],
                                                    strict=True)]
    lacks = [draw(st.sets(st.sampled_from(["default", "prediction", "timestamp"]), max_size=2))
             for _ in files]
    files = [f.drop(columns=[c for c in lack if c in f.columns]) for f, lack in
             zip(files, lacks, strict=True)]
    if ids == "text-in-some-files":
        files = [f.assign(batch=f["batch"].astype(str)) if i % 2 else f
                 for i, f in enumerate(files)]
    return reference, files, logits


@pytest.fixture(scope="module")
def client():
    c = local_client(n_workers=1, threads_per_worker=2, processes=False)
    yield c
    c.close()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
def test_in_memory_equals_chunked_equals_dask(world, client, tmp_path_factory):
    reference, files, logits = world
    folder = tmp_path_factory.mktemp("files")
    for i, f in enumerate(files):
        f.to_parquet(folder / f"part-{i}.parquet")
    monitor = Monitor(reference, rules=[DriftShareAbove(0.3)])
    # in memory: what the files hold, a missing label/decision/timestamp as NaN
    production = pd.concat([pd.read_parquet(f) for f in sorted(folder.glob("*.parquet"))],
                           ignore_index=True)
    expected = monitor.run(production)
    chunked = monitor_parquet(monitor, folder, batch_size=37)
    on_dask = monitor_parquet(monitor, folder, batch_size=53, client=client)
    for got in (chunked, on_dask):
        h, e = got.history, expected.history
        assert h["batch"].tolist() == e["batch"].tolist()
        assert [type(b) for b in h["batch"]] == [type(b) for b in e["batch"]]
        pd.testing.assert_series_equal(h["start"], e["start"])
        flags = [c for c in e if c.startswith(("drift_", "missing_"))]
        for c in EXACT + flags:
            pd.testing.assert_series_equal(h[c], e[c], check_exact=True, obj=c)
        for c in [c for c in CLOSE if c in e]:
            pd.testing.assert_series_equal(h[c], e[c], rtol=1e-9, obj=c)
        labelled = e["roc_auc"].notna()
        assert h["roc_auc"].notna().equals(labelled)
        err = (h["roc_auc"] - e["roc_auc"]).abs()[labelled]
        assert (err <= h["roc_auc_max_error"][labelled] + 1e-12).all()
        assert h["note"].tolist() == e["note"].tolist()
        d, de = got.to_monitor_result().drift, expected.drift
        for c in ["batch", "column", "method", "statistic", "p_value", "drifted"]:
            pd.testing.assert_series_equal(d[c], de[c], check_exact=True, obj=c)
        assert got.alerts[["batch", "rule"]].equals(expected.alerts[["batch", "rule"]])
    # chunk sizes and engines do not change a count or a score histogram
    pd.testing.assert_frame_equal(on_dask.history, chunked.history, rtol=1e-12)
    assert "brier" not in expected.history.columns if logits else True
    assert isinstance(chunked.to_monitor_result(), MonitorResult)


@settings(max_examples=30, deadline=None)
@given(ids=st.lists(st.integers(0, 40), min_size=2, max_size=8, unique=True),
       prefix=st.sampled_from(["week ", "2024-W", "batch_"]))
def test_numbers_in_text_order_like_numbers(ids, prefix):
    from modellab.monitor._batch_ids import order_batches

    text = [f"{prefix}{i}" for i in ids]
    assert order_batches(text) == [f"{prefix}{i}" for i in sorted(ids)]
    assert order_batches(ids) == sorted(ids)
    with pytest.raises(ValueError, match="no unambiguous order"):
        order_batches([*text, "other"])

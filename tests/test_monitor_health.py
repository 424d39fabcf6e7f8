"""Service health inside the Monitor (issue 16): volume, freshness and share scored.

Oracle: :func:`modellab.monitor.health.service_health` on the same rows (the Monitor derives
its health columns with the same ``health_table``), and the in-memory Monitor for the chunked
path (``monitor_parquet``, in this process and on Dask).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modellab import scenarios
from modellab.monitor import Monitor, MonitorResult
from modellab.monitor.health import (
    HEALTH_COLUMNS,
    BatchLate,
    ScoredShareBelow,
    VolumeOutside,
    service_health,
)

HEALTH_RULES = [VolumeOutside(), BatchLate(), ScoredShareBelow()]
DERIVED = [c for c in HEALTH_COLUMNS if c not in ("batch", "n", "start")]


@pytest.fixture(scope="module")
def stable():
    return scenarios.make("stable", n_reference=1500, n_batches=10, batch_size=400, seed=1)


@pytest.fixture(scope="module")
def faulty(stable):
    """Batch 3 a quarter full, batch 5 never arrives (a missing week), batch 7 one row in ten
    unscored."""
    prod = stable.production.copy()
    prod = prod[~((prod["batch"] == 3) & (np.arange(len(prod)) % 4 != 0))]
    prod = prod[prod["batch"] != 5].reset_index(drop=True)
    seven = (prod["batch"] == 7) & (np.arange(len(prod)) % 10 == 0)
    prod.loc[seven, "score"] = np.nan
    return prod


def health_of(history):
    return history[["batch", "n", "start", *DERIVED]].reset_index(drop=True)


def test_monitor_health_equals_service_health(stable, faulty):
    # With the yardsticks given, the whole history equals service_health on the stream.
    monitor = Monitor(stable.reference, rules=HEALTH_RULES, expected_rows=400, cadence_days=7)
    got = health_of(monitor.run(faulty).history)
    expected = service_health(faulty, expected_rows=400, cadence_days=7)
    pd.testing.assert_frame_equal(got, expected[got.columns], check_dtype=False)
    assert got["late"].tolist() == [False] * 5 + [True, False, False, False]
    # Without them, batch k is judged with the medians of batches 0..k: service_health on the
    # stream up to k.
    learned = health_of(Monitor(stable.reference, rules=HEALTH_RULES).run(faulty).history)
    for k, batch in enumerate(learned["batch"]):
        oracle = service_health(faulty[faulty["batch"] <= batch]).iloc[-1]
        mine = learned.iloc[k]
        for c in DERIVED:
            assert mine[c] == oracle[c] or (pd.isna(mine[c]) and pd.isna(oracle[c])), (batch, c)
    # judged online: batch 0 has no cadence yet (service_health on the whole stream says 7)
    assert np.isnan(learned["cadence_days"].iloc[0]) and learned["cadence_days"].iloc[-1] == 7


def test_yardsticks_learned_from_a_reference_with_batches(stable, faulty):
    reference = stable.production[stable.production["batch"] < 4]  # 4 weekly batches of 400
    monitor = Monitor(reference, rules=HEALTH_RULES)
    assert (monitor.expected_rows_, monitor.cadence_days_) == (400.0, 7.0)
    assert monitor.expected_rows is None  # parameters stay as given
    got = health_of(monitor.run(faulty).history)
    expected = service_health(faulty, expected_rows=400, cadence_days=7)
    pd.testing.assert_frame_equal(got, expected[got.columns], check_dtype=False)


def test_health_rules_fire_on_the_faults_and_not_on_stable(stable, faulty):
    result = Monitor(stable.reference, rules=HEALTH_RULES).run(faulty)
    fired = {(r.batch, r.rule.split("(")[0]) for r in result.alerts.itertuples()}
    assert fired == {(3, "VolumeOutside"), (6, "BatchLate"), (7, "ScoredShareBelow")}
    # the same alerts as the rules on service_health, messages included
    oracle = pd.concat([r.evaluate(service_health(faulty)) for r in HEALTH_RULES])
    key = ["batch", "rule"]
    pd.testing.assert_frame_equal(
        result.alerts.sort_values(key, ignore_index=True),
        oracle.sort_values(key, ignore_index=True),
    )
    quiet = Monitor(stable.reference, rules=HEALTH_RULES).run(stable.production)
    assert quiet.alerts.empty
    assert (quiet.history["scored_share"] == 1).all() and not quiet.history["late"].any()


def test_unscored_rows_count_in_n_and_in_no_metric(stable, faulty):
    monitor = Monitor(stable.reference)
    got = monitor.run(faulty).history.set_index("batch")
    scored = monitor.run(faulty.dropna(subset=["score"])).history.set_index("batch")
    assert got.loc[7, "n"] == (faulty["batch"] == 7).sum() == scored.loc[7, "n"] + 40
    assert got.loc[7, "scored_share"] == 0.9
    for c in (
        "n_labelled",
        "roc_auc",
        "recall",
        "precision",
        "brier",
        "positive_rate",
        "mean_score",
    ):
        assert got[c].equals(scored[c]), c
    # drift and missing values still see every row
    assert got.loc[7, "missing_age"] == faulty.loc[faulty["batch"] == 7, "age"].isna().mean()


def test_a_batch_with_no_scores(stable):
    prod = stable.production[stable.production["batch"] < 3].copy()
    prod.loc[prod["batch"] == 2, "score"] = np.nan
    history = Monitor(stable.reference, rules=HEALTH_RULES).run(prod).history
    last = history.iloc[-1]
    assert last["n"] == 400 and last["scored_share"] == 0 and last["n_labelled"] == 0
    assert np.isnan(last["roc_auc"]) and np.isnan(last["mean_score"])


def test_health_in_memory_equals_chunked_and_dask(stable, faulty, tmp_path):
    from modellab.scale import local_client, monitor_parquet

    monitor = Monitor(stable.reference, rules=HEALTH_RULES)
    expected = monitor.run(faulty)
    for i, (_, part) in enumerate(faulty.groupby(np.arange(len(faulty)) // 900)):
        part.to_parquet(tmp_path / f"part-{i:03d}.parquet")  # batches cut across files
    chunked = monitor_parquet(monitor, tmp_path, batch_size=250)
    columns = [
        "batch",
        "n",
        "n_labelled",
        "start",
        "scored_share",
        *DERIVED,
        "positive_rate",
        "recall",
        "drift_share",
    ]
    pd.testing.assert_frame_equal(chunked.history[columns], expected.history[columns])
    pd.testing.assert_frame_equal(chunked.alerts, expected.alerts)
    with local_client(n_workers=1, threads_per_worker=1, processes=False) as client:
        on_dask = monitor_parquet(monitor, tmp_path, batch_size=250, client=client)
    pd.testing.assert_frame_equal(on_dask.history[columns], expected.history[columns])
    pd.testing.assert_frame_equal(on_dask.alerts, expected.alerts)


def test_health_rules_rebuild_from_the_store(stable, faulty, tmp_path):
    path = tmp_path / "m.db"
    first = Monitor(stable.reference, rules=HEALTH_RULES, store=path)
    first.run(faulty[faulty["batch"] <= 4])
    result = Monitor(stable.reference, rules=HEALTH_RULES, store=path).run(faulty)
    memory = Monitor(stable.reference, rules=HEALTH_RULES).run(faulty)
    pd.testing.assert_frame_equal(
        health_of(result.history), health_of(memory.history), check_dtype=False
    )
    pd.testing.assert_frame_equal(result.alerts, memory.alerts)
    loaded = MonitorResult.from_store(path)
    assert loaded.rules == HEALTH_RULES
    assert loaded.history["late"].dtype == bool


def test_batch_late_needs_timestamps_and_yardsticks_are_checked(stable):
    prod = stable.production[stable.production["batch"] < 3].drop(columns="timestamp")
    with pytest.raises(ValueError, match="'timestamp' column"):
        Monitor(stable.reference, rules=[BatchLate()]).run(prod)
    # the other health rules need no timestamps
    history = Monitor(stable.reference, rules=[VolumeOutside()]).run(prod).history
    assert history["gap_days"].isna().all() and not history["late"].any()
    with pytest.raises(ValueError, match="expected_rows"):
        Monitor(expected_rows=0)
    with pytest.raises(TypeError, match="cadence_days"):
        Monitor(cadence_days="weekly")

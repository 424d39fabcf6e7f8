"""Estimation, segments and data contracts inside the Monitor (issues 15 and 16).

Oracles: the standalone functions the Monitor reuses (PerformanceEstimator.estimate,
segment_gaps, validate_batches) on the same rows, and the rules evaluated on their tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modellab import scenarios
from modellab.contracts import infer_contract, validate_batches
from modellab.estimate import (
    EstimatedMetricDropFrom,
    EstimationGapAbove,
    PerformanceEstimator,
    with_estimates,
)
from modellab.metrics.segments import segment_gaps
from modellab.monitor import Monitor, MonitorResult
from modellab.monitor.health import BatchLate, ScoredShareBelow, VolumeOutside
from modellab.monitor.rules import MetricDropFrom, rule_from_dict, rules_from_mapping
from modellab.monitor.segment_rules import ContractViolated, SegmentBehind


@pytest.fixture(scope="module")
def delayed():
    return scenarios.make("covariate_shift_delayed", seed=3)


def test_estimates_in_history_equal_the_estimator(delayed):
    est = PerformanceEstimator(metrics=["roc_auc", "recall"], chunk_size=1000)
    rule = EstimatedMetricDropFrom("roc_auc", by=0.03)
    result = Monitor(delayed.reference, estimator=est, rules=[rule]).run(delayed.production)
    oracle = est.set_params(threshold=result.config["threshold"]).fit(delayed.reference)
    expected = with_estimates(result.history[["batch"]], oracle.estimate(delayed.production))
    for col in expected.columns.drop("batch"):
        np.testing.assert_allclose(result.history[col].astype(float),
                                   expected[col].astype(float), rtol=1e-12, err_msg=col)
    # labels pending: the estimate exists where the measured value does not
    pending = result.history["n_labelled"] == 0
    assert pending.any()
    assert result.history.loc[pending, "estimated_roc_auc"].notna().all()
    fired = rule.evaluate(expected, result.reference)
    assert sorted(result.alerts["batch"]) == sorted(fired["batch"])


def test_estimator_true_and_store_round_trip(delayed, tmp_path):
    store = tmp_path / "m.sqlite"
    rules = [EstimatedMetricDropFrom("roc_auc", by=0.03), EstimationGapAbove("roc_auc", 0.02)]
    result = Monitor(delayed.reference, estimator=True, rules=rules, store=store).run(
        delayed.production)
    again = MonitorResult.from_store(store)
    assert [type(r) for r in again.rules] == [EstimatedMetricDropFrom, EstimationGapAbove]
    cols = [c for c in result.history.columns if c.startswith("estimated_")]
    assert {"estimated_roc_auc", "estimated_f1_alert"} <= set(cols)
    pd.testing.assert_frame_equal(again.history[cols], result.history[cols], check_dtype=False)
    assert again.history["estimated_roc_auc_alert"].dtype == bool
    # a second monitor rebuilt from the stored rules raises the same alerts
    rebuilt = Monitor(delayed.reference, estimator=True, rules=again.rules).run(delayed.production)
    pd.testing.assert_frame_equal(rebuilt.alerts, result.alerts)


def test_segments_equal_segment_gaps_and_rule_fires_on_them():
    s = scenarios.make("segment_shift", seed=0)
    result = Monitor(s.reference, segments=["region"], rules=[SegmentBehind("recall")],
                     n_boot=200).run(s.production)
    parts = []
    for key, rows in s.production.groupby("batch", sort=True):
        parts.append(segment_gaps(rows, "region", "recall", by=None, n_boot=200, seed=0)
                     .assign(batch=key))
    expected = pd.concat(parts, ignore_index=True)
    got = result.segments
    assert (got["column"] == "region").all()
    pd.testing.assert_frame_equal(
        got.drop(columns="column").reset_index(drop=True),
        expected.assign(segment=expected["segment"].astype(str))[got.columns.drop("column")],
        check_dtype=False)
    fired = SegmentBehind("recall").evaluate(expected.assign(segment=expected["segment"].astype(str)))
    assert len(fired) > 0  # the scenario's hit segment is found
    pd.testing.assert_frame_equal(result.alerts.reset_index(drop=True), fired, check_dtype=False)


def test_contract_catches_data_quality_faults_and_not_stable(tmp_path):
    bad = scenarios.make("data_quality", seed=0)
    store = tmp_path / "c.sqlite"
    result = Monitor(bad.reference, contract=True, rules=[ContractViolated()], store=store).run(
        bad.production)
    monitor_features = result.features
    expected = validate_batches(infer_contract(bad.reference, monitor_features), bad.production)
    got = result.contract
    assert len(got) > 0
    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                  expected[got.columns].reset_index(drop=True), check_dtype=False)
    counts = got.groupby("batch").size()
    np.testing.assert_array_equal(
        result.history.set_index("batch")["contract_violations"].reindex(counts.index), counts)
    assert set(result.alerts["batch"]) == set(got["batch"])
    assert (result.alerts["kind"] == "contract").all()
    stored = MonitorResult.from_store(store)
    assert [type(r) for r in stored.rules] == [ContractViolated]
    assert len(stored.contract) == len(got)
    assert result.first_alert(kind="contract") is not None

    ok = scenarios.make("stable", seed=0)
    clean = Monitor(ok.reference, contract=True, rules=[ContractViolated()]).run(ok.production)
    assert clean.contract.empty and clean.alerts.empty
    assert (clean.history["contract_violations"] == 0).all()


def test_nothing_changes_without_the_options(delayed):
    plain = Monitor(delayed.reference).run(delayed.production)
    full = Monitor(delayed.reference, estimator=True).run(delayed.production)
    extra = [c for c in full.history.columns if c not in plain.history.columns]
    assert extra and all(c.startswith("estimated_") for c in extra)
    pd.testing.assert_frame_equal(full.history[plain.history.columns], plain.history)
    pd.testing.assert_frame_equal(full.alerts, plain.alerts)
    assert not any(c.startswith(("estimated_", "contract_")) for c in plain.history.columns)
    assert plain.segments.empty and plain.contract.empty


@pytest.mark.parametrize("rule", [
    EstimatedMetricDropFrom("roc_auc", by=0.05), EstimationGapAbove("recall", 0.1),
    SegmentBehind("roc_auc", severity="critical"), ContractViolated(min_failures=5),
    VolumeOutside(low=0.3, high=2.0), BatchLate(), ScoredShareBelow(0.9),
])
def test_new_rules_rebuild_from_their_settings(rule):
    assert rule_from_dict(rule.to_dict()) == rule
    assert rules_from_mapping({"rule": [rule.to_dict()]}) == [rule]


def test_rules_without_what_they_read_are_refused(delayed):
    with pytest.raises(ValueError, match="estimator="):
        Monitor(delayed.reference, rules=[EstimatedMetricDropFrom("roc_auc", by=0.05)])
    with pytest.raises(ValueError, match="segments="):
        Monitor(delayed.reference, rules=[SegmentBehind("recall")])
    with pytest.raises(ValueError, match="contract=True"):
        Monitor(delayed.reference, rules=[ContractViolated(), MetricDropFrom("roc_auc", by=0.1)])
    with pytest.raises(ValueError, match="segment_metric='roc_auc'"):
        Monitor(delayed.reference, segments=["region"], rules=[SegmentBehind("roc_auc")])
    with pytest.raises(ValueError, match="add 'f1'"):
        Monitor(delayed.reference, estimator=PerformanceEstimator(metrics=["roc_auc"]),
                rules=[EstimatedMetricDropFrom("f1", by=0.05)])
    with pytest.raises(TypeError, match="estimator must be"):
        Monitor(estimator="cbpe")
    with pytest.raises(TypeError, match="contract must be"):
        Monitor(contract={"income": "float"})
    with pytest.raises(TypeError, match="segments must be"):
        Monitor(segments=3)


def test_monitor_parquet_estimates_like_monitor_run(delayed, tmp_path):
    from modellab.scale import monitor_parquet

    folder = tmp_path / "data"
    folder.mkdir()
    for i, (_, part) in enumerate(delayed.production.groupby(delayed.production.index // 3000)):
        part.to_parquet(folder / f"part-{i:05d}.parquet")
    monitor = Monitor(delayed.reference, estimator=True,
                      rules=[EstimatedMetricDropFrom("roc_auc", by=0.03)])
    in_memory = monitor.run(delayed.production)
    chunked = monitor_parquet(monitor, folder, batch_size=700)
    cols = [c for c in in_memory.history.columns if c.startswith("estimated_")]
    assert cols
    pd.testing.assert_frame_equal(chunked.history[cols], in_memory.history[cols],
                                  check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(chunked.alerts[["batch", "rule"]], in_memory.alerts[["batch", "rule"]])


def test_monitor_parquet_refuses_segment_metrics_that_need_rows(tmp_path):
    from modellab.scale import monitor_parquet

    s = scenarios.make("stable", seed=0, n_batches=3)
    s.production.to_parquet(tmp_path / "p.parquet")
    # without a rule reading them, the table would be silently missing: refused as well
    with pytest.raises(ValueError, match=r"segment gaps on 'roc_auc' .* segment_metric= one of"):
        monitor_parquet(Monitor(s.reference, segments=["region"], segment_metric="roc_auc",
                                rules=[SegmentBehind("roc_auc")]), tmp_path)
    with pytest.raises(ValueError, match="computes segment gaps on 'brier'"):
        monitor_parquet(s.reference, tmp_path, segments=["region"], segment_metric="brier")


def test_store_refuses_a_monitor_set_up_differently_in_estimator_segments_contract(tmp_path):
    s = scenarios.make("stable", seed=0, n_reference=2000, n_batches=2, batch_size=500)
    path = tmp_path / "m.db"
    setup = dict(estimator=PerformanceEstimator(metrics=["roc_auc"]), segments={"age": [0, 30, 50, 200]},
                 segment_metric="recall", contract=True, expected_rows=500)
    Monitor(s.reference, store=path, **setup).run(s.production)
    Monitor(s.reference, store=path, **setup).run(s.production)  # the same set-up reopens it
    changes = {
        r"a different estimator \(n_sigma: 3.0 in the store, 2 here\)":
            dict(estimator=PerformanceEstimator(metrics=["roc_auc"], n_sigma=2)),
        r"estimator=\{'type': 'PerformanceEstimator'.*, not None": dict(estimator=None),
        r"segments=\['age'\], not \['region'\]": dict(segments={"region": None}),
        r"a different segment_bins \(age: \[0, 30, 50, 200\] in the store, \[0, 25, 50, 200\]":
            dict(segments={"age": [0, 25, 50, 200]}),
        "segment_metric='recall', not 'precision'": dict(segment_metric="precision"),
        "contract_schema='<a data contract>', not None": dict(contract=None),
        "expected_rows=500.0, not 400.0": dict(expected_rows=400),
        "cadence_days=None, not 7.0": dict(cadence_days=7),
    }
    for says, change in changes.items():
        with pytest.raises(ValueError, match=f"written by a monitor with {says}") as err:
            Monitor(s.reference, store=path, **{**setup, **change})
        assert "Start a new store" in str(err.value)
    # an edited contract is named by the lines that differ
    edited = infer_contract(s.reference).update_column("income", nullable=True)
    with pytest.raises(ValueError, match="a different data contract.*nullable") as err:
        Monitor(s.reference, store=path, **{**setup, "contract": edited})
    # nothing was written by the refused monitors
    assert MonitorResult.from_store(path).history["batch"].tolist() == [0, 1]


def test_store_refuses_a_contract_whose_custom_checks_differ(tmp_path, recwarn):
    # pandera's YAML leaves out checks written as functions: the store compares them as well
    import pandera.pandas as pa

    s = scenarios.make("stable", seed=0, n_reference=2000, n_batches=2, batch_size=500)
    base = infer_contract(s.reference, ["income"])

    def contract(bound):
        column = base.columns["income"]
        return base.update_column("income", checks=[*column.checks,
                                                    pa.Check(lambda v: v > bound, name="above")])

    with pytest.warns(UserWarning, match="Check `above` will be skipped"):
        assert contract(0).to_yaml() == contract(10**9).to_yaml() == base.to_yaml()
    recwarn.clear()
    path = tmp_path / "m.db"
    Monitor(s.reference, store=path, contract=contract(0)).run(s.production)
    Monitor(s.reference, store=path, contract=contract(0)).run(s.production)  # defined again: same
    for other, says in [(contract(10**9), "income: above changed"), (base, "income: above only in the store")]:
        with pytest.raises(ValueError, match=f"custom checks differ \\(contract_checks; {says}\\)") as err:
            Monitor(s.reference, store=path, contract=other)
        assert "with the store's contract" in str(err.value)
    assert MonitorResult.from_store(path).history["batch"].tolist() == [0, 1]
    # the monitor no longer passes on pandera's "will be skipped" warning
    assert not [w for w in recwarn if "Only registered checks" in str(w.message)]

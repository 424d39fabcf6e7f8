"""score_alerts / drift_windows: events, delays and false alarms against a truth table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modellab import scenarios
from modellab.monitor import AlertScore, MetricBelow, Monitor, drift_windows, score_alerts


def truth(*windows):
    """A truth table from (kind, features, start, end) tuples."""
    return pd.DataFrame(
        [{"kind": k, "features": f, "start_batch": s, "end_batch": e} for k, f, s, e in windows]
    )


def test_overlapping_windows_merge_and_label_delay_is_ignored():
    t = truth(("covariate_shift", ("age",), 6, 9), ("concept_drift", ("income", "age"), 7, 12),
              ("label_delay", (), 0, 12), ("data_quality", ("x",), 2, 3),
              ("data_quality", ("y",), 4, 5))
    w = drift_windows(t)
    assert w[["start_batch", "end_batch"]].values.tolist() == [[2, 3], [4, 5], [6, 12]]
    assert w["kind"].tolist()[2] == "covariate_shift, concept_drift"
    assert w["features"].tolist()[2] == ("age", "income")
    # cut to the monitored batches; a window starting after them is dropped
    w10 = drift_windows(t, n_batches=5)
    assert w10[["start_batch", "end_batch"]].values.tolist() == [[2, 3], [4, 4]]


def test_detection_delay_and_false_alarms():
    t = truth(("covariate_shift", ("a",), 3, 5), ("prior_shift", (), 8, 9))
    score = score_alerts([1, 4, 4, 5, 7], t, n_batches=10)
    assert isinstance(score, AlertScore)
    assert (score.n_events, score.detected, score.missed) == (2, 1, 1)
    assert score.delays == (1, None) and score.mean_delay == 1.0
    assert score.false_alarm_batches == (1, 7) and score.false_alarms == 2
    assert score.alerted_batches == (1, 4, 5, 7)
    assert score.quiet_batches == 10 - 3 - 2
    frame = score.to_frame()
    assert frame.columns.tolist() == ["start_batch", "end_batch", "kind", "features", "detected",
                                      "first_alert", "delay"]
    assert frame["detected"].tolist() == [True, False]
    assert frame["first_alert"].iloc[0] == 4 and pd.isna(frame["delay"].iloc[1])
    assert repr(score) == ("AlertScore(detected=1 of 2 events, mean_delay=1, false_alarms=2 "
                           "in 5 quiet batches)")


def test_no_alerts_and_no_drift():
    missed = score_alerts([], truth(("covariate_shift", ("a",), 3, 5)))
    assert missed.missed == 1 and np.isnan(missed.mean_delay) and missed.quiet_batches is None
    empty_truth = pd.DataFrame(columns=["kind", "features", "start_batch", "end_batch"]).astype(
        {"start_batch": int, "end_batch": int})
    quiet = score_alerts([0, 2], empty_truth, n_batches=4)
    assert quiet.n_events == 0 and quiet.false_alarms == 2 and quiet.quiet_batches == 4
    assert quiet.to_frame().empty


def test_accepts_alert_tables_results_and_scenarios():
    s = scenarios.make("concept_drift", seed=0, n_reference=1000, n_batches=10, batch_size=400)
    result = Monitor(s.reference, rules=[MetricBelow("roc_auc", 0.8)]).run(s.production)
    from_result = score_alerts(result, s, n_batches=len(result.history))
    from_table = score_alerts(result.alerts, s.truth, n_batches=10)
    from_list = score_alerts(result.alerts["batch"].tolist(), s.truth, n_batches=10)
    assert from_result.to_frame().equals(from_table.to_frame())
    assert from_table.alerted_batches == from_list.alerted_batches
    assert from_table.alerted_batches == tuple(sorted(set(result.alerts["batch"])))
    onset = int(s.truth["start_batch"].min())
    assert from_table.false_alarm_batches == tuple(b for b in from_table.alerted_batches
                                                   if b < onset)


@pytest.mark.parametrize(
    ("alerts", "t", "kwargs", "error", "match"),
    [
        ([1], "truth", {}, TypeError, "scenario.truth"),
        ([1], pd.DataFrame({"kind": ["x"]}), {}, ValueError, "no column"),
        ("1, 2", truth(("x", (), 1, 2)), {}, TypeError, "list of"),
        (pd.DataFrame({"rule": ["r"]}), truth(("x", (), 1, 2)), {}, ValueError, "'batch'"),
        (["week 1"], truth(("x", (), 1, 2)), {}, ValueError, "batch numbers"),
        ([1.5], truth(("x", (), 1, 2)), {}, ValueError, "batch numbers"),
        ([True], truth(("x", (), 1, 2)), {}, ValueError, "batch numbers"),
        ([12], truth(("x", (), 1, 2)), {"n_batches": 10}, ValueError, "outside the 10"),
        ([1], truth(("x", (), 1, 2)), {"n_batches": 0}, ValueError, "at least 1"),
        ([1], truth(("x", (), 1, 2)), {"n_batches": 2.5}, TypeError, "whole number"),
        ([1], truth(("x", (), 3, 2)), {}, ValueError, "before its start"),
    ],
)
def test_bad_input(alerts, t, kwargs, error, match):
    with pytest.raises(error, match=match):
        score_alerts(alerts, t, **kwargs)

"""Monitor: history columns, label delay, bad input, and detection on the scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modellab import scenarios
from modellab.monitor import (
    ALERT_COLUMNS,
    MIN_LABELLED,
    FeatureDrifted,
    MetricBelow,
    Monitor,
    MonitorResult,
    default_rules,
)
from modellab.monitor.rules import LABELLED_METRICS

N_BATCHES = 12  # onsets at batch 6-7: enough batches before and after, fast enough for CI


def toy(n, rng, shift=0.0, batch=None):
    x = rng.normal(shift, 1, n)
    p = 1 / (1 + np.exp(-(2 * x - 1)))
    frame = pd.DataFrame({
        "x": x,
        "colour": rng.choice(["red", "blue"], n),
        "default": (rng.random(n) < p).astype(float),
        "score": p,
    })
    return frame if batch is None else frame.assign(batch=batch)


@pytest.fixture(scope="module")
def toy_data():
    rng = np.random.default_rng(0)
    reference = toy(3000, rng)
    production = pd.concat([toy(800, rng, batch=b, shift=1.0 if b >= 3 else 0.0) for b in range(4)])
    production["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        production["batch"] * 7, unit="D"
    )
    return reference, production


@pytest.fixture(scope="module")
def toy_result(toy_data):
    reference, production = toy_data
    return Monitor(reference).run(production)


# --------------------------------------------------------------------------- tables
def test_history_has_one_row_per_batch_with_documented_columns(toy_result):
    h = toy_result.history
    assert h["batch"].tolist() == [0, 1, 2, 3]
    for col in ["batch", "start", "n", "n_labelled", "roc_auc", "precision", "recall", "f1",
                "accuracy", "base_rate", "positive_rate", "mean_score", "drift_share",
                "drift_x", "drift_colour", "effect_x", "effect_colour", "missing_x",
                "missing_colour", "note"]:
        assert col in h.columns, col
    assert h["start"].tolist() == list(pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22"]))
    assert h["n"].tolist() == [800] * 4
    assert h["drift_x"].tolist() == [False, False, False, True]
    assert h["drift_share"].tolist() == [0.0, 0.0, 0.0, 0.5]
    assert toy_result.features == ["x", "colour"]


def test_metrics_match_modellab_metrics(toy_data, toy_result):
    from modellab.metrics import classification_summary

    _, production = toy_data
    b1 = production[production["batch"] == 1]
    expected = classification_summary(b1["default"], b1["score"], 0.5)
    row = toy_result.history.iloc[1]
    for m in ("roc_auc", "precision", "recall", "f1", "accuracy", "base_rate"):
        assert row[m] == pytest.approx(expected[m])
    assert row["mean_score"] == pytest.approx(b1["score"].mean())
    assert row["positive_rate"] == pytest.approx((b1["score"] >= 0.5).mean())
    assert toy_result.reference["roc_auc"] > 0.7


def test_drift_and_histogram_tables(toy_result):
    d = toy_result.drift
    assert list(d.columns[:4]) == ["batch", "column", "kind", "method"]
    assert {"statistic", "p_value", "effect_size", "drifted"} <= set(d.columns)
    assert len(d) == 4 * 2
    h = toy_result.histograms
    assert list(h.columns) == ["batch", "column", "bin_index", "bin", "left", "right",
                               "reference_share", "current_share"]
    sums = h.groupby(["batch", "column"])[["reference_share", "current_share"]].sum()
    assert np.allclose(sums.to_numpy(), 1.0)
    # The shifted batch piles up in the upper bins.
    top = h[(h["column"] == "x") & (h["bin_index"] == h["bin_index"].max())]
    assert top.set_index("batch")["current_share"][3] > 0.3 > top.set_index("batch")["current_share"][0]


def test_alerts_table_and_first_alert(toy_result):
    a = toy_result.alerts
    assert list(a.columns) == ALERT_COLUMNS
    assert set(a["batch"]) == {3}
    first = toy_result.first_alert(kind="drift")
    assert first["batch"] == 3 and first["subject"] in ("drift_share", "x")
    assert toy_result.first_alert("MetricDropFrom") is None
    assert toy_result.first_alert(FeatureDrifted(min_effect=0.2))["batch"] == 3
    assert "alerts=" in repr(toy_result)


def test_ci_adds_interval_columns(toy_data):
    reference, production = toy_data
    h = Monitor(reference, ci=True, n_boot=50).run(production[production["batch"] < 2]).history
    assert (h["roc_auc_low"] <= h["roc_auc"]).all() and (h["roc_auc"] <= h["roc_auc_high"]).all()


def test_threshold_is_read_from_the_prediction_column(toy_data):
    reference, production = toy_data
    with_pred = reference.assign(prediction=(reference["score"] >= 0.3).astype(int))
    assert Monitor(with_pred).threshold_ == 0.3
    assert Monitor(reference).threshold_ == 0.5
    assert Monitor(with_pred, threshold=0.4).threshold_ == 0.4


# --------------------------------------------------------------------------- label delay
def test_unlabelled_batches_get_nan_metrics_a_note_and_no_metric_alert(toy_data):
    reference, production = toy_data
    late = production.copy()
    late.loc[late["batch"] >= 2, "default"] = np.nan
    late.loc[late["batch"] == 1, "default"] = late.loc[late["batch"] == 1, "default"].where(
        np.arange((late["batch"] == 1).sum()) < MIN_LABELLED - 1
    )
    r = Monitor(reference, rules=[MetricBelow("roc_auc", 0.99)]).run(late)
    h = r.history.set_index("batch")
    assert h.loc[2, "n_labelled"] == 0 and np.isnan(h.loc[2, "roc_auc"])
    assert h.loc[2, "note"] == "no labels yet"
    assert h.loc[1, "n_labelled"] == MIN_LABELLED - 1
    assert r.alerts["batch"].tolist() == [0]  # batch 1 has too few labels, 2 and 3 none
    # A production frame without the label column is all "not arrived yet".
    r2 = Monitor(reference).run(production.drop(columns="default"))
    assert (r2.history["n_labelled"] == 0).all()


# --------------------------------------------------------------------------- bad input
def test_reference_without_target(toy_data):
    reference, _ = toy_data
    with pytest.raises(ValueError, match="no target column 'default'.*target="):
        Monitor(reference.drop(columns="default"))
    with pytest.raises(ValueError, match="no labels"):
        Monitor(reference.assign(default=np.nan))


def test_unknown_rule_metric_and_feature(toy_data):
    reference, _ = toy_data
    with pytest.raises(ValueError, match="Unknown metric 'auc'"):
        Monitor(reference, rules=[MetricBelow("auc", 0.7)])
    with pytest.raises(ValueError, match="'salary', which is not monitored"):
        Monitor(reference, rules=[FeatureDrifted("salary")])
    with pytest.raises(TypeError, match="not an alert rule"):
        Monitor(reference, rules=["roc_auc < 0.7"])


def test_production_missing_feature_columns(toy_data):
    reference, production = toy_data
    monitor = Monitor(reference)
    with pytest.raises(ValueError, match=r"lacks monitored feature column\(s\) \['colour'\]"):
        monitor.run(production.drop(columns="colour"))
    with pytest.raises(ValueError, match="no column"):
        monitor.run(production.drop(columns="batch"))
    with pytest.raises(ValueError, match="empty"):
        monitor.run(production.iloc[:0])
    with pytest.raises(ValueError, match=r"features \['default'\]"):
        Monitor(reference, features=["x", "default"])


def test_a_feature_with_no_values_is_reported_not_fatal(toy_data):
    reference, production = toy_data
    broken = production.copy()
    broken.loc[broken["batch"] == 2, "x"] = np.nan
    r = Monitor(reference).run(broken)
    row = r.drift[(r.drift["batch"] == 2) & (r.drift["column"] == "x")].iloc[0]
    assert row["method"] == "none" and not row["drifted"]
    assert r.history.set_index("batch").loc[2, "missing_x"] == 1.0
    assert r.first_alert(kind="data_quality")["batch"] == 2


# --------------------------------------------------------------------------- scenarios
_CACHE: dict = {}


def monitored(name: str, seed: int = 0):
    if (name, seed) not in _CACHE:
        # The stable world has no onset to bracket: the minimum number of batches will do.
        n_batches = scenarios.MIN_BATCHES if name == "stable" else N_BATCHES
        s = scenarios.make(name, seed=seed, n_batches=n_batches)
        _CACHE[(name, seed)] = (s, Monitor(s.reference, features=s.features).run(s.production))
    return _CACHE[(name, seed)]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_stable_raises_no_alert(seed):
    _, result = monitored("stable", seed)
    assert result.alerts.empty, result.alerts["message"].tolist()


def _relevant(alerts: pd.DataFrame, event) -> pd.DataFrame:
    """Alerts that point at what the event changed."""
    kind, features = event.kind, set(event.features)
    if kind == "concept_drift":
        return alerts[alerts["kind"] == "performance"]
    if kind == "prior_shift":
        return alerts[alerts["subject"].isin(["base_rate", "mean_score", "positive_rate"])]
    if kind == "label_delay":
        return alerts.iloc[:0]
    return alerts[alerts["subject"].isin(features) | (alerts["kind"] == "drift")]


@pytest.mark.parametrize(
    "name",
    ["covariate_shift_sudden", "covariate_shift_gradual", "seasonal", "prior_shift",
     "concept_drift", "data_quality", "label_delay"],
)
def test_first_relevant_alert_within_two_batches_of_each_onset(name):
    s, result = monitored(name)
    first_onset = s.truth["start_batch"].min()
    assert (result.alerts["batch"] >= first_onset).all(), "alert before anything changed"
    for event in s.truth.itertuples():
        if event.kind == "label_delay":
            continue
        later = _relevant(result.alerts, event)
        later = later[later["batch"] >= event.start_batch]
        assert not later.empty, f"{event.kind} at batch {event.start_batch} never alerted"
        assert later["batch"].min() <= event.start_batch + 2, (event.kind, later["batch"].min())


def test_concept_drift_alerts_on_performance_while_input_drift_stays_low():
    s, result = monitored("concept_drift")
    onset = s.truth["start_batch"].iloc[0]
    assert result.first_alert(kind="performance")["subject"] == "roc_auc"
    assert result.first_alert(kind="performance")["batch"] <= onset + 2
    after = result.history[result.history["batch"] >= onset]
    assert after["drift_share"].max() <= 0.1
    assert result.first_alert(kind="drift") is None


def test_label_delay_gives_no_metric_alert_without_labels():
    s, result = monitored("label_delay")
    delay = s.truth[s.truth["kind"] == "label_delay"].iloc[0]
    unlabelled = result.history[result.history["batch"] >= delay.start_batch]
    assert (unlabelled["n_labelled"] == 0).all()
    late = result.alerts[result.alerts["batch"] >= delay.start_batch]
    assert not late["subject"].isin(LABELLED_METRICS).any()
    # ...while the label-free signals keep watching those batches.
    assert not late.empty


def test_default_rules_documented_and_used():
    s, result = monitored("stable")
    assert [r.name for r in result.rules] == [r.name for r in default_rules()]
    assert isinstance(result, MonitorResult)


def test_first_alert_filters_by_severity():
    rng = np.random.default_rng(1)
    reference = toy(2000, rng)
    production = pd.concat([toy(600, rng, batch=b, shift=1.0 if b >= 2 else 0.0) for b in range(4)])
    result = Monitor(reference, rules=[FeatureDrifted(min_effect=0.2, severity="warning"),
                                       MetricBelow("roc_auc", 0.99, severity="critical")]
                     ).run(production)
    critical = result.first_alert(severity="critical")
    assert critical["severity"] == "critical" and critical["batch"] == 0
    warning = result.first_alert(severity="warning")
    assert warning["severity"] == "warning" and warning["batch"] == 2
    assert result.first_alert(severity="info") is None
    assert result.first_alert(kind="drift", severity="critical") is None
    with pytest.raises(ValueError, match="severity must be one of"):
        result.first_alert(severity="urgent")


def test_fitting_keeps_the_parameters_as_given_and_learns_trailing_underscore_attributes(
        tmp_path):
    """scikit-learn's rule: ``features``/``threshold``/``store`` stay as passed; what fit
    learns is in ``features_``/``threshold_``/``store_``, so a refit on another reference
    learns again instead of reusing the first fit's answers."""
    rng = np.random.default_rng(5)
    reference = toy(2000, rng).assign(prediction=lambda d: (d["score"] >= 0.3).astype(int))
    monitor = Monitor(store=str(tmp_path / "m.db"))
    assert monitor.features is None and monitor.threshold is None
    assert "features_" not in vars(monitor) and "not fitted" in repr(monitor)
    monitor.fit(reference)
    assert monitor.features is None and monitor.threshold is None
    assert monitor.store == str(tmp_path / "m.db") and monitor.store_ == tmp_path / "m.db"
    assert monitor.features_ == ["x", "colour"]
    # the roundest number separating the reference's 0 and 1 decisions
    low = reference.loc[reference["prediction"] == 0, "score"].max()
    high = reference.loc[reference["prediction"] == 1, "score"].min()
    assert low < monitor.threshold_ <= high and monitor.threshold_ == 0.3
    other = Monitor(threshold=0.5).fit(reference.drop(columns="colour"))
    assert other.threshold == 0.5 and other.threshold_ == 0.5
    assert other.features is None and other.features_ == ["x"]
    chosen = Monitor(features=["x"]).fit(reference)
    assert chosen.features == ["x"] and chosen.features_ == ["x"]
    chosen.fit(reference.rename(columns={"x": "y"}).assign(x=reference["x"]))
    assert chosen.features_ == ["x"]  # as given, not re-learned from the new columns

"""Alert rules: when each fires, label delay, readable messages, TOML loading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modellab.monitor import (
    ALERT_COLUMNS,
    DetectorFires,
    DriftShareAbove,
    FeatureDrifted,
    MetricAbove,
    MetricBelow,
    MetricDropFrom,
    MetricRiseFrom,
    MissingRateAbove,
    default_rules,
    rule_from_dict,
    rules_from_toml,
)
from modellab.monitor.rules import check_rules
from modellab.streaming import PageHinkley

REFERENCE = {"roc_auc": 0.81, "base_rate": 0.10, "mean_score": 0.12, "missing_income": 0.02,
             "missing_age": 0.0}


def history(**columns):
    n = len(next(iter(columns.values())))
    base = {"batch": list(range(n)), "n": [1000] * n, "n_labelled": [1000] * n}
    return pd.DataFrame({**base, **columns})


def test_metric_below_fires_only_under_the_floor_with_a_manager_message():
    h = history(roc_auc=[0.80, 0.74, 0.76, 0.70])
    alerts = MetricBelow("roc_auc", 0.75).evaluate(h, REFERENCE)
    assert list(alerts.columns) == ALERT_COLUMNS
    assert alerts["batch"].tolist() == [1, 3]
    assert alerts["message"].iloc[1] == (
        "Batch 3: ROC-AUC fell to 0.70, below the 0.75 floor (reference 0.81)."
    )
    assert alerts["severity"].unique().tolist() == ["critical"]
    assert alerts["kind"].unique().tolist() == ["performance"]


def test_metric_rules_ignore_batches_with_too_few_labels():
    h = history(roc_auc=[0.50, 0.50, 0.50])
    h["n_labelled"] = [0, 199, 200]
    for rule in (MetricBelow("roc_auc", 0.75), MetricDropFrom("roc_auc", by=0.05)):
        assert rule.evaluate(h, REFERENCE)["batch"].tolist() == [2]
    assert MetricBelow("roc_auc", 0.75, min_labelled=10).evaluate(h, REFERENCE)["batch"].tolist() == [1, 2]


def test_label_free_metrics_are_judged_without_labels():
    h = history(mean_score=[0.12, 0.20])
    h["n_labelled"] = [0, 0]
    assert MetricRiseFrom("mean_score", by=0.03).evaluate(h, REFERENCE)["batch"].tolist() == [1]


def test_relative_rules_compare_with_the_reference():
    h = history(roc_auc=[0.79, 0.75], base_rate=[0.14, 0.16])
    drop = MetricDropFrom("roc_auc", by=0.05).evaluate(h, REFERENCE)
    assert drop["batch"].tolist() == [1]
    assert drop["threshold"].iloc[0] == pytest.approx(0.76)
    rise = MetricRiseFrom("base_rate", by=0.05).evaluate(h, REFERENCE)
    assert rise["batch"].tolist() == [1]
    assert "6.0 percentage points above the reference 10.0%" in rise["message"].iloc[0]
    with pytest.raises(ValueError, match="reference has no 'roc_auc'"):
        MetricDropFrom("roc_auc", by=0.05).evaluate(h, {})


def test_metric_above():
    h = history(brier=[0.08, 0.15])
    assert MetricAbove("brier", 0.12).evaluate(h)["batch"].tolist() == [1]


def test_drift_rules_name_the_features():
    h = history(drift_share=[0.0, 0.5], drift_income=[False, True], drift_age=[False, True],
                effect_income=[0.01, 0.4], effect_age=[0.0, 0.12])
    share = DriftShareAbove(0.3).evaluate(h)
    assert share["batch"].tolist() == [1]
    assert share["message"].iloc[0] == (
        "Batch 1: 2 of 2 features (50%) drifted from the reference, above the 30% limit: "
        "income, age."
    )
    assert FeatureDrifted("income").evaluate(h)["value"].tolist() == [0.4]
    assert FeatureDrifted("age", min_effect=0.2).evaluate(h).empty
    with pytest.raises(ValueError, match="not a monitored feature"):
        FeatureDrifted("salary").evaluate(h)


def test_missing_rate_absolute_and_relative():
    h = history(missing_income=[0.02, 0.06, 0.09], missing_age=[0.0, 0.0, 0.30])
    absolute = MissingRateAbove(0.05).evaluate(h, REFERENCE)
    assert absolute["batch"].tolist() == [1, 2]
    assert absolute["subject"].tolist() == ["income", "age"]  # the worst feature is named
    assert "also income" in absolute["message"].iloc[1]
    relative = MissingRateAbove(0.05, relative=True).evaluate(h, REFERENCE)
    assert relative["batch"].tolist() == [2]  # 6% is within 2% + 5% for income
    assert MissingRateAbove(0.05, feature="income").evaluate(h, REFERENCE)["batch"].tolist() == [1, 2]


def test_detector_rule_replays_a_fresh_copy_and_never_touches_the_given_detector():
    rng = np.random.default_rng(1)
    auc = np.r_[rng.normal(0.81, 0.01, 12), rng.normal(0.70, 0.01, 8)]
    detector = PageHinkley(min_samples=5, direction="decrease", threshold=4.0)
    rule = DetectorFires("roc_auc", detector=detector)
    h = history(roc_auc=auc)
    first = rule.evaluate(h, REFERENCE)
    assert not first.empty and 12 <= first["batch"].iloc[0] <= 14
    assert detector.n_seen == 0
    # Evaluating on a prefix gives the same alerts for those batches (crash-safe re-runs).
    prefix = rule.evaluate(h.iloc[:15], REFERENCE)
    assert prefix["batch"].tolist() == first[first["batch"] < 15]["batch"].tolist()


def test_reprs_are_readable_and_names_unique():
    assert repr(DriftShareAbove(0.3)) == "DriftShareAbove(0.3, severity='warning')"
    assert repr(MissingRateAbove(0.05, feature="income")) == (
        "MissingRateAbove(0.05, feature='income', severity='warning')"
    )
    names = [r.name for r in default_rules()]
    assert len(set(names)) == len(names)
    with pytest.raises(ValueError, match="Duplicate rules"):
        check_rules([DriftShareAbove(0.3), DriftShareAbove(0.3)])


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: MetricBelow("auc", 0.7), "Unknown metric 'auc'.*roc_auc"),
        (lambda: MetricBelow("roc_auc", "high"), "threshold must be a number"),
        (lambda: MetricDropFrom("roc_auc", by=-0.1), "positive"),
        (lambda: DriftShareAbove(30), "share of features between 0 and 1"),
        (lambda: MetricBelow("roc_auc", 0.7, severity="bad"), "severity must be one of"),
        (lambda: MetricBelow("roc_auc", 0.7, min_labelled=0), "min_labelled"),
        (lambda: DetectorFires("roc_auc", detector="PageHinkley"), "update"),
    ],
)
def test_bad_rule_settings_raise_clear_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_rules_round_trip_through_dicts():
    for rule in [*default_rules(), FeatureDrifted("income", min_effect=0.2)]:
        assert rule_from_dict(rule.to_dict()) == rule
    det = DetectorFires("roc_auc", detector=PageHinkley(min_samples=5, direction="decrease"))
    back = rule_from_dict(det.to_dict())
    assert back.name == det.name


def test_rules_from_toml(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(
        'include_defaults = true\n\n[[rule]]\ntype = "MetricBelow"\nmetric = "roc_auc"\n'
        'threshold = 0.75\n\n[[rule]]\ntype = "DetectorFires"\nmetric = "roc_auc"\n'
        'detector = "PageHinkley"\nparams = { min_samples = 5, direction = "decrease" }\n'
    )
    rules = rules_from_toml(path)
    assert rules[: len(default_rules())] == default_rules()
    assert rules[-2] == MetricBelow("roc_auc", 0.75)
    assert isinstance(rules[-1].detector, PageHinkley)


@pytest.mark.parametrize(
    "text, match",
    [
        ('[[rule]]\ntype = "MetricBellow"\nmetric = "roc_auc"\nthreshold = 0.7\n',
         "rule 1: Unknown rule type 'MetricBellow'"),
        ('[[rule]]\ntype = "MetricBelow"\nmetric = "auc"\nthreshold = 0.7\n', "Unknown metric 'auc'"),
        ('[[rule]]\ntype = "MetricBelow"\nmetric = "roc_auc"\nfloor = 0.7\n', "does not take \\['floor'\\]"),
        ('[[rule]]\ntype = "MetricBelow"\nmetric = "roc_auc"\n', "needs settings"),
        ('[[rule]]\ntype = "DetectorFires"\nmetric = "roc_auc"\ndetector = "Magic"\n', "Unknown detector"),
        ("rule = 3\n", "\\[\\[rule\\]\\] table"),
        ("colour = 'red'\n", "unknown top-level key"),
        ("[[rule]\n", "not valid TOML"),
        ("", "defines no rules"),
    ],
)
def test_bad_rules_files_say_what_to_fix(tmp_path, text, match):
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises((ValueError, TypeError), match=match):
        rules_from_toml(path)


def test_missing_rules_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="--rules"):
        rules_from_toml(tmp_path / "nope.toml")


def test_rule_names_come_from_their_settings_not_their_repr(monkeypatch):
    from modellab.monitor import DetectorFires, rule_from_dict
    from modellab.streaming import PageHinkley

    rules = [*default_rules(), DetectorFires("mean_score", PageHinkley(min_samples=3))]
    names = [r.name for r in rules]
    assert len(set(names)) == len(names)
    assert [rule_from_dict(r.to_dict()).name for r in rules] == names
    # a detector (or rule) that prints itself differently keeps its name
    monkeypatch.setattr(PageHinkley, "__repr__", lambda self: "PH()")
    monkeypatch.setattr(type(rules[0]), "__repr__", lambda self: "renamed")
    assert [r.name for r in rules] == names
    assert names[-1].startswith("DetectorFires(metric='mean_score', detector=PageHinkley(")


def test_feature_rules_read_the_long_drift_rows_not_the_wide_column_names():
    """Given MonitorResult.drift, the drift-share, drifted-feature and missing-value rules
    judge each batch from its long per-feature rows: a history without any drift_<f>,
    effect_<f>, missing_<f> or nonfinite_<f> column gives the same alerts as the wide view
    and as the Monitor itself (which passes the drift rows)."""
    from modellab.monitor import Monitor

    rng = np.random.default_rng(8)

    def period(n, shift=0.0, batch=None):
        x = rng.normal(shift, 1, n)
        out = pd.DataFrame({"x": x, "colour": rng.choice(["red", "blue"], n),
                            "rate": rng.gamma(2.0, 1.0, n), "default": (rng.random(n) < 0.3) * 1.0,
                            "score": 1 / (1 + np.exp(-x))})
        return out if batch is None else out.assign(batch=batch)

    production = pd.concat([period(500, batch=0), period(500, 1.5, batch=1),
                            period(500, batch=2), period(500, batch=3)], ignore_index=True)
    production.loc[production["batch"] == 2, "rate"] = np.inf  # all infinite
    production.loc[(production["batch"] == 3) & (production.index % 4 == 0), "x"] = np.nan
    rules = [DriftShareAbove(0.2), FeatureDrifted(min_effect=0.2), FeatureDrifted("x"),
             MissingRateAbove(0.1), MissingRateAbove(0.1, feature="rate", relative=True)]
    result = Monitor(period(3000), rules=rules).run(production)
    wide = [p + f for p in ("drift_", "effect_", "missing_", "nonfinite_") for f in result.features]
    narrow = result.history.drop(columns=wide)
    for rule in rules:
        from_long = rule.evaluate(narrow, result.reference, drift=result.drift)
        from_wide = rule.evaluate(result.history, result.reference)
        by_monitor = result.alerts[result.alerts["rule"] == rule.name].reset_index(drop=True)
        pd.testing.assert_frame_equal(from_long, from_wide)
        pd.testing.assert_frame_equal(from_long, by_monitor)
    fired = set(zip(result.alerts["batch"], result.alerts["subject"], strict=True))
    assert {(1, "drift_share"), (1, "x"), (2, "rate"), (3, "x")} <= fired
    with pytest.raises(ValueError, match="drift has no"):
        rules[0].evaluate(narrow, drift=result.drift.drop(columns="column"))
    with pytest.raises(TypeError, match="drift must be a DataFrame"):
        rules[0].evaluate(narrow, drift={"x": 1})

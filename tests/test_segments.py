"""Segment metrics and fairness measures, with Fairlearn and scikit-learn as oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_ratio,
    selection_rate,
)
from fairlearn.metrics import (
    equal_opportunity_difference as fl_eod,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from modellab.metrics import (
    approval_rate_ratio,
    by_segment,
    calibration_by_group,
    equal_opportunity_difference,
    segment_gaps,
)
from modellab.metrics.segments import segment_labels


def _frame(seed: int, n: int, k: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice([f"g{i}" for i in range(k)], n)
    score = rng.uniform(0, 1, n)
    y = (rng.uniform(0, 1, n) < score * rng.uniform(0.3, 1.0)).astype(int)
    # make sure every group has both classes and both decisions
    y[:2 * k:2], y[1:2 * k:2] = 0, 1
    g[: 2 * k] = np.repeat([f"g{i}" for i in range(k)], 2)
    pred = (score >= rng.uniform(0.2, 0.8)).astype(int)
    pred[:2 * k:2], pred[1:2 * k:2] = 0, 1
    return pd.DataFrame({"group": g, "score": score, "default": y, "prediction": pred})


SK = {
    "recall": lambda y, p: skm.recall_score(y, p, zero_division=np.nan),
    "precision": lambda y, p: skm.precision_score(y, p, zero_division=np.nan),
    "accuracy": skm.accuracy_score,
    "f1": lambda y, p: skm.f1_score(y, p, zero_division=np.nan),
    "positive_rate": selection_rate,
}
SCORE_SK = {
    "roc_auc": skm.roc_auc_score,
    "pr_auc": skm.average_precision_score,
    "brier": skm.brier_score_loss,
    "log_loss": lambda y, s: skm.log_loss(y, s, labels=[0, 1]),
}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(60, 600), k=st.integers(2, 6))
def test_by_segment_equals_fairlearn_metricframe(seed, n, k):
    df = _frame(seed, n, k)
    names = list(SK) + list(SCORE_SK)
    table = by_segment(df, "group", names, n_boot=20, seed=seed)
    mf = MetricFrame(metrics=SK, y_true=df["default"], y_pred=df["prediction"],
                     sensitive_features=df["group"]).by_group
    mf_s = MetricFrame(metrics=SCORE_SK, y_true=df["default"], y_pred=df["score"],
                       sensitive_features=df["group"]).by_group
    wide = table.pivot(index="segment", columns="metric", values="value")
    for m in SK:
        np.testing.assert_allclose(wide[m].sort_index(), mf[m].sort_index().astype(float), rtol=1e-12)
    for m in SCORE_SK:
        np.testing.assert_allclose(wide[m].sort_index(), mf_s[m].sort_index().astype(float), rtol=1e-9)
    counts = df.groupby("group")["default"].agg(["size", "sum"])
    first = table.drop_duplicates("segment").set_index("segment")
    assert first["n"].to_dict() == counts["size"].to_dict()
    assert first["n_positive"].to_dict() == counts["sum"].to_dict()
    ok = table.dropna(subset=["lower"])
    assert ((ok["lower"] <= ok["value"] + 1e-12) & (ok["value"] <= ok["upper"] + 1e-12)).all()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(200, 800), k=st.integers(2, 5))
def test_fairness_measures_equal_fairlearn(seed, n, k):
    df = _frame(seed, n, k)
    approved = 1 - df["prediction"]
    ratio = approval_rate_ratio(df, "group", n_boot=50, seed=seed, min_rows=1)
    assert ratio.value == pytest.approx(
        demographic_parity_ratio(approved, approved, sensitive_features=df["group"]), rel=1e-12)
    assert ratio.low <= ratio.value <= ratio.high
    eod = equal_opportunity_difference(df, "group", n_boot=50, seed=seed, min_rows=1)
    expected = fl_eod(1 - df["default"], approved, sensitive_features=df["group"])
    assert eod.value == pytest.approx(expected, abs=1e-12)
    assert eod.low <= eod.value + 1e-12 and eod.value <= eod.high + 1e-12


def test_calibration_matches_group_means_and_reads_plainly():
    df = _frame(3, 3000, 3)
    t = calibration_by_group(df, "group", n_boot=200)
    means = df.groupby("group")[["default", "score"]].mean()
    np.testing.assert_allclose(t.set_index("group")["observed"], means["default"])
    np.testing.assert_allclose(t.set_index("group")["predicted"], means["score"])
    assert (t["lower"] <= t["gap"]).all() and (t["gap"] <= t["upper"]).all()
    assert t["reading"].str.contains("predicts").all()


def test_interval_covers_metric_and_shrinks_with_more_rows():
    small = by_segment(_frame(1, 400, 2), "group", ["recall"], n_boot=300)
    big = by_segment(_frame(1, 8000, 2), "group", ["recall"], n_boot=300)
    assert ((big["upper"] - big["lower"]).mean() < (small["upper"] - small["lower"]).mean())


def test_numeric_segment_needs_bins_and_bins_are_ordered():
    df = _frame(0, 500, 2).assign(age=np.random.default_rng(0).integers(18, 80, 500))
    with pytest.raises(ValueError, match="bins="):
        by_segment(df, "age")
    t = by_segment(df, "age", ["recall"], bins=[18, 30, 50, 80], n_boot=20)
    assert t["segment"].tolist() == ["[18, 30)", "[30, 50)", "[50, 80)"]
    assert t["n"].sum() == 500
    q = segment_labels(df, "age", bins=4)
    assert q.cat.categories.size == 4 and q.notna().all()


def test_missing_segment_values_are_their_own_segment():
    df = _frame(0, 300, 2)
    df.loc[:9, "group"] = None
    t = by_segment(df, "group", ["positive_rate"], n_boot=20)
    assert t["segment"].iloc[-1] == "(missing)" and t["n"].iloc[-1] == 10


def test_unlabelled_rows_are_skipped():
    df = _frame(0, 300, 2).astype({"default": float})
    df.loc[df.index[-100:], "default"] = np.nan
    t = by_segment(df, "group", ["recall"], n_boot=20)
    assert t["n"].sum() == 200


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(segment="nope"), ValueError, "no column"),
        (dict(segment=3), TypeError, "column name"),
        (dict(segment="group", metrics=["auc"]), ValueError, "Unknown metric"),
        (dict(segment="group", target="score"), ValueError, "binary labels"),
        (dict(segment="group", bins=3), TypeError, "numeric"),
        (dict(segment="group", prediction=None, metrics=["recall"]), ValueError, "decisions"),
        (dict(segment="group", ci=1.5), ValueError, "ci"),
    ],
)
def test_bad_input_errors_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        by_segment(_frame(0, 100, 2), **kwargs)


def test_fairness_needs_two_groups_and_labels():
    df = _frame(0, 100, 2)
    with pytest.raises(ValueError, match="at least two groups"):
        approval_rate_ratio(df, "group", min_rows=1000)
    with pytest.raises(ValueError, match="repaid"):
        equal_opportunity_difference(df.assign(default=1), "group")
    with pytest.raises(TypeError, match="DataFrame"):
        approval_rate_ratio(df.to_numpy(), "group")


def test_segment_gaps_find_the_broken_segment_only():
    rng = np.random.default_rng(4)
    n = 6000
    df = pd.DataFrame({"g": rng.choice(list("abcdef"), n), "default": rng.integers(0, 2, n),
                       "batch": rng.integers(0, 2, n)})
    broken = (df["g"] == "c") & (df["batch"] == 1)
    df["prediction"] = np.where(broken, rng.integers(0, 2, n), df["default"])
    df.loc[~broken & (rng.random(n) < 0.1), "prediction"] = 0  # a little noise elsewhere
    t = segment_gaps(df, "g", "recall", n_boot=300)
    behind = t[t["upper"] < 0]
    assert behind[["batch", "segment"]].values.tolist() == [[1, "c"]]
    assert (t["n_segments"] == 6).all() and np.allclose(t["ci"], 1 - 0.05 / 6)


def test_segment_gaps_rarely_fire_on_noise():
    rng = np.random.default_rng(5)
    n = 8000
    df = pd.DataFrame({"g": rng.choice(list("abcdefgh"), n), "default": rng.integers(0, 2, n),
                       "batch": rng.integers(0, 10, n)})
    df["prediction"] = np.where(rng.random(n) < 0.8, df["default"], 1 - df["default"])
    t = segment_gaps(df, "g", "recall", n_boot=200)
    batches_with_alarm = t.loc[(t["upper"] < 0) | (t["lower"] > 0), "batch"].nunique()
    assert batches_with_alarm <= 2  # family-wise 5% per batch over 10 batches


# --------------------------------------------------------------------------- the rule


def _monthly_gaps(name, seed=0, metric="recall", segment="region", bins=None):
    from modellab import scenarios

    s = scenarios.make(name, seed=seed, n_reference=2000, n_batches=20, batch_size=1000)
    prod = s.production.assign(month=lambda d: d["batch"] // 4)
    return segment_gaps(prod, segment, metric, by="month", bins=bins, n_boot=400, seed=seed)


def test_segment_rule_finds_the_east_after_the_plant_closes_and_nothing_before():
    from modellab.monitor.segment_rules import SegmentBehind

    alerts = SegmentBehind("recall").evaluate(_monthly_gaps("segment_shift"))
    assert set(alerts["subject"]) == {"east"}
    assert alerts["batch"].min() >= 2  # the change starts in batch 10 = month 2
    assert (alerts["value"] < 0).all() and (alerts["kind"] == "segment").all()


def test_segment_rule_finds_young_applicants():
    from modellab.monitor.segment_rules import SegmentBehind

    gaps = _monthly_gaps("protected_group", metric="roc_auc", segment="age",
                         bins=[18, 25, 35, 50, 81])
    alerts = SegmentBehind("roc_auc").evaluate(gaps)
    assert set(alerts["subject"]) == {"[18, 25)"} and alerts["batch"].min() >= 2


def test_segment_rule_is_quiet_on_a_stable_world():
    from modellab.monitor.segment_rules import SegmentBehind

    fired = sum(len(SegmentBehind("recall").evaluate(_monthly_gaps("stable", seed=s)))
                for s in range(2))
    assert fired <= 1  # 10 months x 6 regions, family-wise 5% per month


def test_segment_rule_checks_its_arguments_and_history():
    from modellab.monitor.segment_rules import SegmentBehind

    with pytest.raises(ValueError, match="Unknown metric"):
        SegmentBehind("auc")
    with pytest.raises(ValueError, match="by design"):
        SegmentBehind("base_rate")
    with pytest.raises(ValueError, match="segment_gaps"):
        SegmentBehind().evaluate(pd.DataFrame({"batch": [0]}))
    assert repr(SegmentBehind("roc_auc")) == "SegmentBehind('roc_auc', severity='warning')"


def test_small_numeric_segments_are_in_numeric_order():
    df = pd.DataFrame({"accounts": [10, 2, 2, 1, 10, 1], "prediction": [0, 1, 0, 1, 0, 0]})
    assert segment_labels(df, "accounts").cat.categories.tolist() == ["1", "2", "10"]


def test_calibration_concern_keeps_the_false_flag_rate_with_many_groups():
    # Well-calibrated data (defaults drawn from the scores) in 25 groups: any flag is false.
    # One group of 25 misses a 5% test by chance in most runs; the Bonferroni-corrected flag
    # keeps "any false flag" at or under 5%. Small groups with rare defaults included, where
    # a normal approximation (or the bootstrap interval) would flag too often.
    rng = np.random.default_rng(16)
    runs, k = 100, 25
    flagged = naive = 0
    for r in range(runs):
        per_group, top = (120, 0.4) if r % 2 else (40, 0.1)
        score = rng.uniform(0.01, top, k * per_group)
        df = pd.DataFrame({"group": np.repeat([f"g{i:02d}" for i in range(k)], per_group),
                           "score": score, "default": (rng.random(score.size) < score) * 1.0})
        t = calibration_by_group(df, "group", n_boot=50, seed=r, limit=0.0)
        flagged += t["concern"].any()
        naive += (t["p_value"] < 0.05).any()  # each group at 5%, uncorrected
    bound = 0.05 + 2 * np.sqrt(0.05 * 0.95 / runs)  # nominal level plus two standard errors
    assert flagged / runs <= bound
    assert naive / runs > 3 * bound  # without the correction the test fails


def test_calibration_p_value_is_scipys_binomial_test_and_reads_the_correction():
    from scipy.stats import binomtest

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"group": np.repeat(list("abcdefghij"), 400),
                       "score": 0.2, "default": (rng.random(4000) < 0.2) * 1.0})
    df.loc[df["group"] == "a", "default"] = [1.0] * 102 + [0.0] * 298  # 25.5% vs 20%
    t = calibration_by_group(df, "group", n_boot=200).set_index("group")
    a = t.loc["a"]
    assert a["p_value"] == binomtest(102, 400, 0.2).pvalue
    assert 0.005 < a["p_value"] < 0.05 and not a["concern"]  # p < 5%, not < 5% / 10 groups
    assert "With 10 groups compared, that is within chance" in a["reading"]
    # the same group alone is a concern: nothing to correct for
    alone = calibration_by_group(df[df["group"] == "a"], "group", n_boot=200)
    assert alone["concern"].item() and "recalibrate" in alone["reading"].item()
    with pytest.raises(ValueError, match="limit"):
        calibration_by_group(df, "group", limit=-0.1)

"""Tests for modellab.metrics: values equal scikit-learn's, edge cases never crash or warn."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from modellab.metrics import (
    METRICS,
    BootstrapResult,
    ConfusionCounts,
    best_threshold,
    bootstrap_ci,
    by_batch,
    classification_summary,
    confusion,
    confusion_counts,
    rolling,
    threshold_table,
)
from modellab.metrics.bootstrap import _counts, resample_indices, weighted_metrics


def make_data(n=400, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n).astype(float)
    p = np.clip(0.35 * y + rng.uniform(0, 0.65, n), 0, 1)
    if ties:
        p = np.round(p, 1)
    return y, p


def sklearn_values(y, p, t, zd):
    pred = (p >= t).astype(int)
    return {
        "accuracy": skm.accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred, zero_division=zd),
        "recall": skm.recall_score(y, pred, zero_division=zd),
        "f1": skm.f1_score(y, pred, zero_division=zd),
        "specificity": skm.recall_score(y, pred, pos_label=0, zero_division=zd),
        "roc_auc": skm.roc_auc_score(y, p),
        "pr_auc": skm.average_precision_score(y, p),
        "brier": skm.brier_score_loss(y, p),
        "log_loss": skm.log_loss(y, p),
        "base_rate": y.mean(),
        "positive_rate": pred.mean(),
        "n": len(y),
    }


def batches_frame(seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for b in range(1, 6):
        n = 120
        y = rng.integers(0, 2, n).astype(float)
        p = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
        frames.append(pd.DataFrame({"batch": b, "default": y, "score": p}))
    df = pd.concat(frames, ignore_index=True)
    df.loc[df["batch"] == 4, "default"] = 0.0  # one class
    df.loc[df["batch"] == 5, "default"] = np.nan  # labels not arrived
    df.loc[(df["batch"] == 3) & (df.index % 4 == 0), "default"] = np.nan  # partly labelled
    return df


# --------------------------------------------------------------------------- summary
@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("zd", [np.nan, 0.0])
def test_summary_equals_sklearn(threshold, zd):
    y, p = make_data(seed=1)
    got = classification_summary(y, p, threshold, zero_division=zd)
    expected = sklearn_values(y, p, threshold, zd)
    assert list(got.index[: len(METRICS)]) == list(METRICS)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-12), name
    assert got["n_unlabelled"] == 0


def test_summary_zero_division_is_explicit():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.4])  # nothing predicted positive at 0.5
    assert np.isnan(classification_summary(y, p)["precision"])
    assert classification_summary(y, p, zero_division=0.0)["precision"] == 0.0
    assert "no predicted positives" in classification_summary(y, p).attrs["note"]


def test_summary_skips_and_counts_unlabelled_rows():
    y, p = make_data(seed=2)
    y_nan = y.copy()
    y_nan[::5] = np.nan
    got = classification_summary(y_nan, p)
    keep = ~np.isnan(y_nan)
    assert got["n"] == keep.sum()
    assert got["n_unlabelled"] == (~keep).sum()
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y[keep], p[keep]))


def test_one_class_gives_nan_with_reason_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = classification_summary([0, 0, 0], [0.2, 0.7, 0.1])
    assert np.isnan(got["roc_auc"]) and np.isnan(got["pr_auc"]) and np.isnan(got["recall"])
    assert got["accuracy"] == pytest.approx(2 / 3)
    assert got["log_loss"] == pytest.approx(skm.log_loss([0, 0, 0], [0.2, 0.7, 0.1], labels=[0, 1]))
    assert "only one class among labelled rows: ROC-AUC undefined" in got.attrs["note"]


def test_all_positive_pr_auc_defined():
    got = classification_summary([1, 1], [0.2, 0.9])
    assert got["pr_auc"] == 1.0 and np.isnan(got["roc_auc"]) and np.isnan(got["specificity"])


@pytest.mark.parametrize(
    ("y", "p", "kwargs", "error", "match"),
    [
        ([], [], {}, ValueError, "empty"),
        ([0, 1], [0.1, np.nan], {}, ValueError, "NaN"),
        ([0, 2], [0.1, 0.2], {}, ValueError, "0/1"),
        ([0, 1], [0.1, 1.5], {}, ValueError, "probabilities"),
        ([0, 1, 1], [0.1, 0.2], {}, ValueError, "Length mismatch"),
        ([0, 1], [0.1, 0.2], {"metrics": ["auc"]}, ValueError, "Valid names"),
        ([0, 1], ["a", "b"], {}, TypeError, "non-numeric"),
        ([np.nan, np.nan], [0.1, 0.2], {}, ValueError, "no labels"),
        ([0, 1], [0.1, 0.2], {"zero_division": 5}, ValueError, "zero_division"),
        ([0, 1], [0.1, 0.2], {"threshold": "high"}, TypeError, "threshold"),
    ],
)
def test_summary_validation(y, p, kwargs, error, match):
    with pytest.raises(error, match=match):
        classification_summary(y, p, **kwargs)


def test_raw_scores_allowed_without_probability_metrics():
    got = classification_summary([0, 1, 0, 1], [-2.0, 3.0, 1.0, 0.5], 0.0, metrics=["roc_auc", "f1"])
    assert got["roc_auc"] == pytest.approx(0.75)


# --------------------------------------------------------------------------- confusion
def test_confusion_labelled_and_equal_to_sklearn():
    y, p = make_data(seed=3)
    pred = (p >= 0.5).astype(int)
    frame = confusion(y, pred, labels=("repaid", "default"))
    assert list(frame.index) == ["repaid", "default"] and frame.index.name == "actual"
    assert list(frame.columns) == ["repaid", "default"] and frame.columns.name == "predicted"
    np.testing.assert_array_equal(frame.to_numpy(), skm.confusion_matrix(y, pred))
    tn, fp, fn, tp = frame.to_numpy().ravel()
    assert (tn, fp, fn, tp) == tuple(skm.confusion_matrix(y, pred).ravel())
    with pytest.raises(ValueError, match="y_pred"):
        confusion([0, 1], [0.3, 0.7])
    with pytest.raises(TypeError, match="labels"):
        confusion([0, 1], [0, 1], labels=("a", "a"))


def test_confusion_counts_merge_exactly():
    y, p = make_data(n=900, seed=4)
    whole = confusion_counts(y, p, 0.4)
    parts = [confusion_counts(y[i : i + 300], p[i : i + 300], 0.4) for i in range(0, 900, 300)]
    merged = sum(parts)
    assert merged == whole
    pred = (p >= 0.4).astype(int)
    assert (merged.tn, merged.fp, merged.fn, merged.tp) == tuple(skm.confusion_matrix(y, pred).ravel())
    assert merged.precision == pytest.approx(skm.precision_score(y, pred))
    assert merged.recall == pytest.approx(skm.recall_score(y, pred))
    assert merged.f1 == pytest.approx(skm.f1_score(y, pred))
    assert merged.metrics()["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    np.testing.assert_array_equal(merged.to_frame().to_numpy(), skm.confusion_matrix(y, pred))
    with pytest.raises(dataclasses.FrozenInstanceError):
        merged.tp = 0  # type: ignore[misc]


def test_confusion_counts_unlabelled_and_zero_division():
    c = confusion_counts([np.nan, 0, 0], [0.9, 0.1, 0.2])
    assert c == ConfusionCounts(tn=2, fp=0, fn=0, tp=0, n_unlabelled=1)
    assert np.isnan(c.precision) and np.isnan(c.recall) and c.specificity == 1.0


# --------------------------------------------------------------------------- bootstrap
@pytest.mark.parametrize("ties", [False, True])
def test_vectorised_resamples_equal_sklearn_per_resample(ties):
    y, p = make_data(n=150, seed=5, ties=ties)
    names = [m for m in METRICS if m != "n"]
    idx = next(resample_indices(y.size, 40, np.random.default_rng(0)))
    got = weighted_metrics(names, y, p, _counts(idx, y.size), 0.5, np.nan)
    for b, rows in enumerate(idx):
        expected = sklearn_values(y[rows], p[rows], 0.5, np.nan)
        for m in names:
            assert got[m][b] == pytest.approx(expected[m], rel=1e-9, abs=1e-12), (m, b)


def test_bootstrap_named_equals_callable_loop():
    y, p = make_data(n=300, seed=6)
    fast = bootstrap_ci("roc_auc", y, p, n_boot=200, seed=3)
    slow = bootstrap_ci(lambda a, b: skm.roc_auc_score(a, b), y, p, n_boot=200, seed=3)
    assert fast.estimate == pytest.approx(slow.estimate)
    assert (fast.low, fast.high) == pytest.approx((slow.low, slow.high), rel=1e-9)


def test_bootstrap_result_fields_and_behaviour():
    y, p = make_data(n=1000, seed=7)
    r = bootstrap_ci("f1", y, p, n_boot=300, ci=0.9, seed=1)
    assert isinstance(r, BootstrapResult)
    assert r.low < r.estimate < r.high
    assert (r.ci, r.n_boot, r.n_valid, r.method, r.metric) == (0.9, 300, 300, "percentile", "f1")
    assert r.estimate == pytest.approx(skm.f1_score(y, p >= 0.5))
    assert r == bootstrap_ci("f1", y, p, n_boot=300, ci=0.9, seed=1)
    assert r != bootstrap_ci("f1", y, p, n_boot=300, ci=0.9, seed=2)
    assert "estimate=" in repr(r) and "low=" in repr(r) and "method='percentile'" in repr(r)
    wider = bootstrap_ci("f1", y, p, n_boot=300, ci=0.99, seed=1)
    assert wider.width > r.width
    small = bootstrap_ci("f1", y[:100], p[:100], n_boot=300, ci=0.9, seed=1)
    assert small.width > r.width
    basic = bootstrap_ci("f1", y, p, n_boot=300, ci=0.9, seed=1, method="basic")
    assert basic.low == pytest.approx(2 * r.estimate - r.high)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.low = 0  # type: ignore[misc]


def test_bootstrap_undefined_cases():
    r = bootstrap_ci("roc_auc", [0, 0, 0], [0.1, 0.2, 0.3], n_boot=50)
    assert np.isnan(r.estimate) and np.isnan(r.low) and "only one class" in r.note
    # 2 positives in 20 rows: some resamples draw none and are left out, with a note.
    y = np.r_[np.ones(2), np.zeros(18)]
    p = np.linspace(0.05, 0.95, 20)[::-1]
    r = bootstrap_ci("roc_auc", y, p, n_boot=300, seed=0)
    assert 0 < r.n_valid < 300 and "undefined" in r.note


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"metric": "accuracy_score"}, ValueError, "Valid names"),
        ({"metric": 3}, TypeError, "metric"),
        ({"n_boot": 0}, ValueError, "n_boot"),
        ({"ci": 95}, ValueError, "ci"),
        ({"seed": -1}, TypeError, "seed"),
        ({"method": "bca"}, ValueError, "method"),
    ],
)
def test_bootstrap_validation(kwargs, error, match):
    args = {"metric": "roc_auc", "y_true": [0, 1, 0, 1], "y_score": [0.1, 0.9, 0.4, 0.6]}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        bootstrap_ci(**args)


# --------------------------------------------------------------------------- by_batch / rolling
def test_by_batch_values_counts_and_notes():
    df = batches_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = by_batch(df)
    names = [m for m in METRICS if m != "n"]
    assert list(out.columns) == ["batch", "n", "n_labelled", *names, "note"]
    assert out["batch"].tolist() == [1, 2, 3, 4, 5]
    assert out["n"].tolist() == [120] * 5
    assert out["n_labelled"].tolist() == [120, 120, 90, 120, 0]
    for _, row in out.iloc[:3].iterrows():
        part = df[df["batch"] == row["batch"]]
        expected = classification_summary(part["default"], part["score"])
        for m in names:
            assert row[m] == pytest.approx(expected[m]), m
        assert row["note"] == ""
    assert np.isnan(out.loc[3, "roc_auc"]) and out.loc[3, "accuracy"] > 0
    assert out.loc[3, "note"].startswith("only one class among labelled rows: ROC-AUC undefined")
    assert out.loc[4, "note"] == "no labels yet"
    assert out.loc[4, names].isna().all()


def test_by_batch_ci_columns():
    df = batches_frame()
    out = by_batch(df, metrics=["roc_auc", "recall"], ci=0.9, n_boot=200, seed=1)
    assert list(out.columns) == [
        "batch", "n", "n_labelled", "roc_auc", "roc_auc_low", "roc_auc_high",
        "recall", "recall_low", "recall_high", "note",
    ]
    ok = out.iloc[:3]
    assert (ok["roc_auc_low"] <= ok["roc_auc"]).all() and (ok["roc_auc"] <= ok["roc_auc_high"]).all()
    assert out.loc[3:, ["roc_auc_low", "roc_auc_high"]].isna().all().all()
    part = df[df["batch"] == 1]
    assert out.loc[0, "roc_auc"] == pytest.approx(skm.roc_auc_score(part["default"], part["score"]))
    again = by_batch(df, metrics=["roc_auc", "recall"], ci=0.9, n_boot=200, seed=1)
    pd.testing.assert_frame_equal(out, again)


@pytest.mark.parametrize("dtype", ["str", "category", "object"])
def test_by_batch_other_key_column_and_dtypes(dtype):
    df = batches_frame()
    df["month"] = df["batch"].map({1: "2024-01", 2: "2024-02", 3: "2024-03", 4: "2024-04", 5: "2024-05"})
    df["month"] = df["month"].astype(dtype)
    out = by_batch(df, by="month", metrics=["accuracy"])
    assert [str(v) for v in out["batch"]] == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert out["accuracy"].iloc[:4].notna().all()


def test_by_batch_validation():
    df = batches_frame()
    with pytest.raises(ValueError, match="no column"):
        by_batch(df, target="defualt")
    with pytest.raises(ValueError, match="Valid names"):
        by_batch(df, metrics=["auc"])
    with pytest.raises(TypeError, match="DataFrame"):
        by_batch(df.to_numpy())
    bad = df.copy()
    bad.loc[0, "batch"] = np.nan
    with pytest.raises(ValueError, match="missing"):
        by_batch(bad)
    bad = df.copy()
    bad.loc[0, "score"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        by_batch(bad)
    bad = df.copy()
    bad.loc[0, "default"] = 3
    with pytest.raises(ValueError, match="0/1"):
        by_batch(bad)


def test_rolling_pools_rows_of_the_window():
    df = batches_frame()
    out = rolling(df, window=2, metrics=["roc_auc", "f1"])
    assert list(out.columns) == [
        "batch", "window_start", "n_batches", "n", "n_labelled", "roc_auc", "f1", "note",
    ]
    assert np.isnan(out.loc[0, "roc_auc"]) and "only 1 of 2" in out.loc[0, "note"]
    pooled = df[df["batch"].isin([2, 3])].dropna(subset=["default"])
    assert out.loc[2, "window_start"] == 2 and out.loc[2, "n"] == 240
    assert out.loc[2, "n_labelled"] == len(pooled)
    assert out.loc[2, "roc_auc"] == pytest.approx(skm.roc_auc_score(pooled["default"], pooled["score"]))
    partial = rolling(df, window=2, metrics=["roc_auc"], min_batches=1)
    assert partial.loc[0, "roc_auc"] == pytest.approx(by_batch(df, metrics=["roc_auc"]).loc[0, "roc_auc"])
    with pytest.raises(ValueError, match="min_batches"):
        rolling(df, window=2, min_batches=3)


# --------------------------------------------------------------------------- thresholds
def test_threshold_table_equals_sklearn_and_costs():
    y, p = make_data(seed=8, ties=True)
    table = threshold_table(y, p, cost_fp=2.0, cost_fn=7.0)
    assert list(table.columns) == [
        "threshold", "tp", "fp", "tn", "fn", "precision", "recall", "f1", "specificity",
        "positive_rate", "cost", "avg_cost",
    ]
    assert len(table) == 101
    for _, row in table.iloc[::10].iterrows():
        pred = (p >= row["threshold"]).astype(int)
        tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
        assert (row["tn"], row["fp"], row["fn"], row["tp"]) == (tn, fp, fn, tp)
        assert row["cost"] == 2.0 * fp + 7.0 * fn
        assert row["recall"] == pytest.approx(skm.recall_score(y, pred))
    above_all = threshold_table(y, p, thresholds=[1.01])  # nothing predicted positive
    assert np.isnan(above_all.loc[0, "precision"]) and above_all.loc[0, "tp"] == 0


def test_best_threshold_minimises_cost_under_recall_floor():
    y, p = make_data(seed=9)
    table = threshold_table(y, p, cost_fp=1.0, cost_fn=5.0)
    best = best_threshold(y, p, cost_fp=1.0, cost_fn=5.0)
    assert best.cost == table["cost"].min()
    assert best.threshold == table.loc[table["cost"] == table["cost"].min(), "threshold"].min()
    floor = best_threshold(y, p, cost_fp=1.0, cost_fn=0.1, min_recall=0.95)
    assert floor.recall >= 0.95
    assert floor.cost == table.loc[table["recall"] >= 0.95].eval("fp + 0.1 * fn").min()
    assert "threshold=" in repr(best)
    with pytest.raises(ValueError, match="No threshold reaches recall"):
        best_threshold(y, p, min_recall=0.99, thresholds=[0.9, 0.95])
    with pytest.raises(ValueError, match="cost_fn"):
        best_threshold(y, p, cost_fn=-1)
    with pytest.raises(ValueError, match="min_recall"):
        best_threshold(y, p, min_recall=1.5)


# ------------------------------------------------------------------ pandas inputs
def test_series_with_different_indexes_are_refused_not_paired_by_position():
    y, p = make_data(200, seed=4)
    y_true = pd.Series(y, index=np.arange(200))
    shuffled = pd.Series(p, index=np.arange(200)).sample(frac=1.0, random_state=0)
    with pytest.raises(ValueError, match=r"y_true and y_score are Series with different "
                                         r"indexes.*y_score.reindex\(y_true.index\)"):
        classification_summary(y_true, shuffled)
    with pytest.raises(ValueError, match="y_true and y_pred are Series with different indexes"):
        confusion(y_true, (shuffled >= 0.5).astype(int))
    # aligned as the message says, the answer is scikit-learn's on the paired rows
    got = classification_summary(y_true, shuffled.reindex(y_true.index))
    assert got["roc_auc"] == skm.roc_auc_score(y, p)
    # same index (or arrays) are paired as given
    assert classification_summary(y_true, pd.Series(p))["roc_auc"] == skm.roc_auc_score(y, p)


@pytest.mark.parametrize("dtype", ["boolean", "Int64", "Float64"])
def test_nullable_labels_with_na_are_unlabelled(dtype):
    y, p = make_data(300, seed=5)
    labels = pd.Series(y.astype(int) if dtype != "Float64" else y).astype(dtype)
    labels.iloc[:40] = pd.NA
    got = classification_summary(labels, p)
    expected = classification_summary(np.where(np.arange(300) < 40, np.nan, y), p)
    pd.testing.assert_series_equal(got, expected)
    assert got["roc_auc"] == skm.roc_auc_score(y[40:], p[40:])


# ------------------------------------------------------------------ the metric registry
def test_registry_directions_agree_with_a_perfect_and_a_random_model():
    from modellab.metrics import _registry

    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 2000).astype(float)
    perfect = np.where(y == 1, 0.9, 0.1)
    noise = rng.uniform(0, 1, 2000)
    names = [n for n, m in _registry.METRICS.items() if m.in_summary and m.direction]
    good = classification_summary(y, perfect, metrics=names)
    bad = classification_summary(y, noise, metrics=names)
    for name in names:
        metric = _registry.METRICS[name]
        assert metric.worse(good[name], bad[name]), name
        assert not metric.worse(bad[name], good[name]), name
    assert _registry.METRICS["base_rate"].worse(0.1, 0.2) is None


def test_one_registry_behind_every_metric_table():
    from modellab import plots
    from modellab.metrics import _registry, classification
    from modellab.monitor import PERFORMANCE_METRICS, rules

    assert classification.METRICS == (*_registry.SUMMARY_METRICS, "n")
    for name in (*classification.METRICS[:-1], *rules.METRICS, *PERFORMANCE_METRICS):
        metric = _registry.get(name)
        assert classification.LABELS.get(name, metric.label) == metric.label
        assert rules.LABELS.get(name, metric.label) == metric.label
        assert plots.METRIC_LABELS[name] == metric.axis_label
        assert (name in plots._PERCENT_METRICS) == metric.percent
    assert set(rules.LABEL_FREE_METRICS) == {"positive_rate", "mean_score"}
    assert classification.PROBABILITY_METRICS == {"brier", "log_loss"}
    with pytest.raises(ValueError, match=r"Unknown metric 'auc'\. Valid metrics: \['accuracy'"):
        _registry.get("auc")
    with pytest.raises(TypeError, match="metric must be a metric name"):
        _registry.get(3)


# ------------------------------------------------------------------ declarative checks
def test_interval_and_options_checks():
    from modellab._validate import Interval, Options, positive_int, probability

    share = Interval("real", 0, 1, closed="left")
    assert share(0, "share") == 0.0 and share(0.5, "share") == 0.5
    for bad in (1, 1.5, -0.1, np.nan, np.inf):
        with pytest.raises(ValueError, match=r"share must be in \[0, 1\), got"):
            share(bad, "share")
    for bad in (True, "0.5", None):
        with pytest.raises(TypeError, match="share must be a number between 0 and 1, got"):
            share(bad, "share")
    assert Interval("integral", 1, 10)(np.int64(3), "k") == 3
    with pytest.raises(TypeError, match="k must be a whole number, got 3.0"):
        Interval("integral", 1, 10)(3.0, "k")
    with pytest.raises(ValueError, match="k must be between 1 and 10, got 11"):
        Interval("integral", 1, 10)(11, "k")
    with pytest.raises(ValueError, match="n must be positive, got 0"):
        positive_int(0, "n")
    with pytest.raises(ValueError, match="alpha must be strictly between 0 and 1, got 1"):
        probability(1, "alpha")
    assert probability(1, "alpha", open_interval=False) == 1.0
    with pytest.raises(ValueError, match=r"mode must be one of \('a', 'b', 'c'\), got 'd'"):
        Options("abc")("d", "mode")
    with pytest.raises(ValueError, match="mode must be 'a' or 'b', got"):
        Options(("a", "b"))(["a"], "mode")

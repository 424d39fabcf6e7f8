"""modellab.plots: each figure returns an Axes with the expected artists, saves as PNG, rejects bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection, QuadMesh  # noqa: E402

from modellab import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def labelled():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 400)
    score = np.clip(0.35 * y + rng.uniform(0, 0.65, 400), 0, 1)
    return y, score


@pytest.fixture(scope="module")
def history():
    return pd.DataFrame(
        {
            "batch": np.arange(6),
            "start": pd.date_range("2024-01-01", periods=6, freq="W"),
            "roc_auc": [0.81, 0.80, 0.82, 0.74, 0.70, np.nan],
            "roc_auc_low": [0.77, 0.76, 0.78, 0.69, 0.65, np.nan],
            "roc_auc_high": [0.85, 0.84, 0.86, 0.79, 0.75, np.nan],
            "recall": [0.6, 0.62, 0.61, 0.5, 0.45, np.nan],
        }
    )


def _png(ax, tmp_path):
    out = tmp_path / "figure.png"
    ax.figure.savefig(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ metric_over_time


def test_metric_over_time_draws_line_band_alerts_and_reference(history, tmp_path):
    alerts = pd.DataFrame({"batch": [3, 4, 4], "severity": ["warning", "critical", "warning"]})
    ax = plots.metric_over_time(history, "roc_auc", alerts=alerts, reference=0.81)
    assert isinstance(ax, Axes)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), history["batch"])
    assert any(isinstance(c, PolyCollection) for c in ax.collections), "confidence band missing"
    markers = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sorted(len(c.get_offsets()) for c in markers) == [
        1,
        1,
    ]  # batch 3 warning, batch 4 critical
    assert any(np.allclose(ln.get_ydata(), 0.81) for ln in ax.get_lines()[1:]), (
        "reference line missing"
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"reference period", "critical alert", "warning alert", "95% confidence band"} <= set(
        labels
    )
    assert "ROC-AUC" in ax.get_ylabel() and ax.get_xlabel() == "Batch"
    _png(ax, tmp_path)


def test_metric_over_time_without_ci_columns_or_alerts(history):
    ax = plots.metric_over_time(history, "recall", ci=True)
    assert not ax.collections  # no band without recall_low/high
    assert "%" in ax.get_ylabel()
    ax2 = plots.metric_over_time(history, "roc_auc", ci=False, alerts=[])
    assert not ax2.collections


def test_metric_over_time_dates_and_existing_axes(history):
    fig, ax = plt.subplots()
    out = plots.metric_over_time(history, "roc_auc", x="start", alerts=[4], ax=ax)
    assert out is ax
    assert out.get_xlabel() == "Start"


def test_metric_over_time_twice_on_one_axes_adds_a_series(history):
    ax = plots.metric_over_time(history, "roc_auc", reference=0.8)
    plots.metric_over_time(history, "recall", reference=0.8, ax=ax)
    series = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [line.get_label() for line in series] == ["ROC-AUC", "Recall"]
    assert series[0].get_color() != series[1].get_color()  # each its own colour
    assert ax.get_title() == "ROC-AUC and Recall per batch"  # the title names both
    labels = ax.get_legend_handles_labels()[1]
    assert labels.count("reference period") == 1  # the same reference line is drawn once
    plots.metric_over_time(history, "roc_auc", ax=plt.subplots()[1], title="Mine")
    assert plt.gca().get_title() == "Mine"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"history": pd.DataFrame()}, ValueError, "empty"),
        ({"metric": "auc"}, ValueError, "no column"),
        ({"metric": "label"}, TypeError, "not numbers"),
        ({"metric": "all_nan"}, ValueError, "all NaN"),
        ({"alerts": [99]}, ValueError, "not in history"),
        ({"ax": "nope"}, TypeError, "Axes"),
    ],
)
def test_metric_over_time_rejects_bad_input(history, kwargs, error, match):
    h = history.assign(label="x", all_nan=np.nan)
    args = {"history": h, "metric": "roc_auc", **kwargs}
    with pytest.raises(error, match=match):
        plots.metric_over_time(**args)


# ------------------------------------------------------------------ distribution


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame(
        {
            "income": rng.normal(50, 10, 300),
            "purpose": pd.Series(rng.choice(["car", "home", "debt"], 300), dtype="str"),
        }
    )
    cur = pd.DataFrame(
        {
            "income": rng.normal(60, 10, 200),
            "purpose": pd.Series(rng.choice(["car", "home", "travel"], 200)).astype("category"),
        }
    )
    return ref, cur


def test_distribution_numeric_overlays_two_histograms(frames, tmp_path):
    ref, cur = frames
    ax = plots.distribution(ref, cur, column="income", bins=20)
    polys = [p for p in ax.patches]
    assert len(polys) == 2  # one filled step polygon per sample
    assert ax.get_xlabel() == "income" and "Density" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["reference", "current"]
    _png(ax, tmp_path)


def test_distribution_categorical_shares_cover_both_samples(frames):
    ref, cur = frames
    ax = plots.distribution(ref, cur, column="purpose")
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert set(ticks) == {"car", "home", "debt", "travel"}
    heights = np.array([p.get_height() for p in ax.patches]).reshape(2, -1)
    np.testing.assert_allclose(heights.sum(axis=1), [1.0, 1.0])
    assert heights[0, ticks.index("travel")] == 0  # new category only in current


def test_distribution_from_series_and_histogram_shares():
    ax = plots.distribution(pd.Series([1.0, 2, 3], name="age"), np.array([2.0, 3, 4]))
    assert ax.get_xlabel() == "age"
    hist = pd.DataFrame(
        {
            "batch": [0, 0, 1, 1],
            "column": ["age"] * 4,
            "bin": ["<30", "30+"] * 2,
            "reference_share": [0.5, 0.5] * 2,
            "current_share": [0.4, 0.6, 0.1, 0.9],
        }
    )
    ax = plots.distribution(hist, column="age")
    assert [p.get_height() for p in ax.patches][2:] == [0.1, 0.9]  # last batch by default
    assert "batch 1" in [t.get_text() for t in ax.get_legend().get_texts()]
    ax = plots.distribution(hist, column="age", batch=0)
    assert [p.get_height() for p in ax.patches][2:] == [0.4, 0.6]


def test_distribution_rejects_bad_input(frames):
    ref, cur = frames
    with pytest.raises(ValueError, match="column="):
        plots.distribution(ref, cur)
    with pytest.raises(ValueError, match="no column"):
        plots.distribution(ref, cur, column="salary")
    with pytest.raises(TypeError, match="same type"):
        plots.distribution(ref["income"], cur["purpose"])
    with pytest.raises(TypeError, match="current is missing"):
        plots.distribution(ref)
    with pytest.raises(ValueError, match="no non-missing"):
        plots.distribution([np.nan, np.nan], [1.0])
    hist = pd.DataFrame(
        {
            "column": ["a", "b"],
            "bin": [0, 0],
            "reference_share": [1.0, 1.0],
            "current_share": [1.0, 1.0],
        }
    )
    with pytest.raises(ValueError, match="several columns"):
        plots.distribution(hist)


# ------------------------------------------------------------------ drift_heatmap


@pytest.fixture(scope="module")
def drift_long():
    rows = []
    for batch in range(4):
        for col in ("income", "age", "purpose"):
            shifted = col == "income" and batch >= 2
            rows.append((batch, col, "ks", 0.5 if shifted else 0.02, shifted))
            rows.append((batch, col, "psi", 0.3 if shifted else 0.01, shifted))
    return pd.DataFrame(rows, columns=["batch", "column", "method", "effect_size", "drifted"])


@pytest.mark.parametrize("value", ["effect_size", "drifted"])
def test_drift_heatmap_is_feature_by_batch(drift_long, value, tmp_path):
    ax = plots.drift_heatmap(drift_long, value=value)
    mesh = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(mesh) == 1
    grid = mesh[0].get_array().reshape(3, 4)  # 3 features x 4 batches
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == ["age", "income", "purpose"]
    expected = 0.5 if value == "effect_size" else 1.0  # max over methods
    np.testing.assert_allclose(grid[rows.index("income"), 2:], expected)
    assert grid[rows.index("age")].max() < 0.1
    assert ax.get_xlabel() == "Batch" and ax.get_ylabel() == "Feature"
    _png(ax, tmp_path)


def test_drift_heatmap_rejects_bad_input(drift_long):
    with pytest.raises(ValueError, match="no column"):
        plots.drift_heatmap(drift_long, value="p_value")
    with pytest.raises(TypeError, match="not numbers"):
        plots.drift_heatmap(drift_long, value="method")
    with pytest.raises(TypeError, match="DataFrame"):
        plots.drift_heatmap(drift_long.to_dict())


# ------------------------------------------------------------------ confusion matrix


def test_confusion_matrix_from_labels_and_from_counts(tmp_path):
    ax = plots.confusion_matrix([0, 0, 0, 1, 1], [0, 0, 1, 1, 0])
    assert [t.get_text() for t in ax.texts] == ["2", "1", "1", "1"]  # tn fp / fn tp
    assert ax.get_xlabel() == "Predicted" and ax.get_ylabel() == "Actual"
    _png(ax, tmp_path)
    counts = pd.DataFrame({"tn": [50], "fp": [10], "fn": [5], "tp": [35]})
    ax = plots.confusion_matrix(counts, normalize=True)
    assert [t.get_text() for t in ax.texts] == ["83%", "17%", "12%", "88%"]
    ax = plots.confusion_matrix(np.array([[1, 2], [3, 4]]))
    assert [t.get_text() for t in ax.texts] == ["1", "2", "3", "4"]


def test_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="binary labels"):
        plots.confusion_matrix([0, 2], [0, 1])
    with pytest.raises(ValueError, match="Length mismatch"):
        plots.confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="2x2"):
        plots.confusion_matrix(np.ones((3, 3)))


# ------------------------------------------------------------------ curves


def test_roc_curve_compares_models_on_one_axes(labelled, tmp_path):
    y, score = labelled
    ax = plots.roc_curve(y, score, label="model A")
    plots.roc_curve(y, 1 - score, ax=ax, label="inverted")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    from sklearn.metrics import roc_auc_score

    assert texts[0] == f"model A (AUC = {roc_auc_score(y, score):.2f})"
    assert texts[1].startswith("inverted (AUC = ")
    assert texts.count("chance") == 1  # the diagonal is drawn once
    assert len(ax.get_lines()) == 3
    _png(ax, tmp_path)


def test_pr_curve_has_ap_in_legend_and_baseline(labelled):
    y, score = labelled
    ax = plots.pr_curve({"batch 0": (y[:200], score[:200]), "batch 1": (y[200:], score[200:])})
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(texts) == 2 and all("AP = " in t for t in texts)
    baselines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    np.testing.assert_allclose(baselines[0].get_ydata(), y[:200].mean())


def test_calibration_curve_points_and_diagonal(labelled, tmp_path):
    y, score = labelled
    ax = plots.calibration_curve(y, score, n_bins=5)
    curve, diagonal = ax.get_lines()
    assert 1 <= len(curve.get_xdata()) <= 5
    assert diagonal.get_gid() == "perfect"
    _png(ax, tmp_path)


@pytest.mark.parametrize("fn", [plots.roc_curve, plots.pr_curve, plots.calibration_curve])
def test_curves_reject_bad_input(fn, labelled):
    y, score = labelled
    with pytest.raises(ValueError, match="single class"):
        fn(np.zeros(10), np.linspace(0, 1, 10))
    with pytest.raises(ValueError, match="Length mismatch"):
        fn(y, score[:-1])
    with pytest.raises(TypeError, match="y_score is missing"):
        fn(y)
    with pytest.raises(ValueError, match="NaN"):
        fn(y, np.where(np.arange(len(y)) == 0, np.nan, score))


def test_calibration_curve_needs_probabilities(labelled):
    y, score = labelled
    with pytest.raises(ValueError, match="between 0 and 1"):
        plots.calibration_curve(y, score * 3)
    with pytest.raises(ValueError, match="strategy"):
        plots.calibration_curve(y, score, strategy="kmeans")


def test_style_is_scoped_and_set_style_applies():
    before = matplotlib.rcParams["axes.titleweight"]
    with plots.style():
        assert matplotlib.rcParams["axes.titleweight"] == "bold"
    assert matplotlib.rcParams["axes.titleweight"] == before
    with matplotlib.rc_context():
        plots.set_style()
        assert matplotlib.rcParams["legend.frameon"] is False


def test_significance_vs_size_draws_p_values_and_distances_per_column():
    from modellab import drift

    rng = np.random.default_rng(0)
    rows = []
    for n in (500, 5_000, 50_000):
        ref = pd.DataFrame({"tiny": rng.normal(size=n), "real": rng.normal(size=n)})
        cur = pd.DataFrame({"tiny": rng.normal(0.02, size=n), "real": rng.normal(0.25, size=n)})
        rows.append(drift.compare(ref, cur).assign(n=n))
    experiment = pd.concat(rows, ignore_index=True)
    left, right = plots.significance_vs_size(experiment, alpha=0.01, floor=0.1)
    lines = {line.get_label(): line for line in left.get_lines()}
    assert set(lines) == {"tiny", "real", "alpha = 0.01"}
    np.testing.assert_allclose(lines["real"].get_ydata(),
                               experiment.query("column == 'real'")["p_value"].clip(lower=1e-12))
    assert left.get_yscale() == "log" and left.get_xscale() == "log"
    right_labels = [line.get_label() for line in right.get_lines()]
    assert right_labels == ["tiny", "real", "floor = 0.1"]
    plots.close(left)
    with pytest.raises(ValueError, match="psi"):
        plots.significance_vs_size(experiment, distances=("psi",))


@pytest.mark.parametrize("draw", [plots.roc_curve, plots.pr_curve, plots.calibration_curve])
def test_curves_refuse_series_with_different_indexes_and_pair_aligned_ones_by_index(draw):
    """Two Series are paired by index, like modellab.metrics: a shuffled y_score would
    silently pair the wrong rows by position, so it is refused with how to align it."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(4)
    y = pd.Series(rng.integers(0, 2, 300))
    s = pd.Series(np.clip(0.4 * y + rng.uniform(0, 0.6, 300), 0, 1))
    shuffled = s.sample(frac=1.0, random_state=0)
    with pytest.raises(ValueError, match=r"different indexes.*reindex\(y_true.index\)"):
        draw(y, shuffled)
    with pytest.raises(ValueError, match="different indexes"):
        draw({"batch 0": (y, shuffled)})
    ax = draw(y, shuffled.reindex(y.index))  # aligned: accepted
    if draw is plots.roc_curve:  # and the AUC in the legend is scikit-learn's on those rows
        text = ax.get_legend().get_texts()[0].get_text()
        assert f"{roc_auc_score(y, s):.2f}" in text
    plots.close(ax)


def test_confusion_matrix_refuses_series_with_different_indexes():
    from sklearn.metrics import confusion_matrix

    y = pd.Series([0, 1, 1, 0, 1, 0, 0, 1])
    pred = pd.Series([0, 1, 0, 0, 1, 1, 0, 1])
    with pytest.raises(ValueError, match=r"different indexes.*reindex\(y_true.index\)"):
        plots.confusion_matrix(y, pred.iloc[::-1])
    ax = plots.confusion_matrix(y, pred.iloc[::-1].reindex(y.index))
    counts = confusion_matrix(y, pred, labels=[0, 1])  # tn fp / fn tp
    assert [t.get_text() for t in ax.texts] == [str(c) for c in counts.ravel()]
    plots.close(ax)

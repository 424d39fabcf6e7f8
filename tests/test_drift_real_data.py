"""Drift on ordinary production data: few distinct values, infinities, many new categories,
damaged profile files. scipy is the oracle throughout."""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from modellab import drift
from modellab.drift import DriftDetector, FrameCounts, ReferenceProfile, compare


def _flags(seed=0, n=2000):
    """A 0/1 flag going from 10% to 60% ones, a 0-5 count, a 1-5 rating."""
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({
        "flag": (rng.random(n) < 0.1).astype(int),
        "count": rng.integers(0, 6, n),
        "rating": rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], n, p=[0.1, 0.2, 0.4, 0.2, 0.1]),
    })
    cur = pd.DataFrame({
        "flag": (rng.random(n) < 0.6).astype(int),
        "count": rng.integers(0, 6, n),
        "rating": rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], n, p=[0.3, 0.3, 0.2, 0.1, 0.1]),
    })
    return ref, cur


def _scipy_chi2(ref, cur):
    """chi2_contingency on the 2 x levels table of two samples (the oracle)."""
    table = pd.crosstab(
        np.r_[np.zeros(len(ref)), np.ones(len(cur))], np.r_[np.asarray(ref), np.asarray(cur)]
    ).to_numpy()
    res = stats.chi2_contingency(table)
    return res.statistic, res.pvalue


def test_a_flag_going_from_10_to_60_percent_ones_is_drift_everywhere():
    ref, cur = _flags()
    table = compare(ref, cur).set_index("column")
    assert (table["kind"] == "discrete").all()
    assert table.loc["flag", "method"] == "chi2" and table.loc["flag", "drifted"]
    assert table.loc["rating", "drifted"] and not table.loc["count", "drifted"]
    for column in ref:
        stat, p = _scipy_chi2(ref[column], cur[column])
        assert table.loc[column, "statistic"] == pytest.approx(stat, rel=1e-12)
        assert table.loc[column, "p_value"] == pytest.approx(p, rel=1e-9, abs=1e-300)
        w = stats.wasserstein_distance(ref[column], cur[column]) / ref[column].std(ddof=0)
        assert table.loc[column, "effect_size"] == pytest.approx(w, rel=1e-9)
    for test in (drift.chi2, drift.psi, drift.jensen_shannon):
        assert test(ref["flag"], cur["flag"]).drifted
    assert drift.chi2(ref["flag"], cur["flag"]).statistic == pytest.approx(
        table.loc["flag", "statistic"], rel=1e-12)
    shares = (np.bincount(ref["flag"]) / len(ref), np.bincount(cur["flag"]) / len(cur))
    expected_psi = float(np.sum((shares[1] - shares[0]) * np.log(shares[1] / shares[0])))
    assert drift.psi(ref["flag"], cur["flag"]).statistic == pytest.approx(expected_psi)


def test_ks_on_discrete_columns_has_scipys_exact_statistic():
    ref, cur = _flags(seed=1)
    table = compare(ref, cur, method="ks").set_index("column")
    for column in ref:
        assert table.loc[column, "statistic"] == pytest.approx(
            stats.ks_2samp(ref[column], cur[column]).statistic, abs=1e-12)


def test_discrete_values_off_the_reference_levels_are_drift():
    ref, _ = _flags(seed=2)
    cur = ref.assign(count=ref["count"] + 0.5)  # every value between two levels
    table = compare(ref, cur).set_index("column")
    assert table.loc["count", "drifted"] and not table.loc["flag", "drifted"]
    assert table.loc["count", "n_unseen"] == len(cur) and table.loc["flag", "n_unseen"] == 0
    assert "100.0% of values are off the reference levels" in table.loc["count", "reason"]
    # the oracle: scipy on the six levels plus one bin of the values off them
    res = stats.chi2_contingency(np.vstack([np.r_[np.bincount(ref["count"]), 0],
                                            np.r_[np.zeros(6, int), len(cur)]]))
    assert table.loc["count", "statistic"] == pytest.approx(res.statistic)


def test_discrete_counts_merge_exactly_across_chunks():
    ref, cur = _flags(seed=3)
    det = DriftDetector().fit(ref)
    parts = [det.summarise(cur.iloc[i:i + 300]) for i in range(0, len(cur), 300)]
    merged = functools.reduce(FrameCounts.merge, parts)
    pd.testing.assert_frame_equal(det.test_counts(merged), det.test(cur), check_exact=True)


def test_a_constant_reference_is_discrete_and_sees_a_move():
    ref = pd.DataFrame({"x": np.zeros(500)})
    table = compare(ref, pd.DataFrame({"x": np.r_[np.zeros(250), np.ones(250)]}))
    assert table.loc[0, "kind"] == "discrete" and table.loc[0, "drifted"]
    assert not compare(ref, ref).loc[0, "drifted"]


def test_infinite_values_are_counted_and_the_finite_part_tested():
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"ratio": rng.normal(size=3000)})
    cur = pd.DataFrame({"ratio": rng.normal(0.5, size=3000)})
    dirty = cur.copy()
    dirty.loc[:4, "ratio"] = [np.inf, -np.inf, np.inf, np.nan, np.inf]
    clean = dirty[np.isfinite(dirty["ratio"])]
    t_dirty, t_clean = compare(ref, dirty).iloc[0], compare(ref, clean).iloc[0]
    assert t_dirty["n_nonfinite"] == 4 and t_dirty["n_missing"] == 1
    assert t_clean["n_nonfinite"] == 0
    assert t_dirty["drifted"] and np.isfinite(t_dirty["effect_size"])
    for key in ("statistic", "p_value", "effect_size", "n_current"):
        assert t_dirty[key] == t_clean[key]
    # infinite values in the reference are left out of the bins and moments too
    ref_dirty = pd.concat([ref, pd.DataFrame({"ratio": [np.inf] * 3})], ignore_index=True)
    det = DriftDetector().fit(ref_dirty)
    assert det.profile_.columns["ratio"].reference.n_nonfinite == 3
    assert np.isfinite(det.profile_.columns["ratio"].std)
    # the univariate tests use the finite part, as scipy on the finite values
    assert drift.ks(ref["ratio"], dirty["ratio"]).statistic == pytest.approx(
        stats.ks_2samp(ref["ratio"], clean["ratio"]).statistic)
    assert drift.wasserstein(ref_dirty["ratio"], clean["ratio"]).drifted


def test_a_column_without_finite_values_is_a_clear_error():
    ref = pd.DataFrame({"ratio": [1.0, 2.0, 3.0] * 10})
    with pytest.raises(ValueError, match=r"'ratio' has no finite values.*2 infinite"):
        compare(ref, pd.DataFrame({"ratio": [np.inf, -np.inf, np.nan]}))
    with pytest.raises(ValueError, match="reference has no finite values"):
        drift.ks([np.inf, np.inf], [1.0])


def test_half_the_values_being_new_categories_is_drift():
    rng = np.random.default_rng(5)
    n = 4000
    ref = pd.DataFrame({"merchant": rng.choice([f"m{i}" for i in range(300)], n)})
    new = [f"new{i}" for i in range(n // 2)]  # each seen once
    cur = pd.DataFrame({"merchant": np.r_[rng.choice(ref["merchant"], n // 2), new]})
    row = compare(ref, cur).iloc[0]
    assert row["drifted"] and row["n_unseen"] == n // 2
    assert "50.0% of values are categories the reference never had" in row["reason"]
    ref_counts = ref["merchant"].value_counts()
    cur_counts = cur["merchant"].value_counts().reindex(ref_counts.index, fill_value=0)
    # the oracle: scipy on the reference categories plus one bin of all new ones
    oracle = stats.chi2_contingency(np.array([
        [*ref_counts.to_numpy(), 0], [*cur_counts.to_numpy(), n // 2]]))
    assert row["statistic"] == pytest.approx(oracle.statistic)
    assert drift.chi2(ref["merchant"], cur["merchant"]).drifted


def test_one_column_name_is_one_column_everywhere():
    ref, cur = _flags(seed=6)
    assert DriftDetector().fit(ref, columns="flag").columns_ == ["flag"]
    assert compare(ref, cur, columns="flag")["column"].tolist() == ["flag"]
    det = DriftDetector().fit(ref)
    assert det.restrict("count").columns_ == ["count"]
    assert DriftDetector(categorical="count").fit(ref).kinds_["count"] == "categorical"
    assert ReferenceProfile.from_frame(ref, "rating").kinds == {"rating": "discrete"}


def _saved(tmp_path):
    ref, _ = _flags(seed=7)
    path = tmp_path / "profile.json"
    DriftDetector().fit(ref.assign(x=np.linspace(0, 1, len(ref)), c="a")).save(path)
    return path, json.loads(path.read_text())


def _column(data, name):
    return next(p for c, p in data["profile"]["columns"] if c == name)


@pytest.mark.parametrize("damage", [
    lambda text, data: text[: len(text) // 2],
    lambda text, data: text.replace('"version": 2', '"version": 1'),
    lambda text, data: json.dumps({**data, "profile": {**data["profile"], "columns": 3}}),
    lambda text, data: (_column(data, "flag")["reference"]["counts"].pop(), json.dumps(data))[1],
    lambda text, data: (_column(data, "x")["edges"].reverse(), json.dumps(data))[1],
    lambda text, data: (_column(data, "x")["reference"].pop("sums"), json.dumps(data))[1],
    lambda text, data: (_column(data, "c").__setitem__("categories", []), json.dumps(data))[1],
    lambda text, data: (_column(data, "flag").__setitem__("levels", []), json.dumps(data))[1],
    lambda text, data: (_column(data, "flag")["reference"].__setitem__(
        "counts", [0] * len(_column(data, "flag")["reference"]["counts"])), json.dumps(data))[1],
    lambda text, data: (data["detector"].__setitem__("alpha", 7), json.dumps(data))[1],
    lambda text, data: (data["detector"].__setitem__("colour", 7), json.dumps(data))[1],
    lambda text, data: "\xff\xfe garbage",
])
def test_a_damaged_profile_file_is_a_value_error_naming_the_file(tmp_path, damage):
    path, data = _saved(tmp_path)
    path.write_text(damage(path.read_text(), data), encoding="latin-1")
    with pytest.raises(ValueError, match="profile.json") as err:
        DriftDetector.load(path)
    assert "save" in str(err.value)


def test_distribution_of_100k_levels_draws_top_levels_and_other():
    from modellab import plots

    rng = np.random.default_rng(8)
    ref = pd.Series([f"id{i}" for i in rng.integers(0, 100_000, 150_000)])
    cur = pd.Series([f"id{i}" for i in rng.integers(50_000, 150_000, 150_000)])
    ax = plots.distribution(ref, cur, max_categories=12)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    shares = pd.concat([ref.value_counts(normalize=True), cur.value_counts(normalize=True)],
                       axis=1).fillna(0.0)
    largest = shares.max(axis=1)
    top = pd.Index(ticks[:-1])
    assert len(top) == 11 and largest[top].min() >= largest.drop(index=top).max()
    assert ticks[-1] == f"other ({len(shares) - 11} categories)"
    heights = [p.get_height() for p in ax.patches]
    rest = shares.drop(index=top).sum()
    assert heights[11] == pytest.approx(rest.iloc[0]) and heights[-1] == pytest.approx(rest.iloc[1])
    plots.close(ax)
    with pytest.raises(ValueError, match="max_categories"):
        plots.distribution(ref, cur, max_categories=1)


def test_distribution_leaves_infinite_values_out_and_says_so():
    from modellab import plots

    x = pd.Series([1.0, 2.0, np.inf, 3.0, -np.inf])
    ax = plots.distribution(x, x.iloc[:3])
    assert "3 infinite values not drawn" in ax.get_xlabel()
    plots.close(ax)


def test_histograms_are_a_view_of_the_drift_counts_and_merge_exactly():
    ref, cur = _flags(seed=9)
    rng = np.random.default_rng(9)
    ref = ref.assign(x=rng.normal(size=len(ref)), c=rng.choice(["a", "b"], len(ref)))
    cur = cur.assign(x=rng.normal(size=len(cur)), c=rng.choice(["a", "b", "z"], len(cur)))
    cur.loc[:2, "x"] = [np.inf, np.nan, -np.inf]
    profile = ReferenceProfile.from_frame(ref)
    whole = profile.histograms(profile.summarise(cur))
    parts = [profile.summarise(cur.iloc[i:i + 250]) for i in range(0, len(cur), 250)]
    pd.testing.assert_frame_equal(
        profile.histograms(functools.reduce(FrameCounts.merge, parts)), whole, check_exact=True)
    flag = whole[whole["column"] == "flag"]
    assert flag["bin"].tolist() == ["0", "1", "(other)"]
    assert flag["current_share"].tolist() == pytest.approx(
        [*(cur["flag"].value_counts(normalize=True).sort_index()), 0.0])
    x = whole[whole["column"] == "x"]
    finite = cur["x"][np.isfinite(cur["x"])]
    edges = profile.columns["x"].coarse_edges
    expected = np.bincount(np.searchsorted(edges[1:-1], finite, side="right"),
                           minlength=len(edges) - 1) / len(finite)
    assert x["current_share"].to_numpy() == pytest.approx(expected)
    assert x["left"].iloc[0] == -np.inf and x["right"].iloc[-1] == np.inf
    c = whole[whole["column"] == "c"].set_index("bin")["current_share"]
    assert c["(other)"] == pytest.approx((cur["c"] == "z").mean())
    with pytest.raises(ValueError, match="'x'.*do not match"):
        profile.histograms({**profile.summarise(cur), "x": profile.summarise(cur)["flag"]})
    with pytest.raises(TypeError, match="summarise"):
        profile.histograms([1, 2])


def test_domain_classifier_takes_one_column_name_and_sees_infinite_values():
    rng = np.random.default_rng(10)
    ref = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    cur = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    quiet = drift.domain_classifier(ref, cur, "a", cv=3, n_repeats=2)
    assert quiet.importances["feature"].tolist() == ["a"] and not quiet.drifted
    cur.loc[:99, "a"] = np.inf  # a quarter of the values became infinite: a real change
    loud = drift.domain_classifier(ref, cur, "a", cv=3, n_repeats=2)
    assert loud.drifted and loud.auc > 0.6


def test_a_zero_inflated_column_sees_the_share_of_zeros_move():
    """70% zeros -> 50% zeros, the difference now just above zero: quantile edges collapse
    on the zeros, so without a point bin for them every test said 'no drift'."""
    rng = np.random.default_rng(11)
    n = 5000
    ref = pd.DataFrame({"x": np.where(rng.random(n) < 0.7, 0.0, rng.lognormal(0, 1, n))})
    small = np.quantile(ref["x"][ref["x"] > 0], 0.01)
    u = rng.random(n)
    cur = pd.DataFrame({"x": np.where(u < 0.5, 0.0, np.where(
        u < 0.7, rng.uniform(0, small, n), rng.lognormal(0, 1, n)))})
    profile = ReferenceProfile.from_frame(ref)
    assert profile.kinds == {"x": "numeric"} and profile.columns["x"].atoms.tolist() == [0.0]
    ks = compare(ref, cur, method="ks").iloc[0]
    assert ks["statistic"] == pytest.approx(stats.ks_2samp(ref["x"], cur["x"]).statistic)
    assert ks["drifted"] and compare(ref, cur, method="chi2").iloc[0]["drifted"]
    hist = profile.histograms(profile.summarise(cur))
    assert hist["bin"].iloc[0] == "(-inf, 0]"
    assert hist["reference_share"].iloc[0] == pytest.approx((ref["x"] == 0).mean())
    assert hist["current_share"].iloc[0] == pytest.approx((cur["x"] == 0).mean())
    # saved and loaded, the atom's bin survives
    again = ReferenceProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    pd.testing.assert_frame_equal(again.histograms(again.summarise(cur)), hist)

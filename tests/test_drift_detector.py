"""DriftDetector / compare: the auto rule's honesty at both ends, binned statistics, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from modellab.drift import (
    TABLE_COLUMNS,
    DriftDetector,
    _stats,
    adjust_p_values,
    chi2,
    compare,
    dataset_drift,
    jensen_shannon,
    psi,
)

SD = {"normal": 1.0, "gamma": np.sqrt(2.0), "t": np.sqrt(3.0),
      "lognormal": float(np.sqrt((np.e - 1) * np.e))}


def _draw(shape, n, rng):
    return {"normal": lambda: rng.normal(size=n), "gamma": lambda: rng.gamma(2.0, size=n),
            "t": lambda: rng.standard_t(3, size=n),
            "lognormal": lambda: rng.lognormal(size=n)}[shape]()


def numeric_frames(n, shift_sd, seed=0):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({s: _draw(s, n, rng) for s in SD})
    cur = pd.DataFrame({s: _draw(s, n, rng) + shift_sd * SD[s] for s in SD})
    return ref, cur


# ---------------------------------------------------------------- the auto rule
@pytest.mark.parametrize("n", [10_000, 100_000, 200_000])
def test_auto_flags_a_quarter_sd_shift_in_every_shape(n):
    ref, cur = numeric_frames(n, 0.25, seed=n)
    table = compare(ref, cur)
    assert table["drifted"].all(), table
    assert (table["reason"] == "significant and large enough").all()
    assert table["effect_size"].between(0.2, 0.4).all()  # t(3): sample sd < sqrt(3)


@pytest.mark.parametrize("n", [10_000, 100_000, 200_000])
@pytest.mark.parametrize("shift", [0.0, 0.02])
def test_auto_never_flags_no_change_or_a_tiny_shift(n, shift):
    ref, cur = numeric_frames(n, shift, seed=n + 1)
    table = compare(ref, cur)
    assert not table["drifted"].any(), table
    assert (table["effect_size"] < 0.06).all()


def test_p_values_alone_flag_a_tiny_shift_at_scale_and_psi_misses_a_real_one():
    """The two failures the auto rule exists to avoid."""
    ref, tiny = numeric_frames(200_000, 0.04, seed=7)  # still far below the floor
    ks_only = compare(ref, tiny, method="ks")
    assert ks_only["drifted"].all()
    auto = compare(ref, tiny)
    assert (auto["reason"] == "significant but below the effect floor").all()
    ref, real = numeric_frames(20_000, 0.25, seed=8)
    # PSI > 0.1 misses a 0.25-sd shift of a normal column (skewed ones it does see)
    assert not compare(ref[["normal"]], real[["normal"]], method="psi").loc[0, "drifted"]
    assert compare(ref, real)["drifted"].all()


def _categorical(n, shares, seed):
    rng = np.random.default_rng(seed)
    labels = np.array(["salaried", "self_employed", "retired"])
    return pd.DataFrame({"employment_type": pd.array(rng.choice(labels, n, p=shares), dtype="str")})


@pytest.mark.parametrize("n", [10_000, 200_000])
def test_auto_flags_a_meaningful_category_mix_change(n):
    ref = _categorical(n, [0.5, 0.3, 0.2], seed=1)
    cur = _categorical(n, [0.38, 0.34, 0.28], seed=2)  # 12 points moved from salaried
    row = compare(ref, cur).iloc[0]
    assert row["method"] == "chi2" and row["kind"] == "categorical"
    assert row["drifted"] and row["effect_size"] >= 0.05


def test_auto_ignores_a_one_point_category_wobble_at_scale():
    ref = _categorical(200_000, [0.5, 0.3, 0.2], seed=3)
    cur = _categorical(200_000, [0.49, 0.305, 0.205], seed=4)
    row = compare(ref, cur).iloc[0]
    assert row["p_value_adjusted"] < 0.05  # significant ...
    assert not row["drifted"] and row["reason"] == "significant but below the effect floor"
    same = compare(ref, _categorical(200_000, [0.5, 0.3, 0.2], seed=5)).iloc[0]
    assert not same["drifted"]


# ---------------------------------------------------------------- the table
def _mixed(n=3000, seed=0, shift=0.0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "income": rng.lognormal(10, 0.5, n) * (1 + shift),
        "age": rng.integers(18, 80, n),
        "region": pd.array(rng.choice(["north", "south", "east", "west"], n), dtype="str"),
        "channel": pd.Categorical(rng.choice(["web", "branch"], n)),
        "owner": rng.choice(np.array(["yes", "no"], dtype=object), n),
    })


def test_table_has_documented_columns_and_reports_missing():
    ref, cur = _mixed(seed=1), _mixed(seed=2, shift=0.5)
    cur.loc[:99, "income"] = np.nan
    cur.loc[:49, "region"] = None
    table = DriftDetector().fit(ref).test(cur)
    assert tuple(table.columns) == TABLE_COLUMNS
    assert table["column"].tolist() == list(ref.columns)
    assert table["kind"].tolist() == ["numeric", "numeric", "categorical", "categorical",
                                      "categorical"]
    t = table.set_index("column")
    assert t.loc["income", "n_missing"] == 100 and t.loc["income", "n_current"] == 2900
    assert t.loc["region", "n_missing"] == 50 and t.loc["region", "n_current"] == 2950
    assert t.loc["income", "drifted"] and not t.loc["age", "drifted"]
    assert t.loc["income", "effect_measure"] == "wasserstein_sd"
    assert t.loc["region", "effect_measure"] == "jensen_shannon"
    np.testing.assert_allclose(table["p_value_adjusted"], adjust_p_values(table["p_value"]))


def test_unseen_categories_are_counted_and_drive_drift():
    ref = pd.DataFrame({"channel": ["web", "branch"] * 500})
    cur = pd.DataFrame({"channel": ["web", "branch"] * 300 + ["app"] * 400})
    row = compare(ref, cur).iloc[0]
    assert row["n_unseen"] == 400 and row["n_current"] == 1000
    assert row["drifted"]


def test_constant_column_has_defined_behaviour():
    ref = pd.DataFrame({"flag": np.ones(500), "x": np.arange(500.0)})
    same = compare(ref, ref.copy()).set_index("column")
    assert not same["drifted"].any()
    assert same.loc["flag", "effect_size"] == 0.0
    moved = compare(ref, ref.assign(flag=2.0), method="chi2").set_index("column")
    assert moved.loc["flag", "drifted"]
    assert np.isfinite(compare(ref, ref.assign(flag=2.0))["effect_size"]).all()


def test_correction_choices():
    ref, cur = _mixed(seed=3), _mixed(seed=4, shift=0.05)
    bh = compare(ref, cur)
    bonf = compare(ref, cur, correction="bonferroni")
    raw = compare(ref, cur, correction=None)
    np.testing.assert_allclose(bonf["p_value_adjusted"],
                               np.minimum(1, bonf["p_value"] * len(bonf)))
    np.testing.assert_allclose(raw["p_value_adjusted"], raw["p_value"])
    assert (bh["p_value_adjusted"] <= bonf["p_value_adjusted"] + 1e-15).all()


def test_distance_methods_and_per_column_methods():
    ref, cur = _mixed(seed=5), _mixed(seed=6, shift=0.3)
    table = compare(ref, cur, method={"income": "wasserstein", "region": "psi"},
                    thresholds={"wasserstein": 0.2}).set_index("column")
    assert table.loc["income", "method"] == "wasserstein"
    assert np.isnan(table.loc["income", "p_value"]) and table.loc["income", "threshold"] == 0.2
    assert table.loc["income", "statistic"] == table.loc["income", "effect_size"]
    assert table.loc["age", "method"] == "ks" and table.loc["region", "method"] == "psi"


@pytest.mark.parametrize(("method", "function"),
                         [("psi", psi), ("jensen_shannon", jensen_shannon), ("chi2", chi2)])
def test_detector_binned_tests_equal_the_univariate_functions(method, function):
    ref, cur = _mixed(seed=8), _mixed(seed=9, shift=0.1)
    table = compare(ref, cur, method=method).set_index("column")
    for column in ("income", "age", "region", "channel"):
        expected = function(ref[column], cur[column]).statistic
        assert table.loc[column, "statistic"] == pytest.approx(expected, rel=1e-10), column


# ---------------------------------------------------------------- binned KS and Wasserstein
@pytest.mark.parametrize("shape", list(SD))
@pytest.mark.parametrize("shift", [0.0, 0.1, 0.25])
def test_binned_ks_is_within_the_documented_bound(shape, shift):
    rng = np.random.default_rng(11)
    ref = pd.DataFrame({"x": _draw(shape, 20_000, rng)})
    cur = pd.DataFrame({"x": _draw(shape, 15_000, rng) + shift * SD[shape]})
    det = DriftDetector(method="ks").fit(ref)
    d_binned = det.test(cur).loc[0, "statistic"]
    d_exact = stats.ks_2samp(ref["x"], cur["x"]).statistic
    counts = det.summarise(cur)["x"].counts
    ref_counts = det.profile_.columns["x"].reference.counts
    bound = max((ref_counts[1:-1] / 20_000).max(), (counts[1:-1] / 15_000).max())
    assert d_binned <= d_exact + 1e-12
    assert d_exact <= d_binned + bound + 1e-12
    assert d_exact - d_binned < 0.015


def test_binned_ks_is_exact_on_discrete_data_with_scipy_p_value():
    rng = np.random.default_rng(12)
    ref = pd.DataFrame({"score": rng.integers(0, 10, 2000)})
    cur = pd.DataFrame({"score": rng.integers(0, 11, 1500)})
    row = compare(ref, cur, method="ks").iloc[0]
    exact = stats.ks_2samp(ref["score"], cur["score"], method="asymp")
    assert row["statistic"] == pytest.approx(exact.statistic, abs=1e-12)
    assert row["p_value"] == pytest.approx(exact.pvalue, rel=1e-9)


@pytest.mark.parametrize("shape", list(SD))
@pytest.mark.parametrize("shift", [0.0, 0.02, 0.25])
def test_binned_wasserstein_is_close_to_scipy(shape, shift):
    rng = np.random.default_rng(13)
    ref = pd.DataFrame({"x": _draw(shape, 20_000, rng)})
    cur = pd.DataFrame({"x": _draw(shape, 20_000, rng) + shift * SD[shape]})
    effect = compare(ref, cur).loc[0, "effect_size"]
    exact = stats.wasserstein_distance(ref["x"], cur["x"]) / ref["x"].std(ddof=0)
    assert exact - 0.01 <= effect <= exact + 1e-9


def test_bin_index_equals_searchsorted():
    rng = np.random.default_rng(14)
    for data in (rng.lognormal(size=5000), rng.standard_t(1, size=5000),
                 np.r_[rng.normal(size=1000), 1e-12 * np.arange(50)]):
        edges = _stats.quantile_edges(data, 100)
        index = _stats.BinIndex(edges)
        probe = np.r_[rng.choice(data, 3000), edges, np.nextafter(edges, np.inf),
                      np.nextafter(edges, -np.inf), -np.inf, np.inf]
        np.testing.assert_array_equal(index(probe),
                                      np.searchsorted(edges[1:-1], probe, side="right"))


# ---------------------------------------------------------------- dataset summary
def test_dataset_drift_share():
    ref, cur = _mixed(seed=15), _mixed(seed=16, shift=0.5)
    table = compare(ref, cur)
    verdict = DriftDetector.summary(table, share=0.2)
    assert verdict.n_columns == 5 and verdict.drifted_columns == ("income",)
    assert verdict.share_drifted == pytest.approx(0.2) and verdict.drifted
    assert not dataset_drift(table, share=0.5).drifted
    with pytest.raises(ValueError, match="share"):
        dataset_drift(table, share=0)


# ---------------------------------------------------------------- bad input
def test_bad_input_errors_name_the_problem_and_fix():
    ref, cur = _mixed(seed=17), _mixed(seed=18)
    with pytest.raises(ValueError, match="fit"):
        DriftDetector().test(cur)
    with pytest.raises(ValueError, match="auto.*ks, chi2, psi, jensen_shannon, wasserstein"):
        DriftDetector(method="kl").fit(ref)
    with pytest.raises(TypeError, match="'region' is categorical.*'chi2'"):
        DriftDetector(method="ks").fit(ref)
    with pytest.raises(ValueError, match=r"only in current: \['extra'\].*columns="):
        compare(ref, cur.assign(extra=1.0))
    with pytest.raises(ValueError, match="no column"):
        DriftDetector().fit(ref).test(cur.drop(columns="age"))
    with pytest.raises(TypeError, match="'age' was numeric in the reference but is categorical"):
        DriftDetector().fit(ref).test(cur.assign(age=cur["age"].astype(str)))
    with pytest.raises(TypeError, match="'region' was categorical.*numeric"):
        DriftDetector().fit(ref).test(cur.assign(region=1.0))
    with pytest.raises(ValueError, match="'income' has no finite values"):
        DriftDetector().fit(ref).test(cur.assign(income=np.nan))
    with pytest.raises(ValueError, match="only missing values"):
        DriftDetector().fit(ref.assign(income=np.nan))
    with pytest.raises(ValueError, match="empty"):
        DriftDetector().fit(ref.iloc[:0])
    with pytest.raises(ValueError, match="'bh'"):
        DriftDetector(correction="fdr").fit(ref)
    with pytest.raises(ValueError, match="identifier"):
        DriftDetector(max_categories=10).fit(ref.assign(id=[f"c{i}" for i in range(len(ref))]))
    with pytest.raises(TypeError, match="DataFrame"):
        DriftDetector().fit(ref).test(cur["income"])
    with pytest.raises(TypeError, match="dates|days"):
        compare(ref.assign(day=pd.Timestamp("2024-01-01")), cur.assign(day=pd.Timestamp("2024-01-02")))


def test_extra_columns_are_ignored_by_a_fitted_detector():
    ref, cur = _mixed(seed=19), _mixed(seed=20)
    det = DriftDetector().fit(ref, columns=["income", "region"])
    assert det.test(cur.assign(prediction=0.3))["column"].tolist() == ["income", "region"]


def test_treat_integer_codes_as_categorical():
    ref = pd.DataFrame({"grade": np.repeat([1, 2, 3], 300)})
    cur = pd.DataFrame({"grade": np.repeat([1, 2, 3], [100, 300, 500])})
    row = compare(ref, cur, categorical=["grade"]).iloc[0]
    assert row["kind"] == "categorical" and row["method"] == "chi2" and row["drifted"]

"""Univariate drift tests equal scipy, handle categories/constants/NaN, and refuse bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon as scipy_js

from modellab.drift import (
    DriftResult,
    adjust_p_values,
    chi2,
    jensen_shannon,
    ks,
    psi,
    run_test,
    wasserstein,
)

RNG = np.random.default_rng(42)
REF = RNG.gamma(2.0, size=800)
CUR = RNG.gamma(2.0, size=600) + 0.3


def _hand_bins(ref, cur, k=10):
    """Counts over k reference-quantile bins with open outer bins, via np.histogram."""
    q = np.quantile(ref, np.arange(k + 1) / k)
    edges = np.r_[-np.inf, q[1:-1], np.inf]
    return np.histogram(ref, edges)[0], np.histogram(cur, edges)[0]


def test_ks_equals_scipy():
    res = ks(REF, CUR)
    expected = stats.ks_2samp(REF, CUR)
    assert res.statistic == pytest.approx(expected.statistic, abs=1e-15)
    assert res.p_value == pytest.approx(expected.pvalue, rel=1e-12)
    assert (res.method, res.threshold, res.n_reference, res.n_current) == ("ks", 0.05, 800, 600)
    assert res.drifted == (expected.pvalue < 0.05)


def test_ks_drops_nan_and_reports_sizes():
    cur = np.r_[CUR, [np.nan] * 7]
    res = ks(REF, cur)
    assert res.n_current == 600
    assert res.statistic == stats.ks_2samp(REF, CUR).statistic


def test_wasserstein_equals_scipy_over_reference_std():
    res = wasserstein(REF, CUR, threshold=0.2)
    assert res.statistic == pytest.approx(stats.wasserstein_distance(REF, CUR) / REF.std(),
                                          rel=1e-12)
    assert res.p_value is None and res.threshold == 0.2
    assert res.drifted == (res.statistic >= 0.2)


def test_wasserstein_of_a_pure_shift_is_the_shift_in_sds():
    x = RNG.lognormal(size=3000)
    assert wasserstein(x, x + 0.25 * x.std()).statistic == pytest.approx(0.25, rel=1e-9)


def test_chi2_numeric_equals_scipy_on_quantile_bins():
    res = chi2(REF, CUR)
    r, c = _hand_bins(REF, CUR)
    expected = stats.chi2_contingency(np.vstack([r, c]))
    assert res.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert res.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_chi2_categorical_equals_scipy_with_unseen_category():
    ref = pd.Series(["a"] * 50 + ["b"] * 30 + ["c"] * 20, dtype="str")
    cur = pd.Series(["a"] * 40 + ["b"] * 30 + ["c"] * 20 + ["new"] * 10, dtype="str")
    res = chi2(ref, cur)
    table = pd.crosstab(
        np.r_[np.zeros(len(ref)), np.ones(len(cur))], np.r_[ref.to_numpy(), cur.to_numpy()]
    ).to_numpy()
    expected = stats.chi2_contingency(table)
    assert table.shape == (2, 4)
    assert res.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert res.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert res.n_current == 100


def test_psi_matches_hand_computation():
    ref = ["a"] * 60 + ["b"] * 40
    cur = ["a"] * 30 + ["b"] * 60 + ["c"] * 10  # "c" unseen: reference share -> eps
    p = np.array([0.6, 0.4, 1e-4])
    q = np.array([0.3, 0.6, 0.1])
    expected = np.sum((q - p) * np.log(q / p))
    res = psi(ref, cur)
    assert res.statistic == pytest.approx(expected, rel=1e-12)
    assert res.p_value is None and res.drifted


def test_psi_numeric_uses_reference_quantile_bins():
    r, c = _hand_bins(REF, CUR)
    p, q = r / r.sum(), c / c.sum()
    assert psi(REF, CUR).statistic == pytest.approx(np.sum((q - p) * np.log(q / p)), rel=1e-12)


def test_psi_misses_a_quarter_sd_shift_that_wasserstein_sees():
    x = RNG.normal(size=50_000)
    y = RNG.normal(0.25, size=50_000)
    assert 0.04 < psi(x, y).statistic < 0.1 and not psi(x, y).drifted
    assert wasserstein(x, y).drifted


def test_jensen_shannon_equals_scipy_base2():
    r, c = _hand_bins(REF, CUR)
    res = jensen_shannon(REF, CUR)
    assert res.statistic == pytest.approx(scipy_js(r / r.sum(), c / c.sum(), base=2), rel=1e-12)
    cat = jensen_shannon(["x", "y", "y"], ["x", "x", "y"])
    assert cat.statistic == pytest.approx(scipy_js([1 / 3, 2 / 3], [2 / 3, 1 / 3], base=2))


@pytest.mark.parametrize("dtype", ["str", "category", "object"])
def test_categorical_dtypes_give_the_same_result(dtype):
    rng = np.random.default_rng(1)
    ref = pd.Series(rng.choice(["web", "branch", "phone"], 500, p=[0.5, 0.3, 0.2]))
    cur = pd.Series(rng.choice(["web", "branch", "phone"], 400, p=[0.3, 0.4, 0.3]))
    expected = chi2(ref.astype("str"), cur.astype("str"))
    for test in (chi2, psi, jensen_shannon):
        got = test(ref.astype(dtype), cur.astype(dtype))
        assert got.statistic == pytest.approx(test(ref.astype("str"), cur.astype("str")).statistic)
    assert expected.drifted


def test_categorical_missing_values_are_excluded():
    ref = pd.Series(["a", "b", None, "a"], dtype="str")
    cur = pd.Series(["a", "b", "b", np.nan], dtype="object")
    res = chi2(ref, cur)
    assert (res.n_reference, res.n_current) == (3, 3)


def test_constant_columns_do_not_crash():
    same = np.full(50, 3.0)
    for test in (ks, chi2, psi, jensen_shannon, wasserstein):
        res = test(same, same)
        assert np.isfinite(res.statistic) and not res.drifted
    moved = wasserstein(same, same + 1.5)
    assert moved.statistic == pytest.approx(0.5)  # |shift| / |reference value|
    assert chi2(np.zeros(20), np.ones(20)).drifted


def test_result_is_frozen_with_readable_repr():
    res = ks([1.0, 2.0, 3.0], [1.0, 2.0, 3.5])
    assert isinstance(res, DriftResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.statistic = 0.0
    text = repr(res)
    assert text.startswith("DriftResult(method='ks', statistic=")
    assert "n_reference=3" in text


def test_run_test_dispatches_and_lists_methods():
    assert run_test("psi", REF, CUR).statistic == psi(REF, CUR).statistic
    with pytest.raises(ValueError, match="ks, chi2, psi, jensen_shannon, wasserstein"):
        run_test("kl", REF, CUR)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: ks([], [1.0]), ValueError, "reference is empty"),
        (lambda: ks([np.nan, np.nan], [1.0]), ValueError, "only missing values"),
        (lambda: wasserstein(["a", "b"], ["a"]), TypeError, "categorical method"),
        (lambda: ks(pd.Series(["a"], dtype="str"), [1.0]), TypeError, "dtype str"),
        (lambda: chi2([1.0, 2.0], [1.0], bins=1), ValueError, "bins"),
        (lambda: psi([], ["a"]), ValueError, "empty"),
        (lambda: psi(["a"], [None, None]), ValueError, "current has only missing"),
        (lambda: ks([1.0], [1.0], alpha=5), ValueError, "alpha"),
        (lambda: chi2([1, 2], [1, 2], kind="ordinal"), ValueError, "numeric"),
        (lambda: ks(np.ones((3, 2)), [1.0]), ValueError, "1-D"),
    ],
)
def test_bad_input_raises_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- multiple testing
def test_bonferroni_by_hand():
    p = [0.001, 0.02, 0.3, 0.04]
    np.testing.assert_allclose(adjust_p_values(p, "bonferroni"), [0.004, 0.08, 1.0, 0.16])


def test_benjamini_hochberg_by_hand_and_scipy():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    m = p.size
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    stepped = np.minimum.accumulate(ranked[::-1])[::-1]  # step-up: running min from the top
    hand = np.empty(m)
    hand[order] = np.minimum(stepped, 1)
    np.testing.assert_allclose(adjust_p_values(p, "bh"), hand)
    np.testing.assert_allclose(adjust_p_values(p, "bh"), stats.false_discovery_control(p))
    np.testing.assert_allclose(hand, [0.025, 0.05, 0.05, 0.025, 0.5])


def test_adjust_keeps_nan_out_of_the_count():
    out = adjust_p_values([0.01, np.nan, 0.02], "bonferroni")
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], [0.02, 0.04])


def test_adjust_rejects_bad_input():
    with pytest.raises(ValueError, match="between 0 and 1"):
        adjust_p_values([0.5, 1.5])
    with pytest.raises(ValueError, match="'bh'"):
        adjust_p_values([0.5], method="holm")

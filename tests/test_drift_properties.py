"""Property-based drift tests (hypothesis): frames with discrete, constant, heavy-tailed,
infinite, missing and categorical columns.

- counts summarised chunk by chunk and merged give the in-memory table;
- on discrete columns the verdict is scipy's (chi2_contingency on the levels; the KS
  statistic is ks_2samp's);
- infinite values are counted, never decide a verdict, and never make a number NaN;
- a saved profile tests exactly like the fitted one;
- every bad parameter is a ValueError/TypeError naming the argument.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from modellab import drift
from modellab.drift import DriftDetector, FrameCounts, ReferenceProfile, compare
from modellab.streaming import CUSUM, DDM, PageHinkley

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
FLOATS = ("statistic", "p_value", "p_value_adjusted", "effect_size")


def _frame(rng, n, *, p_flag, levels, const, scale, shift, p_inf, p_nan, cats, p_zero):
    """One frame; every column keeps at least one finite value."""
    heavy = rng.standard_cauchy(n) * scale + shift
    bad = rng.random(n)
    heavy[bad < p_inf] = rng.choice([np.inf, -np.inf], int((bad < p_inf).sum()))
    heavy[(bad >= p_inf) & (bad < p_inf + p_nan)] = np.nan
    heavy[0] = shift  # never only missing/infinite
    flag = (rng.random(n) < p_flag).astype(np.int64)
    count = rng.integers(0, levels, n).astype(np.float64)
    count[rng.random(n) < p_nan] = np.nan
    count[0] = 0.0
    return pd.DataFrame({
        "flag": flag, "count": count, "const": np.full(n, const), "heavy": heavy,
        "cat": pd.array(rng.choice(cats, n), dtype="str"),
        "zeros": np.where(rng.random(n) < p_zero, 0.0, rng.lognormal(0, 1, n)),  # an atom
    })


@st.composite
def worlds(draw):
    """A reference and a current frame, possibly drifted in every column."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_ref, n_cur = draw(st.integers(20, 600)), draw(st.integers(20, 600))
    levels = draw(st.integers(2, 8))
    common = {"scale": draw(st.sampled_from([1e-3, 1.0, 1e6]))}
    ref = _frame(rng, n_ref, p_flag=draw(st.floats(0.05, 0.95)), levels=levels, const=3.0,
                 shift=0.0, p_inf=0.0, p_nan=draw(st.floats(0, 0.2)),
                 cats=["a", "b", "c"], p_zero=draw(st.floats(0.05, 0.8)), **common)
    cur = _frame(rng, n_cur, p_flag=draw(st.floats(0.05, 0.95)),
                 levels=draw(st.integers(2, 9)), const=draw(st.sampled_from([3.0, 4.0])),
                 shift=draw(st.floats(-2, 2)), p_inf=draw(st.floats(0, 0.3)),
                 p_nan=draw(st.floats(0, 0.2)),
                 cats=draw(st.sampled_from([["a", "b", "c"], ["a", "b"], ["a", "z", "y"]])),
                 p_zero=draw(st.floats(0.0, 0.8)), **common)
    return ref, cur


def _expected_kind(series: pd.Series) -> str:
    """The documented rule: at most 20 distinct finite values and 5 rows per value (or one
    value) is discrete."""
    if not pd.api.types.is_numeric_dtype(series.dtype):
        return "categorical"
    x = series[np.isfinite(series)]
    k = x.nunique()
    return "discrete" if k == 1 or (k <= 20 and 5 * k <= len(x)) else "numeric"


def _assert_same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Counts, methods, verdicts exactly; floats to the last few bits (summation order)."""
    exact = [c for c in a.columns if c not in FLOATS]
    pd.testing.assert_frame_equal(a[exact], b[exact], check_exact=True)
    pd.testing.assert_frame_equal(a[list(FLOATS)], b[list(FLOATS)], rtol=1e-9, atol=1e-300)


@SETTINGS
@given(worlds(), st.integers(1, 7))
def test_chunked_and_merged_counts_give_the_in_memory_table(world, n_chunks):
    ref, cur = world
    det = DriftDetector().fit(ref)
    bounds = np.linspace(0, len(cur), n_chunks + 1).astype(int)
    parts = [det.summarise(cur.iloc[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    merged = functools.reduce(FrameCounts.merge, parts)
    whole = det.summarise(cur)
    for column in det.columns_:
        np.testing.assert_array_equal(merged[column].counts, whole[column].counts)
        assert merged[column].n_missing == whole[column].n_missing
        assert merged[column].n_nonfinite == whole[column].n_nonfinite
        assert merged[column].unseen == whole[column].unseen
    _assert_same_table(det.test_counts(merged), det.test(cur))
    hist = det.profile_.histograms
    pd.testing.assert_frame_equal(hist(merged), hist(whole), check_exact=True)


@SETTINGS
@given(worlds())
def test_discrete_verdicts_are_scipys(world):
    ref, cur = world
    for column in ("flag", "count", "const", "zeros"):
        if _expected_kind(ref[column]) != "discrete":
            continue
        r = ref[column][np.isfinite(ref[column])].to_numpy()
        c = cur[column][np.isfinite(cur[column])].to_numpy()
        # scipy on the reference levels, values the reference never had pooled in one bin
        levels = np.where(np.isin(c, r), c, np.inf)
        table = pd.crosstab(np.r_[np.zeros(r.size), np.ones(c.size)], np.r_[r, levels])
        table = table.to_numpy()
        if table.shape[1] > 1:
            oracle = stats.chi2_contingency(table)
            p_scipy, stat_scipy = oracle.pvalue, oracle.statistic
        else:  # one value in both samples: identical
            p_scipy, stat_scipy = 1.0, 0.0
        assume(abs(p_scipy - 0.05) > 1e-6)
        row = compare(ref[[column]], cur[[column]], method="chi2").iloc[0]
        assert row["kind"] == "discrete"
        assert row["statistic"] == pytest.approx(stat_scipy, rel=1e-9, abs=1e-12)
        assert row["p_value"] == pytest.approx(p_scipy, rel=1e-6, abs=1e-300)
        assert row["drifted"] == (p_scipy < 0.05)
        assert drift.chi2(ref[column], cur[column]).drifted == (p_scipy < 0.05)
        ks = compare(ref[[column]], cur[[column]], method="ks").iloc[0]
        assert ks["statistic"] == pytest.approx(stats.ks_2samp(r, c).statistic, abs=1e-12)
        auto = compare(ref[[column]], cur[[column]]).iloc[0]
        spread = r.std() if r.std() > 0 else (abs(r.mean()) or 1.0)
        w = stats.wasserstein_distance(r, c) / spread
        in_gaps = (c > r.min()) & (c < r.max()) & ~np.isin(c, r)
        if in_gaps.any():  # values between two reference levels: a lower bound (documented)
            assert auto["effect_size"] <= w + 1e-12
            continue
        assume(abs(w - 0.1) > 1e-9)
        assert auto["effect_size"] == pytest.approx(w, rel=1e-9, abs=1e-12)
        assert auto["drifted"] == (p_scipy < 0.05 and w >= 0.1)


@SETTINGS
@given(worlds())
def test_infinite_values_are_counted_and_never_decide(world):
    ref, cur = world
    finite = cur[np.isfinite(cur["heavy"]) | cur["heavy"].isna()]
    det = DriftDetector().fit(ref)
    dirty, clean = det.test(cur).set_index("column"), det.test(finite).set_index("column")
    assert dirty.loc["heavy", "n_nonfinite"] == int(np.isinf(cur["heavy"]).sum())
    assert clean.loc["heavy", "n_nonfinite"] == 0
    same = ["statistic", "p_value", "effect_size", "n_current", "n_missing", "drifted"]
    pd.testing.assert_series_equal(dirty.loc["heavy", same], clean.loc["heavy", same],
                                   check_names=False)
    numbers = dirty[["statistic", "p_value", "effect_size"]].to_numpy(dtype=float)
    assert np.isfinite(numbers).all()
    assert dirty["drifted"].map(type).eq(bool).all()


@SETTINGS
@given(world=worlds())
def test_a_saved_profile_tests_like_the_fitted_one(tmp_path_factory, world):
    ref, cur = world
    det = DriftDetector(method={"count": "psi", "heavy": "wasserstein"}).fit(ref)
    path = tmp_path_factory.mktemp("profile") / "drift.json"
    det.save(path)
    pd.testing.assert_frame_equal(DriftDetector.load(path).test(cur), det.test(cur),
                                  check_exact=True)
    expected = {c: _expected_kind(ref[c]) for c in ref}
    assert ReferenceProfile.from_frame(ref).kinds == expected
    assert expected["flag"] == expected["const"] == "discrete"


@SETTINGS
@given(worlds())
def test_numeric_statistics_keep_their_documented_bounds(world):
    """KS from counts is scipy's minus at most the largest share of either sample inside
    one interval bin (atoms have point bins, so piles of ties cost nothing); Wasserstein
    never exceeds scipy's."""
    ref, cur = world
    det = DriftDetector(method={"heavy": "ks", "zeros": "ks"}).fit(ref)
    table = det.test(cur).set_index("column")
    counts = det.summarise(cur)
    for column in ("heavy", "zeros"):
        prof = det.profile_.columns[column]
        r = ref[column][np.isfinite(ref[column])].to_numpy()
        c = cur[column][np.isfinite(cur[column])].to_numpy()
        exact = stats.ks_2samp(r, c).statistic
        intervals = np.diff(prof.edges) > 0  # point bins of atoms have width 0
        slack = max((x.counts[1:-1][intervals] / x.n).max()
                    for x in (prof.reference, counts[column]))
        assert table.loc[column, "statistic"] <= exact + 1e-12
        assert exact - table.loc[column, "statistic"] <= slack + 1e-12
        spread = r.std() if r.std() > 0 else (abs(r.mean()) or 1.0)
        w = stats.wasserstein_distance(r, c) / spread
        assert table.loc[column, "effect_size"] <= w * (1 + 1e-9) + 1e-12


REF = pd.DataFrame({"x": np.arange(50.0), "c": ["a", "b"] * 25})
NOT_NUMBERS = st.one_of(st.text(max_size=3), st.none(), st.lists(st.integers(), max_size=2))
BAD_PROBABILITY = st.one_of(NOT_NUMBERS, st.floats(allow_nan=True).filter(
    lambda v: not 0 < v < 1), st.booleans())
BAD_COUNT = st.one_of(NOT_NUMBERS, st.floats(), st.integers(max_value=1), st.booleans())
BAD_POSITIVE = st.one_of(NOT_NUMBERS, st.floats().filter(lambda v: not v > 0), st.booleans())

BAD_CALLS = {
    "alpha": (BAD_PROBABILITY, lambda v: DriftDetector(alpha=v).fit(REF)),
    "bins": (BAD_COUNT, lambda v: DriftDetector(bins=v).fit(REF)),
    "fine_bins": (BAD_COUNT, lambda v: DriftDetector(fine_bins=v).fit(REF)),
    "max_categories": (BAD_COUNT, lambda v: DriftDetector(max_categories=v).fit(REF)),
    "max_levels": (st.one_of(NOT_NUMBERS, st.floats(), st.integers(max_value=0)),
                   lambda v: DriftDetector(max_levels=v).fit(REF)),
    "min_wasserstein": (st.one_of(NOT_NUMBERS, st.floats(max_value=-1e-9)),
                        lambda v: DriftDetector(min_wasserstein=v).fit(REF)),
    "method": (st.text(max_size=5).filter(lambda v: v not in drift.METHODS + ("auto",)),
               lambda v: DriftDetector(method=v).fit(REF)),
    "correction": (st.text(max_size=5).filter(lambda v: v not in ("bh", "bonferroni")),
                   lambda v: DriftDetector(correction=v).fit(REF)),
    "share": (BAD_PROBABILITY.filter(lambda v: v != 1.0),
              lambda v: drift.dataset_drift(pd.DataFrame({"column": ["x"], "drifted": [True]}),
                                            share=v)),
    "threshold": (BAD_POSITIVE, lambda v: drift.psi(REF["x"], REF["x"], threshold=v)),
    "eps": (BAD_POSITIVE, lambda v: drift.psi(REF["x"], REF["x"], eps=v)),
    "warning_level": (BAD_POSITIVE, lambda v: DDM(warning_level=v)),
    "delta": (st.one_of(NOT_NUMBERS, st.floats(max_value=-1e-9)),
              lambda v: PageHinkley(delta=v)),
    "h": (BAD_POSITIVE, lambda v: CUSUM(h=v)),
}


@pytest.mark.parametrize("argument", sorted(BAD_CALLS))
def test_every_bad_parameter_is_an_error_naming_it(argument):
    values, call = BAD_CALLS[argument]

    @settings(max_examples=15, deadline=None)
    @given(values)
    def check(value):
        with pytest.raises((ValueError, TypeError), match=argument):
            call(value)

    check()


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: DriftDetector().fit(REF.to_numpy()), "reference"),
    (lambda: DriftDetector().fit(REF).test(REF["x"]), "current"),
    (lambda: DriftDetector().fit(REF, columns=["x", "nope"]), "nope"),
    (lambda: DriftDetector(categorical=["nope"]).fit(REF), "nope"),
    (lambda: DriftDetector(method={"nope": "ks"}).fit(REF), "nope"),
    (lambda: DriftDetector(method="ks").fit(REF), "'c'"),
    (lambda: DriftDetector().fit(REF).test(REF.assign(x="text")), "'x'"),
    (lambda: DriftDetector().fit(REF).test(REF.assign(x=np.inf)), "'x'"),
    (lambda: DriftDetector().fit(REF).restrict(["nope"]), "nope"),
    (lambda: drift.ks([np.inf], [1.0]), "reference"),
    (lambda: drift.chi2([1.0, 2.0], [], kind="numeric"), "current"),
    (lambda: drift.chi2([1, 2], [1, 2], kind="ordinal"), "kind"),
    (lambda: drift.run_test("kl", [1.0], [1.0]), "kl"),
    (lambda: ReferenceProfile.from_frame(REF).histograms({"x": None}), "'x'"),
])
def test_bad_inputs_name_the_argument(call, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        call()

"""modellab.estimate against oracles: simulated labels, scikit-learn metrics and calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import PredefinedSplit, StratifiedKFold, cross_val_predict

from modellab import scenarios as sc
from modellab.estimate import (
    ASSUMPTION,
    ESTIMATE_COLUMNS,
    EstimatedMetricDropFrom,
    EstimateSummary,
    EstimationGapAbove,
    PerformanceEstimator,
    expected_metrics,
    later_labels,
    with_estimates,
)

THR = 0.3


def _world(n, seed, a=1.2, b=3.0):
    """Rows whose true P(y=1) is known: p ~ Beta(a, b), y ~ Bernoulli(p), score = p."""
    rng = np.random.default_rng(seed)
    p = rng.beta(a, b, n)
    y = (rng.random(n) < p).astype(np.int64)
    return pd.DataFrame({"score": p, "default": y})


@pytest.fixture(scope="module")
def fitted():
    ref = _world(20_000, 0)
    return PerformanceEstimator(threshold=THR, chunk_size=1000).fit(ref), ref


# ------------------------------------------------------------------ calibration


def test_calibration_is_scikit_learns_isotonic_regression(fitted):
    _, ref = fitted
    est = PerformanceEstimator(threshold=THR, chunk_size=1000, calibration="isotonic").fit(ref)
    assert isinstance(est.calibrator_, IsotonicRegression) and est.cv_scores_ == {}
    oracle = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(ref["score"], ref["default"])
    s = np.linspace(-0.0, 1.0, 501)
    np.testing.assert_array_equal(est.calibrate(s), oracle.predict(s))


@pytest.mark.parametrize("shift", [0.0, -3.0])  # probabilities, and raw scores (an explicit method)
def test_isotonic_probabilities_from_score_bins_equal_scikit_learns_predict(shift):
    # calibrate() and estimate() read the isotonic fit off the score bins (no second search
    # per row): the same numbers as IsotonicRegression.predict, bit for bit, also exactly
    # on breakpoints and bin edges, between them and outside the reference's range.
    ref = _world(30_000, 6).assign(score=lambda f: f["score"] * 7 + shift)
    est = PerformanceEstimator(threshold=1.0 + shift, chunk_size=1000, calibration="isotonic").fit(ref)
    oracle = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(ref["score"], ref["default"])
    knots = np.r_[est.edges_, oracle.X_thresholds_]
    s = np.r_[ref["score"], knots, np.nextafter(knots, -np.inf), np.nextafter(knots, np.inf),
              np.random.default_rng(7).uniform(shift - 1, shift + 8, 20_000)]
    np.testing.assert_array_equal(est.calibrate(s), oracle.predict(s))
    batch = pd.DataFrame({"score": s, "batch": 0})
    summary = est.summarise(batch)
    bins = np.searchsorted(est.edges_, s, side="right")
    np.testing.assert_allclose(summary.expected_positives,
                               np.bincount(bins, weights=oracle.predict(s), minlength=est.edges_.size + 1),
                               rtol=1e-12, atol=1e-9)
    with pytest.raises(ValueError, match="scores contains 1 NaN"):
        est.calibrate(np.r_[0.5, np.nan])


@pytest.mark.parametrize("case", ["fitted", "crowded", "one edge", "raw", "tiny span", "huge span"])
def test_bin_lookup_equals_searchsorted(fitted, case):
    from modellab.estimate.estimator import _BinLookup

    rng = np.random.default_rng(8)
    edges = {
        "fitted": fitted[0].edges_,
        # Edges 1e-12 apart share a grid cell: those rows take the binary search.
        "crowded": np.unique(np.r_[np.linspace(0, 1, 50), 0.5 + np.arange(20) * 1e-12, [0.9, 0.9 + 1e-15]]),
        "one edge": np.array([0.3]),
        "raw": np.sort(rng.normal(0, 50, 300)),
        # Grids that would overflow: one cell (every row searched), and no warnings.
        "tiny span": np.array([0.0, 5e-324, 1e-323]),
        "huge span": np.array([-1e308, 0.0, 1e308]),
    }[case]
    lookup = _BinLookup(edges)
    s = np.r_[edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf), [-1e300, 1e300, 0.0],
              rng.uniform(*np.clip([edges[0] - 1, edges[-1] + 1], -1e300, 1e300), 50_000), rng.choice(edges, 1000) + rng.normal(0, 1e-12, 1000)]
    assert case != "crowded" or (lookup.before < 0).any()  # cells holding several edges
    with np.errstate(all="raise"):
        got = lookup(s)
    np.testing.assert_array_equal(got, np.searchsorted(edges, s, side="right"))


def test_sigmoid_calibration_is_platt_scaling_on_raw_scores():
    ref = _world(5000, 1)
    logit = np.log(ref["score"] / (1 - ref["score"]))
    raw = ref.assign(score=3 * logit + 1)  # margins, not probabilities
    est = PerformanceEstimator(threshold=1.0, chunk_size=500, calibration="sigmoid").fit(raw)
    # Another solver run to the same maximum-likelihood fit.
    oracle = LogisticRegression(C=1e6, tol=1e-12, max_iter=10_000)
    oracle.fit(raw[["score"]].to_numpy(), raw["default"])
    expected = oracle.predict_proba(raw[["score"]].to_numpy())[:, 1]
    np.testing.assert_allclose(est.calibrate(raw["score"]), expected, rtol=1e-6)


def _rounded_cv_oracle(frame, n_bins, folds):
    """cv_scores_ by scikit-learn on the rows, each score replaced by the mean of its bin."""
    x, y = frame["score"].to_numpy(), frame["default"].to_numpy()
    # Bins of equal mass by rank; tied scores go with the first of them.
    bins = np.searchsorted(np.sort(x), x, side="left") * min(n_bins, x.size) // x.size
    centre = pd.Series(x).groupby(bins).transform("mean").to_numpy()
    cv = PredefinedSplit(folds)
    oof = {
        "isotonic": cross_val_predict(IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip"), centre, y, cv=cv),
        "sigmoid": cross_val_predict(LogisticRegression(C=1e6, tol=1e-12, max_iter=10_000),
                                     np.log(centre / (1 - centre)).reshape(-1, 1), y, cv=cv,
                                     method="predict_proba")[:, 1],
    }
    measured = skm.roc_auc_score(y, centre)
    out = {}
    for name, p in oof.items():
        # Expected ROC-AUC of the out-of-fold probabilities: the pairwise expectation,
        # sum p_i (1 - p_j) [s_i > s_j] (+ half for ties) / E[pairs], is ROC-AUC with p and
        # 1 - p as weights.
        expected = skm.roc_auc_score(np.r_[np.ones(y.size), np.zeros(y.size)], np.r_[centre, centre],
                                     sample_weight=np.r_[p, 1 - p])
        out[name] = {"brier": skm.brier_score_loss(y, p), "roc_auc_gap": abs(expected - measured)}
    return out


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(400, 1500), n_bins=st.integers(10, 600),
       tied=st.booleans(), shape=st.sampled_from([(1.2, 3.0), (0.5, 0.5), (3.0, 1.5)]))
def test_cross_validation_on_binned_rows_is_scikit_learns_on_rounded_scores(seed, n, n_bins, tied, shape):
    from modellab.estimate import estimator as module

    frame = _world(n, seed, *shape)
    if tied:  # scores on a coarse grid: ties inside and across bins
        frame["score"] = frame["score"].round(2).clip(0.005, 0.995)
    y = frame["default"].to_numpy()
    if min(y.sum(), y.size - y.sum()) < 20:
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(module, "CV_BINS", n_bins)
        est = PerformanceEstimator(threshold=THR, chunk_size=100, random_state=seed).fit(frame)
    folds = module._stratified_folds(y, 5, np.random.default_rng(seed).spawn(1)[0])
    expected = _rounded_cv_oracle(frame, n_bins, folds)
    for name in ("isotonic", "sigmoid"):
        got = est.cv_scores_[name]
        assert got["brier"] == pytest.approx(expected[name]["brier"], rel=1e-6), name
        assert got["roc_auc_gap"] == pytest.approx(expected[name]["roc_auc_gap"], abs=1e-7), name


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(10, 3000), share=st.floats(0.02, 0.98))
def test_stratified_folds_deal_each_class_evenly_at_random(seed, n, share):
    from modellab.estimate.estimator import _stratified_folds

    y = (np.random.default_rng(seed).random(n) < share).astype(np.float64)
    fold = _stratified_folds(y, 5, np.random.default_rng(seed))
    for label in (0, 1):
        sizes = np.bincount(fold[y == label], minlength=5)
        assert sizes.sum() == (y == label).sum() and sizes.max() - sizes.min() <= 1
    again = _stratified_folds(y, 5, np.random.default_rng(seed))
    np.testing.assert_array_equal(fold, again)
    if n >= 100:  # another seed deals the rows differently
        assert (fold != _stratified_folds(y, 5, np.random.default_rng(seed + 1))).any()


def test_binned_cross_validation_chooses_what_cross_validation_on_the_rows_chooses():
    # 20,000 rows in CV_BINS = 2,000 bins: ten rows share a rounded score. On clear cases
    # the choice is the one of scikit-learn's cross-validation on the raw rows, and the
    # scores differ by less than the folds' randomness.
    from modellab.estimate.estimator import CV_BINS

    calibrated = _world(20_000, 2)  # score = P(y = 1): Platt scaling of the log-odds is exact
    rng = np.random.default_rng(3)
    u = rng.uniform(0.01, 0.99, 20_000)  # P(y = 1 | score) is a step: no sigmoid fits it
    steps = pd.DataFrame({"score": u, "default": (rng.random(u.size) < np.where(u < 0.5, 0.05, 0.6)).astype(int)})
    assert CV_BINS < 20_000 / 5
    for frame, chosen in [(calibrated, "sigmoid"), (steps, "isotonic")]:
        est = PerformanceEstimator(threshold=THR, chunk_size=500).fit(frame)
        x, y = frame["score"].to_numpy(), frame["default"].to_numpy()
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        oof = {
            "isotonic": cross_val_predict(IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip"), x, y, cv=folds),
            "sigmoid": cross_val_predict(LogisticRegression(C=1e6, tol=1e-12, max_iter=10_000),
                                         np.log(x / (1 - x)).reshape(-1, 1), y, cv=folds,
                                         method="predict_proba")[:, 1],
        }
        rows_cv = {}
        for name, p in oof.items():
            expected = skm.roc_auc_score(np.r_[np.ones(y.size), np.zeros(y.size)], np.r_[x, x],
                                         sample_weight=np.r_[p, 1 - p])
            rows_cv[name] = {"brier": skm.brier_score_loss(y, p),
                             "roc_auc_gap": abs(expected - skm.roc_auc_score(y, x))}
            assert est.cv_scores_[name]["brier"] == pytest.approx(rows_cv[name]["brier"], abs=5e-4)
            assert est.cv_scores_[name]["roc_auc_gap"] == pytest.approx(rows_cv[name]["roc_auc_gap"], abs=1e-3)

        def rule(scores):
            iso, platt = scores["isotonic"], scores["sigmoid"]
            return "sigmoid" if platt["brier"] < iso["brier"] and platt["roc_auc_gap"] <= iso["roc_auc_gap"] else "isotonic"

        assert est.calibration_ == rule(est.cv_scores_) == rule(rows_cv) == chosen


def test_chosen_calibration_is_closer_to_the_truth_than_in_sample_isotonic_on_a_small_reference():
    ref = _world(2000, 4)
    auto = PerformanceEstimator(threshold=THR, chunk_size=500).fit(ref)
    iso = PerformanceEstimator(threshold=THR, chunk_size=500, calibration="isotonic").fit(ref)
    fresh = _world(20_000, 5)["score"]  # score = true probability
    err_auto = np.abs(auto.calibrate(fresh) - fresh).mean()
    err_iso = np.abs(iso.calibrate(fresh) - fresh).mean()
    assert auto.calibration_ == "sigmoid" and err_auto < 0.5 * err_iso
    # Platt scaling of the log-odds, fitted on the rows (started from the last fold's fit):
    # the same maximum-likelihood fit as another solver's from scratch.
    z = np.log(ref[["score"]] / (1 - ref[["score"]])).to_numpy()
    oracle = LogisticRegression(C=1e6, tol=1e-12, max_iter=10_000).fit(z, ref["default"])
    np.testing.assert_allclose(auto.calibrate(fresh), oracle.predict_proba(np.log(fresh / (1 - fresh)).to_numpy()[:, None])[:, 1], rtol=1e-6)


# --------------------------------------------------------- expected vs simulated


def test_expected_counts_match_the_average_of_simulated_labels(fitted):
    est, _ = fitted
    batch = _world(2000, 7, a=2.0, b=2.5)  # covariate shift: riskier applicants, same P(y|x)
    counts = expected_metrics(est.summarise(batch), est.positive_from_)
    p = est.calibrate(batch["score"])
    pred = batch["score"].to_numpy() >= THR
    # By definition: sums of calibrated probabilities.
    assert counts["tp"] == pytest.approx(p[pred].sum(), rel=1e-12)
    assert counts["fn"] == pytest.approx(p[~pred].sum(), rel=1e-12)
    assert counts["fp"] == pytest.approx((1 - p[pred]).sum(), rel=1e-12)
    # Against the simulation: labels drawn from the calibrated probabilities, many times.
    rng = np.random.default_rng(3)
    draws = rng.random((4000, p.size)) < p
    tp = (draws & pred).sum(axis=1)
    fp = (~draws & pred).sum(axis=1)
    assert abs(tp.mean() - counts["tp"]) < 4 * tp.std() / np.sqrt(tp.size)
    assert abs(fp.mean() - counts["fp"]) < 4 * fp.std() / np.sqrt(fp.size)


def test_estimated_metrics_match_scikit_learn_on_simulated_labels(fitted):
    est, _ = fitted
    batch = _world(2000, 8, a=2.0, b=2.5).assign(batch=0)
    out = est.estimate(batch.drop(columns="default")).set_index("metric")["estimate"]
    p = est.calibrate(batch["score"])
    s = batch["score"].to_numpy()
    pred = (s >= THR).astype(int)
    rng = np.random.default_rng(4)
    sims = {m: [] for m in out.index}
    for _ in range(300):
        y = (rng.random(p.size) < p).astype(int)
        sims["accuracy"].append(skm.accuracy_score(y, pred))
        sims["precision"].append(skm.precision_score(y, pred))
        sims["recall"].append(skm.recall_score(y, pred))
        sims["f1"].append(skm.f1_score(y, pred))
        sims["roc_auc"].append(skm.roc_auc_score(y, s))
    for m, values in sims.items():
        # Ratios of expected counts vs the mean ratio: equal up to O(1/n) plus Monte Carlo noise.
        tol = 4 * np.std(values) / np.sqrt(len(values)) + 0.003
        assert abs(np.mean(values) - out[m]) < tol, m


def test_estimated_roc_auc_equals_the_pairwise_expectation(fitted):
    est, _ = fitted
    batch = _world(2000, 9, a=2.0, b=2.5)
    p, s = est.calibrate(batch["score"]), batch["score"].to_numpy()
    # E[AUC] as a ratio of expectations over all pairs of distinct rows i != j:
    # sum p_i (1 - p_j) [s_i > s_j] (+ half for ties) / E[positives x negatives].
    w = p[:, None] * (1 - p)[None, :]
    np.fill_diagonal(w, 0.0)
    num = (w * (s[:, None] > s[None, :])).sum() + 0.5 * (w * (s[:, None] == s[None, :])).sum()
    den = p.sum() * (1 - p).sum() - (p * (1 - p)).sum()
    got = expected_metrics(est.summarise(batch), est.positive_from_)["roc_auc"]
    # Binning by score and pairing a row with itself cost O(1/n): well under 1e-3 here.
    assert got == pytest.approx(num / den, abs=5e-4)


def test_estimate_on_true_probabilities_tracks_realised_metrics(fitted):
    est, _ = fitted
    frames = [_world(1000, 100 + i, a=1.2 + 0.1 * i, b=3.0).assign(batch=i) for i in range(10)]
    out = est.estimate(pd.concat(frames, ignore_index=True))
    inside = (out["lower"] <= out["realized"]) & (out["realized"] <= out["upper"])
    assert inside.mean() >= 0.9
    for (b, m), row in out.set_index(["batch", "metric"]).iterrows():
        y, s = frames[b]["default"], frames[b]["score"]
        pred = (s >= THR).astype(int)
        oracle = {
            "roc_auc": skm.roc_auc_score(y, s), "accuracy": skm.accuracy_score(y, pred),
            "precision": skm.precision_score(y, pred), "recall": skm.recall_score(y, pred),
            "f1": skm.f1_score(y, pred),
        }[m]
        assert row["realized"] == pytest.approx(oracle, abs=1e-12)
        assert row["gap"] == pytest.approx(row["estimate"] - oracle, abs=1e-12)


def test_spread_matches_the_spread_of_independent_batches(fitted):
    est, _ = fitted
    aucs, recalls = [], []
    for i in range(300):
        b = _world(1000, 1000 + i)
        aucs.append(skm.roc_auc_score(b["default"], b["score"]))
        recalls.append(skm.recall_score(b["default"], b["score"] >= THR))
    assert est.spread_["roc_auc"] == pytest.approx(np.std(aucs, ddof=1), rel=0.25)
    assert est.spread_["recall"] == pytest.approx(np.std(recalls, ddof=1), rel=0.25)


@pytest.mark.parametrize("n", [300, 5000, 40_000])
def test_reference_metrics_equal_scikit_learns(n):
    # reference_ is the reference counted like a batch: exact confusion counts (the
    # threshold is a bin edge), ROC-AUC with the rows of one narrow bin tied.
    ref = _world(n, 11)
    est = PerformanceEstimator(threshold=THR, chunk_size=100).fit(ref)
    y, s = ref["default"], ref["score"]
    pred = (s >= THR).astype(int)
    oracle = {
        "accuracy": skm.accuracy_score(y, pred), "precision": skm.precision_score(y, pred),
        "recall": skm.recall_score(y, pred), "f1": skm.f1_score(y, pred),
    }
    for m, value in oracle.items():
        assert est.reference_[m] == pytest.approx(value, rel=1e-12), m
    # Ties inside a bin move the area by at most half the share of the pairs they hold.
    bins = np.searchsorted(est.edges_, s, side="right")
    pos, neg = np.bincount(bins, weights=y), np.bincount(bins, weights=1 - y)
    bound = 0.5 * (pos * neg).sum() / (pos.sum() * neg.sum())
    gap = abs(est.reference_["roc_auc"] - skm.roc_auc_score(y, s))
    assert gap <= bound + 1e-12 and gap < 1e-4
    if n <= est.n_bins:  # a bin per row: no ties, the exact area
        assert gap < 1e-12


def test_spread_of_chunks_longer_than_spread_rows_follows_the_square_root_law():
    from modellab.estimate import estimator as module

    ref = _world(40_000, 12)
    chunk = 4 * module.SPREAD_ROWS
    scaled = PerformanceEstimator(threshold=THR, chunk_size=chunk, n_chunks=1000).fit(ref)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(module, "SPREAD_ROWS", chunk)  # chunks drawn at their full length
        full = PerformanceEstimator(threshold=THR, chunk_size=chunk, n_chunks=1000).fit(ref)
    # Independent batches of that length (the oracle): the spread of ROC-AUC and recall.
    aucs, recalls = [], []
    for i in range(300):
        b = _world(chunk, 2000 + i)
        aucs.append(skm.roc_auc_score(b["default"], b["score"]))
        recalls.append(skm.recall_score(b["default"], b["score"] >= THR))
    for m in scaled.metrics_:  # 1,000 chunks each: the SDs agree to a few percent
        assert scaled.spread_[m] == pytest.approx(full.spread_[m], rel=0.1), m
    assert scaled.spread_["roc_auc"] == pytest.approx(np.std(aucs, ddof=1), rel=0.25)
    assert scaled.spread_["recall"] == pytest.approx(np.std(recalls, ddof=1), rel=0.25)


# ------------------------------------------------------------------- merging


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(1, 1499), min_size=1, max_size=5, unique=True))
def test_merged_chunk_summaries_equal_the_whole_batch(fitted, cuts):
    est, _ = fitted
    batch = _world(1500, 21, a=1.5, b=2.0).assign(batch=5)
    whole = est.estimate(batch.drop(columns="default"))
    edges = [0, *sorted(cuts), len(batch)]
    parts = [batch.iloc[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]
    merged = est.summarise(parts[0])
    for part in parts[1:]:
        merged = merged.merge(est.summarise(part))
    assert merged.n == 1500
    chunked = est.estimate_summaries({5: merged})
    np.testing.assert_allclose(chunked["estimate"], whole["estimate"], rtol=1e-12, atol=0)
    pd.testing.assert_series_equal(chunked["alert"], whole["alert"])


def test_many_batches_are_counted_in_blocks_with_the_same_result(fitted, monkeypatch):
    from modellab.estimate import estimator as module

    est, _ = fitted
    prod = pd.concat([_world(200, 300 + b).assign(batch=b) for b in range(7)], ignore_index=True)
    prod = prod.sample(frac=1.0, random_state=0)  # batches interleaved, as rows arrive
    whole = est.estimate(prod)
    monkeypatch.setattr(module, "MAX_CELLS", 2 * (est.edges_.size + 1))  # two batches at a time
    blocked = est.estimate(prod)
    pd.testing.assert_frame_equal(blocked, whole)
    singles = est.estimate_summaries({b: est.summarise(g) for b, g in prod.groupby("batch")})
    np.testing.assert_allclose(singles["estimate"], whole["estimate"], rtol=1e-12)


def test_summary_merge_refuses_other_bins_and_types():
    a = EstimateSummary(np.ones(3), np.ones(3) / 2)
    with pytest.raises(ValueError, match="same fitted"):
        a.merge(EstimateSummary(np.ones(4), np.ones(4)))
    with pytest.raises(TypeError, match="EstimateSummary"):
        a.merge({"rows": 1})
    assert (a + a).n == 6


# ----------------------------------------------------------------- the frame


def test_estimate_frame_is_tidy_and_states_its_assumption(fitted):
    est, _ = fitted
    prod = pd.concat([_world(500, i).assign(batch=i) for i in range(3)], ignore_index=True)
    prod.loc[prod["batch"] == 2, "default"] = np.nan  # labels pending
    out = est.estimate(prod)
    assert list(out.columns) == ESTIMATE_COLUMNS
    assert len(out) == 3 * 5
    assert out.attrs["assumption"] == ASSUMPTION and "concept drift" in ASSUMPTION
    pending = out[out["batch"] == 2]
    assert pending["realized"].isna().all() and (pending["n_labelled"] == 0).all()
    assert pending["estimate"].notna().all()
    assert "concept drift" in (PerformanceEstimator.__doc__ + ASSUMPTION)


def test_alert_when_the_estimate_leaves_the_reference_band(fitted):
    est, _ = fitted
    # A population squeezed into a narrow risk range: the ranking gets much harder.
    narrow = _world(1000, 30, a=40, b=100).assign(batch=0)
    out = est.estimate(narrow).set_index("metric")
    assert out.loc["roc_auc", "alert"]
    assert out.loc["roc_auc", "estimate"] < out.loc["roc_auc", "band_lower"]


# -------------------------------------------------------------- bad input


def test_bad_reference_is_refused():
    est = PerformanceEstimator(chunk_size=200)
    ref = _world(2000, 0)
    with pytest.raises(ValueError, match="at least 20 of each"):
        est.fit(ref.assign(default=0))
    few = ref.copy()
    few["default"] = 0
    few.loc[:9, "default"] = 1
    with pytest.raises(ValueError, match="10 positive"):
        est.fit(few)
    with pytest.raises(ValueError, match=r"no column\(s\) \['default'\]"):
        est.fit(ref.drop(columns="default"))
    with pytest.raises(ValueError, match="outside \\[0, 1\\].*calibration='isotonic'"):
        est.fit(ref.assign(score=ref["score"] * 10 - 2))
    with pytest.raises(ValueError, match="binary labels"):
        est.fit(ref.assign(default=2))
    with pytest.raises(ValueError, match="2 x chunk_size"):
        PerformanceEstimator(chunk_size=1500).fit(ref)
    with pytest.raises(TypeError, match="DataFrame"):
        est.fit(ref.to_numpy())
    # Raw scores are fine once a calibration method is chosen.
    PerformanceEstimator(chunk_size=200, calibration="isotonic").fit(ref.assign(score=ref["score"] * 10 - 2))


def test_bad_parameters_are_refused():
    ref = _world(2000, 0)
    with pytest.raises(ValueError, match="cannot estimate \\['brier'\\]"):
        PerformanceEstimator(metrics=["brier"], chunk_size=200).fit(ref)
    with pytest.raises(ValueError, match="calibration must be"):
        PerformanceEstimator(calibration="platt", chunk_size=200).fit(ref)
    with pytest.raises(ValueError, match="below min_rows"):
        PerformanceEstimator(chunk_size=50).fit(ref)
    with pytest.raises(ValueError, match="n_sigma"):
        PerformanceEstimator(chunk_size=200, n_sigma=0).fit(ref)
    with pytest.raises(TypeError, match="threshold"):
        PerformanceEstimator(chunk_size=200, threshold="0.5").fit(ref)


def test_bad_production_is_refused(fitted):
    est, _ = fitted
    prod = _world(1000, 5).assign(batch=np.repeat([0, 1], 500))
    with pytest.raises(ValueError, match="min_rows=100"):
        est.estimate(prod.assign(batch=np.arange(1000) // 50))
    with pytest.raises(ValueError, match=r"no column\(s\) \['week'\]"):
        est.estimate(prod, by="week")
    with pytest.raises(ValueError, match=r"no column\(s\) \['score'\]"):
        est.estimate(prod.drop(columns="score"))
    with pytest.raises(ValueError, match="not probabilities"):
        est.estimate(prod.assign(score=prod["score"] + 1))
    with pytest.raises(ValueError, match="NaN"):
        est.estimate(prod.assign(score=np.nan))
    with pytest.raises(ValueError, match="not an EstimateSummary"):
        est.estimate_summaries({0: EstimateSummary(np.ones(3), np.ones(3))})
    unfitted = PerformanceEstimator()
    with pytest.raises(Exception, match="not fitted"):
        unfitted.estimate(prod)


# ------------------------------------------------------- monitor integration


def test_rules_fire_on_estimates_in_a_history(fitted):
    est, _ = fitted
    prod = pd.concat(
        [_world(1000, 40).assign(batch=0), _world(1000, 41, a=40, b=100).assign(batch=1)],
        ignore_index=True,
    )
    history = with_estimates(None, est.estimate(prod))
    assert {"estimated_roc_auc", "estimated_roc_auc_lower", "roc_auc", "n_labelled"} <= set(history.columns)
    rule = EstimatedMetricDropFrom("roc_auc", by=0.1)
    alerts = rule.evaluate(history, est.reference_)
    assert alerts["batch"].tolist() == [1]
    assert "labels pending" in alerts.loc[0, "message"]
    # Labels arrive and agree with the estimate: no gap alert.
    assert EstimationGapAbove("roc_auc", 0.1).evaluate(history, {}).empty


def test_with_estimates_joins_a_monitor_history(fitted):
    est, _ = fitted
    prod = pd.concat([_world(500, 50 + i).assign(batch=i) for i in range(3)], ignore_index=True)
    monitor_like = pd.DataFrame({"batch": [0, 1, 2, 3], "roc_auc": [0.8, 0.7, np.nan, np.nan]})
    out = with_estimates(monitor_like, est.estimate(prod))
    assert out["batch"].tolist() == [0, 1, 2, 3]
    assert out["estimated_roc_auc"].iloc[:3].notna().all() and np.isnan(out["estimated_roc_auc"].iloc[3])
    assert out["roc_auc"].iloc[1] == 0.7


def test_rules_explain_a_history_without_estimates():
    history = pd.DataFrame({"batch": [0], "roc_auc": [0.8], "n_labelled": [1000]})
    with pytest.raises(ValueError, match="with_estimates"):
        EstimatedMetricDropFrom("roc_auc", by=0.1).evaluate(history, {"roc_auc": 0.8})
    with pytest.raises(ValueError, match="estimable without labels"):
        EstimatedMetricDropFrom("brier", by=0.1)
    with pytest.raises(ValueError, match="by must be a positive"):
        EstimatedMetricDropFrom("roc_auc", by=-0.1)
    with pytest.raises(TypeError, match="estimate"):
        with_estimates(None, history.to_numpy())


# ------------------------------------------------------------ ground truth


def test_later_labels_reveal_the_pending_labels_and_nothing_else():
    s = sc.make("label_delay", n_reference=500, n_batches=10, batch_size=200)
    full = later_labels(s)
    pending = s.production["default"].isna()
    assert pending.sum() == 4 * 200 and full["default"].notna().all()
    pd.testing.assert_series_equal(full["score"], s.production["score"])
    np.testing.assert_array_equal(full.loc[~pending, "default"], s.production.loc[~pending, "default"])
    with pytest.raises(TypeError, match="Scenario"):
        later_labels("label_delay")


# ------------------------------------------------- the course's two lessons


@pytest.fixture(scope="module")
def delayed():
    out = {}
    for name in ("covariate_shift_delayed", "concept_drift_delayed"):
        s = sc.make(name)
        est = PerformanceEstimator(threshold=s.threshold, chunk_size=s.batch_size).fit(s.reference)
        pending = est.estimate(s.production)
        later = est.estimate(later_labels(s))
        out[name] = (s, est, pending, later)
    return out


def test_estimate_tracks_the_later_realised_drop_under_covariate_shift(delayed):
    s, est, pending, later = delayed["covariate_shift_delayed"]
    auc = later[later["metric"] == "roc_auc"].set_index("batch")
    pend = pending[pending["metric"] == "roc_auc"].set_index("batch")
    # While labels are pending, nothing is measured, but the estimate is there and alerts.
    assert pend.loc[12:, "realized"].isna().all()
    np.testing.assert_array_equal(pend["estimate"], auc["estimate"])
    assert pend.loc[10:, "alert"].all() and not pend.loc[:9, "alert"].any()
    # Once the labels arrive (ground truth): the realised drop was tracked.
    drop_real = auc.loc[:9, "realized"].mean() - auc.loc[10:, "realized"].mean()
    drop_est = auc.loc[:9, "estimate"].mean() - auc.loc[10:, "estimate"].mean()
    # The scorecard is not perfectly calibrated in the new segment (P(y | score) moves a
    # little), so the estimate sees most of the drop, not all of it.
    assert drop_real > 0.08 and 0.6 * drop_real < drop_est <= drop_real
    assert auc["gap"].abs().mean() < 0.05
    inside = (later["lower"] <= later["realized"]) & (later["realized"] <= later["upper"])
    assert inside[later["metric"] == "roc_auc"].mean() >= 0.9 and inside.mean() >= 0.85


def test_estimate_misses_concept_drift_and_the_gap_rule_catches_it(delayed):
    s, est, pending, later = delayed["concept_drift_delayed"]
    auc = later[later["metric"] == "roc_auc"].set_index("batch")
    assert not pending["alert"].any()  # the estimate stays flat: the blind spot
    assert auc.loc[:9, "realized"].mean() - auc.loc[10:, "realized"].mean() > 0.08
    assert auc.loc[10:, "gap"].mean() > 0.08
    history = with_estimates(None, later)
    fired = EstimationGapAbove("roc_auc", 0.08).evaluate(history, {})["batch"]
    assert len(fired) >= 5 and fired.min() >= 10
    assert EstimatedMetricDropFrom("roc_auc", by=0.05).evaluate(history, est.reference_).empty


def test_bands_follow_the_square_root_law_and_partial_labels_are_not_measured(fitted):
    est, _ = fitted
    small = _world(1000, 60).assign(batch=0)
    large = _world(4000, 61).assign(batch=1)
    large.loc[large.index[:3950], "default"] = np.nan  # 50 labels arrived: too few to measure
    out = est.estimate(pd.concat([small, large], ignore_index=True)).set_index(["batch", "metric"])
    for m in ("roc_auc", "recall"):
        half_small = out.loc[(0, m), "upper"] - out.loc[(0, m), "estimate"]
        half_large = out.loc[(1, m), "upper"] - out.loc[(1, m), "estimate"]
        assert half_small == pytest.approx(3 * est.spread_[m], rel=1e-12)
        assert half_large == pytest.approx(half_small / 2, rel=1e-12)
    assert out.loc[(1, "roc_auc"), "n_labelled"] == 50 and np.isnan(out.loc[(1, "roc_auc"), "realized"])
    assert out.loc[(0, "roc_auc"), "n_labelled"] == 1000 and not np.isnan(out.loc[(0, "roc_auc"), "realized"])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.integers(0, 3))
def test_expected_counts_add_up_to_rows_and_probabilities(seed, cut):
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, 5, size=4).astype(float)
    pos = rows * rng.random(4)
    c = expected_metrics(EstimateSummary(rows, pos), cut)
    assert c["tp"] + c["fp"] + c["fn"] + c["tn"] == pytest.approx(rows.sum())
    assert c["tp"] + c["fn"] == pytest.approx(pos.sum())
    assert c["tp"] + c["fp"] == pytest.approx(rows[cut:].sum())


def test_parquet_chunks_reduced_on_dask_equal_the_in_memory_estimate(fitted, tmp_path):
    dask = pytest.importorskip("dask")
    est, _ = fitted
    prod = pd.concat([_world(900, 70 + b).assign(batch=b) for b in range(3)], ignore_index=True)
    paths = []
    for i, part in enumerate(np.array_split(np.arange(len(prod)), 7)):  # files cut across batches
        path = tmp_path / f"part-{i}.parquet"
        prod.iloc[part].to_parquet(path)
        paths.append(path)

    def summarise_file(path):
        frame = pd.read_parquet(path)
        return {b: est.summarise(g) for b, g in frame.groupby("batch")}

    def reduce(parts):
        out = {}
        for part in parts:
            for b, s in part.items():
                out[b] = out[b].merge(s) if b in out else s
        return out

    merged = dask.delayed(reduce)([dask.delayed(summarise_file)(p) for p in paths]).compute(
        scheduler="synchronous")
    chunked = est.estimate_summaries(dict(sorted(merged.items())))
    whole = est.estimate(prod.drop(columns="default"))
    np.testing.assert_allclose(chunked["estimate"], whole["estimate"], rtol=1e-12)
    assert chunked["n"].tolist() == whole["n"].tolist()

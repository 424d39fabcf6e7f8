"""Confidence-based performance estimation (CBPE): model performance before labels arrive.

A calibrated score *is* the probability of the positive class. So on a batch whose labels
have not arrived, each row contributes its calibrated probability ``p`` of being a positive:
the **expected** confusion counts are

* ``E[TP] = sum(p)`` over rows predicted positive, ``E[FP] = sum(1 - p)`` over them,
* ``E[FN] = sum(p)`` over rows predicted negative, ``E[TN] = sum(1 - p)`` over them,

and accuracy, precision, recall and F1 follow from them (as ratios of expected counts).
ROC-AUC follows from the expected true- and false-positive rates at every score threshold.

The estimator calibrates the reference scores against the reference labels with
scikit-learn (:class:`~sklearn.isotonic.IsotonicRegression`, or Platt scaling with
:class:`~sklearn.linear_model.LogisticRegression`; for probability scores, the one that
cross-validates better on the reference), and learns how much each metric varies between
reference-like chunks of the production batch size: that spread gives the band around each
estimate and the reference band whose exit raises an alert.

Everything a batch contributes is a :class:`EstimateSummary` (rows and summed calibrated
probabilities per score bin, bins fixed by the reference): summaries of separate chunks
add up exactly, so a batch can be estimated chunk by chunk (Parquet files, Dask
partitions) with the same numbers as in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn import config_context
from sklearn.base import BaseEstimator
from sklearn.isotonic import IsotonicRegression, isotonic_regression
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController

from modellab._validate import (
    as_binary_labels,
    as_numeric,
    positive_int,
    require_columns,
    require_frame,
)
from modellab.metrics.classification import LABELS, check_threshold, classification_summary

#: Metrics the estimator can estimate without labels.
ESTIMABLE: tuple[str, ...] = ("roc_auc", "accuracy", "precision", "recall", "f1")

#: Calibration methods (``None``: scores are probabilities, recalibrated with isotonic regression).
CALIBRATIONS: tuple[str, ...] = ("isotonic", "sigmoid")

#: Fewest positives and negatives the reference needs to be calibrated.
MIN_CLASS_ROWS = 20

#: Folds of the cross-validation that picks the calibration of probability scores.
CV_FOLDS = 5

#: Probabilities are clipped to [EPS, 1 - EPS] before taking log-odds (0 and 1 have none).
EPS = 1e-9

#: Cells of the uniform score grid per bin edge, in the lookup that finds a row's score bin.
GRID_PER_EDGE = 16

#: Bins of equal reference mass whose mean scores stand for their rows in the cross-validation.
CV_BINS = 2000

#: Longest reference chunk drawn to learn a metric's spread (longer chunk sizes are scaled).
SPREAD_ROWS = 2000

#: Most (chunk x cell) counts per ``bincount`` when learning the spread (cache-sized).
SPREAD_GROUP_CELLS = 1 << 16

#: scikit-learn settings for inputs this module has validated (finite scores and labels).
CHECKED = {"assume_finite": True, "skip_parameter_validation": True}

#: Most (batch x score bin) cells counted at once in :meth:`PerformanceEstimator.estimate`.
MAX_CELLS = 1 << 22

#: Columns of :meth:`PerformanceEstimator.estimate`.
ESTIMATE_COLUMNS = [
    "batch", "metric", "estimate", "lower", "upper", "band_lower", "band_upper",
    "realized", "gap", "n", "n_labelled", "alert",
]

#: The assumption behind every estimate (also in ``result.attrs["assumption"]``).
ASSUMPTION = (
    "Estimates assume the calibration learnt on the reference still holds: P(default | score) "
    "is unchanged. That is true under covariate shift (applicants change, P(y | x) does not) "
    "and false under concept drift (who defaults changes) or when the default rate shifts "
    "with the scores unchanged (prior shift): then the estimate stays flat while real "
    "performance moves. Check it with the 'gap' column as labels arrive."
)


@dataclass(frozen=True)
class EstimateSummary:
    """What one chunk of scores contributes to an estimate; add summaries with ``merge`` or ``+``.

    Attributes
    ----------
    rows : ndarray of float
        Rows per score bin (bins fixed by the fitted estimator's ``edges_``).
    expected_positives : ndarray of float
        Sum of the calibrated probabilities of the rows in each bin.

    Examples
    --------
    >>> a = EstimateSummary(np.array([2.0, 1.0]), np.array([0.5, 0.9]))
    >>> b = EstimateSummary(np.array([1.0, 0.0]), np.array([0.1, 0.0]))
    >>> a.merge(b)
    EstimateSummary(n=4, expected_positives=1.50, bins=2)
    """

    rows: np.ndarray
    expected_positives: np.ndarray

    def __post_init__(self):
        for name in ("rows", "expected_positives"):
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.ndim != 1:
                raise TypeError(f"{name} must be a 1-D numpy array (one value per score bin).")
        if self.rows.shape != self.expected_positives.shape:
            raise ValueError("rows and expected_positives must have one value per score bin each.")

    @property
    def n(self) -> int:
        return int(round(float(self.rows.sum())))

    def merge(self, other: EstimateSummary) -> EstimateSummary:
        """The summary of both chunks together (bins must be the same)."""
        if not isinstance(other, EstimateSummary):
            raise TypeError(f"can only merge another EstimateSummary, got {type(other).__name__}.")
        if other.rows.shape != self.rows.shape:
            raise ValueError(
                f"summaries have {self.rows.size} and {other.rows.size} score bins: merge only "
                f"summaries made by the same fitted PerformanceEstimator."
            )
        return EstimateSummary(self.rows + other.rows, self.expected_positives + other.expected_positives)

    __add__ = merge

    def __repr__(self):
        return (
            f"EstimateSummary(n={self.n}, expected_positives={self.expected_positives.sum():.2f}, "
            f"bins={self.rows.size})"
        )


def expected_metrics(summary: EstimateSummary, positive_from: int) -> dict[str, float]:
    """Expected metrics from a summary; bins ``positive_from`` onwards are predicted positive.

    The confusion counts are sums of calibrated probabilities; ROC-AUC is the area under the
    expected ROC curve through the bin edges (rows in one bin count as tied, and inside a
    bin whose probability is constant that is the exact expected curve).

    Examples
    --------
    >>> s = EstimateSummary(np.array([2.0, 2.0]), np.array([0.2, 1.8]))
    >>> {k: round(v, 3) for k, v in expected_metrics(s, 1).items()}
    {'tp': 1.8, 'fp': 0.2, 'fn': 0.2, 'tn': 1.8, 'accuracy': 0.9, 'precision': 0.9, 'recall': 0.9, 'f1': 0.9, 'roc_auc': 0.9}
    """
    values = _binned_metrics(summary.rows[None, :], summary.expected_positives[None, :], positive_from)
    return {k: float(v[0]) for k, v in values.items()}


def _binned_metrics(rows: np.ndarray, pos_b: np.ndarray, positive_from: int) -> dict[str, np.ndarray]:
    """:func:`expected_metrics` for many summaries at once: one per row of ``(n, bins)`` arrays."""
    neg_b = rows - pos_b
    tp, fp = pos_b[:, positive_from:].sum(axis=1), neg_b[:, positive_from:].sum(axis=1)
    fn, tn = pos_b[:, :positive_from].sum(axis=1), neg_b[:, :positive_from].sum(axis=1)
    n = tp + fp + fn + tn

    def ratio(a, b):
        return np.divide(a, b, out=np.full(a.shape, np.nan), where=b > 0)

    pos, neg = tp + fn, fp + tn
    # Mann-Whitney form of the area: each expected positive beats the expected negatives
    # in lower bins, and half of those in its own bin: the negatives at or below its bin
    # less half its own. Row-wise dot products (einsum): no (n, bins) temporaries.
    wins = np.einsum("ij,ij->i", pos_b, np.cumsum(neg_b, axis=1)) - 0.5 * np.einsum("ij,ij->i", pos_b, neg_b)
    auc = ratio(wins, pos * neg)
    return {
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "accuracy": ratio(tp + tn, n),
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, pos),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "roc_auc": auc,
    }


class _BinLookup:
    """``np.searchsorted(edges, s, side="right")``, faster on many unsorted scores.

    A binary search per row mispredicts a branch at most steps (tens of ns a row). Each row
    goes to a cell of a uniform grid over the edges, ``clip((s - lo) * scale, 0, cells)``
    rounded down: that is monotone in ``s``, so every edge in an earlier cell is below the
    row and every edge in a later one above it; the edges counted before the row's cell,
    plus a comparison with the cell's edge, give the answer. Rows in the rare cells holding
    two or more edges take ``np.searchsorted``. Identical results, several times faster.
    """

    def __init__(self, edges: np.ndarray):
        self.edges = edges
        self.lo, cells = float(edges[0]), GRID_PER_EDGE * edges.size
        span = float(edges[-1]) - self.lo
        scale = cells / span if span > 0 else 0.0
        # A span too small (or large) for the grid: one cell, every row takes the search.
        self.scale, self.cells = (scale if np.isfinite(scale) else 0.0), cells
        cell = self._cell(edges)
        before = np.searchsorted(cell, np.arange(cells + 1), side="left")  # edges in earlier cells
        # -1: a cell holding two or more edges, whose rows take the search.
        self.before = np.where(np.bincount(cell, minlength=cells + 1) > 1, -1, before)
        self.padded = np.r_[edges, np.nan]  # [-1] and past the last edge: no edge to count

    def _cell(self, s: np.ndarray) -> np.ndarray:
        if self.scale == 0.0:
            return np.zeros(s.shape, dtype=np.intp)
        with np.errstate(over="ignore"):  # far outside the edges: +-inf, clipped like the rest
            c = s - self.lo
            c *= self.scale
            return np.clip(c, 0, self.cells, out=c).astype(np.intp)

    def __call__(self, s: np.ndarray) -> np.ndarray:
        bins = self.before[self._cell(s)]
        bins += self.padded[bins] <= s  # the cell's only edge (if any) is at or below the row
        crowded = bins < 0
        if crowded.any():
            bins[crowded] = np.searchsorted(self.edges, s[crowded], side="right")
        return bins


def _log_odds(p: np.ndarray) -> np.ndarray:
    return logit(np.clip(p, EPS, 1 - EPS)).reshape(-1, 1)


def _stratified_folds(y: np.ndarray, n_folds: int, rng: np.random.Generator) -> np.ndarray:
    """Fold of each row: the rows of each class dealt to the folds in random order.

    The folds of :class:`~sklearn.model_selection.StratifiedKFold` with ``shuffle=True``
    as one array (its ``split`` builds index arrays per fold: ~10 ms on 100,000 rows).
    """
    fold = np.empty(y.size, dtype=np.intp)
    for label in (0, 1):
        rows = np.flatnonzero(y == label)
        fold[rows] = rng.permutation(rows.size) % n_folds
    return fold


def _weighted_labels(x: np.ndarray, neg: np.ndarray, pos: np.ndarray):
    """Counted rows as weighted ones: ``x`` once as a positive (weight ``pos``) and once as a
    negative (weight ``neg``), rows without weight left out; returns ``(x, labels, weights)``."""
    x2, label, weight = np.r_[x, x], np.r_[np.ones(pos.size), np.zeros(neg.size)], np.r_[pos, neg]
    keep = weight > 0
    return x2[keep], label[keep], weight[keep]


def _isotonic() -> IsotonicRegression:
    return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")


def _platt() -> LogisticRegression:
    # Essentially unpenalised maximum likelihood; Newton steps (one feature: 2 x 2 solves)
    # reach it to a tight tolerance in a handful of iterations.
    return LogisticRegression(C=1e6, solver="newton-cholesky", tol=1e-10)


def _platt_probabilities(model: LogisticRegression, x: np.ndarray) -> np.ndarray:
    """``model.predict_proba(x[:, None])[:, 1]`` of a fitted one-feature model: its own
    formula for two classes, without its input checks (~0.5 ms a call)."""
    return expit(x * model.coef_[0, 0] + model.intercept_[0])


@cache
def _thread_pools() -> ThreadpoolController:
    # Found once (scikit-learn's OpenMP and BLAS are loaded by the imports above): looking
    # them up on every fit costs more than a small fit.
    return ThreadpoolController()


def _check_metrics(metrics) -> tuple[str, ...]:
    if isinstance(metrics, str):
        metrics = [metrics]
    if not isinstance(metrics, Sequence) or not metrics:
        raise TypeError(f"metrics must be a non-empty list of names from {list(ESTIMABLE)}, got {metrics!r}.")
    unknown = [m for m in metrics if m not in ESTIMABLE]
    if unknown:
        raise ValueError(f"cannot estimate {unknown} without labels: choose from {list(ESTIMABLE)}.")
    return tuple(dict.fromkeys(metrics))


class PerformanceEstimator(BaseEstimator):
    """Estimate classification performance on batches whose labels have not arrived (CBPE).

    Parameters
    ----------
    metrics : sequence of str, default ("roc_auc", "accuracy", "precision", "recall", "f1")
        Metrics to estimate, from :data:`ESTIMABLE`.
    threshold : float, default 0.5
        ``score >= threshold`` is a positive prediction (in score units, before calibration).
    chunk_size : int, default 1000
        Rows per production batch: the size of the reference-like chunks whose metric spread
        sets the bands. A batch of another size ``n`` gets the spread scaled by
        ``sqrt(chunk_size / n)`` (the usual 1/sqrt(n) law, an approximation).
    target, score : str, default "default", "score"
        Label and score columns.
    calibration : {None, "isotonic", "sigmoid"}, default None
        ``None``: scores are probabilities in [0, 1], recalibrated on the reference with
        isotonic regression or Platt scaling of their log-odds, chosen in a stratified
        :data:`CV_FOLDS`-fold cross-validation on the reference, each score rounded to the
        mean score of its bin of :data:`CV_BINS` of equal reference mass (the fits cost
        O(bins), not O(rows); ``calibration_`` tells which, ``cv_scores_`` why). The final
        calibrator is fitted on the rows. Platt scaling when its out-of-fold probabilities have the
        lower Brier score *and* reproduce the reference's measured ROC-AUC at least as
        closely as isotonic regression's, else isotonic regression. Isotonic regression
        follows any monotone shape but over-fits a small reference; Platt scaling is smooth
        (and includes "already calibrated") but can be off in the tails, which a large
        reference shows in the expected ROC-AUC. Raw scores (log-odds, margins) need an
        explicit method:
        ``"isotonic"`` (:class:`~sklearn.isotonic.IsotonicRegression`) or ``"sigmoid"``
        (Platt scaling, :class:`~sklearn.linear_model.LogisticRegression` on the score).
    n_sigma : float, default 3.0
        Width of the bands in reference standard deviations of the metric.
    n_chunks : int, default 200
        Random reference-like chunks drawn to learn the spread.
    n_bins : int, default 1000
        Quantile bins of the reference scores used to summarise a batch (plus the
        calibration's breakpoints and the threshold).
    min_rows : int, default 100
        Fewest rows a batch (and a reference chunk) may have; fewer raise ``ValueError``.
    random_state : int, default 0

    Attributes
    ----------
    calibrator_ : fitted scikit-learn estimator
    calibration_ : str
        The calibration used: ``"isotonic"`` or ``"sigmoid"``.
    cv_scores_ : dict
        Per candidate calibration, its out-of-fold Brier score (``"brier"``) and the gap
        between the ROC-AUC expected from its out-of-fold probabilities and the measured
        reference ROC-AUC (``"roc_auc_gap"``); empty when ``calibration`` was given.
    edges_ : ndarray
        Inner score-bin edges (the threshold is one of them).
    reference_ : dict
        Each metric measured on the whole reference, counted like a batch: exact confusion
        counts; ROC-AUC with the rows of one narrow score bin tied, so it differs from
        scikit-learn's by at most half the share of positive-negative pairs within a bin
        (~1e-5 with 1,000 bins).
    spread_ : dict
        Standard deviation of each metric over chunks of ``chunk_size`` rows drawn like the
        reference (with replacement from it); chunks longer than :data:`SPREAD_ROWS` are
        drawn that long and their spread scaled by ``sqrt(SPREAD_ROWS / chunk_size)``.

    Notes
    -----
    The estimate is only as good as its assumption: see :data:`ASSUMPTION`. It holds
    under covariate shift and fails under concept drift and prior shift.

    Examples
    --------
    >>> from modellab import scenarios
    >>> s = scenarios.make("stable", n_reference=2000, n_batches=3, batch_size=500)
    >>> est = PerformanceEstimator(metrics=["roc_auc"], threshold=s.threshold, chunk_size=500)
    >>> est = est.fit(s.reference)
    >>> out = est.estimate(s.production)
    >>> out[["batch", "metric", "n", "alert"]]
       batch   metric    n  alert
    0      0  roc_auc  500  False
    1      1  roc_auc  500  False
    2      2  roc_auc  500  False
    >>> bool(((out["lower"] <= out["realized"]) & (out["realized"] <= out["upper"])).all())
    True
    """

    def __init__(
        self,
        metrics=ESTIMABLE,
        threshold: float = 0.5,
        chunk_size: int = 1000,
        *,
        target: str = "default",
        score: str = "score",
        calibration: str | None = None,
        n_sigma: float = 3.0,
        n_chunks: int = 200,
        n_bins: int = 1000,
        min_rows: int = 100,
        random_state: int = 0,
    ):
        self.metrics = metrics
        self.threshold = threshold
        self.chunk_size = chunk_size
        self.target = target
        self.score = score
        self.calibration = calibration
        self.n_sigma = n_sigma
        self.n_chunks = n_chunks
        self.n_bins = n_bins
        self.min_rows = min_rows
        self.random_state = random_state

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        self.metrics_ = _check_metrics(self.metrics)
        self.threshold_ = check_threshold(self.threshold)
        for name in ("chunk_size", "n_chunks", "n_bins", "min_rows"):
            positive_int(getattr(self, name), name)
        if self.calibration is not None and self.calibration not in CALIBRATIONS:
            raise ValueError(
                f"calibration must be None (scores are probabilities) or one of "
                f"{list(CALIBRATIONS)}, got {self.calibration!r}."
            )
        if isinstance(self.n_sigma, bool) or not isinstance(self.n_sigma, (int, float)) or not self.n_sigma > 0:
            raise ValueError(f"n_sigma must be a positive number such as 3, got {self.n_sigma!r}.")
        if self.chunk_size < self.min_rows:
            raise ValueError(
                f"chunk_size={self.chunk_size} is below min_rows={self.min_rows}: metrics on so few "
                f"rows are noise. Estimate larger batches (or lower min_rows knowingly)."
            )

    def _scores(self, frame: pd.DataFrame, name: str) -> np.ndarray:
        s = as_numeric(frame[self.score], f"{name}[{self.score!r}]")
        if not np.isfinite(s).all():
            raise ValueError(f"{name}[{self.score!r}] contains infinite values: pass finite scores.")
        if self.calibration is None and (s.min() < 0 or s.max() > 1):
            raise ValueError(
                f"{name}[{self.score!r}] has values outside [0, 1] (min {s.min():.3g}, max "
                f"{s.max():.3g}): these are not probabilities. Pass calibration='isotonic' or "
                f"calibration='sigmoid' to map raw scores to probabilities."
            )
        return s

    # --------------------------------------------------------------------- fit
    def fit(self, reference: pd.DataFrame, y=None) -> PerformanceEstimator:
        """Calibrate the reference scores against its labels and learn each metric's spread.

        Parameters
        ----------
        reference : DataFrame
            Labelled rows with the ``target`` and ``score`` columns.

        Returns
        -------
        self
        """
        self._check_params()
        reference = require_frame(reference, "reference")
        require_columns(reference, [self.target, self.score], "reference")
        y = as_binary_labels(reference[self.target], f"reference[{self.target!r}]")
        s = self._scores(reference, "reference")
        n_pos, n_neg = int(y.sum()), int(y.size - y.sum())
        if min(n_pos, n_neg) < MIN_CLASS_ROWS:
            raise ValueError(
                f"reference has {n_pos} positive and {n_neg} negative labels: calibration needs "
                f"at least {MIN_CLASS_ROWS} of each. Use a longer reference period."
            )
        if y.size < 2 * self.chunk_size:
            raise ValueError(
                f"reference has {y.size} rows, fewer than 2 x chunk_size={self.chunk_size}: the "
                f"spread of a metric over chunks cannot be learnt. Use a longer reference or a "
                f"smaller chunk_size."
            )
        order = np.argsort(s)
        ranked = s[order]  # np.quantile of sorted scores: the same values, several times faster
        qs = np.unique(np.concatenate([np.quantile(ranked, np.linspace(0, 1, self.n_bins + 1)[1:-1]),
                                       [self.threshold_]]))
        # One feature: threads only add synchronisation (and spin-waiting on a busy machine).
        # The inputs are checked above: scikit-learn's own checks would repeat on every fold.
        with _thread_pools().limit(limits=1), config_context(**CHECKED):
            start = _platt()
            if self.calibration is None:
                self.cv_scores_, start = self._cross_validate_calibrations(s, y, order, ranked)
                iso, platt = self.cv_scores_["isotonic"], self.cv_scores_["sigmoid"]
                better = platt["brier"] < iso["brier"] and platt["roc_auc_gap"] <= iso["roc_auc_gap"]
                self.calibration_ = "sigmoid" if better else "isotonic"
            else:
                self.cv_scores_, self.calibration_ = {}, self.calibration
            if self.calibration_ == "sigmoid":
                # After a cross-validation, from its last fold's fit (on 4/5 of the rows): the
                # same maximum of the likelihood, in fewer Newton steps.
                self.calibrator_ = start.fit(self._platt_input(s), y)
                breaks = np.array([])
            else:
                # Rows in score order: the same fit (bit for bit), and scikit-learn's sort of
                # (score, label) is several times faster on sorted input.
                self.calibrator_ = _isotonic().fit(ranked, y[order])
                breaks = self.calibrator_.X_thresholds_
        self.edges_ = np.unique(np.concatenate([qs, breaks]))
        self._bins = _BinLookup(self.edges_)
        self._bin_lines = self._isotonic_lines() if self.calibration_ == "isotonic" else None
        self.positive_from_ = int(np.searchsorted(self.edges_, self.threshold_, side="left")) + 1
        # The reference counted like a batch, with its labels in place of the calibrated
        # probabilities (as the chunks that give the spread): exact confusion counts (the
        # threshold is a bin edge); ROC-AUC with rows of one narrow bin tied.
        k = self.edges_.size + 1
        cell = self._bins(s) + k * y.astype(np.intp)  # negatives' cells, then positives'
        counts = np.bincount(cell, minlength=2 * k).astype(np.float64)
        measured = _binned_metrics((counts[:k] + counts[k:])[None, :], counts[None, k:], self.positive_from_)
        self.reference_ = {m: float(measured[m][0]) for m in self.metrics_}
        self.spread_ = self._learn_spread(cell)
        self.n_features_in_ = 1
        return self

    def _isotonic_lines(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per score bin, the piece of the isotonic fit's linear interpolation that covers it.

        Every breakpoint is a bin edge, so a bin lies inside one piece: a row's probability
        is ``slope * (s - x0) + y0`` of its bin, the very expression ``np.interp`` evaluates
        (the bins are already found, and a second binary search per row costs as much).
        """
        xp, fp = self.calibrator_.X_thresholds_, self.calibrator_.y_thresholds_
        lower = np.r_[-np.inf, self.edges_]  # bin b holds scores in [lower[b], lower[b + 1])
        j = np.searchsorted(xp, lower, side="right") - 1  # piece from xp[j] (-1: left of xp[0])
        inside = (j >= 0) & (j < xp.size - 1)
        lo = np.clip(j, 0, xp.size - 1)
        hi = np.minimum(lo + 1, xp.size - 1)
        slope = np.divide(fp[hi] - fp[lo], xp[hi] - xp[lo], out=np.zeros(lo.size), where=inside)
        x0 = np.where(inside, xp[lo], 0.0)
        y0 = fp[lo]  # left of xp[0]: fp[0]; right of xp[-1]: fp[-1] (clipped like predict)
        return slope, x0, y0

    def _probabilities(self, s: np.ndarray, bins: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of scores ``s`` that fall in score bins ``bins``."""
        if self._bin_lines is None:  # Platt scaling: no breakpoints
            return _platt_probabilities(self.calibrator_, self._platt_input(s)[:, 0])
        slope, x0, y0 = self._bin_lines
        return slope[bins] * (s - x0[bins]) + y0[bins]

    def _platt_input(self, s: np.ndarray) -> np.ndarray:
        # Probabilities are scaled on their log-odds (the identity map is then a + b z with
        # a = 0, b = 1); raw scores as they are (classic Platt scaling).
        return _log_odds(s) if self.calibration is None else s.reshape(-1, 1)

    def _cross_validate_calibrations(self, s, y, order, ranked) -> tuple[dict, LogisticRegression]:
        # Out-of-fold probabilities (an in-sample isotonic fit always looks best, and is not)
        # of the rows with their scores rounded to the mean score of their bin of CV_BINS of
        # equal mass: rows of one bin are then alike, so a fold is its (negatives,
        # positives) per bin, and every fit and score costs O(bins), not O(rows). Unlike
        # subsampling, rounding leaves each fit all its rows (no tilt toward the smoother
        # Platt scaling); bins this fine move the scores less than the folds' randomness.
        k = min(CV_BINS, s.size)
        # Bin of each sorted row from its rank; tied scores share the bin of their first rank.
        first = np.r_[True, ranked[1:] != ranked[:-1]]
        first_rank = np.maximum.accumulate(np.where(first, np.arange(s.size), 0))
        bins = np.empty(s.size, dtype=np.intp)
        bins[order] = first_rank * k // s.size
        fold = _stratified_folds(y, CV_FOLDS, np.random.default_rng(self.random_state).spawn(1)[0])
        counts = np.bincount((fold * k + bins) * 2 + y.astype(np.intp), minlength=CV_FOLDS * k * 2)
        counts = counts.reshape(CV_FOLDS, k, 2).astype(np.float64)  # [fold, bin] = (neg, pos)
        total = counts.sum(axis=0)
        rows = total.sum(axis=1)
        centre = np.bincount(bins, weights=s, minlength=k) / np.maximum(rows, 1.0)
        z = _log_odds(centre)
        oof = {"isotonic": np.empty((CV_FOLDS, k)), "sigmoid": np.empty((CV_FOLDS, k))}
        platt = _platt().set_params(warm_start=True)  # each fold starts from the last fold's fit
        for f in range(CV_FOLDS):
            neg, pos = (total - counts[f]).T
            # Bins (and so centres) are in score order: IsotonicRegression's fit is the
            # isotonic regression of the bins' default rates, its predict a linear
            # interpolation between them (clipped outside), as here without its overhead.
            n, seen = neg + pos, neg + pos > 0
            fitted = isotonic_regression(pos[seen] / n[seen], sample_weight=n[seen], y_min=0.0, y_max=1.0)
            oof["isotonic"][f] = np.interp(centre, centre[seen], fitted)
            # A bin is a positive row weighted by its positives and a negative row weighted by
            # its negatives: the likelihood of its rows.
            x, label, weight = _weighted_labels(z, neg, pos)
            oof["sigmoid"][f] = _platt_probabilities(platt.fit(x, label, sample_weight=weight), z[:, 0])
        # Brier score over (fold, bin) cells: scikit-learn's brier_score_loss of the rows (the
        # mean squared gap between probability and label; the tests hold it to that), from
        # each cell's negatives and positives, which share the cell's probability. ROC-AUC of
        # the reference summarised like a batch with out-of-fold probabilities, beside the
        # same with its labels (measured).
        neg, pos = counts[..., 0], counts[..., 1]
        measured = _binned_metrics(rows[None, :], total[None, :, 1], 1)["roc_auc"][0]  # no threshold in ROC-AUC
        scores = {}
        for name, p in oof.items():
            auc = _binned_metrics(rows[None, :], (p * (neg + pos)).sum(axis=0)[None, :], 1)["roc_auc"][0]
            brier = (np.vdot(neg, p * p) + np.vdot(pos, (1 - p) ** 2)) / s.size
            scores[name] = {"brier": float(brier), "roc_auc_gap": float(abs(auc - measured))}
        return scores, platt

    def _realized(self, y: np.ndarray, s: np.ndarray) -> dict[str, float]:
        values = classification_summary(y, s, self.threshold_, metrics=list(self.metrics_))
        return {m: float(values[m]) for m in self.metrics_}

    def _learn_spread(self, cell: np.ndarray) -> dict[str, float]:
        # Each chunk is counted like the reference in fit (``cell``: each row's score bin,
        # offset by the bins for a positive). Production batches come from an endless stream
        # like the reference, so chunks are drawn with replacement. Chunks longer than
        # SPREAD_ROWS are drawn that long and their spread scaled by sqrt(SPREAD_ROWS /
        # chunk_size), the 1/sqrt(n) law that scales the bands of other batch sizes, exact
        # up to O(1/n) there (200 chunks of 50,000 rows would cost 10M draws).
        rng = np.random.default_rng(self.random_state)
        rows = min(self.chunk_size, SPREAD_ROWS)
        k = self.edges_.size + 1
        counts = np.empty((self.n_chunks, 2 * k))  # negatives per bin, then positives per bin
        # A group of chunks per bincount (each chunk's cells offset by 2k): far fewer calls,
        # and the group's counts still fit in the CPU cache (one count of all the chunks at
        # once scatters over megabytes and is slower than a call per chunk). The draws are
        # the same numbers in the same order as one chunk at a time.
        group = max(1, SPREAD_GROUP_CELLS // (2 * k))
        offset = (2 * k * np.arange(group))[:, None]
        for lo in range(0, self.n_chunks, group):
            hi = min(self.n_chunks, lo + group)
            drawn = cell[rng.integers(0, cell.size, (hi - lo, rows))]
            drawn += offset[: hi - lo]
            counts[lo:hi] = np.bincount(drawn.ravel(), minlength=(hi - lo) * 2 * k).reshape(hi - lo, 2 * k)
        pos = counts[:, k:]
        values = _binned_metrics(counts[:, :k] + pos, pos, self.positive_from_)
        scale = np.sqrt(rows / self.chunk_size)
        spread = np.nanstd(np.stack([values[m] for m in self.metrics_]), axis=1, ddof=1) * scale
        return dict(zip(self.metrics_, spread.tolist(), strict=True))

    # ---------------------------------------------------------------- estimate
    def calibrate(self, scores) -> np.ndarray:
        """Calibrated probabilities of the positive class for ``scores``."""
        check_is_fitted(self, "calibrator_")
        s = as_numeric(scores, "scores")
        if not np.isfinite(s).all():
            raise ValueError("scores contains infinite values: pass finite scores.")
        return self._probabilities(s, self._bins(s))

    def summarise(self, chunk: pd.DataFrame) -> EstimateSummary:
        """The mergeable :class:`EstimateSummary` of one chunk of scored rows (labels not needed)."""
        check_is_fitted(self, "calibrator_")
        chunk = require_frame(chunk, "chunk")
        require_columns(chunk, [self.score], "chunk")
        s = self._scores(chunk, "chunk")
        rows, pos = self._binned(s, np.zeros(s.size, dtype=np.int64), 1)
        return EstimateSummary(rows[0], pos[0])

    def _binned(self, s: np.ndarray, codes: np.ndarray, n_batches: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and summed calibrated probabilities per (batch, score bin): two (batches, bins) arrays."""
        k = self.edges_.size + 1
        bins = self._bins(s)
        # Isotonic probabilities are linear in the score inside a bin (slope * (s - x0) + y0):
        # their sum over a cell follows from its rows and summed scores, with no per-row
        # probability. Platt scaling is not linear: per-row probabilities.
        weights = s if self._bin_lines is not None else self._probabilities(s, bins)
        cell = codes * k
        cell += bins
        rows = np.empty((n_batches, k))
        total = np.empty((n_batches, k))
        step = max(1, MAX_CELLS // k)  # batches counted at once: bounded memory for many batches
        for lo in range(0, n_batches, step):
            hi = min(n_batches, lo + step)
            if (lo, hi) == (0, n_batches):
                c, w = cell, weights
            else:
                sel = (codes >= lo) & (codes < hi)
                c, w = cell[sel] - lo * k, weights[sel]
            rows[lo:hi] = np.bincount(c, minlength=(hi - lo) * k).reshape(hi - lo, k)
            total[lo:hi] = np.bincount(c, weights=w, minlength=(hi - lo) * k).reshape(hi - lo, k)
        if self._bin_lines is None:
            return rows, total
        slope, x0, y0 = self._bin_lines
        return rows, slope * (total - rows * x0) + rows * y0

    def estimate(self, production: pd.DataFrame, by: str = "batch") -> pd.DataFrame:
        """Estimated metrics per batch, beside the realised ones where labels have arrived.

        Parameters
        ----------
        production : DataFrame
            Scored rows with the ``score`` column and the ``by`` column; the ``target``
            column is optional (``NaN`` = label not arrived).
        by : str, default "batch"
            Column naming the batch.

        Returns
        -------
        DataFrame
            One row per batch and metric, columns :data:`ESTIMATE_COLUMNS`: ``estimate``;
            ``lower``/``upper``, the band where the realised metric should fall
            (estimate +- ``n_sigma`` spreads); ``band_lower``/``band_upper``, the
            reference band; ``realized`` on the labelled rows (``NaN`` below ``min_rows``
            labels); ``gap`` = estimate - realized; ``n``; ``n_labelled``; ``alert``
            (the estimate left the reference band). ``result.attrs["assumption"]`` states
            when the estimate can be trusted (:data:`ASSUMPTION`).
        """
        check_is_fitted(self, "calibrator_")
        production = require_frame(production, "production")
        if not isinstance(by, str):
            raise TypeError(f"by must be the name of the batch column, got {by!r}.")
        require_columns(production, [self.score, by], "production")
        s = self._scores(production, "production")
        has_target = self.target in production.columns
        y = (
            as_binary_labels(production[self.target], f"production[{self.target!r}]", allow_nan=True)
            if has_target else None
        )
        codes, keys = pd.factorize(production[by].to_numpy(), sort=True, use_na_sentinel=False)
        rows, pos = self._binned(s, codes, keys.size)
        sizes = np.rint(rows.sum(axis=1)).astype(np.int64)
        small = keys[sizes < self.min_rows]
        if small.size:
            raise ValueError(
                f"batch(es) {small[:5].tolist()} have fewer than min_rows={self.min_rows} rows "
                f"({sizes.min()} at least): metrics on so few rows are noise. Group rows into "
                f"larger batches (e.g. weekly instead of daily)."
            )
        realized = {}
        if y is not None:
            labelled = ~np.isnan(y)
            n_lab = np.bincount(codes[labelled], minlength=keys.size)
            order = np.argsort(codes[labelled], kind="stable")
            starts = np.r_[0, np.cumsum(n_lab)]
            yl, sl = y[labelled][order], s[labelled][order]
            for i, key in enumerate(keys):
                part = slice(starts[i], starts[i + 1])
                measured = self._realized(yl[part], sl[part]) if n_lab[i] >= self.min_rows else {}
                realized[key] = (measured, int(n_lab[i]))
        return self._frame(keys, rows, pos, realized)

    def estimate_summaries(self, summaries: Mapping, realized: Mapping | None = None) -> pd.DataFrame:
        """Like :meth:`estimate`, from per-batch :class:`EstimateSummary` objects (merged chunks).

        ``realized`` optionally maps a batch to ``(metrics dict, n_labelled)``; without it the
        realised columns are ``NaN`` and ``n_labelled`` is 0.
        """
        check_is_fitted(self, "calibrator_")
        if not isinstance(summaries, Mapping):
            raise TypeError("summaries must map each batch to its EstimateSummary.")
        for key, summary in summaries.items():
            if not isinstance(summary, EstimateSummary) or summary.rows.size != self.edges_.size + 1:
                raise ValueError(
                    f"summaries[{key!r}] is not an EstimateSummary of this fitted estimator: make "
                    f"it with estimator.summarise(chunk)."
                )
        k = self.edges_.size + 1
        rows = np.array([s.rows for s in summaries.values()], dtype=np.float64).reshape(-1, k)
        pos = np.array([s.expected_positives for s in summaries.values()], dtype=np.float64).reshape(-1, k)
        keys = np.empty(len(summaries), dtype=object)
        keys[:] = list(summaries)
        return self._frame(keys, rows, pos, {} if realized is None else realized)

    def _frame(self, keys, rows: np.ndarray, pos: np.ndarray, realized: Mapping) -> pd.DataFrame:
        """The tidy estimate frame of batches ``keys`` from their (batches, bins) summaries."""
        n = np.rint(rows.sum(axis=1)).astype(np.int64)
        if (n < self.min_rows).any():
            key = keys[int(np.argmax(n < self.min_rows))]
            raise ValueError(
                f"batch {key!r} has {n[n < self.min_rows][0]} rows, fewer than "
                f"min_rows={self.min_rows}: group rows into larger batches."
            )
        values = _binned_metrics(rows, pos, self.positive_from_)
        metrics = list(self.metrics_)
        nb, nm = len(keys), len(metrics)
        est = np.stack([values[m] for m in metrics], axis=1)
        half = self.n_sigma * np.sqrt(self.chunk_size / n)[:, None] * np.array([self.spread_[m] for m in metrics])
        ref = np.array([self.reference_[m] for m in metrics])
        real = np.array([[realized.get(key, ({}, 0))[0].get(m, np.nan) for m in metrics] for key in keys])
        n_lab = np.array([realized.get(key, ({}, 0))[1] for key in keys], dtype=np.int64)
        # fmax/fmin: an undefined estimate (NaN, e.g. precision without predicted positives)
        # gets the whole [0, 1] range as its band.
        band_lo, band_hi = np.fmax(0.0, ref - half), np.fmin(1.0, ref + half)
        batch = pd.Series(np.repeat(keys, nm))
        frame = pd.DataFrame({
            "batch": batch.infer_objects() if batch.dtype == object else batch,
            "metric": np.tile(metrics, nb),
            "estimate": est.ravel(),
            "lower": np.fmax(0.0, est - half).ravel(), "upper": np.fmin(1.0, est + half).ravel(),
            "band_lower": band_lo.ravel(), "band_upper": band_hi.ravel(),
            "realized": real.reshape(-1), "gap": (est - real.reshape(nb, nm)).ravel(),
            "n": np.repeat(n, nm), "n_labelled": np.repeat(n_lab, nm),
            "alert": ((est < band_lo) | (est > band_hi)).ravel(),
        }, columns=ESTIMATE_COLUMNS)
        frame.attrs["assumption"] = ASSUMPTION
        return frame

    def describe_reference(self) -> pd.DataFrame:
        """Reference value, spread and band of each metric (one row per metric)."""
        check_is_fitted(self, "calibrator_")
        rows = [
            {
                "metric": m, "label": LABELS[m], "reference": self.reference_[m],
                "spread": self.spread_[m],
                "band_lower": max(0.0, self.reference_[m] - self.n_sigma * self.spread_[m]),
                "band_upper": min(1.0, self.reference_[m] + self.n_sigma * self.spread_[m]),
            }
            for m in self.metrics_
        ]
        return pd.DataFrame(rows)

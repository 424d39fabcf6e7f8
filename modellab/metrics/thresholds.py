"""Decision thresholds and business cost: what each cut-off would have cost, and the cheapest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from modellab._validate import as_numeric, probability
from modellab.metrics.bootstrap import _safe_div
from modellab.metrics.classification import labelled_pairs

TABLE_COLUMNS = (
    "threshold", "tp", "fp", "tn", "fn", "precision", "recall", "f1", "specificity",
    "positive_rate", "cost", "avg_cost",
)


def _check_cost(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number (the cost of one such error), got {value!r}.")
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}.")
    return v


def _check_thresholds(thresholds, s: np.ndarray) -> np.ndarray:
    if thresholds is None:
        if s.min() >= 0 and s.max() <= 1:
            return np.round(np.linspace(0, 1, 101), 2)
        return np.unique(np.quantile(s, np.linspace(0, 1, 101)))
    t = as_numeric(thresholds, "thresholds")
    if not np.isfinite(t).all():
        raise ValueError("thresholds contains infinite values: pass finite cut-offs.")
    return np.unique(t)


def threshold_table(
    y_true, y_score, thresholds=None, cost_fp: float = 1.0, cost_fn: float = 5.0
) -> pd.DataFrame:
    """Confusion counts, rates and cost at each candidate threshold.

    Parameters
    ----------
    y_true : array-like of 0/1
        Outcomes; ``NaN`` rows (no label yet) are skipped.
    y_score : array-like of float
        Scores; ``y_score >= threshold`` is a positive prediction.
    thresholds : array-like, optional
        Cut-offs to evaluate (sorted, duplicates dropped). Default: 0.00, 0.01, ..., 1.00 for
        probabilities, else 101 quantiles of the scores.
    cost_fp, cost_fn : float, default 1.0 and 5.0
        Cost of one false positive (e.g. a good loan refused) and one false negative (e.g. a
        default approved).

    Returns
    -------
    pandas.DataFrame
        One row per threshold, columns ``threshold, tp, fp, tn, fn, precision, recall, f1,
        specificity, positive_rate, cost, avg_cost``; ``cost = cost_fp * fp + cost_fn * fn``,
        ``avg_cost`` is per labelled row. Ratios with a zero denominator are ``NaN``.

    Examples
    --------
    >>> t = threshold_table([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], thresholds=[0.3, 0.5, 0.7])
    >>> t[["threshold", "tp", "fp", "recall", "cost"]]
       threshold  tp  fp  recall  cost
    0        0.3   2   1     1.0   1.0
    1        0.5   1   1     0.5   6.0
    2        0.7   1   0     0.5   5.0
    """
    cost_fp, cost_fn = _check_cost(cost_fp, "cost_fp"), _check_cost(cost_fn, "cost_fn")
    y, s, _ = labelled_pairs(y_true, y_score)
    if y.size == 0:
        raise ValueError("y_true has no labels (all NaN): wait for labels to arrive.")
    t = _check_thresholds(thresholds, s)
    pos_scores = np.sort(s[y == 1])
    neg_scores = np.sort(s[y == 0])
    # Rows at or above each threshold are predicted positive.
    tp = pos_scores.size - np.searchsorted(pos_scores, t, side="left")
    fp = neg_scores.size - np.searchsorted(neg_scores, t, side="left")
    fn, tn = pos_scores.size - tp, neg_scores.size - fp
    cost = cost_fp * fp + cost_fn * fn
    return pd.DataFrame(
        {
            "threshold": t,
            "tp": tp,
            "fp": fp,
            "tn": tn,
            "fn": fn,
            "precision": _safe_div(tp, tp + fp, np.nan),
            "recall": _safe_div(tp, tp + fn, np.nan),
            "f1": _safe_div(2 * tp, 2 * tp + fp + fn, np.nan),
            "specificity": _safe_div(tn, tn + fp, np.nan),
            "positive_rate": (tp + fp) / y.size,
            "cost": cost,
            "avg_cost": cost / y.size,
        },
        columns=list(TABLE_COLUMNS),
    )


@dataclass(frozen=True, repr=False)
class ThresholdResult:
    """The cheapest threshold found by :func:`best_threshold`.

    Attributes
    ----------
    threshold, cost, avg_cost, recall, precision, f1, specificity, positive_rate : float
        The row of :func:`threshold_table` at the chosen threshold.
    tp, fp, tn, fn : int
        Its confusion counts.
    cost_fp, cost_fn : float
        The costs used.
    min_recall : float or None
        The recall floor applied, if any.
    """

    threshold: float
    cost: float
    avg_cost: float
    recall: float
    precision: float
    f1: float
    specificity: float
    positive_rate: float
    tp: int
    fp: int
    tn: int
    fn: int
    cost_fp: float
    cost_fn: float
    min_recall: float | None = None

    def __repr__(self) -> str:
        return (
            f"ThresholdResult(threshold={self.threshold:.4g}, cost={self.cost:.4g}, "
            f"recall={self.recall:.3f}, precision={self.precision:.3f}, "
            f"positive_rate={self.positive_rate:.3f}, tp={self.tp}, fp={self.fp}, "
            f"tn={self.tn}, fn={self.fn}, min_recall={self.min_recall})"
        )


def best_threshold(
    y_true,
    y_score,
    cost_fp: float = 1.0,
    cost_fn: float = 5.0,
    min_recall: float | None = None,
    *,
    thresholds=None,
) -> ThresholdResult:
    """Threshold with the lowest total cost, optionally among those with recall >= ``min_recall``.

    Ties go to the lowest threshold (the one that catches more positives). Raises
    ``ValueError`` when no candidate threshold reaches ``min_recall``.

    Parameters
    ----------
    y_true, y_score, cost_fp, cost_fn, thresholds
        As in :func:`threshold_table`.
    min_recall : float, optional
        Recall floor in [0, 1], e.g. "catch at least 80% of defaults".

    Returns
    -------
    ThresholdResult

    Examples
    --------
    >>> best_threshold([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], thresholds=[0.3, 0.5, 0.7])
    ThresholdResult(threshold=0.3, cost=1, recall=1.000, precision=0.667, positive_rate=0.750, tp=2, fp=1, tn=1, fn=0, min_recall=None)
    """
    if min_recall is not None:
        min_recall = probability(min_recall, "min_recall", open_interval=False)
    table = threshold_table(y_true, y_score, thresholds, cost_fp, cost_fn)
    ok = table if min_recall is None else table[table["recall"] >= min_recall]
    if ok.empty:
        best = table.loc[table["recall"].idxmax()]
        raise ValueError(
            f"No threshold reaches recall >= {min_recall} (the best is {best['recall']:.3f} at "
            f"threshold {best['threshold']:.4g}): lower min_recall, or pass lower thresholds."
        )
    row = ok.loc[ok["cost"].idxmin()]  # first minimum = lowest threshold
    return ThresholdResult(
        threshold=float(row["threshold"]),
        cost=float(row["cost"]),
        avg_cost=float(row["avg_cost"]),
        recall=float(row["recall"]),
        precision=float(row["precision"]),
        f1=float(row["f1"]),
        specificity=float(row["specificity"]),
        positive_rate=float(row["positive_rate"]),
        tp=int(row["tp"]),
        fp=int(row["fp"]),
        tn=int(row["tn"]),
        fn=int(row["fn"]),
        cost_fp=float(cost_fp),
        cost_fn=float(cost_fn),
        min_recall=min_recall,
    )

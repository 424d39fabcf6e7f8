"""Point metrics for a binary classifier: a validated summary and the confusion matrix.

Every value comes from :mod:`sklearn.metrics`; this module adds input checks, a fixed set of
metric names, and an explicit answer for the cases scikit-learn warns about (one class among
the labels, no predicted positives).

Undefined metrics
-----------------
A ratio with a zero denominator (precision with no predicted positives, recall with no
positive labels, specificity with no negative labels, F1 with neither) is ``zero_division``,
``NaN`` by default: "undefined" stays visible instead of looking like a real 0. ROC-AUC needs
both classes and PR-AUC needs a positive label; otherwise they are ``NaN``. The reasons are
available from :func:`undefined_reasons` and are written in the ``note`` column of
:func:`modellab.metrics.by_batch`.

Unlabelled rows
---------------
Labels arrive late in production: a ``NaN`` in ``y_true`` means "no label yet". Those rows are
skipped (``n`` counts labelled rows, ``n_unlabelled`` the skipped ones); scores must never be
``NaN``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from modellab._validate import Interval, as_binary_labels, as_numeric, same_index, same_length
from modellab.metrics._registry import LABELS as _LABELS
from modellab.metrics._registry import (  # noqa: F401  (re-exported)
    PROBABILITY_METRICS,
    SUMMARY_METRICS,
    THRESHOLD_METRICS,
)

#: Every metric name :func:`classification_summary` reports, in order (from the registry,
#: :mod:`modellab.metrics._registry`, plus the count ``n``).
METRICS: tuple[str, ...] = (*SUMMARY_METRICS, "n")

#: Readable names used in notes and reports (the registry's labels).
LABELS: dict[str, str] = {**{m: _LABELS[m] for m in SUMMARY_METRICS}, "n": "n"}


# --------------------------------------------------------------------------- validation
def check_metric_names(metrics, *, allow_n: bool = True) -> tuple[str, ...]:
    """Return ``metrics`` as a tuple of known names (``None`` means all of :data:`METRICS`)."""
    valid = METRICS if allow_n else tuple(m for m in METRICS if m != "n")
    if metrics is None:
        return valid
    if isinstance(metrics, str):
        metrics = [metrics]
    if not isinstance(metrics, Iterable):
        raise TypeError(f"metrics must be a list of metric names, got {type(metrics).__name__}.")
    names = list(metrics)
    if not names:
        raise ValueError(f"metrics is empty: pass at least one of {list(valid)}, or None for all.")
    unknown = [m for m in names if m not in valid]
    if unknown:
        raise ValueError(f"Unknown metric(s) {unknown}. Valid names: {list(valid)}.")
    return tuple(dict.fromkeys(names))


_THRESHOLD = Interval("real", example="0.5")


def check_threshold(threshold) -> float:
    """Return ``threshold`` as a finite float."""
    return _THRESHOLD(threshold, "threshold")


def check_zero_division(zero_division) -> float:
    """Return the value used for 0/0 ratios: NaN (default), 0.0 or 1.0."""
    try:
        z = float(zero_division)
    except (TypeError, ValueError):
        raise TypeError(
            f"zero_division must be np.nan, 0.0 or 1.0, got {zero_division!r}."
        ) from None
    if not (np.isnan(z) or z in (0.0, 1.0)):
        raise ValueError(f"zero_division must be np.nan, 0.0 or 1.0, got {zero_division!r}.")
    return z


def check_probabilities(y_score: np.ndarray, metrics: Sequence[str], name: str = "y_score") -> None:
    """Refuse scores outside [0, 1] when a metric reads them as probabilities."""
    needs = [m for m in metrics if m in PROBABILITY_METRICS]
    if needs and y_score.size and (y_score.min() < 0 or y_score.max() > 1):
        raise ValueError(
            f"{name} has values outside [0, 1] (min {y_score.min():.3g}, max {y_score.max():.3g}), "
            f"but {needs} need probabilities: pass predicted probabilities "
            f"(e.g. model.predict_proba(X)[:, 1]) or leave {needs} out of metrics."
        )


def labelled_pairs(y_true, y_score, *, y_name: str = "y_true", s_name: str = "y_score"):
    """Validate a (labels, scores) pair; return labelled labels, their scores, and the NaN count.

    Labels must be 0/1 with ``NaN`` for "not arrived yet"; scores must be numbers without NaN.
    """
    same_index(**{y_name: y_true, s_name: y_score})
    y = as_binary_labels(y_true, y_name, allow_nan=True)
    s = as_numeric(y_score, s_name)
    same_length(**{y_name: y, s_name: s})
    if not np.isfinite(s).all():
        raise ValueError(f"{s_name} contains infinite values: pass finite scores.")
    has_label = ~np.isnan(y)
    return y[has_label], s[has_label], int((~has_label).sum())


# --------------------------------------------------------------------------- undefined cases
def undefined_reasons(
    y_true: np.ndarray, y_pred: np.ndarray, metrics: Sequence[str], zero_division: float = np.nan
) -> dict[str, str]:
    """Map each metric of ``metrics`` that is undefined for these labels to the reason why.

    ``y_true`` and ``y_pred`` are validated 0/1 arrays of labelled rows.

    >>> import numpy as np
    >>> undefined_reasons(np.array([0., 0.]), np.array([0., 1.]), ["roc_auc", "recall", "brier"])
    {'roc_auc': 'only one class among labelled rows', 'recall': 'no positive labels'}
    """
    if y_true.size == 0:
        return {m: "no labels yet" for m in metrics if m != "n"}
    pos = int((y_true == 1).sum())
    neg = y_true.size - pos
    pred_pos = int((y_pred == 1).sum())
    tp = int(((y_true == 1) & (y_pred == 1)).sum())
    fp, fn = pred_pos - tp, pos - tp
    ratio_nan = bool(np.isnan(zero_division))
    reasons = {}
    for m in metrics:
        if m == "roc_auc" and (pos == 0 or neg == 0):
            reasons[m] = "only one class among labelled rows"
        elif m == "pr_auc" and pos == 0:
            reasons[m] = "no positive labels"
        elif ratio_nan and m == "recall" and pos == 0:
            reasons[m] = "no positive labels"
        elif ratio_nan and m == "specificity" and neg == 0:
            reasons[m] = "no negative labels"
        elif ratio_nan and m == "precision" and pred_pos == 0:
            reasons[m] = "no predicted positives at this threshold"
        elif ratio_nan and m == "f1" and tp + fp + fn == 0:
            reasons[m] = "no positive labels and no predicted positives"
    return reasons


def format_note(reasons: dict[str, str]) -> str:
    """Group reasons into one readable note, e.g. ``"no positive labels: PR-AUC, recall undefined"``.

    >>> format_note({"roc_auc": "only one class among labelled rows", "pr_auc": "no positive labels"})
    'only one class among labelled rows: ROC-AUC undefined; no positive labels: PR-AUC undefined'
    """
    if not reasons:
        return ""
    if set(reasons.values()) == {"no labels yet"}:
        return "no labels yet"
    by_reason: dict[str, list[str]] = {}
    for metric, reason in reasons.items():
        by_reason.setdefault(reason, []).append(LABELS[metric])
    # The class-balance reason explains most of the others, so it comes first.
    ordered = sorted(by_reason.items(), key=lambda kv: kv[0] != "only one class among labelled rows")
    return "; ".join(f"{r}: {', '.join(ms)} undefined" for r, ms in ordered)


# --------------------------------------------------------------------------- computation
def _compute(
    y: np.ndarray, s: np.ndarray, metrics: Sequence[str], threshold: float, zero_division: float
) -> tuple[dict[str, float], dict[str, str]]:
    """Compute ``metrics`` on validated labelled rows; undefined ones are NaN with a reason."""
    pred = (s >= threshold).astype(np.float64)
    reasons = undefined_reasons(y, pred, metrics, zero_division)
    zd = zero_division
    funcs: dict[str, Callable[[], float]] = {
        "accuracy": lambda: skm.accuracy_score(y, pred),
        "precision": lambda: skm.precision_score(y, pred, labels=[0, 1], zero_division=zd),
        "recall": lambda: skm.recall_score(y, pred, labels=[0, 1], zero_division=zd),
        "f1": lambda: skm.f1_score(y, pred, labels=[0, 1], zero_division=zd),
        "specificity": lambda: skm.recall_score(
            y, pred, labels=[0, 1], pos_label=0, zero_division=zd
        ),
        "roc_auc": lambda: skm.roc_auc_score(y, s),
        "pr_auc": lambda: skm.average_precision_score(y, s),
        "brier": lambda: skm.brier_score_loss(y, s, pos_label=1),
        "log_loss": lambda: skm.log_loss(y, s, labels=[0, 1]),
        "base_rate": lambda: y.mean(),
        "positive_rate": lambda: pred.mean(),
        "n": lambda: y.size,
    }
    out: dict[str, float] = {}
    with warnings.catch_warnings():
        # Undefined cases are handled above; nothing from scikit-learn should reach the learner.
        warnings.simplefilter("ignore")
        for m in metrics:
            out[m] = np.nan if m in reasons or y.size == 0 else float(funcs[m]())
    if "n" in out:
        out["n"] = float(y.size)
    return out, reasons


def classification_summary(
    y_true, y_score, threshold: float = 0.5, *, metrics=None, zero_division: float = np.nan
) -> pd.Series:
    """Summarise a binary classifier: threshold metrics, ranking metrics and probability losses.

    Parameters
    ----------
    y_true : array-like of 0/1
        Actual outcomes. ``NaN`` marks a row whose label has not arrived; it is skipped.
    y_score : array-like of float
        Model scores, higher meaning more likely positive. ``brier`` and ``log_loss`` need
        probabilities in [0, 1].
    threshold : float, default 0.5
        A row is predicted positive when ``y_score >= threshold``.
    metrics : list of str, optional
        Subset of :data:`METRICS` to compute; default all.
    zero_division : float, default NaN
        Value for 0/0 ratios (see the module notes); pass ``0.0`` for scikit-learn's habit.

    Returns
    -------
    pandas.Series
        Indexed by metric name (``accuracy, precision, recall, f1, specificity, roc_auc,
        pr_auc, brier, log_loss, base_rate, positive_rate, n``) plus ``n_unlabelled``.
        ``series.attrs["note"]`` explains any ``NaN``. Each value equals the matching
        :mod:`sklearn.metrics` function (``pr_auc`` is ``average_precision_score``,
        ``specificity`` is recall of class 0).

    Examples
    --------
    >>> s = classification_summary([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> s[["accuracy", "recall", "roc_auc"]].round(3).to_dict()
    {'accuracy': 0.5, 'recall': 0.5, 'roc_auc': 0.75}
    >>> classification_summary([0, 0], [0.1, 0.7]).attrs["note"]
    'only one class among labelled rows: ROC-AUC undefined; no positive labels: recall, PR-AUC undefined'
    """
    names = check_metric_names(metrics)
    threshold = check_threshold(threshold)
    zero_division = check_zero_division(zero_division)
    y, s, n_unlabelled = labelled_pairs(y_true, y_score)
    if y.size == 0:
        raise ValueError(
            f"y_true has no labels (all {n_unlabelled} values are NaN): wait for labels to "
            f"arrive, or use by_batch() which reports 'no labels yet' per batch."
        )
    check_probabilities(s, names)
    values, reasons = _compute(y, s, names, threshold, zero_division)
    out = pd.Series(values, dtype="float64", name="value")
    out["n_unlabelled"] = float(n_unlabelled)
    out.index.name = "metric"
    out.attrs["note"] = format_note(reasons)
    return out


def confusion(y_true, y_pred, *, labels: tuple[str, str] = ("negative", "positive")) -> pd.DataFrame:
    """Labelled 2x2 confusion matrix: rows are actual classes, columns predicted classes.

    Parameters
    ----------
    y_true, y_pred : array-like of 0/1
        Actual and predicted classes (threshold scores first, or use :func:`confusion_counts`).
        Rows with ``NaN`` in ``y_true`` (no label yet) are skipped.
    labels : (str, str), default ("negative", "positive")
        Names for class 0 and class 1, e.g. ``("repaid", "default")``.

    Returns
    -------
    pandas.DataFrame
        Index ``actual`` and columns ``predicted``, each ``labels``; cells are counts from
        :func:`sklearn.metrics.confusion_matrix`. ``frame.to_numpy().ravel()`` gives
        ``tn, fp, fn, tp`` (scikit-learn's order).

    Examples
    --------
    >>> confusion([0, 0, 1, 1], [0, 1, 1, 1], labels=("repaid", "default"))
    predicted  repaid  default
    actual
    repaid          1        1
    default         0        2
    >>> tn, fp, fn, tp = confusion([0, 0, 1, 1], [0, 1, 1, 1]).to_numpy().ravel()
    """
    if (
        not isinstance(labels, (tuple, list))
        or len(labels) != 2
        or not all(isinstance(x, str) for x in labels)
        or labels[0] == labels[1]
    ):
        raise TypeError(f"labels must be two different strings (class 0, class 1), got {labels!r}.")
    same_index(y_true=y_true, y_pred=y_pred)
    y = as_binary_labels(y_true, "y_true", allow_nan=True)
    p = as_binary_labels(y_pred, "y_pred")
    same_length(y_true=y, y_pred=p)
    keep = ~np.isnan(y)
    if not keep.any():
        raise ValueError("y_true has no labels (all NaN): wait for labels to arrive.")
    cm = skm.confusion_matrix(y[keep], p[keep], labels=[0, 1])
    return pd.DataFrame(
        cm,
        index=pd.Index(list(labels), name="actual"),
        columns=pd.Index(list(labels), name="predicted"),
    )

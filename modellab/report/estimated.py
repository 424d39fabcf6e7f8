"""Measured or estimated: which performance figure a stakeholder is looking at.

A monitor built with ``estimator=`` (:class:`modellab.estimate.PerformanceEstimator`) keeps,
beside each measured metric, its estimate from calibrated scores (``estimated_<metric>``
with a band ``_lower``/``_upper``). While a batch's labels are pending the estimate is the
only figure; once they arrive the measured value replaces it and the gap tells whether the
estimate could be trusted. :func:`performance_status` says, per batch, which one a report
shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modellab.monitor.rules import MIN_LABELLED

#: Columns of :func:`performance_status`.
STATUS_COLUMNS = ["batch", "n_labelled", "status", "value", "lower", "upper", "measured",
                  "estimated"]
MEASURED = "measured"
ESTIMATED = "estimated (labels pending)"
UNKNOWN = "unknown (labels pending, no estimate)"


def has_estimates(history: pd.DataFrame, metric: str) -> bool:
    """Whether the history carries the estimate of ``metric`` (``Monitor(estimator=...)``)."""
    return isinstance(history, pd.DataFrame) and f"estimated_{metric}" in history.columns


def performance_status(history: pd.DataFrame, metric: str = "roc_auc", *,
                       min_labelled: int = MIN_LABELLED) -> pd.DataFrame:
    """Per batch, the ``metric`` a report shows and whether it is measured or estimated.

    Parameters
    ----------
    history : DataFrame
        :attr:`MonitorResult.history` of a monitor with an estimator.
    metric : str, default "roc_auc"
    min_labelled : int, default :data:`modellab.monitor.rules.MIN_LABELLED`
        Fewest labelled rows for the measured value to count (the rules' own limit).

    Returns
    -------
    DataFrame
        :data:`STATUS_COLUMNS`: ``status`` is ``"measured"`` (enough labels: ``value`` is
        the measured metric, ``lower``/``upper`` ``NaN``), ``"estimated (labels pending)"``
        (``value`` the estimate, ``lower``/``upper`` its band) or ``"unknown ..."``;
        ``measured`` and ``estimated`` keep both figures for comparison.

    Examples
    --------
    >>> h = pd.DataFrame({"batch": [0, 1], "n_labelled": [1000, 0], "roc_auc": [0.81, np.nan],
    ...                   "estimated_roc_auc": [0.80, 0.74], "estimated_roc_auc_lower": [0.77, 0.71],
    ...                   "estimated_roc_auc_upper": [0.83, 0.77]})
    >>> performance_status(h)[["batch", "status", "value", "lower"]]
       batch                      status  value  lower
    0      0                    measured   0.81    NaN
    1      1  estimated (labels pending)   0.74   0.71
    """
    if not isinstance(history, pd.DataFrame):
        raise TypeError(f"history must be MonitorResult.history, got {type(history).__name__}.")
    if not has_estimates(history, metric):
        raise ValueError(
            f"history has no 'estimated_{metric}' column: build the Monitor with "
            f"estimator=True (or a PerformanceEstimator that estimates {metric!r})."
        )
    missing = [c for c in ("batch", "n_labelled") if c not in history.columns]
    if missing:
        raise ValueError(f"history has no column(s) {missing}: pass MonitorResult.history.")
    measured = (history[metric].astype(float) if metric in history.columns
                else pd.Series(np.nan, index=history.index))
    est = history[f"estimated_{metric}"].astype(float)
    enough = (history["n_labelled"].astype(float) >= min_labelled) & measured.notna()
    use_est = ~enough & est.notna()
    status = np.where(enough, MEASURED, np.where(use_est, ESTIMATED, UNKNOWN))
    band = {b: history.get(f"estimated_{metric}_{b}", pd.Series(np.nan, index=history.index))
            .astype(float).where(use_est) for b in ("lower", "upper")}
    return pd.DataFrame({
        "batch": history["batch"], "n_labelled": history["n_labelled"].astype(np.int64),
        "status": status, "value": measured.where(enough, est.where(use_est)),
        "lower": band["lower"], "upper": band["upper"], "measured": measured, "estimated": est,
    })[STATUS_COLUMNS].reset_index(drop=True)

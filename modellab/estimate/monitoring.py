"""The monitor side of estimation: estimated metrics in a history, and rules on them.

:func:`with_estimates` puts ``estimated_<metric>`` columns (with their bands) beside the
measured ``<metric>`` columns of a monitoring history (:attr:`MonitorResult.history`), so a
report can show "estimated (labels pending)" next to "measured". The rules follow the
protocol of :mod:`modellab.monitor.rules` (frozen, readable ``repr``,
``evaluate(history, reference)`` -> alerts table) and read those columns.

A :class:`~modellab.monitor.Monitor` built with ``estimator=`` computes the same columns
per batch (from the batch summary, so :func:`modellab.scale.monitor_parquet` too) and takes
these rules in ``Monitor(rules=...)``; on any other history, extend it with
:func:`with_estimates` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from modellab.estimate.estimator import ESTIMABLE, ESTIMATE_COLUMNS
from modellab.monitor.rules import (
    LABELS,
    MIN_LABELLED,
    Rule,
    _batch_label,
    _check_number,
    _check_severity,
    _reference_value,
)


def _check_estimates(estimates) -> pd.DataFrame:
    if not isinstance(estimates, pd.DataFrame):
        raise TypeError(
            f"estimates must be the DataFrame of PerformanceEstimator.estimate(...), got "
            f"{type(estimates).__name__}."
        )
    missing = [c for c in ("batch", "metric", "estimate", "lower", "upper", "alert") if c not in estimates.columns]
    if missing:
        raise ValueError(
            f"estimates has no column(s) {missing}: pass the frame PerformanceEstimator.estimate() "
            f"returns (columns {ESTIMATE_COLUMNS})."
        )
    return estimates


def with_estimates(history: pd.DataFrame | None, estimates: pd.DataFrame) -> pd.DataFrame:
    """A monitoring history with estimated metrics beside the measured ones.

    Parameters
    ----------
    history : DataFrame or None
        :attr:`MonitorResult.history` (one row per batch). ``None`` builds a history from
        the estimates alone: ``batch``, ``n``, ``n_labelled`` and the measured metric
        (``realized``) as ``<metric>``.
    estimates : DataFrame
        :meth:`PerformanceEstimator.estimate` output.

    Returns
    -------
    DataFrame
        ``history`` plus, per estimated metric, ``estimated_<metric>``,
        ``estimated_<metric>_lower``, ``estimated_<metric>_upper`` and
        ``estimated_<metric>_alert``; batches without an estimate get ``NaN``.

    Examples
    --------
    >>> est = pd.DataFrame({"batch": [0, 1], "metric": "roc_auc", "estimate": [0.8, 0.7],
    ...                     "lower": [0.75, 0.65], "upper": [0.85, 0.75], "alert": [False, True],
    ...                     "realized": [0.79, np.nan], "n": 500, "n_labelled": [500, 0]})
    >>> with_estimates(None, est)[["batch", "roc_auc", "estimated_roc_auc"]]
       batch  roc_auc  estimated_roc_auc
    0      0     0.79                0.8
    1      1      NaN                0.7
    """
    estimates = _check_estimates(estimates)
    wide = estimates.pivot(index="batch", columns="metric", values=["estimate", "lower", "upper", "alert"])
    cols = {}
    for m in dict.fromkeys(estimates["metric"]):
        cols[f"estimated_{m}"] = wide[("estimate", m)].astype(float)
        cols[f"estimated_{m}_lower"] = wide[("lower", m)].astype(float)
        cols[f"estimated_{m}_upper"] = wide[("upper", m)].astype(float)
        cols[f"estimated_{m}_alert"] = wide[("alert", m)].astype(bool)
    wide = pd.DataFrame(cols).reset_index()
    if history is None:
        first = estimates.drop_duplicates("batch").set_index("batch")
        base = pd.DataFrame({"batch": first.index})
        for c in ("n", "n_labelled"):
            if c in first.columns:
                base[c] = first[c].to_numpy()
        if "realized" in estimates.columns:
            real = estimates.pivot(index="batch", columns="metric", values="realized")
            for m in real.columns:
                base[m] = real[m].reindex(base["batch"]).to_numpy(dtype=float)
        history = base
    elif not isinstance(history, pd.DataFrame) or "batch" not in history.columns:
        raise TypeError("history must be MonitorResult.history (a DataFrame with a 'batch' column) or None.")
    return history.merge(wide, on="batch", how="left")


def _estimated_series(rule, history: pd.DataFrame) -> pd.Series:
    col = f"estimated_{rule.metric}"
    if col not in history.columns:
        raise ValueError(
            f"history has no {col!r} column: build the Monitor with estimator=True, or add "
            f"the estimates with modellab.estimate.with_estimates(history, "
            f"estimator.estimate(production))."
        )
    return history[col].astype(float)


def _check_estimable(metric) -> str:
    if metric not in ESTIMABLE:
        raise ValueError(f"metric must be one of {list(ESTIMABLE)} (estimable without labels), got {metric!r}.")
    return metric


@dataclass(frozen=True)
class EstimatedMetricDropFrom(Rule):
    """Fires when the *estimated* ``metric`` falls more than ``by`` below its reference value.

    Judges every batch, labelled or not: that is the point of an estimate. Its message says
    that the value is estimated and what the estimate assumes.

    Examples
    --------
    >>> h = pd.DataFrame({"batch": [0, 1], "estimated_roc_auc": [0.79, 0.66]})
    >>> rule = EstimatedMetricDropFrom("roc_auc", by=0.1)
    >>> rule
    EstimatedMetricDropFrom('roc_auc', by=0.1, severity='critical')
    >>> rule.evaluate(h, {"roc_auc": 0.80}).message.tolist()[0]
    'Batch 1: estimated ROC-AUC (labels pending) fell to 0.66, 0.14 below the reference 0.80 (alert when it drops by more than 0.10). The estimate assumes P(default | score) is unchanged: it misses concept drift.'
    """

    metric: str
    by: float
    severity: str = "critical"
    kind: ClassVar[str] = "performance"

    def __post_init__(self):
        _check_estimable(self.metric)
        _check_severity(self.severity)
        _check_number(self.by, "by", positive=True)

    def _fire(self, history, reference):
        ref = _reference_value(self, reference)
        limit = ref - self.by
        values = _estimated_series(self, history)
        out = []
        for i in np.flatnonzero((values < limit).to_numpy()):
            b, v = history.at[i, "batch"], float(values.iat[i])
            msg = (
                f"{_batch_label(b)}: estimated {LABELS[self.metric]} (labels pending) fell to "
                f"{v:.2f}, {ref - v:.2f} below the reference {ref:.2f} (alert when it drops by more "
                f"than {self.by:.2f}). The estimate assumes P(default | score) is unchanged: it "
                f"misses concept drift."
            )
            out.append(self._alert(b, f"estimated_{self.metric}", v, limit, msg))
        return out

    def __repr__(self):
        return f"EstimatedMetricDropFrom({self.metric!r}, by={self.by!r}, severity={self.severity!r})"


@dataclass(frozen=True)
class EstimationGapAbove(Rule):
    """Fires when labels arrive and the estimate misses the measured ``metric`` by more than ``threshold``.

    A large gap means the estimate's assumption broke (concept drift, prior shift): stop
    trusting the estimates until the model is recalibrated. Batches with fewer than
    ``min_labelled`` labels are not judged.

    Examples
    --------
    >>> h = pd.DataFrame({"batch": [0, 1], "n_labelled": [1000, 1000],
    ...                   "roc_auc": [0.80, 0.65], "estimated_roc_auc": [0.81, 0.80]})
    >>> EstimationGapAbove("roc_auc", 0.05).evaluate(h, {}).batch.tolist()
    [1]
    """

    metric: str
    threshold: float
    severity: str = "warning"
    min_labelled: int = MIN_LABELLED
    kind: ClassVar[str] = "performance"

    def __post_init__(self):
        _check_estimable(self.metric)
        _check_severity(self.severity)
        _check_number(self.threshold, "threshold", positive=True)

    def _fire(self, history, reference):
        est = _estimated_series(self, history)
        if self.metric not in history.columns:
            raise ValueError(f"history has no measured {self.metric!r} column to compare the estimate with.")
        real = history[self.metric].astype(float)
        if "n_labelled" in history.columns:
            real = real.where(history["n_labelled"].astype(float) >= self.min_labelled)
        gap = (est - real).abs()
        out = []
        for i in np.flatnonzero((gap > self.threshold).to_numpy()):
            b = history.at[i, "batch"]
            msg = (
                f"{_batch_label(b)}: estimated {LABELS[self.metric]} {est.iat[i]:.2f} but measured "
                f"{real.iat[i]:.2f} once labels arrived (gap {gap.iat[i]:.2f} > {self.threshold:.2f}): "
                f"the estimate's assumption no longer holds (concept drift or prior shift?)."
            )
            out.append(self._alert(b, f"gap_{self.metric}", gap.iat[i], self.threshold, msg))
        return out

    def __repr__(self):
        return (
            f"EstimationGapAbove({self.metric!r}, {self.threshold!r}, severity={self.severity!r}, "
            f"min_labelled={self.min_labelled})"
        )

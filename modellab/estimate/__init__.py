"""Performance before the labels arrive: confidence-based performance estimation (CBPE).

Public names
------------
- :class:`PerformanceEstimator`: ``fit(reference)`` calibrates scores with scikit-learn and
  learns each metric's spread; ``estimate(production)`` returns estimated metrics per batch
  beside the realised ones (tidy frame, :data:`ESTIMATE_COLUMNS`).
- :class:`EstimateSummary`, :func:`expected_metrics`: the mergeable per-chunk summary.
- :data:`ASSUMPTION`: when an estimate can be trusted (covariate shift: yes; concept drift,
  prior shift: no).
- :class:`EstimatedMetricDropFrom`, :func:`with_estimates`: the monitor side.
- :func:`later_labels`: the labels a delayed-label scenario receives later (ground truth).
"""

from modellab.estimate.estimator import (
    ASSUMPTION,
    CALIBRATIONS,
    ESTIMABLE,
    ESTIMATE_COLUMNS,
    EstimateSummary,
    PerformanceEstimator,
    expected_metrics,
)
from modellab.estimate.monitoring import EstimatedMetricDropFrom, EstimationGapAbove, with_estimates
from modellab.estimate.truth import later_labels

__all__ = [
    "ASSUMPTION",
    "CALIBRATIONS",
    "ESTIMABLE",
    "ESTIMATE_COLUMNS",
    "EstimateSummary",
    "EstimatedMetricDropFrom",
    "EstimationGapAbove",
    "PerformanceEstimator",
    "expected_metrics",
    "later_labels",
    "with_estimates",
]

"""Performance metrics: validated scikit-learn wrappers, bootstrap intervals, per-batch and
rolling metrics, thresholds and business cost, and mergeable confusion counts.

Public names
------------
- :func:`classification_summary`, :func:`confusion`, :data:`METRICS`
- :func:`confusion_counts`, :class:`ConfusionCounts` (mergeable with ``+``)
- :func:`bootstrap_ci`, :class:`BootstrapResult`
- :func:`by_batch`, :func:`rolling`
- :func:`threshold_table`, :func:`best_threshold`, :class:`ThresholdResult`
- :func:`by_segment`, :func:`segment_gaps`; fairness: :func:`approval_rate_ratio`,
  :func:`equal_opportunity_difference`, :func:`calibration_by_group`, :class:`FairnessResult`
"""

from modellab.metrics.batches import by_batch, rolling
from modellab.metrics.bootstrap import BootstrapResult, bootstrap_ci
from modellab.metrics.classification import METRICS, classification_summary, confusion
from modellab.metrics.counts import ConfusionCounts, confusion_counts
from modellab.metrics.segments import (
    FairnessResult,
    approval_rate_ratio,
    by_segment,
    calibration_by_group,
    equal_opportunity_difference,
    segment_gaps,
)
from modellab.metrics.thresholds import ThresholdResult, best_threshold, threshold_table

__all__ = [
    "METRICS",
    "BootstrapResult",
    "ConfusionCounts",
    "FairnessResult",
    "ThresholdResult",
    "approval_rate_ratio",
    "best_threshold",
    "bootstrap_ci",
    "by_batch",
    "by_segment",
    "calibration_by_group",
    "classification_summary",
    "confusion",
    "confusion_counts",
    "equal_opportunity_difference",
    "rolling",
    "segment_gaps",
    "threshold_table",
]

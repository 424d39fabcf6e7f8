"""Data drift: has the data changed since the reference period, and does it matter?

- Univariate tests on two samples, each returning a :class:`DriftResult`:
  :func:`ks`, :func:`chi2`, :func:`psi`, :func:`jensen_shannon`, :func:`wasserstein`.
- Whole frames: :class:`DriftDetector` (fit on reference, test current, save/load a small
  JSON profile, chunked counts) and the one-shot :func:`compare`; :func:`dataset_drift`
  for a dataset-level verdict. The ``auto`` rule flags a column only when the change is
  statistically significant *and* large enough to matter (see :mod:`.detector`).
- :func:`adjust_p_values` (Bonferroni, Benjamini-Hochberg).
- :func:`domain_classifier`: multivariate drift as the cross-validated ROC-AUC of a
  classifier that tells reference rows from current rows.
"""

from modellab.drift.detector import TABLE_COLUMNS, DriftDetector, compare, dataset_drift
from modellab.drift.multiple_testing import adjust_p_values
from modellab.drift.multivariate import domain_classifier
from modellab.drift.profile import ColumnCounts, FrameCounts, ReferenceProfile
from modellab.drift.results import DatasetDrift, DomainClassifierResult, DriftResult
from modellab.drift.univariate import (
    DEFAULT_THRESHOLDS,
    METHODS,
    chi2,
    jensen_shannon,
    ks,
    psi,
    run_test,
    wasserstein,
)

__all__ = [
    "DEFAULT_THRESHOLDS", "METHODS", "TABLE_COLUMNS", "ColumnCounts", "DatasetDrift",
    "DomainClassifierResult", "DriftDetector", "DriftResult", "FrameCounts", "ReferenceProfile",
    "adjust_p_values", "chi2", "compare", "dataset_drift", "domain_classifier",
    "jensen_shannon", "ks", "psi", "run_test", "wasserstein",
]

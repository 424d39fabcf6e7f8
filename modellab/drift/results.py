"""Small frozen result objects returned by the drift tests (scipy.stats style)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value)


@dataclass(frozen=True)
class DriftResult:
    """Outcome of one univariate drift test.

    Attributes
    ----------
    method : str
        ``"ks"``, ``"chi2"``, ``"psi"``, ``"jensen_shannon"`` or ``"wasserstein"``.
    statistic : float
        The test statistic or distance.
    p_value : float or None
        ``None`` for distances (psi, jensen_shannon, wasserstein), which have no p-value.
    threshold : float
        For tests with a p-value: the significance level ``alpha`` (drifted when
        ``p_value < alpha``). For distances: the distance at or above which it is drift.
    drifted : bool
    n_reference, n_current : int
        Number of non-missing values used from each sample.
    """

    method: str
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    n_reference: int
    n_current: int

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={_fmt(getattr(self, k))}" for k in self.__dataclass_fields__)
        return f"DriftResult({parts})"


@dataclass(frozen=True)
class DatasetDrift:
    """Dataset-level verdict: is the share of drifted columns at or above ``share``?"""

    n_columns: int
    n_drifted: int
    share_drifted: float
    share: float
    drifted: bool
    drifted_columns: tuple[str, ...]

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={_fmt(getattr(self, k))}" for k in self.__dataclass_fields__)
        return f"DatasetDrift({parts})"


@dataclass(frozen=True, eq=False)
class DomainClassifierResult:
    """Multivariate drift: how well a classifier tells reference rows from current rows.

    Attributes
    ----------
    auc : float
        Mean cross-validated ROC-AUC (0.5 = indistinguishable, 1 = fully separable).
    auc_std : float
        Standard deviation of the AUC across folds.
    threshold : float
        AUC at or above which the data are called drifted.
    drifted : bool
    n_reference, n_current : int
        Rows used after subsampling.
    importances : pandas.DataFrame
        Columns ``feature``, ``importance``, ``importance_std`` (drop in AUC when the
        feature is shuffled), most separating feature first.
    """

    auc: float
    auc_std: float
    threshold: float
    drifted: bool
    n_reference: int
    n_current: int
    importances: pd.DataFrame = field(repr=False)
    method: str = "domain_classifier"

    def __repr__(self) -> str:
        keys = ("method", "auc", "auc_std", "threshold", "drifted", "n_reference", "n_current")
        parts = ", ".join(f"{k}={_fmt(getattr(self, k))}" for k in keys)
        top = ", ".join(self.importances["feature"].astype(str).head(3))
        return f"DomainClassifierResult({parts}, top_features=[{top}])"

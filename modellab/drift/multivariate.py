"""Multivariate drift with a domain classifier.

Idea: label reference rows 0 and current rows 1 and ask a classifier to tell them apart.
If it cannot (cross-validated ROC-AUC near 0.5), the joint distribution has not changed
in any way the model can see, including changes in how columns move *together* that
per-column tests miss. If it can, the features it relies on most are the ones that moved.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.model_selection import StratifiedKFold, cross_validate
from threadpoolctl import threadpool_limits

from modellab._validate import positive_int, probability, require_columns, require_frame
from modellab.drift.profile import column_kinds, column_list
from modellab.drift.results import DomainClassifierResult

#: Most categories per column given to the classifier; rarer ones are pooled as "__other__".
MAX_LEVELS = 250


def _subsample(frame: pd.DataFrame, max_rows: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), size=max_rows, replace=False))]


def _design(reference, current, columns, kinds) -> pd.DataFrame:
    """Stack both frames; categorical columns become pandas categories (union of levels);
    infinite numbers become values just beyond the finite range (the trees see them as
    extremes, apart from missing values)."""
    X = pd.concat([reference[columns], current[columns]], ignore_index=True)
    for c in columns:
        if kinds[c] == "categorical":
            values = X[c].astype(object).where(X[c].notna(), None)
            values = values.map(lambda v: None if v is None else str(v))
            top = values.value_counts().index[:MAX_LEVELS]
            values = values.where(values.isin(top) | values.isna(), "__other__")
            X[c] = pd.Categorical(values)
        else:
            x = pd.to_numeric(X[c]).to_numpy(dtype=np.float64, na_value=np.nan)
            inf = np.isinf(x)
            if inf.any():  # +-inf: a value beyond every finite one, kept apart from missing
                finite = x[np.isfinite(x)]
                lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 0.0)
                pad = max(hi - lo, 1.0)
                x = np.where(inf, np.where(x > 0, hi + pad, lo - pad), x)
            X[c] = x
    return X


def domain_classifier(reference: pd.DataFrame, current: pd.DataFrame, columns=None, *, cv=5,
                      seed=0, max_rows=20_000, threshold=0.55,
                      n_repeats=5) -> DomainClassifierResult:
    """Cross-validated ROC-AUC of a classifier telling reference rows from current rows.

    A :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (native support for
    categorical columns and missing values) is scored by ``cv``-fold stratified
    cross-validation. Feature importances are permutation importances (drop in ROC-AUC
    when one column is shuffled, ``n_repeats`` times) on the held-out part of the first
    fold. The model runs on one thread: on (subsampled) data of this size more OpenMP
    threads gain little and, on a busy machine, can make it ten times slower.

    Parameters
    ----------
    reference, current : pandas.DataFrame
    columns : str or list, optional
        Columns to use (default: all reference columns; current must have them); one
        name is one column.
    cv : int, default 5
    seed : int, default 0
        Seeds the subsampling, the folds, the model and the permutations.
    max_rows : int, default 20000
        Each side is randomly subsampled to at most this many rows, for speed: 20k rows
        per side give an AUC standard error of about 0.003, plenty to tell 0.5 from 0.55.
    threshold : float, default 0.55
        Drift when the mean AUC is at or above it. Without any change the AUC is 0.5 give
        or take noise; 0.55 means the model is right about one pair in twenty more often
        than chance.
    n_repeats : int, default 5

    Returns
    -------
    DomainClassifierResult
        ``auc``, ``auc_std``, ``threshold``, ``drifted``, ``n_reference``, ``n_current``
        and ``importances`` (columns ``feature``, ``importance``, ``importance_std``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    >>> cur = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(2, size=300)})
    >>> res = domain_classifier(ref, cur, cv=3, n_repeats=2)
    >>> res.drifted, res.importances["feature"].iloc[0]
    (True, 'b')
    """
    require_frame(reference, "reference")
    require_frame(current, "current")
    columns = list(reference.columns) if columns is None else column_list(columns)
    if not columns:
        raise ValueError("columns is empty: pass at least one column name, or None for all.")
    require_columns(reference, columns, "reference")
    require_columns(current, columns, "current")
    cv = positive_int(cv, "cv")
    if cv < 2:
        raise ValueError(f"cv must be at least 2 folds, got {cv}.")
    max_rows = positive_int(max_rows, "max_rows")
    n_repeats = positive_int(n_repeats, "n_repeats")
    threshold = probability(threshold, "threshold")
    if min(len(reference), len(current), max_rows) < cv:
        raise ValueError(
            f"Need at least cv={cv} rows on each side to cross-validate: pass more rows or "
            f"a smaller cv."
        )
    kinds = column_kinds(reference, columns)
    rng = np.random.default_rng(seed)
    ref = _subsample(reference, max_rows, rng)
    cur = _subsample(current, max_rows, rng)
    X = _design(ref, cur, columns, kinds)
    y = np.r_[np.zeros(len(ref), dtype=int), np.ones(len(cur), dtype=int)]

    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    with threadpool_limits(limits=1, user_api="openmp"):
        scores = cross_validate(model, X, y, cv=folds, scoring="roc_auc",
                                return_estimator=True, return_indices=True)
        held_out = scores["indices"]["test"][0]
        perm = permutation_importance(
            scores["estimator"][0], X.iloc[held_out], y[held_out], scoring="roc_auc",
            n_repeats=n_repeats, random_state=seed,
        )
    auc = float(np.mean(scores["test_score"]))
    importances = (
        pd.DataFrame({"feature": columns, "importance": perm.importances_mean,
                      "importance_std": perm.importances_std})
        .sort_values("importance", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    return DomainClassifierResult(
        auc, float(np.std(scores["test_score"])), threshold, auc >= threshold, len(ref), len(cur),
        importances,
    )

"""The credit-risk model every scenario deploys: a binned logistic scorecard.

A scikit-learn :class:`~sklearn.pipeline.Pipeline` of :class:`ScorecardBins`
(quantile bins for numeric columns, one indicator per category, and an
employment-type x debt-to-income interaction) and a
:class:`~sklearn.linear_model.LogisticRegression`. Binned logistic scorecards
are what lenders actually run; the bins capture the hinges of the world and
the interaction its employment-dependent debt effect, so the model comes close
to the best achievable ROC-AUC (about 0.80 on the reference period). A missing
value or an unseen category switches on a "missing" indicator instead of
crashing, and scoring a million rows takes a fraction of a second (a gradient
boosting model of the same accuracy was 5-10x slower to score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .world import CATEGORICAL_FEATURES, NUMERIC_FEATURES

#: Rows in the model's own training sample, drawn from the reference period
#: with a seed of its own (the ``reference`` frame stays out-of-sample).
N_TRAIN = 20_000


class ScorecardBins(TransformerMixin, BaseEstimator):
    """Turn applications into the indicator columns of a credit scorecard.

    Each numeric column is cut into ``n_bins`` quantile bins learnt in ``fit``
    (values outside the training range fall in the first or last bin); each
    categorical column (pandas ``str``, ``category`` or ``object`` dtype) gets
    one indicator per level seen in ``fit``; each ``interactions`` pair
    ``(categorical, numeric)`` gets one indicator per level x bin. A missing
    value, or a category never seen in ``fit``, switches on a "missing"
    indicator of its own, so a pipeline bug degrades the score instead of
    crashing it. The output is a sparse CSR matrix with one non-zero per
    block and row.

    Parameters
    ----------
    categorical, numeric : list of str
        Column names.
    interactions : list of (str, str), optional
        ``(categorical, numeric)`` pairs whose effect depends on each other.
    n_bins : int, default 10
        Quantile bins per numeric column.

    Examples
    --------
    >>> import pandas as pd
    >>> enc = ScorecardBins(categorical=["c"], numeric=["x"], n_bins=2)
    >>> enc = enc.fit(pd.DataFrame({"c": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]}))
    >>> enc.get_feature_names_out().tolist()
    ['c=a', 'c=b', 'c=missing', 'x:bin0', 'x:bin1', 'x:missing']
    >>> enc.transform(pd.DataFrame({"c": ["zzz"], "x": [2.5]})).toarray().tolist()
    [[0.0, 0.0, 1.0, 0.0, 1.0, 0.0]]
    """

    def __init__(self, categorical=None, numeric=None, interactions=None, n_bins=10):
        self.categorical = categorical
        self.numeric = numeric
        self.interactions = interactions
        self.n_bins = n_bins

    def fit(self, X, y=None):
        frame = self._check(X)
        self.levels_ = {
            c: sorted(str(v) for v in frame[c].dropna().unique()) for c in self.categorical
        }
        qs = np.linspace(0, 1, self.n_bins + 1)[1:-1]
        # Inner edges only; duplicates (e.g. many zero counts) collapse to fewer bins.
        self.edges_ = {
            c: np.unique(np.nanquantile(frame[c].to_numpy(dtype=np.float64), qs))
            for c in self.numeric
        }
        self.n_features_in_ = len(self.categorical) + len(self.numeric)
        names = []
        for c in self.categorical:
            names += [f"{c}={v}" for v in self.levels_[c]] + [f"{c}=missing"]
        for c in self.numeric:
            names += [f"{c}:bin{i}" for i in range(len(self.edges_[c]) + 1)] + [f"{c}:missing"]
        for cat, num in self._pairs():
            names += [
                f"{cat}={v}&{num}:bin{i}"
                for v in self.levels_[cat]
                for i in range(len(self.edges_[num]) + 1)
            ] + [f"{cat}&{num}:missing"]
        self.feature_names_out_ = np.asarray(names, dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self, "levels_")
        frame = self._check(X)
        n, pairs = len(frame), self._pairs()
        m = len(self.categorical) + len(self.numeric) + len(pairs)
        # One column index per block and row, written in place (no big temporaries):
        # block j uses columns offset_j .. offset_j + width_j - 1, the last one "missing".
        cols = np.empty((n, m), dtype=np.int32)
        codes, offset, j = {}, 0, 0
        for c in self.categorical:
            k = len(self.levels_[c])
            code = _codes(frame[c], self.levels_[c])
            code[code < 0] = k
            codes[c] = (code, k)
            cols[:, j] = code + offset
            offset, j = offset + k + 1, j + 1
        for c in self.numeric:
            x = frame[c].to_numpy(dtype=np.float64, na_value=np.nan)
            k = len(self.edges_[c]) + 1
            code = np.searchsorted(self.edges_[c], x, side="right")
            code[np.isnan(x)] = k
            codes[c] = (code, k)
            cols[:, j] = code + offset
            offset, j = offset + k + 1, j + 1
        for cat, num in pairs:
            (cc, kc), (nc, kn) = codes[cat], codes[num]
            both = cc * kn + nc
            both[(cc == kc) | (nc == kn)] = kc * kn
            cols[:, j] = both + offset
            offset, j = offset + kc * kn + 1, j + 1
        return sparse.csr_matrix(
            (np.ones(n * m), cols.ravel(), np.arange(0, n * m + 1, m, dtype=np.int64)),
            shape=(n, offset),
        )

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_

    def _pairs(self) -> list[tuple[str, str]]:
        return [tuple(p) for p in (self.interactions or [])]

    def _check(self, X) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(
                f"the model expects a pandas DataFrame with the feature columns, got "
                f"{type(X).__name__}: pass frame[scenario.features]."
            )
        missing = [c for c in [*self.categorical, *self.numeric] if c not in X.columns]
        if missing:
            raise ValueError(
                f"X has no column(s) {missing}: pass frame[scenario.features] with every feature."
            )
        return X


def _codes(series: pd.Series, levels: list[str]) -> np.ndarray:
    """Position of each value among ``levels``; -1 when missing or unseen."""
    # pyarrow's index_in is a vectorised dictionary look-up: fast on millions of rows.
    if not isinstance(series.dtype, pd.StringDtype):
        series = series.astype(pd.StringDtype(na_value=np.nan))
    found = pc.index_in(pa.array(series), value_set=pa.array(levels, type=pa.large_string()))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def build_model(seed: int = 0) -> Pipeline:
    """Return the unfitted credit-risk pipeline (a binned logistic scorecard).

    Examples
    --------
    >>> [name for name, _ in build_model().steps]
    ['scorecard', 'classifier']
    """
    return Pipeline(
        [
            (
                "scorecard",
                ScorecardBins(
                    list(CATEGORICAL_FEATURES),
                    list(NUMERIC_FEATURES),
                    interactions=[("employment_type", "debt_to_income")],
                    n_bins=10,
                ),
            ),
            ("classifier", LogisticRegression(C=0.5, max_iter=2000, random_state=seed)),
        ]
    )

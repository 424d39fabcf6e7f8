"""Reference-fixed bins for drawing reference-vs-current distributions without raw rows.

Bins are learned once from the reference (scikit-learn style: ``fit`` then
``transform``): numeric columns get ``n_bins`` quantile bins whose outer edges are
open (``-inf``/``inf``), so every current value lands in a bin; categorical columns
get one bin per reference category plus ``"(other)"`` for categories the reference
never had. Shares are over non-missing values (missing rates are reported
separately). Counts over fixed bins add up across chunks, so the same bins serve
data processed piece by piece.

Examples
--------
>>> import pandas as pd
>>> ref = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", "b"]})
>>> bins = ReferenceBins(n_bins=2).fit(ref, ["x", "c"])
>>> bins.transform(pd.DataFrame({"x": [1.0, 1.0], "c": ["a", "z"]}))[["column", "bin", "reference_share", "current_share"]]
  column        bin  reference_share  current_share
0      x  (-inf, 2.5]              0.5            1.0
1      x   (2.5, inf]              0.5            0.0
2      c          a              0.5            0.5
3      c          b              0.5            0.0
4      c    (other)              0.0            0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from modellab._validate import positive_int

HISTOGRAM_COLUMNS = [
    "column", "bin_index", "bin", "left", "right", "reference_share", "current_share",
]
OTHER = "(other)"


def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else np.full(counts.shape, np.nan)


class ReferenceBins:
    """Bins (numeric) or categories (categorical) per column, fixed by the reference."""

    def __init__(self, n_bins: int = 10):
        self.n_bins = positive_int(n_bins, "n_bins")

    def fit(self, reference: pd.DataFrame, columns) -> ReferenceBins:
        self.edges_: dict[str, np.ndarray] = {}
        self.categories_: dict[str, list[str]] = {}
        self.reference_shares_: dict[str, np.ndarray] = {}
        for col in columns:
            values = reference[col]
            if is_numeric(values):
                x = values.to_numpy(dtype=float, na_value=np.nan)
                x = x[~np.isnan(x)]
                inner = np.unique(np.quantile(x, np.linspace(0, 1, self.n_bins + 1)[1:-1])) if x.size else np.array([])
                self.edges_[col] = np.concatenate([[-np.inf], inner, [np.inf]])
            else:
                counts = values.dropna().astype(str).value_counts()
                self.categories_[col] = sorted(counts.index.tolist())
            self.reference_shares_[col] = _shares(self._counts(col, values))
        self.columns_ = list(columns)
        return self

    def _counts(self, col: str, values: pd.Series) -> np.ndarray:
        if col in self.edges_:
            x = values.to_numpy(dtype=float, na_value=np.nan) if is_numeric(values) else pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            x = x[~np.isnan(x)]
            edges = self.edges_[col]
            # right-closed bins (a, b]: searchsorted on inner edges puts x == edge in the lower bin
            idx = np.searchsorted(edges[1:-1], x, side="left")
            return np.bincount(idx, minlength=len(edges) - 1).astype(float)
        cats = self.categories_[col]
        counts = values.dropna().astype(str).value_counts()
        known = counts.reindex(cats, fill_value=0).to_numpy(dtype=float)
        other = float(counts.drop(cats, errors="ignore").sum())
        return np.append(known, other)

    def transform(self, current: pd.DataFrame) -> pd.DataFrame:
        """Tidy shares of ``current`` next to the reference's: columns :data:`HISTOGRAM_COLUMNS`."""
        parts = []
        for col in self.columns_:
            cur = _shares(self._counts(col, current[col]))
            ref = self.reference_shares_[col]
            if col in self.edges_:
                e = self.edges_[col]
                left, right = e[:-1], e[1:]
                labels = [f"({a:.4g}, {b:.4g}]" for a, b in zip(left, right, strict=True)]
            else:
                labels = [*self.categories_[col], OTHER]
                left = right = np.full(len(labels), np.nan)
            parts.append(pd.DataFrame({
                "column": col, "bin_index": np.arange(len(labels)), "bin": labels,
                "left": left, "right": right, "reference_share": ref, "current_share": cur,
            }))
        return pd.concat(parts, ignore_index=True)[HISTOGRAM_COLUMNS]

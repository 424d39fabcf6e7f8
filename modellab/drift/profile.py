"""Mergeable summaries of a reference frame, and counts of current data over them.

A :class:`ReferenceProfile` is what a fitted detector keeps instead of the reference rows:

- numeric column: ``fine_bins`` (100) bin edges at reference quantiles (min and max
  included; ties merge bins), the coarse ``bins`` (10) edges used by chi2/PSI/JS (every
  10th fine edge), the reference counts per fine bin, and the mean and standard deviation;
- categorical column: the reference categories and their counts.

Current data are summarised by :meth:`ReferenceProfile.summarise` into a
:class:`FrameCounts` (one :class:`ColumnCounts` per column). Counts add up, so a large
table can be summarised chunk by chunk and the parts combined with
:meth:`FrameCounts.merge`; the tests only ever need the merged counts.

Numeric counts hold ``[below min, bin 0, ..., bin K-1, above max]``, the sum of the values
in each of those (they give the area under the CDF in each bin, hence the Wasserstein
distance), the total and the total of squares (moments). Categorical counts hold one
count per reference category plus a ``{label: count}`` dict of categories the reference
never had ("unseen").

The profile saves to a small JSON file (:meth:`ReferenceProfile.to_dict`) holding only
edges, counts, moments and category labels: never reference rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from modellab._validate import require_columns, require_frame
from modellab.drift import _stats
from modellab.drift._samples import category_counts, kind_of, numeric_sample

FORMAT = "modellab.drift.profile"
VERSION = 1


@dataclass(frozen=True, eq=False)
class ColumnCounts:
    """Counts of one column's values over the bins/categories fixed by the reference.

    Attributes
    ----------
    column, kind : str
    counts : numpy.ndarray of int64
        Numeric: ``[below, bin 0..K-1, above]``. Categorical: one per reference category.
    n_missing : int
        Missing values seen (not in ``counts``).
    total, total_sq : float
        Sum and sum of squares of the values (numeric; 0 for categorical).
    sums : numpy.ndarray of float64
        Numeric: sum of the values in each entry of ``counts`` (empty for categorical).
    unseen : dict
        Categorical: ``{label: count}`` for categories absent from the reference.
    """

    column: str
    kind: str
    counts: np.ndarray
    n_missing: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    sums: np.ndarray = field(default_factory=lambda: np.zeros(0))
    unseen: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Non-missing values counted (unseen categories included)."""
        return int(self.counts.sum()) + int(sum(self.unseen.values()))

    @property
    def n_unseen(self) -> int:
        return int(sum(self.unseen.values()))

    def merge(self, other: ColumnCounts) -> ColumnCounts:
        """Counts of both parts together (the order of merging does not matter)."""
        if not isinstance(other, ColumnCounts):
            raise TypeError(f"merge expects ColumnCounts, got {type(other).__name__}.")
        if (other.column, other.kind, other.counts.shape) != (
            self.column, self.kind, self.counts.shape
        ):
            raise ValueError(
                f"Cannot merge counts of {other.column!r} ({other.kind}, {other.counts.size} "
                f"bins) into {self.column!r} ({self.kind}, {self.counts.size} bins): summarise "
                f"every chunk with the same fitted profile."
            )
        unseen = dict(self.unseen)
        for label, n in other.unseen.items():
            unseen[label] = unseen.get(label, 0) + n
        return ColumnCounts(
            self.column, self.kind, self.counts + other.counts, self.n_missing + other.n_missing,
            self.total + other.total, self.total_sq + other.total_sq, self.sums + other.sums,
            unseen,
        )

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "counts": self.counts.tolist(), "n_missing": self.n_missing,
            "total": self.total, "total_sq": self.total_sq, "sums": self.sums.tolist(),
            "unseen": [[k, v] for k, v in self.unseen.items()],
        }

    @classmethod
    def from_dict(cls, column: str, d: Mapping) -> ColumnCounts:
        return cls(
            column, d["kind"], np.asarray(d["counts"], dtype=np.int64), int(d["n_missing"]),
            float(d["total"]), float(d["total_sq"]), np.asarray(d["sums"], dtype=np.float64),
            {k: int(v) for k, v in d["unseen"]},
        )


class FrameCounts(Mapping):
    """Column name -> :class:`ColumnCounts` for one chunk (or merged chunks) of data."""

    def __init__(self, counts: Mapping[str, ColumnCounts], n_rows: int):
        self._counts = dict(counts)
        self.n_rows = int(n_rows)

    def __getitem__(self, column: str) -> ColumnCounts:
        return self._counts[column]

    def __iter__(self):
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def merge(self, other: FrameCounts) -> FrameCounts:
        """Counts of both chunks together; both must cover the same columns."""
        if not isinstance(other, FrameCounts):
            raise TypeError(f"merge expects FrameCounts, got {type(other).__name__}.")
        if set(other) != set(self):
            raise ValueError(
                f"Cannot merge counts over different columns ({sorted(self)} vs "
                f"{sorted(other)}): summarise every chunk with the same fitted profile."
            )
        return FrameCounts({c: self[c].merge(other[c]) for c in self}, self.n_rows + other.n_rows)

    def __repr__(self) -> str:
        return f"FrameCounts(n_rows={self.n_rows}, columns={list(self)})"


class ColumnProfile:
    """Reference summary of one column; :meth:`summarise` counts new values over it."""

    def __init__(self, column, kind, source_kind, reference: ColumnCounts, *, edges=None,
                 coarse_edges=None, categories=None):
        self.column, self.kind, self.source_kind = column, kind, source_kind
        self.reference = reference
        if kind == "numeric":
            self.edges = np.asarray(edges, dtype=np.float64)
            self.coarse_edges = np.asarray(coarse_edges, dtype=np.float64)
            self.index = _stats.BinIndex(self.edges)
        else:
            self.categories = pd.Index(list(categories), dtype=object)

    @property
    def mean(self) -> float:
        return self.reference.total / self.reference.n

    @property
    def std(self) -> float:
        """Population standard deviation (``ddof=0``) from the moments."""
        n = self.reference.n
        return float(np.sqrt(max(self.reference.total_sq / n - self.mean**2, 0.0)))

    @classmethod
    def fit(cls, series: pd.Series, column, kind, *, fine_bins, bins, max_categories):
        source_kind = kind_of(series)
        name = f"reference[{column!r}]"
        if kind == "numeric":
            values, n_missing = numeric_sample(series, name)
            quantiles = np.quantile(values, np.arange(fine_bins + 1) / fine_bins)
            edges = np.unique(quantiles)
            coarse = np.unique(quantiles[:: fine_bins // bins])
            if edges.size == 1:
                edges = coarse = np.repeat(edges, 2)
            profile = cls(column, kind, source_kind, None, edges=edges, coarse_edges=coarse)
            counts, sums = _stats.numeric_counts(values, profile.index)
            profile.reference = ColumnCounts(
                column, kind, counts, n_missing, float(values.sum()),
                float(np.dot(values, values)), sums,
            )
            return profile
        counts, n_missing = category_counts(series, name)
        if counts.size > max_categories:
            raise ValueError(
                f"reference column {column!r} has {counts.size} distinct values, more than "
                f"max_categories={max_categories}: it looks like an identifier. Leave it out "
                f"with columns=[...] or raise max_categories."
            )
        reference = ColumnCounts(column, kind, counts.to_numpy(np.int64), n_missing)
        return cls(column, kind, source_kind, reference, categories=counts.index)

    def summarise(self, series: pd.Series) -> ColumnCounts:
        """Counts of ``series`` over this reference's bins or categories."""
        if self.kind == "numeric":
            if isinstance(series, pd.Series) and pd.api.types.is_numeric_dtype(series.dtype):
                values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                values, _ = numeric_sample(series, f"current[{self.column!r}]")
            total, n_missing = float(values.sum()), 0
            if np.isnan(total):  # only then look for NaN (saves a pass over clean data)
                missing = np.isnan(values)
                n_missing = int(np.count_nonzero(missing))
                values = values[~missing]
                total = float(values.sum())
            counts, sums = _stats.numeric_counts(values, self.index)
            return ColumnCounts(
                self.column, "numeric", counts, n_missing, total,
                float(np.dot(values, values)), sums,
            )
        if len(series) == 0 or series.isna().all():
            return ColumnCounts(self.column, "categorical", np.zeros(len(self.categories),
                                np.int64), int(len(series)))
        counts, n_missing = category_counts(series, f"current[{self.column!r}]")
        unseen = counts.index.difference(self.categories, sort=False)
        aligned = counts.reindex(self.categories, fill_value=0).to_numpy(np.int64)
        return ColumnCounts(
            self.column, "categorical", aligned, n_missing,
            unseen={k: int(counts[k]) for k in unseen},
        )

    def to_dict(self) -> dict:
        d = {"kind": self.kind, "source_kind": self.source_kind,
             "reference": self.reference.to_dict()}
        if self.kind == "numeric":
            d["edges"] = self.edges.tolist()
            d["coarse_edges"] = self.coarse_edges.tolist()
        else:
            labels = self.categories.tolist()
            bad = [v for v in labels if not isinstance(v, (str, int, float, bool))]
            if bad:
                raise TypeError(
                    f"Column {self.column!r} has category labels of type "
                    f"{type(bad[0]).__name__} that a JSON profile cannot hold: convert the "
                    f"column to str (df[col].astype(str)) before fitting."
                )
            d["categories"] = labels
        return d

    @classmethod
    def from_dict(cls, column: str, d: Mapping) -> ColumnProfile:
        reference = ColumnCounts.from_dict(column, d["reference"])
        return cls(column, d["kind"], d["source_kind"], reference, edges=d.get("edges"),
                   coarse_edges=d.get("coarse_edges"), categories=d.get("categories"))


def column_kinds(frame: pd.DataFrame, columns, categorical=()) -> dict[str, str]:
    """``{column: "numeric" | "categorical"}`` from dtypes, ``categorical`` forcing the latter."""
    kinds = {}
    for c in columns:
        try:
            kinds[c] = "categorical" if c in categorical else kind_of(frame[c])
        except TypeError as err:
            raise TypeError(f"Column {c!r}: {err}") from None
    return kinds


class ReferenceProfile:
    """Summaries of a reference frame that new data are compared with.

    Parameters are those of :meth:`from_frame`; build one with it.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ref = pd.DataFrame({"x": np.arange(1000.0), "c": ["a", "b"] * 500})
    >>> profile = ReferenceProfile.from_frame(ref)
    >>> parts = [profile.summarise(ref.iloc[:300]), profile.summarise(ref.iloc[300:])]
    >>> merged = parts[0].merge(parts[1])
    >>> merged.n_rows, merged["c"].counts.tolist()
    (1000, [500, 500])
    """

    def __init__(self, columns: Mapping[str, ColumnProfile], *, fine_bins: int, bins: int):
        self.columns = dict(columns)
        self.fine_bins, self.bins = fine_bins, bins

    @classmethod
    def from_frame(cls, frame, columns=None, *, fine_bins=100, bins=10, categorical=(),
                   max_categories=1000) -> ReferenceProfile:
        frame = require_frame(frame, "reference")
        columns = list(frame.columns) if columns is None else list(columns)
        if not columns:
            raise ValueError("columns is empty: pass at least one column name, or None for all.")
        require_columns(frame, columns, "reference")
        require_columns(frame, list(categorical), "reference")
        if fine_bins % bins:
            raise ValueError(
                f"fine_bins={fine_bins} must be a multiple of bins={bins} so that coarse "
                f"edges are fine edges: e.g. fine_bins=100, bins=10."
            )
        kinds = column_kinds(frame, columns, categorical)
        profiles = {
            c: ColumnProfile.fit(frame[c], c, kinds[c], fine_bins=fine_bins, bins=bins,
                                 max_categories=max_categories)
            for c in columns
        }
        return cls(profiles, fine_bins=fine_bins, bins=bins)

    @property
    def kinds(self) -> dict[str, str]:
        return {c: p.kind for c, p in self.columns.items()}

    def check_frame(self, frame, name: str = "current") -> pd.DataFrame:
        """Refuse frames that lack a profiled column or whose column kind changed."""
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
        require_columns(frame, list(self.columns), name)
        for c, p in self.columns.items():
            try:
                kind = kind_of(frame[c])
            except TypeError as err:
                raise TypeError(f"Column {c!r}: {err}") from None
            if kind != p.source_kind:
                raise TypeError(
                    f"Column {c!r} was {p.source_kind} in the reference but is {kind} "
                    f"(dtype {frame[c].dtype}) in {name}: convert it back (e.g. "
                    f"pd.to_numeric(...) or .astype(str)) or refit on matching data."
                )
        return frame

    def summarise(self, chunk: pd.DataFrame) -> FrameCounts:
        """Counts of one chunk of current data over the reference bins/categories."""
        chunk = self.check_frame(chunk, "chunk")
        counts = {c: p.summarise(chunk[c]) for c, p in self.columns.items()}
        return FrameCounts(counts, len(chunk))

    @property
    def reference(self) -> FrameCounts:
        """The reference's own counts."""
        counts = {c: p.reference for c, p in self.columns.items()}
        n = max(cc.n + cc.n_missing for cc in counts.values())
        return FrameCounts(counts, n)

    def to_dict(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION, "fine_bins": self.fine_bins, "bins": self.bins,
            "columns": [[c, p.to_dict()] for c, p in self.columns.items()],
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> ReferenceProfile:
        if not isinstance(d, Mapping) or d.get("format") != FORMAT:
            raise ValueError(
                "Not a modellab drift profile: load a file written by DriftDetector.save()."
            )
        if d.get("version") != VERSION:
            raise ValueError(
                f"Profile version {d.get('version')} is not supported (this modellab reads "
                f"version {VERSION}): refit the detector and save it again."
            )
        columns = {c: ColumnProfile.from_dict(c, p) for c, p in d["columns"]}
        return cls(columns, fine_bins=int(d["fine_bins"]), bins=int(d["bins"]))

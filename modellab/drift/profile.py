"""Mergeable summaries of a reference frame, and counts of current data over them.

A :class:`ReferenceProfile` is what a fitted detector keeps instead of the reference rows.
It is the package's only fitted binning: drift tests, the monitor's histograms and the
chunked (Parquet/Dask) paths all count over it. Each column is one of three kinds:

- ``numeric`` (continuous): ``fine_bins`` (100) bin edges at reference quantiles (min and
  max included), the coarse ``bins`` (10) edges used by chi2/PSI/JS (every 10th fine
  edge), the reference counts per fine bin, and the mean and standard deviation. A value
  on which quantile edges collapse (an *atom*, holding at least ``1/fine_bins`` of the
  rows: the zeros of a zero-inflated amount, a cap) gets a point bin of its own
  (:class:`~modellab.drift._stats.AtomIndex`), in the coarse bins too when it holds
  ``1/bins``;
- ``discrete``: a numeric column whose reference holds at most ``max_levels`` (20)
  distinct values, and at least 5 rows per value on average (0/1 flags, counts 0-5,
  ratings, a constant): binned on
  its levels and the gaps between them (:class:`~modellab.drift._stats.LevelIndex`), so
  quantile edges never collapse and the tests see every level;
- ``categorical``: the reference categories and their counts.

Current data are summarised by :meth:`ReferenceProfile.summarise` into a
:class:`FrameCounts` (one :class:`ColumnCounts` per column). Counts add up, so a large
table can be summarised chunk by chunk and the parts combined with
:meth:`FrameCounts.merge`; the tests only ever need the merged counts.

Numeric and discrete counts hold ``[below min, bin 0, ..., bin K-1, above max]``, the sum
of the values in each of those (they give the area under the CDF in each bin, hence the
Wasserstein distance), the total and the total of squares (moments). Missing values
(NaN) and infinite values are counted apart (``n_missing``, ``n_nonfinite``) and never
enter the bins. Categorical counts hold one count per reference category plus a
``{label: count}`` dict of categories the reference never had ("unseen"); the tests pool
the unseen ones into one extra bin, so a flood of new categories is drift.

The profile saves to a small JSON file (:meth:`ReferenceProfile.to_dict`) holding only
edges, levels, counts, moments and category labels: never reference rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from modellab._validate import as_1d, require_columns, require_frame
from modellab.drift import _stats
from modellab.drift._samples import category_counts, kind_of, numeric_sample

FORMAT = "modellab.drift.profile"
VERSION = 2

#: Column kinds of a fitted profile.
KINDS = ("numeric", "discrete", "categorical")

#: Histogram bin of current values the reference never had (categories, or discrete
#: values off the reference levels).
OTHER = "(other)"

#: A numeric column is discrete when it has at most ``max_levels`` distinct values and at
#: least this many rows per value on average.
MIN_ROWS_PER_LEVEL = 5

#: Columns of :meth:`ReferenceProfile.histograms`.
HISTOGRAM_COLUMNS = (
    "column", "bin_index", "bin", "left", "right", "reference_share", "current_share",
)


def column_list(columns, name: str = "columns") -> list | None:
    """``None``, or a list of column names; one name (``"income"``) is one column.

    The one rule for every drift function that takes ``columns``/``categorical``: a
    string is a single column name, never a sequence of letters.
    """
    if columns is None:
        return None
    if isinstance(columns, (str, bytes)) or not hasattr(columns, "__iter__"):
        return [columns]
    if isinstance(columns, Mapping):
        raise TypeError(f"{name} must be a column name or a list of them, got a dict.")
    return list(columns)


@dataclass(frozen=True, eq=False)
class ColumnCounts:
    """Counts of one column's values over the bins/categories fixed by the reference.

    Attributes
    ----------
    column, kind : str
    counts : numpy.ndarray of int64
        Numeric/discrete: ``[below, bin 0..K-1, above]``. Categorical: one per reference
        category.
    n_missing : int
        Missing values seen (not in ``counts``).
    total, total_sq : float
        Sum and sum of squares of the finite values (numeric; 0 for categorical).
    sums : numpy.ndarray of float64
        Numeric: sum of the values in each entry of ``counts`` (empty for categorical).
    unseen : dict
        Categorical: ``{label: count}`` for categories absent from the reference (their
        total is :attr:`n_unseen`, which for discrete columns counts the values off the
        reference levels).
    n_nonfinite : int
        Infinite values seen (numeric; not in ``counts``): a data-quality signal.
    """

    column: str
    kind: str
    counts: np.ndarray
    n_missing: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    sums: np.ndarray = field(default_factory=lambda: np.zeros(0))
    unseen: dict = field(default_factory=dict)
    n_nonfinite: int = 0

    @property
    def n(self) -> int:
        """Values counted in the tests: non-missing, finite (unseen categories included)."""
        return int(self.counts.sum()) + int(sum(self.unseen.values()))

    @property
    def n_unseen(self) -> int:
        """Values the reference never had: unseen categories, or (discrete) values off the
        reference levels; 0 for numeric columns."""
        if self.kind == "discrete":
            return int(self.counts.sum() - self.counts[1::2].sum())
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
            unseen, self.n_nonfinite + other.n_nonfinite,
        )

    __add__ = merge

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "counts": self.counts.tolist(), "n_missing": self.n_missing,
            "n_nonfinite": self.n_nonfinite, "total": self.total, "total_sq": self.total_sq,
            "sums": self.sums.tolist(), "unseen": [[k, v] for k, v in self.unseen.items()],
        }

    @classmethod
    def from_dict(cls, column: str, d: Mapping) -> ColumnCounts:
        counts = np.asarray(d["counts"], dtype=np.int64)
        sums = np.asarray(d["sums"], dtype=np.float64)
        out = cls(
            column, d["kind"], counts, int(d["n_missing"]), float(d["total"]),
            float(d["total_sq"]), sums, {k: int(v) for k, v in d["unseen"]},
            int(d["n_nonfinite"]),
        )
        if counts.ndim != 1 or (counts < 0).any() or out.n_missing < 0 or out.n_nonfinite < 0:
            raise ValueError(f"column {column!r}: counts must be whole numbers >= 0")
        if sums.ndim != 1 or not (np.isfinite(sums).all() and np.isfinite(out.total)
                                  and np.isfinite(out.total_sq)):
            raise ValueError(f"column {column!r}: sums must be finite numbers")
        return out


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
                 coarse_edges=None, levels=None, categories=None, atoms=(), coarse_atoms=()):
        self.column, self.kind, self.source_kind = column, kind, source_kind
        self.reference = reference
        if kind == "numeric":
            self.unique_edges = np.asarray(edges, dtype=np.float64)
            self.coarse_edges = np.asarray(coarse_edges, dtype=np.float64)
            self.atoms = np.asarray(atoms, dtype=np.float64)
            self.coarse_atoms = np.asarray(coarse_atoms, dtype=np.float64)
            if self.atoms.size:  # values holding >= 1/fine_bins of the rows: point bins
                self.index = _stats.AtomIndex(self.unique_edges, self.atoms)
                self._coarse = _stats.AtomIndex(self.coarse_edges, self.coarse_atoms)
                self._coarse_starts = _stats.atom_starts(self.index, self._coarse)
            else:
                self.index = _stats.BinIndex(self.unique_edges)
                self._coarse = None
                self._coarse_starts = np.searchsorted(self.unique_edges, self.coarse_edges[:-1])
            #: Bin edges, each atom twice (its point bin has zero width): Wasserstein, KS.
            self.edges = self.index.edges
        elif kind == "discrete":
            self.index = _stats.LevelIndex(levels)
            self.levels = self.index.levels
            self.edges = self.index.edges
        else:
            self.categories = pd.Index(list(categories), dtype=object)

    @property
    def _name(self) -> str:
        """How error messages name current values of this column."""
        return "current" if self.column is None else f"current[{self.column!r}]"

    @property
    def mean(self) -> float:
        return self.reference.total / self.reference.n

    @property
    def std(self) -> float:
        """Population standard deviation (``ddof=0``) from the moments."""
        n = self.reference.n
        return float(np.sqrt(max(self.reference.total_sq / n - self.mean**2, 0.0)))

    @classmethod
    def fit(cls, series: pd.Series, column, kind, *, fine_bins, bins, max_categories,
            max_levels=20):
        """Fit one column; ``kind`` is ``"numeric"`` or ``"categorical"`` (from the dtype).

        A numeric column whose reference holds at most ``max_levels`` distinct finite
        values, and at least 5 rows per value on average (the usual chi-squared rule of
        thumb; a single value always), is ``discrete``. A tiny reference of a continuous
        column (20 rows, 5 values) stays ``numeric``: its repeated values (atoms) get point
        bins there.
        """
        source_kind = kind_of(series)
        name = "reference" if column is None else f"reference[{column!r}]"
        if kind == "numeric":
            values, n_missing, n_nonfinite = numeric_sample(series, name)
            quantiles = np.quantile(values, np.arange(fine_bins + 1) / fine_bins)
            edges, repeats = np.unique(quantiles, return_counts=True)
            # Few distinct values anywhere means few in the first rows: a cheap gate
            # before the full np.unique (quantile edges interpolate, so they cannot tell).
            levels = np.unique(values[:4096])
            if levels.size <= max_levels and values.size > 4096:
                on = levels[np.minimum(np.searchsorted(levels, values), levels.size - 1)] == values
                if not on.all():  # levels beyond the first rows: count them all
                    levels = np.unique(values)
            if levels.size == 1 or (levels.size <= max_levels
                                    and MIN_ROWS_PER_LEVEL * levels.size <= values.size):
                profile = cls(column, "discrete", source_kind, None, levels=levels)
            else:
                coarse, coarse_repeats = np.unique(quantiles[:: fine_bins // bins],
                                                   return_counts=True)
                profile = cls(column, kind, source_kind, None, edges=edges, coarse_edges=coarse,
                              atoms=edges[repeats > 1], coarse_atoms=coarse[coarse_repeats > 1])
            counts, sums = _stats.numeric_counts(values, profile.index)
            profile.reference = ColumnCounts(
                column, profile.kind, counts, n_missing, float(values.sum()),
                float(np.dot(values, values)), sums, n_nonfinite=n_nonfinite,
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
        """Counts of ``series`` over this reference's bins, levels or categories."""
        if self.kind != "categorical":
            if isinstance(series, pd.Series) and pd.api.types.is_numeric_dtype(series.dtype):
                values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                values, _, _ = numeric_sample(series, self._name)
            with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: NaN, looked at next
                total, n_missing, n_nonfinite = float(values.sum()), 0, 0
            if not np.isfinite(total):  # only then look for NaN/inf (one pass on clean data)
                finite = np.isfinite(values)
                n_missing = int(np.count_nonzero(np.isnan(values)))
                n_nonfinite = int(values.size - n_missing - np.count_nonzero(finite))
                values = values[finite]
                total = float(values.sum())
            counts, sums = _stats.numeric_counts(values, self.index)
            return ColumnCounts(
                self.column, self.kind, counts, n_missing, total,
                float(np.dot(values, values)), sums, n_nonfinite=n_nonfinite,
            )
        if not isinstance(series, pd.Series):
            series = pd.Series(as_1d(series, self._name))
        if len(series) == 0 or series.isna().all():
            return ColumnCounts(self.column, "categorical", np.zeros(len(self.categories),
                                np.int64), int(len(series)))
        counts, n_missing = category_counts(series, self._name)
        unseen = counts.index.difference(self.categories, sort=False)
        aligned = counts.reindex(self.categories, fill_value=0).to_numpy(np.int64)
        return ColumnCounts(
            self.column, "categorical", aligned, n_missing,
            unseen=dict(zip(unseen.tolist(), counts[unseen].tolist(), strict=True)),
        )

    def binned(self, current: ColumnCounts) -> tuple[np.ndarray, np.ndarray]:
        """Reference and current counts over the bins chi2, PSI and Jensen-Shannon use.

        Numeric: the coarse reference-quantile bins, outer bins open-ended. Discrete:
        every reference level, then one bin pooling all values off the levels (between,
        below or above them; empty in the reference). Categorical: every reference
        category, then one bin pooling all unseen categories.
        """
        ref = self.reference
        if self.kind == "numeric":
            return tuple(np.add.reduceat(_stats.open_bins(c), self._coarse_starts)
                         for c in (ref.counts, current.counts))
        if self.kind == "discrete":
            return tuple(np.r_[c[1::2], c.sum() - c[1::2].sum()]
                         for c in (ref.counts, current.counts))
        return (np.append(ref.counts, 0), np.append(current.counts, current.n_unseen))

    def histogram(self, current: ColumnCounts) -> pd.DataFrame:
        """Reference and current shares over this column's display bins (see
        :meth:`ReferenceProfile.histograms`)."""
        ref_c, cur_c = self.binned(current)
        if self.kind == "numeric":
            left, right, labels = self._coarse_bins()
        else:
            if self.kind == "discrete":  # each level, then everything off the levels
                values = self.levels.tolist()
                labels = [f"{v:g}" for v in values]
            else:
                values = [np.nan] * len(self.categories)
                labels = [str(c) for c in self.categories]
            labels.append(OTHER)
            left = right = np.r_[values, np.nan]
        with np.errstate(invalid="ignore", divide="ignore"):
            ref_s, cur_s = (c / c.sum() for c in (ref_c.astype(float), cur_c.astype(float)))
        return pd.DataFrame({
            "column": self.column, "bin_index": np.arange(len(labels)), "bin": labels,
            "left": left, "right": right, "reference_share": ref_s, "current_share": cur_s,
        })

    def _coarse_bins(self):
        """``left``, ``right`` and labels of the coarse bins (outer bins open-ended)."""
        if self._coarse is None:
            inner = self.coarse_edges[1:-1]
            left, right = np.r_[-np.inf, inner], np.r_[inner, np.inf]
            return left, right, [f"[{a:.4g}, {b:.4g})" for a, b in zip(left, right, strict=True)]
        edges = self._coarse.edges
        left, right = edges[:-1].copy(), edges[1:].copy()
        left[0], right[-1] = -np.inf, np.inf
        labels = []
        for (kind, v), a, b in zip(self._coarse.bins(), left, right, strict=True):
            if kind == "P":  # an atom's own bin (open towards the outside when outermost)
                labels.append(f"{v:.4g}" if a == b else
                              f"(-inf, {v:.4g}]" if a == -np.inf else f"[{v:.4g}, inf)")
            else:
                opening = "(" if v in self.coarse_atoms or a == -np.inf else "["
                labels.append(f"{opening}{a:.4g}, {b:.4g})")
        return left, right, labels

    def to_dict(self) -> dict:
        d = {"kind": self.kind, "source_kind": self.source_kind,
             "reference": self.reference.to_dict()}
        if self.kind == "numeric":
            d["edges"] = self.unique_edges.tolist()
            d["coarse_edges"] = self.coarse_edges.tolist()
            d["atoms"] = self.atoms.tolist()
            d["coarse_atoms"] = self.coarse_atoms.tolist()
        elif self.kind == "discrete":
            d["levels"] = self.levels.tolist()
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
        """Rebuild a column from :meth:`to_dict`; ``ValueError`` naming what is inconsistent."""
        kind = d["kind"]
        if kind not in KINDS or d["source_kind"] not in ("numeric", "categorical"):
            raise ValueError(f"column {column!r}: unknown kind {kind!r}")
        reference = ColumnCounts.from_dict(column, d["reference"])
        if reference.kind != kind or reference.n == 0:
            raise ValueError(f"column {column!r}: reference counts are empty or of another kind")
        size = reference.counts.size
        if kind == "numeric":
            edges = np.asarray(d["edges"], dtype=np.float64)
            coarse = np.asarray(d["coarse_edges"], dtype=np.float64)
            atoms = np.asarray(d["atoms"], dtype=np.float64)
            coarse_atoms = np.asarray(d["coarse_atoms"], dtype=np.float64)
            if (edges.ndim != 1 or edges.size < 2 or not np.isfinite(edges).all()
                    or not (np.diff(edges) > 0).all() or atoms.ndim != 1
                    or coarse_atoms.ndim != 1 or len(set(atoms.tolist())) != atoms.size
                    or not np.isin(atoms, edges).all() or not np.isin(coarse_atoms, atoms).all()
                    or size != edges.size + atoms.size + 1
                    or reference.sums.size != size or coarse.ndim != 1 or coarse.size < 2
                    or not np.isin(coarse, edges).all() or coarse[0] != edges[0]
                    or coarse[-1] != edges[-1] or not (np.diff(coarse) > 0).all()
                    or not np.isin(coarse_atoms, coarse).all()
                    or len(set(coarse_atoms.tolist())) != coarse_atoms.size):
                raise ValueError(f"column {column!r}: bin edges and counts do not match")
            return cls(column, kind, d["source_kind"], reference, edges=edges,
                       coarse_edges=coarse, atoms=atoms, coarse_atoms=coarse_atoms)
        if kind == "discrete":
            levels = np.asarray(d["levels"], dtype=np.float64)
            if (levels.ndim != 1 or levels.size < 1 or not np.isfinite(levels).all()
                    or not (np.diff(levels) > 0).all() or size != 2 * levels.size + 1
                    or reference.sums.size != size):
                raise ValueError(f"column {column!r}: levels and counts do not match")
            return cls(column, kind, d["source_kind"], reference, levels=levels)
        categories = list(d["categories"])
        if (size != len(categories) or len(set(map(repr, categories))) != len(categories)
                or not all(isinstance(v, (str, int, float, bool)) for v in categories)):
            raise ValueError(f"column {column!r}: categories and counts do not match")
        return cls(column, kind, d["source_kind"], reference, categories=categories)


def column_kinds(frame: pd.DataFrame, columns, categorical=()) -> dict[str, str]:
    """``{column: "numeric" | "categorical"}`` from dtypes, ``categorical`` forcing the latter.

    Numeric columns become ``discrete`` when fitted (:meth:`ColumnProfile.fit`).
    """
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
    >>> ref = pd.DataFrame({"x": np.arange(1000.0), "flag": [0, 1] * 500, "c": ["a", "b"] * 500})
    >>> profile = ReferenceProfile.from_frame(ref)
    >>> profile.kinds
    {'x': 'numeric', 'flag': 'discrete', 'c': 'categorical'}
    >>> parts = [profile.summarise(ref.iloc[:300]), profile.summarise(ref.iloc[300:])]
    >>> merged = parts[0].merge(parts[1])
    >>> merged.n_rows, merged["c"].counts.tolist()
    (1000, [500, 500])
    """

    def __init__(self, columns: Mapping[str, ColumnProfile], *, fine_bins: int, bins: int,
                 max_levels: int = 20):
        self.columns = dict(columns)
        self.fine_bins, self.bins, self.max_levels = fine_bins, bins, max_levels

    @classmethod
    def from_frame(cls, frame, columns=None, *, fine_bins=100, bins=10, categorical=(),
                   max_categories=1000, max_levels=20) -> ReferenceProfile:
        """Fit every column of ``frame`` (or ``columns``; one name is one column).

        ``max_levels``: numeric columns with at most this many distinct reference values
        (at least 5 rows per value on average) are ``discrete`` and binned on their levels.
        """
        frame = require_frame(frame, "reference")
        columns = list(frame.columns) if columns is None else column_list(columns)
        categorical = column_list(categorical, "categorical") or []
        if not columns:
            raise ValueError("columns is empty: pass at least one column name, or None for all.")
        require_columns(frame, columns, "reference")
        require_columns(frame, categorical, "reference")
        if fine_bins % bins:
            raise ValueError(
                f"fine_bins={fine_bins} must be a multiple of bins={bins} so that coarse "
                f"edges are fine edges: e.g. fine_bins=100, bins=10."
            )
        if isinstance(max_levels, bool) or not isinstance(max_levels, (int, np.integer)) \
                or max_levels < 1:
            raise ValueError(f"max_levels must be a whole number >= 1, got {max_levels!r}.")
        kinds = column_kinds(frame, columns, categorical)
        profiles = {
            c: ColumnProfile.fit(frame[c], c, kinds[c], fine_bins=fine_bins, bins=bins,
                                 max_categories=max_categories, max_levels=max_levels)
            for c in columns
        }
        return cls(profiles, fine_bins=fine_bins, bins=bins, max_levels=max_levels)

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
        """Counts of one chunk of current data over the reference bins/levels/categories.

        Chunks of one dataset merge exactly (:meth:`FrameCounts.merge`): merged counts
        equal the counts of all the rows at once.
        """
        chunk = self.check_frame(chunk, "chunk")
        counts = {c: p.summarise(chunk[c]) for c, p in self.columns.items()}
        return FrameCounts(counts, len(chunk))

    def histograms(self, counts: Mapping[str, ColumnCounts]) -> pd.DataFrame:
        """Reference vs current shares per bin: the fitted bins seen as histograms.

        The bins are the ones the drift tests count over (no second binning): numeric
        columns the ``bins`` reference-quantile bins ``[a, b)`` with open outer bins
        (``left=-inf``, ``right=inf``); discrete columns one bin per level
        (``left == right ==`` the level) and ``"(other)"`` for values off the levels;
        categorical columns one bin per reference category and ``"(other)"`` for unseen
        ones (``left``/``right`` NaN). Shares are over finite, non-missing values (NaN when
        a column has none).

        Parameters
        ----------
        counts : FrameCounts
            :meth:`summarise` of a frame, or of chunks merged with :meth:`FrameCounts.merge`
            (so histograms of data that never fit in memory equal the in-memory ones).

        Returns
        -------
        pandas.DataFrame
            One row per column and bin: :data:`HISTOGRAM_COLUMNS`.

        Examples
        --------
        >>> import pandas as pd
        >>> ref = pd.DataFrame({"flag": [0] * 7 + [1] * 3, "c": ["a", "b"] * 5})
        >>> profile = ReferenceProfile.from_frame(ref)
        >>> cur = pd.DataFrame({"flag": [1, 1, 2, 0], "c": ["a", "z", "z", "b"]})
        >>> profile.histograms(profile.summarise(cur)).drop(columns=["left", "right"])
          column  bin_index      bin  reference_share  current_share
        0   flag          0        0              0.7           0.25
        1   flag          1        1              0.3           0.50
        2   flag          2  (other)              0.0           0.25
        3      c          0        a              0.5           0.25
        4      c          1        b              0.5           0.25
        5      c          2  (other)              0.0           0.50
        """
        if not isinstance(counts, Mapping):
            raise TypeError(
                f"counts must be FrameCounts from profile.summarise(frame), got "
                f"{type(counts).__name__}."
            )
        parts = []
        for c, prof in self.columns.items():
            cur = counts.get(c)
            if not isinstance(cur, ColumnCounts) or (cur.column, cur.kind) != (c, prof.kind) \
                    or cur.counts.shape != prof.reference.counts.shape:
                raise ValueError(
                    f"counts for column {c!r} are missing or do not match this profile's "
                    f"bins: pass profile.summarise(frame) (merged across chunks) of this profile."
                )
            parts.append(prof.histogram(cur))
        return pd.concat(parts, ignore_index=True)[list(HISTOGRAM_COLUMNS)]

    @property
    def reference(self) -> FrameCounts:
        """The reference's own counts."""
        counts = {c: p.reference for c, p in self.columns.items()}
        n = max(cc.n + cc.n_missing + cc.n_nonfinite for cc in counts.values())
        return FrameCounts(counts, n)

    def to_dict(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION, "fine_bins": self.fine_bins, "bins": self.bins,
            "max_levels": self.max_levels,
            "columns": [[c, p.to_dict()] for c, p in self.columns.items()],
        }

    @classmethod
    def from_dict(cls, d: Mapping, source: str = "profile") -> ReferenceProfile:
        """Rebuild a profile from :meth:`to_dict`.

        Anything damaged (missing keys, wrong types, counts that do not match the bins, an
        unknown version) raises ``ValueError`` naming ``source`` and the problem.
        """
        if not isinstance(d, Mapping) or d.get("format") != FORMAT:
            raise ValueError(
                f"{source} is not a modellab drift profile: load a file written by "
                f"DriftDetector.save()."
            )
        if d.get("version") != VERSION:
            raise ValueError(
                f"{source} has profile version {d.get('version')!r}, which this modellab "
                f"cannot read (it reads version {VERSION}): refit the detector and save it again."
            )
        try:
            columns = {}
            for c, p in d["columns"]:
                if not isinstance(c, str) or c in columns:
                    raise ValueError(f"column name {c!r} is not text or is repeated")
                columns[c] = ColumnProfile.from_dict(c, p)
            fine_bins, bins = int(d["fine_bins"]), int(d["bins"])
            max_levels = int(d["max_levels"])
            if not columns or bins < 2 or fine_bins % bins or max_levels < 1:
                raise ValueError("no columns, or bins/fine_bins/max_levels out of range")
        except ValueError as err:
            raise ValueError(
                f"{source} is damaged ({err}): save the detector again from its reference."
            ) from None
        except (KeyError, IndexError, TypeError, AttributeError, OverflowError) as err:
            raise ValueError(
                f"{source} is damaged ({type(err).__name__}: {err}): save the detector again "
                f"from its reference."
            ) from None
        return cls(columns, fine_bins=fine_bins, bins=bins, max_levels=max_levels)

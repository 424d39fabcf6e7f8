"""Segment gaps from confusion counts: one core for rows in memory and for chunks.

A threshold metric (recall, precision, accuracy, F1, specificity, positive rate) and the base
rate of a segment depend on its rows only through four counts: true negatives, false
positives, false negatives and true positives. So does a bootstrap of it: resampling a
segment's ``n`` labelled rows with replacement draws its four cells from a multinomial with
``n`` trials and the cells' shares (the row bootstrap and the multinomial draw have the same
distribution). This module keeps those counts per segment (:class:`SegmentCounts`, mergeable
over chunks of a batch) and turns them into each segment's gap to the rest of its batch
(:func:`gaps_from_cells`). :func:`modellab.metrics.segment_gaps` on rows in memory and the
monitor's batch core (:meth:`modellab.monitor.Monitor.run` and
:func:`modellab.scale.monitor_parquet`, chunk by chunk) both call it, so the same rows give
the same table either way.

Segments of a monitor are fixed when it is fitted (:func:`fit_segment`): categories are read
as they come (a new one is a new segment), numeric quantile bins are the *reference's*
quantiles with open outer bins (``[-inf, a)`` ... ``[z, inf)``), so every batch and every
chunk puts a row in the same segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from modellab._validate import positive_int, probability
from modellab.metrics.bootstrap import _interval, weighted_metrics
from modellab.metrics.classification import THRESHOLD_METRICS

#: Metrics a segment gap can be computed from confusion counts (so chunk by chunk).
COUNT_METRICS: frozenset[str] = frozenset(THRESHOLD_METRICS) | {"base_rate"}
#: :func:`modellab.metrics.segment_gaps`' defaults (the monitor uses them): family-wise error
#: rate per batch, labelled rows and rows of each class a segment (and its rest) needs.
ALPHA, MIN_ROWS, MIN_CLASS = 0.05, 50, 20
#: Metrics that read no rate within one class: ``min_class`` does not apply to them.
CLASS_FREE = frozenset({"base_rate", "positive_rate"})
#: The four cells, in the order of :attr:`SegmentCounts.cells`: (label, decision).
CELL_LABELS = np.array([0.0, 0.0, 1.0, 1.0])
CELL_DECISIONS = np.array([0.0, 1.0, 0.0, 1.0])


# --------------------------------------------------------------------------- segments
@dataclass(frozen=True)
class SegmentSpec:
    """How rows of one column fall into segments, fixed at fit (see :func:`fit_segment`)."""

    column: str
    kind: str  # "levels" (categories or a few numbers, read as they come) or "bins"
    edges: tuple = ()  # "bins": all edges, the outer ones -inf/inf when learned from quantiles
    explicit: bool = False  # edges given by the user: values outside them are an error
    values: str = "text"  # the reference column's values: "text", "number" or "bool"

    @property
    def names(self) -> list[str]:
        """The bins' names in order (``"bins"`` only)."""
        from modellab.metrics.segments import bin_names

        return bin_names(self.edges)

    def labels(self, frame: pd.DataFrame) -> pd.Categorical:
        """The segment of each row of ``frame``; a frame without the column (a file that
        lacks it) puts every row in the missing segment."""
        from modellab.metrics.segments import MISSING

        if self.column not in frame.columns:
            return pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int64), [MISSING])
        col = frame[self.column]
        if self.kind == "levels":
            return self._level_labels(col)
        try:
            values = pd.to_numeric(col, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            raise ValueError(
                f"segment column {self.column!r} is binned on numbers, but it holds "
                f"{col.dtype} values such as {col.dropna().iloc[0]!r}: export it as numbers."
            ) from None
        edges = np.asarray(self.edges, dtype=np.float64)
        codes = np.searchsorted(edges, values, side="right") - 1
        if not self.explicit:  # open outer bins: +inf belongs to the top one, "[z, inf)"
            codes = np.minimum(codes, len(edges) - 2)
        outside = ~np.isnan(values) & ((codes < 0) | (codes >= len(edges) - 1))
        if outside.any():
            raise ValueError(
                f"{int(outside.sum())} value(s) of {self.column!r} fall outside the bins "
                f"[{edges[0]:g}, {edges[-1]:g}) (e.g. {values[outside][0]!r}): widen the edges."
            )
        names = self.names
        codes = np.where(np.isnan(values), len(names), codes)
        return pd.Categorical.from_codes(codes, categories=[*names, MISSING])

    def _level_labels(self, col: pd.Series) -> pd.Categorical:
        """Names of a categorical/text/few-numbers column, alike however a chunk stores it:
        whole numbers without ``.0``, float32 at its own precision, a 0/1 column and a bool
        one named after the reference's kind."""
        from modellab.metrics.segments import MISSING, _number_name

        codes, uniques = pd.factorize(col, use_na_sentinel=True)  # missing: -1
        is_bool = pd.api.types.is_bool_dtype(col.dtype)
        numeric = pd.api.types.is_numeric_dtype(col.dtype) and not is_bool
        if self.values == "bool" and (is_bool or numeric):
            name = lambda v: str(bool(v))  # noqa: E731 - 0/1 stored as numbers in a bool column
        elif numeric or (self.values == "number" and is_bool):
            name = _number_name
        else:
            name = str
        names = [name(uniques[i]) for i in range(len(uniques))]  # numpy scalars keep float32
        table = list(dict.fromkeys([*names, MISSING]))
        where = np.array([table.index(n) for n in names] + [table.index(MISSING)], dtype=np.int64)
        return pd.Categorical.from_codes(where[np.asarray(codes)], categories=table)

    def order(self, levels) -> list[str]:
        """``levels`` (segment names seen in a batch) in the order tables list them, as
        :func:`~modellab.metrics.segments.segment_labels` does: bins ascending, numbers in
        numeric order, text (and bool) alphabetically, missing last."""
        from modellab.metrics.segments import MISSING

        present = [v for v in levels if v != MISSING]
        if self.kind == "bins":
            rank = {name: i for i, name in enumerate(self.names)}
            present.sort(key=rank.__getitem__)
        elif self.values == "number":
            present.sort(key=_numeric_key)
        else:
            present.sort()
        return present + ([MISSING] if MISSING in levels else [])

    def check_levels(self, levels) -> None:
        """A numeric column read as levels must keep to a few values, however it is chunked
        (checked on a batch's merged segments)."""
        from modellab.metrics.segments import MAX_LEVELS, MISSING

        n = len([v for v in levels if v != MISSING])
        if self.kind == "levels" and self.values == "number" and n > MAX_LEVELS:
            raise ValueError(
                f"segment column {self.column!r} is numeric with {n} distinct values in a "
                f"batch: pass bins=5 (quantile bins) or bins=[18, 25, 40, 81] (edges) to group "
                f"it, e.g. segments={{{self.column!r}: 5}}."
            )


def _numeric_key(name: str):
    try:
        return (0, float(name), "")
    except ValueError:  # text in a numeric column: after the numbers
        return (1, 0.0, name)


def fit_segment(reference: pd.DataFrame, column: str, bins=None) -> SegmentSpec:
    """Learn how ``column`` is split into segments from the reference.

    ``bins=None``: categories (or a numeric column's few values) as they come; an int: that
    many quantile bins of the reference, the outer ones open so no later value falls outside;
    a list: those edges (a later value outside them is an error, as in
    :func:`~modellab.metrics.segments.segment_labels`).
    """
    from modellab.metrics.segments import _edges, segment_labels

    segment_labels(reference, column, bins)  # the same checks, messages and fixes
    col = reference[column]
    values = ("bool" if pd.api.types.is_bool_dtype(col.dtype)
              else "number" if pd.api.types.is_numeric_dtype(col.dtype) else "text")
    if bins is None:
        return SegmentSpec(column, "levels", values=values)
    edges = _edges(col, bins, column)
    explicit = not (isinstance(bins, (int, np.integer)) and not isinstance(bins, bool))
    if not explicit:
        edges = np.concatenate([[-np.inf], edges[1:-1], [np.inf]])
    return SegmentSpec(column, "bins", tuple(float(e) for e in edges), explicit, values)


# --------------------------------------------------------------------------- counts
@dataclass
class SegmentCounts:
    """Confusion counts of a batch's labelled rows per segment of one column (mergeable)."""

    cells: dict = field(default_factory=dict)  # {segment name: int64 array [tn, fp, fn, tp]}

    @classmethod
    def of(cls, labels: pd.Categorical, y: np.ndarray, decisions: np.ndarray) -> SegmentCounts:
        """Counts of rows with segment ``labels``, 0/1 labels ``y`` (NaN: not arrived, not
        counted) and 0/1 ``decisions``."""
        codes = np.asarray(labels.codes, dtype=np.int64)  # int8 for few categories: 4x overflows
        keep = ~np.isnan(y)
        k = len(labels.categories)
        flat = codes[keep] * 4 + 2 * y[keep].astype(np.int64) + decisions[keep].astype(np.int64)
        table = np.bincount(flat, minlength=4 * k).reshape(k, 4)
        return cls({str(name): table[i] for i, name in enumerate(labels.categories)
                    if table[i].any()})

    def merge(self, other: SegmentCounts) -> SegmentCounts:
        cells = dict(self.cells)
        for name, c in other.cells.items():
            cells[name] = cells[name] + c if name in cells else c
        return SegmentCounts(cells)


# --------------------------------------------------------------------------- gaps
def _check_cells(cells, name: str) -> np.ndarray:
    """Counts as an int64 array of rows ``[tn, fp, fn, tp]``, or a clear error."""
    try:
        array = np.asarray(cells, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be counts [tn, fp, fn, tp] per row, got "
                        f"{type(cells).__name__}.") from None
    if array.ndim not in (1, 2) or array.shape[-1] != 4:
        raise ValueError(f"{name} must have 4 columns [tn, fp, fn, tp], got shape {array.shape}.")
    if not np.isfinite(array).all() or (array < 0).any() or (array != np.round(array)).any():
        raise ValueError(f"{name} must hold whole numbers >= 0 (counts of rows).")
    return array.astype(np.int64).reshape(-1, 4)


def _check_metric(metric) -> None:
    if metric not in COUNT_METRICS:
        raise ValueError(f"metric must be one of {sorted(COUNT_METRICS)} (they come from "
                         f"confusion counts), got {metric!r}.")


def cell_metric(metric: str, cells: np.ndarray, zero_division: float = np.nan) -> np.ndarray:
    """``metric`` for each row of ``cells`` (shape (b, 4): tn, fp, fn, tp); 0/0 ratios are
    ``zero_division``."""
    _check_metric(metric)
    cells = _check_cells(cells, "cells").astype(np.float64)
    return weighted_metrics((metric,), CELL_LABELS, CELL_DECISIONS, cells, 0.5, zero_division,
                            n=cells.sum(axis=1))[metric]


def cells_of(y: np.ndarray, decisions: np.ndarray | None) -> np.ndarray:
    """``[tn, fp, fn, tp]`` of labelled rows ``y`` (0/1) and their 0/1 ``decisions`` (``None``:
    all 0, for the base rate, which reads no decision)."""
    d = np.zeros(y.size, dtype=np.int64) if decisions is None else decisions.astype(np.int64)
    return np.bincount(2 * y.astype(np.int64) + d, minlength=4)


def resampled_cells(cells: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` bootstrap resamples of the rows behind ``cells``, as cells (shape
    (n_boot, 4)): resampling ``n`` rows with replacement draws the cells from a multinomial
    with ``n`` trials and the cells' shares."""
    n = int(cells.sum())
    if n == 0:
        return np.zeros((n_boot, 4), dtype=np.int64)
    return rng.multinomial(n, cells / n, size=n_boot)


def gaps_from_cells(levels, cells: np.ndarray, metric: str, *, alpha: float, n_boot: int,
                    rng: np.random.Generator, min_rows: int, min_class: int) -> list[dict]:
    """Each segment's ``metric`` against the rest of its batch, from its confusion counts.

    ``cells[i]`` holds segment ``levels[i]``'s ``[tn, fp, fn, tp]``. A segment is judged when
    it and the rest both have ``min_rows`` labelled rows and ``min_class`` of each class (not
    for :data:`CLASS_FREE` metrics); with
    ``k`` >= 2 judged, each gap gets a percentile bootstrap interval at ``1 - alpha / k``
    (Bonferroni). The bootstrap is stratified: every segment's cells are drawn on their own
    (multinomial, its ``n`` rows), a segment's rest is the other segments' draws.
    Returns rows with ``segment, metric, value, rest, gap, lower, upper, n, n_segments, ci``.
    """
    cells = _check_cells(cells, "cells")
    levels = list(levels)
    if len(levels) != len(cells):
        raise ValueError(f"levels has {len(levels)} names for {len(cells)} rows of cells: give "
                         f"one segment name per row of [tn, fp, fn, tp].")
    _check_metric(metric)
    alpha = probability(alpha, "alpha")
    n_boot = positive_int(n_boot, "n_boot")
    min_rows = positive_int(min_rows, "min_rows")
    if isinstance(min_class, bool) or not isinstance(min_class, (int, np.integer)) or min_class < 0:
        raise ValueError(f"min_class must be a whole number >= 0, got {min_class!r}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got "
                        f"{type(rng).__name__}.")
    if metric in CLASS_FREE:
        min_class = 0  # a share of rows, not a rate within one class: no class needs filling
    n = cells.sum(axis=1)
    pos = cells[:, 2] + cells[:, 3]
    total = cells.sum(axis=0)

    def enough(count, positives) -> bool:
        return count >= min_rows and min(positives, count - positives) >= min_class

    judged = [i for i in range(len(levels))
              if enough(n[i], pos[i]) and enough(n.sum() - n[i], pos.sum() - pos[i])]
    k = len(judged)
    if k < 2:
        return []
    level = 1 - alpha / k
    draws = np.zeros((len(levels), n_boot, 4), dtype=np.int64)
    for i in np.flatnonzero(n):
        draws[i] = resampled_cells(cells[i], n_boot, rng)
    drawn_total = draws.sum(axis=0)
    rows = []
    for i in judged:
        v_seg = float(cell_metric(metric, cells[i][None])[0])
        v_rest = float(cell_metric(metric, (total - cells[i])[None])[0])
        gap = v_seg - v_rest
        boot = cell_metric(metric, draws[i]) - cell_metric(metric, drawn_total - draws[i])
        lo, hi, _ = _interval(boot, gap, level, "percentile")
        rows.append({"segment": str(levels[i]), "metric": metric, "value": v_seg,
                     "rest": v_rest, "gap": gap, "lower": lo, "upper": hi, "n": int(n[i]),
                     "n_segments": k, "ci": level})
    return rows

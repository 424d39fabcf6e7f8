"""Inside the average: metrics per segment, and the fairness measures a lender is asked about.

Threshold metrics and the base rate come from each segment's confusion counts
(:mod:`modellab.metrics.segment_counts`, the core the monitor shares, in memory and chunk by
chunk), their intervals from resampling those counts (a multinomial draw of the segment's
rows, the row bootstrap's distribution); ranking and probability metrics (ROC-AUC, PR-AUC,
Brier, log loss) from the validated scikit-learn wrappers of
:func:`modellab.metrics.classification_summary` and the vectorised row bootstrap of
:func:`modellab.metrics.bootstrap_ci`. Rows are resampled *within* each segment. The tests
check the values against Fairlearn's :class:`fairlearn.metrics.MetricFrame` and its
``demographic_parity_ratio`` / ``equal_opportunity_difference``.

Decisions and the favourable outcome
------------------------------------
The course's model flags likely defaults: ``prediction == 1`` means "decline", so an
*approval* is ``prediction == 0`` and a *good borrower* is ``default == 0``. Threshold metrics
(accuracy, precision, recall, F1, specificity, positive rate) read the ``prediction`` column,
ranking and probability metrics (ROC-AUC, PR-AUC, Brier, log loss) read the ``score``.

Measures
--------
- :func:`by_segment`: any metric per segment, with a confidence interval (tidy table).
- :func:`approval_rate_ratio`: lowest group approval rate / highest (the four-fifths rule:
  below 0.8 is evidence of adverse impact).
- :func:`equal_opportunity_difference`: the largest gap between groups in the approval rate
  of borrowers who repaid (good borrowers should be approved equally often).
- :func:`calibration_by_group`: observed default rate minus mean predicted probability, per
  group (a score of 0.10 should mean 10% default in every group).
- :func:`segment_gaps`: each segment against the rest of the same batch, with intervals
  corrected for the number of segments (what :class:`modellab.monitor.segment_rules.SegmentBehind`
  alerts on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from modellab._validate import positive_int, probability, require_columns, require_frame
from modellab.metrics import _registry
from modellab.metrics.bootstrap import (
    _CHUNK_CELLS,
    _check_seed,
    _counts,
    _interval,
    check_bootstrap_args,
    resample_indices,
    weighted_metrics,
)
from modellab.metrics.classification import (
    THRESHOLD_METRICS,
    _compute,
    check_metric_names,
    check_probabilities,
    check_zero_division,
)
from modellab.metrics.segment_counts import (
    ALPHA,
    COUNT_METRICS,
    MIN_CLASS,
    MIN_ROWS,
    cell_metric,
    cells_of,
    gaps_from_cells,
    resampled_cells,
)

#: Columns of :func:`by_segment`.
SEGMENT_COLUMNS = ["segment", "metric", "value", "lower", "upper", "n", "n_positive"]
#: Label given to rows whose segment value is missing (they are reported, never dropped).
MISSING = "(missing)"
#: A numeric column with more distinct values than this needs ``bins``.
MAX_LEVELS = 20
#: Default metrics of :func:`by_segment`.
DEFAULT_METRICS = ("roc_auc", "recall", "precision", "positive_rate", "base_rate")
#: Four-fifths rule: an approval-rate ratio below this is evidence of adverse impact.
FOUR_FIFTHS = 0.8


# --------------------------------------------------------------------------- segments
def segment_labels(frame: pd.DataFrame, segment: str, bins=None) -> pd.Series:
    """The segment of each row as an ordered categorical (missing values get :data:`MISSING`).

    Parameters
    ----------
    frame : DataFrame
    segment : str
        A categorical/text column, a numeric column with at most :data:`MAX_LEVELS` values,
        or any numeric column together with ``bins``.
    bins : int or sequence of float, optional
        Numeric columns only: a number of quantile bins, or explicit bin edges. Bins are
        left-closed, ``[a, b)``; values outside explicit edges are an error.

    Examples
    --------
    >>> df = pd.DataFrame({"age": [19, 23, 35, 52, 70, 44]})
    >>> segment_labels(df, "age", bins=[18, 25, 40, 81]).tolist()
    ['[18, 25)', '[18, 25)', '[25, 40)', '[40, 81)', '[40, 81)', '[40, 81)']
    """
    frame = require_frame(frame)
    if not isinstance(segment, str):
        raise TypeError(f"segment must be a column name (str), got {segment!r}.")
    require_columns(frame, [segment])
    col = frame[segment]
    numeric = pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)
    if bins is not None and not numeric:
        raise TypeError(
            f"bins only applies to a numeric segment column; {segment!r} has dtype {col.dtype}: "
            f"drop bins to use its categories."
        )
    if bins is None:
        if numeric and col.nunique() > MAX_LEVELS:
            raise ValueError(
                f"segment column {segment!r} is numeric with {col.nunique()} distinct values: pass "
                f"bins=5 (quantile bins) or bins=[18, 25, 40, 81] (edges) to group it."
            )
        values = col.astype(object).where(col.notna(), None)
        present = col.dropna().unique()
        name = _number_name if numeric else str
        # numbers in numeric order (2 before 10), text alphabetically
        levels = [name(v) for v in (sorted(present) if numeric else sorted(map(str, present)))]
        labels = pd.Series([MISSING if v is None else name(v) for v in values], index=frame.index)
    else:
        edges = _edges(col, bins, segment)
        cut = pd.cut(col, edges, right=False)
        outside = cut.isna() & col.notna()
        infinite = outside & np.isinf(pd.to_numeric(col, errors="coerce"))
        if infinite.any():
            raise ValueError(
                f"{int(infinite.sum())} value(s) of {segment!r} are infinite, which no bin "
                f"holds: replace them with NaN (they then form the segment {MISSING!r}) or "
                f"with a finite value."
            )
        if outside.any():
            raise ValueError(
                f"{int(outside.sum())} value(s) of {segment!r} fall outside the bins "
                f"[{edges[0]:g}, {edges[-1]:g}) (e.g. {col[outside].iloc[0]!r}): widen the edges."
            )
        names = bin_names(edges)
        levels = names
        codes = cut.cat.codes.to_numpy()
        labels = pd.Series(
            [MISSING if c < 0 else names[c] for c in codes], index=frame.index
        )
    if (labels == MISSING).any():
        levels = [*levels, MISSING]
    return pd.Series(pd.Categorical(labels, categories=levels, ordered=True), index=frame.index,
                     name=segment)


def bin_names(edges) -> list[str]:
    """``[a, b)`` for each bin, with as many significant digits as it takes (six at least)
    for different edges to read differently (1.7e9 + a few seconds would all be 1.7e+09)."""
    edges = [float(e) for e in edges]
    for digits in range(6, 18):
        text = [f"{e:.{digits}g}" for e in edges]
        if len(set(text)) == len(text):
            break
    return [f"[{a}, {b})" for a, b in zip(text[:-1], text[1:], strict=True)]


def _number_name(value) -> str:
    """A numeric segment's name: whole numbers without ``.0``, so a column stored as int64 in
    one batch and as float64 in another (pandas' way with a missing value) names its
    segments alike."""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        value = float(str(value))  # at its own precision: float32 0.1 is "0.1", not 0.10000000149
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _edges(col: pd.Series, bins, segment: str) -> np.ndarray:
    values = col.dropna().to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]  # quantile edges of the finite values
    if values.size == 0:
        raise ValueError(f"segment column {segment!r} has no finite values to bin (all missing "
                         f"or infinite).")
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        k = positive_int(bins, "bins")
        edges = np.unique(np.quantile(values, np.linspace(0, 1, k + 1)))
        edges[-1] = np.nextafter(edges[-1], np.inf)  # the largest value belongs to the last bin
        if edges.size < 2:
            raise ValueError(f"{segment!r} has a single value: it cannot be binned; use it as is.")
        return edges
    try:
        edges = np.asarray(bins, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"bins must be a number of bins or a list of edges, got {bins!r}.") from None
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges) > 0) or not np.isfinite(edges).all():
        raise ValueError(f"bins edges must be at least two increasing finite numbers, got {bins!r}.")
    return edges


# --------------------------------------------------------------------------- columns
def _columns(frame, target, score, prediction, names, *, need_labels=True):
    """Validated arrays: labels (NaN = not arrived), scores, decisions (0/1)."""
    from modellab._validate import as_binary_labels, as_numeric

    for arg, value in (("target", target), ("score", score)):
        if not isinstance(value, str):
            raise TypeError(f"{arg} must be a column name, got {value!r}.")
    if prediction is not None and not isinstance(prediction, str):
        raise TypeError(f"prediction must be a column name or None, got {prediction!r}.")
    needs_pred = any(m in THRESHOLD_METRICS for m in names)
    needs_score = any(m not in THRESHOLD_METRICS and m not in ("base_rate", "n") for m in names)
    cols = [target] if need_labels else []
    if needs_score:
        cols.append(score)
    if needs_pred:
        if prediction is None:
            raise ValueError(
                "prediction=None, but threshold metrics need decisions: pass the column of 0/1 "
                "decisions (e.g. prediction='prediction')."
            )
        cols.append(prediction)
    require_columns(frame, cols)
    y = as_binary_labels(frame[target], target, allow_nan=True) if need_labels else None
    s = as_numeric(frame[score], score) if needs_score else None
    p = as_binary_labels(frame[prediction], prediction) if needs_pred else None
    if s is not None:
        check_probabilities(s, names, score)
    return y, s, p


def _split(names):
    thr = tuple(m for m in names if m in THRESHOLD_METRICS)
    rest = tuple(m for m in names if m not in THRESHOLD_METRICS)
    return thr, rest


def _estimates(names, y, s, p, zd) -> dict[str, float]:
    """Point values: threshold metrics on the decisions, the others on the scores."""
    thr, rest = _split(names)
    out: dict[str, float] = {}
    if thr:
        out.update(_compute(y, p, thr, 0.5, zd)[0])
    if rest:
        out.update(_compute(y, s if s is not None else np.zeros_like(y), rest, 0.5, zd)[0])
    return out


def _weighted(names, y, s, p, w, zd) -> dict[str, np.ndarray]:
    """Metrics for each row of draw counts ``w``: threshold metrics on decisions, others on scores."""
    thr, rest = _split(names)
    vals = {}
    if thr:
        vals.update(weighted_metrics(thr, y, p, w, 0.5, zd))
    if rest:
        vals.update(weighted_metrics(rest, y, s if s is not None else np.zeros_like(y), w, 0.5, zd))
    return vals


def _draws(names, y, s, p, n_boot, rng, zd) -> dict[str, np.ndarray]:
    """``n_boot`` resampled values of each metric (rows resampled with replacement)."""
    parts: dict[str, list[np.ndarray]] = {m: [] for m in names}
    n = y.size
    for idx in resample_indices(n, n_boot, rng):
        vals = _weighted(names, y, s, p, _counts(idx, n), zd)
        for m in names:
            parts[m].append(vals[m])
    return {m: np.concatenate(v) for m, v in parts.items()}


# --------------------------------------------------------------------------- by_segment
def by_segment(
    frame: pd.DataFrame,
    segment: str,
    metrics: Sequence[str] | None = None,
    target: str = "default",
    score: str = "score",
    prediction: str | None = "prediction",
    *,
    bins=None,
    ci: float = 0.95,
    n_boot: int = 200,
    seed: int = 0,
    zero_division: float = np.nan,
) -> pd.DataFrame:
    """Metrics per segment with bootstrap confidence intervals, as a tidy table.

    Parameters
    ----------
    frame : DataFrame
        One row per scored application: the ``segment`` column, labels, scores, decisions.
    segment : str
        Column to split by (see :func:`segment_labels`; numeric columns need ``bins`` when they
        have more than :data:`MAX_LEVELS` values). Missing values form their own segment.
    metrics : list of str, optional
        Names from :data:`modellab.metrics.METRICS` (except ``n``); default
        :data:`DEFAULT_METRICS`.
    target, score, prediction : str
        Columns of 0/1 outcomes (``NaN`` = label not arrived, skipped), model scores and 0/1
        decisions. Threshold metrics read ``prediction``, the others ``score``.
    bins : int or list of float, optional
        Quantile bins or edges for a numeric ``segment``.
    ci : float, default 0.95
        Confidence level of ``lower``/``upper`` (percentile bootstrap within each segment).
    n_boot : int, default 200
    seed : int, default 0
    zero_division : float, default NaN
        Value of 0/0 ratios, as in :func:`modellab.metrics.classification_summary`.

    Returns
    -------
    DataFrame
        Columns ``segment, metric, value, lower, upper, n, n_positive``: one row per segment
        and metric, segments in order (bins ascending, categories sorted, missing last).
        ``n`` counts the segment's labelled rows and ``n_positive`` its positive labels.
        A metric undefined in a segment (e.g. ROC-AUC with one class) is ``NaN``.
        Each ``value`` equals Fairlearn's ``MetricFrame(...).by_group`` with the matching
        scikit-learn function.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"region": rng.choice(["north", "south"], 2000),
    ...                    "score": rng.uniform(0, 1, 2000)})
    >>> df["default"] = (rng.uniform(0, 1, 2000) < df["score"]).astype(int)
    >>> df["prediction"] = (df["score"] >= 0.5).astype(int)
    >>> t = by_segment(df, "region", ["recall"], n_boot=100)
    >>> t[["segment", "metric", "n"]]
      segment  metric     n
    0   north  recall   957
    1   south  recall  1043
    >>> bool((t["lower"] < t["value"]).all() and (t["value"] < t["upper"]).all())
    True
    """
    names = check_metric_names(DEFAULT_METRICS if metrics is None else metrics, allow_n=False)
    n_boot, ci, _ = check_bootstrap_args(n_boot, ci, "percentile")
    zd = check_zero_division(zero_division)
    rng = _check_seed(seed)
    labels = segment_labels(frame, segment, bins)
    y, s, p = _columns(frame, target, score, prediction, names)
    rows = []
    codes = labels.cat.codes.to_numpy()
    for code, name in enumerate(labels.cat.categories):
        rows.extend(_segment_rows(str(name), codes == code, names, y, s, p, n_boot, ci, rng, zd))
    out = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    return out.astype({"value": float, "lower": float, "upper": float, "n": np.int64,
                       "n_positive": np.int64})


def _segment_rows(name, mask, names, y, s, p, n_boot, ci, rng, zd) -> list[dict]:
    keep = mask & ~np.isnan(y)
    ys = y[keep]
    ss = None if s is None else s[keep]
    ps = None if p is None else p[keep]
    n, n_pos = int(ys.size), int(ys.sum())
    if n == 0:
        return [dict(segment=name, metric=m, value=np.nan, lower=np.nan, upper=np.nan, n=0,
                     n_positive=0) for m in names]
    # Threshold metrics and the base rate from the segment's confusion counts (one core with
    # segment_gaps and the monitor); ranking and probability metrics from the rows.
    counted = tuple(m for m in names if m in COUNT_METRICS)
    ranked = tuple(m for m in names if m not in COUNT_METRICS)
    est, draws = {}, {}
    if counted:
        cells = cells_of(ys, ps)
        resamples = resampled_cells(cells, n_boot, rng)
        for m in counted:
            est[m] = float(cell_metric(m, cells[None], zd)[0])
            draws[m] = cell_metric(m, resamples, zd)
    if ranked:
        est.update(_estimates(ranked, ys, ss, ps, zd))
        draws.update(_draws(ranked, ys, ss, ps, n_boot, rng, zd))
    rows = []
    for m in names:
        lo, hi, _ = _interval(draws[m], est[m], ci, "percentile") if not np.isnan(est[m]) else (
            np.nan, np.nan, 0)
        rows.append(dict(segment=name, metric=m, value=est[m], lower=lo, upper=hi, n=n,
                         n_positive=n_pos))
    return rows


# --------------------------------------------------------------------------- fairness
@dataclass(frozen=True, repr=False)
class FairnessResult:
    """A fairness measure between groups, with its interval and a plain-language reading.

    Attributes
    ----------
    measure : str
        ``"approval_rate_ratio"`` or ``"equal_opportunity_difference"``.
    value, low, high : float
        The measure and its bootstrap interval: the worst and best groups (as observed) are
        resampled independently and compared draw by draw. (The interval of "min over max of
        all groups" would sit below the estimate near 1, since that statistic cannot exceed 1.)
    ci : float
    worst_group, best_group : str
        The groups with the lowest and highest rate.
    limit : float
        The line a lender is held to (0.8 for the four-fifths rule, 0.1 for a gap in rates).
    concern : bool
        Whether the point value is on the wrong side of ``limit``.
    by_group : DataFrame
        ``group, rate, lower, upper, n`` - the rate of each group behind the measure.
    reading : str
        What the number means for a manager, with the uncertainty.
    """

    measure: str
    value: float
    low: float
    high: float
    ci: float
    worst_group: str
    best_group: str
    limit: float
    concern: bool
    by_group: pd.DataFrame
    reading: str

    def __repr__(self) -> str:
        return (
            f"FairnessResult(measure={self.measure!r}, value={self.value:.3f}, "
            f"low={self.low:.3f}, high={self.high:.3f}, worst_group={self.worst_group!r}, "
            f"best_group={self.best_group!r}, limit={self.limit:g}, concern={self.concern})"
        )


def _group_rates(frame, group, bins, rate_of, n_boot, ci, rng, min_rows):
    """Rate per group (point, interval, draws) for ``rate_of(frame) -> (y, p)`` rows."""
    labels = segment_labels(frame, group, bins)
    codes = labels.cat.codes.to_numpy()
    y, p = rate_of
    rows, draws = [], {}
    for code, name in enumerate(labels.cat.categories):
        mask = codes == code
        yg, pg = y[mask], p[mask]
        if yg.size < min_rows:
            continue
        est = _compute(yg, pg, ["positive_rate"], 0.5, np.nan)[0]["positive_rate"]
        d = _draws(["positive_rate"], yg, None, pg, n_boot, rng, np.nan)["positive_rate"]
        lo, hi, _ = _interval(d, est, ci, "percentile")
        rows.append({"group": str(name), "rate": est, "lower": lo, "upper": hi, "n": int(yg.size)})
        draws[str(name)] = d
    if len(rows) < 2:
        raise ValueError(
            f"fairness needs at least two groups of {group!r} with >= {min_rows} rows each; "
            f"found {len(rows)}: lower min_rows or pool small groups."
        )
    table = pd.DataFrame(rows, columns=["group", "rate", "lower", "upper", "n"])
    return table, draws


def _fairness_args(n_boot, ci, seed, min_rows):
    n_boot, ci, _ = check_bootstrap_args(n_boot, ci, "percentile")
    return n_boot, ci, _check_seed(seed), positive_int(min_rows, "min_rows")


def approval_rate_ratio(
    frame: pd.DataFrame,
    group: str,
    prediction: str = "prediction",
    *,
    bins=None,
    ci: float = 0.95,
    n_boot: int = 500,
    seed: int = 0,
    min_rows: int = 30,
) -> FairnessResult:
    """The four-fifths rule: lowest group approval rate divided by the highest.

    An approval is ``prediction == 0`` (the model does not flag a likely default). Labels are
    not needed, so it can be checked on every batch the day it is scored. Equal to
    ``fairlearn.metrics.demographic_parity_ratio`` with approvals as the selected class.

    Parameters
    ----------
    frame : DataFrame
    group : str
        The protected attribute or segment column (``bins`` for numeric columns).
    prediction : str, default "prediction"
        Column of 0/1 decisions, 1 meaning declined.
    bins, ci, n_boot, seed
        As in :func:`by_segment`.
    min_rows : int, default 30
        Groups with fewer rows are left out (their rate is too noisy to compare).

    Returns
    -------
    FairnessResult
        ``value`` below 0.8 is evidence of adverse impact (US EEOC four-fifths rule, the
        yardstick most fair-lending reviews start from).

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a"] * 100 + ["b"] * 100,
    ...                    "prediction": [0] * 90 + [1] * 10 + [0] * 60 + [1] * 40})
    >>> r = approval_rate_ratio(df, "g", n_boot=200)
    >>> round(r.value, 3), r.worst_group, r.concern
    (0.667, 'b', True)
    """
    n_boot, ci, rng, min_rows = _fairness_args(n_boot, ci, seed, min_rows)
    frame = require_frame(frame)
    require_columns(frame, [prediction])
    from modellab._validate import as_binary_labels

    approved = 1.0 - as_binary_labels(frame[prediction], prediction)
    table, draws = _group_rates(
        frame, group, bins, (np.zeros_like(approved), approved), n_boot, ci, rng, min_rows
    )
    worst = table.loc[table["rate"].idxmin(), "group"]
    best = table.loc[table["rate"].idxmax(), "group"]
    value = float(table["rate"].min() / table["rate"].max()) if table["rate"].max() > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_draws = draws[worst] / draws[best]
    lo, hi, _ = _interval(ratio_draws, value, ci, "percentile")
    concern = bool(value < FOUR_FIFTHS)
    r_worst = table.set_index("group")["rate"]
    reading = (
        f"Applicants in group {worst!r} are approved {r_worst[worst]:.0%} of the time against "
        f"{r_worst[best]:.0%} in group {best!r}: a ratio of {value:.2f} ({ci:.0%} interval "
        f"{lo:.2f} to {hi:.2f}). "
        + (
            f"That is below the four-fifths line ({FOUR_FIFTHS}): evidence of adverse impact "
            f"that the lender must be able to justify by credit risk."
            if concern
            else f"That is above the four-fifths line ({FOUR_FIFTHS})"
            + (" but the interval reaches below it: keep watching." if lo < FOUR_FIFTHS else ".")
        )
    )
    return FairnessResult("approval_rate_ratio", value, lo, hi, ci, worst, best, FOUR_FIFTHS,
                          concern, table, reading)


def equal_opportunity_difference(
    frame: pd.DataFrame,
    group: str,
    target: str = "default",
    prediction: str = "prediction",
    *,
    limit: float = 0.1,
    bins=None,
    ci: float = 0.95,
    n_boot: int = 500,
    seed: int = 0,
    min_rows: int = 30,
) -> FairnessResult:
    """Largest gap between groups in the approval rate of borrowers who repaid.

    Equal opportunity asks that creditworthy applicants (``target == 0``) are approved
    (``prediction == 0``) equally often whatever their group. Needs labels: rows whose label
    has not arrived are skipped. Equal to ``fairlearn.metrics.equal_opportunity_difference``
    with repayment and approval as the positive classes.

    Parameters
    ----------
    frame, group, bins, ci, n_boot, seed, min_rows
        As in :func:`approval_rate_ratio` (``min_rows`` counts good borrowers).
    target : str, default "default"
        0/1 outcomes, 1 meaning default; ``NaN`` = not known yet.
    prediction : str, default "prediction"
    limit : float, default 0.1
        A gap above this (10 percentage points) is flagged as a concern.

    Returns
    -------
    FairnessResult

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a"] * 100 + ["b"] * 100, "default": [0] * 200,
    ...                    "prediction": [0] * 95 + [1] * 5 + [0] * 75 + [1] * 25})
    >>> r = equal_opportunity_difference(df, "g", n_boot=200)
    >>> round(r.value, 2), r.worst_group, r.concern
    (0.2, 'b', True)
    """
    n_boot, ci, rng, min_rows = _fairness_args(n_boot, ci, seed, min_rows)
    limit = probability(limit, "limit")
    frame = require_frame(frame)
    require_columns(frame, [target, prediction])
    from modellab._validate import as_binary_labels

    y = as_binary_labels(frame[target], target, allow_nan=True)
    good = y == 0
    if not good.any():
        raise ValueError(
            f"{target!r} has no repaid loans (0) among its labels: equal opportunity needs "
            f"outcomes; wait for labels or use approval_rate_ratio."
        )
    approved = 1.0 - as_binary_labels(frame[prediction], prediction)
    sub = frame.loc[good]
    table, draws = _group_rates(
        sub, group, bins, (np.zeros(int(good.sum())), approved[good]), n_boot, ci, rng, min_rows
    )
    worst = table.loc[table["rate"].idxmin(), "group"]
    best = table.loc[table["rate"].idxmax(), "group"]
    value = float(table["rate"].max() - table["rate"].min())
    lo, hi, _ = _interval(draws[best] - draws[worst], value, ci, "percentile")
    concern = bool(value > limit)
    rates = table.set_index("group")["rate"]
    reading = (
        f"Among borrowers who repaid, {rates[best]:.0%} of group {best!r} were approved but only "
        f"{rates[worst]:.0%} of group {worst!r}: a gap of {value * 100:.1f} percentage points "
        f"({ci:.0%} interval {lo * 100:.1f} to {hi * 100:.1f}). "
        + (
            f"Above the {limit * 100:.0f}-point limit: creditworthy applicants of group "
            f"{worst!r} are turned away more often."
            if concern
            else f"Within the {limit * 100:.0f}-point limit."
        )
    )
    return FairnessResult("equal_opportunity_difference", value, lo, hi, ci, worst, best, limit,
                          concern, table, reading)


def calibration_by_group(
    frame: pd.DataFrame,
    group: str,
    target: str = "default",
    score: str = "score",
    *,
    limit: float = 0.03,
    bins=None,
    ci: float = 0.95,
    n_boot: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """Calibration within groups: observed default rate against mean predicted probability.

    Parameters
    ----------
    frame, group, bins, ci, n_boot, seed
        As in :func:`by_segment`.
    target : str
        0/1 outcomes (``NaN`` rows skipped).
    score : str
        Predicted probability of default.
    limit : float, default 0.03
        A gap (observed minus predicted) beyond this many points is flagged.

    Returns
    -------
    DataFrame
        ``group, n, predicted, observed, gap, lower, upper, p_value, concern, reading``:
        ``gap`` is ``observed - predicted`` (positive: the model under-states this group's
        risk) with its bootstrap interval at level ``ci`` (``lower``, ``upper``), ``p_value`` a calibration
        test of the group (:func:`scipy.stats.binomtest` of its defaults against its mean
        predicted probability: exact for small groups and rare defaults, and conservative
        when the model is calibrated, as the Poisson-binomial count is less spread than the
        binomial, Hoeffding 1956). ``concern`` when ``|gap| > limit`` and ``p_value`` is below
        ``(1 - ci) / k`` for the ``k`` groups with labels (**Bonferroni**, as in
        :func:`segment_gaps`; it needs no assumption about how the groups depend on each
        other): with many groups, one of them looks off by chance far more often than
        ``1 - ci`` of the time, and the correction keeps the chance of any false flag on
        well-calibrated data at or under ``1 - ci``. (The bootstrap interval alone is not
        used for the flag: for rare defaults it is too narrow exactly where a group saw
        fewer of them.) The reading says when the correction holds a flag back.

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a"] * 200 + ["b"] * 200, "score": [0.1] * 400,
    ...                    "default": ([1] * 20 + [0] * 180) + ([1] * 60 + [0] * 140)})
    >>> t = calibration_by_group(df, "g", n_boot=200)
    >>> t[["group", "predicted", "observed", "concern"]].round(2)
      group  predicted  observed  concern
    0     a        0.1       0.1    False
    1     b        0.1       0.3     True
    """
    n_boot, ci, rng, _ = _fairness_args(n_boot, ci, seed, 1)
    limit = probability(limit, "limit", open_interval=False)
    frame = require_frame(frame)
    names = ("base_rate", "brier")  # brier only to validate probabilities
    y, s, _ = _columns(frame, target, score, None, names)
    labels = segment_labels(frame, group, bins)
    codes = labels.cat.codes.to_numpy()
    groups = [(code, name) for code, name in enumerate(labels.cat.categories)
              if ((codes == code) & ~np.isnan(y)).any()]
    if not groups:
        raise ValueError(f"{target!r} has no labels in any group of {group!r}: wait for labels.")
    from scipy.stats import binomtest

    k = len(groups)
    alpha = (1 - ci) / k  # Bonferroni: the family of k groups keeps level ci
    rows = []
    for code, name in groups:
        keep = (codes == code) & ~np.isnan(y)
        yg, sg = y[keep], s[keep]
        observed = float(yg.mean())
        predicted = float(sg.mean())
        gap = observed - predicted
        # observed and predicted on the same resampled rows, so the gap is paired
        d_gap = np.concatenate([
            (w @ (yg - sg)) / yg.size
            for w in (_counts(idx, yg.size) for idx in resample_indices(yg.size, n_boot, rng))
        ])
        lo, hi, _ = _interval(d_gap, gap, ci, "percentile")
        p_value = float(binomtest(int(yg.sum()), yg.size, min(max(predicted, 0.0), 1.0)).pvalue)
        beyond = abs(gap) > limit
        concern = bool(beyond and p_value < alpha)
        direction = "under-states" if gap > 0 else "over-states"
        reading = (
            f"In group {name!r} the model predicts {predicted:.1%} defaults and {observed:.1%} "
            f"happen: it {direction} the risk by {abs(gap) * 100:.1f} points ({ci:.0%} interval "
            f"{lo * 100:+.1f} to {hi * 100:+.1f})."
        )
        if concern:
            reading += " Beyond the limit: recalibrate for this group."
        elif beyond and (lo > 0 or hi < 0 or p_value < 1 - ci):
            reading += (
                f" With {k} groups compared, that is within chance (calibration test p = "
                f"{p_value:.2g}; a flag needs p below {alpha:.2g}): watch it, no flag yet."
            )
        rows.append({"group": str(name), "n": int(yg.size), "predicted": predicted,
                     "observed": observed, "gap": gap, "lower": lo, "upper": hi,
                     "p_value": p_value, "concern": concern, "reading": reading})
    return pd.DataFrame(rows, columns=CALIBRATION_COLUMNS)


#: Columns of :func:`calibration_by_group`.
CALIBRATION_COLUMNS = ["group", "n", "predicted", "observed", "gap", "lower", "upper", "p_value",
                       "concern", "reading"]


# --------------------------------------------------------------------------- segment vs rest
def cell_decisions(p, y, rows) -> np.ndarray:
    """The 0/1 decisions of ``rows`` as cell offsets (base rate needs no decisions: all 0)."""
    return np.zeros(int(rows.sum()), dtype=np.int64) if p is None else p[rows].astype(np.int64)


#: Metrics where lower is worse, from the metric registry (losses and rates are not).
HIGHER_IS_BETTER = frozenset(n for n, m in _registry.METRICS.items() if m.direction == "higher")

GAP_COLUMNS = ["batch", "segment", "metric", "value", "rest", "gap", "lower", "upper", "n",
               "n_segments", "ci"]


def segment_gaps(
    frame: pd.DataFrame,
    segment: str,
    metric: str = "recall",
    target: str = "default",
    score: str = "score",
    prediction: str | None = "prediction",
    *,
    by: str | None = "batch",
    bins=None,
    alpha: float = ALPHA,
    n_boot: int = 1000,
    seed: int = 0,
    min_rows: int = MIN_ROWS,
    min_class: int = MIN_CLASS,
) -> pd.DataFrame:
    """Each segment's metric against the rest of the same batch, beyond noise.

    For every batch and segment, ``gap = metric(segment) - metric(rest of the batch)`` with a
    bootstrap interval (stratified: every segment resampled on its own, the rest being the
    other segments' resamples) at level
    ``1 - alpha / k``, where ``k`` is the number of segments compared in that batch (Bonferroni):
    with 10 segments, one of them looks behind by chance far more often than 5% of the time,
    and the correction keeps the chance of any false "behind" near ``alpha``.

    Parameters
    ----------
    frame : DataFrame
    segment : str
    metric : str, default "recall"
        One of :data:`modellab.metrics.METRICS` (not ``n``).
    target, score, prediction : str
    by : str or None, default "batch"
        Batch column; ``None`` treats the frame as one batch (``batch`` is then 0).
    bins : optional
        For a numeric ``segment``.
    alpha : float, default 0.05
        Family-wise error rate per batch.
    n_boot, seed
    min_rows : int, default 50
        Segments with fewer labelled rows in a batch are not judged.
    min_class : int, default 20
        Nor segments with fewer than this many rows of either class (positive and negative
        labels) when the metric reads labels other than through the base rate: a recall on
        eight defaulters swings by 0.3 by chance, and its bootstrap interval is too narrow.

    Returns
    -------
    DataFrame
        Columns ``batch, segment, metric, value, rest, gap, lower, upper, n, n_segments, ci``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"g": rng.choice(list("abcd"), 4000), "default": rng.integers(0, 2, 4000)})
    >>> df["prediction"] = np.where(df["g"] == "d", rng.integers(0, 2, 4000), df["default"])
    >>> t = segment_gaps(df, "g", "recall", by=None, n_boot=200)
    >>> t.loc[t["upper"] < 0, "segment"].tolist()
    ['d']
    """
    (metric,) = check_metric_names([metric], allow_n=False)
    alpha = probability(alpha, "alpha")
    n_boot = positive_int(n_boot, "n_boot")
    min_rows = positive_int(min_rows, "min_rows")
    rng = _check_seed(seed)
    frame = require_frame(frame)
    labels = segment_labels(frame, segment, bins)
    y, s, p = _columns(frame, target, score, prediction, (metric,))
    if by is None:
        batches = np.zeros(len(frame), dtype=np.int64)
    else:
        require_columns(frame, [by])
        batches = frame[by].to_numpy()
    min_class = positive_int(min_class, "min_class")
    codes = labels.cat.codes.to_numpy().astype(np.int64)  # int8 for few segments: 4x overflows
    labelled = ~np.isnan(y)
    rows = []

    def enough(mask) -> bool:
        pos = int(np.nansum(y[mask]))
        return int(mask.sum()) >= min_rows and min(pos, int(mask.sum()) - pos) >= min_class

    if metric in COUNT_METRICS:
        # Counts are all a threshold metric needs: the monitor's core, chunk by chunk or not.
        k = len(labels.cat.categories)
        for b in pd.unique(batches):
            in_b = (batches == b) & labelled
            flat = codes[in_b] * 4 + 2 * y[in_b].astype(np.int64) + cell_decisions(p, y, in_b)
            cells = np.bincount(flat, minlength=4 * k).reshape(k, 4)
            rows.extend({"batch": b, **r} for r in gaps_from_cells(
                [str(c) for c in labels.cat.categories], cells, metric, alpha=alpha,
                n_boot=n_boot, rng=rng, min_rows=min_rows, min_class=min_class))
        return pd.DataFrame(rows, columns=GAP_COLUMNS)
    for b in pd.unique(batches):
        in_b = (batches == b) & labelled
        judged = [(c, n) for c, n in enumerate(labels.cat.categories)
                  if enough(in_b & (codes == c)) and enough(in_b & (codes != c))]
        k = len(judged)
        if k < 2:
            continue
        level = 1 - alpha / k
        # Stratified bootstrap: each segment of the batch is resampled on its own, once per
        # draw; a segment's "rest" is the other segments' draws of the same resample (their
        # weights add up to the rest's size, as a resample of it must).
        rows_b = np.flatnonzero(in_b)
        rows_b = rows_b[np.argsort(codes[rows_b], kind="stable")]
        seg_b = codes[rows_b]
        yb = y[rows_b]
        sb = None if s is None else s[rows_b]
        pb = None if p is None else p[rows_b]
        present = {int(u): np.flatnonzero(seg_b == u) for u in np.unique(seg_b)}
        d_seg = {c: [] for c, _ in judged}
        d_rest = {c: [] for c, _ in judged}
        chunk = max(1, _CHUNK_CELLS // rows_b.size)
        done = 0
        while done < n_boot:
            size = min(chunk, n_boot - done)
            w = np.empty((size, rows_b.size))
            for cols in present.values():
                w[:, cols] = _counts(rng.integers(0, cols.size, size=(size, cols.size)), cols.size)
            for c, _ in judged:
                mine = seg_b == c
                for target, keep in ((d_seg, mine), (d_rest, ~mine)):
                    target[c].append(_weighted((metric,), yb[keep], None if sb is None else sb[keep],
                                               None if pb is None else pb[keep], w[:, keep],
                                               np.nan)[metric])
            done += size
        for c, name in judged:
            mine = seg_b == c
            v_seg = _estimates((metric,), yb[mine], None if sb is None else sb[mine],
                               None if pb is None else pb[mine], np.nan)[metric]
            v_rest = _estimates((metric,), yb[~mine], None if sb is None else sb[~mine],
                                None if pb is None else pb[~mine], np.nan)[metric]
            gap = v_seg - v_rest
            draws = np.concatenate(d_seg[c]) - np.concatenate(d_rest[c])
            lo, hi, _ = _interval(draws, gap, level, "percentile")
            rows.append({"batch": b, "segment": str(name), "metric": metric, "value": v_seg,
                         "rest": v_rest, "gap": gap, "lower": lo, "upper": hi,
                         "n": int(mine.sum()), "n_segments": k, "ci": level})
    return pd.DataFrame(rows, columns=GAP_COLUMNS)

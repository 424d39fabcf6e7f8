"""Metrics per production batch and over rolling windows of batches, as tidy DataFrames."""

from __future__ import annotations

import numpy as np
import pandas as pd

from modellab._validate import (
    as_binary_labels,
    as_numeric,
    positive_int,
    require_columns,
    require_frame,
)
from modellab.metrics.bootstrap import _check_seed, bootstrap_intervals, check_bootstrap_args
from modellab.metrics.classification import (
    _compute,
    check_metric_names,
    check_probabilities,
    check_threshold,
    check_zero_division,
    format_note,
)


def _prepare(frame, target, score, by, metrics, threshold, zero_division):
    """Validate the common arguments; return metric names, labels, scores, batch codes, batches."""
    require_frame(frame)
    require_columns(frame, [target, score, by])
    names = check_metric_names(metrics, allow_n=False)
    threshold = check_threshold(threshold)
    zero_division = check_zero_division(zero_division)
    y = as_binary_labels(frame[target], f"column {target!r}", allow_nan=True)
    s = as_numeric(frame[score], f"column {score!r}")
    if not np.isfinite(s).all():
        raise ValueError(f"column {score!r} contains infinite values: pass finite scores.")
    check_probabilities(s, names, name=f"column {score!r}")
    keys = frame[by]
    if keys.isna().any():
        raise ValueError(
            f"column {by!r} has {int(keys.isna().sum())} missing value(s): every row needs a "
            f"batch; fill them or drop those rows first."
        )
    codes, batches = pd.factorize(keys, sort=True)
    return names, threshold, zero_division, y, s, codes, batches


def _row(y, s, names, threshold, zero_division, ci_args=None, rng=None):
    """Metric values, optional interval bounds and the note for one group of rows."""
    labelled = ~np.isnan(y)
    yl, sl = y[labelled], s[labelled]
    values, reasons = _compute(yl, sl, names, threshold, zero_division)
    row = {"n": int(y.size), "n_labelled": int(yl.size)}
    if ci_args is None:
        row.update(values)
    else:
        defined = [m for m in names if not np.isnan(values[m])]
        bounds = (
            bootstrap_intervals(defined, yl, sl, values, rng=rng, threshold=threshold,
                                zero_division=zero_division, **ci_args)
            if defined else {}
        )
        for m in names:
            lo, hi, _ = bounds.get(m, (np.nan, np.nan, 0))
            row.update({m: values[m], f"{m}_low": lo, f"{m}_high": hi})
    row["note"] = format_note(reasons)
    return row


def _frame(rows, columns) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=columns)
    out["note"] = out["note"].astype("str")
    return out


def _metric_columns(names, with_ci: bool) -> list[str]:
    if not with_ci:
        return list(names)
    return [c for m in names for c in (m, f"{m}_low", f"{m}_high")]


def by_batch(
    frame: pd.DataFrame,
    target: str = "default",
    score: str = "score",
    by: str = "batch",
    metrics=None,
    threshold: float = 0.5,
    ci: bool | float = False,
    n_boot: int = 500,
    seed: int = 0,
    *,
    zero_division: float = np.nan,
) -> pd.DataFrame:
    """Classification metrics for each batch, one row per batch.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per scored case.
    target : str, default "default"
        Column of 0/1 outcomes; ``NaN`` means the label has not arrived (counted, skipped).
    score : str, default "score"
        Column of model scores (probabilities for ``brier``/``log_loss``).
    by : str, default "batch"
        Column naming the batch; batches come out sorted by it.
    metrics : list of str, optional
        Names from :data:`modellab.metrics.METRICS` except ``n``; default all of them.
    threshold : float, default 0.5
        ``score >= threshold`` is a positive prediction.
    ci : bool or float, default False
        Add bootstrap intervals: ``True`` for 95%, or a level such as ``0.9``.
    n_boot : int, default 500
        Resamples per batch when ``ci`` is on.
    seed : int, default 0
        Seed for the resamples (each batch gets its own stream derived from it).
    zero_division : float, default NaN
        Value for 0/0 ratios, as in :func:`classification_summary`.

    Returns
    -------
    pandas.DataFrame
        Columns ``batch`` (the ``by`` value), ``n`` (rows), ``n_labelled``, one column per
        metric (with ``ci``: each followed by ``<metric>_low`` and ``<metric>_high``) and
        ``note``: why a metric is ``NaN`` (e.g. ``"no labels yet"``, ``"only one class
        among labelled rows: ROC-AUC undefined"``), ``""`` otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"batch": [1, 1, 1, 2, 2, 3],
    ...                    "default": [0, 1, 1, 0, 0, float("nan")],
    ...                    "score": [0.2, 0.8, 0.4, 0.3, 0.6, 0.5]})
    >>> out = by_batch(df, metrics=["roc_auc", "recall"])
    >>> out[["batch", "n", "n_labelled", "roc_auc", "recall"]]
       batch  n  n_labelled  roc_auc  recall
    0      1  3           3      1.0     0.5
    1      2  2           2      NaN     NaN
    2      3  1           0      NaN     NaN
    >>> out["note"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['',
     'only one class among labelled rows: ROC-AUC undefined; no positive labels: recall undefined',
     'no labels yet']
    """
    names, threshold, zero_division, y, s, codes, batches = _prepare(
        frame, target, score, by, metrics, threshold, zero_division
    )
    ci_args = _ci_args(ci, n_boot)
    seeds = np.random.SeedSequence(_seed_entropy(seed)).spawn(len(batches))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(batches) + 1))
    rows = []
    for i, key in enumerate(batches):
        rows_i = order[bounds[i] : bounds[i + 1]]
        row = _row(y[rows_i], s[rows_i], names, threshold, zero_division, ci_args,
                   np.random.default_rng(seeds[i]))
        rows.append({"batch": key, **row})
    columns = ["batch", "n", "n_labelled", *_metric_columns(names, ci_args is not None), "note"]
    return _frame(rows, columns)


def rolling(
    frame: pd.DataFrame,
    window: int = 3,
    target: str = "default",
    score: str = "score",
    by: str = "batch",
    metrics=None,
    threshold: float = 0.5,
    *,
    min_batches: int | None = None,
    zero_division: float = np.nan,
) -> pd.DataFrame:
    """Metrics over the rows of the last ``window`` batches, one row per batch.

    The window ending at batch ``b`` pools every row of ``b`` and the ``window - 1`` batches
    before it (by position in sorted batch order, so gaps in numbering do not matter). Pooling
    rows, not averaging per-batch values, keeps ROC-AUC exact and weights batches by size.
    Like ``pandas.Series.rolling``, windows with fewer than ``min_batches`` batches (default
    ``window``: the first ``window - 1`` rows) get ``NaN`` metrics and a note.

    Parameters
    ----------
    frame, target, score, by, metrics, threshold, zero_division
        As in :func:`by_batch`.
    window : int, default 3
        Number of batches per window.
    min_batches : int, optional
        Fewest batches a window needs to be computed; default ``window``.

    Returns
    -------
    pandas.DataFrame
        Columns ``batch`` (last batch of the window), ``window_start`` (first batch),
        ``n_batches``, ``n``, ``n_labelled``, the metric columns, ``note``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"batch": [1, 1, 2, 2, 3, 3],
    ...                    "default": [0, 1, 0, 1, 1, 0],
    ...                    "score": [0.2, 0.8, 0.6, 0.7, 0.4, 0.1]})
    >>> rolling(df, window=2, metrics=["roc_auc"])[["batch", "window_start", "n", "roc_auc"]]
       batch  window_start  n  roc_auc
    0      1             1  2      NaN
    1      2             1  4     1.00
    2      3             2  4     0.75
    """
    names, threshold, zero_division, y, s, codes, batches = _prepare(
        frame, target, score, by, metrics, threshold, zero_division
    )
    window = positive_int(window, "window")
    min_batches = window if min_batches is None else positive_int(min_batches, "min_batches")
    if min_batches > window:
        raise ValueError(f"min_batches ({min_batches}) cannot exceed window ({window}).")
    rows = []
    for i, key in enumerate(batches):
        start = max(0, i - window + 1)
        in_window = (codes >= start) & (codes <= i)
        n_batches = i - start + 1
        row = _row(y[in_window], s[in_window], names, threshold, zero_division)
        if n_batches < min_batches:
            row.update({m: np.nan for m in names})
            row["note"] = f"only {n_batches} of {min_batches} batches needed for the window"
        rows.append({"batch": key, "window_start": batches[start], "n_batches": n_batches, **row})
    columns = ["batch", "window_start", "n_batches", "n", "n_labelled", *names, "note"]
    return _frame(rows, columns)


def _ci_args(ci, n_boot):
    if ci is False or ci is None:
        return None
    level = 0.95 if ci is True else ci
    n_boot, level, method = check_bootstrap_args(n_boot, level, "percentile")
    return {"n_boot": n_boot, "ci": level, "method": method}


def _seed_entropy(seed) -> int:
    _check_seed(seed)  # same validation as bootstrap_ci
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    return int(seed)

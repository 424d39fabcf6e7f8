"""Figures for lessons and reports: monitoring trends, distributions, drift and model quality.

Every function draws on the Axes you pass (``ax=``) or on a new figure, and returns the
Axes; nothing calls ``plt.show()``. All figures share one seaborn-based look (:func:`style`):
a colour-blind-safe palette, readable titles, and axis labels that say the unit.

Several curves can share one Axes so models or batches compare directly: call
:func:`roc_curve`, :func:`pr_curve` or :func:`calibration_curve` again with the same ``ax``,
or pass a mapping ``{label: (y_true, y_score)}``.

Examples
--------
>>> import numpy as np
>>> from modellab import plots
>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 2, 200)
>>> score = np.clip(0.3 * y + rng.uniform(0, 0.7, 200), 0, 1)
>>> ax = plots.roc_curve(y, score, label="model A")
>>> ax.get_xlabel()
'False positive rate (share of repaid loans flagged)'
>>> plots.close(ax)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter
from sklearn import calibration as _skcal
from sklearn import metrics as _skm

from modellab._validate import (
    as_1d,
    as_binary_labels,
    as_numeric,
    positive_int,
    require_columns,
    require_frame,
    same_index,
    same_length,
)
from modellab.metrics._registry import METRICS as _METRIC_REGISTRY

__all__ = [
    "PALETTE",
    "METRIC_LABELS",
    "style",
    "set_style",
    "close",
    "metric_over_time",
    "distribution",
    "drift_heatmap",
    "significance_vs_size",
    "confusion_matrix",
    "roc_curve",
    "pr_curve",
    "calibration_curve",
]

#: Colour-blind-safe qualitative palette (seaborn "colorblind", Okabe-Ito-like).
PALETTE: list = sns.color_palette("colorblind")
REFERENCE_COLOUR = PALETTE[0]  # blue: the period the model was validated on
CURRENT_COLOUR = PALETTE[1]  # orange: production / the batch under study
ALERT_COLOUR = PALETTE[3]  # vermilion: alerts
NEUTRAL_COLOUR = "0.45"
_SAMPLE_COLOURS = (REFERENCE_COLOUR, CURRENT_COLOUR)  # the two samples a distribution compares
_SHARE_COLUMNS = ("reference_share", "current_share")  # their bin shares in a histogram frame

#: Axis labels (with units) for the metric columns of a monitoring history: the metric
#: registry's (:mod:`modellab.metrics._registry`) plus the history's other columns.
METRIC_LABELS: dict[str, str] = {
    **{name: m.axis_label for name, m in _METRIC_REGISTRY.items()},
    "drift_share": "Drifted features (% of features)",
    "n": "Loans scored (count)",
    "n_labelled": "Loans with a known outcome (count)",
}
# Columns that are shares and read best as percentages.
_PERCENT_METRICS = {*(name for name, m in _METRIC_REGISTRY.items() if m.percent), "drift_share"}


def _style_rc() -> dict:
    rc = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("notebook", font_scale=0.95))
    rc.update(
        {
            "axes.prop_cycle": mpl.cycler(color=PALETTE),
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.labelsize": 11,
            "legend.frameon": False,
            "figure.dpi": 100,
            "savefig.bbox": "tight",
            "image.cmap": "viridis",
        }
    )
    return rc


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the modellab figure style inside a ``with`` block (restored afterwards).

    Examples
    --------
    >>> from modellab import plots
    >>> with plots.style():
    ...     import matplotlib as mpl
    ...     mpl.rcParams["legend.frameon"]
    False
    """
    # Restore only the keys we set: ``mpl.rc_context`` would also restore ``interactive`` and
    # ``backend``, undoing the inline backend's set-up when a notebook's first figure is drawn
    # here, so later figures would stop showing where they are drawn.
    rc = _style_rc()
    saved = {key: mpl.rcParams[key] for key in rc}
    mpl.rcParams.update(rc)
    try:
        yield
    finally:
        mpl.rcParams.update(saved)


def set_style() -> None:
    """Apply the modellab figure style for the rest of the session (e.g. at the top of a lesson)."""
    mpl.rcParams.update(_style_rc())


def close(obj) -> None:
    """Close the figure behind an Axes or Figure (frees memory when making many figures)."""
    fig = obj.figure if isinstance(obj, Axes) else obj
    plt.close(fig)


# ---------------------------------------------------------------- helpers


def _new_axes(ax, figsize) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes, got {type(ax).__name__}: pass ax=None or fig.add_subplot()."
        )
    return ax


def _is_categorical(values: pd.Series) -> bool:
    dtype = values.dtype
    return not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


_SHORT_NAMES = {
    **{name: m.label[:1].upper() + m.label[1:] for name, m in _METRIC_REGISTRY.items()},
    "psi": "PSI", "wasserstein": "Wasserstein", "jensen_shannon": "Jensen-Shannon",
}


def _pretty(name: str) -> str:
    return _SHORT_NAMES.get(name, str(name).replace("_", " ").capitalize())


def _legend(ax: Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(loc="best")


def _curve_inputs(y_true, y_score, label) -> list[tuple[str | None, np.ndarray, np.ndarray]]:
    """Normalise (y_true, y_score) or {label: (y_true, y_score)} to a list of curves."""
    if isinstance(y_true, Mapping):
        if y_score is not None:
            raise TypeError(
                "Pass either a mapping {label: (y_true, y_score)} or y_true and y_score, not both."
            )
        if not y_true:
            raise ValueError(
                "The mapping of curves is empty: pass at least one {label: (y_true, y_score)}."
            )
        items = []
        for name, pair in y_true.items():
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"Curve {name!r} must be a pair (y_true, y_score).")
            items.append((str(name), *pair))
    else:
        if y_score is None:
            raise TypeError(
                "y_score is missing: pass the model's scores, e.g. model.predict_proba(X)[:, 1]."
            )
        items = [(label, y_true, y_score)]
    out = []
    for name, yt, ys in items:
        same_index(y_true=yt, y_score=ys)  # Series are paired by index, never by position
        yt = as_binary_labels(yt, "y_true")
        ys = as_numeric(ys, "y_score")
        same_length(y_true=yt, y_score=ys)
        if np.unique(yt).size < 2:
            raise ValueError(
                "y_true holds a single class: the curve needs both defaults (1) and repaid loans (0); "
                "use a larger or labelled batch."
            )
        out.append((name, yt.astype(int), ys))
    return out


def _draw_once(ax: Axes, gid: str, draw) -> None:
    """Draw a guide line (chance diagonal, baseline) only once per Axes."""
    if not any(line.get_gid() == gid for line in ax.get_lines()):
        draw().set_gid(gid)


def _diagonal(ax: Axes, gid: str, label: str) -> None:
    """The dotted y = x guide (chance, perfect calibration), drawn once per Axes."""
    _draw_once(
        ax, gid, lambda: ax.plot([0, 1], [0, 1], linestyle=":", color=NEUTRAL_COLOUR, label=label)[0]
    )


def _finish_curve(ax: Axes, xlabel: str, ylabel: str, title: str, loc: str, *, top: float = 1.01) -> None:
    """Unit axes, labels, title and a legend with the curves first and guide lines last."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, top)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(handles)), key=lambda i: handles[i].get_gid() is not None)
    ax.legend([handles[i] for i in order], [labels[i] for i in order], loc=loc)


def _percent_axis(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


# ---------------------------------------------------------------- monitoring trends


def metric_over_time(
    history: pd.DataFrame,
    metric: str = "roc_auc",
    alerts=None,
    ci: bool = True,
    reference: float | None = None,
    ax: Axes | None = None,
    *,
    x: str = "batch",
    title: str | None = None,
) -> Axes:
    """Plot one metric per batch, with its confidence band, alert markers and reference level.

    Parameters
    ----------
    history : DataFrame
        One row per batch with a ``batch`` column (or the column named by ``x``) and ``metric``.
        When ``ci`` is true and ``<metric>_low`` / ``<metric>_high`` exist, they are drawn as a
        band. NaN values (batches without labels yet) leave gaps.
    metric : str
        The column to plot, e.g. ``"roc_auc"``, ``"recall"``, ``"drift_share"``.
    alerts : DataFrame or sequence, optional
        Alerts to mark: a frame with a ``batch`` column (e.g. ``MonitorResult.alerts``; a
        ``severity`` column picks the marker, and with a ``subject`` column only alerts whose
        subject is ``metric`` are marked) or a list of batch ids (all marked).
    ci : bool
        Draw the confidence band when the bound columns exist.
    reference : float, optional
        The metric on the reference (validation) period, drawn as a dashed line.
    ax : Axes, optional
        Where to draw; a new figure when omitted.
    x : str
        Column for the horizontal axis: ``"batch"`` (default) or a date column such as ``"start"``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from modellab import plots
    >>> h = pd.DataFrame({"batch": [0, 1, 2], "roc_auc": [0.80, 0.79, 0.70],
    ...                   "roc_auc_low": [0.75, 0.74, 0.64], "roc_auc_high": [0.85, 0.84, 0.76]})
    >>> ax = plots.metric_over_time(h, alerts=[2], reference=0.81)
    >>> ax.get_ylabel()
    'ROC-AUC (0.5 = chance, 1 = perfect)'
    >>> plots.close(ax)
    """
    require_frame(history, "history")
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a column name (str), got {metric!r}.")
    require_columns(history, [x, metric], "history")
    values = history[metric]
    if _is_categorical(values):
        raise TypeError(
            f"history[{metric!r}] has dtype {values.dtype}, not numbers: pick a numeric metric column."
        )
    if values.notna().sum() == 0:
        raise ValueError(
            f"history[{metric!r}] is all NaN (no batch has this metric yet, e.g. labels not arrived): "
            f"pick another metric such as 'mean_score' or 'drift_share'."
        )
    if reference is not None:
        reference = float(as_numeric([reference], "reference")[0])

    frame = history.sort_values(x)
    xs = frame[x].to_numpy()
    ys = frame[metric].to_numpy(dtype=float)
    with style():
        ax = _new_axes(ax, (8, 3.6))
        # A second call on the same axes adds a series: its own colour, a shared title.
        earlier = [line for line in ax.get_lines() if line.get_gid() == _SERIES_GID]
        colour = PALETTE[len(earlier) % len(PALETTE)]
        ax.plot(xs, ys, marker="o", markersize=4, color=colour, label=_pretty(metric), zorder=3,
                gid=_SERIES_GID)
        low, high = f"{metric}_low", f"{metric}_high"
        if ci and low in frame.columns and high in frame.columns:
            ax.fill_between(
                xs,
                frame[low].to_numpy(dtype=float),
                frame[high].to_numpy(dtype=float),
                color=colour,
                alpha=0.2,
                linewidth=0,
                label="95% confidence band",
            )
        drawn = {line.get_ydata()[0] for line in ax.get_lines() if line.get_gid() == _REFERENCE_GID}
        if reference is not None and reference not in drawn:
            ax.axhline(
                reference, gid=_REFERENCE_GID,
                color=NEUTRAL_COLOUR,
                linestyle="--",
                linewidth=1.2,
                label="reference period",
            )
        if alerts is not None:
            _mark_alerts(ax, frame, x, metric, alerts)
        ax.set_xlabel("Batch" if x == "batch" else _pretty(x))
        ax.set_ylabel(METRIC_LABELS.get(metric, _pretty(metric)))
        if metric in _PERCENT_METRICS:
            _percent_axis(ax)
        if x == "batch" and pd.api.types.is_integer_dtype(frame[x].dtype):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if title is None:
            names = [line.get_label() for line in ax.get_lines() if line.get_gid() == _SERIES_GID]
            title = f"{' and '.join(names)} per batch"
        ax.set_title(title)
        _legend(ax)
    return ax


# gids marking what metric_over_time drew, so a second call on the same axes adds to it
_SERIES_GID, _REFERENCE_GID = "modellab-metric-series", "modellab-reference-line"


_SEVERITY_MARKERS = (
    ("info", "o", NEUTRAL_COLOUR),
    ("warning", "v", PALETTE[1]),
    ("critical", "X", ALERT_COLOUR),
)


def _worst_severity(values: pd.Series) -> str:
    for level in ("critical", "warning", "info"):
        if (values == level).any():
            return level
    return "warning"


def _mark_alerts(ax: Axes, frame: pd.DataFrame, x: str, metric: str, alerts) -> None:
    if isinstance(alerts, pd.DataFrame):
        if "subject" in alerts.columns:
            alerts = alerts[alerts["subject"] == metric]  # only alerts about this metric
        if alerts.empty:
            return
        require_columns(alerts, ["batch"], "alerts")
        severity = (
            alerts.groupby("batch", sort=False)["severity"].agg(_worst_severity)
            if "severity" in alerts.columns
            else pd.Series("warning", index=pd.unique(alerts["batch"]))
        )
    else:
        batches = list(as_1d(alerts, "alerts"))
        if not batches:
            return
        severity = pd.Series("warning", index=pd.unique(np.asarray(batches)))
    if "batch" not in frame.columns:
        raise ValueError(
            "history needs a 'batch' column to place alerts: add it or pass alerts=None."
        )
    by_batch = frame.set_index("batch")
    unknown = [b for b in severity.index if b not in by_batch.index]
    if unknown:
        raise ValueError(
            f"alerts mention batch(es) {unknown[:5]} that are not in history: pass the matching history."
        )
    level = np.nanmin(frame[metric].to_numpy(dtype=float))
    for sev, marker, colour in _SEVERITY_MARKERS:
        hit = severity.index[severity.to_numpy() == sev]
        if len(hit) == 0:
            continue
        px = by_batch.loc[hit, x].to_numpy() if x != "batch" else np.asarray(hit)
        py = by_batch.loc[hit, metric].to_numpy(dtype=float)
        py = np.where(np.isnan(py), level, py)  # unlabelled batch: mark at the lowest level seen
        ax.scatter(
            px,
            py,
            marker=marker,
            s=70,
            color=colour,
            zorder=4,
            label=f"{sev} alert",
            edgecolor="white",
        )


# ---------------------------------------------------------------- distributions


def distribution(
    reference,
    current=None,
    column: str | None = None,
    ax: Axes | None = None,
    *,
    batch=None,
    bins: int = 30,
    labels: tuple[str, str] = ("reference", "current"),
    title: str | None = None,
    max_categories: int = 20,
) -> Axes:
    """Compare a feature's distribution in the reference period with the current data.

    Numeric features are drawn as overlaid density histograms on shared bins (infinite values
    are left out and counted in the axis label); categorical ones (``str``, ``category``,
    ``object``, ``bool``) as side-by-side bars of each category's share. With more than
    ``max_categories`` categories, the most common ones (largest share in either sample) are
    drawn and the rest pooled into one "other (N categories)" bar, so a column with 100,000
    levels draws in a fraction of a second.

    A third form draws precomputed bin shares: pass a histogram frame (columns ``bin``,
    ``reference_share``, ``current_share``; optionally ``column`` and ``batch``, as in
    ``MonitorResult.histograms``) as ``reference``, leave ``current`` out, and choose the
    ``column`` and ``batch`` (the last batch by default).

    Parameters
    ----------
    reference, current : DataFrame, Series or array
        The two samples. With DataFrames, ``column`` names the feature.
    column : str, optional
        The feature to draw (required with DataFrames and histogram frames holding many columns).
    bins : int
        Number of shared bins for numeric data.
    labels : (str, str)
        Legend names of the two samples.
    max_categories : int
        Most bars drawn for a categorical feature (the last one pools the rest).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from modellab import plots
    >>> ref = pd.DataFrame({"income": [30.0, 35, 40, 42, 50], "region": ["N", "S", "S", "E", "N"]})
    >>> cur = pd.DataFrame({"income": [45.0, 55, 60, 62, 70], "region": ["S", "S", "S", "E", "N"]})
    >>> ax = plots.distribution(ref, cur, column="region")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['N', 'S', 'E']
    >>> plots.close(ax)
    """
    max_categories = positive_int(max_categories, "max_categories")
    if max_categories < 2:
        raise ValueError(f"max_categories must be at least 2 (one category and 'other'), got {max_categories}.")
    if current is None:
        if isinstance(reference, pd.DataFrame) and {"bin", *_SHARE_COLUMNS} <= set(reference.columns):
            return _distribution_from_shares(reference, column, batch, ax, labels, title, max_categories)
        raise TypeError(
            "current is missing: pass the reference and the current data, or a histogram frame with "
            "columns bin, reference_share, current_share."
        )
    ref = _feature(reference, column, "reference")
    cur = _feature(current, column, "current")
    name = column if column is not None else (ref.name if isinstance(ref.name, str) else "value")
    if _is_categorical(ref) != _is_categorical(cur):
        raise TypeError(
            f"{name!r} is {'categorical' if _is_categorical(ref) else 'numeric'} in reference but not in current: "
            f"convert one of them so both have the same type."
        )
    positive_int(bins, "bins")
    with style():
        ax = _new_axes(ax, (6.4, 3.6))
        xlabel = str(name)
        if _is_categorical(ref):
            _categorical_shares(ax, ref, cur, labels, max_categories)
            ax.set_ylabel("Share of rows (%)")
        else:
            n_inf = _numeric_overlay(ax, ref, cur, bins, labels)
            ax.set_ylabel("Density (area = 1)")
            if n_inf:
                xlabel += f" ({n_inf} infinite values not drawn)"
        ax.set_xlabel(xlabel)
        ax.set_title(title or f"{name}: {labels[0]} vs {labels[1]}")
        _legend(ax)
    return ax


def _feature(data, column, name) -> pd.Series:
    if isinstance(data, pd.DataFrame):
        if column is None:
            raise ValueError(
                f"{name} is a DataFrame: pass column='<feature name>' to choose the feature to draw."
            )
        require_columns(data, [column], name)
        values = data[column]
    elif isinstance(data, pd.Series):
        values = data
    else:
        values = pd.Series(as_1d(data, name))
    values = values.dropna()
    if values.empty:
        raise ValueError(
            f"{name} has no non-missing values for {column or 'this feature'}: pass data with values."
        )
    return values


def _numeric_overlay(ax: Axes, ref: pd.Series, cur: pd.Series, bins: int, labels) -> int:
    """Draw the finite values; return how many infinite values were left out."""
    r = ref.to_numpy(dtype=float)
    c = cur.to_numpy(dtype=float)
    n_inf = int(np.isinf(r).sum() + np.isinf(c).sum())
    r, c = r[np.isfinite(r)], c[np.isfinite(c)]
    if r.size == 0 or c.size == 0:
        raise ValueError("reference or current has no finite values to draw: check the data pipeline.")
    # Shared edges over both samples so the shapes are comparable bin for bin.
    edges = np.histogram_bin_edges(np.concatenate([r, c]), bins=bins)
    for values, colour, label in zip((r, c), _SAMPLE_COLOURS, (labels[0], labels[1]), strict=True):
        ax.hist(
            values, bins=edges, density=True, histtype="stepfilled", alpha=0.45, color=colour, label=label
        )
    return n_inf


def _categorical_shares(ax: Axes, ref: pd.Series, cur: pd.Series, labels, max_categories: int) -> None:
    _share_bars(ax, *_category_shares(ref, cur, max_categories), labels)


def _category_shares(ref: pd.Series, cur: pd.Series, max_categories: int):
    """The bars :func:`distribution` draws for non-missing categorical values: categories
    (reference order first, the rest pooled past ``max_categories``) and both samples' shares.
    The drift explorer moves its bars to these heights in place."""
    r = ref.astype(str).value_counts(normalize=True, sort=False)
    c = cur.astype(str).value_counts(normalize=True, sort=False)
    both = pd.concat([r, c], axis=1, sort=False).fillna(0.0)  # reference order first
    return _top_categories(both.index, both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy(), max_categories)


def _top_categories(cats, ref_share, cur_share, max_categories: int):
    """The ``max_categories - 1`` largest categories (by share in either sample, in their
    original order) and one "other" bar pooling the rest; unchanged when they fit."""
    cats = pd.Index(cats)
    if len(cats) <= max_categories:
        return cats.tolist(), ref_share, cur_share
    keep = np.sort(np.argsort(-np.maximum(ref_share, cur_share), kind="stable")[: max_categories - 1])
    rest = np.ones(len(cats), dtype=bool)
    rest[keep] = False
    return (
        cats.take(keep).tolist() + [f"other ({int(rest.sum())} categories)"],
        np.append(ref_share[keep], ref_share[rest].sum()),
        np.append(cur_share[keep], cur_share[rest].sum()),
    )


def _share_bars(ax: Axes, cats, ref_share, cur_share, labels) -> None:
    pos = np.arange(len(cats))
    width = 0.4
    for offset, share, colour, label in zip(
        (-width / 2, width / 2), (ref_share, cur_share), _SAMPLE_COLOURS, (labels[0], labels[1]), strict=True
    ):
        ax.bar(pos + offset, share, width, color=colour, label=label)
    ax.set_xticks(pos, [str(c) for c in cats], rotation=45 if len(cats) > 6 else 0)
    _percent_axis(ax)


def _rows_for(frame: pd.DataFrame, key: str, value, known: list) -> pd.DataFrame:
    rows = frame[frame[key] == value]
    if rows.empty:
        raise ValueError(f"histograms have no rows for {key} {value!r}: pick one of {known[:10]}.")
    return rows


def _distribution_from_shares(hist, column, batch, ax, labels, title, max_categories=20) -> Axes:
    require_frame(hist, "histograms")
    frame = hist
    if "column" in frame.columns:
        columns = pd.unique(frame["column"])
        if column is None:
            if len(columns) > 1:
                raise ValueError(
                    f"histograms hold several columns {list(columns)[:5]}: pass column='<name>'."
                )
            column = columns[0]
        frame = _rows_for(frame, "column", column, list(columns))
    if "batch" in frame.columns:
        batches = pd.unique(frame["batch"])
        if batch is None:
            batch = max(batches)
        frame = _rows_for(frame, "batch", batch, sorted(batches))
    if frame["bin"].duplicated().any():
        raise ValueError(
            "histograms have repeated bins: filter to one column and one batch (pass column= and batch=)."
        )
    for col in _SHARE_COLUMNS:
        as_numeric(frame[col], f"histograms[{col!r}]")
    name = column if column is not None else "value"
    cur_label = labels[1] if batch is None or labels[1] != "current" else f"batch {batch}"
    with style():
        ax = _new_axes(ax, (6.4, 3.6))
        edges = _finite_edges(frame)
        if edges is None:
            _share_bars(
                ax,
                *_top_categories(
                    frame["bin"].tolist(),
                    frame["reference_share"].to_numpy(dtype=float),
                    frame["current_share"].to_numpy(dtype=float),
                    max_categories,
                ),
                (labels[0], cur_label),
            )
            ax.set_xlabel(f"{name} (category or bin)")
        else:
            left, width = edges
            for col, colour, lab in zip(_SHARE_COLUMNS, _SAMPLE_COLOURS, (labels[0], cur_label), strict=True):
                ax.bar(
                    left,
                    frame[col].to_numpy(dtype=float),
                    width,
                    align="edge",
                    alpha=0.5,
                    color=colour,
                    label=lab,
                    edgecolor="white",
                    linewidth=0.5,
                )
            _percent_axis(ax)
            ax.set_xlabel(str(name))
        ax.set_ylabel("Share of rows (%)")
        ax.set_title(title or f"{name}: {labels[0]} vs {cur_label}")
        _legend(ax)
    return ax


def _finite_edges(frame: pd.DataFrame):
    """Bar positions for numeric bins (``left``/``right`` columns); ``None`` for categories.

    The open-ended outer bins (-inf, inf) are drawn as wide as their neighbour.
    """
    if not {"left", "right"} <= set(frame.columns) or len(frame) < 3:
        return None
    left = pd.to_numeric(frame["left"], errors="coerce").to_numpy(dtype=float, copy=True)
    right = pd.to_numeric(frame["right"], errors="coerce").to_numpy(dtype=float, copy=True)
    inner = slice(1, -1)
    if not (np.isfinite(left[inner]).all() and np.isfinite(right[inner]).all()):
        return None
    if not np.isfinite(left[0]):
        left[0] = right[0] - (right[1] - left[1])
    if not np.isfinite(right[-1]):
        right[-1] = left[-1] + (right[-2] - left[-2])
    if not (np.isfinite(left).all() and np.isfinite(right).all()) or (right <= left).any():
        return None
    return left, right - left


# ---------------------------------------------------------------- drift


def drift_heatmap(
    drift_long: pd.DataFrame,
    value: str = "effect_size",
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Axes:
    """Heatmap of drift per feature (rows) and batch (columns).

    Parameters
    ----------
    drift_long : DataFrame
        Long drift results with columns ``batch``, ``column`` and ``value`` (e.g.
        ``MonitorResult.drift``). Several rows per feature and batch (several methods) are
        reduced to their maximum.
    value : {"effect_size", "drifted"} or another numeric column
        ``"drifted"`` draws a two-colour map (drifted / stable); anything else a continuous one.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from modellab import plots
    >>> d = pd.DataFrame({"batch": [0, 0, 1, 1], "column": ["age", "income"] * 2,
    ...                   "effect_size": [0.01, 0.02, 0.03, 0.40], "drifted": [False, False, False, True]})
    >>> ax = plots.drift_heatmap(d, value="drifted")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['age', 'income']
    >>> plots.close(ax)
    """
    require_frame(drift_long, "drift_long")
    if not isinstance(value, str):
        raise TypeError(
            f"value must be a column name such as 'effect_size' or 'drifted', got {value!r}."
        )
    require_columns(drift_long, ["batch", "column", value], "drift_long")
    vals = drift_long[value]
    binary = value == "drifted" or pd.api.types.is_bool_dtype(vals.dtype)
    if binary:
        vals = vals.astype(float)
    elif not pd.api.types.is_numeric_dtype(vals.dtype):
        raise TypeError(
            f"drift_long[{value!r}] has dtype {vals.dtype}, not numbers: use 'effect_size' or 'drifted'."
        )
    frame = drift_long.assign(_v=vals.to_numpy(dtype=float))
    grid = frame.pivot_table(
        index="column", columns="batch", values="_v", aggfunc="max", dropna=False
    )
    grid = grid.reindex(sorted(grid.index, key=str))
    with style():
        n_rows, n_cols = grid.shape
        ax = _new_axes(ax, (min(2 + 0.45 * n_cols, 14), min(1.2 + 0.35 * n_rows, 10)))
        if binary:
            cmap = mpl.colors.ListedColormap(["#e8eef5", ALERT_COLOUR])
            sns.heatmap(
                grid, ax=ax, cmap=cmap, vmin=0, vmax=1, cbar=True, linewidths=0.5, linecolor="white"
            )
            cbar = ax.collections[0].colorbar
            cbar.set_ticks([0.25, 0.75], labels=["stable", "drifted"])
        else:
            sns.heatmap(
                grid,
                ax=ax,
                cmap="mako_r",
                vmin=0,
                linewidths=0.5,
                linecolor="white",
                cbar_kws={"label": _pretty(value) + " (0 = no change)"},
            )
        ax.set_xlabel("Batch")
        ax.set_ylabel("Feature")
        ax.tick_params(axis="y", rotation=0)
        ax.set_title(
            title
            or (
                "Drifted features per batch"
                if binary
                else f"Drift {_pretty(value).lower()} per batch"
            )
        )
    return ax


def significance_vs_size(
    experiment: pd.DataFrame,
    *,
    alpha: float = 0.05,
    floor: float = 0.1,
    distances: tuple[str, ...] = ("effect_size",),
    axes=None,
):
    """Two panels: p-values shrink as samples grow, while effect sizes stay put.

    Draws one line per ``column`` of ``experiment`` against the sample size ``n``: on the
    left the p-value (log scale, with ``alpha``), on the right each of ``distances`` (with
    the effect-size ``floor``). It is the picture behind the ``auto`` drift rule: significance
    alone flags any change once ``n`` is large enough; a practical floor does not.

    Parameters
    ----------
    experiment : DataFrame
        Tidy rows with ``n``, ``column``, ``p_value`` and the ``distances`` columns, e.g.
        ``drift.compare`` tables of growing samples concatenated with an ``n`` column.
    alpha, floor : float
        Reference lines: the significance level and the effect-size floor.
    distances : tuple of str
        Distance columns for the right panel (e.g. ``("effect_size", "psi")``).
    axes : pair of Axes, optional
        Where to draw; a new 1x2 figure by default.

    Returns
    -------
    numpy.ndarray of two Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from modellab import plots
    >>> e = pd.DataFrame({"n": [100, 1000, 100, 1000], "column": ["a", "a", "b", "b"],
    ...                   "p_value": [0.5, 0.01, 1e-3, 1e-30], "effect_size": [0.02, 0.02, 0.3, 0.3]})
    >>> left, right = plots.significance_vs_size(e)
    >>> left.get_yscale(), [t.get_text() for t in right.get_legend().get_texts()][:2]
    ('log', ['a', 'b'])
    >>> plots.close(left)
    """
    require_frame(experiment, "experiment")
    if isinstance(distances, str):
        distances = (distances,)
    require_columns(experiment, ["n", "column", "p_value", *distances], "experiment")
    markers = ("o", "s", "^", "D")
    with style():
        if axes is None:
            fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
        left, right = axes
        for i, (column, part) in enumerate(experiment.groupby("column", sort=False)):
            part = part.sort_values("n")
            colour = PALETTE[i % len(PALETTE)]
            # a p-value of exactly 0 (underflow) cannot sit on a log axis: show it at the floor
            left.plot(part["n"], part["p_value"].astype(float).clip(lower=1e-12), "o-",
                      color=colour, label=str(column))
            for j, distance in enumerate(distances):
                label = str(column) if len(distances) == 1 else f"{column}: {_pretty(distance)}"
                right.plot(part["n"], part[distance].astype(float), markers[j % len(markers)],
                           ls="-" if j == 0 else "--", color=colour, label=label)
        left.axhline(alpha, color=NEUTRAL_COLOUR, ls=":", label=f"alpha = {alpha:g}")
        left.set(xscale="log", yscale="log", ylim=(1e-12, 2), xlabel="Rows per sample (n)",
                 ylabel="p-value (log; floor 1e-12)", title="p-values shrink as n grows")
        right.axhline(floor, color=NEUTRAL_COLOUR, ls=":", label=f"floor = {floor:g}")
        right.set(xscale="log", xlabel="Rows per sample (n)", ylabel="Distance",
                  title="Effect sizes stay put")
        _legend(left)
        _legend(right)
    return np.asarray(axes)


# ---------------------------------------------------------------- model quality


def confusion_matrix(
    y_true,
    y_pred=None,
    ax: Axes | None = None,
    *,
    normalize: bool = False,
    labels: tuple[str, str] = ("repaid (0)", "default (1)"),
    title: str | None = None,
) -> Axes:
    """Draw a 2x2 confusion matrix with counts (or row shares) written in each cell.

    Parameters
    ----------
    y_true, y_pred : array-like of 0/1
        True outcomes and predicted classes. Alternatively pass a ready confusion matrix as
        ``y_true`` and leave ``y_pred`` out: a 2x2 array/DataFrame (rows = actual, columns =
        predicted), or a frame with columns ``tn``, ``fp``, ``fn``, ``tp`` (first row used).
    normalize : bool
        Show each row as shares of the actual class instead of counts.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from modellab import plots
    >>> ax = plots.confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])
    >>> sorted(t.get_text() for t in ax.texts)
    ['1', '1', '1', '2']
    >>> plots.close(ax)
    """
    matrix = _confusion_counts(y_true, y_pred)
    shown = matrix / matrix.sum(axis=1, keepdims=True).clip(min=1) if normalize else matrix
    with style():
        ax = _new_axes(ax, (4.2, 3.6))
        sns.heatmap(
            shown,
            ax=ax,
            annot=True,
            fmt=".0%" if normalize else "g",
            cmap="Blues",
            cbar=False,
            square=True,
            xticklabels=list(labels),
            yticklabels=list(labels),
            linewidths=1,
            linecolor="white",
        )
        ax.set_xlabel("Predicted")
        ax.set_ylabel("Actual")
        ax.tick_params(axis="y", rotation=0)
        ax.set_title(
            title
            or ("Confusion matrix (share of actual)" if normalize else "Confusion matrix (loans)")
        )
    return ax


def _confusion_counts(y_true, y_pred) -> np.ndarray:
    if y_pred is None:
        if isinstance(y_true, pd.DataFrame) and {"tn", "fp", "fn", "tp"} <= set(y_true.columns):
            require_frame(y_true, "confusion")
            row = y_true.iloc[0]
            m = np.array([[row["tn"], row["fp"]], [row["fn"], row["tp"]]], dtype=float)
        else:
            if y_true is None:
                raise TypeError(
                    "y_true is None: pass true labels and predictions, or a 2x2 confusion matrix."
                )
            m = np.asarray(
                y_true.to_numpy() if isinstance(y_true, pd.DataFrame) else y_true, dtype=float
            )
            if m.shape != (2, 2):
                raise ValueError(
                    f"Without y_pred, y_true must be a 2x2 confusion matrix, got shape {m.shape}: "
                    f"pass y_true and y_pred as label arrays instead."
                )
        if np.isnan(m).any() or (m < 0).any():
            raise ValueError(
                "The confusion matrix holds NaN or negative counts: pass non-negative counts."
            )
        return m
    same_index(y_true=y_true, y_pred=y_pred)  # Series are paired by index, never by position
    yt = as_binary_labels(y_true, "y_true")
    yp = as_binary_labels(y_pred, "y_pred")
    same_length(y_true=yt, y_pred=yp)
    return _skm.confusion_matrix(yt, yp, labels=[0, 1]).astype(float)


def roc_curve(
    y_true,
    y_score=None,
    ax: Axes | None = None,
    *,
    label: str | None = None,
    title: str | None = None,
) -> Axes:
    """ROC curve(s) from scikit-learn's ``roc_curve``, with the AUC in the legend.

    Pass ``y_true`` and ``y_score``, or a mapping ``{label: (y_true, y_score)}`` to compare
    several models or batches; calling again with the same ``ax`` adds a curve.

    Examples
    --------
    >>> from modellab import plots
    >>> ax = plots.roc_curve({"batch 0": ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
    ...                       "batch 1": ([0, 1, 0, 1], [0.2, 0.9, 0.1, 0.7])})
    >>> ax.get_legend().get_texts()[0].get_text()
    'batch 0 (AUC = 0.75)'
    >>> plots.close(ax)
    """
    curves = _curve_inputs(y_true, y_score, label)
    with style():
        ax = _new_axes(ax, (4.8, 4.4))
        for name, yt, ys in curves:
            fpr, tpr, _ = _skm.roc_curve(yt, ys)
            auc = _skm.roc_auc_score(yt, ys)
            ax.plot(fpr, tpr, linewidth=2, label=f"{name or 'model'} (AUC = {auc:.2f})")
        _diagonal(ax, "chance", "chance")
        _finish_curve(
            ax,
            "False positive rate (share of repaid loans flagged)",
            "True positive rate (share of defaults caught)",
            title or "ROC curve",
            "lower right",
        )
    return ax


def pr_curve(
    y_true,
    y_score=None,
    ax: Axes | None = None,
    *,
    label: str | None = None,
    title: str | None = None,
) -> Axes:
    """Precision-recall curve(s) from scikit-learn, with average precision (AP) in the legend.

    The dashed line is the default rate: the precision of flagging loans at random.

    Examples
    --------
    >>> from modellab import plots
    >>> ax = plots.pr_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], label="model")
    >>> ax.get_legend().get_texts()[0].get_text()
    'model (AP = 0.83)'
    >>> plots.close(ax)
    """
    curves = _curve_inputs(y_true, y_score, label)
    with style():
        ax = _new_axes(ax, (4.8, 4.4))
        for name, yt, ys in curves:
            precision, recall, _ = _skm.precision_recall_curve(yt, ys)
            ap = _skm.average_precision_score(yt, ys)
            (line,) = ax.plot(
                recall,
                precision,
                linewidth=2,
                drawstyle="steps-post",
                label=f"{name or 'model'} (AP = {ap:.2f})",
            )
            ax.axhline(yt.mean(), color=line.get_color(), linestyle="--", linewidth=1, alpha=0.7)
        _finish_curve(
            ax,
            "Recall (share of defaults caught)",
            "Precision (share of flagged loans that default)",
            title or "Precision-recall curve (dashed: default rate)",
            "upper right",
        )
    return ax


def calibration_curve(
    y_true,
    y_score=None,
    n_bins: int = 10,
    ax: Axes | None = None,
    *,
    strategy: str = "uniform",
    label: str | None = None,
    title: str | None = None,
) -> Axes:
    """Reliability diagram from scikit-learn's ``calibration_curve``.

    Points on the diagonal mean the predicted default probability matches the observed default
    rate. ``y_score`` must be probabilities in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from modellab import plots
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0, 1, 500)
    >>> y = (rng.uniform(0, 1, 500) < p).astype(int)
    >>> ax = plots.calibration_curve(y, p, n_bins=5, label="calibrated")
    >>> ax.get_xlabel()
    'Predicted default probability (bin mean)'
    >>> plots.close(ax)
    """
    positive_int(n_bins, "n_bins")
    if strategy not in ("uniform", "quantile"):
        raise ValueError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}.")
    curves = _curve_inputs(y_true, y_score, label)
    for _, _, ys in curves:
        if ys.min() < 0 or ys.max() > 1:
            raise ValueError(
                "y_score must be probabilities between 0 and 1 for a calibration curve: "
                "use model.predict_proba(X)[:, 1], not a decision score."
            )
    with style():
        ax = _new_axes(ax, (4.8, 4.4))
        for name, yt, ys in curves:
            frac_pos, mean_pred = _skcal.calibration_curve(yt, ys, n_bins=n_bins, strategy=strategy)
            ax.plot(mean_pred, frac_pos, marker="o", linewidth=2, label=name or "model")
        _diagonal(ax, "perfect", "perfectly calibrated")
        _finish_curve(
            ax,
            "Predicted default probability (bin mean)",
            "Observed default rate",
            title or "Calibration",
            "upper left",
            top=1,
        )
    return ax

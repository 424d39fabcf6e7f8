"""The threshold explorer: where to cut the scores, and what each cut-off costs."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pandas as pd
from seaborn.utils import relative_luminance

from modellab import plots
from modellab.metrics import best_threshold, confusion_counts, threshold_table
from modellab.metrics.classification import check_threshold, labelled_pairs
from modellab.widgets._base import Explorer, LiveFigure, fmt, html_output, show, table_html


def _cost(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number (the cost of one such error), got {value!r}.")
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}: e.g. {name}=1.0.")
    return v


class ThresholdExplorer(Explorer):
    """Move a decision threshold and see the confusion matrix, the rates and the cost.

    Build it with :func:`threshold_explorer`.

    Controls: ``"threshold"`` (FloatSlider), ``"cost_fp"`` and ``"cost_fn"``
    (BoundedFloatText, >= 0), ``"best"`` (a Button that moves the slider to the
    cheapest threshold).

    State keys: ``threshold, tp, fp, tn, fn, precision, recall, f1, specificity,
    positive_rate, cost, avg_cost, cost_fp, cost_fn, best_threshold, best_cost,
    best_avg_cost, n``.
    """

    def __init__(self, y_true, y_score, cost_fp=1.0, cost_fn=5.0, threshold=None):
        cost_fp, cost_fn = _cost(cost_fp, "cost_fp"), _cost(cost_fn, "cost_fn")
        y, s, _ = labelled_pairs(y_true, y_score)
        if y.size == 0:
            raise ValueError(
                "y_true has no labels (all NaN): the explorer needs outcomes to count errors; "
                "use a labelled period such as scenario.reference."
            )
        self._y, self._s = y, s
        probabilities = s.min() >= 0 and s.max() <= 1
        lo, hi = (0.0, 1.0) if probabilities else (float(s.min()), float(s.max()))
        step = 0.01 if probabilities else (hi - lo) / 100 or 1.0
        # The cost curve is evaluated on this fixed grid (cached per pair of costs).
        self._grid = np.round(np.linspace(0, 1, 101), 2) if probabilities else None
        if threshold is None:
            threshold = 0.5 if probabilities else float(np.median(s))
        threshold = check_threshold(threshold)
        if not lo <= threshold <= hi:
            raise ValueError(
                f"threshold={threshold} is outside the scores' range [{lo:.3g}, {hi:.3g}]: "
                f"pick a threshold inside it."
            )
        self._curves: dict[tuple[float, float], tuple[pd.DataFrame, object]] = {}
        self._figure = LiveFigure((9.5, 3.6), ncols=2, width_ratios=[1, 1.5])
        self._figure.figure.subplots_adjust(left=0.12, right=0.98, bottom=0.16, top=0.9,
                                            wspace=0.3)
        self._artists: dict | None = None  # built on the first draw, then updated in place
        slider = widgets.FloatSlider(
            value=threshold, min=lo, max=hi, step=step, description="threshold",
            continuous_update=False, readout_format=".2f" if probabilities else ".3g",
            style={"description_width": "initial"}, layout=widgets.Layout(width="420px"),
        )
        fp_box = widgets.BoundedFloatText(
            value=cost_fp, min=0.0, max=1e9, step=0.5, description="cost of a false positive",
            style={"description_width": "initial"}, layout=widgets.Layout(width="260px"),
        )
        fn_box = widgets.BoundedFloatText(
            value=cost_fn, min=0.0, max=1e9, step=0.5, description="cost of a false negative",
            style={"description_width": "initial"}, layout=widgets.Layout(width="260px"),
        )
        best = widgets.Button(description="go to cheapest threshold", icon="crosshairs")
        controls = {"threshold": slider, "cost_fp": fp_box, "cost_fn": fn_box, "best": best}
        super().__init__(
            controls, [slider, widgets.HBox([fp_box, fn_box, best])]
        )
        for name in ("threshold", "cost_fp", "cost_fn"):
            controls[name].observe(self._on_change, names="value")
        best.on_click(self._go_to_best)
        self.refresh()

    # ------------------------------------------------------------------ computing
    def _curve(self, cost_fp: float, cost_fn: float):
        key = (cost_fp, cost_fn)
        if key not in self._curves:
            table = threshold_table(self._y, self._s, self._grid, cost_fp, cost_fn)
            best = best_threshold(self._y, self._s, cost_fp, cost_fn, thresholds=self._grid)
            self._curves = {key: (table, best)}  # costs change rarely: keep the last pair
        return self._curves[key]

    def _go_to_best(self, _button=None) -> None:
        self.controls["threshold"].value = self._state["best_threshold"]

    def refresh(self) -> None:
        t = float(self.controls["threshold"].value)
        cost_fp = float(self.controls["cost_fp"].value)
        cost_fn = float(self.controls["cost_fn"].value)
        table, best = self._curve(cost_fp, cost_fn)
        c = confusion_counts(self._y, self._s, t)
        cost = cost_fp * c.fp + cost_fn * c.fn
        self._state = {
            "threshold": t, "tp": c.tp, "fp": c.fp, "tn": c.tn, "fn": c.fn,
            "precision": c.precision, "recall": c.recall, "f1": c.f1,
            "specificity": c.specificity, "positive_rate": c.positive_rate,
            "cost": cost, "avg_cost": cost / c.n, "cost_fp": cost_fp, "cost_fn": cost_fn,
            "best_threshold": best.threshold, "best_cost": best.cost,
            "best_avg_cost": best.avg_cost, "n": c.n,
        }
        self._draw_summary()
        self._draw_plot(table, best)

    # ------------------------------------------------------------------ drawing
    def _draw_summary(self) -> None:
        st = self._state
        line = (
            f"Threshold {st['threshold']:.3g}: flags {fmt(st['positive_rate'], '.1%')} of cases, "
            f"catches {fmt(st['recall'], '.1%')} of positives (recall); "
            f"{fmt(st['precision'], '.1%')} of flagged cases are positive (precision). "
            f"Expected cost {st['avg_cost']:.3f} per case ({st['cost']:,.0f} in total). "
            f"Cheapest threshold: {st['best_threshold']:.3g} "
            f"({st['best_avg_cost']:.3f} per case)."
        )
        rows = pd.DataFrame({
            "measure": ["precision", "recall", "F1", "specificity", "flag rate",
                        "false positives", "false negatives", "cost per case"],
            "value": [st["precision"], st["recall"], st["f1"], st["specificity"],
                      st["positive_rate"], st["fp"], st["fn"], st["avg_cost"]],
        })
        markup = f"<p>{line}</p>" + table_html(rows, {"value": ".3g"})
        text = line + "\n" + rows.to_string(index=False)
        show(self.outputs["summary"], html_output(markup, text))

    def _draw_plot(self, table: pd.DataFrame, best) -> None:
        st = self._state
        matrix = np.array([[st["tn"], st["fp"]], [st["fn"], st["tp"]]])
        ax_cm, ax_cost = self._figure.axes
        cm_title = f"Confusion matrix at {st['threshold']:.2f}"
        mine = f"your threshold ({st['threshold']:.2f})"
        cheapest = f"cheapest ({best.threshold:.2f})"
        cost_title = f"Cost (false positive {st['cost_fp']:g}, false negative {st['cost_fn']:g})"
        with self._figure.drawing():
            if self._artists is None:  # first draw: build the figure
                plots.confusion_matrix(matrix, ax=ax_cm, title=cm_title)
                curve, = ax_cost.plot(table["threshold"], table["avg_cost"],
                                      color=plots.PALETTE[0], label="expected cost per case")
                line = ax_cost.axvline(st["threshold"], color=plots.CURRENT_COLOUR,
                                       linewidth=2, label=mine)
                star = ax_cost.scatter([best.threshold], [best.avg_cost], marker="*", s=180,
                                       color=plots.ALERT_COLOUR, zorder=4, label=cheapest)
                ax_cost.set_xlabel("Threshold (flag when score >= threshold)")
                ax_cost.set_ylabel("Expected cost per case")
                ax_cost.set_title(cost_title)
                legend = ax_cost.legend(loc="best")
                self._artists = {"curve": curve, "line": line, "star": star, "legend": legend,
                                 "table": table}
            else:  # later draws: move the artists
                a = self._artists
                _update_heatmap(ax_cm, matrix)
                ax_cm.title.set_text(cm_title)
                a["line"].set_xdata([st["threshold"], st["threshold"]])
                if a["table"] is not table:  # the costs changed: a new curve and cheapest point
                    a["curve"].set_data(table["threshold"], table["avg_cost"])
                    a["star"].set_offsets([[best.threshold, best.avg_cost]])
                    ax_cost.title.set_text(cost_title)
                    ax_cost.relim()
                    ax_cost.autoscale_view()
                    a["table"] = table
                texts = a["legend"].get_texts()[1:]
                for artist, text, label in zip((a["line"], a["star"]), texts, (mine, cheapest),
                                               strict=True):
                    artist.set_label(label)
                    text.set_text(label)
        description = (
            f"<Figure: confusion matrix and cost curve at threshold {st['threshold']:.2f}; "
            f"cheapest threshold {best.threshold:.2f}>"
        )
        show(self.outputs["plot"], self._figure.output(description))


def _update_heatmap(ax, matrix: np.ndarray) -> None:
    """Show ``matrix`` in the seaborn heatmap :func:`modellab.plots.confusion_matrix` drew
    on ``ax``, as seaborn would draw it: colours scaled from its minimum to its maximum,
    each count written in dark text on light cells and white on dark ones."""
    mesh = ax.collections[0]
    mesh.set_array(matrix.ravel())
    mesh.set_clim(matrix.min(), matrix.max())
    mesh.update_scalarmappable()
    for text, value, colour in zip(ax.texts, matrix.ravel(), mesh.get_facecolors(),
                                   strict=True):
        text.set_text(format(value, "g"))
        text.set_color(".15" if relative_luminance(colour) > 0.408 else "w")

def threshold_explorer(
    y_true, y_score, cost_fp: float = 1.0, cost_fn: float = 5.0, *, threshold: float | None = None
) -> ThresholdExplorer:
    """Explore the decision threshold: confusion matrix, precision/recall/F1 and business cost.

    Parameters
    ----------
    y_true : array-like of 0/1
        Outcomes (``NaN`` = no label yet; such rows are skipped).
    y_score : array-like of float
        Model scores; ``y_score >= threshold`` is flagged.
    cost_fp, cost_fn : float, default 1.0 and 5.0
        Cost of one false positive (a good loan refused) and one false negative (a
        default approved); both editable in the widget.
    threshold : float, optional
        Where the slider starts: default 0.5 for probabilities, else the median score
        of the labelled rows.

    Returns
    -------
    ThresholdExplorer
        A widget (display it in a notebook). ``.controls["threshold"]``, ``.state`` (the
        numbers shown), ``.outputs["summary"]`` (a summary line and a table) and
        ``.outputs["plot"]`` (confusion matrix and the cost curve with the cheapest
        threshold starred).

    Examples
    --------
    >>> ex = threshold_explorer([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.6])
    >>> ex.state["recall"], ex.state["fp"]
    (0.6666666666666666, 0)
    >>> ex.controls["threshold"].value = 0.3
    >>> ex.state["recall"], ex.state["fp"]
    (1.0, 1)
    """
    return ThresholdExplorer(y_true, y_score, cost_fp, cost_fn, threshold)

"""The alert tuner: move alert-rule thresholds and see alerts against the true drift events.

Rules are re-evaluated on a cached monitoring history (a few milliseconds), never by
re-running the monitor: a rule only reads the per-batch numbers the monitor stored.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pandas as pd

from modellab import plots, scenarios
from modellab.monitor import (
    DriftShareAbove,
    FeatureDrifted,
    MetricAbove,
    MetricBelow,
    MetricDropFrom,
    MetricRiseFrom,
    MissingRateAbove,
    Monitor,
    MonitorResult,
    Rule,
    drift_windows,
    score_alerts,
)
from modellab.monitor.rules import ALERT_COLUMNS
from modellab.monitor.scoring import EVENT_COLUMNS
from modellab.widgets._base import Explorer, LiveFigure, html_output, show, table_html

#: History columns the tuned rules read.
_NEEDED = ("batch", "roc_auc", "n_labelled", "drift_share", "mean_score")
#: Fixed rules evaluated next to the tuned ones unless told otherwise: the rest of
#: :func:`modellab.monitor.default_rules`.
DEFAULT_EXTRA_RULES = (
    MetricRiseFrom("base_rate", by=0.05, severity="warning"),
    MissingRateAbove(0.05, relative=True, severity="warning"),
)

# name -> (description, min, max, step, readout format, rule factory)
_SLIDERS = {
    "auc_floor": ("ROC-AUC floor", 0.5, 0.95, 0.01, ".2f",
                  lambda v: MetricBelow("roc_auc", v, severity="critical")),
    "drift_share": ("drift-share ceiling", 0.0, 0.9, 0.05, ".2f",
                    lambda v: DriftShareAbove(v, severity="warning")),
    "score_rise": ("mean-score rise", 0.005, 0.15, 0.005, ".3f",
                   lambda v: MetricRiseFrom("mean_score", by=v, severity="warning")),
    "min_effect": ("feature effect floor", 0.05, 1.0, 0.05, ".2f",
                   lambda v: FeatureDrifted(min_effect=v, severity="warning")),
}


class AlertTuner(Explorer):
    """Tune alert-rule thresholds on a monitoring history and score the alerts against the truth.

    Build it with :func:`alert_tuner`.

    Controls (FloatSliders): ``"auc_floor"`` (``MetricBelow("roc_auc", floor)``),
    ``"drift_share"`` (``DriftShareAbove(ceiling)``), ``"score_rise"``
    (``MetricRiseFrom("mean_score", by=rise)``) and ``"min_effect"``
    (``FeatureDrifted(min_effect=floor)``: some feature drifted by at least this effect size).

    State keys: ``auc_floor, drift_share, score_rise, min_effect, n_alerts,
    alerted_batches, n_alerted_batches, has_truth, n_events, detected, missed,
    false_alarms, false_alarm_batches, delays, mean_delay, first_alert``. Without truth
    the scoring keys are ``None``. :attr:`alerts` and :attr:`events` hold the tables.
    """

    def __init__(self, history, reference, truth, extra_rules, values, title):
        self._history = history.reset_index(drop=True)
        self._reference = dict(reference)
        self._truth = truth
        self._extra = list(extra_rules)
        self._title = title
        self._cache: dict[tuple[str, float], list[dict]] = {}
        self._extra_rows = [r for rule in self._extra
                            for r in rule.alert_rows(self._history, self._reference)]
        self._alerts = pd.DataFrame(columns=ALERT_COLUMNS)
        self._events = pd.DataFrame(columns=list(EVENT_COLUMNS))
        n_rules = len(_SLIDERS) + len(self._extra)
        self._figure = LiveFigure((10, 6.6), blit=True, nrows=3, sharex=True,
                                  height_ratios=[1.2, 1, 0.4 + 0.2 * n_rules])
        # Fixed margins (no layout engine: quicker redraws); legends sit on the right.
        self._figure.figure.subplots_adjust(left=0.2, right=0.82, top=0.9, bottom=0.08,
                                            hspace=0.4)
        self._drawn: dict = {}  # axes -> what it shows now (see _draw_plot)
        self._rule_artists: list = []  # (markers, name) per row of the alert timeline
        controls = {}
        for name, (label, lo, hi, step, readout, _) in _SLIDERS.items():
            controls[name] = widgets.FloatSlider(
                value=values[name], min=lo, max=hi, step=step, description=label,
                readout_format=readout, continuous_update=False,
                style={"description_width": "initial"}, layout=widgets.Layout(width="400px"),
            )
        names = list(controls)
        super().__init__(controls, [
            widgets.HBox([controls[names[0]], controls[names[1]]]),
            widgets.HBox([controls[names[2]], controls[names[3]]]),
        ])
        for c in controls.values():
            c.observe(self._on_change, names="value")
        self.refresh()

    # ------------------------------------------------------------------ computing
    def rules(self) -> list[Rule]:
        """The rules at the current slider positions, then the fixed ``extra_rules``."""
        return [
            spec[5](float(self.controls[name].value)) for name, spec in _SLIDERS.items()
        ] + self._extra

    def _rows(self, name: str, value: float) -> list[dict]:
        key = (name, round(value, 6))
        if key not in self._cache:
            rule = _SLIDERS[name][5](value)
            self._cache[key] = rule.alert_rows(self._history, self._reference)
        return self._cache[key]

    def refresh(self) -> None:
        values = {name: float(c.value) for name, c in self.controls.items()}
        rows = [r for name, v in values.items() for r in self._rows(name, v)] + self._extra_rows
        alerts = pd.DataFrame(rows, columns=ALERT_COLUMNS).astype(
            {"value": float, "threshold": float}
        )
        order = {b: i for i, b in enumerate(self._history["batch"])}
        alerts = alerts.iloc[np.argsort(alerts["batch"].map(order).to_numpy(), kind="stable")]
        self._alerts = alerts.reset_index(drop=True)
        alerted = [b for b in self._history["batch"] if b in set(self._alerts["batch"])]
        state = {**values, "n_alerts": len(self._alerts), "alerted_batches": alerted,
                 "n_alerted_batches": len(alerted), "has_truth": self._truth is not None,
                 "first_alert": alerted[0] if alerted else None}
        state.update(self._score(alerted))
        self._state = state
        self._draw_summary()
        self._draw_plot()

    def _score(self, alerted: list) -> dict:
        """Events detected, detection delay and false alarms, against the truth's windows."""
        keys = ("n_events", "detected", "missed", "false_alarms", "false_alarm_batches",
                "delays", "mean_delay")
        if self._truth is None:
            self._events = pd.DataFrame(columns=list(EVENT_COLUMNS))
            return dict.fromkeys(keys)
        score = score_alerts(alerted, self._truth)
        self._events = score.to_frame()
        return {
            "n_events": score.n_events, "detected": score.detected, "missed": score.missed,
            "false_alarms": score.false_alarms,
            "false_alarm_batches": list(score.false_alarm_batches),
            "delays": list(score.delays), "mean_delay": score.mean_delay,
        }

    @property
    def alerts(self) -> pd.DataFrame:
        """Alerts at the current settings (columns of ``MonitorResult.alerts``), in batch order."""
        return self._alerts.copy()

    @property
    def events(self) -> pd.DataFrame:
        """One row per drift window of the truth: ``start_batch, end_batch, kind, features,
        detected, first_alert, delay`` (batches from onset to the first alert; nullable
        integers, ``<NA>`` if missed). Empty without truth."""
        return self._events.copy()

    # ------------------------------------------------------------------ drawing
    def _draw_summary(self) -> None:
        st = self._state
        line = f"{st['n_alerts']} alert(s) on {st['n_alerted_batches']} of " \
               f"{len(self._history)} batches"
        if st["first_alert"] is not None:
            line += f", the first on batch {st['first_alert']}"
        if not st["has_truth"]:
            line += ". No ground truth here: pass a Scenario to count false alarms and delays."
        elif st["n_events"] == 0:
            line += (f". Nothing drifted in this world, so every alerted batch is a false "
                     f"alarm: {st['false_alarms']} false alarm(s).")
        else:
            delay = ("—" if np.isnan(st["mean_delay"])
                     else f"{st['mean_delay']:.1f} batch(es) on average")
            line += (f". Drift events detected: {st['detected']} of {st['n_events']} "
                     f"(delay {delay}); false alarms: {st['false_alarms']} batch(es) "
                     f"outside any drift window.")
        parts = [f"<p>{line}</p>"]
        text = [line]
        per_rule = self._per_rule()
        parts.append(f"<div style='display:flex;gap:2em;flex-wrap:wrap'><div><b>Rules</b>"
                     f"{table_html(per_rule)}</div>")
        text.append(per_rule.to_string(index=False))
        if st["has_truth"] and len(self._events):
            events = self._events.assign(
                features=[", ".join(f) or "—" for f in self._events["features"]],
                first_alert=[("—" if pd.isna(b) else int(b)) for b in self._events["first_alert"]],
                delay=[("missed" if pd.isna(d) else int(d)) for d in self._events["delay"]],
            )
            parts.append(f"<div><b>Drift events (truth)</b>{table_html(events)}</div>")
            text.append(events.to_string(index=False))
        parts.append("</div>")
        show(self.outputs["summary"], html_output("".join(parts), "\n".join(text)))

    def _per_rule(self) -> pd.DataFrame:
        rows = []
        for rule in self.rules():
            fired = self._alerts[self._alerts["rule"] == rule.name]
            rows.append({
                "rule": rule.name, "alerts": len(fired),
                "first alert": fired["batch"].iloc[0] if len(fired) else "—",
            })
        return pd.DataFrame(rows, columns=["rule", "alerts", "first alert"])

    def _draw_plot(self) -> None:
        st, history = self._state, self._history
        x = history["batch"]
        rules = self.rules()
        fig = self._figure.figure
        ax_auc, ax_drift, ax_rules = self._figure.axes
        # An axes is drawn again only when what it shows changed: its threshold or its alerts.
        alerts = self._alerts
        keys = {
            ax_auc: (st["auc_floor"], alerts[alerts["subject"] == "roc_auc"].to_json()),
            ax_drift: (st["drift_share"], alerts[alerts["subject"] == "drift_share"].to_json()),
            ax_rules: (tuple(_short(r) for r in rules), alerts[["batch", "rule"]].to_json()),
        }
        with self._figure.drawing():
            for ax, key in keys.items():
                if self._drawn.get(ax) == key:
                    continue
                self._drawn[ax] = key
                if ax is ax_rules and self._rule_artists:
                    self._draw_rules(rules, x)  # the timeline's markers and names, moved
                    continue
                self._figure.clear(ax)  # redrawn on the same axes; their ticks are kept
                if self._truth is not None:
                    for k, w in enumerate(self._truth.itertuples(index=False)):
                        ax.axvspan(w.start_batch - 0.5, w.end_batch + 0.5, color="0.6",
                                   alpha=0.18, lw=0, label="drift (truth)" if k == 0 else None)
                if ax is ax_auc:
                    if history["roc_auc"].notna().any():
                        plots.metric_over_time(history, "roc_auc", alerts=alerts, ax=ax_auc,
                                               reference=self._reference.get("roc_auc"),
                                               title="ROC-AUC per batch")
                    else:
                        ax_auc.set_title("ROC-AUC per batch (no labels yet)")
                    # The y axes span each slider's whole range, so they stay put while it
                    # moves (and the figure's frame need not be drawn again).
                    _span_slider(ax_auc, "auc_floor", x)
                    ax_auc.axhline(st["auc_floor"], color=plots.ALERT_COLOUR, linestyle=":",
                                   label=f"floor {st['auc_floor']:.2f}")
                    ax_auc.set_ylabel("ROC-AUC")
                elif ax is ax_drift:
                    plots.metric_over_time(history, "drift_share", alerts=alerts, ax=ax_drift,
                                           title="Share of features drifted")
                    _span_slider(ax_drift, "drift_share", x)
                    ax_drift.axhline(st["drift_share"], color=plots.ALERT_COLOUR,
                                     linestyle=":", label=f"ceiling {st['drift_share']:.0%}")
                    ax_drift.set_ylabel("Drifted features")
                else:
                    self._draw_rules(rules, x)
                if ax is not ax_rules:
                    ax.set_xlabel("")
                    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
            if np.issubdtype(np.asarray(x).dtype, np.number):  # shared by the three axes
                ax_rules.set_xlim(float(np.min(x)) - 0.7, float(np.max(x)) + 0.7)
            fig.suptitle(self._title, fontsize=12, fontweight="bold", y=0.985)
        description = (
            f"<Figure: {self._title}; {st['n_alerts']} alerts, alerted batches "
            f"{st['alerted_batches']}>"
        )
        show(self.outputs["plot"], self._figure.output(description))

    def _draw_rules(self, rules: list[Rule], x) -> None:
        """The alert timeline: one row per rule, its name written left of the row.

        Built on the first call; later calls move the markers and rename the rows.
        """
        ax = self._figure.axes[2]
        n, built = len(rules), bool(self._rule_artists)
        for i, rule in enumerate(rules):
            fired = self._alerts[self._alerts["rule"] == rule.name]
            points = np.column_stack([fired["batch"].to_numpy(dtype=float),
                                      np.full(len(fired), n - 1 - i)])
            if built:
                markers, name = self._rule_artists[i]
                markers.set_offsets(points.reshape(-1, 2))
                name.set_text(_short(rule))
                continue
            markers = ax.scatter(points[:, 0], points[:, 1], marker="|", s=200,
                                 color=plots.ALERT_COLOUR)
            # A text, not a tick label: the names change with the thresholds, while the
            # axes (drawn once, see LiveFigure) stay.
            name = ax.text(-0.01, n - 1 - i, _short(rule), transform=ax.get_yaxis_transform(),
                           ha="right", va="center", fontsize=8)
            self._rule_artists.append((markers, name))
        if built:
            return
        ax.set_yticks(range(n))
        ax.tick_params(axis="y", labelleft=False)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_title("Alerts by rule", fontsize=11)
        ax.set_xlabel("Batch")


def _span_slider(ax, name: str, x) -> None:
    """Widen the y data limits of ``ax`` to the range of slider ``name``."""
    lo, hi = _SLIDERS[name][1:3]
    first = np.asarray(x)[0] if np.issubdtype(np.asarray(x).dtype, np.number) else 0
    ax.update_datalim([(first, lo), (first, hi)], updatex=False)
    ax.autoscale_view(scalex=False)


def _short(rule: Rule) -> str:
    """A short label for a rule on the timeline."""
    metric = getattr(rule, "metric", "")
    if isinstance(rule, MetricBelow):
        return f"{metric} < {rule.threshold:g}"
    if isinstance(rule, MetricAbove):
        return f"{metric} > {rule.threshold:g}"
    if isinstance(rule, MetricDropFrom):
        return f"{metric} drop > {rule.by:g}"
    if isinstance(rule, MetricRiseFrom):
        return f"{metric} rise > {rule.by:g}"
    if isinstance(rule, DriftShareAbove):
        return f"drift share > {rule.threshold:.0%}"
    if isinstance(rule, FeatureDrifted):
        effect = "" if rule.min_effect is None else f" >= {rule.min_effect:g}"
        return f"{rule.feature or 'any feature'} drift{effect}"
    if isinstance(rule, MissingRateAbove):
        what = rule.feature or "any feature"
        return f"{what} missing {'+' if rule.relative else '>'} {rule.threshold:.0%}"
    name = rule.name
    return name if len(name) <= 32 else name[:31] + "…"


def _drift_windows(truth: pd.DataFrame, batches: pd.Series) -> pd.DataFrame:
    """Truth windows to detect (label delay is not drift), overlapping ones merged."""
    if not isinstance(truth, pd.DataFrame):
        raise ValueError("truth must be a scenario's truth table: pass scenario.truth.")
    if not pd.api.types.is_numeric_dtype(batches.dtype):
        raise ValueError(
            "history batch ids are not numbers, so they cannot be matched with the truth's "
            "batch numbers: pass truth=None, or monitor batches numbered 0, 1, 2, ..."
        )
    # Only drift that starts inside the monitored stream can be detected.
    return drift_windows(truth, n_batches=int(batches.max()) + 1)


def _check_history(result: MonitorResult) -> None:
    missing = [c for c in _NEEDED if c not in result.history.columns]
    if missing:
        raise ValueError(
            f"the monitoring history has no column(s) {missing}: run the Monitor with a target "
            f"column and at least one feature, then pass its MonitorResult."
        )
    if result.history.empty:
        raise ValueError("the monitoring history is empty: run the monitor on some batches first.")
    for metric in ("roc_auc", "mean_score"):
        value = result.reference.get(metric)
        if value is None or np.isnan(value):
            raise ValueError(
                f"the result's reference has no {metric!r}: pass a MonitorResult from "
                f"Monitor(...).run(...), whose reference holds the reference metrics."
            )


def _check_extra(extra_rules) -> list[Rule]:
    if isinstance(extra_rules, Rule):
        extra_rules = [extra_rules]
    rules = list(extra_rules)
    for r in rules:
        if not isinstance(r, Rule):
            raise TypeError(
                f"extra_rules must hold alert rules from modellab.monitor (e.g. "
                f"MissingRateAbove(0.05)), got {type(r).__name__}."
            )
    return rules


def alert_tuner(
    result_or_scenario,
    *,
    truth: pd.DataFrame | None = None,
    auc_floor: float | None = None,
    drift_share: float = 0.3,
    score_rise: float = 0.03,
    min_effect: float = 0.2,
    extra_rules=None,
) -> AlertTuner:
    """Tune alert thresholds: alerts raised vs the truth's drift events, false alarms and delay.

    Parameters
    ----------
    result_or_scenario : Scenario or MonitorResult
        A Scenario is monitored once (``Monitor(scenario.reference, rules=[])`` run on
        ``scenario.production``: a few seconds for the default 20 x 1,000 rows) and its
        ``truth`` scores the alerts. A MonitorResult is used as it is: pass ``truth=`` to
        score it, otherwise only the alerts are shown. Either way, moving a slider only
        re-evaluates the rules on the stored history.
    truth : DataFrame, optional
        A scenario's truth table, to score a MonitorResult (ignored for a Scenario, which
        brings its own). ``label_delay`` rows are not drift and are not scored.
    auc_floor : float, optional
        Start of the ROC-AUC floor slider (0.50-0.95); default the reference ROC-AUC
        minus 0.10, as in the monitor's default rules.
    drift_share, score_rise, min_effect : float
        Starts of the other sliders: drift-share ceiling (0-0.9), mean-score rise above the
        reference (0.005-0.15) and the effect size at which a drifted feature alerts
        (0.05-1.0).
    extra_rules : list of Rule, optional
        Rules with fixed thresholds evaluated alongside the tuned ones. Default: the
        monitor's other default rules, ``MetricRiseFrom("base_rate", by=0.05)`` and
        ``MissingRateAbove(0.05, relative=True)``; pass ``[]`` for none.

    Returns
    -------
    AlertTuner
        A widget with ``.controls`` (``auc_floor``, ``drift_share``, ``score_rise``,
        ``min_effect``), ``.state``, ``.alerts``, ``.events``, ``.rules()``,
        ``.outputs["summary"]`` (a summary line, a per-rule table and the events table)
        and ``.outputs["plot"]`` (ROC-AUC and drift share per batch with their thresholds,
        and an alert timeline per rule; truth windows shaded).

    Notes
    -----
    How alerts are scored: each truth window (events sharing a window are merged) is *detected* when some rule
    alerts on a batch inside it; its *delay* is the first such batch minus the onset. A
    *false alarm* is an alerted batch outside every window.

    Examples
    --------
    >>> from modellab import scenarios
    >>> s = scenarios.make("concept_drift", n_reference=1000, n_batches=10, batch_size=400)
    >>> tuner = alert_tuner(s, auc_floor=0.6)
    >>> tuner.state["detected"], tuner.state["n_events"]
    (1, 1)
    >>> tuner.controls["auc_floor"].value = 0.95
    >>> tuner.state["false_alarms"] > 0
    True
    """
    if isinstance(result_or_scenario, scenarios.Scenario):
        s = result_or_scenario
        result = Monitor(s.reference, target=s.target, rules=[]).run(s.production)
        truth, title = s.truth, f"Scenario {s.name!r}: alerts against the truth"
    elif isinstance(result_or_scenario, MonitorResult):
        result, title = result_or_scenario, "Monitoring history: alerts"
    else:
        raise TypeError(
            f"alert_tuner needs a Scenario (scenarios.make(...)) or a MonitorResult "
            f"(Monitor(...).run(...)), got {type(result_or_scenario).__name__}."
        )
    _check_history(result)
    extra = _check_extra(DEFAULT_EXTRA_RULES if extra_rules is None else extra_rules)
    windows = None if truth is None else _drift_windows(truth, result.history["batch"])
    if auc_floor is None:
        auc_floor = float(np.clip(round(result.reference["roc_auc"] - 0.10, 2), 0.5, 0.95))
    values = {"auc_floor": auc_floor, "drift_share": drift_share, "score_rise": score_rise,
              "min_effect": min_effect}
    for name, value in values.items():
        label, lo, hi = _SLIDERS[name][:3]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a number, got {value!r}.")
        if not lo <= value <= hi:
            raise ValueError(f"{name}={value} is outside the {label} slider's range "
                             f"[{lo}, {hi}]: pass a value inside it.")
    return AlertTuner(result.history, result.reference, windows, extra,
                      {k: float(v) for k, v in values.items()}, title)

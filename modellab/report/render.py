"""Render a monitoring result as ONE standalone HTML file, or as Markdown.

The HTML report carries everything inline (CSS, figures as base64 PNG), fetches nothing from
the network and opens offline, so it can be mailed or archived as is.

Sections: an executive summary in plain language (:mod:`modellab.report.summary`), KPI tiles,
metric trends with alert markers and confidence bands, the most drifted features with their
distributions, and the alerts. ``audience="technical"`` adds the drift heatmap, the per-feature
drift table of the latest batch and a note on methods.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import math
import pathlib

import numpy as np
import pandas as pd

from modellab.report.facts import (
    MONEY_DIGITS,
    CostAssumptions,
    ReportFacts,
    fmt_date,
    fmt_metric,
    fmt_money,
    gather_facts,
    load_result,
    metric_name,
    metric_title,
)
from modellab.report.summary import scored_detail, summary_paragraphs

__all__ = ["figures", "render", "render_markdown", "to_html", "to_markdown", "figure_to_data_uri"]

AUDIENCES = ("executive", "technical")
FORMATS = ("html", "md")
_TREND_METRICS = {
    "executive": ("drift_share",),
    "technical": ("recall", "base_rate", "mean_score", "drift_share"),
}


def _environment(autoescape: bool):
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("modellab.report", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def figure_to_data_uri(fig, *, dpi: int = 90) -> str:
    """Encode a matplotlib Figure as a ``data:image/png;base64,...`` URI (for ``<img src>``)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(draw, figsize):
    """Draw on a Figure that pyplot never sees (no global state, nothing to close)."""
    from matplotlib.figure import Figure

    from modellab import plots

    with plots.style():  # axes take their look (grid, spines) when created
        fig = Figure(figsize=figsize, layout="constrained")
        draw(fig.add_subplot())
        return fig


def _spec(key: str, title: str, fig, caption: str) -> dict:
    """One report figure: its key, heading, matplotlib Figure and caption."""
    return {"key": key, "title": title, "fig": fig, "caption": caption}


def _figures(result, facts: ReportFacts, audience: str) -> list[dict]:
    from modellab import plots

    history = result.history
    alerts = result.alerts if len(result.alerts) else None
    ref = facts.reference_metrics
    out = []

    def trend(metric, caption):
        if metric not in history.columns or history[metric].notna().sum() == 0:
            return
        level = ref.get(metric)
        if level is not None and not math.isfinite(level):
            level = None  # undefined on the reference (e.g. one class): no reference line
        fig = _figure(
            lambda ax: plots.metric_over_time(
                history, metric, alerts=alerts, reference=level, ax=ax
            ),
            (8, 3.2),
        )
        out.append(_spec(metric, f"{metric_title(metric)} per batch", fig, caption))

    head = facts.primary_metric
    trend(
        head,
        f"{metric_name(head)} per batch; the shaded band (when shown) is the 95% confidence interval, "
        f"the dashed line the reference period, markers are alerts. Gaps are batches whose outcomes "
        f"are not known yet.",
    )
    for metric in _TREND_METRICS[audience]:
        caption = (
            "Share of the monitored features whose distribution changed in each batch."
            if metric == "drift_share"
            else f"{metric_title(metric)} per batch, against the reference period (dashed)."
        )
        trend(metric, caption)

    drift = getattr(result, "drift", None)
    if (
        audience == "technical"
        and drift is not None
        and len(drift)
        and "effect_size" in drift.columns
    ):
        n_features = drift["column"].nunique()
        fig = _figure(
            lambda ax: plots.drift_heatmap(drift, value="effect_size", ax=ax),
            (min(2.5 + 0.4 * len(facts.batches), 12), min(1.5 + 0.35 * n_features, 9)),
        )
        caption = "Effect size of each feature's change against the reference (0 = no change)."
        out.append(_spec("drift_heatmap", "Drift per feature and batch", fig, caption))
    return out


def _feature_figures(result, facts: ReportFacts, max_features: int) -> list[dict]:
    from modellab import plots

    hist = getattr(result, "histograms", None)
    if hist is None or not len(hist) or not facts.drifted_features:
        return []
    out = []
    last = facts.batches[-1]
    for feat in facts.drifted_features[:max_features]:
        rows = hist[(hist["column"] == feat.name) & (hist["batch"] == last)]
        if rows.empty:
            continue
        fig = _figure(
            lambda ax, rows=rows, feat=feat: plots.distribution(
                rows, column=feat.name, batch=last, ax=ax, labels=("reference", f"batch {last}")
            ),
            (6.4, 3.0),
        )
        caption = (
            f"{feat.name}: share of loans per range, reference period vs the latest batch ({last}). "
            f"Changed from batch {feat.onset_batch}; drifted in {feat.batches_drifted} of "
            f"{feat.batches_since_onset} batches since."
        )
        out.append(_spec(f"distribution_{feat.name}", feat.name, fig, caption))
    return out


def _encoded(specs: list[dict]) -> list[dict]:
    """Figure specs for the HTML template: each Figure replaced by its PNG data URI."""
    return [{**{k: v for k, v in spec.items() if k != "fig"}, "uri": figure_to_data_uri(spec["fig"])}
            for spec in specs]


def figures(
    result,
    *,
    audience: str = "executive",
    model_name: str | None = None,
    costs: CostAssumptions | None = None,
    primary_metric: str = "roc_auc",
    max_features: int = 3,
) -> dict:
    """The report's figures as matplotlib Figures, drawn by the same code as the HTML report.

    Parameters
    ----------
    result : MonitorResult or path
        The monitoring result, or the path of its SQLite store.
    audience, model_name, costs, primary_metric, max_features
        As for :func:`render`: the same arguments give the same figures as the report.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        In report order: the metric trends keyed by metric (``primary_metric`` first, then
        e.g. ``"drift_share"``; a metric with no values is left out), ``"drift_heatmap"``
        (technical audience), then ``"distribution_<feature>"`` for the most drifted
        features. The Figures are not registered with pyplot: show one in a notebook by
        leaving it as a cell's last value, or save it with ``fig.savefig(...)``; the
        caption the report prints is in ``fig.get_label()``.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> h = pd.DataFrame({"batch": [0, 1], "n": [500, 500], "n_labelled": [500, 500],
    ...                   "roc_auc": [0.80, 0.81], "drift_share": [0.0, 0.5]})
    >>> result = SimpleNamespace(history=h, alerts=pd.DataFrame(), reference={"roc_auc": 0.80})
    >>> figs = figures(result)
    >>> list(figs), type(figs["roc_auc"]).__name__
    (['roc_auc', 'drift_share'], 'Figure')
    """
    result, facts = _prepare(result, audience, model_name, costs, primary_metric)
    specs = _figures(result, facts, audience)
    specs += _feature_figures(result, facts, max_features)
    out = {}
    for spec in specs:
        spec["fig"].set_label(spec["caption"])
        out[spec["key"]] = spec["fig"]
    return out


def _kpis(facts: ReportFacts, *, money_digits: int | None = None) -> list[dict]:
    tiles = [
        {
            "label": "Batches monitored",
            "value": f"{facts.n_batches}",
            "detail": scored_detail(facts),
            "tone": "neutral",
        }
    ]
    head = facts.metric_changes.get(facts.primary_metric)
    if head is not None:
        tone = "bad" if head.worse and abs(head.change) >= 0.02 else "good"
        tiles.append(
            {
                "label": metric_name(head.metric),
                "value": fmt_metric(head.metric, head.after),
                "detail": f"reference {fmt_metric(head.metric, head.reference)} ({head.change:+.2f})",
                "tone": tone,
            }
        )
    recall = facts.metric_changes.get("recall")
    if recall is not None:
        tiles.append(
            {
                "label": "Defaults caught (recall)",
                "value": fmt_metric("recall", recall.after),
                "detail": f"reference {fmt_metric('recall', recall.reference)}",
                "tone": "bad" if recall.change <= -0.02 else "good",
            }
        )
    tiles.append(
        {
            "label": "Alerts",
            "value": f"{facts.n_alerts}",
            "detail": f"{facts.n_critical} critical, {facts.n_warning} other",
            "tone": "bad" if facts.n_critical else "warn" if facts.n_alerts else "good",
        }
    )
    drifted_now = sum(f.drifted_now for f in facts.drifted_features)
    tiles.append(
        {
            "label": "Features drifting",
            "value": f"{len(facts.drifted_features)}",
            "detail": f"{drifted_now} in the latest batch",
            "tone": "warn" if facts.drifted_features else "good",
        }
    )
    imp = facts.impact
    if imp is not None and max(abs(imp.extra_missed_defaults), abs(imp.extra_false_alarms)) >= 0.5:
        def money(amount: float) -> str:  # signed: a negative net change is a saving
            sign = "+" if amount > 0 else "−" if amount < 0 else ""
            return sign + fmt_money(abs(amount), imp.costs.currency, significant=money_digits)

        interval = (f"95% range {money(imp.cost_low)} to {money(imp.cost_high)}; "
                    if np.isfinite(imp.cost_low) and np.isfinite(imp.cost_high) else "")
        tiles.append(
            {
                "label": "Net change in error cost",
                "value": money(imp.cost),
                "detail": f"{interval}{imp.extra_missed_defaults:+,.0f} missed defaults, "
                          f"{imp.extra_false_alarms:+,.0f} good customers declined",
                "tone": "bad" if imp.cost > 0 else "good",
            }
        )
    return tiles


def _clean(value):
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else f"{value:.3g}"
    if isinstance(value, pd.Timestamp):
        return fmt_date(value)
    return str(value)


def _table(frame: pd.DataFrame | None, columns: list[str]) -> dict:
    if frame is None or not len(frame):
        return {"columns": columns, "rows": []}
    cols = [c for c in columns if c in frame.columns]
    return {
        "columns": cols,
        "rows": [[_clean(v) for v in rec] for rec in frame[cols].itertuples(index=False)],
    }


def _drift_table(result, facts: ReportFacts) -> dict:
    drift = getattr(result, "drift", None)
    if drift is None or not len(drift):
        return _table(None, [])
    latest = drift[drift["batch"] == facts.batches[-1]].copy()
    onsets = {f.name: f.onset_batch for f in facts.drifted_features}
    latest["since batch"] = latest["column"].map(onsets)
    latest = (
        latest.sort_values(["drifted", "effect_size"], ascending=False)
        if "effect_size" in latest
        else latest
    )
    return _table(
        latest,
        [
            "column",
            "kind",
            "method",
            "statistic",
            "p_value",
            "threshold",
            "effect_size",
            "drifted",
            "since batch",
        ],
    )


def _context(result, facts: ReportFacts, audience, title, max_features, html: bool) -> dict:
    alerts = result.alerts
    return {
        "title": title or f"Model monitoring report: {facts.model_name}",
        "audience": audience,
        "facts": facts,
        "summary": summary_paragraphs(facts, max_features=max_features),
        # Key figures are headlines: money rounded like the prose (ReportFacts.to_frame is exact).
        "kpis": _kpis(facts, money_digits=MONEY_DIGITS),
        "figures": _encoded(_figures(result, facts, audience)) if html else [],
        "feature_figures": (
            _encoded(_feature_figures(result, facts, max_features)) if html else []
        ),
        "drifted": facts.drifted_features[:max_features]
        if audience == "executive"
        else facts.drifted_features,
        "alerts": _table(alerts, ["batch", "severity", "kind", "subject", "message"]),
        "drift_table": _drift_table(result, facts) if audience == "technical" else _table(None, []),
        "costs": facts.costs,
        "period": (
            f"{fmt_date(facts.first_start)} to {fmt_date(facts.last_start)}"
            if facts.first_start is not None and facts.last_start is not None
            else f"batches {facts.batches[0]} to {facts.batches[-1]}"
        ),
        "generated": _dt.datetime.now(_dt.UTC).strftime("%d %B %Y %H:%M UTC"),
        "fmt_metric": fmt_metric,
        "fmt_date": fmt_date,
        "metric_name": metric_name,
        "rules": [r.name for r in (getattr(result, "rules", None) or [])],
        **_inside_sections(result, facts),
    }


def _inside_sections(result, facts: ReportFacts) -> dict:
    """Measured vs estimated performance, "Who is affected" and the data-contract line, for a
    monitor run with ``estimator=``, ``segments=`` or ``contract=`` (``None`` otherwise), and
    the notes on files that lacked a column (``monitor_parquet``; empty otherwise)."""
    from modellab.report.affected import affected_items, contract_lines
    from modellab.report.estimated import has_estimates, performance_status

    history, config = result.history, getattr(result, "config", None) or {}
    metric = facts.primary_metric
    # files of a monitor_parquet run that lacked a column, and how their rows counted
    out = {"estimated": None, "affected": None, "contract": None,
           "data_notes": list(getattr(result, "notes", ()) or ())}
    if has_estimates(history, metric):
        status = performance_status(history, metric)
        out["estimated"] = {
            "metric": metric_name(metric),
            "n_estimated": int((status["status"] != "measured").sum()),
            "rows": [
                [str(r.batch), f"{r.n_labelled:,}", r.status,
                 "" if pd.isna(r.value) else fmt_metric(metric, r.value),
                 "" if pd.isna(r.lower) else
                 f"{fmt_metric(metric, r.lower)} to {fmt_metric(metric, r.upper)}"]
                for r in status.itertuples(index=False)
            ],
        }
    segments = getattr(result, "segments", None)
    columns = list(config.get("segments") or [])
    if segments is not None and (columns or len(segments)):
        columns = columns or list(dict.fromkeys(segments["column"]))
        seg_metric = config.get("segment_metric") or (
            segments["metric"].iat[0] if len(segments) else "recall")
        items, note = affected_items(
            {c: segments[segments["column"] == c] for c in columns}, seg_metric)
        out["affected"] = {"items": items, "note": note}
    contract = getattr(result, "contract", None)
    if contract is not None and (config.get("contract") or "contract_violations" in history.columns):
        out["contract"] = {"lines": contract_lines(contract),
                           "batches": history["batch"].nunique()}
    return out


def _prepare(result, audience, model_name, costs, primary_metric):
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, got {audience!r}.")
    result = load_result(result)
    facts = gather_facts(result, model_name=model_name, costs=costs, primary_metric=primary_metric)
    return result, facts


def _report_text(format, result, audience, title, model_name, costs, primary_metric, max_features):
    """The report in ``format`` ("html": escaped, figures inline; "md": no figures)."""
    result, facts = _prepare(result, audience, model_name, costs, primary_metric)
    html = format == "html"
    context = _context(result, facts, audience, title, max_features, html=html)
    return _environment(html).get_template(f"report.{format}.j2").render(**context)


def to_html(
    result,
    *,
    audience: str = "executive",
    title: str | None = None,
    model_name: str | None = None,
    costs: CostAssumptions | None = None,
    primary_metric: str = "roc_auc",
    max_features: int = 3,
) -> str:
    """The report as one self-contained HTML string (see :func:`render`)."""
    return _report_text("html", result, audience, title, model_name, costs, primary_metric, max_features)


def to_markdown(
    result,
    *,
    audience: str = "executive",
    title: str | None = None,
    model_name: str | None = None,
    costs: CostAssumptions | None = None,
    primary_metric: str = "roc_auc",
    max_features: int = 3,
) -> str:
    """The report as Markdown for wikis and e-mail: summary, KPIs and tables, no images."""
    return _report_text("md", result, audience, title, model_name, costs, primary_metric, max_features)


def render(
    result,
    path,
    audience: str = "executive",
    title: str | None = None,
    model_name: str | None = None,
    *,
    format: str | None = None,
    costs: CostAssumptions | None = None,
    primary_metric: str = "roc_auc",
    max_features: int = 3,
) -> pathlib.Path:
    """Write the monitoring report to ``path`` and return the path.

    Parameters
    ----------
    result : MonitorResult or path
        The monitoring result, or the path of its SQLite store.
    path : str or path-like
        Output file; its folder is created if missing.
    audience : {"executive", "technical"}
        ``"technical"`` adds more trends, the drift heatmap, the per-feature drift table and methods.
    title, model_name : str, optional
        Report title and how the text names the model.
    format : {"html", "md"}, optional
        Default: from the file suffix (``.md`` -> Markdown), else HTML.
    costs : CostAssumptions, optional
        Prices for the business impact; the report states them.
    primary_metric : str
        Headline performance metric.
    max_features : int
        Most drifted features detailed in the executive report.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from types import SimpleNamespace
    >>> h = pd.DataFrame({"batch": [0, 1], "n": [500, 500], "n_labelled": [500, 500],
    ...                   "roc_auc": [0.80, 0.81]})
    >>> result = SimpleNamespace(history=h, alerts=pd.DataFrame(), reference={"roc_auc": 0.80})
    >>> out = render(result, pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> out.read_text().startswith("<!DOCTYPE html>")
    True
    """
    path = pathlib.Path(path)
    if format is None:
        format = "md" if path.suffix.lower() in (".md", ".markdown") else "html"
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}.")
    if path.is_dir():
        raise ValueError(
            f"{path} is a folder: pass a file path such as {path / ('report.' + format)}."
        )
    text = _report_text(format, result, audience, title, model_name, costs, primary_metric, max_features)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def render_markdown(result, path, **kwargs) -> pathlib.Path:
    """Write the Markdown report (same arguments as :func:`render`)."""
    return render(result, path, format="md", **kwargs)

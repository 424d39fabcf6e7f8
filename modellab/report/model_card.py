"""A model card: the documentation a monitored model carries, as Markdown or HTML.

Sections: model details and owners, intended use (and what it must not be used for), training
data, validation metrics with bootstrap confidence intervals
(:func:`modellab.metrics.bootstrap_ci`), the monitoring plan and its alert rules, and the open
incidents taken from the monitor's alerts.
"""

from __future__ import annotations

import datetime as _dt
import pathlib
from collections.abc import Mapping, Sequence

import pandas as pd

from modellab.report.facts import fmt_metric, load_result, metric_name

__all__ = ["model_card", "write_model_card", "DEFAULT_CARD_METRICS", "NOTE_FIELDS"]

DEFAULT_CARD_METRICS = ("roc_auc", "recall", "precision", "base_rate")


def _as_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    raise TypeError(f"{name} must be a string or a list of strings, got {type(value).__name__}.")


def _training_summary(training_data, target: str) -> str:
    if training_data is None:
        return "Not documented: describe the data the model was trained on (period, source, size)."
    if isinstance(training_data, str):
        return training_data
    if isinstance(training_data, pd.DataFrame):
        if training_data.empty:
            raise ValueError(
                "training_data is an empty DataFrame: pass the training rows or a description."
            )
        text = f"{len(training_data):,} rows, {training_data.shape[1]} columns"
        if target in training_data.columns:
            rate = pd.to_numeric(training_data[target], errors="coerce").mean()
            text += f"; {target} rate {rate:.1%}"
        return text + "."
    raise TypeError("training_data must be a description (str) or the training DataFrame.")


def _card_date(date) -> str:
    """ISO date of the card: today, or a fixed date so that the same inputs give the same card."""
    if date is None:
        return _dt.date.today().isoformat()
    if isinstance(date, str):
        try:
            return _dt.date.fromisoformat(date.strip()).isoformat()
        except ValueError:
            raise ValueError(
                f"date={date!r} is not an ISO date: pass it as 'YYYY-MM-DD', e.g. '2024-03-31'."
            ) from None
    if isinstance(date, (_dt.date, pd.Timestamp)):  # datetime and Timestamp are dates too
        return (date.date() if isinstance(date, _dt.datetime) else date).isoformat()
    raise TypeError(
        f"date must be a date, a 'YYYY-MM-DD' string or None (today), got {type(date).__name__}."
    )


#: Fields of an incident note, in the order they are printed.
NOTE_FIELDS = ("title", "status", "diagnosis", "decision", "owner", "timeline")


def _incident_notes(notes) -> list[dict]:
    """Free-text incident entries: a string, a mapping of :data:`NOTE_FIELDS`, or a list of them."""
    if notes is None:
        return []
    if isinstance(notes, (str, Mapping)):
        notes = [notes]
    if not isinstance(notes, Sequence):
        raise TypeError(
            f"incident_notes must be a text, a dict such as {{'diagnosis': ..., 'decision': ...}} "
            f"or a list of them, got {type(notes).__name__}."
        )
    out = []
    for i, note in enumerate(notes):
        if isinstance(note, str):
            if not note.strip():
                raise ValueError(f"incident_notes[{i}] is empty: write what happened, or leave it out.")
            out.append({"title": "", "text": note.strip(), "fields": [], "timeline": []})
            continue
        if not isinstance(note, Mapping):
            raise TypeError(f"incident_notes[{i}] must be a text or a dict, got {type(note).__name__}.")
        unknown = [k for k in note if k not in NOTE_FIELDS]
        if unknown:
            raise ValueError(
                f"incident_notes[{i}] has unknown field(s) {unknown}: use {list(NOTE_FIELDS)}."
            )
        timeline = note.get("timeline") or []
        timeline = [timeline] if isinstance(timeline, str) else timeline
        if not isinstance(timeline, Sequence):
            raise TypeError(f"incident_notes[{i}]['timeline'] must be a text or a list of texts.")
        fields = [(k.capitalize(), str(note[k]).strip()) for k in NOTE_FIELDS[1:-1]
                  if note.get(k) is not None and str(note[k]).strip()]
        if not fields and not timeline:
            raise ValueError(
                f"incident_notes[{i}] says nothing: give at least a diagnosis, a decision or a "
                f"timeline."
            )
        out.append({"title": str(note.get("title") or "").strip(), "text": "", "fields": fields,
                    "timeline": [str(t).strip() for t in timeline]})
    return out


def _metric_rows(y_true, y_score, metrics, threshold, n_boot, seed) -> list[dict]:
    if y_true is None and y_score is None:
        return []
    if y_true is None or y_score is None:
        raise TypeError(
            "Pass both y_true and y_score (validation outcomes and scores), or neither."
        )
    from modellab.metrics import bootstrap_ci

    rows = []
    for metric in metrics:
        r = bootstrap_ci(metric, y_true, y_score, n_boot=n_boot, seed=seed, threshold=threshold)
        rows.append(
            {
                "metric": metric_name(metric),
                "estimate": fmt_metric(metric, r.estimate),
                "interval": f"{fmt_metric(metric, r.low)} to {fmt_metric(metric, r.high)}",
                "note": r.note,
            }
        )
    return rows


def _incidents(alerts: pd.DataFrame | None) -> list[dict]:
    """One open incident per alert rule: first and last batch, count, worst severity, last message."""
    if alerts is None or not len(alerts):
        return []
    rank = {"critical": 0, "warning": 1, "info": 2}
    out = []
    for rule, rows in alerts.groupby("rule", sort=False):
        severity = min(rows.get("severity", pd.Series(["warning"])), key=lambda s: rank.get(s, 3))
        out.append(
            {
                "rule": str(rule),
                "severity": str(severity),
                "first_batch": rows["batch"].iloc[0],
                "last_batch": rows["batch"].iloc[-1],
                "count": len(rows),
                "message": str(rows["message"].iloc[-1]) if "message" in rows else "",
            }
        )
    return sorted(out, key=lambda r: rank.get(r["severity"], 3))


def model_card(
    model_name: str,
    *,
    intended_use: str,
    owners,
    y_true=None,
    y_score=None,
    result=None,
    training_data=None,
    out_of_scope=None,
    version: str = "1",
    target: str = "default",
    threshold: float = 0.5,
    metrics: Sequence[str] = DEFAULT_CARD_METRICS,
    monitoring: str = "Every production batch is checked for performance (once outcomes arrive), data drift and data quality.",
    rules=None,
    limitations=None,
    n_boot: int = 500,
    seed: int = 0,
    format: str = "md",
    date=None,
    incident_notes=None,
    plan=None,
) -> str:
    """Write the model card of a monitored model, as Markdown (default) or standalone HTML.

    Parameters
    ----------
    model_name : str
        The model's name.
    intended_use : str
        What decisions the model supports, for whom.
    owners : str or list of str
        Who answers for the model (names or teams, with contact).
    y_true, y_score : array-like, optional
        Validation outcomes and scores; metrics get bootstrap confidence intervals.
    result : MonitorResult or path, optional
        Monitoring result (or store path): its rules form the monitoring plan and its alerts
        the open incidents.
    training_data : str or DataFrame, optional
        A description of the training data, or the training rows (summarised).
    out_of_scope : str or list of str, optional
        Uses the model is not fit for.
    threshold : float
        Decision threshold for precision/recall.
    metrics : sequence of str
        Metric names from :data:`modellab.metrics.METRICS`.
    rules : list, optional
        Alert rules when no ``result`` is given (their ``repr`` is printed).
    format : {"md", "html"}
    date : date or str, optional
        The card's date (``"YYYY-MM-DD"``, a ``datetime.date`` or a Timestamp); default
        today. Fix it to get the same card from the same inputs (reviews, tests, diffs).
    incident_notes : str, dict or list of them, optional
        What people found and decided about the open incidents, printed under the alert
        table in *Open incidents*. A text is printed as it is; a dict may hold ``title``,
        ``status``, ``diagnosis``, ``decision``, ``owner`` and ``timeline`` (a text or a
        list of texts, e.g. ``["2024-03-04 alert raised", "2024-03-05 data owner
        confirmed"]``).

    plan : MonitoringPlan, optional
        The governed monitoring plan (:func:`modellab.report.monitoring_plan`): the card's
        monitoring section then states it (:meth:`MonitoringPlan.card_text`), lists its
        signals with owner and cadence, and names the fields a reviewer would send back
        (:meth:`MonitoringPlan.missing`). Replaces ``monitoring`` and ``rules``.

    Returns
    -------
    str

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 300)
    >>> p = np.clip(0.3 * y + rng.uniform(0, 0.7, 300), 0, 1)
    >>> card = model_card("credit-risk", intended_use="Rank loan applications by risk.",
    ...                   owners=["Risk analytics <risk@example.com>"], y_true=y, y_score=p,
    ...                   metrics=["roc_auc"], n_boot=100)
    >>> card.splitlines()[0]
    '# Model card: credit-risk'
    >>> "| ROC-AUC | 0.8" in card
    True
    >>> card = model_card("credit-risk", intended_use="Rank loan applications by risk.",
    ...                   owners="Risk analytics", date="2024-03-31",
    ...                   incident_notes={"diagnosis": "Broker loans grew larger.",
    ...                                   "decision": "Retrain in April."})
    >>> card.splitlines()[2]
    'Version 1 · 2024-03-31'
    >>> print(card[card.index("## Open incidents"):].strip())
    ## Open incidents
    <BLANKLINE>
    Unknown: no monitoring result was given.
    <BLANKLINE>
    - **Diagnosis:** Broker loans grew larger.
    - **Decision:** Retrain in April.
    """
    if not isinstance(model_name, str) or not model_name.strip():
        raise TypeError("model_name must be a non-empty string, e.g. 'credit-risk v3'.")
    if not isinstance(intended_use, str) or not intended_use.strip():
        raise ValueError("intended_use is empty: say which decisions the model supports, for whom.")
    owner_list = _as_list(owners, "owners")
    if not owner_list:
        raise ValueError(
            "owners is empty: name at least one person or team who answers for the model."
        )
    if format not in ("md", "html"):
        raise ValueError(f"format must be 'md' or 'html', got {format!r}.")
    from modellab.metrics import METRICS

    metric_list = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in metric_list if m not in METRICS]
    if unknown:  # checked even when no validation data is given: never ignored silently
        raise ValueError(f"Unknown metric(s) {unknown}. Valid names: {list(METRICS)}.")
    alerts = None
    # Rules by their stable name (the ``rule`` column of the alerts), never by repr.
    rule_list = [r.name for r in (rules or [])]
    if result is not None:
        result = load_result(result)
        alerts = result.alerts
        rule_list = rule_list or [r.name for r in (getattr(result, "rules", None) or [])]
        if not rule_list:
            config = getattr(result, "config", None) or getattr(result, "meta", None) or {}
            rule_list = [str(r) for r in config.get("rule_names", [])]
    plan_gaps = []
    if plan is not None:
        from modellab.report.plan import MonitoringPlan

        if not isinstance(plan, MonitoringPlan):
            raise TypeError(
                f"plan must be a MonitoringPlan from modellab.report.monitoring_plan(...), got "
                f"{type(plan).__name__}."
            )
        monitoring = plan.card_text()
        rule_list = [f"{r.rule}: {r.watches}; {r.severity}, owner {r.owner}, {r.cadence}"
                     for r in plan.signals.itertuples(index=False)]
        plan_gaps = plan.missing()
    context = {
        "plan_gaps": plan_gaps,
        "model_name": model_name,
        "version": version,
        "date": _card_date(date),
        "owners": owner_list,
        "intended_use": intended_use,
        "out_of_scope": _as_list(out_of_scope, "out_of_scope"),
        "training": _training_summary(training_data, target),
        "metrics": _metric_rows(y_true, y_score, metric_list, threshold, n_boot, seed),
        "threshold": threshold,
        "n_boot": n_boot,
        "monitoring": monitoring,
        "rules": rule_list,
        "incidents": _incidents(alerts),
        "notes": _incident_notes(incident_notes),
        "monitored": result is not None,
        "limitations": _as_list(limitations, "limitations"),
    }
    from modellab.report.render import _environment

    template = "model_card.html.j2" if format == "html" else "model_card.md.j2"
    return _environment(format == "html").get_template(template).render(**context)


def write_model_card(path, model_name: str, **kwargs) -> pathlib.Path:
    """Write :func:`model_card` to ``path`` (``.html`` -> HTML, otherwise Markdown)."""
    path = pathlib.Path(path)
    kwargs.setdefault("format", "html" if path.suffix.lower() in (".html", ".htm") else "md")
    text = model_card(model_name, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

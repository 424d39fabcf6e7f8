"""The monitoring plan: a governed document generated from a monitor's rules.

A regulated lender does not just *run* monitoring; it writes down, before the model goes live,
what will be watched, how often, by whom, what counts as a problem, who is told and how fast,
and when the model is retrained, recalibrated or rolled back. Model-risk reviewers and
regulators read this plan, and audit the monitoring against it.

Two texts shape it:

- **SR 11-7** (US Federal Reserve / OCC guidance on model risk management, 2011): *ongoing
  monitoring* confirms the model is implemented correctly and performs as intended as the
  world changes (process verification, drift, overrides, benchmarking), and *outcomes
  analysis* compares predictions with actual outcomes once they are known (back-testing),
  both by people independent of the model's developers where possible;
- the **EU AI Act** (Regulation (EU) 2024/1689): creditworthiness scoring of natural persons
  is high-risk (Annex III, point 5(b)). **Article 72** requires the provider to run a
  post-market monitoring system that actively collects and analyses performance data over
  the system's lifetime, based on a *post-market monitoring plan* that is part of the
  technical documentation (Annex IV). **Article 73** requires serious incidents to be
  reported to the market surveillance authority immediately after a causal link is
  established, and at the latest 15 days after the provider becomes aware of it (2 days for
  a widespread infringement or a serious disruption of critical infrastructure, 10 days in
  the event of a death).

:func:`monitoring_plan` turns a :class:`~modellab.monitor.Monitor` (or any list of rules,
including those of :mod:`modellab.monitor.segment_rules` and :mod:`modellab.monitor.health`)
plus the organisational facts - owners, cadences, escalation - into a :class:`MonitoringPlan`;
:meth:`MonitoringPlan.missing` lists what a reviewer would send back, and
:meth:`MonitoringPlan.to_markdown` writes the document. :meth:`MonitoringPlan.card_text` is a
short paragraph for :func:`modellab.report.model_card` (its ``monitoring`` argument).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

#: Roles every plan must name (SR 11-7 separates development, validation and use).
REQUIRED_ROLES: dict[str, str] = {
    "model_owner": "answers for the model's use and performance (first line)",
    "validator": "independent review and outcomes analysis (second line, SR 11-7)",
    "monitoring_operator": "runs the monitor, triages alerts, keeps the pipeline healthy",
    "incident_contact": "decides on and files serious-incident reports (EU AI Act Art. 73)",
}

#: Article 73 reporting deadlines, in days after the provider becomes aware.
ART73_DEADLINES: dict[str, int] = {
    "serious incident (general)": 15,
    "death of a person": 10,
    "widespread infringement or serious disruption of critical infrastructure": 2,
}

#: What each kind of rule watches, and who answers for it by default.
KIND_OWNER: dict[str, str] = {
    "performance": "model_owner", "segment": "model_owner", "drift": "monitoring_operator",
    "data_quality": "monitoring_operator", "contract": "monitoring_operator",
    "health": "monitoring_operator",
}

SEVERITIES = ("info", "warning", "critical")

#: Actions a plan can prescribe (the lifecycle decisions taught in lesson 10).
ACTIONS = ("investigate", "recalibrate", "retrain", "roll back", "pause decisions",
           "fix the pipeline", "report incident")


@dataclass(frozen=True)
class Escalation:
    """Who is told, how fast, and what they do when an alert of one severity fires.

    Attributes
    ----------
    severity : {"info", "warning", "critical"}
    notify : str
        A role of :data:`REQUIRED_ROLES` (or another role named in ``owners``).
    within_hours : float
        Time allowed to acknowledge the alert.
    action : str
        First response, e.g. "investigate; recalibrate if calibration is off".
    """

    severity: str
    notify: str
    within_hours: float
    action: str

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {list(SEVERITIES)}, got {self.severity!r}.")
        for name in ("notify", "action"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise TypeError(f"{name} must be a non-empty text, got {getattr(self, name)!r}.")
        if isinstance(self.within_hours, bool) or not isinstance(self.within_hours, (int, float)) \
                or not self.within_hours > 0:
            raise ValueError(f"within_hours must be a positive number, got {self.within_hours!r}.")


def default_escalation() -> list[Escalation]:
    """A starting point a team edits: critical in 4 hours, warning in 2 working days."""
    return [
        Escalation("critical", "model_owner", 4,
                   "pause or roll back automated decisions if inputs are broken; investigate; "
                   "the incident contact assesses whether it is a serious incident (Art. 73)"),
        Escalation("warning", "monitoring_operator", 48,
                   "investigate; recalibrate if only calibration moved, retrain if the ranking "
                   "fell; record the decision"),
        Escalation("info", "monitoring_operator", 168, "note in the weekly review"),
    ]


PLAN_COLUMNS = ["rule", "kind", "watches", "severity", "owner", "cadence", "response"]


@dataclass(frozen=True, repr=False)
class MonitoringPlan:
    """A monitoring plan: the governed artefact behind a monitor.

    Build it with :func:`monitoring_plan`. ``signals`` has one row per rule
    (:data:`PLAN_COLUMNS`).
    """

    model: str
    version: str
    purpose: str
    risk_classification: str
    owners: Mapping[str, str]
    cadence: str
    outcomes_cadence: str
    label_delay: str
    reference_window: str
    segments: tuple[str, ...]
    fairness_measures: tuple[str, ...]
    escalation: tuple[Escalation, ...]
    retraining_policy: str
    review: str
    signals: pd.DataFrame = field(compare=False)

    def missing(self) -> list[str]:
        """What a model-risk reviewer would send back: required fields left empty."""
        gaps = [f"owner: {role} ({why})" for role, why in REQUIRED_ROLES.items()
                if not str(self.owners.get(role, "")).strip()]
        for name in ("model", "version", "purpose", "risk_classification", "cadence",
                     "outcomes_cadence", "label_delay", "reference_window", "retraining_policy",
                     "review"):
            if not str(getattr(self, name)).strip():
                gaps.append(name)
        if self.signals.empty:
            gaps.append("signals: no alert rules")
        if not self.segments:
            gaps.append("segments: no segment or protected group is monitored")
        if not self.fairness_measures:
            gaps.append("fairness_measures")
        covered = {e.severity for e in self.escalation}
        for sev in sorted(set(self.signals["severity"]) - covered):
            gaps.append(f"escalation: nobody is told about {sev} alerts")
        for e in self.escalation:
            if e.notify not in self.owners:
                gaps.append(f"escalation: {e.severity} alerts go to {e.notify!r}, a role with no owner")
        return gaps

    def card_text(self) -> str:
        """One paragraph for the model card's monitoring section."""
        kinds = ", ".join(sorted(set(self.signals["kind"])))
        return (
            f"Monitored {self.cadence} against {len(self.signals)} alert rules ({kinds}); "
            f"outcomes analysis {self.outcomes_cadence} once labels mature ({self.label_delay}); "
            f"segments: {', '.join(self.segments)}. Owner: {self.owners.get('model_owner', '?')}; "
            f"independent validation: {self.owners.get('validator', '?')}. Serious incidents are "
            f"reported under EU AI Act Art. 73 by {self.owners.get('incident_contact', '?')} "
            f"(at the latest 15 days after awareness). Full plan: monitoring plan v{self.version}."
        )

    def to_markdown(self) -> str:
        """The plan as a Markdown document (headings follow SR 11-7 and EU AI Act Art. 72/73)."""
        o = self.owners
        lines = [
            f"# Monitoring plan: {self.model} (version {self.version})",
            "",
            f"**Purpose.** {self.purpose}",
            "",
            f"**Risk classification.** {self.risk_classification}",
            "",
            "## 1. Roles and responsibilities",
            "",
            "| role | who | responsibility |",
            "|---|---|---|",
            *[f"| {r} | {o.get(r, '**missing**') or '**missing**'} | {why} |"
              for r, why in REQUIRED_ROLES.items()],
            *[f"| {r} | {who} | |" for r, who in o.items() if r not in REQUIRED_ROLES],
            "",
            "## 2. Ongoing monitoring (SR 11-7) and post-market monitoring (EU AI Act Art. 72)",
            "",
            f"Every production batch is checked **{self.cadence}**. Reference window: "
            f"{self.reference_window}. Signals and thresholds:",
            "",
            "| rule | kind | watches | severity | owner | cadence | response |",
            "|---|---|---|---|---|---|---|",
            *[f"| `{r.rule}` | {r.kind} | {r.watches} | {r.severity} | {r.owner} | {r.cadence} | "
              f"{r.response} |" for r in self.signals.itertuples(index=False)],
            "",
            "## 3. Segments and fairness",
            "",
            f"Monitored segments and protected groups: {', '.join(self.segments) or '**missing**'}.",
            f"Fairness measures, each reported with a confidence interval: "
            f"{', '.join(self.fairness_measures) or '**missing**'}.",
            "",
            "## 4. Outcomes analysis (SR 11-7)",
            "",
            f"Predictions are compared with actual outcomes **{self.outcomes_cadence}**, once "
            f"labels mature ({self.label_delay}): ROC-AUC, recall and calibration overall and per "
            f"segment, with bootstrap intervals, against the validation benchmark. Performed or "
            f"reviewed by the validator ({o.get('validator', '**missing**')}).",
            "",
            "## 5. Escalation",
            "",
            "| severity | notify | within | first response |",
            "|---|---|---|---|",
            *[f"| {e.severity} | {e.notify} ({o.get(e.notify, '**no owner**')}) | "
              f"{e.within_hours:g} h | {e.action} |" for e in self.escalation],
            "",
            "## 6. Serious incidents (EU AI Act Art. 73)",
            "",
            f"The incident contact ({o.get('incident_contact', '**missing**')}) decides whether an "
            "incident is serious (harm to health, to fundamental rights such as non-discrimination, "
            "to property) and reports it to the market surveillance authority immediately after "
            "establishing a causal link, and at the latest:",
            "",
            *[f"- {what}: {days} days after becoming aware" for what, days in ART73_DEADLINES.items()],
            "",
            "The investigation, the risk assessment and the corrective action are recorded; the "
            "system is not altered in a way that would hide the cause before the authority is "
            "informed.",
            "",
            "## 7. Retraining, recalibration and roll-back",
            "",
            self.retraining_policy,
            "",
            "## 8. Review of this plan",
            "",
            f"{self.review} Changes to thresholds or rules are versioned and approved by the "
            f"validator.",
            "",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"MonitoringPlan(model={self.model!r}, version={self.version!r}, "
                f"signals={len(self.signals)}, missing={len(self.missing())})")


def _watches(rule) -> str:
    spec = rule.to_dict()
    spec.pop("type", None)
    spec.pop("severity", None)
    return ", ".join(f"{k}={v}" for k, v in spec.items()) or "(defaults)"


def monitoring_plan(
    rules,
    *,
    model: str,
    owners: Mapping[str, str],
    version: str = "1",
    purpose: str = "",
    risk_classification: str = ("High-risk AI system under the EU AI Act (Annex III, 5(b): "
                                "creditworthiness of natural persons); material model under SR 11-7."),
    cadence: str = "weekly",
    outcomes_cadence: str = "quarterly",
    label_delay: str = "",
    reference_window: str = "",
    segments: Sequence[str] = (),
    fairness_measures: Sequence[str] = ("approval-rate ratio (four-fifths rule)",
                                        "equal-opportunity difference",
                                        "calibration within groups"),
    escalation: Sequence[Escalation] | None = None,
    retraining_policy: str = "",
    review: str = "The plan is reviewed at least once a year and after every serious incident.",
    rule_cadence: Mapping[str, str] | None = None,
) -> MonitoringPlan:
    """Generate a monitoring plan from a monitor's rules and the organisation's facts.

    Parameters
    ----------
    rules : Monitor or list of rules
        A :class:`~modellab.monitor.Monitor` (its ``rules``, and its ``segments`` when
        ``segments`` is not given) or rule objects (monitor rules, estimated performance,
        segment, contract and service-health rules).
    model, version, purpose : str
    owners : mapping role -> person or team
        Must name :data:`REQUIRED_ROLES`; more roles may be added.
    risk_classification : str
    cadence : str, default "weekly"
        How often batches are checked.
    outcomes_cadence : str, default "quarterly"
        How often the outcomes analysis (back-test) is run.
    label_delay : str
        When outcomes are known (e.g. "defaults are known 12 weeks after the decision").
    reference_window : str
        Which period the monitor compares with, and when it is renewed.
    segments : list of str
        Segments and protected groups monitored (e.g. "age band", "region").
    fairness_measures : list of str
    escalation : list of Escalation, optional
        Default :func:`default_escalation`.
    retraining_policy : str
        When to recalibrate, retrain or roll back, and how a challenger is evaluated.
    review : str
    rule_cadence : mapping kind -> cadence, optional
        A different cadence for some kinds of rule (e.g. ``{"segment": "monthly"}``).

    Returns
    -------
    MonitoringPlan

    Examples
    --------
    >>> from modellab.monitor import default_rules
    >>> plan = monitoring_plan(default_rules()[:2], model="credit-risk", owners={"model_owner": "Ana"})
    >>> plan.signals[["kind", "severity", "owner"]]
              kind  severity        owner
    0  performance  critical  model_owner
    1  performance   warning  model_owner
    >>> plan.missing()[:2]
    ['owner: validator (independent review and outcomes analysis (second line, SR 11-7))', 'owner: monitoring_operator (runs the monitor, triages alerts, keeps the pipeline healthy)']
    """
    from modellab.monitor.rules import Rule

    if hasattr(rules, "rules") and not isinstance(rules, (list, tuple)):
        # a Monitor: its segment columns are the plan's segments unless given
        if not segments and getattr(rules, "segments", None):
            seg = rules.segments
            segments = [seg] if isinstance(seg, str) else list(seg)
        rules = rules.rules
    if isinstance(rules, Rule):
        rules = [rules]
    if not isinstance(rules, (list, tuple)) or not all(isinstance(r, Rule) for r in rules):
        raise TypeError("rules must be a Monitor or a list of alert rules (MetricDropFrom, "
                        "SegmentBehind, ContractViolated, ...).")
    if not isinstance(owners, Mapping):
        raise TypeError(f"owners must be a mapping role -> name, e.g. "
                        f"{{'model_owner': 'Credit Risk Analytics'}}, got {type(owners).__name__}.")
    for name, value in (("model", model), ("version", version), ("purpose", purpose),
                        ("cadence", cadence), ("outcomes_cadence", outcomes_cadence),
                        ("label_delay", label_delay), ("reference_window", reference_window),
                        ("retraining_policy", retraining_policy), ("review", review),
                        ("risk_classification", risk_classification)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a text (str), got {type(value).__name__}.")
    if isinstance(segments, str) or isinstance(fairness_measures, str):
        raise TypeError("segments and fairness_measures must be lists of texts, not one string.")
    escalation = tuple(default_escalation() if escalation is None else escalation)
    if not all(isinstance(e, Escalation) for e in escalation):
        raise TypeError("escalation must be a list of Escalation(severity, notify, within_hours, action).")
    by_sev = {e.severity: e for e in escalation}
    rule_cadence = dict(rule_cadence or {})
    rows = []
    for r in rules:
        esc = by_sev.get(r.severity)
        rows.append({
            "rule": r.name, "kind": r.kind, "watches": _watches(r), "severity": r.severity,
            "owner": KIND_OWNER.get(r.kind, "model_owner"),
            "cadence": rule_cadence.get(r.kind, cadence),
            "response": (f"notify {esc.notify} within {esc.within_hours:g} h: {esc.action}"
                         if esc else "**no escalation defined**"),
        })
    return MonitoringPlan(
        model=model, version=version, purpose=purpose, risk_classification=risk_classification,
        owners=dict(owners), cadence=cadence, outcomes_cadence=outcomes_cadence,
        label_delay=label_delay, reference_window=reference_window,
        segments=tuple(str(s) for s in segments),
        fairness_measures=tuple(str(f) for f in fairness_measures), escalation=escalation,
        retraining_policy=retraining_policy, review=review,
        signals=pd.DataFrame(rows, columns=PLAN_COLUMNS),
    )

"""The monitoring plan: generated from a monitor's rules, with the governance fields checked."""

from __future__ import annotations

import pytest

from modellab import scenarios
from modellab.monitor import Monitor
from modellab.monitor.health import ScoredShareBelow, VolumeOutside
from modellab.monitor.segment_rules import ContractViolated, SegmentBehind
from modellab.report.plan import (
    ART73_DEADLINES,
    REQUIRED_ROLES,
    Escalation,
    monitoring_plan,
)

OWNERS = {"model_owner": "Credit Risk Analytics (A. Moreau)",
          "validator": "Model Risk Management (J. Okafor)",
          "monitoring_operator": "ML Platform on-call",
          "incident_contact": "Head of Compliance (S. Lindqvist)"}


def _complete(rules):
    return monitoring_plan(
        rules, model="retail-credit-pd", version="2.1", owners=OWNERS,
        purpose="Estimates the probability of default of retail loan applicants.",
        label_delay="defaults are known 12 weeks after the decision",
        reference_window="the 5,000 validation loans of 2024, renewed after each retraining",
        segments=["age band", "region", "channel"],
        retraining_policy="Recalibrate when only calibration moved; retrain when ROC-AUC falls "
                          "0.10; roll back when inputs are broken.",
        rule_cadence={"segment": "monthly"},
    )


@pytest.fixture(scope="module")
def monitor():
    s = scenarios.make("stable", n_reference=1000, n_batches=2, batch_size=200)
    return Monitor(s.reference)


def test_plan_lists_every_monitor_rule_with_owner_and_response(monitor):
    extra = [SegmentBehind("recall"), ContractViolated(), VolumeOutside(), ScoredShareBelow()]
    plan = _complete(list(monitor.rules) + extra)
    assert plan.missing() == []
    assert plan.signals["rule"].tolist() == [r.name for r in [*monitor.rules, *extra]]
    assert set(plan.signals["owner"]) <= set(REQUIRED_ROLES)
    seg = plan.signals[plan.signals["kind"] == "segment"]
    assert seg["cadence"].tolist() == ["monthly"] and seg["owner"].tolist() == ["model_owner"]
    crit = plan.signals[plan.signals["severity"] == "critical"]
    assert crit["response"].str.contains("within 4 h").all()
    md = plan.to_markdown()
    for rule in plan.signals["rule"]:
        assert rule in md
    for heading in ("Ongoing monitoring (SR 11-7)", "Art. 72", "Outcomes analysis",
                    "Serious incidents (EU AI Act Art. 73)", "Escalation", "Retraining"):
        assert heading in md
    for what, days in ART73_DEADLINES.items():
        assert f"{what}: {days} days" in md
    assert "**missing**" not in md
    assert OWNERS["incident_contact"] in plan.card_text()


def test_plan_from_a_monitor_object(monitor):
    plan = _complete(monitor)
    assert len(plan.signals) == len(monitor.rules)


def test_missing_fields_are_reported_and_marked(monitor):
    plan = monitoring_plan(monitor, model="m", owners={"model_owner": "A"})
    missing = plan.missing()
    for role in ("validator", "monitoring_operator", "incident_contact"):
        assert any(m.startswith(f"owner: {role}") for m in missing)
    for name in ("purpose", "label_delay", "reference_window", "retraining_policy"):
        assert name in missing
    assert any(m.startswith("segments") for m in missing)
    assert any("monitoring_operator" in m and "no owner" in m for m in missing)
    assert "**missing**" in plan.to_markdown()


def test_escalation_must_cover_every_severity(monitor):
    plan = monitoring_plan(
        monitor, model="m", owners=OWNERS,
        escalation=[Escalation("critical", "model_owner", 4, "roll back")])
    assert "escalation: nobody is told about warning alerts" in plan.missing()
    assert (plan.signals.loc[plan.signals["severity"] == "warning", "response"]
            == "**no escalation defined**").all()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(rules="MetricBelow"), TypeError, "Monitor or a list"),
        (dict(owners=["Ana"]), TypeError, "mapping role"),
        (dict(purpose=3), TypeError, "purpose"),
        (dict(segments="age"), TypeError, "lists of texts"),
        (dict(escalation=[("critical", "x", 1, "y")]), TypeError, "Escalation"),
    ],
)
def test_bad_arguments(monitor, kwargs, error, match):
    args = dict(rules=monitor, model="m", owners=OWNERS) | kwargs
    with pytest.raises(error, match=match):
        monitoring_plan(args.pop("rules"), **args)


def test_escalation_validates():
    with pytest.raises(ValueError, match="severity"):
        Escalation("urgent", "model_owner", 1, "x")
    with pytest.raises(ValueError, match="within_hours"):
        Escalation("critical", "model_owner", 0, "x")
    with pytest.raises(TypeError, match="action"):
        Escalation("critical", "model_owner", 1, "")


# ------------------------------------------------------ report sections: who is affected, contract


def test_who_is_affected_names_the_east_and_only_after_the_closure():
    from modellab.report.affected import who_is_affected

    s = scenarios.make("segment_shift", n_reference=1000, n_batches=20, batch_size=1000)
    monthly = s.production.assign(month=lambda d: d["batch"] // 4)
    text = who_is_affected(monthly, {"region": None}, by="month", period="month", n_boot=400)
    assert text.startswith("## Who is affected")
    listed = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(listed) == 1 and listed[0].startswith("- **region = east**")
    months = listed[0].split(" in month ")[1].split(" (")[0].split(", ")
    assert {int(m) for m in months} <= {2, 3, 4}  # the closure is in week 10 = month 2
    quiet = scenarios.make("stable", n_reference=1000, n_batches=8, batch_size=1000)
    assert "No segment is behind" in who_is_affected(quiet.production, ["region"], by=None, n_boot=400)


def test_contract_section_lists_every_fault():
    from modellab.contracts import infer_contract, validate_batches
    from modellab.report.affected import contract_section

    s = scenarios.make("data_quality", n_reference=2000, n_batches=20, batch_size=500)
    v = validate_batches(infer_contract(s.reference), s.production)
    text = contract_section(v)
    assert len([ln for ln in text.splitlines() if ln.startswith("- Batch")]) == len(v)
    for column in ("income", "debt_to_income", "employment_type"):
        assert f"`{column}`" in text
    assert "conforms" in contract_section(v.iloc[:0])
    with pytest.raises(ValueError, match="validate_batches"):
        contract_section(v.drop(columns="batch"))

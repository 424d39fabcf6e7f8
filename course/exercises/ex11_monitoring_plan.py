# %% [markdown]
# # Exercise 11 · A monitoring plan a regulator can read
#
# This exercise goes with lesson `10_governance`. You will:
#
# - **Part A** — write the monitoring plan of a credit model from its monitor's rules and the
#   organisation's facts, with every required field (3 points);
# - **Part B** — encode two governance rules as functions: the EU AI Act Art. 73 reporting
#   deadline, and the recalibrate / retrain / roll back decision (5 points), and one
#   multiple-choice question (1 point);
# - **Part C** — write the escalation note for a critical alert (3 points, graded by your
#   instructor with the rubric given).
#
# After each answer, run the **check cell** below it: ✅ means that answer is right; ❌ comes
# with a hint. Graded tests also call your functions on cases you have not seen. Check cells are
# **locked** (🔒): edit the answer cell above them instead.
#
# Total: 12 points, about 30 minutes.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import datetime as dt

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab.monitor import Monitor
from modellab.monitor.health import BatchLate, ScoredShareBelow, VolumeOutside
from modellab.monitor.segment_rules import ContractViolated, SegmentBehind
from modellab.report.plan import Escalation, monitoring_plan
from modellab.scenarios import make

scenario = make("stable", seed=2)
monitor = Monitor(scenario.reference)
RULES = [*monitor.rules, SegmentBehind("recall"), ContractViolated(), VolumeOutside(),
         BatchLate(), ScoredShareBelow()]
# The organisation, as the head of model risk wrote it down:
TEAM = {"model_owner": "Retail Credit Analytics (R. Haddad)",
        "validator": "Model Risk Management (E. Novak)",
        "monitoring_operator": "Decision Platform on-call",
        "incident_contact": "Chief Compliance Officer (M. Osei)"}
print(f"{len(RULES)} alert rules; roles: {', '.join(TEAM)}")

# %% [markdown]
# ## Part A · The plan
#
# **A1 (3 points).** Set `plan` to `monitoring_plan(RULES, ...)` for the model
# `"retail-credit-pd"`, version `"3.0"`, with:
#
# - the four owners of `TEAM`;
# - a purpose, the label delay (defaults are known **12 weeks** after the decision), and the
#   reference window (the **5,000 validation loans**, renewed after each retraining);
# - the monitored segments: `"age band (protected)"`, `"region"` and `"channel"`;
# - segment rules judged **monthly** (`rule_cadence`), everything else weekly;
# - an escalation in which **critical** alerts go to the `model_owner` within **4 hours**,
#   warnings to the `monitoring_operator` within 48 hours, info within a week (168 hours)
#   — each with a first response of your choice;
# - a retraining policy in one or two sentences.
#
# Then set `plan_missing = plan.missing()` (it must be empty) and `plan_text = plan.to_markdown()`.

# %% nbgrader={"grade": false, "grade_id": "a1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
plan = ...
plan_missing = ...
plan_text = ...
### BEGIN SOLUTION
plan = monitoring_plan(
    RULES,
    model="retail-credit-pd", version="3.0", owners=TEAM,
    purpose="Estimates the probability of default of retail loan applicants for approval decisions.",
    label_delay="defaults are known 12 weeks after the decision",
    reference_window="the 5,000 validation loans, renewed after each retraining",
    segments=["age band (protected)", "region", "channel"],
    rule_cadence={"segment": "monthly"},
    escalation=[
        Escalation("critical", "model_owner", 4, "pause automated decisions if inputs are broken; investigate"),
        Escalation("warning", "monitoring_operator", 48, "investigate and record the decision"),
        Escalation("info", "monitoring_operator", 168, "review weekly"),
    ],
    retraining_policy="Recalibrate when only calibration moved; retrain when ROC-AUC falls 0.10; "
                      "roll back when a data contract is broken.")
plan_missing = plan.missing()
plan_text = plan.to_markdown()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a1-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest, check_true, require_answer

check_true(require_answer(plan_missing, "plan_missing") == [], f"the plan still misses: {plan_missing}", name="plan.missing()",
           success="the plan has every required field.")
check_true("| monthly |" in plan_text, "segment rules must run monthly: rule_cadence={'segment': 'monthly'}",
           name="segment cadence", success="segment rules run monthly.")
check_digest([plan.model, plan.version, *sorted(plan.segments)], "01708c54fa3d9646",
             "the plan's model, version and segments",
             hint='model="retail-credit-pd", version="3.0", the three segments exactly as listed')
check_true("12" in plan.label_delay and ("5,000" in plan.reference_window or "5000" in plan.reference_window),
           "say the label delay (12 weeks) and the reference window (the 5,000 validation loans)",
           name="label delay and reference window", success="the plan states the label delay and reference.")
routes = sorted((e.severity, e.notify, e.within_hours) for e in plan.escalation)
check_digest([v for route in routes for v in route], "ee068fcd9f0554c8",
             "the escalation (severity, who, within hours)", digits=1,
             hint="critical -> model_owner in 4 h, warning -> monitoring_operator in 48 h, info in 168 h",
             mistakes={"6754911632a3c622": "critical alerts go to the model_owner, not the operator",
                       "2f53c529ac4c0a6c": "within_hours is in hours: critical within 4 hours, not 4 days"})
### BEGIN HIDDEN TESTS (trusted)
import re

text = learner.value("plan_text")
expect_equal(learner.value("plan_missing"), [], "plan_missing", hint="fill every field plan.missing() lists")
expect_true(isinstance(text, str) and text.startswith("# Monitoring plan: retail-credit-pd (version 3.0)"),
            "plan_text must be plan.to_markdown() of the retail-credit-pd plan, version 3.0")
for name in TEAM.values():
    expect_true(name in text, "the plan must name the four owners of TEAM exactly as given")
for rule in RULES:
    expect_true(f"`{rule.name}`" in text, "the plan must list every rule of RULES (pass RULES itself)")
expect_true(re.search(r"\| `SegmentBehind\([^|]*\| segment \|[^\n]*\| monthly \|", text) is not None,
            "the segment rule must be judged monthly (rule_cadence={'segment': 'monthly'})")
expect_true(re.search(r"^\| weekly|\| weekly \|", text, re.M) is not None,
            "the other rules run weekly (the default cadence)")
crit = re.search(r"^\| critical \| model_owner [^|]*\| ([0-9.]+) h \|", text, re.M)
expect_true(crit is not None and float(crit.group(1)) <= 4,
            "critical alerts go to the model_owner within 4 hours (Escalation('critical', 'model_owner', 4, ...))")
for sev in ("warning", "info"):
    expect_true(re.search(rf"^\| {sev} \| monitoring_operator ", text, re.M) is not None,
                f"{sev} alerts go to the monitoring_operator")
for segment in ("age band (protected)", "region", "channel"):
    expect_true(segment in text, "list the three segments: 'age band (protected)', 'region', 'channel'")
expect_true("12 weeks" in text and "5,000" in text,
            "write the label delay (12 weeks) and the reference window (the 5,000 validation loans)")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · Governance rules as code
#
# **B1 (3 points).** Under EU AI Act Art. 73, a serious incident is reported immediately after
# a causal link is established and **at the latest** a number of days after the provider
# becomes aware of it: **15 days** in general, **10 days** if a person died, **2 days** for a
# widespread infringement or a serious disruption of critical infrastructure. Complete
# `report_deadline(aware, kind)`: `aware` is a `datetime.date`, `kind` is `"general"`,
# `"death"` or `"widespread"`; return the last allowed date (a `datetime.date`). Raise
# `ValueError` for any other kind.

# %% nbgrader={"grade": false, "grade_id": "b1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def report_deadline(aware, kind):
    """Latest date for the Art. 73 report of a serious incident."""
    ### BEGIN SOLUTION
    days = {"general": 15, "death": 10, "widespread": 2}
    if kind not in days:
        raise ValueError(f"kind must be one of {list(days)}, got {kind!r}")
    return aware + dt.timedelta(days=days[kind])
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b1-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("report_deadline"):
    first = report_deadline(dt.date(2026, 3, 2), "general")
    by_kind = [str(report_deadline(dt.date(2026, 12, 24), kind)) for kind in ("general", "death", "widespread")]
    try:
        report_deadline(dt.date(2026, 3, 2), "minor")
        refused = False
    except ValueError:
        refused = True
    except Exception:  # another error is not the ValueError asked for
        refused = False
check_true(isinstance(first, dt.date) and not isinstance(first, dt.datetime),
           "return a datetime.date (aware + dt.timedelta(days=...)), not text or a datetime",
           name="report_deadline returns a date", success="report_deadline returns a date.")
check_digest(str(first), "d9973671edc8e326", "report_deadline(2026-03-02, 'general')",
             hint="return a datetime.date: the day the provider became aware plus 15 days",
             mistakes={"b5cfac1132337e21": "add 15 calendar days: aware + timedelta(days=15)",
                       "b4c32339a8d045f5": "the deadline is aware + 15 days, not a day later",
                       "d5d8a0f89d71d8cf": "Art. 73 counts calendar days, not working days: "
                                           "aware + timedelta(days=15), weekends included"})
check_digest(by_kind, "ce02cadeca0149bb", "report_deadline(2026-12-24, kind) for 'general', 'death', 'widespread'",
             hint="15 days in general, 10 if a person died, 2 for a widespread infringement",
             mistakes={"8f745c65f488aaa6": "death is 10 days and widespread 2: swapped",
                       "38d0688490cd7196": "Art. 73 counts calendar days, not working days: "
                                           "aware + timedelta(days=n), weekends included"})
check_true(refused, "raise ValueError for a kind that is not 'general', 'death' or 'widespread'",
           name="an unknown kind is refused", success="an unknown kind raises ValueError.")
### BEGIN HIDDEN TESTS (trusted)
from modellab.report.plan import ART73_DEADLINES

days = {"general": ART73_DEADLINES["serious incident (general)"],
        "death": ART73_DEADLINES["death of a person"],
        "widespread": ART73_DEADLINES[
            "widespread infringement or serious disruption of critical infrastructure"]}
for aware in [dt.date(2026, 12, 20), dt.date(2027, 2, 27), dt.date(2028, 2, 28)]:
    for kind, n in days.items():
        got = learner.evaluate(f"str(report_deadline(dt.date({aware.year}, {aware.month}, {aware.day}), {kind!r}))")
        expect_equal(got, str(aware + dt.timedelta(days=n)), f"report_deadline for a {kind} incident",
                     hint="general 15 days, death 10 days, widespread 2 days after awareness "
                          "(calendar days, weekends included)")
outcome = learner.evaluate("_outcome", setup=[
    "try:",
    "    report_deadline(dt.date(2026, 1, 1), 'minor')",
    "    _outcome = 'no error'",
    "except ValueError:",
    "    _outcome = 'ValueError'",
    "except Exception as error:",
    "    _outcome = type(error).__name__"])
expect_equal(outcome, "ValueError", "report_deadline with an unknown kind",
             hint="raise ValueError when kind is not 'general', 'death' or 'widespread'")
### END HIDDEN TESTS

# %% [markdown]
# **B2 (2 points).** The lesson's decision table, as the monitoring plan states it. Complete
# `lifecycle_action(auc_drop, calibration_gap, contract_violations)` returning one of
# `"roll back"`, `"retrain"`, `"recalibrate"` or `"none"`:
#
# 1. any contract violation (`contract_violations > 0`) → `"roll back"` (never retrain on broken
#    inputs);
# 2. else a ROC-AUC drop of **0.10 or more** below the reference → `"retrain"`;
# 3. else an absolute calibration gap (observed − predicted default rate) of **0.03 or more** →
#    `"recalibrate"`;
# 4. else `"none"`.

# %% nbgrader={"grade": false, "grade_id": "b2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lifecycle_action(auc_drop, calibration_gap, contract_violations):
    """'roll back', 'retrain', 'recalibrate' or 'none'."""
    ### BEGIN SOLUTION
    if contract_violations > 0:
        return "roll back"
    if auc_drop >= 0.10:
        return "retrain"
    if abs(calibration_gap) >= 0.03:
        return "recalibrate"
    return "none"
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("lifecycle_action"):
    downturn = lifecycle_action(0.01, 0.064, 0)
    cases = [(0.10, 0.0, 0), (0.2, 0.05, 1), (0.0, -0.04, 0), (0.05, 0.029, 0), (0.0, 0.03, 0), (0.12, 0.05, 0)]
    actions = [downturn] + [lifecycle_action(*case) for case in cases]
check_true(all(action in ("roll back", "retrain", "recalibrate", "none") for action in actions),
           'return exactly "roll back", "retrain", "recalibrate" or "none"',
           name="lifecycle_action's answers", success="lifecycle_action returns the four actions' names.")
check_digest(downturn, "d312c5d66da03485", "lifecycle_action(0.01, 0.064, 0)",
             hint="the ranking held (small drop) but defaults outran the scores")
check_digest(actions, "de61a82b57b228a5", "lifecycle_action on 7 cases (the one above, then `cases`)",
             hint="check the rules in order: any contract violation, then an AUC drop >= 0.10, then |gap| >= 0.03",
             mistakes={"17eddc3bf5322d4a": "'0.10 or more' and '0.03 or more' include the limit: use >=",
                       "5e13c5bdded964ce": "the calibration gap counts either way: compare abs(gap) with 0.03",
                       "0f7b74a4ed02f610": "a contract violation comes first: roll back, never retrain on broken inputs"})
### BEGIN HIDDEN TESTS (trusted)
def _rule(drop, gap, violations):
    if violations > 0:
        return "roll back"
    if drop >= 0.10:
        return "retrain"
    return "recalibrate" if abs(gap) >= 0.03 else "none"


for case in [(0.15, 0.0, 0), (0.15, 0.1, 3), (0.0, -0.05, 0), (0.02, 0.01, 0), (0.10, 0.0, 0),
             (0.099, 0.03, 0), (0.0, 0.0, 1), (0.05, -0.029, 0)]:
    expect_equal(learner.call("lifecycle_action", *case), _rule(*case),
                 "lifecycle_action on a case you have not seen",
                 hint="check the contract first, then the ROC-AUC drop, then |calibration gap|; the limits are inclusive")
### END HIDDEN TESTS

# %% [markdown]
# **B3 (1 point).** SR 11-7 asks for outcomes analysis "by parties independent of the model's
# development where possible". Who should run or review the quarterly back-test of this model?
#
# - **a)** The data scientists who built the model, since they know it best.
# - **b)** The vendor of the monitoring software.
# - **c)** Model Risk Management, the validator named in the plan.
# - **d)** Nobody, if the weekly monitor raised no alert during the quarter.

# %% nbgrader={"grade": false, "grade_id": "b3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
b3 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
b3 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(b3, "abcd", "cfe77773c7d5eaa8", name="B3",
           hint="which role is independent of the developers?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("b3"), "c", "B3")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · The escalation note
#
# **C1 (3 points, graded by your instructor).** Monday 09:10: `ContractViolated` raises a
# critical alert — in this week's batch every `income` is about a thousand times smaller than
# usual, and the scores have tripled. Write the note the monitoring operator sends, in at most
# six sentences.
#
# Rubric (1 point each): **(1)** what happened and since when, with the evidence (column, check,
# rows affected); **(2)** who is notified and the first action, consistent with your plan
# (critical → model owner within 4 hours; decisions paused or rolled back, no retraining on
# broken data); **(3)** whether it may be a serious incident under Art. 73 (applicants wrongly
# declined?) and who decides — the incident contact — with the 15-day limit.

# %% [markdown] nbgrader={"grade": true, "grade_id": "c1-written", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# **Your answer:**
#
# ### BEGIN SOLUTION
# *Model answer:* Since this morning's batch, the `income` column breaks the data contract: its
# median is about a thousand times below the agreed range (every row affected), most likely
# income reported in thousands after last night's release, and the model's scores have tripled
# as a result. Per the monitoring plan this is critical: I have notified the model owner (Retail
# Credit Analytics) and, with their agreement, paused automated declines and routed applications
# to underwriters until the pipeline is fixed; we will not retrain on this data. Applicants
# declined since the release may have been refused because of the bug: I have informed the
# Chief Compliance Officer, who decides whether this is a serious incident to report under
# Art. 73 (at the latest 15 days after becoming aware) and whether affected applicants must be
# re-assessed.
# ### END SOLUTION

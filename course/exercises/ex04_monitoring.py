# %% [markdown]
# # Exercise 04 · Monitoring and alerting
#
# This exercise goes with lesson `08_monitoring_alerting`. You will:
#
# - **Part A** — write alert rules that catch drift within two weeks of its start and stay
#   silent when nothing changes (6 points);
# - **Part B** — read a monitoring history: the first alert of a severity, the feature that
#   drifted most, and the weeks the performance rules could not judge (6 points);
# - **Part C** — answer three decisions a monitoring manager faces (3 points).
#
# After each answer, run the **check cell** below it. Each ✅ line says what it checked: a quiz
# ✅ means right; "… is in a plausible range" or "has the right shape" means only the form was
# checked, and the value is checked when graded. ❌ comes with a hint and the cell to change.
# Check cells are locked (🔒): they are graded exactly as written, so edit your answer cell.
# More tests run when your work is graded, on scenarios and seeds you have
# not seen, so write code that computes the answer rather than typing numbers in.
#
# Total: 15 points, about 40 minutes.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import pandas as pd

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab.monitor import (
    MIN_LABELLED,
    DriftShareAbove,
    FeatureDrifted,
    MetricAbove,
    MetricBelow,
    MetricDropFrom,
    MetricRiseFrom,
    MissingRateAbove,
    Monitor,
    Rule,
    default_rules,
    score_alerts,
)
from modellab.scenarios import make

pd.set_option("display.max_colwidth", None)
SMALL = dict(n_reference=2000, n_batches=10, batch_size=1000)  # 10 weeks of 1,000 loans
SCENARIOS = ("stable", "concept_drift", "covariate_shift_gradual")
PRACTICE_SEED = 1


def monitored(name, seed, rules=()):
    """Monitor a small scenario with ``rules``; return the MonitorResult and the scenario's truth."""
    s = make(name, seed=seed, **SMALL)
    return Monitor(s.reference, rules=list(rules)).run(s.production), s.truth


def verdict(score):
    """'ok', or what went wrong, from ``score_alerts(alerts, truth)``."""
    if score.false_alarms:
        return f"false alarm at batch {score.false_alarm_batches[0]}"
    if score.missed:
        return "missed the drift"
    late = score.to_frame().query("delay > 2")
    if len(late):
        return f"too late: first alert at batch {late['first_alert'].iloc[0]}"
    return "ok"


practice = {name: monitored(name, PRACTICE_SEED) for name in SCENARIOS}  # histories, no rules


def try_rules(rules):
    """Judge ``rules`` on the practice histories: alerted batches and a verdict per scenario."""
    if rules is ...:  # the answer cell calls it before my_rules is written: ⏳, not an error
        print("⏳ my_rules is not answered yet: set it to a list of rule objects, then run the cell.")
        return None
    rows = []
    for name, (run, truth) in practice.items():
        alerted = [b for rule in rules for b in rule.evaluate(run.history, run.reference)["batch"]]
        score = score_alerts(alerted, truth)
        rows.append({"scenario": name, "drift onset": truth["start_batch"].min(),
                     "alerted batches": list(score.alerted_batches), "verdict": verdict(score)})
    return pd.DataFrame(rows).astype({"drift onset": "Int64"})


def checked_try_rules(rules):
    """``try_rules(rules)`` after checking that ``rules`` is a short list of rule objects."""
    from modellab.checks import CheckFailed, check_true, require_answer

    require_answer(rules, "my_rules")
    check_true(rules, "my_rules is empty: add at least one rule object", name="my_rules",
               success="my_rules has rules.")
    check_true(isinstance(rules, (list, tuple)) and all(isinstance(r, Rule) for r in rules),
               "my_rules must be a list of rule objects, e.g. [FeatureDrifted(min_effect=0.5)]: "
               "call the class with its settings", name="my_rules holds rule objects",
               success="Every item is a rule object.")
    check_true(len(rules) <= 3, "keep at most three rules: the pager team wants a short list",
               name="at most three rules", success="At most three rules.")
    try:
        return try_rules(rules)
    except (ValueError, TypeError) as exc:
        raise CheckFailed(f"❌ One of your rules cannot judge a monitoring history: {exc}") from None


# %% [markdown]
# ## Part A · Rules that are fast and quiet
#
# The monitoring team pages the on-call analyst on every alert. Their current rules:

# %% nbgrader={"grade": false, "grade_id": "current-rules", "locked": true, "schema_version": 3, "solution": false, "task": false}
current_rules = [
    MetricDropFrom("roc_auc", by=0.03),
    FeatureDrifted(),
    DriftShareAbove(0.0),
]
try_rules(current_rules)

# %% [markdown]
# `try_rules` re-judges the practice histories (seed 1, ten weekly batches of 1,000 loans) of
# three scenarios: `stable` (nothing changes), `concept_drift` (from batch 5, who defaults
# changes while applicants look the same) and `covariate_shift_gradual` (from batch 5, debt
# and loan sizes creep up). The current rules raise **false alarms**.
#
# **A1 (6 points).** Set `my_rules` to a list of **at most three** rule objects (from
# `modellab.monitor`, imported above: `MetricDropFrom`, `MetricRiseFrom`, `MetricBelow`,
# `MetricAbove`, `DriftShareAbove`, `FeatureDrifted`, `MissingRateAbove`) such that:
#
# - on `stable`, they raise **no alert at all**;
# - on `concept_drift` and `covariate_shift_gradual`, they raise no alert before the drift
#   starts, and the **first alert comes within 2 batches** of the start (batch 5, 6 or 7).
#
# Use `try_rules(my_rules)` to try ideas. Lesson 08 explains how noisy each signal is; think
# about which signal each drift moves. The grader runs the `Monitor` with your rules on other
# seeds, so leave a safety margin rather than fitting seed 1 exactly.

# %% nbgrader={"grade": false, "grade_id": "a1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
my_rules = ...
### BEGIN SOLUTION
my_rules = [
    MetricDropFrom("roc_auc", by=0.10, severity="critical"),  # concept drift: ranking breaks
    FeatureDrifted(min_effect=0.2, severity="warning"),  # covariate shift: inputs move
]
### END SOLUTION
try_rules(my_rules)

# %% [markdown]
# The first check: are they well-formed, and do they catch both drifts in time (3 points)?

# %% nbgrader={"grade": true, "grade_id": "a1-check-detect", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_true

table = checked_try_rules(my_rules)
for row in table[table["drift onset"].notna()].itertuples():
    check_true(row.verdict == "ok", f"on {row.scenario} (seed 1): {row.verdict}. Which signal "
               "does this drift move: performance, scores, or inputs?",
               name=f"{row.scenario} detected in time",
               success=f"{row.scenario} (seed 1): first alert within 2 batches, no early alert.")
### BEGIN HIDDEN TESTS (trusted)
from modellab.monitor import rule_from_dict  # noqa: E402

_specs = learner.evaluate("[rule.to_dict() for rule in my_rules]")
_rules = None
try:  # the learner's rules, rebuilt here from data: the Monitor below runs in the grader
    _rules = [rule_from_dict(_spec) for _spec in _specs]
except (TypeError, ValueError, KeyError, AttributeError):
    pass
expect_true(_rules, "my_rules should be a list of rules from modellab.monitor, e.g. "
                    "[MetricDropFrom('roc_auc', by=0.1)]")
for _seed in (PRACTICE_SEED, 7, 10):
    for _name in ("concept_drift", "covariate_shift_gradual"):
        _run, _truth = monitored(_name, _seed, _rules)
        _v = verdict(score_alerts(_run, _truth))
        expect_true(_v == "ok", f"on {_name}, seed {_seed}: {_v}")
### END HIDDEN TESTS

# %% [markdown]
# The second check: are they silent on `stable` (3 points)? (Rules that never fire are silent
# too, so this check also asks that they detect the drifts.)

# %% nbgrader={"grade": true, "grade_id": "a1-check-quiet", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_true

table = checked_try_rules(my_rules)
check_true((table["verdict"] == "ok").all(),
           "some verdict in try_rules(my_rules) is not 'ok': look at the table; a false alarm on "
           "stable means a threshold sits inside the normal week-to-week noise",
           name="silent on stable and in time on the drifts (seed 1)",
           success="Seed 1: silent on stable, both drifts caught in time.")
### BEGIN HIDDEN TESTS (trusted)
from modellab.monitor import rule_from_dict  # noqa: E402

_specs = learner.evaluate("[rule.to_dict() for rule in my_rules]")
_rules = None
try:  # the learner's rules, rebuilt here from data: the Monitor below runs in the grader
    _rules = [rule_from_dict(_spec) for _spec in _specs]
except (TypeError, ValueError, KeyError, AttributeError):
    pass
expect_true(_rules, "my_rules should be a list of rules from modellab.monitor, e.g. "
                    "[MetricDropFrom('roc_auc', by=0.1)]")
for _seed in (PRACTICE_SEED, 7, 10):
    _run, _truth = monitored("stable", _seed, _rules)
    _v = verdict(score_alerts(_run, _truth))
    expect_true(_v == "ok", f"on stable, seed {_seed}: {_v}")
for _name in SCENARIOS:
    _run, _truth = monitored(_name, PRACTICE_SEED, _rules)
    _v = verdict(score_alerts(_run, _truth))
    expect_true(_v == "ok", f"on {_name}, seed {PRACTICE_SEED}: {_v}")
_run, _truth = monitored("concept_drift", 10, _rules)
expect_true(verdict(score_alerts(_run, _truth)) == "ok", "the rules must also detect the drift")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · Reading a monitoring history
#
# Here is a real-looking monitoring run: twelve weeks of the `label_delay` scenario, with the
# default rules. Outcomes arrive four weeks late, so the newest weeks have no labels yet.

# %% nbgrader={"grade": false, "grade_id": "report", "locked": true, "schema_version": 3, "solution": false, "task": false}
week_data = make("label_delay", seed=3, n_reference=2000, n_batches=12, batch_size=1000)
report = Monitor(week_data.reference).run(week_data.production)
print(report)
report.alerts[["batch", "kind", "severity", "message"]]

# %% [markdown]
# `report.history` has one row per batch; `report.drift` one row per batch and feature (with an
# `effect_size` column); `report.alerts` one row per alert. Each function below receives such a
# result (the grader also calls them on other monitoring runs).
#
# **B1 (2 points).** Complete `first_alert_batch(result, severity)`: the batch of the earliest
# alert with that severity (`"info"`, `"warning"` or `"critical"`), or `None` if there is none.

# %% nbgrader={"grade": false, "grade_id": "b1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def first_alert_batch(result, severity):
    """Batch of the earliest alert with this severity in ``result``, or None if there is none."""
    ### BEGIN SOLUTION
    alerts = result.alerts[result.alerts["severity"] == severity]
    if alerts.empty:
        return None
    return alerts["batch"].min()
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("first_alert_batch"):
    first_critical = first_alert_batch(report, "critical")
    first_info = first_alert_batch(report, "info")
check_true(first_critical is not None and np.ndim(first_critical) == 0
           and first_critical in report.batches,
           "return a batch id from result.alerts['batch'] (the alerts of that severity)",
           name="first_alert_batch(report, 'critical')",
           success=f"First critical alert: batch {first_critical}.")
check_true(first_info is None, "when no alert has that severity, return None",
           name="first_alert_batch(report, 'info')", success="No info alert: None.")
check_digest(first_critical, "bd4edf34b223c4ea",
             'first_alert_batch(report, "critical")', digits=0,
             hint="the smallest batch among the alerts whose severity is the one asked for",
             mistakes={"20a6e95d8127bd68":
                        "that is a row position: return the value of the alert's 'batch' column"})
### BEGIN HIDDEN TESTS (trusted)
def _first(result, severity):
    wanted = set(result.alerts.loc[result.alerts["severity"] == severity, "batch"])
    return next((b for b in result.batches if b in wanted), None)


_dq, _ = monitored("data_quality", 3, default_rules())
for _where, _result, _setup in (("the report", report, ""), ("another run", _dq, ["_dq, _ = monitored('data_quality', 3, default_rules())"])):
    _name = "report" if _result is report else "_dq"
    for _severity in ("critical", "warning", "info"):
        expect_equal(learner.evaluate(f"first_alert_batch({_name}, {_severity!r})", setup=_setup),
                     _first(_result, _severity), f"first {_severity} alert on {_where}",
                     hint="the smallest batch among the alerts with that severity, or None")
### END HIDDEN TESTS

# %% [markdown]
# **B2 (2 points).** Complete `most_drifted(result)`: the name of the feature with the **largest
# drift effect size** in any batch.

# %% nbgrader={"grade": false, "grade_id": "b2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def most_drifted(result):
    """Feature with the largest drift effect size in any batch of ``result``."""
    ### BEGIN SOLUTION
    drift = result.drift
    return drift.loc[drift["effect_size"].idxmax(), "column"]
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("most_drifted"):
    top_feature = most_drifted(report)
check_true(isinstance(top_feature, str) and top_feature in report.features,
           "return a feature name (text) such as 'income': one of report.features",
           name="most_drifted(report)", success=f"most_drifted(report) is a feature: {top_feature}.")
check_digest(top_feature, "a93e9cc4e11ad779", "most_drifted(report)",
             hint="the feature with the largest drift effect size in any batch of the report")
### BEGIN HIDDEN TESTS (trusted)
def _top(result):
    effects = result.history[[f"effect_{f}" for f in result.features]].max()
    return effects.idxmax().removeprefix("effect_")


expect_equal(learner.value("top_feature"), _top(report), "most_drifted(report)",
             hint="the feature with the largest drift effect size in any batch of the report")
_dq, _ = monitored("data_quality", 3, default_rules())
expect_equal(learner.evaluate("most_drifted(_dq)", setup=["_dq, _ = monitored('data_quality', 3, default_rules())"]), _top(_dq),
             "most_drifted on another run")
### END HIDDEN TESTS

# %% [markdown]
# **B3 (2 points).** A performance rule only judges a batch with at least `MIN_LABELLED` (200)
# labelled rows (column `n_labelled` of the history). Complete `blind_batches(result)`: the list
# of batches, in order, where performance could **not** be judged.

# %% nbgrader={"grade": false, "grade_id": "b3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def blind_batches(result):
    """Batches (a list, in history order) with fewer than MIN_LABELLED labelled rows."""
    ### BEGIN SOLUTION
    history = result.history
    return history.loc[history["n_labelled"] < MIN_LABELLED, "batch"].tolist()
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b3-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("blind_batches"):
    blind = blind_batches(report)
check_true(isinstance(blind, list) and all(b in report.batches for b in blind),
           "return a list of batch ids taken from result.history['batch'] (use .tolist())",
           name="blind_batches(report)", success=f"blind_batches(report) lists {len(blind)} batch(es).")
check_digest(tuple(blind), "39cf40e20b75f849", "blind_batches(report)",
             digits=0, hint="the batches, in history order, with fewer than MIN_LABELLED labelled rows")
### BEGIN HIDDEN TESTS (trusted)
def _blind(result):
    return [b for b, n in zip(result.batches, result.history["n_labelled"], strict=True)
            if n < MIN_LABELLED]


_blind_report = learner.value("blind")
expect_true(isinstance(_blind_report, list), "return a list of batch ids (use .tolist())")
expect_equal(_blind_report, _blind(report), "blind_batches(report)",
             hint="the batches, in history order, with fewer than MIN_LABELLED labelled rows")
_dq, _ = monitored("data_quality", 3, default_rules())
expect_equal(learner.evaluate("blind_batches(_dq)", setup=["_dq, _ = monitored('data_quality', 3, default_rules())"]), _blind(_dq),
             "blind_batches on a fully labelled run")
_build = ["_s = make('concept_drift', seed=4, **SMALL)",
          "_prod = _s.production.copy()",
          "for _b, _keep in ((7, 150), (8, 250), (9, 0)):",
          "    _rows = _prod.index[_prod['batch'] == _b][_keep:]",
          "    _prod.loc[_rows, 'default'] = float('nan')",
          "_partial = Monitor(_s.reference).run(_prod)"]
_here = {"make": make, "SMALL": SMALL, "Monitor": Monitor}
exec("\n".join(_build), _here)  # the same run, built here from the same lines
expect_equal(learner.evaluate("blind_batches(_partial)", setup=_build), _blind(_here["_partial"]),
             "blind_batches when labels arrive gradually")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · Decisions for the monitoring manager
#
# Set each answer to the letter of your choice, e.g. `q1 = "a"`.
#
# **Q1 (1 point).** At 3 a.m. the monitor raises a *warning*: 40% of the input features drifted
# in last night's batch. ROC-AUC on the weeks with outcomes, the default rate and the mean
# score are all in line with the reference. What should happen?
#
# - **a)** Page the on-call analyst now: any drift this large can break the model during the night.
# - **b)** Switch the drift rules off: only the performance rules matter to the business.
# - **c)** Retrain the model on last night's batch straight away, before the morning review.
# - **d)** Page no one: the morning review finds what moved; performance rules stay on watch.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q1 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q1, "abcd", "ac68c86402b77ad7", name="Q1",
           hint="what do the performance numbers say about harm done so far?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q1"), "d", "Q1")
### END HIDDEN TESTS

# %% [markdown]
# **Q2 (1 point).** A colleague tuned every threshold on last year's weekly data until the
# rules raised zero alerts, and calls the job done. What is the danger?
#
# - **a)** None: zero false alarms on past data is exactly the goal of alert tuning.
# - **b)** Loose thresholds may catch real drift late or never: the delay was never measured.
# - **c)** The store file grows too large when no alerts are written, slowing the monitor.
# - **d)** Last year's data were too calm, so every threshold now raises far too many alerts.

# %% nbgrader={"grade": false, "grade_id": "q2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q2 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q2, "abcd", "9e77e13644c411d7", name="Q2",
           hint="zero alerts on calm data says nothing about how fast a real change is caught")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q2"), "b", "Q2")
### END HIDDEN TESTS

# %% [markdown]
# **Q3 (1 point).** The team gets about forty warnings a week and has started to ignore the
# alert channel. Which change helps most?
#
# - **a)** Route by severity: page for critical alerts only, and send warnings in a daily digest.
# - **b)** Raise every threshold until the channel is quiet, then lower them one at a time.
# - **c)** Add more rules, so that nothing is missed and each alert is confirmed by another.
# - **d)** Move the alerts to e-mail, where the team can read all forty together at the end of the week.

# %% nbgrader={"grade": false, "grade_id": "q3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q3 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q3 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q3, "abcd", "fb884379d149a3cc", name="Q3",
           hint="the problem is too many interruptions for the same few real issues")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q3"), "a", "Q3")
### END HIDDEN TESTS

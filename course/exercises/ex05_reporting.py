# %% [markdown]
# # Exercise 05 · Report an incident to the business
#
# This exercise goes with lesson `09_reporting`. A credit-risk model has been in trouble for a
# few weeks, and the COO wants to know what is going on. You will:
#
# - **Part A** — read the facts of the incident from the monitor's results (2 points);
# - **Part B** — write a structured incident summary whose numbers match those facts
#   (3 points);
# - **Part C** — write the executive summary for the COO, in your own words (5 points, graded
#   by your instructor with the rubric shown in Part C);
# - **Part D** — complete the model's card: owners, intended use, monitoring plan (2 points);
# - **Part E** — answer three questions on communicating results (3 points).
#
# After each answer, run the **check cell** below it. Each ✅ line says what it checked: a quiz
# ✅ means right; "… is in a plausible range" or "has the right shape" means only the form was
# checked, and the value is checked when graded. ❌ comes with a hint and the cell to change.
# Check cells are locked (🔒): they are graded exactly as written, so edit your answer cell.
# More tests run when your work is graded, some on data you have not seen,
# so write code that reads the facts rather than typing numbers in.
#
# Total: 15 points (10 checked automatically, 5 read by your instructor), about 30 minutes.

# %% [markdown]
# ## The incident
#
# A lender scores every personal-loan application with a credit-risk model; applications
# scoring 0.20 or more are declined. In early 2025 the sales team signed new broker
# partnerships, and the regional economy weakened. The monitor of lesson 08 has checked each
# weekly batch since January. Run the next cells: they build the world, run the monitor and
# show what the monitoring team sees.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numbers
import re

import matplotlib.pyplot as plt

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab import metrics, plots
from modellab.monitor import Monitor
from modellab.report import gather_facts, model_card
from modellab.scenarios import change_mix, concept_change, custom, label_delay, make, shift, sudden

scenario = custom(
    [shift("income", by=-0.8).at(sudden(8)),
     change_mix("channel", {"broker": 0.45}).at(sudden(8)),
     concept_change(1.0).at(sudden(8)),
     label_delay(2)],
    seed=2, n_batches=14, name="broker_partnerships",
)
reference = scenario.reference   # the validation period: 5,000 applications, outcomes known
result = Monitor(reference).run(scenario.production)
plots.set_style()
print(result)


def numbers_in(text):
    """The numbers written in a text, for the check cells: '1,250' -> 1250, '420k' -> 420000."""
    scale = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6}
    found = re.findall(r"(\d[\d,]*(?:\.\d+)?)\s*(k|thousand|mn|m|million)?\b", str(text), re.I)
    return [float(n.replace(",", "").rstrip(".")) * scale.get(u.lower(), 1) for n, u in found]


def mentions(text, name):
    """Whether a text names a feature, ignoring case, '_' and '-' ('debt-to-income' names
    debt_to_income)."""
    def plain(s):
        return " ".join(re.sub(r"[_\-]", " ", str(s).casefold()).split())
    return plain(name) in plain(text)

# %% [markdown]
# The model's ranking quality (ROC AUC) per week, against the reference period (dashed), with
# the alerts marked; then how far each input moved from the reference period, week by week.

# %%
plots.metric_over_time(result.history, "roc_auc", alerts=result.alerts,
                       reference=result.reference["roc_auc"])
plt.show()
plots.drift_heatmap(result.drift, value="effect_size")
plt.show()

# %% [markdown]
# And the alerts, one row per rule and subject: the first and last batch it fired, and how
# often.

# %%
result.alerts.groupby(["severity", "subject"])["batch"].agg(["min", "max", "count"])

# %% [markdown]
# ## Part A · The facts (2 points)
#
# **A1.** Complete `incident_facts(result)`. It returns a dict with six keys:
#
# | key | what it holds |
# |---|---|
# | `"since_batch"` | the batch from which the inputs changed (a whole number) |
# | `"drifted_features"` | the names of the inputs that changed, as a list of strings |
# | `"auc_reference"` | ROC AUC in the reference period |
# | `"auc_after"` | the average ROC AUC since the change, on loans whose outcome is known |
# | `"extra_missed_defaults"` | how many more defaults the model let through since the change |
# | `"cost"` | the net change in the cost of errors since the change (missed defaults *and* good customers declined), in EUR, at the report's default cost assumptions |
#
# Use `gather_facts(result)` from lesson 09 (section 3): it returns a `ReportFacts` object —
# display it to see its fields. The grader also calls your function on another monitoring
# result.

# %% nbgrader={"grade": false, "grade_id": "a1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def incident_facts(result):
    """The facts of an incident, read from a monitoring result (see the table above)."""
    ### BEGIN SOLUTION
    facts = gather_facts(result)
    auc = facts.metric_changes["roc_auc"]
    return {
        "since_batch": facts.onset_batch,
        "drifted_features": [feature.name for feature in facts.drifted_features],
        "auc_reference": auc.reference,
        "auc_after": auc.after,
        "extra_missed_defaults": facts.impact.extra_missed_defaults,
        "cost": facts.impact.cost,
    }
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_equal, check_in_range, check_true

FACT_KEYS = {"since_batch", "drifted_features", "auc_reference", "auc_after",
             "extra_missed_defaults", "cost"}
with answering("incident_facts"):
    got = incident_facts(result)
check_true(isinstance(got, dict), "return a dict, e.g. {'since_batch': ..., ...}",
           name="incident_facts returns a dict", success="incident_facts returns a dict.")
check_equal(set(got), FACT_KEYS, "the keys of incident_facts(result)",
            hint="use exactly the six keys of the table above")
check_true(isinstance(got["since_batch"], numbers.Integral),
           "since_batch is a batch number, a whole number like the values of result.batches",
           name="since_batch is a batch number", success="since_batch is a batch number.")
check_in_range(got["since_batch"], 0, len(result.batches) - 1, "since_batch")
check_true(isinstance(got["drifted_features"], list)
           and all(name in result.features for name in got["drifted_features"]),
           "drifted_features is a list of feature names (strings) such as 'age'",
           name="drifted_features", success="drifted_features is a list of monitored features.")
check_in_range(got["auc_reference"], 0, 1, "auc_reference")
check_in_range(got["auc_after"], 0, 1, "auc_after")
check_in_range(got["extra_missed_defaults"], 0, len(scenario.production), "extra_missed_defaults")
check_true(isinstance(got["cost"], numbers.Real) and got["cost"] > 0,
           "cost is the report's net change in error cost, in EUR: missed defaults at "
           "EUR 7,200 plus good customers declined at EUR 1,800 (take it from the same facts "
           "as the extra missed defaults)",
           name="cost", success="cost is an amount in EUR.")
# the values themselves, against fingerprints of the right ones (a ✅ below means right)
check_digest(got["since_batch"], "64aa89796f8fd4a7", "incident_facts(result)['since_batch']", digits=0,
             hint="the batch from which the inputs changed, as gather_facts(result) reports it")
check_digest(set(got["drifted_features"]), "a012fdfdfbc48262",
             "incident_facts(result)['drifted_features']", hint="the inputs that changed, as gather_facts(result) lists them")
check_digest(got["auc_reference"], "f20f6240e4870b91", "incident_facts(result)['auc_reference']",
             hint="ROC AUC of the reference period, from gather_facts(result)",
             mistakes={"d395a1193fd97b56": "that is the ROC AUC since the change"})
check_digest(got["auc_after"], "87c8ad964d36330b", "incident_facts(result)['auc_after']",
             hint="the average ROC AUC since the change, on loans whose outcome is known",
             mistakes={"0822f98b168d0816": "that is the reference ROC AUC"})
check_digest(got["extra_missed_defaults"], "27cff555d9b79b86",
             "incident_facts(result)['extra_missed_defaults']", digits=2,
             hint="the extra missed defaults of the report's impact facts")
check_digest(got["cost"], "ce11f35d74d6d7a5", "incident_facts(result)['cost']", digits=0,
             hint="the net change in the cost of errors of the report's impact facts, in EUR")
### BEGIN HIDDEN TESTS (trusted)
_keys = {"since_batch", "drifted_features", "auc_reference", "auc_after",
         "extra_missed_defaults", "cost"}
_other_world = ("make('covariate_shift_sudden', seed=1, n_reference=2000, n_batches=12, "
                "batch_size=500)")


def _judge_facts(got, facts, world, where):
    expect_true(isinstance(got, dict), "incident_facts should return a dict, e.g. {'since_batch': ..., ...}")
    expect_equal(set(got), _keys, f"the keys of incident_facts {where}",
                 hint="use exactly the six keys of the table above")
    expect_true(isinstance(got["since_batch"], int) and not isinstance(got["since_batch"], bool),
                f"since_batch {where} is a batch number, a whole number like the values of result.batches")
    expect_equal(got["since_batch"], facts.onset_batch, f"since_batch {where}",
                 hint="the batch from which the inputs changed, as gather_facts(result) reports it")
    truth = world.truth[world.truth["kind"] == "covariate_shift"]
    expect_equal(got["since_batch"], int(truth["start_batch"].min()), f"since_batch {where}")
    expect_true(isinstance(got["drifted_features"], list),
                "drifted_features is a list of feature names (strings) such as 'age'")
    expect_equal(set(got["drifted_features"]), {f.name for f in facts.drifted_features},
                 f"drifted_features {where}", hint="the inputs that changed, as gather_facts(result) lists them")
    expect_equal(set(got["drifted_features"]), {f for fs in truth["features"] for f in fs},
                 f"drifted_features {where}")
    expect_close(got["auc_reference"], facts.metric_changes["roc_auc"].reference, f"auc_reference {where}")
    expect_close(got["auc_after"], facts.metric_changes["roc_auc"].after, f"auc_after {where}",
                 hint="the average ROC AUC since the change, on loans whose outcome is known")
    expect_close(got["extra_missed_defaults"], facts.impact.extra_missed_defaults,
                 f"extra_missed_defaults {where}")
    expect_close(got["cost"], facts.impact.cost, f"cost {where}", tol=1e-3,
                 hint="the net change in the cost of errors of the report's impact facts, in EUR")


_judge_facts(learner.evaluate("incident_facts(result)"), gather_facts(result), scenario,
             "for this incident")
_other = eval(_other_world)  # the grader's own expression, also sent to the kernel below
_judge_facts(learner.evaluate("incident_facts(_result)",
                              setup=["from modellab.monitor import Monitor",
                                     "from modellab.scenarios import make",
                                     f"_world = {_other_world}",
                                     "_result = Monitor(_world.reference).run(_world.production)"]),
             gather_facts(Monitor(_other.reference).run(_other.production)), _other,
             "on an incident you have not seen")
### END HIDDEN TESTS

# %% [markdown]
# The facts of this incident, from your function: Parts B and C use them.

# %% nbgrader={"grade": false, "grade_id": "incident", "locked": true, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering

with answering("incident_facts"):
    incident = incident_facts(result)
incident

# %% [markdown]
# ## Part B · A structured summary (3 points)
#
# **B1.** Before writing prose, fill in the skeleton of the summary. Each text field is one or
# two sentences for the COO; `since_batch` is a number. Build the texts from `incident`
# (f-strings such as `f"{incident['cost']:,.0f}"`) so your numbers cannot drift from the facts.
#
# | field | what it says | length |
# |---|---|---|
# | `"headline"` | the decision you need, or the status, in one sentence | 5–30 words |
# | `"what_changed"` | which inputs changed (name each one as the monitor does, e.g. `income`) and since when (the batch, or its date) | 8–80 words |
# | `"since_batch"` | the batch from which the inputs changed | a number |
# | `"impact"` | what the change cost, in EUR, with the assumption behind it (rounding is fine) | 8–80 words |
# | `"action"` | what to do, who does it, by when | 8–80 words |

# %% nbgrader={"grade": false, "grade_id": "b1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
summary = {
    "headline": ...,
    "what_changed": ...,
    "since_batch": ...,
    "impact": ...,
    "action": ...,
}
### BEGIN SOLUTION
changed = " and ".join(incident["drifted_features"])
summary["headline"] = ("Decision needed: approve manual review of borderline broker "
                       "applications until the credit-risk model is retrained.")
summary["what_changed"] = (f"From batch {incident['since_batch']} (early March), applicants "
                           f"changed: {changed} moved away from what the model was built on, "
                           f"and its ranking quality fell from {incident['auc_reference']:.2f} "
                           f"to {incident['auc_after']:.2f}.")
summary["since_batch"] = incident["since_batch"]
summary["impact"] = (f"About {incident['extra_missed_defaults']:.0f} more defaults went "
                     f"unflagged and more good customers were declined: roughly "
                     f"EUR {round(incident['cost'], -5):,.0f} of extra error cost, assuming "
                     f"EUR 7,200 lost per missed default and EUR 1,800 per good customer "
                     f"declined; the last two weeks' outcomes are not known yet.")
summary["action"] = ("Credit Operations reviews borderline broker applications by hand from "
                     "Monday; Risk Analytics retrains and validates the model within six weeks.")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b1-form", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_equal, check_true

SUMMARY_FIELDS = {"headline", "what_changed", "since_batch", "impact", "action"}
WORDS = {"headline": (5, 30), "what_changed": (8, 80), "impact": (8, 80), "action": (8, 80)}
with answering("summary"):
    check_true(isinstance(summary, dict), "summary should stay a dict with the five fields",
               name="summary is a dict", success="summary is a dict.")
check_equal(set(summary), SUMMARY_FIELDS, "the fields of summary",
            hint="keep exactly the five fields of the template")
for field, (low, high) in WORDS.items():
    text = summary[field]
    check_true(text, f"write the {field} text", name=f"summary['{field}']",
               success=f"summary['{field}'] is filled in.")
    n_words = len(text.split()) if isinstance(text, str) else 0
    check_true(isinstance(text, str) and low <= n_words <= high,
               f"summary['{field}'] should be text of {low} to {high} words (it has {n_words})",
               name=f"length of summary['{field}']",
               success=f"summary['{field}'] has {n_words} words.")
check_true(isinstance(summary["since_batch"], numbers.Integral)
           and not isinstance(summary["since_batch"], bool),
           "since_batch is a batch number, e.g. 3 (not text)", name="summary['since_batch']",
           success="summary['since_batch'] is a batch number.")
### BEGIN HIDDEN TESTS (trusted)
_summary = learner.value("summary")
expect_true(isinstance(_summary, dict), "summary should stay a dict with the five fields")
expect_equal(set(_summary), {"headline", "what_changed", "since_batch", "impact", "action"},
             "the fields of summary", hint="keep exactly the five fields of the template")
for _field, (_low, _high) in {"headline": (5, 30), "what_changed": (8, 80), "impact": (8, 80),
                              "action": (8, 80)}.items():
    _text = _summary[_field]
    expect_true(isinstance(_text, str) and _low <= len(_text.split()) <= _high,
                f"summary['{_field}'] should be text of {_low} to {_high} words")
expect_true(isinstance(_summary["since_batch"], int) and not isinstance(_summary["since_batch"], bool),
            "since_batch is a batch number, e.g. 3 (not text)")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "b1-facts", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_equal, check_true

MONITOR_FACTS = gather_facts(result)
check_equal(summary["since_batch"], MONITOR_FACTS.onset_batch, "summary['since_batch']",
            hint="the batch from which the inputs changed, as the monitor found it (Part A)")
onset_month = f"{MONITOR_FACTS.onset_start:%B}".casefold()
what_changed = str(summary["what_changed"])
check_true(re.search(rf"\b{MONITOR_FACTS.onset_batch}\b", what_changed)
           or onset_month in what_changed.casefold(),
           "say since when: the batch number or the month it started",
           name="what_changed says since when", success="what_changed says since when.")
cited = numbers_in(summary["impact"])
targets = [MONITOR_FACTS.impact.cost, MONITOR_FACTS.impact.extra_missed_defaults]
check_true(any(abs(x - t) <= 0.1 * t for x in cited for t in targets),
           "cite the cost in EUR or the number of extra missed defaults from Part A "
           "(rounding to 10% is fine)",
           name="impact cites the facts", success="impact cites the facts.")
check_true(re.search(r"eur|€", str(summary["impact"]), re.I),
           "give the amount with its currency (EUR)",
           name="impact has a currency", success="impact gives the currency.")
### BEGIN HIDDEN TESTS (trusted)
_facts = gather_facts(result)


def _judge_summary(summary, facts, world, where):
    expect_true(isinstance(summary, dict), "summary should stay a dict with the five fields")
    truth = world.truth[world.truth["kind"] == "covariate_shift"]
    expect_equal(summary.get("since_batch"), facts.onset_batch, f"summary['since_batch'] {where}",
                 hint="the batch from which the inputs changed, as the monitor found it (Part A)")
    expect_equal(summary.get("since_batch"), int(truth["start_batch"].min()),
                 f"summary['since_batch'] {where}")
    what = str(summary.get("what_changed"))
    expect_true(re.search(rf"\b{facts.onset_batch}\b", what)
                or f"{facts.onset_start:%B}".casefold() in what.casefold(),
                f"say since when {where}: the batch number or the month it started")
    missing = [n for n in sorted({f for fs in truth["features"] for f in fs}) if not mentions(what, n)]
    expect_true(not missing, f"name every input that changed in what_changed {where}")
    cited = numbers_in(summary.get("impact"))
    targets = [facts.impact.cost, facts.impact.extra_missed_defaults]
    expect_true(any(abs(x - t) <= 0.1 * abs(t) for x in cited for t in targets),
                f"cite the cost in EUR or the number of extra missed defaults {where} "
                "(rounding to 10% is fine)")
    expect_true(re.search(r"eur|€", str(summary.get("impact")), re.I),
                "give the amount with its currency (EUR)")


_judge_summary(learner.value("summary"), _facts, scenario, "for this incident")
_world_code = ("custom([shift('income', by=-0.8).at(sudden(6)), "
               "change_mix('channel', {'broker': 0.45}).at(sudden(6)), "
               "concept_change(1.0).at(sudden(6)), label_delay(2)], seed=5, n_batches=12)")
_other = eval(_world_code)  # the grader's own expression, also sent to the kernel below
_judge_summary(learner.rerun("summary", setup=[
    "from modellab.monitor import Monitor",
    "from modellab.scenarios import change_mix, concept_change, custom, label_delay, shift, sudden",
    f"_world = {_world_code}",
    "result = Monitor(_world.reference).run(_world.production)",
    "incident = incident_facts(result)"]),
    gather_facts(Monitor(_other.reference).run(_other.production)), _other,
    "on an incident you have not seen (build the texts from `incident`)")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · The executive summary for the COO (5 points, graded by your instructor)
#
# Write the e-mail the COO will read on a phone between two meetings: **at most 150 words**,
# plain prose, in the cell below (double-click it, replace `YOUR ANSWER HERE`, then run it with
# <kbd>Shift</kbd>+<kbd>Enter</kbd>). Do not paste the generated report text: it is written for
# a different reader and is far too long.
#
# Your instructor grades it with this rubric, one point each:
#
# 1. **Decision first.** The first sentence says what the COO must decide or know.
# 2. **What changed and since when**, in plain words (which applicants, from which week).
# 3. **How much performance moved**: numbers with units and a comparison with before
#    (e.g. "catches 42% of defaults, down from 55%"), not bare metric names.
# 4. **Business impact and uncertainty**: the cost with its assumption, rounded, and what is not
#    known yet (outcomes still to come) said plainly.
# 5. **Action, owner and date**, and no unexplained jargon (no "KS", "p-value", "drift share",
#    no column names like `debt_to_income` without plain words).

# %% [markdown] nbgrader={"grade": true, "grade_id": "c1-written-summary", "locked": false, "points": 5, "schema_version": 3, "solution": true, "task": false}
# **Your executive summary (at most 150 words):**
#
# ### BEGIN SOLUTION
# *Model answer (about 130 words):*
#
# **Decision needed this week:** please approve manual review of borderline applications that
# come through brokers, until the credit-risk model is retrained.
#
# Since early March (week 8), our applicants have changed: more come through brokers and their
# incomes are lower, and at the same time the economy changed who fails to repay. The model
# now catches about 42% of the loans that go bad, down from 55%, and ranks risk clearly worse
# (0.65 on a scale where 0.5 is guessing, down from 0.81).
#
# Over the four weeks whose outcomes we know, this let about 80 extra bad loans through and
# turned away about 350 more good customers: roughly EUR 1.2 million more than the model cost
# us before (plausibly EUR 1.0–1.5 million), assuming EUR 7,200 lost per bad loan and
# EUR 1,800 per good customer turned away. The last two weeks are not known yet, so the real
# figure is probably higher.
#
# Credit Operations can start reviews on Monday; Risk Analytics will have a retrained,
# validated model within six weeks.
#
# ---
#
# **Instructor notes (not shown to learners).** One point per rubric line; half points are
# fine. The facts, from the monitor on this seed: inputs `income` and `channel` changed from
# batch 8 (3 March 2025); ROC AUC 0.81 → 0.65 and recall 55% → 42% on 4,000 loans with known
# outcomes (batches 8–11); about 82 extra missed defaults and 355 extra good customers
# declined, a net EUR 1,231,075 of extra error cost (bootstrap 95% EUR 0.97–1.5 million) at
# EUR 7,200 per missed default and EUR 1,800 per good customer declined — compared with the
# same loans at the reference recall and false-alarm rate, and assuming the outcomes of
# declined applicants are known (a synthetic world; a real book needs a randomised band);
# batches 12–13 have no outcomes yet; 4 critical alerts.
#
# 1. *Decision first* — full point only if sentence one asks for a decision or states the
#    status ("action needed"); 0 if it opens with background or statistics.
# 2. *What changed, since when* — names the changed applicants in plain words (lower incomes,
#    more broker / channel mix) and early March or week/batch 8. Half a point for only one.
# 3. *Performance with numbers* — at least one number with a comparison (recall 42% vs 55%,
#    or ROC AUC 0.65 vs 0.81 with a scale). Bare "AUC dropped 0.16" earns half.
# 4. *Impact and uncertainty* — a rounded amount (about EUR 1.2 million, or ~80 bad loans
#    and ~350 good customers turned away) with the EUR 7,200 / EUR 1,800 assumptions, **and** a
#    plain statement that the last weeks are still unknown. Half a point if either is missing;
#    0 for a false precision like "EUR 1,231,075" with no assumption.
# 5. *Action, owner, date; no jargon* — a concrete step with who and when, and no test names,
#    p-values or raw column names left unexplained. Over 150 words: at most half a point here.
#
# Common mistakes: pasting `executive_summary(...)` (long, starts with status detail, raw
# column names: 2/5 at most); "the model drifted" with no numbers; recommending "retrain now"
# without saying that labels for the new weeks are incomplete.
# ### END SOLUTION

# %% [markdown]
# ## Part D · The model card (2 points)
#
# **D1.** The card goes to the model-risk team and the auditors. Fill in who answers for the
# model, what it is for, and the monitoring plan (what is checked, how often, who gets the
# alerts), then call `model_card(...)` to build the card with:
#
# - the model name `"credit-risk scorecard v3"`;
# - your three texts (`owners=`, `intended_use=`, `monitoring=`);
# - the validation outcomes and scores of the reference period (`y_true=`, `y_score=`) and the
#   model's decision threshold (`threshold=scenario.threshold`), so the card shows metrics with
#   confidence intervals;
# - the monitoring result (`result=`), so it lists the alert rules and the open incidents.

# %% nbgrader={"grade": false, "grade_id": "d1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
card_owners = ...        # a list of people or teams, with a contact
card_intended_use = ...  # one or two sentences: which decisions, for whom
card_monitoring = ...    # the monitoring plan in one or two sentences
card = ...
### BEGIN SOLUTION
card_owners = ["Risk Analytics (model owner): risk-analytics@example.com",
               "Head of Retail Credit (business owner)"]
card_intended_use = ("Rank personal-loan applications by probability of default; applications "
                     "scoring 0.20 or more are declined or sent to manual review.")
card_monitoring = ("Every weekly batch is checked for input drift, data quality and, once "
                   "outcomes arrive, performance. Alerts go to Risk Analytics; the head of "
                   "credit gets a monthly report, and at once on a critical alert.")
card = model_card(
    "credit-risk scorecard v3",
    intended_use=card_intended_use,
    owners=card_owners,
    monitoring=card_monitoring,
    y_true=reference["default"],
    y_score=reference["score"],
    threshold=scenario.threshold,
    result=result)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_true

with answering("card"):
    check_true(card, "set card to what model_card(...) returns", name="card",
               success="card is set.")
check_true(isinstance(card, str) and card.startswith("# Model card"),
           "set card to what model_card(...) returns (a Markdown text), not to a file path",
           name="card is a model card", success="card is a model card.")
SECTIONS = ["## Owners", "## Intended use", "## Training data",
            "## Performance on validation data", "## Monitoring plan", "## Open incidents"]
missing_sections = [s for s in SECTIONS if s not in card]
check_true(not missing_sections, f"the card lacks the sections {missing_sections}",
           name="card sections", success="The card has all its sections.")
check_true("95% interval" in card,
           "pass the validation outcomes and scores so the card shows metrics with intervals",
           name="metrics with confidence intervals",
           success="The card shows metrics with confidence intervals.")
check_true("no monitoring result was given" not in card,
           "pass the monitoring result so the card lists alert rules and open incidents",
           name="open incidents", success="The card lists the open incidents.")
### BEGIN HIDDEN TESTS (trusted)
_card = learner.value("card")
expect_true(isinstance(_card, str) and _card.startswith("# Model card"),
            "set card to what model_card(...) returns (a Markdown text), not to a file path")
_missing = [s for s in ["## Owners", "## Intended use", "## Training data",
                        "## Performance on validation data", "## Monitoring plan",
                        "## Open incidents"] if s not in _card]
expect_true(not _missing, f"the card lacks the sections {_missing}")
expect_true("95% interval" in _card,
            "pass the validation outcomes and scores so the card shows metrics with intervals")
expect_true("no monitoring result was given" not in _card,
            "pass the monitoring result so the card lists alert rules and open incidents")
_owners = learner.value("card_owners")
_owners = [_owners] if isinstance(_owners, str) else list(_owners) if isinstance(_owners, (list, tuple)) else []
expect_true(_owners and all(str(o).strip() and str(o) in _card for o in _owners),
            "the card names your owners")
for _field, _what in [("card_intended_use", "intended use"), ("card_monitoring", "monitoring plan")]:
    _text = learner.value(_field)
    expect_true(isinstance(_text, str) and len(_text.split()) >= 5 and _text in _card,
                f"the card states your {_what}")
_threshold = re.search(r"Threshold ([\d.]+);", _card)
expect_true(_threshold and float(_threshold.group(1)) == scenario.threshold, "use the model's threshold")
_auc = metrics.classification_summary(reference["default"], reference["score"])["roc_auc"]
expect_true(f"| ROC-AUC | {_auc:.2f} |" in _card,
            "compute the card's metrics on the reference (validation) period")
expect_true("critical" in _card.split("## Open incidents", 1)[1],
            "the open incidents include the critical alerts")
_other_ref = make("stable", seed=9).reference
_other_card = learner.rerun("card", setup=["reference = make('stable', seed=9).reference"])
_other_auc = metrics.classification_summary(_other_ref["default"], _other_ref["score"])["roc_auc"]
expect_true(isinstance(_other_card, str) and f"| ROC-AUC | {_other_auc:.2f} |" in _other_card,
            "build the card from `reference` (the grader re-ran your cell on another validation "
            "period): pass reference['default'] and reference['score']")
### END HIDDEN TESTS

# %% [markdown]
# ## Part E · Communicating results: three decisions (3 points)
#
# Set each answer to the letter of your choice, e.g. `q1 = "a"`, and run its check cell.
#
# **Q1.** Which opening line is best for the COO's e-mail about this incident?
#
# - **a)** "Drift alert: KS tests on income and channel rejected the null hypothesis (p < 0.001) from batch 8, and ROC-AUC is down 0.16."
# - **b)** "We have been looking into some signals from the credit model's monitoring and will keep you posted as soon as we know more."
# - **c)** "Decision needed: approve manual review of borderline broker loans until the model is retrained; it has let ~80 extra bad loans through (about EUR 400,000)."
# - **d)** "The credit model is degrading. Full technical details, figures and tables are in the attached 30-page report; please read it in full before our meeting next week."

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q1 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q1, "abcd", "8df5900ad393cb5b", name="Q1",
           hint="what does the COO need to do, and what does it cost? Put that first")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q1"), "c", "Q1")
### END HIDDEN TESTS

# %% [markdown]
# **Q2.** Since March, the model catches 38% of the defaults among broker loans — but only 60
# broker loans have defaulted so far, and the 95% confidence interval runs from 26% to 51%.
# How do you report it to the head of credit?
#
# - **a)** "Roughly 4 in 10 broker defaults are caught, but from only 60 defaults: anywhere from 1 in 4 to 1 in 2. We will know more in a month."
# - **b)** "On broker loans the model catches 38% of defaults, down from its usual level on the other channels."
# - **c)** Leave it out of the report until the interval is narrow enough to be sure, so that the head of credit is not worried by a number that may change.
# - **d)** "On broker loans the model catches between 26% and 51% of defaults (95% CI, n = 60)."

# %% nbgrader={"grade": false, "grade_id": "q2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q2 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q2, "abcd", "8b869ee012e9f2d4", name="Q2",
           hint="the head of credit needs the number, how sure it is in plain words, and when it firms up")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q2"), "a", "Q2")
### END HIDDEN TESTS

# %% [markdown]
# **Q3.** The model is checked every week. Which reporting set-up do you propose?
#
# - **a)** Send the technical report, with every drift table and p-value, to the head of credit and the COO every week, so that nothing is hidden from either of them.
# - **b)** Report to the business only when an alert fires, so that nobody is bothered in quiet weeks.
# - **c)** Give the head of credit a live dashboard of every metric and let them check it whenever they want.
# - **d)** Alerts to the model owner; a weekly technical report to the data team; a monthly one-page report to the head of credit (also on a critical alert).

# %% nbgrader={"grade": false, "grade_id": "q3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q3 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q3 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q3, "abcd", "b9d97d901f59d598", name="Q3",
           hint="each audience gets what it acts on, at its own rhythm, quiet months included")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q3"), "d", "Q3")
### END HIDDEN TESTS

# %% [markdown]
# ## Done
#
# Use *Kernel → Restart Kernel and Run All Cells…* once to make sure everything runs from top to
# bottom, then save. Check that your Part C summary shows as formatted text (run its cell).

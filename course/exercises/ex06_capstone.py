# %% [markdown]
# # Exercise 06 · Capstone: solve an incident
#
# A different incident from lesson `12_capstone`, and this time you run it. It is Monday 26 May
# 2025. The weekly monitor of the credit-risk model has been raising warnings for a while, and the
# head of lending wants to know what is going on. Outcomes (did the loan default?) arrive four
# weeks late, so the newest batches have no labels.
#
# - Part A: when did it start? (5 points)
# - Part B: what is affected? (4 points)
# - Part C: what kind of incident? (4 points)
# - Part D: decisions for managers (2 points)
# - Part E: inside the average — who is hit? (3 points)
# - Part F: the incident report (5 points, read by your instructor)
#
# Write your code where it says `YOUR CODE HERE` (in a function, delete its
# `raise NotImplementedError()`), then run the check cell below it: ✅ means that answer is right
# (the check compares it with a fingerprint of the right one, or tries your function on made-up
# histories), ❌ comes with a hint, ⏳ means not answered yet. Check cells are locked (🔒), graded
# exactly as written; more tests run when your work is graded, partly on **other incidents** than
# this one — so compute your answers, never type them in. Every cell should run in a few
# seconds. At the end, use *Kernel → Restart Kernel and Run All Cells…* once.

# %% [markdown]
# ## The case
#
# The set-up cell below opens the **sealed case file**: the script of this incident, encoded so
# that you do not read the answer by accident. Do not decode it, and do not print `_case` or its
# `truth`: investigate like you would at work. The cell then runs the monitor (default rules) on
# every batch, which takes a few seconds.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import base64
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab import plots, report, scenarios
from modellab.monitor import Monitor

CASE = (
    "eyJzZWVkIjoyMSwiZGVsYXkiOjQsImV2ZW50cyI6W1sic2hpZnQiLHsiZmVhdHVyZSI6ImFnZSIsImJ5IjotMS4wfS"
    "wiZ3JhZHVhbCIseyJzdGFydCI6OCwiZnVsbCI6MTF9XSxbInNoaWZ0Iix7ImZlYXR1cmUiOiJjcmVkaXRfaGlzdG9y"
    "eV9tb250aHMiLCJieSI6LTAuOH0sImdyYWR1YWwiLHsic3RhcnQiOjgsImZ1bGwiOjExfV0sWyJjaGFuZ2VfbWl4Iix7"
    "ImZlYXR1cmUiOiJjaGFubmVsIiwicHJvcG9ydGlvbnMiOnsicGFydG5lciI6MC40fX0sImdyYWR1YWwiLHsic3RhcnQi"
    "OjgsImZ1bGwiOjExfV1dfQ=="
)


def _open_case(case):
    """Build the scenario described by a sealed case file (events, label delay, seed)."""
    spec = json.loads(base64.b64decode(case))
    events = [getattr(scenarios, what)(**args).at(getattr(scenarios, when)(**at))
              for what, args, when, at in spec["events"]]
    return scenarios.custom(events + [scenarios.label_delay(spec["delay"])],
                            seed=spec["seed"], name="case_ex06")


_case = _open_case(CASE)
reference, production = _case.reference, _case.production
features = _case.features
result = Monitor(reference).run(production)
history = result.history  # one row per weekly batch: metrics, drift flags, missing shares
plots.set_style()
print(f"{len(reference):,} reference applications; production: {production['batch'].nunique()} "
      f"weekly batches of {production['batch'].value_counts().iloc[0]:,}, batch 0 starting "
      f"{production['timestamp'].min():%d %B %Y}.")
result

# %% [markdown]
# ### Explore (not graded)
#
# Use this cell, and add more, to investigate as lesson 12 did: the alerts
# (`result.alerts`, `result.first_alert()`), the drift heatmap, the distributions of the features
# that moved (`plots.distribution`), performance on the labelled batches (`plots.metric_over_time`
# with `"roc_auc"`, `"base_rate"`, `"mean_score"`), and `report.gather_facts(result)`.
# `history` has, per batch, `drift_<feature>` (True when that feature drifted), `effect_<feature>`
# (how much) and `missing_<feature>` (share of missing values).

# %%
plots.drift_heatmap(result.drift, value="drifted", title="Which features drifted, per batch")
plt.show()

# %% [markdown]
# ## Part A · When did it start?
#
# One drift flag on its own is often noise (with ten features tested every week, an isolated
# false flag now and then is expected). An incident is a change that **stays**.
#
# **A1.** Write `find_onset(history)`. It takes a monitoring history like `history` and returns
# the `batch` value where the incident started, or `None` when there is no incident:
#
# - a batch is **abnormal** when at least one feature drifted (a `drift_<feature>` column is
#   True — careful: `drift_share` is not a feature) **or** at least one feature has more than 5%
#   missing values (a `missing_<feature>` column above 0.05);
# - the onset is the **first abnormal batch whose next batch is abnormal too** (in batch order).
#
# It must work on any monitoring history: the graders call it on other incidents, where the
# batches may not be numbered from 0 or not sorted.

# %% nbgrader={"grade": false, "grade_id": "find-onset-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def find_onset(history):
    """The `batch` of the first abnormal batch followed by another abnormal batch, else None."""
    ### BEGIN SOLUTION
    ordered = history.sort_values("batch").reset_index(drop=True)
    drift_cols = [c for c in ordered.columns if c.startswith("drift_") and c != "drift_share"]
    missing_cols = [c for c in ordered.columns if c.startswith("missing_")]
    abnormal = (ordered[drift_cols].astype(bool).any(axis=1)
                | (ordered[missing_cols] > 0.05).any(axis=1))
    sustained = abnormal & abnormal.shift(-1, fill_value=False)
    return ordered.loc[sustained, "batch"].iloc[0] if sustained.any() else None
    ### END SOLUTION

# %% [markdown]
# The check tries your function on three made-up histories: a drift that stays from batch 7
# (batch 4 is an isolated flag), a broken feed that blanks out `income` from batch 2, and a calm
# period with one isolated flag (Part B's check uses the first two as well).

# %% nbgrader={"grade": false, "grade_id": "toy-histories", "locked": true, "schema_version": 3, "solution": false, "task": false}
_toy_drift = pd.DataFrame({
    "batch": [3, 4, 5, 6, 7, 8],
    "drift_share": [0.0, 0.5, 0.0, 0.0, 1.0, 0.5],
    "drift_age": [False, True, False, False, True, True],
    "drift_income": [False, False, False, False, True, False],
    "missing_age": [0.0] * 6,
    "missing_income": [0.0] * 6,
})
_toy_missing = pd.DataFrame({
    "batch": [0, 1, 2, 3, 4, 5],
    "drift_share": [0.0] * 6,
    "drift_age": [False] * 6,
    "drift_income": [False] * 6,
    "missing_age": [0.0] * 6,
    "missing_income": [0.0, 0.01, 0.30, 0.31, 0.29, 0.0],
})
_toy_calm = _toy_drift.assign(drift_age=[False, True, False, False, False, False],
                              drift_income=[False] * 6)

# %% nbgrader={"grade": true, "grade_id": "find-onset-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_true

with answering("find_onset"):
    _got = [find_onset(_toy_drift), find_onset(_toy_missing), find_onset(_toy_calm)]
check_true(_got[0] is not None and _got[0] == 7,
           "drift from batch 7 on: return the 'batch' value (not the row position), and skip "
           "batch 4, whose next batch is normal",
           name="find_onset on the drift history", success="find_onset finds a lasting drift.")
check_true(_got[1] is not None and _got[1] == 2,
           "a missing share above 0.05 makes a batch abnormal too (missing_<feature> columns)",
           name="find_onset on the broken feed", success="find_onset finds a broken feed.")
check_true(_got[2] is None, "one isolated abnormal batch is not an incident: return None",
           name="find_onset on the calm history", success="find_onset ignores an isolated flag.")
### BEGIN HIDDEN TESTS (trusted)
for _label, _toy, _want in [("the drift history", _toy_drift, 7),
                            ("the missing-values history", _toy_missing, 2),
                            ("an unsorted history", _toy_drift.sample(frac=1, random_state=1), 7)]:
    expect_equal(learner.call("find_onset", _toy), _want, f"find_onset on {_label}",
                 hint="the first abnormal batch followed by another abnormal one; sort by 'batch'")
_small = {"n_reference": 2000, "n_batches": 12, "batch_size": 600}
_heldout = {
    "a broken debt_to_income feed": scenarios.custom(
        [scenarios.missing_values("debt_to_income", 0.3).at(scenarios.sudden(5))],
        seed=3, **_small),
    "a new interest-rate and region mix": scenarios.custom(
        [scenarios.shift("interest_rate", by=1.0).at(scenarios.sudden(7)),
         scenarios.change_mix("region", {"capital": 0.5}).at(scenarios.sudden(7)),
         scenarios.label_delay(3)],
        seed=5, **_small),
    "a calm world": scenarios.make("stable", seed=2, **_small)}
_histories = {k: Monitor(v.reference).run(v.production).history for k, v in _heldout.items()}
_events = {k: v.truth[v.truth["kind"] != "label_delay"] for k, v in _heldout.items()}
for _label, _hist in _histories.items():
    _got = learner.call("find_onset", _hist)
    if _events[_label].empty:
        expect_true(_got is None, f"find_onset on {_label}: no incident here, an isolated flag must not count")
    else:
        _start = int(_events[_label]["start_batch"].min())
        expect_true(_got is not None and abs(_got - _start) <= 1,
                    f"find_onset on {_label}: the first abnormal batch followed by another abnormal one")
### END HIDDEN TESTS

# %% [markdown]
# **A2.** Set `onset` to the batch where this incident started (your function does it).

# %% nbgrader={"grade": false, "grade_id": "onset-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
onset = ...
### BEGIN SOLUTION
onset = find_onset(history)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "onset-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest, check_true

if onset is None:
    check_true(False, "find_onset(history) returned None: no batch stays abnormal for it; check "
               "which columns it reads", name="onset")
check_digest(onset, "05a2a58217b43daa", "onset", digits=0,
             hint="the first abnormal batch whose next batch is abnormal too, as a 'batch' value",
             mistakes={"c37aab3e4934d3f2": "that is the second batch of the first abnormal pair: "
                                           "compare each batch with the NEXT one (shift(-1))",
                       "643c771ce6d9fea1": "that is the last abnormal pair: take the first one"})
### BEGIN HIDDEN TESTS (trusted)
_truth = _case.truth[_case.truth["kind"] != "label_delay"]
_onset = learner.value("onset")
expect_true(isinstance(_onset, int) and abs(_onset - int(_truth["start_batch"].min())) <= 1,
            "onset: the first batch from which the drift stays")
_small = {"n_reference": 2000, "n_batches": 12, "batch_size": 600}
_heldout = {
    "a broken debt_to_income feed": scenarios.custom(
        [scenarios.missing_values("debt_to_income", 0.3).at(scenarios.sudden(5))],
        seed=3, **_small),
    "a new interest-rate and region mix": scenarios.custom(
        [scenarios.shift("interest_rate", by=1.0).at(scenarios.sudden(7)),
         scenarios.change_mix("region", {"capital": 0.5}).at(scenarios.sudden(7)),
         scenarios.label_delay(3)],
        seed=5, **_small),
    "a calm world": scenarios.make("stable", seed=2, **_small)}
_histories = {k: Monitor(v.reference).run(v.production).history for k, v in _heldout.items()}
_events = {k: v.truth[v.truth["kind"] != "label_delay"] for k, v in _heldout.items()}
_label = "a new interest-rate and region mix"
_got = learner.rerun("onset", history=_histories[_label])
expect_true(isinstance(_got, int) and abs(_got - int(_events[_label]["start_batch"].min())) <= 1,
            "onset on a history you have not seen: set onset by calling find_onset(history)")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · What is affected?
#
# **B1.** Write `affected_features(history, since)`. It returns the **set** of feature names
# (without the `drift_` / `missing_` prefix) that were abnormal — drifted, or more than 5% missing
# — in **at least half** of the batches from `since` on (`batch >= since`).

# %% nbgrader={"grade": false, "grade_id": "affected-function-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def affected_features(history, since):
    """Features drifted or >5% missing in at least half of the batches with batch >= since."""
    ### BEGIN SOLUTION
    after = history[history["batch"] >= since]
    names = [c[len("drift_"):] for c in after.columns
             if c.startswith("drift_") and c != "drift_share"]
    out = set()
    for name in names:
        flag = after[f"drift_{name}"].astype(bool)
        if f"missing_{name}" in after.columns:
            flag = flag | (after[f"missing_{name}"] > 0.05)
        if flag.mean() >= 0.5:
            out.add(name)
    return out
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "affected-function-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_true

with answering("affected_features"):
    _got = [affected_features(_toy_drift, 6), affected_features(_toy_missing, 2)]
check_true(isinstance(_got[0], set) and _got[0] == {"age"},
           "return a set of names such as {'age'}; income drifted in only 1 of the 3 batches "
           "from 6 on, so it does not count",
           name="affected_features on the drift history",
           success="affected_features works on the drift history.")
check_true(isinstance(_got[1], set) and _got[1] == {"income"},
           "a feature with more than 5% missing values counts as affected too",
           name="affected_features on the broken feed",
           success="affected_features works on the broken feed.")
### BEGIN HIDDEN TESTS (trusted)
expect_equal(learner.call("affected_features", _toy_drift, 6), {"age"},
             "affected_features on the drift history",
             hint="income drifted in only 1 of the 3 batches from 6 on, so it does not count")
expect_equal(learner.call("affected_features", _toy_missing, 2), {"income"},
             "affected_features on the missing-values history")
_small = {"n_reference": 2000, "n_batches": 12, "batch_size": 600}
_heldout = {
    "a broken debt_to_income feed": scenarios.custom(
        [scenarios.missing_values("debt_to_income", 0.3).at(scenarios.sudden(5))],
        seed=3, **_small),
    "a new interest-rate and region mix": scenarios.custom(
        [scenarios.shift("interest_rate", by=1.0).at(scenarios.sudden(7)),
         scenarios.change_mix("region", {"capital": 0.5}).at(scenarios.sudden(7)),
         scenarios.label_delay(3)],
        seed=5, **_small),
    "a calm world": scenarios.make("stable", seed=2, **_small)}
_histories = {k: Monitor(v.reference).run(v.production).history for k, v in _heldout.items()}
_events = {k: v.truth[v.truth["kind"] != "label_delay"] for k, v in _heldout.items()}
for _label, _hist in _histories.items():
    if _events[_label].empty:
        continue
    _start = int(_events[_label]["start_batch"].min())
    _want = {f for fs in _events[_label]["features"] for f in fs}
    expect_equal(learner.call("affected_features", _hist, _start), _want,
                 f"affected_features on {_label}",
                 hint="flags from drift_<feature> or missing_<feature> > 0.05, in >= half the "
                      "batches from `since` on")
### END HIDDEN TESTS

# %% [markdown]
# **B2.** Set `affected` to the set of features affected by this incident, from its onset on.

# %% nbgrader={"grade": false, "grade_id": "affected-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
affected = ...
### BEGIN SOLUTION
affected = affected_features(history, onset)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "affected-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_true

check_true(affected, "affected is empty: at least one feature stays abnormal from the onset on",
           name="affected", success="affected is not empty.")
check_true(isinstance(affected, set), "affected must be a set of names, e.g. {'age', 'income'}",
           name="affected", success="affected is a set.")
_unknown = sorted(set(affected) - set(features))
check_true(not _unknown, f"{_unknown} are not features of this model: drop the 'drift_' / "
           f"'missing_' prefix", name="affected", success="affected names features of the model.")
from modellab.checks import check_digest

check_digest(set(affected), "43db2f0f23d40bd2", "affected",
             hint="the features drifted or > 5% missing in at least half of the batches from "
                  "the onset on")
### BEGIN HIDDEN TESTS (trusted)
_truth = _case.truth[_case.truth["kind"] != "label_delay"]
expect_equal(learner.value("affected"), {f for fs in _truth["features"] for f in fs}, "affected",
             hint="the features that stay abnormal from the onset on")
_small = {"n_reference": 2000, "n_batches": 12, "batch_size": 600}
_heldout = {
    "a broken debt_to_income feed": scenarios.custom(
        [scenarios.missing_values("debt_to_income", 0.3).at(scenarios.sudden(5))],
        seed=3, **_small),
    "a new interest-rate and region mix": scenarios.custom(
        [scenarios.shift("interest_rate", by=1.0).at(scenarios.sudden(7)),
         scenarios.change_mix("region", {"capital": 0.5}).at(scenarios.sudden(7)),
         scenarios.label_delay(3)],
        seed=5, **_small),
    "a calm world": scenarios.make("stable", seed=2, **_small)}
_histories = {k: Monitor(v.reference).run(v.production).history for k, v in _heldout.items()}
_events = {k: v.truth[v.truth["kind"] != "label_delay"] for k, v in _heldout.items()}
_label = "a new interest-rate and region mix"
_start = int(_events[_label]["start_batch"].min())
expect_equal(learner.rerun("affected", history=_histories[_label], onset=_start),
             {f for fs in _events[_label]["features"] for f in fs},
             "affected on a history you have not seen: set it with affected_features(history, onset)")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · What kind of incident?
#
# **C1.** Which kind of incident is this? Set `kind` to one of the keys below. Look at *how* the
# affected features changed (plausible values? missing values? a factor off?) — the speed of a
# change is only a hint: campaigns can be sudden and bugs gradual — and at what the labelled
# batches since the onset say (ranking, default rate, mean score).
#
# - `"data_quality"`: a data-quality bug: the feed corrupts what the model sees (wrong units,
#   missing values, unknown categories), while the applicants are the same.
# - `"covariate_shift"`: the applicants themselves changed (who applies), with plausible values.
# - `"prior_shift"`: more (or fewer) borrowers default, while defaulters and repayers each look
#   as before.
# - `"concept_drift"`: who defaults given the profile changed, while the applicants look the same.

# %% nbgrader={"grade": false, "grade_id": "kind-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
kind = ...  # "data_quality", "covariate_shift", "prior_shift" or "concept_drift"
### BEGIN SOLUTION
kind = "covariate_shift"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "kind-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest, check_true, require_answer

KIND_OPTIONS = dict.fromkeys(["data_quality", "covariate_shift", "prior_shift", "concept_drift"], "")
check_true(str(require_answer(kind, "C1")).strip().casefold() in KIND_OPTIONS,
           "set kind to one of the four keys in quotes, e.g. \"prior_shift\"",
           name="C1 is one of the keys", success="C1 is one of the four kinds.")
check_digest(kind, "2398ec1fc0146334", "C1",
             hint="look at how the affected features changed (plausible? missing? a factor off?) "
                  "and what the labelled batches say about ranking and default rate")
### BEGIN HIDDEN TESTS (trusted)
_kind = learner.value("kind")
expect_true(isinstance(_kind, str), "set kind to one of the four keys in quotes, e.g. \"prior_shift\"")
expect_equal(_kind.strip().casefold(), _case.truth["kind"].iloc[0], "C1")
### END HIDDEN TESTS

# %% [markdown]
# **C2.** Which **label-free** signal moved first — the first one to cross its alert threshold?
#
# - **a)** The mean score (the model's average predicted default probability).
# - **b)** The drift of input features.
# - **c)** The share of applications flagged (declined).
# - **d)** The share of missing values of a feature.
# - **e)** The observed default rate.

# %% nbgrader={"grade": false, "grade_id": "first-signal-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
first_signal = ...  # "a", "b", "c", "d" or "e"
### BEGIN SOLUTION
first_signal = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "first-signal-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(first_signal, "abcde", "b5d3d01910ca7e97", name="C2",
           hint="label-free means it needs no outcome; then compare the batches where each crossed")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("first_signal"), "b", "C2")
### END HIDDEN TESTS

# %% [markdown]
# ## Part D · Decisions for managers
#
# **D1.** The head of lending asks what the team does first, this week. What is the best answer?
#
# - **a)** Roll back last week's data-pipeline release: drift this large is usually a bug.
# - **b)** Retrain the model today on the last four weeks of applications, so that it fits the new mix.
# - **c)** Confirm the new applicants are real; check on labelled weeks if risk is still priced right.
# - **d)** Nothing until the outcomes of the last four weeks arrive, so that the team does not act on noise.

# %% nbgrader={"grade": false, "grade_id": "d1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
d1 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(d1, "abcd", "628c70c78af70a87", name="D1",
           hint="is anything broken in the data, and what do the labelled weeks already tell you?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("d1"), "c", "D1")
### END HIDDEN TESTS

# %% [markdown]
# **D2.** Who should hear from you this week?
#
# - **a)** Only the data-engineering team, because drift is first of all a data problem to fix.
# - **b)** The model owner, the head of lending and the team behind the new applicants.
# - **c)** Nobody until the outcomes confirm the problem, so as to avoid spreading a false alarm.
# - **d)** The affected customers, to warn them that their applications may have been misjudged.

# %% nbgrader={"grade": false, "grade_id": "d2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
d2 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(d2, "abcd", "e62163c99dcffb21", name="D2",
           hint="who decides, who may lose money, and who knows the likely cause?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("d2"), "b", "D2")
### END HIDDEN TESTS

# %% [markdown]
# ## Part E · Inside the average: who is hit?
#
# An average can hide a group the model now gets wrong (lesson 06, lesson 12 section 3e). Since
# the onset, the model under-states risk overall: does it under-state it for everyone, or for
# one group? A group is **under-predicted** when its observed default rate is above its mean
# score (labelled rows only). `metrics.calibration_by_group` computes both per group, with the
# gap `observed - predicted`.

# %% nbgrader={"grade": false, "grade_id": "segments-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from modellab import metrics
from modellab.checks import require_answer

AGE_BANDS = [18, 25, 35, 50, 81]  # the age bands of lessons 06 and 12
# the labelled rows from your onset (Part A) on
labelled_since = production[(production["batch"] >= require_answer(onset, "onset"))
                            & production["default"].notna()]

# %% [markdown]
# **E1.** Write `most_under_predicted(frame, column, bins=None)`: the name of the group of
# `column` (age bands when `bins` is given, e.g. `"[18, 25)"`; otherwise the category, e.g.
# `"east"`) whose observed default rate exceeds its mean score by the most, on the rows of
# `frame` whose label has arrived. Then set `hit_group` to its answer for the **age bands** on
# `labelled_since`, the labelled batches from your onset (Part A) on.

# %% nbgrader={"grade": false, "grade_id": "segments-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def most_under_predicted(frame, column, bins=None):
    """The group with the largest gap between observed default rate and mean score."""
    ### BEGIN SOLUTION
    table = metrics.calibration_by_group(frame, column, bins=bins, n_boot=50)
    return str(table.loc[table["gap"].idxmax(), "group"])
    ### END SOLUTION


hit_group = ...
### BEGIN SOLUTION
hit_group = most_under_predicted(labelled_since, "age", bins=AGE_BANDS)
### END SOLUTION
hit_group

# %% nbgrader={"grade": true, "grade_id": "segments-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest, check_true, require_answer

check_true(isinstance(require_answer(hit_group, "hit_group"), str), "hit_group should be a group name (a string), e.g. "
           "\"[50, 81)\": return str(...) of the group", name="hit_group",
           success="hit_group is a group name.")
check_digest(hit_group, "49b7806bc5559115", "hit_group",
             hint="the largest gap observed minus predicted, by age band, on labelled rows "
                  "from the onset on")
### BEGIN HIDDEN TESTS (trusted)
def _worst(frame, column, bins=None):
    table = metrics.calibration_by_group(frame, column, bins=bins, n_boot=10)
    return str(table.loc[table["gap"].idxmax(), "group"])


_onset = int(_case.truth.loc[_case.truth["kind"] != "label_delay", "start_batch"].min())
_since = production[(production["batch"] >= _onset) & production["default"].notna()]
expect_equal(learner.value("hit_group"), _worst(_since, "age", AGE_BANDS), "hit_group",
             hint="set it with most_under_predicted on the labelled rows from the onset on")
for _world, _seed, _column, _bins in [("protected_group", 8, "age", AGE_BANDS),
                                      ("segment_shift", 5, "region", None)]:
    _other = scenarios.make(_world, seed=_seed, n_reference=2000, n_batches=12, batch_size=600)
    _recent = _other.production[_other.production["batch"] >= 6]
    expect_equal(learner.call("most_under_predicted", _recent, _column, _bins),
                 _worst(_recent, _column, _bins),
                 f"most_under_predicted on a world you have not seen (by {_column})",
                 hint="compare each group's observed default rate with its mean score, on rows "
                      "whose label has arrived")
### END HIDDEN TESTS

# %% [markdown]
# **E2.** Your function points at one age band. `calibration_by_group` gives that band's gap
# an interval well above zero, while the other bands are priced about right. What follows?
#
# - **a)** Drop age from the model, since a gap in one age band proves the model treats it unfairly.
# - **b)** Decline every applicant of that band until outcomes of the last four weeks arrive.
# - **c)** Nothing: the overall ROC-AUC has barely moved, so every group is served as before.
# - **d)** Recalibrate with recent outcomes for that band; check fairness before and after.

# %% nbgrader={"grade": false, "grade_id": "e2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
e2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
e2 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "e2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(e2, "abcd", "1d39c85682f7af35", name="E2",
           hint="is the model's ranking wrong, or its level of risk for one group, and what "
                "must a lender show a regulator?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("e2"), "d", "E2")
### END HIDDEN TESTS

# %% [markdown]
# ## Part F · The incident report (5 points, read by your instructor)
#
# Write the incident report for the head of lending in the cell below: 120–250 words, plain
# language, numbers where they matter. Use what you computed (`report.executive_summary(result)`
# can help, but read it critically and write your own). Your instructor marks it out of 5, one
# point for each of:
#
# 1. **What and since when:** what changed, from which batch and date, in plain words.
# 2. **Evidence:** the label-free signals *and* what the labelled weeks show, with numbers.
# 3. **Bug or real:** why this is (or is not) a data-quality bug, and the kind of incident.
# 4. **Impact:** the expected business impact, who is hit hardest (Part E), and what cannot
#    be known yet (label delay).
# 5. **Decision and communication:** what you do now, who is informed, when the next update is.

# %% [markdown] nbgrader={"grade": true, "grade_id": "incident-report", "locked": false, "points": 5, "schema_version": 3, "solution": true, "task": false}
# Your incident report:
#
# ### BEGIN SOLUTION
# **Model answer (for instructors).** Since 3 March (batch 8) the applicants scored by the
# credit-risk model have changed: over four weeks they became much younger (median age about 42
# → 30), with far shorter credit histories (median about 178 → 85 months), and the partner
# channel grew from about 10% to 40% of applications. The values are plausible, nothing is
# missing and nothing is off by a fixed factor: this is a real change in who applies
# (covariate shift), not a data bug. (That it ramped up gradually fits, but is not the
# evidence: a campaign can also change applicants overnight.) The change log decides the
# cause — most likely a partner campaign, which we are confirming with the partnerships team,
# and no data release is logged for that week.
#
# The model still ranks risk about as well as before (ROC-AUC 0.79 vs 0.80 on the eight weeks
# with outcomes), but it underestimates it: 14.9% of these loans defaulted while the model
# predicted 11.9% on average — and the gap sits in one group: 26% of applicants under 25
# defaulted against a predicted 15%, while the other age bands are priced about right. At the
# course's illustrative prices (EUR 7,200 per missed
# default, EUR 1,800 per good customer declined) the net change in the cost of errors is about
# EUR 200,000 so far, but its 95% range (about −EUR 240,000 to EUR 660,000) includes zero: no
# loss is demonstrated yet. The last four weeks have no outcomes yet.
#
# Decision: no rollback (nothing is broken in the data) and no retraining yet; we recalibrate
# the scores on the labelled weeks since March and review the approval threshold for the new
# segment, with manual review of borderline partner applications meanwhile. Informed today: the
# model owner, the head of lending and the partnerships team. Next update on 23 June, when the
# outcomes of the last four weeks are in.
# ### END SOLUTION

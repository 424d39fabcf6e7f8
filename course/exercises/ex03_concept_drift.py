# %% [markdown]
# # Exercise 03 · Concept drift and label delay
#
# Practise what lesson `04_concept_drift` showed: measure performance batch by batch, find when
# it broke, let a change detector raise the alarm, and make the calls a manager has to make.
#
# - Part A: ROC-AUC per batch (3 points)
# - Part B: find the onset of a drop (4 points)
# - Part C: a Page-Hinkley alarm (4 points)
# - Part D: decisions (4 points)
#
# Write your code where it says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line),
# then run the check cell below it. Hidden checks run again when your work is graded, sometimes on
# *other* scenarios than the one you see here — so compute your answers, never type them in.
# At the end, use *Kernel → Restart Kernel and Run All Cells…* once.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import pandas as pd

from modellab import metrics
from modellab.checks import (
    answering,
    check_choice,
    check_close,
    check_frame,
    check_in_range,
    check_true,
)
from modellab.scenarios import make
from modellab.streaming import PageHinkley

scenario = make("concept_drift", seed=0)
reference = scenario.reference    # the period the model was validated on (labels known)
production = scenario.production  # 20 weekly batches; column "batch" numbers them 0..19
print(scenario.describe())

# %% [markdown]
# ## Part A · ROC-AUC per batch
#
# **A1.** Compute `reference_auc`: the model's ROC-AUC on the reference period (one number).
# The outcome is the column `default`, the model's score is `score`. `metrics.classification_summary`
# does it, or scikit-learn's `roc_auc_score`.

# %% nbgrader={"grade": false, "grade_id": "reference-auc-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
reference_auc = ...
### BEGIN SOLUTION
reference_auc = metrics.classification_summary(reference["default"], reference["score"])["roc_auc"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "reference-auc-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_in_range(reference_auc, 0.5, 1.0, "reference_auc",
               hint="ROC-AUC takes the scores (not the 0/1 predictions) and the outcomes")
### BEGIN HIDDEN TESTS
from sklearn.metrics import roc_auc_score as _roc_auc_score

check_close(reference_auc, _roc_auc_score(reference["default"], reference["score"]),
            "reference_auc", tol=1e-9,
            hint="use the reference period, the 'default' column and the 'score' column")
### END HIDDEN TESTS

# %% [markdown]
# **A2.** Compute `auc_by_batch`: a DataFrame with one row per production batch and (at least)
# the columns `batch` and `roc_auc`, in batch order. `metrics.by_batch` does it in one call; a
# `groupby` over the batches with `roc_auc_score` works too.

# %% nbgrader={"grade": false, "grade_id": "auc-by-batch-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
auc_by_batch = ...
### BEGIN SOLUTION
auc_by_batch = metrics.by_batch(production, metrics=["roc_auc"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "auc-by-batch-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_frame(auc_by_batch, columns=["batch", "roc_auc"], n_rows=production["batch"].nunique(),
            name="auc_by_batch", hint="one row per batch: group the production rows by 'batch'")
check_true(auc_by_batch["roc_auc"].between(0, 1).all(),
           "ROC-AUC lies between 0 and 1 in every batch: did you pass scores and outcomes?",
           name="auc_by_batch values", success="auc_by_batch values are in range.")
### BEGIN HIDDEN TESTS
_expected_auc = pd.DataFrame(
    [{"batch": b, "roc_auc": _roc_auc_score(rows["default"], rows["score"])}
     for b, rows in production.groupby("batch")])
check_frame(auc_by_batch.sort_values("batch")[["batch", "roc_auc"]], expected=_expected_auc,
            name="auc_by_batch", tol=1e-9,
            hint="compute ROC-AUC on each batch's rows separately, from 'default' and 'score'")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · When did it break?
#
# **B1.** Write `onset_batch(history, reference_value, margin)`. It returns the **`batch` value**
# of the first batch (in batch order) whose `roc_auc` is more than `margin` below
# `reference_value`, or `None` if there is none. Batches whose metric is missing (`NaN`, no labels
# yet) never count.
#
# It must work on any such table, not only yours: the graders call it on other scenarios and on
# tables whose batches are not numbered from 0.

# %% nbgrader={"grade": false, "grade_id": "onset-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def onset_batch(history, reference_value, margin, metric="roc_auc"):
    """The `batch` of the first row whose `metric` < reference_value - margin, else None."""
    ### BEGIN SOLUTION
    ordered = history.sort_values("batch")
    below = ordered[ordered[metric] < reference_value - margin]
    return None if below.empty else below["batch"].iloc[0]
    ### END SOLUTION

# %% [markdown]
# Your function on a small made-up table (the drop is at batch 102), then on the scenario with a
# margin of 0.10. A single noisy week can dip 0.05 below the reference by chance; 0.10 is a
# drop worth a meeting.

# %% nbgrader={"grade": true, "grade_id": "onset-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
_toy = pd.DataFrame({"batch": [100, 101, 102, 103], "roc_auc": [0.80, 0.76, 0.68, 0.81]})
with answering("onset_batch"):
    _got = onset_batch(_toy, 0.80, 0.10)
    onset = onset_batch(auc_by_batch, reference_auc, 0.10)
check_true(_got is not None and _got == 102,
           "on the made-up table the answer is 102: return the 'batch' value, not the row position",
           name="onset_batch on the made-up table", success="onset_batch works on the made-up table.")
print("Your onset on the scenario:", onset)
check_true(onset is not None and 0 <= onset <= production["batch"].max(),
           "compare each batch's roc_auc with reference_auc - 0.10 and return that batch",
           name="onset", success="onset is a batch of the scenario.")
### BEGIN HIDDEN TESTS
check_true(onset == scenario.truth["start_batch"].iloc[0],
           "the onset is the first batch more than 0.10 below the reference ROC-AUC",
           name="onset on concept_drift", success="onset is right.")
### END HIDDEN TESTS

# %% [markdown]
# The graders now try your function on other tables (unsorted, with missing values, with no
# drop at all) and on scenarios you have not seen.

# %% nbgrader={"grade": true, "grade_id": "onset-general-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
with answering("onset_batch"):
    _none = onset_batch(_toy, 0.80, 0.20)
check_true(_none is None, "when no batch is far enough below the reference, return None",
           name="onset_batch with no drop", success="onset_batch returns None when nothing drops.")
### BEGIN HIDDEN TESTS
_messy = pd.DataFrame({"batch": [8, 5, 6, 7, 9], "roc_auc": [0.55, 0.79, np.nan, 0.66, np.nan]})
_cases = [
    ("an unsorted table with gaps", _messy, 0.10, "roc_auc", 7),
    ("another margin", _messy, 0.20, "roc_auc", 8),
    ("another metric", _messy.rename(columns={"roc_auc": "recall"}), 0.10, "recall", 7),
]
for _label, _table, _margin, _metric, _want in _cases:
    _got = onset_batch(_table, 0.80, _margin, metric=_metric)
    check_true(_got is not None and _got == _want,
               "sort by 'batch', skip missing values, use `margin` and `metric` as given",
               name=f"onset_batch on {_label}")
for _name, _seed in [("concept_drift", 2), ("label_delay", 4), ("stable", 1)]:
    _s = make(_name, seed=_seed)
    _ref = _roc_auc_score(_s.reference["default"], _s.reference["score"])
    _hist = metrics.by_batch(_s.production, metrics=["roc_auc"])
    _truth = _s.truth[_s.truth["kind"] == "concept_drift"]["start_batch"].tolist()
    _got = onset_batch(_hist, _ref, 0.10)
    check_true(_got == _truth[0] if _truth else _got is None,
               "the first batch more than `margin` below the reference value, None if none",
               name=f"onset_batch on {_name} (seed {_seed})")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · Let a detector raise the alarm
#
# **C1.** Write `first_alarm(scenario)`: the batch at which a `PageHinkley` detector first alarms
# on the scenario's **per-batch ROC-AUC**, or `None` if it never does.
#
# 1. *Fit on the reference period.* Cut `scenario.reference` into chunks of 500 rows
#    (`scenario.reference.assign(batch=np.arange(len(scenario.reference)) // 500)`), compute
#    ROC-AUC per chunk, and `fit` the detector on those values so it learns how much ROC-AUC
#    wobbles when nothing is wrong.
# 2. *Run on production:* ROC-AUC per production batch, as a Series indexed by batch. Batches
#    without labels yet have a missing ROC-AUC: drop them (a detector refuses `NaN`).
# 3. Watch for a **decrease**. The stream has only 20 values, so lower `min_samples` (the
#    burn-in) from its default of 50. Choose `threshold` yourself.
#
# Your function passes when it alarms **within 3 batches after** the change (not before) on drifting
# scenarios, and **never** on `stable` ones — including longer calm streams than this one. A
# threshold too low cries wolf; too high is late.

# %% nbgrader={"grade": false, "grade_id": "alarm-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def first_alarm(scenario):
    """Batch of the first Page-Hinkley alarm on per-batch ROC-AUC, or None."""
    ### BEGIN SOLUTION
    ref = scenario.reference.assign(batch=np.arange(len(scenario.reference)) // 500)
    ref_auc = metrics.by_batch(ref, metrics=["roc_auc"])["roc_auc"]
    prod_auc = metrics.by_batch(scenario.production, metrics=["roc_auc"])
    stream = prod_auc.set_index("batch")["roc_auc"].dropna()
    detector = PageHinkley(threshold=5, min_samples=3, direction="decrease").fit(ref_auc)
    alarms = detector.run(stream)
    return None if alarms.empty else alarms["label"].iloc[0]
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "alarm-delay-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
_start = scenario.truth["start_batch"].iloc[0]
with answering("first_alarm"):
    alarm = first_alarm(scenario)
print("Your first alarm on concept_drift (seed 0):", alarm)
check_true(alarm is not None and _start <= alarm <= _start + 3,
           "the alarm should come at or after the change, within 3 batches: if it never comes, "
           "lower the threshold or min_samples; if it comes before the change, raise them",
           name="first_alarm on concept_drift", success="The alarm comes in time.")
### BEGIN HIDDEN TESTS
for _name, _seed in [("concept_drift", 2), ("label_delay", 2)]:
    _s = make(_name, seed=_seed)
    _begin = _s.truth[_s.truth["kind"] == "concept_drift"]["start_batch"].iloc[0]
    _got = first_alarm(_s)
    check_true(_got is not None and _begin <= _got <= _begin + 3,
               "alarm within 3 batches after the change; drop batches without labels",
               name=f"first_alarm on {_name} (seed {_seed})")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "alarm-quiet-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
with answering("first_alarm"):
    quiet = first_alarm(make("stable", seed=0))
print("Your first alarm on stable (seed 0):", quiet)
check_true(quiet is None,
           "a stable world has nothing to find: fit the detector on the reference chunks and "
           "raise the threshold until it stays quiet",
           name="first_alarm on stable", success="No false alarm on the stable world.")
### BEGIN HIDDEN TESTS
for _seed, _weeks in [(1, 20), (3, 20), (0, 60)]:
    _got = first_alarm(make("stable", seed=_seed, n_batches=_weeks))
    check_true(_got is None, "no alarm on a stable world: fit on the reference period and "
               "keep the threshold high enough for long calm streams",
               name=f"first_alarm on stable (seed {_seed}, {_weeks} weeks)")
### END HIDDEN TESTS

# %% [markdown]
# ## Part D · Decisions
#
# Set each answer to the letter of your choice, e.g. `d1 = "a"`.
#
# **D1.** For three weeks the input drift checks are all green, but ROC-AUC on the labelled
# batches has fallen from 0.80 to 0.65, and the confidence intervals no longer overlap the
# reference. What is happening, and what do you do?

# %% nbgrader={"grade": false, "grade_id": "d1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
d1 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
D1_OPTIONS = {
    "a": "Noise: the inputs have not changed, so wait for more batches.",
    "b": "A data pipeline bug: ask engineering to fix the input feed.",
    "c": "Concept drift: the link between applicant and default changed. Plan a retrain on "
         "recent labelled data and tighten decisions (threshold, manual review) meanwhile.",
    "d": "Retrain on the original training data to restore the old performance.",
}
check_choice(d1, D1_OPTIONS, name="D1")
### BEGIN HIDDEN TESTS
check_choice(d1, D1_OPTIONS, "c", name="D1")
### END HIDDEN TESTS

# %% [markdown]
# **D2.** Outcomes arrive 4 weeks late. Two weeks ago the mean score and the flag rate jumped,
# and debt-to-income drifted. Your director asks for this week's status. What do you report?

# %% nbgrader={"grade": false, "grade_id": "d2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
d2 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
D2_OPTIONS = {
    "a": "This week's ROC-AUC and recall, as every week.",
    "b": "Performance up to the last labelled week; an early warning that the applicants changed "
         "two weeks ago (scores, flag rate, debt-to-income), effect on accuracy not yet known; "
         "and the date the missing outcomes arrive.",
    "c": "Nothing: without labels there is nothing to say.",
    "d": "That the model is broken and must be switched off today.",
}
check_choice(d2, D2_OPTIONS, name="D2")
### BEGIN HIDDEN TESTS
check_choice(d2, D2_OPTIONS, "b", name="D2")
### END HIDDEN TESTS

# %% [markdown]
# **D3.** In a downturn the default rate rose from 11% to 19%. ROC-AUC is unchanged, precision
# even rose, but the calibration curve now sits well above the diagonal. What is the cheapest
# sound fix?

# %% nbgrader={"grade": false, "grade_id": "d3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d3 = ...  # "a", "b" or "c"
### BEGIN SOLUTION
d3 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
D3_OPTIONS = {
    "a": "Rebuild the model with new features.",
    "b": "Recalibrate the probabilities to the new default rate and revisit the threshold.",
    "c": "Nothing: ROC-AUC is unchanged and precision went up.",
}
check_choice(d3, D3_OPTIONS, name="D3")
### BEGIN HIDDEN TESTS
check_choice(d3, D3_OPTIONS, "b", name="D3")
### END HIDDEN TESTS

# %% [markdown]
# **D4.** The team proposes lowering the Page-Hinkley threshold from 8 to 2 "to be safe".
# What should you expect?

# %% nbgrader={"grade": false, "grade_id": "d4-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d4 = ...  # "a", "b" or "c"
### BEGIN SOLUTION
d4 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d4-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
D4_OPTIONS = {
    "a": "Real drops are flagged sooner, but calm weeks raise more false alarms.",
    "b": "Fewer false alarms, and real drops are flagged later.",
    "c": "Nothing changes: the threshold only affects how the chart looks.",
}
check_choice(d4, D4_OPTIONS, name="D4")
### BEGIN HIDDEN TESTS
check_choice(d4, D4_OPTIONS, "a", name="D4")
### END HIDDEN TESTS

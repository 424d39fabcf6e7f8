# %% [markdown]
# # Exercise 10 · Inside the average: segments and fairness
#
# This exercise goes with lesson `06_segments_fairness`. You will:
#
# - **Part A** — compute a metric per segment, find the segments that are behind the rest beyond
#   noise, and apply the four-fifths rule (8 points);
# - **Part B** — read the results like a model-risk reviewer (2 points, multiple choice);
# - **Part C** — explain one finding to the head of lending (2 points, graded by your
#   instructor).
#
# After each answer, run the **check cell** below it: ✅ means that answer is right (the check
# compares it with a fingerprint of the right value, so the cell does not show the answer);
# ❌ comes with a hint. Graded tests also call your functions on worlds you have not seen, so
# write code that computes the answer rather than typing values in. Check cells are **locked**
# (🔒): edit the answer cell above them instead.
#
# Total: 12 points, about 30 minutes.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import pandas as pd

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab import metrics
from modellab.monitor.segment_rules import SegmentBehind
from modellab.scenarios import make

scenario = make("protected_group", seed=3)          # a world you have not seen in the lesson
production = scenario.production
recent = production[production["batch"] >= 12]      # eight weeks after the campaign started
BANDS = [18, 25, 35, 50, 81]                         # age bands: [18, 25), [25, 35), ...
print(f"{len(recent):,} recent applications, {int(recent['default'].sum())} defaults")

# %% [markdown]
# ## Part A · Metrics per segment
#
# **A1 (3 points).** Complete `metric_by_segment(frame, segment, metric, bins=None)`: return a
# `dict` mapping each segment's label (a `str`, e.g. `"[18, 25)"` or `"east"`) to the value of
# `metric` (e.g. `"recall"`, `"roc_auc"`) in that segment. Use `metrics.by_segment` (its
# `bins` argument groups a numeric column); the interval is not needed here.

# %% nbgrader={"grade": false, "grade_id": "a1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def metric_by_segment(frame, segment, metric, bins=None):
    """{segment label: metric value} for one metric."""
    ### BEGIN SOLUTION
    table = metrics.by_segment(frame, segment, [metric], bins=bins, n_boot=10)
    return {str(s): float(v) for s, v in zip(table["segment"], table["value"], strict=True)}
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a1-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("metric_by_segment"):
    recall_by_age = metric_by_segment(recent, "age", "recall", bins=BANDS)
    auc_two_bands = metric_by_segment(recent, "age", "roc_auc", bins=[18, 35, 81])
check_true(isinstance(recall_by_age, dict) and list(recall_by_age) == ["[18, 25)", "[25, 35)", "[35, 50)", "[50, 81)"],
           "return a dict whose keys are the segment labels of by_segment, in its order",
           name="metric_by_segment returns a dict", success="metric_by_segment returns one value per age band.")
check_digest(list(recall_by_age.values()), "4c0a2989036a4e3c", "recall per age band", digits=3,
             hint="keep the rows of by_segment's table whose metric is the one asked for; the value is in 'value'")
check_digest(list(auc_two_bands.values()), "b352f4b3d99dc0f0", "roc_auc per age band [18, 35), [35, 81)", digits=3,
             hint="pass your arguments on to by_segment",
             mistakes={"86ec68c72fc781b8": "use the `bins` argument, not BANDS",
                       "227a1dd6ef057f6a": "use the `metric` argument, not 'recall'"})
### BEGIN HIDDEN TESTS (trusted)
from sklearn.metrics import recall_score, roc_auc_score

from modellab.metrics.segments import segment_labels


def _oracle(frame, segment, metric, bins=None):
    labels = segment_labels(frame, segment, bins)
    out = {}
    for name in labels.cat.categories:
        part = frame[(labels == name).to_numpy()]
        out[str(name)] = (recall_score(part["default"], part["prediction"]) if metric == "recall"
                          else roc_auc_score(part["default"], part["score"]))
    return out


for world, seed, seg, metric, bins in [("segment_shift", 5, "region", "recall", None),
                                       ("protected_group", 8, "age", "roc_auc", BANDS)]:
    frame = make(world, seed=seed).production.query("batch >= 10")
    got = learner.call("metric_by_segment", frame, seg, metric, bins=bins)
    want = _oracle(frame, seg, metric, bins)
    expect_equal(sorted(got), sorted(want), f"the segments of metric_by_segment on an unseen {world} world",
                 hint="one key per segment label")
    expect_close([got[k] for k in want], list(want.values()), f"{metric} per segment on an unseen {world} world",
                 tol=1e-9, hint="read the value column of by_segment for the metric asked for")
### END HIDDEN TESTS

# %% [markdown]
# **A2 (3 points).** Complete `behind(frame, segment, metric, bins=None)`: return the sorted list
# of segment labels that are behind the rest **beyond noise**. Compute the gaps with
# `metrics.segment_gaps(frame, segment, metric, by=None, bins=bins)` (the whole frame as one
# period, default seed and resamples) and keep the segments on which
# `SegmentBehind(metric)` raises an alert (its alerts have the segment in `subject`). Return an
# empty list when none is behind.

# %% nbgrader={"grade": false, "grade_id": "a2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def behind(frame, segment, metric, bins=None):
    """Sorted segment labels behind the rest of the frame beyond noise."""
    ### BEGIN SOLUTION
    gaps = metrics.segment_gaps(frame, segment, metric, by=None, bins=bins)
    alerts = SegmentBehind(metric).evaluate(gaps)
    return sorted(str(s) for s in alerts["subject"])
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a2-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("behind", {ValueError: "pass your arguments (`frame`, `segment`, `bins`) on to segment_gaps"}):
    behind_age = behind(recent, "age", "roc_auc", bins=BANDS)
    halves = recent.assign(half=np.where(np.arange(len(recent)) % 2 == 0, "even rows", "odd rows"))
    behind_halves = behind(halves, "half", "roc_auc")  # a random split: nobody is behind
check_digest(behind_age, "4bbcff3da2016e18", "behind(recent, 'age', 'roc_auc', bins=BANDS)",
             hint="segment_gaps(..., by=None, bins=bins), then SegmentBehind(metric).evaluate(gaps)['subject']")
check_true(behind_halves == [], "return an empty list [] when no segment is behind (not None)",
           name="behind on two random halves", success="behind returns [] when no segment is behind.")
### BEGIN HIDDEN TESTS (trusted)
for world, seed, seg, metric, bins in [("segment_shift", 5, "region", "recall", None),
                                       ("stable", 6, "region", "recall", None),
                                       ("protected_group", 8, "age", "roc_auc", BANDS)]:
    frame = make(world, seed=seed).production.query("batch >= 12")
    gaps = metrics.segment_gaps(frame, seg, metric, by=None, bins=bins)
    want = sorted(SegmentBehind(metric).evaluate(gaps)["subject"].tolist())
    expect_equal(list(learner.call("behind", frame, seg, metric, bins=bins)), want,
                 f"behind on an unseen {world.replace('_', ' ')} world",
                 hint="use segment_gaps with by=None and the default seed, then the rule's alerts")
### END HIDDEN TESTS

# %% [markdown]
# **A3 (2 points).** Complete `four_fifths(frame, group, bins=None)`: return a tuple
# `(ratio, adverse)` where `ratio` is the approval-rate ratio (`metrics.approval_rate_ratio`,
# lowest group approval rate / highest) and `adverse` is `True` when the ratio is below the
# four-fifths line (0.8).

# %% nbgrader={"grade": false, "grade_id": "a3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def four_fifths(frame, group, bins=None):
    """(approval-rate ratio, True if below 0.8)."""
    ### BEGIN SOLUTION
    result = metrics.approval_rate_ratio(frame, group, bins=bins, n_boot=20)
    return float(result.value), bool(result.value < 0.8)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a3-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("four_fifths", {ValueError: "pass your arguments (`frame`, `group`, `bins`) on to approval_rate_ratio"}):
    ratio_age = four_fifths(recent, "age", bins=BANDS)
check_true(isinstance(ratio_age, tuple) and len(ratio_age) == 2, "return a tuple (ratio, adverse)",
           name="four_fifths returns (ratio, adverse)", success="four_fifths returns two values.")
check_digest(ratio_age[0], "985c22957af3ab20", "the approval-rate ratio by age band", digits=3,
             hint="approval_rate_ratio(frame, group, bins=bins).value")
check_true(isinstance(ratio_age[1], bool | np.bool_) and bool(ratio_age[1]) == (ratio_age[0] < 0.8),
           "adverse is True when the ratio is below 0.8 (the four-fifths line), else False",
           name="adverse follows the four-fifths line", success="adverse follows the four-fifths line.")
### BEGIN HIDDEN TESTS (trusted)
from fairlearn.metrics import demographic_parity_ratio

cases = [make("protected_group", seed=8).production.query("batch >= 10"),
         pd.DataFrame({"age": [20.0] * 100 + [40.0] * 100,
                       "prediction": [1] * 40 + [0] * 60 + [1] * 10 + [0] * 90})]
for frame in cases:
    approved = 1 - frame["prediction"]
    groups = metrics.segments.segment_labels(frame, "age", BANDS).astype(str)
    want = demographic_parity_ratio(approved, approved, sensitive_features=groups)
    got = learner.call("four_fifths", frame, "age", bins=BANDS)
    expect_close(got[0], want, "the approval-rate ratio on an unseen portfolio", tol=1e-9,
                 hint="lowest approval rate (prediction == 0) over the highest")
    expect_equal(bool(got[1]), bool(want < 0.8), "adverse on an unseen portfolio",
                 hint="adverse means ratio < 0.8")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · Reading the numbers
#
# **B1 (1 point).** In this world, `metrics.calibration_by_group(recent, "age", bins=BANDS)`
# shows that for applicants under 25 the observed default rate is far above the model's mean
# predicted probability. What does that mean, and what do you do?
#
# - **a)** The model is too harsh on the young: lower their scores to approve more of them.
# - **b)** The model under-states the young's risk: recalibrate or retrain for this group on
#   recent data, and document the decision.
# - **c)** Nothing: calibration is a technical detail, only ROC-AUC matters to the business.
# - **d)** Remove age from the model, which fixes the calibration of every group.

# %% nbgrader={"grade": false, "grade_id": "b1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
b1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
b1 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(b1, "abcd", "c7806ad638a08915", name="B1",
           hint="observed above predicted: is the risk over- or under-stated?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("b1"), "b", "B1")
### END HIDDEN TESTS

# %% [markdown]
# **B2 (1 point).** You compare 10 regions with the rest every month, each at a 95% level,
# without correction, in a world where nothing changed. Roughly how often does at least one
# region look "behind" in a month?
#
# - **a)** Never: a 95% interval is strict enough for ten regions.
# - **b)** In about 5% of months, like a single test.
# - **c)** In about 40% of months (1 − 0.95¹⁰), so a correction for the number of segments is needed.
# - **d)** Every month, because one region is always the worst.

# %% nbgrader={"grade": false, "grade_id": "b2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
b2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
b2 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(b2, "abcd", "29cb5d9978891e80", name="B2",
           hint="ten chances of a 5% fluke per month")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("b2"), "c", "B2")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · For the head of lending
#
# **C1 (2 points, graded by your instructor).** The overall dashboard is green. In at most four
# sentences, without jargon, tell the head of lending what you found for applicants under 25
# (use your numbers from Part A and the lesson's calibration reading), why the averages did not
# show it, and what you propose.

# %% [markdown] nbgrader={"grade": true, "grade_id": "c1-written", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your answer:**
#
# ### BEGIN SOLUTION
# *Model answer (rubric: 1 point for the finding with numbers and its direction — the model
# under-states the young's risk and catches fewer of their defaults; 1 point for why the
# averages hide it and a proportionate action):* Since the app campaign, applicants under 25
# default far more often than the model predicts, and it flags a smaller share of their
# defaulters than for older applicants. They are a minority of applications, so the overall
# numbers barely move. Age is a protected characteristic, so this is both a loss and a
# compliance matter: we propose to recalibrate (or retrain) the model for this group on recent
# data, check the fairness measures again, and record the decision in the monitoring plan.
# ### END SOLUTION

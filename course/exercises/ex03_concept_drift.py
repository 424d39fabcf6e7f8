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
# then run the check cell below it. ✅ means that answer is right on the data shown (the check
# compares it with a fingerprint of the right value); ❌ comes with a hint and says which cell
# to change. Check cells are **locked** (🔒): they are graded exactly as written. When graded,
# your functions also run on *other* scenarios — so compute your answers, never type them in.
# At the end, use *Kernel → Restart Kernel and Run All Cells…* once.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import pandas as pd

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab import metrics
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
from modellab.checks import check_close, check_digest

check_digest(reference_auc, "6bb6513385c5f164", "reference_auc", bounds=(0, 1),
             hint="use the reference period's 'default' (outcome) and 'score' columns",
             mistakes={"2bfeaddddb16f6c5": "you passed 0/1 decisions: ROC-AUC takes the "
                                                      "scores ('score'), not 'prediction'",
                        "ed7f427e16e8dc68": "that is production's ROC-AUC: use "
                                                        "scenario.reference"})
### BEGIN HIDDEN TESTS (trusted)
from sklearn.metrics import roc_auc_score as _roc_auc_score  # noqa: E402

expect_close(learner.value("reference_auc"), _roc_auc_score(reference["default"], reference["score"]),
             "reference_auc", hint="use the reference period, the 'default' column and the 'score' column")
_other = make("concept_drift", seed=5).reference
expect_close(learner.rerun("reference_auc", setup=["reference = make('concept_drift', seed=5).reference"]),
             _roc_auc_score(_other["default"], _other["score"]),
             "reference_auc on a reference period you have not seen",
             hint="compute it from `reference` rather than typing the number in")
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
from modellab.checks import check_digest, check_frame

check_frame(auc_by_batch, columns=["batch", "roc_auc"], n_rows=production["batch"].nunique(),
            name="auc_by_batch", hint="one row per batch: group the production rows by 'batch'")
check_digest(auc_by_batch.sort_values("batch")["roc_auc"], "995d816be172d187", "roc_auc per batch",
             hint="compute ROC-AUC on each batch's own rows, from 'default' and 'score'",
             mistakes={"40cd9b5cb6bdecaf": "you passed 0/1 decisions: ROC-AUC takes the "
                                                  "scores ('score'), not 'prediction'"})
### BEGIN HIDDEN TESTS (trusted)
from sklearn.metrics import roc_auc_score as _roc_auc_score  # noqa: E402


def _judge_auc(table, prod, where):
    expect_true(isinstance(table, pd.DataFrame) and {"batch", "roc_auc"} <= set(table.columns),
                "auc_by_batch should be a table with the columns 'batch' and 'roc_auc'")
    got = table.sort_values("batch")
    want = [(b, _roc_auc_score(rows["default"], rows["score"])) for b, rows in prod.groupby("batch")]
    expect_equal([int(b) for b in got["batch"]], [b for b, _ in want], f"the batches of auc_by_batch {where}",
                 hint="one row per batch: group the production rows by 'batch'")
    expect_close(got["roc_auc"].to_numpy(dtype=float), [a for _, a in want], f"roc_auc per batch {where}",
                 hint="compute ROC-AUC on each batch's rows separately, from 'default' and 'score'")


_judge_auc(learner.value("auc_by_batch"), production, "")
_judge_auc(learner.rerun("auc_by_batch", setup=["production = make('concept_drift', seed=5).production"]),
           make("concept_drift", seed=5).production, "on batches you have not seen")
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
from modellab.checks import answering, check_digest, check_true, digest_matches

_toy = pd.DataFrame({"batch": [100, 101, 102, 103], "roc_auc": [0.80, 0.76, 0.68, 0.81]})
_no_none = {IndexError: "when no batch is far enough below, return None (the selection is empty)"}
with answering("onset_batch", _no_none):
    _got = onset_batch(_toy, 0.80, 0.10)
    onset = onset_batch(auc_by_batch, reference_auc, 0.10)
check_digest(_got, "3e1eef2ccfa95d12", "onset_batch(toy, 0.80, 0.10)", digits=0,
             hint="the first batch whose roc_auc < reference_value - margin",
             mistakes={"91169b2efafc7153": "return the 'batch' value, not the row position",
                        "04168d30feedc746": "the comparison is the wrong way round: look for "
                                                  "roc_auc *below* reference_value - margin",
                        "c78e553e984164bb": "subtract the margin: below reference_value - margin, "
                                                  "not just below reference_value",
                        "984d00e63edd00dd": "your function ignores its `history` argument: use "
                                                    "the table it is given, not auc_by_batch"})
print("Your onset on the scenario:", onset)
check_true(digest_matches(reference_auc, "6bb6513385c5f164", "reference_auc")
           and digest_matches(auc_by_batch.sort_values("batch")["roc_auc"],
                              "995d816be172d187", "roc_auc per batch"),
           "onset uses reference_auc and auc_by_batch, and one of them is not right yet: fix A1 "
           "and A2 first", name="A1 and A2 answers", success="A1 and A2 are right.")
check_digest(onset, "25c7975ea30e392f", "onset", digits=0,
             hint="compare each batch's roc_auc with reference_auc - 0.10 and return that batch")
### BEGIN HIDDEN TESTS (trusted)
expect_equal(learner.value("onset"), int(scenario.truth["start_batch"].iloc[0]), "onset",
             hint="the onset is the first batch more than 0.10 below the reference ROC-AUC")
_s = make("concept_drift", seed=2)
_ref = float(metrics.classification_summary(_s.reference["default"], _s.reference["score"])["roc_auc"])
expect_equal(learner.call("onset_batch", metrics.by_batch(_s.production, metrics=["roc_auc"]), _ref, 0.10),
             int(_s.truth["start_batch"].iloc[0]), "onset_batch on a scenario you have not seen")
### END HIDDEN TESTS

# %% [markdown]
# The graders now try your function on other tables (unsorted, with missing values, with no
# drop at all) and on scenarios you have not seen.

# %% nbgrader={"grade": true, "grade_id": "onset-general-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_true

_toy = pd.DataFrame({"batch": [100, 101, 102, 103], "roc_auc": [0.80, 0.76, 0.68, 0.81]})
_unsorted = pd.DataFrame({"batch": [103, 100, 101, 102], "roc_auc": [0.65, 0.80, 0.76, 0.68]})
_no_none = {IndexError: "when no batch is far enough below, return None (the selection is empty)"}
with answering("onset_batch", _no_none):
    _none = onset_batch(_toy, 0.80, 0.20)
check_true(_none is None, "when no batch is far enough below the reference, return None",
           name="onset_batch with no drop", success="onset_batch returns None when nothing drops.")
with answering("onset_batch", {KeyError: "use the `metric` argument to pick the column"}):
    _first = onset_batch(_unsorted, 0.80, 0.10)
    _recall = onset_batch(_toy.rename(columns={"roc_auc": "recall"}), 0.80, 0.10, metric="recall")
check_true(_first == 102, "the rows are not in batch order here: sort by 'batch' first",
           name="onset_batch on an unsorted table", success="onset_batch sorts by batch.")
check_true(_recall == 102, "use the `metric` argument to pick the column, not 'roc_auc'",
           name="onset_batch with metric='recall'", success="onset_batch uses `metric`.")
### BEGIN HIDDEN TESTS (trusted)
_messy = pd.DataFrame({"batch": [8, 5, 6, 7, 9], "roc_auc": [0.55, 0.79, np.nan, 0.66, np.nan]})
_cases = [
    ("an unsorted table with gaps", _messy, 0.10, "roc_auc", 7),
    ("another margin", _messy, 0.20, "roc_auc", 8),
    ("another metric", _messy.rename(columns={"roc_auc": "recall"}), 0.10, "recall", 7),
]
for _label, _table, _margin, _metric, _want in _cases:
    expect_equal(learner.call("onset_batch", _table, 0.80, _margin, metric=_metric), _want,
                 f"onset_batch on {_label}",
                 hint="sort by 'batch', skip missing values, use `margin` and `metric` as given")
for _name, _seed in [("concept_drift", 2), ("label_delay", 4), ("stable", 1)]:
    _s = make(_name, seed=_seed)
    _ref = float(metrics.classification_summary(_s.reference["default"], _s.reference["score"])["roc_auc"])
    _truth = _s.truth[_s.truth["kind"] == "concept_drift"]["start_batch"].tolist()
    expect_equal(learner.call("onset_batch", metrics.by_batch(_s.production, metrics=["roc_auc"]), _ref, 0.10),
                 int(_truth[0]) if _truth else None, f"onset_batch on {_name} (seed {_seed})",
                 hint="the first batch more than `margin` below the reference value, None if none")
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
#    wobbles when nothing is wrong. (Lesson 04 chunks at the batch size, 1,000 rows: the right
#    unit, but this 5,000-row reference gives only five such chunks, and a wobble learnt from
#    five values is itself noisy — over the longer calm streams the grader also runs, it lets
#    some detectors cry wolf. Ten chunks of 500 rows give a steadier estimate of a slightly
#    larger wobble: a detector a little looser than its threshold says, as
#    `04_concept_drift_further` measures.)
# 2. *Run on production:* ROC-AUC per production batch, as a Series indexed by batch. Batches
#    without labels yet have a missing ROC-AUC: drop them (a detector refuses `NaN`).
# 3. Watch for a **decrease**. After `fit` the detector knows how much ROC-AUC wobbles, so it
#    needs no burn-in: leave `min_samples` at its default (`help(PageHinkley)`: an explicit
#    `min_samples` always applies, and a burn-in would hide a change in the first weeks).
#    Choose `threshold` yourself: the default is tuned for streams of hundreds of values.
#
# Your function passes when it alarms **within 3 batches after** the change (not before) on drifting
# scenarios — including a stream that changes in its third week — and **never** on `stable` ones,
# including longer calm streams than this one. A threshold too low cries wolf; too high is late.

# %% nbgrader={"grade": false, "grade_id": "alarm-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def first_alarm(scenario):
    """Batch of the first Page-Hinkley alarm on per-batch ROC-AUC, or None."""
    ### BEGIN SOLUTION
    ref = scenario.reference.assign(batch=np.arange(len(scenario.reference)) // 500)
    ref_auc = metrics.by_batch(ref, metrics=["roc_auc"])["roc_auc"]
    prod_auc = metrics.by_batch(scenario.production, metrics=["roc_auc"])
    stream = prod_auc.set_index("batch")["roc_auc"].dropna()
    detector = PageHinkley(threshold=5, direction="decrease").fit(ref_auc)
    alarms = detector.run(stream)
    return None if alarms.empty else alarms["label"].iloc[0]
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "alarm-delay-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from types import SimpleNamespace

from modellab.checks import answering, check_true

_start = scenario.truth["start_batch"].iloc[0]
_nan = {ValueError: "drop the batches whose ROC-AUC is missing (.dropna()) before run()"}
with answering("first_alarm", _nan):
    alarm = first_alarm(scenario)
print("Your first alarm on concept_drift (seed 0):", alarm)
check_true(alarm is not None, "no alarm at all: watch for a decrease (direction=\"decrease\"), "
           "fit on the reference chunks, and lower the threshold if it is still silent",
           name="first_alarm on concept_drift", success="An alarm is raised.")
check_true(alarm >= _start, "the alarm comes before the change: raise the threshold",
           name="first_alarm not too early", success="The alarm does not come before the change.")
check_true(alarm <= _start + 3, "the alarm comes more than 3 batches late: lower the threshold",
           name="first_alarm in time", success="The alarm comes within 3 batches.")
# A shorter history: concept_drift (seed 2) from week 8 on, so the change is in its third week.
_s2 = make("concept_drift", seed=2)
_short = SimpleNamespace(reference=_s2.reference, production=_s2.production.query("batch >= 8"),
                         threshold=_s2.threshold, truth=_s2.truth)
with answering("first_alarm", _nan):
    _early = first_alarm(_short)
check_true(_early is not None and 10 <= _early <= 13,
           "on a stream that changes in its third week the alarm must come within 3 batches: "
           "fit on the reference chunks and leave min_samples at its default (no burn-in after fit)",
           name="first_alarm on a change in week 3", success="The alarm comes in time there too.")
### BEGIN HIDDEN TESTS (trusted)
for _name, _seed in [("concept_drift", 0), ("concept_drift", 2), ("label_delay", 2)]:
    _s = make(_name, seed=_seed)
    _begin = int(_s.truth[_s.truth["kind"] == "concept_drift"]["start_batch"].iloc[0])
    _got = learner.evaluate("first_alarm(_s)", setup=[f"_s = make({_name!r}, seed={_seed})"])
    expect_true(_got is not None and _begin <= _got <= _begin + 3,
                f"first_alarm on {_name} (seed {_seed}): alarm within 3 batches after the change; "
                "drop batches without labels")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "alarm-quiet-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from types import SimpleNamespace

from modellab.checks import answering, check_true

_stable = make("stable", seed=0)
# the same calm world with its weeks numbered 100..119: every alarm must name one of them
_renumbered = SimpleNamespace(reference=_stable.reference, threshold=_stable.threshold,
                              production=_stable.production.assign(batch=lambda d: d["batch"] + 100),
                              truth=_stable.truth)
with answering("first_alarm", {ValueError: "drop the batches whose ROC-AUC is missing"}):
    quiet = first_alarm(_stable)
    _moved = first_alarm(_renumbered)
print("Your first alarm on stable (seed 0):", quiet)
check_true(_moved is None or _moved >= 100,
           "your function ignores its argument (on weeks numbered from 100 it names another "
           "world's week): use the `scenario` passed in, not the global one",
           name="first_alarm uses its argument", success="first_alarm uses its argument.")
check_true(quiet is None,
           "a stable world has nothing to find: fit the detector on the reference chunks and "
           "raise the threshold until it stays quiet",
           name="first_alarm on stable", success="No false alarm on the stable world.")
### BEGIN HIDDEN TESTS (trusted)
for _seed, _weeks in [(0, 20), (1, 20), (3, 20), (0, 60)]:
    _got = learner.evaluate("first_alarm(_s)", setup=[f"_s = make('stable', seed={_seed}, n_batches={_weeks})"])
    expect_true(_got is None, f"first_alarm on stable (seed {_seed}, {_weeks} weeks): no alarm on a "
                "stable world: fit on the reference period and keep the threshold high enough "
                "for long calm streams")
### END HIDDEN TESTS

# %% [markdown]
# ## Part D · Decisions
#
# Set each answer to the letter of your choice, e.g. `d1 = "a"`.
#
# **D1.** For three weeks the input drift checks are all green, but ROC-AUC on the labelled
# batches has fallen from 0.80 to 0.65, and the confidence intervals no longer overlap the
# reference. What is happening, and what do you do?
#
# - **a)** Noise: the inputs have not changed, so wait a few more batches before acting.
# - **b)** Concept drift: plan a retrain on recent labels; tighten decisions meanwhile.
# - **c)** A bug in the input feed: ask engineering to fix the pipeline before anything else.
# - **d)** Retrain on the original training data to bring the old performance back.

# %% nbgrader={"grade": false, "grade_id": "d1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
d1 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(d1, "abcd", "55d939bfcecb181b", name="D1",
           hint="the inputs look the same but the outcomes do not: which link has changed?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("d1"), "b", "D1")
### END HIDDEN TESTS

# %% [markdown]
# **D2.** Outcomes arrive 4 weeks late. Two weeks ago the mean score and the flag rate jumped,
# and debt-to-income drifted. Your director asks for this week's status. What do you report?
#
# - **a)** This week's ROC-AUC and recall, computed on the predictions as every week.
# - **b)** Nothing yet: without outcomes there is no evidence either way, so wait the full four weeks.
# - **c)** That the model is broken and must be switched off today, before losses appear.
# - **d)** Performance to the last labelled week, and an early warning that applicants changed.

# %% nbgrader={"grade": false, "grade_id": "d2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
d2 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(d2, "abcd", "4699f4058dfb8654", name="D2",
           hint="what do you know for sure (labelled weeks), and what is only an early signal?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("d2"), "d", "D2")
### END HIDDEN TESTS

# %% [markdown]
# **D3.** In a downturn the default rate rose from 11% to 19%. ROC-AUC is unchanged, precision
# even rose, but the calibration curve now sits well above the diagonal. What is the cheapest
# sound fix?
#
# - **a)** Recalibrate the probabilities to the new default rate and revisit the threshold.
# - **b)** Rebuild the model with new features, since its scores no longer mean the same thing.
# - **c)** Nothing: ROC-AUC is unchanged and precision went up, so the model is healthy.
# - **d)** Retrain from scratch on the downturn months only, then redeploy the new model.

# %% nbgrader={"grade": false, "grade_id": "d3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d3 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
d3 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(d3, "abcd", "12838baf4259bfd7", name="D3",
           hint="the ranking (ROC-AUC) is intact; only the probability scale moved")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("d3"), "a", "D3")
### END HIDDEN TESTS

# %% [markdown]
# **D4.** The team proposes lowering the Page-Hinkley threshold from 8 to 2 "to be safe".
# What should you expect?
#
# - **a)** Fewer false alarms, and real drops are flagged later than before.
# - **b)** Nothing changes: the threshold only changes how the chart is drawn.
# - **c)** Real drops are flagged sooner, but calm weeks raise more false alarms.
# - **d)** Real drops are flagged sooner, and false alarms stay as rare as they were before.

# %% nbgrader={"grade": false, "grade_id": "d4-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
d4 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
d4 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d4-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(d4, "abcd", "94ae03e55729429b", name="D4",
           hint="a lower threshold means less evidence is needed before an alarm: in calm weeks too")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("d4"), "c", "D4")
### END HIDDEN TESTS

# %% [markdown]
# # Exercise 01 · Performance metrics for a credit model
#
# This exercise goes with lesson `02_performance_metrics`. You will:
#
# - **Part A** — compute precision, recall and F1 from a week's confusion counts, and see the
#   accuracy paradox in real numbers (6 points);
# - **Part B** — choose the cheapest decision threshold that meets a recall target, and put a
#   price on that target (6 points);
# - **Part C** — answer three decision questions a credit-risk manager faces (3 points).
#
# After each answer, run the **check cell** below it: ✅ means that answer is right (the check
# compares it with a fingerprint of the right value, so the cell does not show the answer);
# ❌ comes with a hint and says which cell to change. Graded tests also call your functions on
# data you have not seen, so write code that computes the answer rather than typing numbers in.
# Check cells are **locked** (🔒): they are graded exactly as written, so edit the answer cell
# above them instead.
#
# Total: 15 points, about 30 minutes.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import pandas as pd

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab import metrics
from modellab.scenarios import make

scenario = make("stable", seed=1)
reference = scenario.reference      # 5,000 labelled applications from the validation period
week = scenario.batch(5)            # one production week: 1,000 applications, outcomes known
THRESHOLD = scenario.threshold      # the model declines applications with score >= 0.20
print(f"week 5: {len(week):,} applications, default rate {week['default'].mean():.1%}")

# %% [markdown]
# ## Part A · From confusion counts to metrics
#
# The four confusion counts of week 5 at the model's threshold (positive = default):

# %% nbgrader={"grade": false, "grade_id": "counts", "locked": true, "schema_version": 3, "solution": false, "task": false}
counts = metrics.confusion_counts(week["default"], week["score"], threshold=THRESHOLD)
tn, fp, fn, tp = counts.tn, counts.fp, counts.fn, counts.tp
print(f"tn={tn}  fp={fp}  fn={fn}  tp={tp}")

# %% [markdown]
# **A1 (4 points).** Complete the function `precision_recall_f1(tn, fp, fn, tp)`: it returns the
# tuple `(precision, recall, f1)` computed from the four counts. Write the formulas yourself
# (do not call `modellab.metrics` inside it); the grader also calls your function on counts
# from other weeks.

# %% nbgrader={"grade": false, "grade_id": "a1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def precision_recall_f1(tn, fp, fn, tp):
    """Return (precision, recall, f1) for the positive class from the four confusion counts."""
    ### BEGIN SOLUTION
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a1-check", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("precision_recall_f1"):
    result = precision_recall_f1(tn, fp, fn, tp)
    result_small = precision_recall_f1(50, 10, 30, 10)
check_true(result is not None and np.ndim(result) == 1 and len(result) == 3,
           "return a tuple of three numbers, in the order (precision, recall, f1)",
           name="precision_recall_f1 returns (precision, recall, f1)",
           success="precision_recall_f1 returns three values.")
check_digest(result, "7311a94f6cd4836b", "(precision, recall, f1) for week 5", bounds=(0, 1),
             hint="precision divides tp by the predicted defaults, recall by the actual defaults",
             mistakes={
                 "eae9ec4168653b69": "you swapped precision and recall: precision divides tp by the flagged (tp + fp)",
                 "e630b1f96bafd0e5": "F1 is the harmonic mean 2·p·r / (p + r), not the average",
                 "e39ba7338aacb8fc":
                     "precision divides tp by tp + fp only (the predicted defaults)",
             })
check_digest(result_small, "e9c931a081a141d8", "precision_recall_f1(50, 10, 30, 10)",
             hint="compute from the four counts passed in, in the order tn, fp, fn, tp",
             mistakes={"c1a97b2b74f1331e": "your function ignores its arguments: use the tn, fp, "
                                                  "fn, tp it is given, not week 5's variables",
                        "c50e4126a83c37e6": "you swapped precision and recall"})
week_precision, week_recall, week_f1 = result
### BEGIN HIDDEN TESTS (trusted)
expected = metrics.classification_summary(week["default"], week["score"], threshold=THRESHOLD)
expect_close(learner.call("precision_recall_f1", tn, fp, fn, tp),
             expected[["precision", "recall", "f1"]].to_numpy(dtype=float),
             "precision_recall_f1 on week 5",
             hint="precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = their harmonic mean")
for seed, number in [(11, 3), (23, 7)]:
    other = make("stable", seed=seed).batch(number)
    c = metrics.confusion_counts(other["default"], other["score"], threshold=THRESHOLD)
    s = metrics.classification_summary(other["default"], other["score"], threshold=THRESHOLD)
    expect_close(learner.call("precision_recall_f1", c.tn, c.fp, c.fn, c.tp),
                 s[["precision", "recall", "f1"]].to_numpy(dtype=float),
                 "precision_recall_f1 on a week you have not seen")
expect_close(learner.call("precision_recall_f1", 50, 10, 30, 10), [0.5, 0.25, 1 / 3],
             "precision_recall_f1(50, 10, 30, 10)")
### END HIDDEN TESTS

# %% [markdown]
# **A2 (2 points).** The accuracy paradox in numbers. Compute, on week 5:
#
# - `accuracy_model`: the share of applications the model classifies correctly;
# - `accuracy_never`: the accuracy of a "model" that **never** predicts default (approves
#   everyone).
#
# You can use the counts above (or `metrics.classification_summary`).

# %% nbgrader={"grade": false, "grade_id": "a2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
accuracy_model = ...
accuracy_never = ...
### BEGIN SOLUTION
accuracy_model = (tp + tn) / (tn + fp + fn + tp)
accuracy_never = (tn + fp) / (tn + fp + fn + tp)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest

check_digest(accuracy_model, "440749b3f2d7bf2d", "accuracy_model", bounds=(0, 1),
             hint="correct decisions are the true negatives plus the true positives, over all four counts",
             mistakes={"e5468a3e8db0c9b9": "that is the specificity (good customers "
                                                                  "approved): accuracy counts tp + tn over all",
                        "5abd0724ffd9e883": "that is the recall: accuracy counts tp + tn over all",
                        "ac8e57661668bf23": "that is the error rate: count the correct decisions"})
check_digest(accuracy_never, "a15a863779e46a4b", "accuracy_never", bounds=(0, 1),
             hint="approving everyone is right for every borrower who repaid",
             mistakes={"b08671a254974e92": "that is the default rate: approving everyone "
                                                                  "is right for those who repaid",
                        "d8754765d0a5f176": "that is the model's accuracy: 'never default' "
                                                                  "predicts no default for everyone"})
### BEGIN HIDDEN TESTS (trusted)
expect_close(learner.value("accuracy_model"), counts.accuracy, "accuracy_model",
             hint="correct decisions are the true negatives plus the true positives")
expect_close(learner.value("accuracy_never"), 1 - week["default"].mean(), "accuracy_never",
             hint="approving everyone is right for every borrower who repaid")
other = make("stable", seed=11).batch(3)
c = metrics.confusion_counts(other["default"], other["score"], threshold=THRESHOLD)
expect_close(learner.rerun(["accuracy_model", "accuracy_never"],
                           setup=["week = make('stable', seed=11).batch(3)",
                                  "counts = metrics.confusion_counts(week['default'], week['score'],"
                                  " threshold=THRESHOLD)",
                                  "tn, fp, fn, tp = counts.tn, counts.fp, counts.fn, counts.tp"]),
             [c.accuracy, 1 - other["default"].mean()],
             "accuracy_model and accuracy_never on a week you have not seen",
             hint="compute them from the counts (or the week's data) rather than typing numbers in")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · A threshold that meets a recall target at the least cost
#
# The risk committee wants the model to **catch at least 70% of defaults** (recall ≥ 0.70). Each
# error has a cost, for an average loan:
#
# - a declined good customer (false positive) costs `COST_FP = 1_800` in lost interest;
# - an approved default (false negative) costs `COST_FN = 7_200` in lost capital.

# %% nbgrader={"grade": false, "grade_id": "costs", "locked": true, "schema_version": 3, "solution": false, "task": false}
COST_FP, COST_FN = 1_800, 7_200

# %% [markdown]
# **B1 (4 points).** Complete `cheapest_threshold(y_true, y_score, min_recall)`: among the
# thresholds 0.00, 0.01, …, 1.00, return the one with the **lowest total cost**
# (`COST_FP * fp + COST_FN * fn`) whose recall is at least `min_recall` (the lowest such
# threshold if several tie). `metrics.threshold_table(y_true, y_score, cost_fp=..., cost_fn=...)`
# gives one row per threshold with the columns you need. Return a plain number.
#
# Then set `chosen_threshold` to your function's answer on the **reference period**
# (`reference["default"]`, `reference["score"]`) for a recall target of 0.70.

# %% nbgrader={"grade": false, "grade_id": "b1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cheapest_threshold(y_true, y_score, min_recall):
    """Cheapest threshold (COST_FP per false positive, COST_FN per false negative) with recall >= min_recall."""
    ### BEGIN SOLUTION
    table = metrics.threshold_table(y_true, y_score, cost_fp=COST_FP, cost_fn=COST_FN)
    meets_target = table[table["recall"] >= min_recall]
    return float(meets_target.loc[meets_target["cost"].idxmin(), "threshold"])
    ### END SOLUTION


chosen_threshold = ...
### BEGIN SOLUTION
chosen_threshold = cheapest_threshold(reference["default"], reference["score"], 0.70)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b1-check", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest

_not_in_table = "return a value of the table's 'threshold' column, not a cost or a row number"
check_digest(chosen_threshold, "2191102e424be322", "chosen_threshold", bounds=(0, 1),
             hint=_not_in_table,
             mistakes={"536b3e18680ebf42": "that is the cheapest threshold with no target: keep "
                                                           "only rows whose recall is at least 0.70 first",
                        "da55aa19c27475d0": "that is the lowest threshold that meets the target; "
                                                             "among those, take the one with the lowest cost"})
with answering("cheapest_threshold"):
    _other_target = cheapest_threshold(reference["default"], reference["score"], 0.8)
check_digest(_other_target, "fe4782eacb1a1093", "cheapest_threshold(reference, min_recall=0.8)", hint=_not_in_table,
             mistakes={"8ce90b6c3aa85658": "your function ignores min_recall: filter on the target it is given",
                        "bbad9263e79ee6f3": "keep only rows whose recall is at least min_recall"})
### BEGIN HIDDEN TESTS (trusted)
best = metrics.best_threshold(reference["default"], reference["score"], cost_fp=COST_FP,
                              cost_fn=COST_FN, min_recall=0.70)
expect_close(learner.value("chosen_threshold"), best.threshold, "chosen_threshold",
             hint="among the thresholds that meet the 0.70 recall target, take the one with the lowest cost")
for seed, target in [(11, 0.60), (23, 0.80)]:
    other_ref = make("stable", seed=seed).reference
    best2 = metrics.best_threshold(other_ref["default"], other_ref["score"], cost_fp=COST_FP,
                                   cost_fn=COST_FN, min_recall=target)
    expect_close(learner.call("cheapest_threshold", other_ref["default"], other_ref["score"], target),
                 best2.threshold, f"cheapest_threshold on a portfolio you have not seen (target {target})",
                 hint="keep the rows that meet the recall target, then take the lowest cost")
other_ref = make("stable", seed=7).reference  # its cheapest threshold differs from week 5's
best3 = metrics.best_threshold(other_ref["default"], other_ref["score"], cost_fp=COST_FP,
                               cost_fn=COST_FN, min_recall=0.70)
expect_close(learner.rerun("chosen_threshold",
                           setup="reference = make('stable', seed=7).reference"),
             best3.threshold, "chosen_threshold on a portfolio you have not seen",
             hint="set chosen_threshold by calling your function, not by typing the number in")
### END HIDDEN TESTS

# %% [markdown]
# **B2 (2 points).** What does the target cost? Set `price_of_target` to the total cost on the
# reference period at `chosen_threshold` **minus** the total cost at the cheapest threshold
# with **no** recall target. (Hint: `metrics.best_threshold(..., cost_fp=..., cost_fn=...)`
# returns the cheapest threshold and its `.cost`; the table gives the cost at any threshold.)

# %% nbgrader={"grade": false, "grade_id": "b2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
price_of_target = ...
### BEGIN SOLUTION
table = metrics.threshold_table(reference["default"], reference["score"],
                                cost_fp=COST_FP, cost_fn=COST_FN)
cost_at_chosen = table.loc[np.isclose(table["threshold"], chosen_threshold), "cost"].iloc[0]
cheapest = metrics.best_threshold(reference["default"], reference["score"],
                                  cost_fp=COST_FP, cost_fn=COST_FN)
price_of_target = cost_at_chosen - cheapest.cost
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest

check_digest(price_of_target, "02760140de9cb7d2", "price_of_target", digits=0,
             hint="cost at chosen_threshold minus the cost at the cheapest threshold without a target",
             mistakes={"be4c73e4f41a2170": "subtract the other way round: a target "
                                                                      "can only make the cheapest choice dearer",
                        "8827f1a110e1040d": "that is the total cost at your threshold: "
                                                                       "subtract the cost with no target"})
### BEGIN HIDDEN TESTS (trusted)
with_target = metrics.best_threshold(reference["default"], reference["score"], cost_fp=COST_FP,
                                     cost_fn=COST_FN, min_recall=0.70)
free = metrics.best_threshold(reference["default"], reference["score"], cost_fp=COST_FP,
                              cost_fn=COST_FN)
expect_close(learner.value("price_of_target"), with_target.cost - free.cost, "price_of_target",
             tol=0.5, hint="the cost at the cheapest threshold that meets the 0.70 target, minus "
                           "the cost at the cheapest threshold with no target")
other_ref = make("stable", seed=11).reference
with_target2 = metrics.best_threshold(other_ref["default"], other_ref["score"], cost_fp=COST_FP,
                                      cost_fn=COST_FN, min_recall=0.70)
free2 = metrics.best_threshold(other_ref["default"], other_ref["score"], cost_fp=COST_FP,
                               cost_fn=COST_FN)
expect_close(learner.rerun("price_of_target",
                           setup="reference = make('stable', seed=11).reference",
                           chosen_threshold=float(with_target2.threshold)),
             with_target2.cost - free2.cost, "price_of_target on a portfolio you have not seen",
             tol=0.5, hint="compute it from the costs rather than typing the number in")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · Decisions for a credit-risk manager
#
# Set each answer to the letter of your choice, e.g. `q1 = "a"`, and run its check cell.
#
# **Q1.** In Part A the model's accuracy is *lower* than that of a rule that approves everyone.
# What does this mean for the lender?
#
# - **a)** Approving everyone makes fewer mistakes, so switching the model off would cut losses.
# - **b)** Accuracy should be replaced by ROC-AUC, which counts each mistake the same way.
# - **c)** Accuracy hides the rare defaults: judge by recall, precision and cost of errors.
# - **d)** One week is a fluke: accuracy will be back above the simple rule next week.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q1 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q1, "abcd", "8df5900ad393cb5b", name="Q1",
           hint="compare how many defaults each rule catches, and what a missed default costs")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q1"), "c", "Q1")
### END HIDDEN TESTS

# %% [markdown]
# **Q2.** A missed default costs the lender four times as much as a declined good customer.
# Which number should the credit-risk manager watch most closely each month?
#
# - **a)** Recall on defaults, together with the money cost of the errors.
# - **b)** Accuracy, because it weighs every kind of mistake in a single number.
# - **c)** Precision, because declined good customers complain the loudest.
# - **d)** The share of applications declined, since it drives the lender's revenue.

# %% nbgrader={"grade": false, "grade_id": "q2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q2 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q2, "abcd", "8b869ee012e9f2d4", name="Q2",
           hint="which mistake costs four times more, and which number counts it?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q2"), "a", "Q2")
### END HIDDEN TESTS

# %% [markdown]
# **Q3.** This week's recall is 0.47, with a 95% confidence interval from 0.37 to 0.57 (1,000
# loans). Last quarter's recall was 0.52. What do you tell the board?
#
# - **a)** Recall fell by 5 points this week, so the model is degrading and needs retraining.
# - **b)** The interval says recall will stay between 0.37 and 0.57 over the coming weeks.
# - **c)** The fall is significant, because 0.47 lies below last quarter's value of 0.52.
# - **d)** No evidence of a change: 0.52 is inside the interval; keep watching, pool weeks.

# %% nbgrader={"grade": false, "grade_id": "q3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q3 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q3 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q3, "abcd", "b9d97d901f59d598", name="Q3",
           hint="is last quarter's 0.52 inside or outside this week's interval?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q3"), "d", "Q3")
### END HIDDEN TESTS

# %% [markdown]
# ## Done
#
# Use *Kernel → Restart Kernel and Run All Cells…* once to make sure everything runs from top to
# bottom, then save. What counts is what the notebook computes, not what you ran along the way.

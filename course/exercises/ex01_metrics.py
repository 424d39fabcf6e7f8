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
# After each answer, run the **check cell** below it: ✅ means your answer looks right so far;
# ❌ comes with a hint. More tests run when your work is graded (on data you have not seen, so
# write code that computes the answer rather than typing numbers in).
#
# Total: 15 points, about 30 minutes.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import pandas as pd

from modellab import metrics
from modellab.checks import answering, check_choice, check_close, check_in_range, check_true
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
with answering("precision_recall_f1"):
    result = precision_recall_f1(tn, fp, fn, tp)
check_true(result is not None and np.ndim(result) == 1 and len(result) == 3,
           "return three numbers, in this order: return precision, recall, f1",
           name="precision_recall_f1 returns (precision, recall, f1)",
           success="precision_recall_f1 returns three values.")
week_precision, week_recall, week_f1 = result
check_in_range(week_precision, 0, 1, "precision", hint="divide the true positives by a count")
check_in_range(week_recall, 0, 1, "recall", hint="divide the true positives by a count")
check_true(min(week_precision, week_recall) <= week_f1 <= max(week_precision, week_recall),
           "F1 is the harmonic mean of precision and recall, so it lies between them",
           name="F1", success="F1 lies between precision and recall, as it should.")
### BEGIN HIDDEN TESTS
expected = metrics.classification_summary(week["default"], week["score"], threshold=THRESHOLD)
check_close(result, expected[["precision", "recall", "f1"]].to_numpy(dtype=float),
            "(precision, recall, f1) for week 5", tol=1e-9)
other = make("stable", seed=11).batch(3)
c2 = metrics.confusion_counts(other["default"], other["score"], threshold=THRESHOLD)
expected2 = metrics.classification_summary(other["default"], other["score"], threshold=THRESHOLD)
with answering("precision_recall_f1 (called on another week)"):
    result2 = precision_recall_f1(c2.tn, c2.fp, c2.fn, c2.tp)
check_close(result2, expected2[["precision", "recall", "f1"]].to_numpy(dtype=float),
            "precision_recall_f1 on another week", tol=1e-9)
check_close(precision_recall_f1(50, 10, 30, 10), [0.5, 0.25, 1 / 3],
            "precision_recall_f1(50, 10, 30, 10)", tol=1e-9)
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
check_in_range(accuracy_model, 0.5, 1, "accuracy_model",
               hint="correct decisions are the true negatives plus the true positives")
check_in_range(accuracy_never, 0.5, 1, "accuracy_never",
               hint="approving everyone is right for every borrower who repaid")
### BEGIN HIDDEN TESTS
check_close(accuracy_model, counts.accuracy, "accuracy_model", tol=1e-9)
check_close(accuracy_never, 1 - week["default"].mean(), "accuracy_never", tol=1e-9)
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
check_in_range(chosen_threshold, 0, 1, "chosen_threshold",
               hint="return a threshold from the table's 'threshold' column, not a cost or a row number")
reached = metrics.confusion_counts(reference["default"], reference["score"],
                                   threshold=float(chosen_threshold)).recall
check_true(reached >= 0.70,
           "at your threshold the model catches fewer than 70% of defaults: keep only the rows "
           "whose recall is at least the target before looking for the lowest cost",
           name="recall target", success="Your threshold meets the recall target.")
### BEGIN HIDDEN TESTS
best = metrics.best_threshold(reference["default"], reference["score"], cost_fp=COST_FP,
                              cost_fn=COST_FN, min_recall=0.70)
check_close(chosen_threshold, best.threshold, "chosen_threshold", tol=1e-9,
            hint="among the thresholds that meet the target, take the one with the lowest cost")
other_ref = make("stable", seed=11).reference
best2 = metrics.best_threshold(other_ref["default"], other_ref["score"], cost_fp=COST_FP,
                               cost_fn=COST_FN, min_recall=0.60)
with answering("cheapest_threshold"):
    answer2 = cheapest_threshold(other_ref["default"], other_ref["score"], 0.60)
check_close(answer2, best2.threshold, "cheapest_threshold on another portfolio (target 0.60)",
            tol=1e-9)
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
check_in_range(price_of_target, 0, 1e9, "price_of_target",
               hint="a target can only make the cheapest choice more expensive: subtract the "
                    "cost without a target from the cost with it")
### BEGIN HIDDEN TESTS
with_target = metrics.best_threshold(reference["default"], reference["score"], cost_fp=COST_FP,
                                     cost_fn=COST_FN, min_recall=0.70)
free = metrics.best_threshold(reference["default"], reference["score"], cost_fp=COST_FP,
                              cost_fn=COST_FN)
check_close(price_of_target, with_target.cost - free.cost, "price_of_target", tol=0.5,
            hint="use the cost at the cheapest threshold that meets the 0.70 target")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · Decisions for a credit-risk manager
#
# Set each answer to the letter of your choice, e.g. `q1 = "a"`, and run its check cell.
#
# **Q1.** In Part A the model's accuracy is *lower* than that of a rule that approves everyone.
# What does this mean for the lender?
#
# - a. The model is worse than useless: switch it off and approve everyone.
# - b. Accuracy is the wrong yardstick when defaults are rare: approving everyone catches no
#   defaults at all. Judge the model by recall, precision and the cost of its errors.
# - c. The week's data must be broken, because a model cannot lose to such a simple rule.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q1 = ...  # "a", "b" or "c"
### BEGIN SOLUTION
q1 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
Q1_OPTIONS = {
    "a": "switch the model off and approve everyone",
    "b": "accuracy is the wrong yardstick; judge by recall, precision and cost",
    "c": "the data must be broken",
}
check_choice(q1, Q1_OPTIONS, name="Q1")
### BEGIN HIDDEN TESTS
check_choice(q1, Q1_OPTIONS, "b", name="Q1")
### END HIDDEN TESTS

# %% [markdown]
# **Q2.** A missed default costs the lender four times as much as a declined good customer.
# Which number should the credit-risk manager watch most closely each month?
#
# - a. Accuracy, because it counts every kind of mistake.
# - b. Precision alone, because declined customers complain the loudest.
# - c. Recall on defaults together with the money cost of errors (with ROC-AUC to check the
#   model still ranks risk well).

# %% nbgrader={"grade": false, "grade_id": "q2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q2 = ...  # "a", "b" or "c"
### BEGIN SOLUTION
q2 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
Q2_OPTIONS = {
    "a": "accuracy",
    "b": "precision alone",
    "c": "recall on defaults with the cost of errors (and ROC-AUC)",
}
check_choice(q2, Q2_OPTIONS, name="Q2")
### BEGIN HIDDEN TESTS
check_choice(q2, Q2_OPTIONS, "c", name="Q2")
### END HIDDEN TESTS

# %% [markdown]
# **Q3.** This week's recall is 0.47, with a 95% confidence interval from 0.37 to 0.57 (1,000
# loans). Last quarter's recall was 0.52. What do you tell the board?
#
# - a. This week is consistent with no change: the interval easily contains last quarter's
#   level. One week of 1,000 loans cannot detect a change this small; we keep watching and
#   pool several weeks.
# - b. Recall fell by 5 points this week: the model is degrading and must be retrained.
# - c. The interval proves the model will stay between 0.37 and 0.57 from now on.

# %% nbgrader={"grade": false, "grade_id": "q3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q3 = ...  # "a", "b" or "c"
### BEGIN SOLUTION
q3 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
Q3_OPTIONS = {
    "a": "consistent with no change; keep watching and pool weeks",
    "b": "recall fell; retrain",
    "c": "the interval is a forecast of future recall",
}
check_choice(q3, Q3_OPTIONS, name="Q3")
### BEGIN HIDDEN TESTS
check_choice(q3, Q3_OPTIONS, "a", name="Q3")
### END HIDDEN TESTS

# %% [markdown]
# ## Done
#
# Use *Kernel → Restart Kernel and Run All Cells…* once to make sure everything runs from top to
# bottom, then save. What counts is what the notebook computes, not what you ran along the way.

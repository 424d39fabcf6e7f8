# %% [markdown]
# # Exercise 09 · Performance before the labels arrive
#
# This exercise goes with lesson `05_performance_estimation`. You will:
#
# - **Part A** — compute a week's expected confusion matrix from calibrated scores by hand, and
#   check it against `modellab.estimate` (6 points);
# - **Part B** — decide from estimated performance alone when to escalate (4 points);
# - **Part C** — answer a manager's question on the method's blind spot (1 + 2 points; the
#   written answer is graded by your instructor).
#
# After each answer, run the **check cell** below it: ✅ means that answer is right (the check
# compares it with a fingerprint of the right value, so the cell does not show the answer);
# ❌ comes with a hint. Graded tests also call your functions on data you have not seen, so
# write code that computes the answer rather than typing numbers in. Check cells are
# **locked** (🔒): edit the answer cell above them instead.
#
# Total: 13 points, about 30 minutes.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import pandas as pd

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab.estimate import PerformanceEstimator
from modellab.scenarios import make

scenario = make("covariate_shift_delayed", seed=4)  # a world you have not seen in the lesson
THRESHOLD = scenario.threshold                      # flag (decline) when score >= 0.20
estimator = PerformanceEstimator(threshold=THRESHOLD, chunk_size=scenario.batch_size)
estimator.fit(scenario.reference)                   # calibration (chosen by cross-validation) + bands
week = scenario.batch(14)                           # 1,000 applications, outcomes not known yet
p = estimator.calibrate(week["score"])              # calibrated probability of default per loan
flagged = (week["score"] >= THRESHOLD).to_numpy()   # True where the model declines
print(f"week 14: {len(week):,} applications, {week['default'].notna().sum()} outcomes known, "
      f"{flagged.sum()} flagged")

# %% [markdown]
# ## Part A · The expected confusion matrix
#
# **A1 (3 points).** Complete `expected_confusion(p, flagged)`: given the calibrated default
# probabilities `p` and the model's decisions `flagged` (True = predicted default), return the
# tuple `(tn, fp, fn, tp)` of **expected** counts. A flagged loan is a true positive with
# probability `p` and a false positive with probability `1 - p`; an accepted loan is a false
# negative with probability `p` and a true negative with probability `1 - p`. Use numpy; do not
# call `modellab.estimate` inside it.

# %% nbgrader={"grade": false, "grade_id": "a1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def expected_confusion(p, flagged):
    """Expected (tn, fp, fn, tp) from calibrated probabilities and boolean decisions."""
    ### BEGIN SOLUTION
    p = np.asarray(p, dtype=float)
    flagged = np.asarray(flagged, dtype=bool)
    tn = float((1 - p)[~flagged].sum())
    fp = float((1 - p)[flagged].sum())
    fn = float(p[~flagged].sum())
    tp = float(p[flagged].sum())
    return tn, fp, fn, tp
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a1-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("expected_confusion", {IndexError: "compute from the p and flagged passed in, not the notebook's week"}):
    week_counts = expected_confusion(p, flagged)
    small_counts = expected_confusion(np.array([0.1, 0.5, 0.8]), np.array([False, True, True]))
check_true(week_counts is not None and np.ndim(week_counts) == 1 and len(week_counts) == 4,
           "give back the four expected counts as a tuple, in the order (tn, fp, fn, tp)",
           name="expected_confusion returns (tn, fp, fn, tp)",
           success="expected_confusion returns four values.")
check_digest(week_counts, "f99ca84fe224ad51", "expected_confusion for week 14", digits=2,
             hint="flagged loans give tp (sum of p) and fp (sum of 1 - p); accepted loans give fn and tn",
             mistakes={"5166076b474968f2": "you swapped fp and fn: a false positive is a *flagged* loan "
                                    "that repays (1 - p)",
                       "c658d1653a926bf6": "return the counts in the order (tn, fp, fn, tp)"})
check_digest(small_counts, "b728fa801b5a4707", "expected_confusion on three loans", digits=4,
             hint="compute from the p and flagged passed in")
### BEGIN HIDDEN TESTS (trusted)
from modellab.estimate import expected_metrics


def _oracle(probs, decisions):
    probs, decisions = np.asarray(probs, float), np.asarray(decisions, bool)
    draws = np.random.default_rng(0).random((20000, probs.size)) < probs  # simulated outcomes
    return [float(np.mean((~draws & ~decisions).sum(axis=1))), float(np.mean((~draws & decisions).sum(axis=1))),
            float(np.mean((draws & ~decisions).sum(axis=1))), float(np.mean((draws & decisions).sum(axis=1)))]

summary = expected_metrics(estimator.summarise(week), estimator.positive_from_)
expect_close(learner.call("expected_confusion", p, flagged),
             [summary["tn"], summary["fp"], summary["fn"], summary["tp"]],
             "expected_confusion on week 14", tol=1e-6,
             hint="tn, fp, fn, tp in this order: flagged loans give tp and fp")
rng = np.random.default_rng(7)
probs = rng.beta(1.5, 6.0, 40)
decisions = rng.random(40) < 0.3
expect_close(learner.call("expected_confusion", probs, decisions), _oracle(probs, decisions),
             "expected_confusion on loans you have not seen", tol=0.5)
other = make("covariate_shift_delayed", seed=9)
other_est = PerformanceEstimator(threshold=THRESHOLD, chunk_size=1000).fit(other.reference)
other_week = other.batch(16)
s2 = expected_metrics(other_est.summarise(other_week), other_est.positive_from_)
expect_close(learner.call("expected_confusion", other_est.calibrate(other_week["score"]),
                          (other_week["score"] >= THRESHOLD).to_numpy()),
             [s2["tn"], s2["fp"], s2["fn"], s2["tp"]], "expected_confusion on another week", tol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# **A2 (2 points).** Complete `expected_precision_recall(p, flagged)`: return
# `(precision, recall)` computed from your expected counts (precision = tp / (tp + fp), recall =
# tp / (tp + fn)). These are the estimates a monitor would report for week 14 today.

# %% nbgrader={"grade": false, "grade_id": "a2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def expected_precision_recall(p, flagged):
    """Estimated (precision, recall) of a week without labels."""
    ### BEGIN SOLUTION
    tn, fp, fn, tp = expected_confusion(p, flagged)
    return tp / (tp + fp), tp / (tp + fn)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest

with answering("expected_precision_recall"):
    week_pr = expected_precision_recall(p, flagged)
    small_pr = expected_precision_recall(np.array([0.1, 0.5, 0.8]), np.array([False, True, True]))
check_digest(week_pr, "87eb43a618481c74", "(precision, recall) for week 14", bounds=(0, 1),
             hint="precision divides tp by the flagged loans (tp + fp), recall by the expected "
                  "defaults (tp + fn)",
             mistakes={"ad23c644f207cbec": "you swapped precision and recall"})
check_digest(small_pr, "ef30bd014989c61b", "(precision, recall) on three loans", bounds=(0, 1),
             hint="compute from the p and flagged passed in (call expected_confusion(p, flagged))")
### BEGIN HIDDEN TESTS (trusted)
est = estimator.estimate(scenario.production).set_index(["batch", "metric"])["estimate"]
expect_close(learner.call("expected_precision_recall", p, flagged),
             [est[(14, "precision")], est[(14, "recall")]], "expected_precision_recall on week 14",
             tol=1e-6, hint="precision = tp / (tp + fp), recall = tp / (tp + fn)")
other = make("concept_drift_delayed", seed=2)
other_est = PerformanceEstimator(threshold=THRESHOLD, chunk_size=1000).fit(other.reference)
e2 = other_est.estimate(other.production).set_index(["batch", "metric"])["estimate"]
w2 = other.batch(17)
expect_close(learner.call("expected_precision_recall", other_est.calibrate(w2["score"]),
                          (w2["score"] >= THRESHOLD).to_numpy()),
             [e2[(17, "precision")], e2[(17, "recall")]],
             "expected_precision_recall on a week you have not seen", tol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# **A3 (1 point).** Check yourself against the package. `estimator.estimate(production)`
# returns one row per week and metric (columns `batch`, `metric`, `estimate`, `lower`, `upper`,
# `band_lower`, `band_upper`, `realized`, `alert`, ...). Set `estimates` to its result on
# `scenario.production`, and `package_pr` to the tuple `(precision, recall)` it estimates for
# week 14 (read them from `estimates`, do not type them in).

# %% nbgrader={"grade": false, "grade_id": "a3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
estimates = ...
package_pr = ...
### BEGIN SOLUTION
estimates = estimator.estimate(scenario.production)
row = estimates[estimates["batch"] == 14].set_index("metric")["estimate"]
package_pr = (row["precision"], row["recall"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest

check_digest(package_pr, "87eb43a618481c74", "(precision, recall) for week 14", bounds=(0, 1),
             hint="filter estimates on batch == 14, then read the 'estimate' of the precision "
                  "and recall rows")
### BEGIN HIDDEN TESTS (trusted)
est = estimator.estimate(scenario.production).set_index(["batch", "metric"])["estimate"]
expect_close(learner.value("package_pr"), [est[(14, "precision")], est[(14, "recall")]],
             "package_pr", tol=1e-9, hint="read the estimates of batch 14 from estimator.estimate(...)")
again = make("covariate_shift_delayed", seed=9)
again_est = PerformanceEstimator(threshold=THRESHOLD, chunk_size=1000).fit(again.reference)
e3 = again_est.estimate(again.production).set_index(["batch", "metric"])["estimate"]
expect_close(learner.rerun("package_pr",
                           setup=["scenario = make('covariate_shift_delayed', seed=9)",
                                  "estimator = PerformanceEstimator(threshold=THRESHOLD, "
                                  "chunk_size=1000).fit(scenario.reference)"]),
             [e3[(14, "precision")], e3[(14, "recall")]], "package_pr on a world you have not seen",
             tol=1e-9, hint="compute package_pr from estimator.estimate(...) rather than typing it in")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · Escalate or wait?
#
# Outcomes of this world arrive about eight weeks late. The risk committee's rule: **escalate
# when the estimated ROC-AUC has been below the reference band (`band_lower`) for two weeks in a
# row.** One week below could be bad luck; two in a row rarely is.
#
# **B1 (3 points).** Complete `escalation_week(estimates)`: given a frame like `estimates`,
# return the week (`batch`, as an `int`) in which the rule first fires — the *second* of the
# two weeks — or `None` if it never fires. Use only the `roc_auc` rows; weeks are in
# increasing order.

# %% nbgrader={"grade": false, "grade_id": "b1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def escalation_week(estimates):
    """First week closing two consecutive weeks of estimated ROC-AUC below the reference band."""
    ### BEGIN SOLUTION
    auc = estimates[estimates["metric"] == "roc_auc"].sort_values("batch")
    below = (auc["estimate"] < auc["band_lower"]).to_numpy()
    weeks = auc["batch"].to_numpy()
    for i in range(1, len(below)):
        if below[i] and below[i - 1]:
            return int(weeks[i])
    return None
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b1-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

toy = pd.DataFrame({"batch": [0, 1, 2, 3, 4, 5], "metric": "roc_auc",
                    "estimate": [0.80, 0.70, 0.79, 0.70, 0.69, 0.68], "band_lower": 0.72})
with answering("escalation_week", {KeyError: "the table's columns are batch, metric, estimate and band_lower"}):
    toy_week = escalation_week(toy)
    edge_week = escalation_week(toy.assign(batch=toy["batch"] + 10, estimate=[0.80, 0.72, 0.72, 0.70, 0.69, 0.80]))
    calm_week = escalation_week(toy.assign(estimate=0.80))
    this_world = escalation_week(estimates)
check_true(calm_week is None, "return None when the estimate never leaves the band",
           name="escalation_week on a calm world", success="escalation_week returns None on a calm world.")
check_digest(toy_week, "51d836cb99cb111e", "escalation_week on the toy table", digits=0,
             hint="week 1 is below the band alone; the rule needs two weeks in a row and returns the second",
             mistakes={"fbcd28862c1faba5": "return the second of the two weeks (the week the rule can fire)"})
check_digest(edge_week, "8747a091bc6a277b", "escalation_week with weeks on the band edge", digits=0,
             hint="below the band is estimate < band_lower; return the `batch` value, not the row position",
             mistakes={"a1e10d4782fa7c52": "an estimate equal to band_lower is inside the band: use <, not <="})
check_digest(this_world, "c47570b19c1ac833", "escalation_week(estimates)", digits=0,
             hint="use the roc_auc rows: estimate < band_lower in two consecutive weeks")
### BEGIN HIDDEN TESTS (trusted)
def _rule(frame):
    auc = frame[frame["metric"] == "roc_auc"].sort_values("batch")
    below = (auc["estimate"] < auc["band_lower"]).astype(int)
    both = (below + below.shift(1, fill_value=0)) == 2
    return int(auc["batch"][both].iloc[0]) if both.any() else None

for name, seed in [("covariate_shift_delayed", 4), ("covariate_shift_delayed", 11),
                   ("concept_drift_delayed", 5), ("stable", 6)]:
    world = make(name, seed=seed)
    frame = PerformanceEstimator(threshold=THRESHOLD, chunk_size=1000).fit(world.reference).estimate(
        world.production)
    expect_equal(learner.call("escalation_week", frame), _rule(frame),
                 f"escalation_week on the {name.replace('_', ' ')} world (seed {seed})",
                 hint="two consecutive weeks with estimate < band_lower on the roc_auc rows; "
                      "return the second week as an int, or None")
flicker = pd.DataFrame({"batch": [3, 4, 5, 6, 7], "metric": "roc_auc",
                        "estimate": [0.6, 0.8, 0.6, 0.8, 0.6], "band_lower": 0.7})
expect_equal(learner.call("escalation_week", flicker), None,
             "escalation_week when single weeks dip below the band", hint="one week alone is not enough")
### END HIDDEN TESTS

# %% [markdown]
# **B2 (1 point).** It is the week your rule fires. No outcome after the change has arrived yet.
# What do you tell the credit committee?
#
# - **a)** Nothing yet: without outcomes there is no evidence of harm, so we wait for the
#   default data before saying anything to the committee.
# - **b)** Estimated ranking quality is below its normal range (labels pending); we review the
#   new segment.
# - **c)** The model's ROC-AUC has fallen to the estimated value, so it must be retrained from
#   scratch this week.
# - **d)** The inputs drifted, so the model must be broken: switch it off and decide every
#   application by hand.

# %% nbgrader={"grade": false, "grade_id": "b2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
b2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
b2 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(b2, "abcd", "56944ec118e52621", name="B2",
           hint="an estimate is an early warning with an error bar, not a measurement")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("b2"), "b", "B2")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · The blind spot
#
# The head of lending reads your dashboard: "The estimated ROC-AUC has been flat for ten weeks.
# So the model is fine, and we can stop waiting for the default data?"
#
# **Q1 (1 point).** Which situation would this dashboard **not** show?
#
# - **a)** A marketing campaign that brings in applicants unlike the reference period.
# - **b)** A relief scheme that changes who defaults, while applicants look the same.
# - **c)** A pipeline bug that shifts every score upwards.
# - **d)** A broker channel sending applicants the model finds hard to rank.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q1 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q1, "abcd", "948c6241d43fda67", name="Q1",
           hint="the estimate reads only the scores: which change leaves the scores as they were?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q1"), "b", "Q1")
### END HIDDEN TESTS

# %% [markdown]
# **C2 (2 points, graded by your instructor).** Answer the head of lending in at most four
# sentences, without jargon: what the flat estimate does and does not tell, and why the default
# data are still needed.

# %% [markdown] nbgrader={"grade": true, "grade_id": "c2-written", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Your answer:**
#
# ### BEGIN SOLUTION
# *Model answer:* The flat estimate tells us that the mix of applicants has not changed in a way
# that hurts the model: it is computed from the model's own scores. It cannot see a change in
# *who* defaults among applicants who look the same — for example after a relief scheme or a
# plant closure — because the scores would not move. Only the actual defaults can show that, so
# we keep collecting them and compare them with the estimates as they arrive; if the two
# disagree, we stop trusting the estimate until the model is recalibrated or retrained.
# ### END SOLUTION

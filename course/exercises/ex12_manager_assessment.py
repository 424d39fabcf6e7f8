# %% [markdown]
# # Exercise 12 · The manager's assessment: read, decide, ask
#
# This assessment goes with lesson `12_capstone` and the manager's path. It needs **no code**:
# ten multiple-choice questions (1 point each, about 25 minutes) on reading figures, a
# stakeholder report and an alert history, and on the decisions a monitoring result calls for.
#
# **How to answer.** First run every cell once (menu *Run ▸ Run All Cells*): the code cells are
# **locked** (🔒) and only show the figures and tables the questions are about. Under each
# question is an **answer cell** listing four options, each with an empty box `- [ ]`.
# Double-click it, write an `x` in the box of your choice — `- [x] **b)** ...` — and press
# Shift+Enter. Tick exactly one box per question.
#
# Then **save the notebook** (Ctrl+S) and run the check cell under the answer: ✅ means your
# choice is saved and readable; it does not say whether the choice is right. The answers are
# marked when your instructor grades the assessment, from the saved notebook.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import pandas as pd

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab import metrics, plots
from modellab.monitor import Monitor
from modellab.report import executive_summary
from modellab.scenarios import make

plots.set_style()
concept = make("concept_drift", seed=0)          # model 1: the world changed, the inputs did not
concept_run = Monitor(concept.reference).run(concept.production, by="batch")
shift = make("covariate_shift_sudden", seed=0)   # model 2: the inputs changed
shift_run = Monitor(shift.reference).run(shift.production, by="batch")
fair = make("protected_group", seed=0)           # model 3: one quarter of loans
segments = fair.production.assign(age_group=pd.cut(
    fair.production["age"], [0, 25, 200], right=False, labels=["under 25", "25 and over"]).astype(str))
print("Ready: three credit models' monitoring results are loaded.")

# %% [markdown]
# ## 1 · A figure from the credit model's monitor
#
# Run the cell below (it is locked: you only run it). Top: the **share of input features that
# drifted** in each weekly batch. Bottom: **ROC-AUC** per batch, how well the model ranks risky
# loans above safe ones (0.5 is a coin toss, 1 is perfect); the dashed line is the level at
# validation.

# %% nbgrader={"grade": false, "grade_id": "fig-concept", "locked": true, "schema_version": 3, "solution": false, "task": false}
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True, layout="constrained")
plots.metric_over_time(concept_run.history, "drift_share", ax=top,
                       title="Share of input features that drifted")
plots.metric_over_time(concept_run.history, "roc_auc", reference=concept_run.reference["roc_auc"],
                       ax=bottom, title="ROC-AUC per weekly batch")
plt.show()
print(concept_run.history[["batch", "drift_share", "roc_auc"]].round(2).to_string(index=False))

# %% [markdown]
# **Q1 · Reading a figure.** From batch 10, ROC-AUC falls from about 0.80 to about 0.65, while
# the share of drifted input features stays at or near 0. What is the most likely explanation?

# %% [markdown] answer="q1"
# Your answer (tick one box):
#
# - [ ] **a)** Data drift: the applicants changed, so the model now sees inputs unlike its training data
# - [x] **b)** Concept drift: similar applicants now default for different reasons
# - [ ] **c)** A data-quality fault: the pipeline started sending empty values for some features
# - [ ] **d)** Bad luck in a few small batches that will average out on its own next month

# %% nbgrader={"grade": true, "grade_id": "q1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q1")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q1"), "b", "Q1")
### END HIDDEN TESTS

# %% [markdown]
# **Q2 · What to ask the team.** Same model, same figure: performance fell and stayed down for
# ten batches. Which question to the data science team comes first?

# %% [markdown] answer="q2"
# Your answer (tick one box):
#
# - [ ] **a)** "Can we switch off the drift tests, since they missed the problem entirely?"
# - [ ] **b)** "Can we lower the drift alert thresholds until the drift tests do fire?"
# - [ ] **c)** "Can we wait for two more quarters of data before we look into it?"
# - [x] **d)** "Does a model retrained on recent outcomes beat the current one on held-out recent weeks?"

# %% nbgrader={"grade": true, "grade_id": "q2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q2")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q2"), "d", "Q2")
### END HIDDEN TESTS

# %% [markdown]
# ## 2 · A stakeholder report
#
# Another credit model, another quarter. Its monitor wrote the plain-language summary below, the
# part of the stakeholder report a manager reads first.

# %% nbgrader={"grade": false, "grade_id": "report", "locked": true, "schema_version": 3, "solution": false, "task": false}
print(executive_summary(shift_run, model_name="The credit-risk model"))

# %% [markdown]
# **Q3 · Reading a stakeholder report.** The summary above, from another model's monitor, says
# the inputs changed from batch 10 and ROC-AUC held at about 0.80. What is the right reading?

# %% [markdown] answer="q3"
# Your answer (tick one box):
#
# - [x] **a)** The inputs moved but measured quality held: no model change yet; find out why and keep watching
# - [ ] **b)** The model is broken and must be retrained at once, before the next weekly batch of loans is scored
# - [ ] **c)** Nothing happened: the drift alerts are false alarms and should be muted for good
# - [ ] **d)** ROC-AUC went up, so the drift improved the model and the new mix should be encouraged

# %% nbgrader={"grade": true, "grade_id": "q3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q3")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q3"), "a", "Q3")
### END HIDDEN TESTS

# %% [markdown]
# **Q4 · A cost with a range.** The same report puts the extra cost of errors at about EUR
# 330,000, with a 95% range from EUR 240,000 *less* to EUR 910,000 *more*. What do you conclude?

# %% [markdown] answer="q4"
# Your answer (tick one box):
#
# - [ ] **a)** The loss is certain: book EUR 330,000 as a provision this quarter
# - [ ] **b)** The model saved EUR 240,000; the report has the sign the wrong way round
# - [x] **c)** The range includes zero: the data cannot yet tell a loss from a saving
# - [ ] **d)** A figure with a range is unreliable: ask the team to drop the range and keep the estimate

# %% nbgrader={"grade": true, "grade_id": "q4-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q4")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q4"), "c", "Q4")
### END HIDDEN TESTS

# %% [markdown]
# ## 3 · An alert history
#
# The same monitor's alert log for the quarter: one row per alert, with the batch, what kind of
# check raised it, what it is about and how severe it is.

# %% nbgrader={"grade": false, "grade_id": "alerts", "locked": true, "schema_version": 3, "solution": false, "task": false}
shift_run.alerts[["batch", "kind", "subject", "severity"]]

# %% [markdown]
# **Q5 · An alert history.** The alert log above shows a drift warning on the same features every
# week from batch 10 to 19, while performance held. The on-call team is tired of it. Which change
# to the alert rules is the best trade-off?

# %% [markdown] answer="q5"
# Your answer (tick one box):
#
# - [ ] **a)** Delete the drift rule altogether: it fired ten times in a row and performance never dropped
# - [x] **b)** Alert once when drift starts, then a weekly digest while the known cause persists
# - [ ] **c)** Raise the drift threshold until no drift alert fires on this data any more
# - [ ] **d)** Page the on-call engineer at night for every drift alert so that none is missed

# %% nbgrader={"grade": true, "grade_id": "q5-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q5")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q5"), "b", "Q5")
### END HIDDEN TESTS

# %% [markdown]
# **Q6 · Estimated vs measured.** Defaults are known only three months after a loan is granted.
# For the last 12 weeks the team shows an *estimated* ROC-AUC of 0.78 (interval 0.74–0.82),
# computed from the scores alone. What is this number?

# %% [markdown] answer="q6"
# Your answer (tick one box):
#
# - [x] **a)** An estimate that assumes the link between inputs and default is unchanged: it cannot see concept drift
# - [ ] **b)** A measurement on the loans' true outcomes, exactly as reliable as last year's measured ROC-AUC on repaid loans
# - [ ] **c)** A guess with no basis, which should be left out of every report until outcomes arrive
# - [ ] **d)** Proof that the model is fine, so monitoring can pause until the next quarter

# %% nbgrader={"grade": true, "grade_id": "q6-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q6")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q6"), "a", "Q6")
### END HIDDEN TESTS

# %% [markdown]
# ## 4 · Inside the average
#
# A third model, one quarter of loans split by the borrower's age: number of loans, recall (the
# share of defaults the model catches), the share of loans the model flags, and the share that
# defaulted.

# %% nbgrader={"grade": false, "grade_id": "segments", "locked": true, "schema_version": 3, "solution": false, "task": false}
overall = metrics.classification_summary(segments["default"], segments["score"], threshold=fair.threshold)
print(f"All loans: n = {len(segments):,}, recall = {overall['recall']:.2f}")
by_age = metrics.by_batch(segments, by="age_group", metrics=["recall", "positive_rate", "base_rate"],
                          threshold=fair.threshold)
by_age.rename(columns={"batch": "age group"})[["age group", "n", "recall", "positive_rate", "base_rate"]].round(2)

# %% [markdown]
# **Q7 · Segments and fairness.** The table above splits one quarter's loans by age. Overall
# recall is about 48%. Under-25s make up about 13% of loans, 35% of them defaulted (10% of the
# others), and the model catches 43% of their defaults (50% of the others'). What do you ask for?

# %% [markdown] answer="q7"
# Your answer (tick one box):
#
# - [ ] **a)** Nothing: the overall recall is stable, so no group can be worse off than the average
# - [ ] **b)** Remove age from the model's inputs, which makes the gap between the groups disappear
# - [x] **c)** How sure the gap is, what it costs under-25s, and whether the model is calibrated for them
# - [ ] **d)** Report only the overall figures to the regulator, since age segments are always too small to matter

# %% nbgrader={"grade": true, "grade_id": "q7-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q7")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q7"), "c", "Q7")
### END HIDDEN TESTS

# %% [markdown]
# **Q8 · When to act.** Measured recall fell from 49% to 30% in three consecutive labelled
# batches; the team has ruled out a pipeline bug and the monitoring plan says recall below 35% is
# critical. What do you do?

# %% [markdown] answer="q8"
# Your answer (tick one box):
#
# - [ ] **a)** Wait another quarter before acting, since three batches in a row may still be noise
# - [ ] **b)** Mute the alert until the team has time to look at the model
# - [ ] **c)** Ask for a new dashboard that shows recall more prominently
# - [x] **d)** Follow the plan's escalation: inform the owner and risk, then fix or fall back

# %% nbgrader={"grade": true, "grade_id": "q8-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q8")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q8"), "d", "Q8")
### END HIDDEN TESTS

# %% [markdown]
# **Q9 · Alert thresholds.** The team proposes lowering the drift alert's threshold (the smallest
# effect size that raises an alert) from 0.2 to 0.05. What should you expect?

# %% [markdown] answer="q9"
# Your answer (tick one box):
#
# - [ ] **a)** Fewer alerts and fewer missed problems: a lower bar is stricter in both ways
# - [x] **b)** Earlier warnings of small shifts, but more alerts, and more of them false alarms
# - [ ] **c)** No change in practice: the threshold only changes the colours of the report
# - [ ] **d)** Fewer false alarms, at the cost of noticing real shifts a few weeks later than today

# %% nbgrader={"grade": true, "grade_id": "q9-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q9")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q9"), "b", "Q9")
### END HIDDEN TESTS

# %% [markdown]
# **Q10 · One bad week.** In a healthy period, one batch's ROC-AUC dips to 0.76 (reference 0.80)
# and its confidence band overlaps the reference level; the next batch is back at 0.80. What is
# the right call?

# %% [markdown] answer="q10"
# Your answer (tick one box):
#
# - [ ] **a)** Retrain at once: any drop in ROC-AUC is a failure of the model
# - [ ] **b)** Roll back to last year's model until the cause is known
# - [x] **c)** Note it and keep watching: one batch inside the noise band is not a signal
# - [ ] **d)** Lower the alert threshold so that such dips always page someone on call in future

# %% nbgrader={"grade": true, "grade_id": "q10-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.course.judge import check_ticked

check_ticked("q10")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.ticked("q10"), "c", "Q10")
### END HIDDEN TESTS

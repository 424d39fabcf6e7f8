# %% [markdown]
# # 05 · Performance before the labels arrive
#
# Lesson 04 ended with "wait for the labels". In lending that wait is two to three months. This
# lesson estimates the model's performance *without* labels, from its own calibrated scores
# (confidence-based performance estimation, CBPE) — and shows, just as clearly, when that
# estimate cannot be trusted. About 40 minutes.

# %% [markdown]
# > **Executive summary — for readers who skip the code**
# >
# > - **The problem:** whether a loan defaults is known 30, 60 or 90 days after the decision.
# >   For the newest weeks, measured performance simply does not exist yet.
# > - **The idea:** a well-calibrated score *is* a default probability. Adding up those
# >   probabilities gives the *expected* confusion matrix of a week, and from it an estimated
# >   ROC-AUC, precision and recall — today, not in three months.
# > - **It works** when the applicants change but the rules of default do not (covariate shift):
# >   here it flags the drop in the very week it happens, about two months before the outcomes.
# > - **It is blind** when the rules of default change (concept drift) or the default rate
# >   moves on its own (prior shift): the estimate stays flat while real performance moves
# >   (ROC-AUC falls, or precision rises). And it is only as good as its calibration: learnt
# >   from too few loans, it misses by more.
# > - **What to promise:** an early warning with an error bar, not a measurement. Keep
# >   measuring as labels arrive, and alert when estimate and measurement disagree.

# %% [markdown]
# ## What you will be able to do
#
# 1. Explain why labels arrive late in lending and what that hides.
# 2. Turn calibrated scores into an expected confusion matrix, by hand and with
#    `modellab.estimate`.
# 3. Read estimated performance over time with its band, and compare it with the performance
#    measured once the labels arrive.
# 4. Name the three situations where estimation fails, and spot them.
# 5. Say what a project manager can and cannot promise with estimated performance.

# %% [markdown]
# ## Why this matters to the business
#
# A credit model decides today; the loans it approves go bad months later. If the model got worse
# this week, waiting for the outcomes means approving two more months of loans with a broken
# model. An estimate that arrives with the decision buys those months — *if* you know when it can
# be believed. Getting that wrong in either direction is expensive: a false "all clear" hides
# losses, and a false alarm triggers a costly retraining.

# %% [markdown]
# ## 1 · The situation: most recent weeks have no outcomes
#
# `covariate_shift_delayed`: from week 10 a new broker sends applicants who all look alike
# (mid-range debt, rates and incomes). Outcomes arrive late, so the last weeks have no labels.

# %%
from modellab.scenarios import make

world = make("covariate_shift_delayed", seed=0)
world.truth[["kind", "start_batch", "end_batch", "description"]]

# %% [markdown]
# The share of each week's loans whose outcome is still unknown:

# %%
pending = world.production.groupby("batch")["default"].apply(lambda y: y.isna().mean())
pending.to_numpy()

# %% [markdown]
# Weeks 12 to 19 have no outcome at all, and the change starts in week 10: only weeks 10 and 11
# show the new world with labels. Whatever happened to the model since, a measurement cannot
# tell you yet.

# %% [markdown]
# ## 2 · The idea in two pictures
#
# **Picture 1: calibration.** A calibrated score means what it says: among loans scored 0.30,
# about 30% default. We check it on the reference period (labelled) and let the estimator
# calibrate the scores with scikit-learn: isotonic regression (a step function from score to
# observed default rate) or Platt scaling (a smooth S-curve), whichever predicts held-out
# reference loans better in a 5-fold cross-validation. It prints its choice.

# %%
import matplotlib.pyplot as plt

from modellab import plots
from modellab.estimate import PerformanceEstimator

estimator = PerformanceEstimator(threshold=world.threshold, chunk_size=world.batch_size)
estimator.fit(world.reference)

ref = world.reference
ax = plots.calibration_curve(ref["default"], ref["score"], n_bins=10, label="model score")
plots.calibration_curve(ref["default"], estimator.calibrate(ref["score"]), n_bins=10,
                        label=f"after {estimator.calibration_} calibration", ax=ax,
                        title="Reference period: predicted vs observed default rate")
plt.show()
print(f"calibration chosen: {estimator.calibration_} "
      f"(isotonic = step function, sigmoid = Platt scaling)")
per_bin = (ref["score"] // 0.1).clip(upper=9).astype(int).value_counts().sort_index()
print(f"reference loans per score bin (0.0-0.1 ... 0.9-1.0): {per_bin.tolist()}")

# %% [markdown]
# Below 0.4, where 95% of the loans are, the model's scores already sit close to the diagonal.
# Above 0.5 each bin holds only a few dozen loans, so its dot wobbles before and after
# calibration: read the curve where the loans are.
# From now on `p` is the calibrated probability of default of each loan.
#
# **Picture 2: the expected confusion matrix.** Take week 15, which has no outcomes. Each loan
# the model flags (score ≥ 0.20) is a true positive with probability `p` and a false positive
# with probability `1 − p`; each loan it accepts is a missed default with probability `p`.
# Summing gives the expected counts.

# %%
import numpy as np
import pandas as pd

week = world.production[world.production["batch"] == 15]
p = estimator.calibrate(week["score"])
flagged = week["score"].to_numpy() >= world.threshold
expected = pd.DataFrame([{
    "tn": (1 - p)[~flagged].sum(), "fp": (1 - p)[flagged].sum(),
    "fn": p[~flagged].sum(), "tp": p[flagged].sum(),
}]).round(1)
plots.confusion_matrix(expected, title="Week 15: expected confusion matrix (no labels)")
plt.show()

# %% [markdown]
# From those four numbers, the usual formulas give estimated precision and recall:

# %%
tp, fp, fn = expected.loc[0, ["tp", "fp", "fn"]]
print(f"estimated precision {tp / (tp + fp):.2f}, estimated recall {tp / (tp + fn):.2f}")

# %% [markdown]
# ROC-AUC works the same way: at every score threshold the expected true- and false-positive
# rates follow from the same sums, which trace an expected ROC curve. `modellab.estimate` does all
# of this for every week at once, and adds a band: how much the metric wobbles between weeks of
# 1,000 loans, learnt from chunks of the reference period.

# %% [markdown]
# ## 3 · Estimated versus measured, week by week
#
# `estimate` returns one row per week and metric. `realized` is empty where labels are pending;
# `alert` is set when the estimate leaves the reference band.

# %%
estimates = estimator.estimate(world.production)
auc = estimates[estimates["metric"] == "roc_auc"].set_index("batch")
auc.loc[8:14, ["estimate", "lower", "upper", "realized", "alert"]].round(3)

# %% [markdown]
# The estimate drops from about 0.80 to about 0.70 in week 10 and raises an alert the same week.
# Two months later the outcomes arrive. `later_labels` gives the same weeks with every outcome
# known, so we can check the estimates made while they were pending.

# %%
from modellab.estimate import later_labels

labelled_later = later_labels(world)
checked = estimator.estimate(labelled_later)
checked_auc = checked[checked["metric"] == "roc_auc"]


def estimate_vs_measured(frame, title):
    history = frame.rename(columns={"estimate": "estimated", "lower": "estimated_low",
                                    "upper": "estimated_high"})
    ax = plots.metric_over_time(history, "estimated", reference=estimator.reference_["roc_auc"],
                                title=title)
    # measured later: squares in the next colour, beside the estimate and its band
    ax.plot(history["batch"], history["realized"], marker="s", markersize=4,
            color=plots.PALETTE[1], label="measured later", zorder=4)
    ax.axhspan(frame["band_lower"].iloc[0], frame["band_upper"].iloc[0], color="grey", alpha=0.1)
    ax.set_ylabel("ROC-AUC")
    ax.legend(loc="lower left")
    return ax


estimate_vs_measured(checked_auc, "covariate_shift_delayed: estimated (band) vs measured later")
plt.show()

# %% [markdown]
# The measured ROC-AUC stays inside the estimate's band in every week, and the estimate caught
# the drop at once. It is a little optimistic after the change: the scorecard is not perfectly
# calibrated on the new, narrow segment.

# %%
after = checked_auc[checked_auc["batch"] >= 10]
inside = ((checked_auc["lower"] <= checked_auc["realized"])
          & (checked_auc["realized"] <= checked_auc["upper"])).mean()
print(f"after the change: estimated {after['estimate'].mean():.3f}, measured "
      f"{after['realized'].mean():.3f}, mean gap {after['gap'].mean():+.3f}; "
      f"weeks inside the band: {inside:.0%}")

# %% [markdown]
# ## 4 · Where it breaks
#
# The estimate assumes one thing, and prints it with every result:

# %%
print(estimates.attrs["assumption"])

# %% [markdown]
# **Concept drift.** In `concept_drift_delayed` who defaults changes at week 10, while
# applicants and scores look exactly the same. The calibration learnt on the reference is now
# wrong, but nothing in the scores says so.

# %%
concept = make("concept_drift_delayed", seed=0)
concept_estimator = PerformanceEstimator(threshold=concept.threshold,
                                         chunk_size=concept.batch_size).fit(concept.reference)
concept_checked = concept_estimator.estimate(later_labels(concept))
concept_auc = concept_checked[concept_checked["metric"] == "roc_auc"]
estimate_vs_measured(concept_auc, "concept_drift_delayed: the estimate stays flat")
plt.show()

# %%
late = concept_auc[concept_auc["batch"] >= 10]
print(f"after the change: estimated {late['estimate'].mean():.3f}, measured "
      f"{late['realized'].mean():.3f}; alerts from the estimate: "
      f"{int(concept_estimator.estimate(concept.production)['alert'].sum())}")

# %% [markdown]
# Not one alert, while ROC-AUC really fell to below 0.70. This is the blind spot: the estimate
# can only see changes that show in the scores.
#
# **Prior shift.** In `prior_shift` the default rate jumps 8 points from week 10 while each group
# looks as before. The model's probabilities are now too low, so the estimate under-counts
# defaults. Precision is where it shows:

# %%
prior = make("prior_shift", seed=0)
prior_estimator = PerformanceEstimator(threshold=prior.threshold,
                                       chunk_size=prior.batch_size).fit(prior.reference)
prior_checked = prior_estimator.estimate(prior.production)
when = (prior_checked["batch"] >= 10).map({False: "before", True: "after"})
(prior_checked[prior_checked["metric"].isin(["precision", "roc_auc"])]
 .groupby(["metric", when])[["estimate", "realized"]].mean().round(3))

# %% [markdown]
# After the change measured precision jumps from about 0.38 to 0.55 (more of the flagged loans
# really default), and the estimate barely moves; ROC-AUC, which does not depend on the default rate, is still
# estimated well.
#
# **Poor calibration.** The estimate is only as good as the calibration, and the calibration
# only as good as the reference it was learnt on. Learnt from 300 loans instead of 5,000, the
# estimates of the same weeks miss by more:

# %%
small = PerformanceEstimator(threshold=world.threshold, chunk_size=100, min_rows=100)
small.fit(world.reference.sample(300, random_state=0))
small_checked = small.estimate(labelled_later)
for name, frame in [("5,000 reference loans", checked), ("300 reference loans", small_checked)]:
    error = frame[frame["metric"] == "roc_auc"]["gap"].abs().mean()
    print(f"{name}: mean absolute error of estimated ROC-AUC {error:.3f}")

# %% [markdown]
# ## 5 · In the monitor: estimated beside measured, and two rules
#
# `with_estimates` puts `estimated_<metric>` columns next to the measured ones in a monitoring
# history, so a report can say "estimated (labels pending)" and "measured" side by side. Two rules
# read them: `EstimatedMetricDropFrom` alerts on the estimate (before labels), and
# `EstimationGapAbove` alerts when labels arrive and disagree with the estimate — the alarm for
# the blind spot.

# %%
from modellab.estimate import EstimatedMetricDropFrom, EstimationGapAbove, with_estimates

early = EstimatedMetricDropFrom("roc_auc", by=0.05)
gap_rule = EstimationGapAbove("roc_auc", 0.08)
rows = []
for name, est, checked_frame in [("covariate_shift_delayed", estimator, checked),
                                 ("concept_drift_delayed", concept_estimator, concept_checked)]:
    history = with_estimates(None, checked_frame)
    first = early.evaluate(history, est.reference_)["batch"]
    gaps = gap_rule.evaluate(history, {})["batch"]
    rows.append({"scenario": name,
                 "first estimate alert": int(first.min()) if len(first) else "none",
                 "gap alerts (once labels arrive)": len(gaps)})
pd.DataFrame(rows)

# %% [markdown]
# The estimate rule fires in week 10 on the covariate shift; on concept drift it stays silent,
# and only the gap rule — once outcomes arrive — tells you the estimates were wrong.

# %% [markdown]
# ## 6 · What a project manager can promise
#
# | you can promise | you cannot promise |
# |---|---|
# | an estimate of this week's ROC-AUC, precision and recall, with a band, the day the loans are scored | that the model is fine when the estimate is flat |
# | an alert the same week when the applicant mix changes in a way that hurts the model | detection of a change in *who* defaults (concept drift) before outcomes arrive |
# | a check of every estimate as outcomes arrive, and an alert when they disagree | accurate estimates from a model that was poorly calibrated, or a short reference period |
#
# Phrase it as: "Estimated ROC-AUC this week 0.70 (band 0.62–0.77), labels pending; measured
# performance will be known in about two months." Never as "ROC-AUC is 0.70".

# %% [markdown]
# ## Recap
#
# - Labels in lending arrive months late; for the newest weeks measured performance does not
#   exist yet.
# - A calibrated score is a default probability: summing it gives the **expected confusion
#   matrix**, and from it estimated precision, recall, F1, accuracy and ROC-AUC
#   (`modellab.estimate.PerformanceEstimator`).
# - Estimates come with a **band** learnt from reference chunks of the batch size, and an
#   **alert** when they leave the reference band.
# - They track **covariate shift** and are **blind to concept drift and prior shift**, and only
#   as good as the calibration: check them against outcomes as they arrive (the `gap` column,
#   `EstimationGapAbove`).
#
# **Next:** `06_segments_fairness`. Practise in `ex09_performance_estimation`.

# %% [markdown]
# ## Self-check (not graded)
#
# Set each answer to the letter of your choice, e.g. `q1 = "a"`, and run the cell.
#
# **Q1.** What does the estimator add up to get a week's expected number of true positives?
#
# - **a)** The scores of every loan in the week, calibrated or not.
# - **b)** The flagged loans, times the default rate of the reference period.
# - **c)** The calibrated default probabilities of the flagged loans.
# - **d)** The outcomes of last month's loans with the same score.
#
# **Q2.** Estimated ROC-AUC has been flat for six weeks. What can you tell the credit committee?
#
# - **a)** No harm from changes in the applicant mix; a change in who defaults would not show.
# - **b)** The model works exactly as well as in the reference period, so the outcomes are no longer needed.
# - **c)** Six flat weeks are suspicious in themselves: retrain the model to be safe.
# - **d)** Nothing at all can be said until the outcomes of those weeks arrive.
#
# **Q3.** Outcomes for week 10 arrive: estimated ROC-AUC 0.79, measured 0.66, band about ±0.07.
# What is the most likely explanation?
#
# - **a)** Noise: a single week of 1,000 loans often misses by that much.
# - **b)** A bug in the estimator: estimates are exact under any change, so a gap like this cannot happen.
# - **c)** The labels arrived too early to be trusted yet.
# - **d)** The link between score and default changed: concept drift or prior shift.

# %%
from modellab.checks import self_check

q1 = None
self_check(q1, list("abcd"), "c", name="Q1", hint="a flagged loan is a true positive with which probability?",
           explain="Each flagged loan counts as p of a true positive and 1 - p of a false positive.")
q2 = None
self_check(q2, list("abcd"), "a", name="Q2", hint="what kind of change leaves the scores untouched?",
           explain="A flat estimate rules out harmful covariate shift, not concept drift.")
q3 = None
self_check(q3, list("abcd"), "d", name="Q3", hint="compare the gap with the width of the band",
           explain="A gap far outside the band means the estimate's assumption broke.")

# %% [markdown]
# # 02 · Performance metrics: precision, recall, F1, ROC-AUC and business cost
#
# "Is the model good?" has no single answer. This lesson builds the metrics a monitoring team
# reports — from the confusion matrix to ROC-AUC — and connects them to what errors **cost**
# the lender and to how **uncertain** a weekly number is.
#
# About 60 minutes. The graded exercise `ex01_metrics` follows this lesson.

# %% [markdown]
# > **Executive summary**
# >
# > - Our credit model makes two kinds of mistakes: it **approves a borrower who defaults**
# >   (expensive: about 60% of the loan is lost) and it **declines a good customer** (cheaper:
# >   the interest we would have earned). Metrics must count them separately.
# > - **Accuracy misleads** when defaults are rare: a "model" that approves everyone is right
# >   89% of the time and catches no defaults at all. Watch **recall** (share of defaults
# >   caught), **precision** (share of declines that were justified) and **ROC-AUC** (how well
# >   the model ranks risk).
# > - The **decision threshold** is a business choice: the cheapest one follows from the cost of
# >   each mistake, and a recall target has a price that can be stated in money.
# > - A metric measured on one week of 1,000 loans is uncertain, and how much depends on how
# >   many loans it **counts**: recall rests on the ~110 defaults (about ±10 points), ROC-AUC on
# >   about ±5, accuracy on all 1,000 loans (about ±2). Alerts and decisions must allow for
# >   that, or they will react to noise.

# %% [markdown]
# ## What you will be able to do
#
# 1. Read a confusion matrix and derive precision, recall, F1, specificity and accuracy from it.
# 2. Explain the **accuracy paradox** at a low default rate.
# 3. Read ROC and precision-recall curves and their areas (ROC-AUC, average precision).
# 4. Choose a decision threshold from business costs, with or without a recall target.
# 5. Put a **confidence interval** on a metric and say what it means for alerts.
#
# **Why this matters to the business:** every number in a monitoring report is one of these
# metrics. Choosing the wrong one hides losses; ignoring uncertainty triggers false alarms.

# %% [markdown]
# ## The data
#
# We use the quiet `stable` scenario, so that everything we see is about the model, not about
# drift. The reference period has 5,000 applications with known outcomes.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from modellab import metrics, plots
from modellab.scenarios import make

plots.set_style()
scenario = make("stable", seed=0)
reference = scenario.reference
y_true, score = reference["default"], reference["score"]
threshold = scenario.threshold  # flag (decline) when score >= 0.20
print(f"{len(reference):,} applications, default rate {y_true.mean():.1%}, threshold {threshold}")

# %% [markdown]
# ## The confusion matrix
#
# Every application falls in one of four cells: actual outcome (rows) × model decision
# (columns). "Positive" means *default*.
#
# | | predicted repaid | predicted default |
# |---|---|---|
# | **actually repaid** | true negative (TN) | false positive (FP): good customer declined |
# | **actually defaulted** | false negative (FN): default approved | true positive (TP) |

# %%
ax = plots.confusion_matrix(y_true, reference["prediction"])
plt.show()

# %% [markdown]
# `confusion_counts` returns the four counts as numbers (and adds up across batches, which
# lesson 11 uses at scale).

# %%
counts = metrics.confusion_counts(y_true, score, threshold=threshold)
tn, fp, fn, tp = counts.tn, counts.fp, counts.fn, counts.tp
counts

# %% [markdown]
# > **What lending really measures.** This table needs the outcome of *every* application —
# > which a lender never has. A **declined** applicant never gets the loan, so whether they
# > "would have defaulted" is never observed: in production the FP and TP cells are empty, and
# > recall among declined applicants cannot be computed. And outcomes **mature** slowly: a loan
# > is counted as a default only after it is 30, 60 or 90 days past due, and a cohort's default
# > rate keeps rising for months (a *vintage curve*). Our synthetic scenarios reveal every
# > outcome at once, so that you can learn the metrics; real monitoring measures performance
# > on **approved loans old enough to have matured**, and estimates the rest with a randomised
# > approval band (a small share of applicants approved whatever their score) or with
# > *reject inference*. Lessons 04 and 09 come back to this.

# %% [markdown]
# ## Precision, recall and F1 — once by hand
#
# - **Precision** = TP / (TP + FP): of the applications we declined, the share that would
#   really have defaulted.
# - **Recall** (sensitivity) = TP / (TP + FN): of the borrowers who defaulted, the share we
#   caught.
# - **F1** = 2 · precision · recall / (precision + recall): one number that is high only when
#   both are.
# - **Specificity** = TN / (TN + FP): of the good customers, the share we approved.

# %%
precision = tp / (tp + fp)
recall = tp / (tp + fn)
f1 = 2 * precision * recall / (precision + recall)
specificity = tn / (tn + fp)
accuracy = (tp + tn) / (tp + tn + fp + fn)

by_hand = pd.Series({"accuracy": accuracy, "precision": precision, "recall": recall,
                     "f1": f1, "specificity": specificity})
summary = metrics.classification_summary(y_true, score, threshold=threshold)
pd.DataFrame({"by hand": by_hand, "modellab (scikit-learn)": summary[by_hand.index]}).round(4)

# %% [markdown]
# The two columns agree: `classification_summary` wraps scikit-learn and adds input checks and
# clear answers for undefined cases (e.g. precision when nothing is flagged is `NaN`, not 0).
# From now on we use the package.
#
# **Reading it:** the model catches about half of the defaults (recall ≈ 0.49), and about 4 in
# 10 of the applicants it declines would really have defaulted (precision ≈ 0.41) — nearly four
# times the 11% base rate, so the flags carry real information.

# %% [markdown]
# ## The accuracy paradox
#
# Only about 11% of borrowers default. A "model" that *never* predicts default is right for
# every one of the other 89%. Compare it with our model:

# %%
never = np.zeros(len(reference))  # approve everyone
comparison = pd.DataFrame({
    "our model": summary[["accuracy", "recall", "precision"]],
    "never predicts default": metrics.classification_summary(
        y_true, never, threshold=0.5, metrics=["accuracy", "recall", "precision"]
    )[["accuracy", "recall", "precision"]],
})
ax = comparison.loc[["accuracy", "recall"]].T.plot.barh(figsize=(7, 2.6),
                                                       title="Accuracy rewards doing nothing")
ax.set_xlabel("share")
ax.legend(loc="center left", bbox_to_anchor=(1, 0.5))
plt.show()

# %%
comparison.round(3)

# %% [markdown]
# The do-nothing model has *higher* accuracy (0.89 vs 0.86) and catches **zero** defaults; its
# precision is undefined (`NaN`: it never declines anyone). With rare events, accuracy mostly
# measures the base rate. Report recall and precision (or costs) instead.

# %% [markdown]
# ## Ranking quality: ROC and precision-recall curves
#
# Precision and recall depend on the threshold. Curves show **every** threshold at once:
#
# - **ROC curve:** share of defaults caught (TPR = recall) against share of good customers
#   declined (FPR). **ROC-AUC** is the chance that a random defaulter gets a higher score than
#   a random good payer: 0.5 is a coin toss, 1.0 is perfect.
# - **Precision-recall curve:** precision against recall. Its baseline is the default rate
#   (flagging at random), so it shows more clearly how useful the flags are when positives are
#   rare. Its summary is the **average precision** (AP, `pr_auc`): the precision at each
#   step of the curve, weighted by how much recall that step adds — a step-wise sum, not the
#   interpolated area under the drawn line.
#
# To see a curve that has degraded, we add the last ten weeks of the `concept_drift` scenario,
# where who defaults has changed.

# %%
drifted = make("concept_drift", seed=0).production
late = drifted[drifted["batch"] >= 10]
curves = {"reference": (y_true, score), "concept drift, weeks 10–19": (late["default"], late["score"])}

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
plots.roc_curve(curves, ax=left)
plots.pr_curve(curves, ax=right)
plt.show()

# %%
pd.DataFrame({
    "reference": summary[["roc_auc", "pr_auc", "recall", "precision", "base_rate"]],
    "concept drift, weeks 10–19": metrics.classification_summary(
        late["default"], late["score"], threshold=threshold
    )[["roc_auc", "pr_auc", "recall", "precision", "base_rate"]],
}).round(3)

# %% [markdown]
# After the concept drift the model ranks much worse (ROC-AUC about 0.65 instead of 0.79), and
# its precision halves (about 0.20 instead of 0.41): a flagged applicant is now not even twice
# as likely to default as a random one. ROC-AUC does not depend on the threshold, which makes it
# a good **health** metric to track week by week — **but** it is blind to calibration (scores
# that are all too low by half rank exactly as well) and to the operating threshold (the
# decisions the business actually takes). Track it next to calibration and the
# threshold metrics, not instead of them.

# %% [markdown]
# ## Thresholds and business cost
#
# Back to the healthy model. For an average loan of about 12,000:
#
# - a **missed default** (FN) loses about 60% of the loan: **7,200**;
# - a **declined good customer** (FP) loses the interest we would have earned, about 15%:
#   **1,800**.
#
# A missed default costs four times as much. `threshold_table` counts the errors and the cost
# at every threshold from 0.00 to 1.00.

# %%
COST_FP, COST_FN = 1_800, 7_200
table = metrics.threshold_table(y_true, score, cost_fp=COST_FP, cost_fn=COST_FN)
cheapest = metrics.best_threshold(y_true, score, cost_fp=COST_FP, cost_fn=COST_FN)

ax = (table.assign(cost_m=table["cost"] / 1e6)
      .plot(x="threshold", y="cost_m", legend=False, figsize=(8, 3.4), xlim=(0, 0.6),
            title="Total cost of errors on the reference period, by threshold"))
ax.axvline(cheapest.threshold, color="0.3", linestyle=":")
ax.annotate(f"cheapest: {cheapest.threshold:.2f}", (cheapest.threshold, cheapest.cost / 1e6),
            xytext=(12, 30), textcoords="offset points")
ax.set_ylabel("cost (millions)")
plt.show()

# %%
table[table["threshold"].isin([0.05, 0.10, 0.15, 0.20, 0.22, 0.30, 0.50])][
    ["threshold", "tp", "fp", "fn", "recall", "precision", "positive_rate", "cost"]].round(3)

# %% [markdown]
# A threshold too low declines a crowd of good customers; too high, it lets defaults through.
# The cheapest threshold is close to the model's 0.20 — the break-even point
# 1,800 / (1,800 + 7,200) = 0.20, as expected when scores are calibrated probabilities.

# %%
cheapest

# %% [markdown]
# ### A recall target has a price
#
# Suppose the risk committee asks to *catch at least 70% of defaults*. `best_threshold` with
# `min_recall` finds the cheapest threshold that meets the target:

# %%
target = metrics.best_threshold(y_true, score, cost_fp=COST_FP, cost_fn=COST_FN, min_recall=0.70)
extra = target.cost - cheapest.cost
print(f"threshold {target.threshold:.2f}: recall {target.recall:.0%}, "
      f"declines {target.positive_rate:.0%} of applicants (vs {cheapest.positive_rate:.0%})")
print(f"extra cost on these 5,000 applications: {extra:,.0f} ({extra / cheapest.cost:.0%} more)")

# %% [markdown]
# That is a decision for managers, stated in money: catching 70% of defaults means declining
# about a third of all applicants and costs about a quarter more than the cheapest threshold.

# %% [markdown]
# ### Explore it yourself
#
# Move the slider, change the two costs, or press the button for the cheapest threshold. Watch
# the confusion matrix, precision, recall and the cost curve respond. (Run the cell in
# JupyterLab to get the live widget.)

# %%
from modellab.widgets import threshold_explorer

threshold_explorer(y_true, score, cost_fp=COST_FP, cost_fn=COST_FN, threshold=threshold)

# %% [markdown]
# Try: set both costs equal. Where does the cheapest threshold go, and what happens to recall?

# %% [markdown]
# ## How sure are we? Confidence intervals
#
# In production we measure metrics on one **week** at a time: about 1,000 loans, of which only
# ~110 default. Recall is then a share of about 110 borrowers, and it wiggles from week to week
# even when nothing changes. The **bootstrap** measures that wiggle: resample the week's rows with
# replacement 1,000 times, recompute the metric, and keep the middle 95% of the results.
#
# A figure first: weekly recall in the stable world, with each week's 95% interval.

# %%
history = metrics.by_batch(scenario.production, metrics=["recall"], threshold=threshold,
                           ci=True, n_boot=300)
ax = plots.metric_over_time(history, "recall", reference=recall,
                            title="Weekly recall in a world where nothing changes")
plt.show()
widths = history["recall_high"] - history["recall_low"]
print(f"weekly recall from {history['recall'].min():.2f} to {history['recall'].max():.2f}; "
      f"interval widths {widths.min():.2f} to {widths.max():.2f} (median {widths.median():.2f})")

# %% [markdown]
# Nothing changed, yet weekly recall ranges from about 0.45 to 0.6. Each interval is about
# 20 points wide. Now one week in detail, and the full reference period for comparison:

# %%
week = scenario.batch(7)
rows = [
    metrics.bootstrap_ci("recall", week["default"], week["score"], threshold=threshold, seed=0),
    metrics.bootstrap_ci("precision", week["default"], week["score"], threshold=threshold, seed=0),
    metrics.bootstrap_ci("roc_auc", week["default"], week["score"], seed=0),
    metrics.bootstrap_ci("accuracy", week["default"], week["score"], threshold=threshold, seed=0),
    metrics.bootstrap_ci("recall", y_true, score, threshold=threshold, seed=0),
]
print(f"week 7 counts: {int(week['default'].sum())} defaults, "
      f"{int((week['score'] >= threshold).sum())} flagged, {len(week):,} loans")
print(f"defaults: week 7 {int(week['default'].sum())}, reference {int(y_true.sum())}; "
      f"recall interval {rows[0].width / rows[4].width:.1f} times narrower on the reference")
pd.DataFrame({
    "data": ["week 7 (1,000 loans)"] * 4 + ["reference (5,000 loans)"],
    "metric": [r.metric for r in rows],
    "estimate": [r.estimate for r in rows],
    "low": [r.low for r in rows],
    "high": [r.high for r in rows],
    "width": [r.width for r in rows],
}).round(3)

# %% [markdown]
# - Week 7's recall is 0.45, but anything from about 0.34 to 0.55 is consistent with the data.
# - **Uncertainty follows the count in the metric's denominator.** Recall is a share of the
#   ~100 defaults: about ±10 points. Precision is a share of the ~130 flagged loans: about ±8.
#   ROC-AUC compares every default with every repayer: about ±5. Accuracy is a share of all
#   1,000 loans: about ±2. A rule of thumb: a share of $k$ cases is uncertain by at most
#   about $\pm 1/\sqrt{k}$ (a share near one half, like recall); less for a share near 0 or 1,
#   like accuracy's 0.86.
# - The reference has about six times week 7's defaults, and its recall interval is about 2.5
#   times narrower: width shrinks with $1/\sqrt{k}$, and $\sqrt{6} \approx 2.4$.
# - **For alerts:** a naive rule such as "alert when weekly recall drops below 0.47" (a few
#   points under the reference) fires again and again in this perfectly stable world:

# %%
false_alarms = history.loc[history["recall"] < 0.47, "batch"].tolist()
print(f"false alarms in 20 quiet weeks: {len(false_alarms)} (weeks {false_alarms})")
print(f"weeks whose whole interval lies below the reference recall {recall:.2f}: "
      f"{history.loc[history['recall_high'] < recall, 'batch'].tolist()}")

# %% [markdown]
# Better rules compare with the reference *allowing for uncertainty* (the whole interval below
# the reference level), require several weeks in a row, or pool weeks before judging. Lesson 08
# builds such rules; lessons 04 and 05 handle the extra problem that labels arrive late.

# %% [markdown]
# ## Recap
#
# - The confusion matrix (TN, FP, FN, TP) is the source of precision = TP/(TP+FP),
#   recall = TP/(TP+FN), F1 and specificity; `modellab.metrics` computes them with scikit-learn.
# - At an 11% default rate, accuracy rewards a model that approves everyone: report recall,
#   precision and costs instead.
# - ROC-AUC measures ranking and does not depend on the threshold; the precision-recall curve
#   is more telling when positives are rare. Both drop when the concept drifts.
# - The threshold is a business choice: `threshold_table` and `best_threshold` turn error costs
#   (and a recall target) into the cheapest cut-off, and the price of the target in money.
# - A metric's uncertainty follows the count in its denominator: on 1,000 loans, recall (~110
#   defaults) is uncertain by about ±10 points, ROC-AUC by about ±5, accuracy by about ±2. Use
#   `bootstrap_ci`, and make alert rules allow for that width.
#
# **Next:** the exercise `ex01_metrics`, then `03_data_drift`.

# %% [markdown]
# ## Self-check (not graded)

# %% [markdown]
# **Q1.** The model declined 200 applicants; 60 of them would have defaulted. What is 60/200?
#
# - **a)** recall
# - **b)** specificity
# - **c)** precision
# - **d)** accuracy
#
# **Q2.** A new model has accuracy 0.90 on a portfolio with a 10% default rate. Good news?
#
# - **a)** Yes: 90% correct decisions is an excellent result for a credit model.
# - **b)** Not by itself: approving everyone also scores 0.90. Ask for recall.
# - **c)** No: a credit model should reach an accuracy of at least 0.99 to be used.
#
# **Q3.** Weekly recall fell from 0.52 to 0.47; each week's 95% interval is about ±0.10 wide.
#
# - **a)** Within the noise: keep watching and pool more weeks before concluding.
# - **b)** Escalate: the model is getting worse, and recall is the number that matters most.
# - **c)** Lower the threshold at once to bring recall back up to last week's level.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abcd", "8df5900ad393cb5b", name="Q1",
           hint='the denominator is the applicants the model flagged',
           explain='Share of flagged (declined) applicants who really defaulted = precision.')
self_check(q2, "abc", "9e77e13644c411d7", name="Q2",
           hint='what accuracy does a model that never predicts default get?',
           explain="With 10% defaults, 'never default' is 90% accurate and catches nothing.")
self_check(q3, "abc", "fb884379d149a3cc", name="Q3",
           hint='compare the size of the drop with the width of the interval',
           explain='A 5-point move inside a ±10-point interval is consistent with no change at all.')

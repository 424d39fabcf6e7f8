# %% [markdown]
# # 01 · Data analysis and interpretation for monitoring
#
# Before any drift test or alert rule, a monitoring analyst *looks at the data*: what the model
# saw when it was validated, what it sees now, and whether the difference is real. This lesson
# does that with pandas and a few figures, on a lending model in production.
#
# About 45 minutes, with a self-check at the end. The graded exercise `ex07_data_analysis`
# follows this lesson.

# %% [markdown]
# > **Executive summary**
# >
# > - Compare every production week with a **reference period** (the data the model was
# >   validated on). A change matters only when it is bigger than the week-to-week noise
# >   the reference period already shows.
# > - In this lesson's world, applicants' debt and loan sizes creep up for five weeks. No single
# >   week looks alarming, but by the end the model declines **twice as many** applicants.
# >   The model still ranks borrowers well: it is the *customers* who changed, and the business
# >   must decide whether the higher decline rate is acceptable. Its probabilities, though, now
# >   fall short: about 15% more defaults happen than it predicts (a PD back-test shows it).
# > - Three pipeline bugs show the other danger: a unit change that **triples** the decline rate
# >   for two weeks, and missing values and an unknown category that the model scores
# >   *silently*. Simple weekly checks catch all three on the day they happen.

# %% [markdown]
# ## What you will be able to do
#
# 1. Load a reference period and a production stream and summarise each week with pandas.
# 2. Plot a weekly trend against the reference level and tell a **real trend from noise**.
# 3. Read the **score distribution** and the **default rate** to judge whether the model
#    behaves as expected, with an **observed / expected** back-test and its interval.
# 4. Spot **anomalies** in a batch: missing values, a unit change, an unseen category.
# 5. Check your reading against the scenario's ground truth.
#
# **Why this matters to the business:** the lender's decline rate, losses and customer
# experience all move with the data. An analyst who can say *what* changed, *when*, and *whether
# it is real* turns a vague worry into a decision.

# %% [markdown]
# ## The data: a reference period and a production stream
#
# We use the scenario `covariate_shift_gradual`. We will *not* read its story yet: the point is
# to find out from the data what happens, as you would at work, and check the truth at the end.
#
# - `scenario.reference`: 5,000 applications from the validation period — our picture of normal.
# - `scenario.production`: 20 weekly batches of 1,000 applications (column `batch`, 0–19).

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from modellab import plots
from modellab.scenarios import make

plots.set_style()
scenario = make("covariate_shift_gradual", seed=0)
reference, production = scenario.reference, scenario.production
scenario

# %% [markdown]
# Each row is one application: the features the model uses, the outcome `default`
# (1 = did not pay back), the model's `score` (its probability of default) and its `prediction`
# (1 = flagged and declined, when the score is at least `scenario.threshold`).

# %%
print("features:", scenario.features)
print("decision threshold:", scenario.threshold)
production.head(3)

# %% [markdown]
# ## Trends: summarise each week
#
# One `groupby` turns 20,000 rows into one row per week. We follow the model's **outputs** (mean
# score, share flagged), the **outcome** (default rate) and two **inputs** — every monitoring
# summary starts like this.

# %%
weekly = production.groupby("batch").agg(
    mean_score=("score", "mean"),
    positive_rate=("prediction", "mean"),  # share of applications flagged
    default_rate=("default", "mean"),
    debt_to_income=("debt_to_income", "mean"),
    loan_amount=("loan_amount", "mean"),
).reset_index()

# %% [markdown]
# A figure first. The dashed line is the same number on the reference period.

# %%
ax = plots.metric_over_time(weekly, "positive_rate", reference=reference["prediction"].mean(),
                            title="Share of applications the model flags, per week")
plt.show()

# %% [markdown]
# The flag rate sits near the reference for ten weeks, then climbs to about twice the reference
# level. Now the table behind it: the inputs moved too.

# %%
weekly.round(3)

# %% [markdown]
# ## Real trend or noise?
#
# Weekly numbers always wiggle: each week is a *sample* of 1,000 applications. How much should
# a weekly mean move when nothing changes? Statistics answers: about one **standard error**,
# the reference standard deviation divided by $\sqrt{n}$. A week more than 3 standard errors
# from the reference mean is very unlikely to be noise alone (about 3 in 1,000 by chance).
# Mind the sides: noise lands beyond ±2 standard errors about 1 week in 22, but that counts
# both sides; *above* +2 alone happens half as often, about 1 week in 44.

# %%
from scipy import stats

above = stats.norm.sf  # chance that noise alone lands more than z standard errors above
print(f"by chance alone: beyond ±3 SE {2 * above(3):.1%} of weeks; beyond ±2 SE 1 week in "
      f"{1 / (2 * above(2)):.0f}; above +2 SE 1 week in {1 / above(2):.0f}")
n = scenario.batch_size
column = "debt_to_income"
ref_mean = reference[column].mean()
std_error = reference[column].std() / np.sqrt(n)
low, high = ref_mean - 3 * std_error, ref_mean + 3 * std_error
print(f"reference mean {ref_mean:.3f}; a normal week lies between {low:.3f} and {high:.3f}")

# %%
ax = plots.metric_over_time(weekly, column, reference=ref_mean,
                            title="Mean debt-to-income per week")
ax.axhspan(low, high, color="0.8", alpha=0.5, label="normal range (reference ± 3 SE)")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# Weeks 0–9 stay inside the grey band: their wiggles are noise. From week 10 the mean leaves the
# band and keeps rising for five weeks, then stays high — a **real, gradual trend**. A "z-score"
# puts every column on the same scale: how many standard errors a week is from the reference.

# %%
inputs = ["debt_to_income", "loan_amount", "income", "age"]
by_week = production.groupby("batch")[inputs].mean()
z_scores = (by_week - reference[inputs].mean()) / (reference[inputs].std() / np.sqrt(n))
z_scores.round(1).iloc[[0, 5, 9, 10, 12, 15, 19]]

# %% [markdown]
# `income` and `age` stay within ±3 all along: they did not change. `debt_to_income` and
# `loan_amount` cross +3 from week 10 and peak above +30:

# %%
print("weeks beyond +3 SE:", {c: z_scores.index[z_scores[c] > 3].tolist() for c in inputs})
print("peak z-score:", z_scores.max().round(1).to_dict())

# %% [markdown]
# A z of 30 does not mean "30 times worse": with 1,000 rows a week the standard error is small,
# so a moderate move of the mean sits many standard errors away. The z-score says the change is
# *real*; the weekly table says how *big* it is (mean debt-to-income from about 0.28 to about
# 0.47). The same rule, applied to the quiet `stable` scenario, should (almost) never fire —
# that is how you know it is not too twitchy:

# %%
stable = make("stable", seed=0)
stable_weeks = stable.production.groupby("batch")[inputs].mean()
stable_z = (stable_weeks - stable.reference[inputs].mean()) / (
    stable.reference[inputs].std() / np.sqrt(n))
print("largest |z| in the stable world:", stable_z.abs().max().round(1).to_dict())

# %% [markdown]
# ## The score distribution drifts
#
# The model's inputs changed; did its *output* change? Compare the scores of the reference period
# with the last five weeks, when the change is complete.

# %%
late = production[production["batch"] >= 15]
ax = plots.distribution(reference, late, column="score", labels=("reference", "weeks 15–19"))
ax.axvline(scenario.threshold, color="0.3", linestyle=":", label="decision threshold")
ax.legend()
plt.show()

# %% [markdown]
# The whole score distribution moved right, so more applications cross the threshold. Quantiles
# say the same in numbers:

# %%
pd.DataFrame({"reference": reference["score"].quantile([0.25, 0.5, 0.75, 0.9]),
              "weeks 15–19": late["score"].quantile([0.25, 0.5, 0.75, 0.9])}).round(3)

# %% [markdown]
# ## Does the model still behave? Patterns to read once labels arrive
#
# More declines are fine *if those applicants really are riskier*. Two patterns answer that:
#
# 1. **Predicted vs observed:** the mean score (the default rate the model expects) should
#    track the default rate that really happens.
# 2. **Ranking quality:** ROC-AUC per week (lesson 02 explains it; 0.5 is chance, 1 perfect)
#    should stay near its reference level.

# %%
ax = weekly.plot(x="batch", y=["mean_score", "default_rate"], marker="o", figsize=(8, 3.6),
                 xticks=range(0, 20, 2), title="Expected vs observed default rate per week")
ax.legend(["expected: mean score", "observed: default rate"])
ax.set_ylabel("share of applications")
plt.show()

# %% [markdown]
# Both lines rise, but the observed line ends above the expected one. Is the gap real? Credit
# teams answer with a **PD back-test**: the **observed / expected ratio** (O/E) of defaults,
# with a binomial interval. O/E = 1 means the model's probabilities are right on average;
# O/E = 1.15 means 15% more defaults than the model predicted. The interval comes from a
# binomial test of the observed count against the mean score (`scipy.stats.binomtest`); it is
# slightly conservative, because scores differ from loan to loan.

# %%
from scipy import stats


def observed_expected(rows: pd.DataFrame) -> dict:
    """O/E ratio of defaults with a 95% binomial interval (a PD back-test)."""
    n, observed, expected = len(rows), int(rows["default"].sum()), rows["score"].sum()
    test = stats.binomtest(observed, n, p=rows["score"].mean())
    ci = test.proportion_ci(confidence_level=0.95)
    return {"observed_rate": observed / n, "expected_rate": expected / n,
            "o_e": observed / expected, "o_e_low": ci.low * n / expected,
            "o_e_high": ci.high * n / expected, "p_value": test.pvalue}


backtest = pd.DataFrame({
    "reference": observed_expected(reference),
    "weeks 0–9": observed_expected(production[production["batch"] < 10]),
    "weeks 15–19": observed_expected(production[production["batch"] >= 15]),
}).T
backtest.round(3)

# %% [markdown]
# On the reference period and weeks 0–9 the interval contains 1: the probabilities are right
# on average. In weeks 15–19 the model expected 18.5% defaults and 21.3% happened: O/E about
# 1.15, with an interval that excludes 1. The model saw the riskier applicants coming, but
# **under-predicts** them by about 15% — which matters to anyone who uses the score as a
# probability (pricing, provisions). Its ranking quality, on the other hand, holds —
# `by_batch` from `modellab.metrics` computes the weekly ROC-AUC with a 95% confidence band.

# %%
from modellab.metrics import by_batch, classification_summary

history = by_batch(production, metrics=["roc_auc"], threshold=scenario.threshold,
                   ci=True, n_boot=200)
ref_auc = classification_summary(reference["default"], reference["score"],
                                 metrics=["roc_auc"])["roc_auc"]
ax = plots.metric_over_time(history, "roc_auc", reference=ref_auc)
plt.show()

# %% [markdown]
# ### Explore: how far must a feature move before the business feels it?
#
# The explorer below draws a fresh week of applicants with one feature shifted by the amount on
# the slider (in reference standard deviations) and scores it with the model. Compare the
# *flag rate*, *mean score* and *default rate* with and without the shift, and watch ROC-AUC.
# (Ignore the table of drift tests for now: lesson 03 explains it.) Try `debt_to_income`, then
# `age`: which one moves the flag rate more for the same shift?

# %%
from modellab.widgets import drift_explorer

drift_explorer(scenario, "debt_to_income", shift=0.5)

# %% [markdown]
# **Interpretation.** The applicants changed (more debt, bigger loans), the model's scores and
# the real default rate rose together, and its ranking did not degrade. This is mostly
# *covariate shift* the model handles: it still ranks well, and the business sees twice the
# decline rate and must decide whether that is acceptable (lending policy). But the back-test
# says its probabilities are now about 15% too low: anyone who prices loans or sets provisions
# from the score should **recalibrate** (lesson 04). Lesson 04 also shows the case where the
# model stops ranking well.
#
# One caution: in real life the **default rate arrives late** (a loan defaults months after it is
# granted). In the `label_delay` scenario the newest weeks have no outcome yet — a `NaN` is "not
# known yet", not "no defaults":

# %%
delayed = make("label_delay", seed=0).production
delayed.groupby("batch")["default"].count().tail(6)  # labelled rows per week

# %% [markdown]
# ## Anomalies: a batch that looks wrong
#
# A trend builds over weeks; an **anomaly** is one batch that does not look like the others —
# usually a data pipeline problem, not a change in the world. The `data_quality` scenario has
# three. A figure first: the weekly flag rate.

# %%
quality = make("data_quality", seed=0)
q_ref, q_prod = quality.reference, quality.production
q_weekly = q_prod.groupby("batch").agg(positive_rate=("prediction", "mean")).reset_index()
ax = plots.metric_over_time(q_weekly, "positive_rate", reference=q_ref["prediction"].mean(),
                            title="Share flagged per week (data_quality)")
plt.show()

# %% [markdown]
# Weeks 5 and 6 jump to about three times the usual flag rate, then fall back. Three simple
# weekly checks find what happened — and two problems the flag rate does not show at all:
#
# - **missing values**: share of empty cells per column;
# - **units**: the median of each amount (robust to a few outliers);
# - **unseen categories**: values that never appeared in the reference period.

# %%
missing = q_prod[quality.features].isna().groupby(q_prod["batch"]).mean()
medians = q_prod.groupby("batch")[["income", "loan_amount"]].median()
known = set(q_ref["employment_type"])
unseen = q_prod.groupby("batch")["employment_type"].agg(lambda s: (~s.isin(known)).mean())

checks = pd.DataFrame({
    "median_income": medians["income"],
    "missing_debt_to_income": missing["debt_to_income"],
    "unseen_employment_type": unseen,
    "flag_rate": q_weekly.set_index("batch")["positive_rate"],
})
checks.round(3).iloc[3:18]

# %% [markdown]
# - Weeks 5–6: median income is about 33 instead of about 33,000 — income arrived **in
#   thousands**. The model read every applicant as nearly penniless and flagged 40% of them.
# - Weeks 10–11: 30% of `debt_to_income` is **missing**. The flag rate did not move: the model
#   filled the gaps *silently*, so only a data check shows it.
# - Weeks 15–16: 15% of rows carry an **employment type the model never saw**:

# %%
sorted(set(q_prod["employment_type"]) - known)

# %% [markdown]
# Again the model scored these applicants without complaint. Silent failures are why a monitor
# checks the **inputs**, not only the outputs.

# %% [markdown]
# ## Check against the truth
#
# Synthetic scenarios record what really happened, so you can grade your own analysis:

# %%
print(scenario.truth[["kind", "features", "start_batch", "end_batch"]].to_string(), "\n")
print(quality.truth[["kind", "features", "start_batch", "end_batch"]].to_string())

# %% [markdown]
# Our reading matches: a gradual rise in debt-to-income and loan amounts from week 10 (complete
# by week 15), and three two-week pipeline bugs in weeks 5–6, 10–11 and 15–16.

# %% [markdown]
# ## Recap
#
# - Summarise each production week with `groupby(...).agg(...)`: outputs (mean score, flag rate),
#   outcome (default rate, once it arrives) and inputs.
# - Plot the trend against the reference level; a figure first, then the table.
# - Tell a real trend from noise with the reference's variability: a weekly mean more than
#   3 standard errors ($\sigma/\sqrt{n}$) away is unlikely to be chance; check the rule on a
#   stable world.
# - The model *behaves* when expected and observed default rates move together and its ranking
#   (ROC-AUC) holds. Judge "together" with the **observed / expected ratio** and its binomial
#   interval: an interval that excludes 1 means the probabilities need recalibrating.
# - An anomaly is one batch unlike the others: check missing values, units and unseen
#   categories every week — the model often fails silently.
#
# **Next:** the exercise `ex07_data_analysis`, then `02_performance_metrics` — precision,
# recall, F1, ROC-AUC and what errors cost.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** This week's mean debt-to-income is 2 standard errors above the reference. What now?
#
# - **a)** Raise an alert: the customers have changed, and the model must be told about it.
# - **b)** Note it and watch the next weeks: noise lands this high about 1 week in 44.
# - **c)** Retrain the model on this week's data so that it follows the new customers.
#
# **Q2.** The flag rate doubled, and the observed default rate rose just as much. Best reading?
#
# - **a)** Applicants got riskier and the model noticed; the decline rate is a business call.
# - **b)** The model is broken: it now declines far too many people who would have repaid.
# - **c)** A pipeline bug: the data must be wrong, since a flag rate cannot double like that.
#
# **Q3.** 30% of a feature is missing this week, but the scores look normal. Is all well?
#
# - **a)** Yes: if the scores look normal, the inputs cannot have mattered to the decisions.
# - **b)** Yes, as long as the missing share falls back under 30% by next week's batch.
# - **c)** No: the model fills gaps silently; find and fix the broken data feed.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "948c6241d43fda67", name="Q1",
           hint='how often does noise alone land 2 standard errors above the reference?',
           explain='Noise lands 2 SE above about 1 week in 44 (beyond ±2 SE, either side, 1 in 22): '
                   'one such week is common; a run of weeks, or 3+ SE, is a trend worth acting on.')
self_check(q2, "abc", "8b869ee012e9f2d4", name="Q2",
           hint='compare what the model expected with what really happened',
           explain='Expected and observed defaults moved together and ROC-AUC held: the model behaves.')
self_check(q3, "abc", "084f862f23f95614", name="Q3",
           hint='does a normal-looking output prove the input was fine?',
           explain='Missing values and unseen categories are often scored silently; check inputs too.')

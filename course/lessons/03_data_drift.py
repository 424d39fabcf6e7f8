# %% [markdown]
# # 03 · Data drift: tests, distances and many columns without false alarms
#
# A model learns from the applicants of the past. When the applicants of today look different,
# the model is asked about people it has seen few of. **Data drift detection** compares each
# production batch with the reference period and says *which* inputs changed, *how much*, and
# whether the change is real or just noise.
#
# About 50 minutes. The graded exercise `ex02_data_drift` follows this lesson. The optional
# notebook `03_data_drift_further` (20 minutes) adds multivariate drift and an explorer of
# how large a shift each measure needs.

# %% [markdown]
# > **Executive summary**
# >
# > - **Data drift** means the inputs of the model have changed since it was validated: new
# >   customer segments, a new sales channel, a broken data feed. We check every input of every
# >   weekly batch against the reference period.
# > - A statistical test answers *"is the change real?"* (p-value); a distance answers *"how
# >   big is it?"* (effect size). With many rows, tiny harmless changes are "real", so we alert
# >   only when a change is **both real and big enough to matter**.
# > - Ten inputs checked every week make 200 checks in 20 weeks: without a correction, about
# >   **ten false alarms** arrive by chance. A correction (Benjamini–Hochberg) keeps the alarm
# >   list trustworthy.
# > - A drift alert is a **warning, not a verdict**: it says the model now works on unfamiliar
# >   applicants. The next question is whether its decisions are still good — lessons 04 and
# >   05 answer that.

# %% [markdown]
# ## What you will be able to do
#
# 1. Compare the distribution of a feature in production with the reference period, by eye.
# 2. Choose between five drift measures — **Kolmogorov–Smirnov, chi-squared, PSI,
#    Jensen–Shannon, Wasserstein** — by what they measure and the column type.
# 3. Explain why a p-value alone flags everything on large data, and why PSI > 0.1 alone can
#    miss a real shift; state the rule that combines significance with effect size.
# 4. Control false alarms across many columns with **Bonferroni** or **Benjamini–Hochberg**.
# 5. Test a whole batch in one call and read the tidy table: which columns drifted, how much,
#    and why a column was not flagged.
#
# **Why this matters to the business:** drift is usually the *first* sign of trouble, weeks
# before late-arriving outcomes show a loss. But a monitor that cries wolf is soon ignored: the
# skill is to flag what is real and large, and nothing else.

# %% [markdown]
# ## The data: a marketing campaign changes who applies
#
# Scenario `covariate_shift_sudden`: half-way through the stream, an app-only campaign brings
# younger applicants with shorter credit histories, and many more apply online. Because the
# scenario is synthetic, its **ground truth** says exactly what changed.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from modellab import drift, plots
from modellab.scenarios import make

plots.set_style()
scenario = make("covariate_shift_sudden", seed=0)
features = scenario.features               # the ten inputs of the model
reference = scenario.reference[features]   # 5,000 applications of the validation period
before = scenario.batch(5)[features]       # a week before the campaign (1,000 applications)
after = scenario.batch(12)[features]       # a week after it
scenario.truth[["features", "start_batch", "end_batch", "magnitude", "unit"]]

# %% [markdown]
# ## Look first: reference against one production week
#
# Before any statistic, draw the two distributions. Below: `age` (moved by the campaign),
# `income` (untouched) and `channel` (a categorical feature, moved) for week 12.

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 3.8), layout="constrained")
for ax, column in zip(axes, ["age", "income", "channel"], strict=True):
    plots.distribution(reference, after, column=column, ax=ax, labels=("reference", "week 12"))
plt.show()

# %% [markdown]
# The age curve has slid to the left and online applications jumped; income looks the same up
# to sampling noise. A drift measure turns "looks different" into a number — and a rule.

# %% [markdown]
# ## Five ways to measure a change
#
# | measure | what it measures | column type | gives | flags drift when |
# |---|---|---|---|---|
# | **Kolmogorov–Smirnov** (`drift.ks`) | largest gap between the two cumulative distributions | numeric | statistic + **p-value** | p < 0.05 |
# | **chi-squared** (`drift.chi2`) | do counts per category (or per bin) differ more than chance allows? | categorical (numeric after binning) | statistic + **p-value** | p < 0.05 |
# | **PSI** (`drift.psi`) | population stability index: Σ (cur − ref) · ln(cur / ref) over 10 bins | both | a distance | ≥ 0.1 (bands: < 0.1 stable, 0.1–0.25 investigate, > 0.25 act) |
# | **Jensen–Shannon** (`drift.jensen_shannon`) | distance between the two shares, 0 (same) to 1 (disjoint) | both | a distance | ≥ 0.1 |
# | **Wasserstein** (`drift.wasserstein`) | how far values moved, in reference standard deviations | numeric | a distance | ≥ 0.1 |
#
# Numeric columns are binned on **reference quantiles** (10 bins of equal reference share) for
# chi-squared, PSI and Jensen–Shannon. Tests answer *is it real?*; distances answer *how big?*

# %%
rows = []
for column in ["age", "income", "channel"]:
    methods = ["ks", "chi2", "psi", "jensen_shannon", "wasserstein"]
    if column == "channel":  # KS and Wasserstein need numbers
        methods = ["chi2", "psi", "jensen_shannon"]
    for method in methods:
        result = drift.run_test(method, reference[column], after[column])
        rows.append({"column": column, "method": method, "statistic": result.statistic,
                     "p_value": result.p_value, "threshold": result.threshold,
                     "drifted": result.drifted})
pd.DataFrame(rows).round(4)

# %% [markdown]
# Every test returns a small frozen result, like `scipy.stats` does:

# %%
drift.ks(reference["age"], after["age"])

# %% [markdown]
# **Reading it.** All five agree that `age` and `channel` moved and `income` did not. On a real
# 0.8-sd shift they all agree; they part ways on *small* changes and *large* samples.

# %% [markdown]
# ## Significant is not the same as important
#
# A p-value answers: *if nothing had changed, how surprising would this difference be?* It
# depends on the size of the change **and on the number of rows**. With enough rows, any change
# is surprising.
#
# An experiment on a standardised feature (mean 0, sd 1), with samples of growing size `n`:
#
# - `tiny`: production moved by **0.02 sd** — harmless (about 2 months on a 9-year age spread);
# - `real`: production moved by **0.25 sd** — a change worth knowing about.
#
# `drift.compare` tests both columns; we keep the KS p-value, the Wasserstein distance and PSI.

# %%
rng = np.random.default_rng(0)
sizes = [500, 2_000, 10_000, 50_000, 200_000]
results = []
for n in sizes:
    ref = pd.DataFrame({"tiny": rng.normal(size=n), "real": rng.normal(size=n)})
    cur = pd.DataFrame({"tiny": rng.normal(0.02, size=n), "real": rng.normal(0.25, size=n)})
    table = drift.compare(ref, cur)                 # the default "auto" rule (next section)
    table["psi"] = drift.compare(ref, cur, method="psi")["statistic"].to_numpy()
    results.append(table.assign(n=n))
experiment = pd.concat(results, ignore_index=True)

plots.significance_vs_size(experiment.rename(columns={"effect_size": "wasserstein"}),
                           distances=("wasserstein", "psi"))
plt.show()

# %% [markdown]
# Left: the **tiny** shift's p-value falls below 0.05 once there are tens of thousands of rows
# (the table below: 0.0002 at 50,000 rows), although nothing worth acting on happened. Right:
# the Wasserstein distance measures the size of the change — about 0.02 and 0.25 at every `n`.
# And **PSI stays below 0.1 (about 0.06 to 0.08) for the real 0.25-sd shift**: the popular
# "PSI > 0.1" rule misses it.
#
# Note the first point: with 500 rows, sampling noise alone puts the tiny shift's Wasserstein
# distance at 0.10. At small `n` it is the p-value that says "this could be noise".

# %%
experiment[["n", "column", "p_value", "effect_size", "psi", "drifted", "reason"]].round(4)

# %% [markdown]
# ### Reading PSI: the bands, what they mean, and their bias
#
# Credit teams read PSI with conventional bands: **below 0.1 stable, 0.1–0.25 investigate,
# above 0.25 act**. Two facts make those bands easier to use:
#
# - **PSI ≈ d² for a mean shift.** For a normal feature whose mean moves by *d* standard
#   deviations, PSI is about d²: a 0.25-sd shift gives about 0.06 (the table above, at large
#   `n`), so "investigate" starts near a 0.3-sd shift and "act" near a 0.5-sd shift. (On a
#   skewed feature the same shift in sds can give a much larger PSI: `03_data_drift_further`
#   shows it on income.)
# - **PSI is biased upwards at small n.** Sampling noise makes the two histograms differ even
#   when nothing changed, and PSI adds up those differences without cancelling them. Compare
#   500 rows with 500 rows of the *same* distribution, many times:

# %%
null_psi = np.array([drift.psi(rng.normal(size=500), rng.normal(size=500)).statistic
                     for _ in range(200)])
print(f"PSI, 500 vs 500 rows, no change: mean {null_psi.mean():.3f}, "
      f"95th percentile {np.quantile(null_psi, 0.95):.3f}")
print(f"PSI of a 0.25-sd shift at n = 200,000: {experiment.iloc[-1]['psi']:.3f} "
      f"(d² = {0.25 ** 2:.4f})")

# %% [markdown]
# With 500 rows a side, PSI averages about 0.04 with no change at all, and one time in twenty
# it exceeds 0.07: on small batches, part of the PSI is noise. Read PSI bands on batches of
# thousands of rows, or next to a test that accounts for `n`.

# %% [markdown]
# ## The `auto` rule: real AND big enough
#
# `DriftDetector` (and `compare`) use `method="auto"` by default. A column is flagged only when
# **both** hold:
#
# 1. **Real** — the test for its type (KS for numeric, chi-squared for categorical) gives a
#    p-value below 0.05 *after* a multiple-testing correction across all the columns tested
#    together (next section). A numeric column with only a few values, such as
#    `num_open_accounts` (0 to 12), is **discrete**: quantile bins would collapse on its
#    ties, so it is tested with chi-squared on its values.
# 2. **Big enough** — the effect size is above a floor: a Wasserstein distance of at least
#    **0.1 reference sd** (numeric and discrete), or a Jensen–Shannon distance of at least
#    **0.05** (categorical).
#
# Sample size decides which condition binds. With a few hundred rows only large changes are
# significant, so the p-value protects against noise. With millions, everything is significant,
# so the floor decides. The `reason` column above says which one stopped a flag: *not
# significant* at small `n`, *significant but below the effect floor* at large `n`.
#
# The floors are settings (`min_wasserstein=`, `min_jensen_shannon=`): agree on them with the
# business, as "the smallest change we would act on".

# %% [markdown]
# ## Many columns, many batches: false alarms add up
#
# At alpha = 0.05, one test on unchanged data raises a false alarm 5% of the time. A monitor
# runs **10 features × 20 weekly batches = 200 tests**:

# %%
alpha, n_features, n_batches = 0.05, 10, 20
print(f"expected false alarms in 20 weeks, no correction: {alpha * n_features * n_batches:.0f}")
print(f"chance of at least one false alarm in a given week: {1 - (1 - alpha) ** n_features:.0%}")

# %% [markdown]
# Two corrections adjust the p-values of the tests run together (here: the ten columns of one
# batch) before comparing them with alpha:
#
# - **Bonferroni** multiplies each p-value by the number of tests. It controls the chance of
#   *any* false alarm; it is strict and misses more real drift.
# - **Benjamini–Hochberg (BH)** controls the expected *share of false alarms among the flags*
#   (false discovery rate). It keeps more real detections, and is the default of
#   `DriftDetector` (`correction="bh"`).

# %%
p_values = [0.001, 0.012, 0.019, 0.03, 0.2, 0.6]
pd.DataFrame({"p_value": p_values,
              "bonferroni": drift.adjust_p_values(p_values, "bonferroni"),
              "bh": drift.adjust_p_values(p_values, "bh")}).round(3)

# %% [markdown]
# Raw p-values flag four columns at 0.05; Bonferroni keeps one, BH keeps four. Bonferroni
# multiplies every p-value by the number of tests m; BH multiplies the k-th smallest by only
# m / k (and keeps the adjusted values in order).
#
# Now on a real quiet world: the `stable` scenario, where **nothing** drifts. We switch the
# effect floors off to look at the p-values alone, and count flags over its 200 tests.

# %%
stable = make("stable", seed=0)
stable_batches = [b[features] for b in stable.iter_batches()]
false_alarms = {}
for correction in [None, "bonferroni", "bh"]:
    detector = drift.DriftDetector(correction=correction, min_wasserstein=0,
                                   min_jensen_shannon=0).fit(stable.reference[features])
    false_alarms[str(correction)] = sum(int(detector.test(b)["drifted"].sum())
                                        for b in stable_batches)
pd.Series(false_alarms, name="false alarms in 200 tests")

# %% [markdown]
# Without a correction, about half a dozen false alarms (fewer than the ten expected: the
# tests are slightly conservative on binned data). With either correction, one. A correction
# makes alarms *rare*, not impossible: it works **within one batch**, keeping the chance of
# any false flag among that week's ten columns near 5%. Over 20 weeks that is about
# 20 × 0.05 = 1 stray flag expected — exactly what we see. A stray flag is usually a small
# effect: an alert rule with a higher effect floor (lesson 08 alerts on a drift of 0.2 sd or
# more) or one that waits for a second week filters it out.

# %% [markdown]
# ## A whole batch at once: `DriftDetector` and `compare`
#
# `DriftDetector` follows scikit-learn: **fit on the reference, then test** each new batch. It
# keeps a small summary of the reference (bin counts, not rows), so testing a batch is fast.
# Run it on all 20 weeks and draw the flags:

# %%
detector = drift.DriftDetector().fit(reference)
weekly = pd.concat([detector.test(batch[features]).assign(batch=b)
                    for b, batch in scenario.production.groupby("batch")], ignore_index=True)
plots.drift_heatmap(weekly, value="drifted", title="covariate_shift_sudden: drifted features")
plt.show()
early = weekly[weekly["drifted"] & (weekly["batch"] < 10)]
print("flags before the campaign:", early[["batch", "column", "effect_size"]].round(2).to_dict("records"))

# %% [markdown]
# The three features of the ground truth light up from week 10, in every week. One other cell
# is orange: `interest_rate` in week 9, a small effect of about 0.12 sd (printed under the
# figure). Before the campaign this scenario draws the same applicants as `stable` (same
# seed), so it is the very stray flag counted above.
#
# The table behind one week — one row per column, stable column names (`drift.TABLE_COLUMNS`):

# %%
week12 = detector.test(after)
week12[["column", "kind", "method", "p_value_adjusted", "effect_size", "effect_measure",
        "drifted", "reason"]].round(4)

# %% [markdown]
# `drift.compare(reference, after)` is the same in one call (it fits a new detector each time).
# A **dataset-level** verdict counts the drifted share of columns:

# %%
drift.dataset_drift(week12, share=0.5)

# %% [markdown]
# Three of ten columns (30%) drifted: below a 50% "dataset drift" bar. A share is a blunt
# summary — one drifted key feature can matter more than five minor ones — so always read which
# columns drifted, not just how many.

# %% [markdown]
# ## Why it matters: drift is a warning, not a verdict
#
# Drift says the model now scores more applicants of a kind it saw *less often* in training.
# It is **extrapolating** only when the shift leaves the training data's range altogether
# (ages, incomes or categories it never saw); inside that range it has seen such applicants,
# just fewer of them. Either way, whether its decisions got worse is a separate question,
# answered by performance metrics once outcomes arrive. Here, the campaign brought riskier
# applicants, but who defaults *given a profile* did not change:

# %%
from modellab import metrics

history = metrics.by_batch(scenario.production, threshold=scenario.threshold,
                           metrics=["roc_auc", "positive_rate", "base_rate"])
history["drift_share"] = weekly.groupby("batch")["drifted"].mean().to_numpy()
validation = metrics.classification_summary(scenario.reference["default"],
                                            scenario.reference["score"],
                                            threshold=scenario.threshold)
fig, axes = plt.subplots(1, 3, figsize=(15, 3.6), layout="constrained")
plots.metric_over_time(history, "drift_share", ax=axes[0])
plots.metric_over_time(history, "roc_auc", reference=validation["roc_auc"], ax=axes[1])
axes[1].set_ylim(0.5, 1.0)  # on the full 0.5 (chance) to 1 scale, week-to-week noise is small
plots.metric_over_time(history, "positive_rate", reference=validation["positive_rate"],
                       ax=axes[2])
plt.show()
campaign = history["batch"] >= 10
print(f"default rate: weeks 0-9 {history.loc[~campaign, 'base_rate'].mean():.1%}, "
      f"weeks 10-19 {history.loc[campaign, 'base_rate'].mean():.1%}")

# %% [markdown]
# From week 10 the drift share jumps to 30%, ROC-AUC stays near its validation level (the
# model still ranks risk well), and the share of declined applications rises — because the
# new applicants really are riskier (the default rate goes from about 11% to about 15%,
# printed under the figure). The alert was right to fire: the business must decide whether
# it accepts more declines from the new channel, and the team should confirm performance as
# outcomes arrive. **No retraining is needed yet** — that is the verdict the metrics, not the
# drift test, deliver.

# %% [markdown]
# ## Recap
#
# - **Look first**: reference vs production distributions, one feature at a time.
# - **KS** (numeric) and **chi-squared** (categorical) test *whether* a change is real;
#   **PSI**, **Jensen–Shannon** and **Wasserstein** measure *how big* it is.
# - **p-values depend on n**: from tens of thousands of rows a 0.02-sd wobble is
#   "significant". **PSI > 0.1** misses a 0.25-sd shift of a normal feature (PSI ≈ d², about
#   0.06). Read PSI with its bands (< 0.1 stable, 0.1–0.25 investigate, > 0.25 act), and
#   remember its upward bias on small batches. The `auto` rule needs *significant* (after
#   correction) **and** an effect above a floor.
# - **Many tests**: 200 uncorrected tests give about 10 false alarms; **BH** controls the share
#   of false alarms among flags and keeps more real drift than **Bonferroni**. Corrections work
#   within a batch: over 20 weeks, about one stray flag remains.
# - `DriftDetector().fit(reference).test(batch)` gives one tidy row per column;
#   `dataset_drift` the drifted share of columns.
# - Drift is a **warning**: confirm with performance metrics before acting.
#
# **Next:** `ex02_data_drift` (graded), then `04_concept_drift` — when the inputs stay the same
# but the world's rules change. Optional: `03_data_drift_further` — drift in how columns move
# *together* (a domain classifier), and an explorer of the shift each measure needs.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** With 1,000,000 rows, KS gives p = 1e-29 for income, Wasserstein 0.02 sd. What now?
#
# - **a)** Alert: a p-value this tiny means the change in income is huge.
# - **b)** The test is broken: p-values cannot be that small on real data.
# - **c)** No alert: the change is real but below the 0.1-sd floor.
#
# **Q2.** Which measure would you use for `region` (six categories)?
#
# - **a)** chi-squared (test) with Jensen–Shannon (size)
# - **b)** Kolmogorov–Smirnov on the category codes 0 to 5
# - **c)** Wasserstein distance between the category codes
#
# **Q3.** 10 features x 20 weeks, alpha 0.05, no correction, nothing really changed. How many false alarms?
#
# - **a)** About 0 false alarms, because nothing really changed.
# - **b)** About 10 false alarms
# - **c)** About 1 false alarm, since alpha is only 5%.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "8df5900ad393cb5b", name="Q1",
           hint='a p-value says how sure we are, not how big the change is',
           explain='With a million rows, even a 0.02-sd wobble is detectable; the effect size decides.')
self_check(q2, "abc", "8b869ee012e9f2d4", name="Q2",
           hint='two of the measures need numbers with an order',
           explain='KS and Wasserstein need numeric values; categories use chi-squared and JS or PSI.')
self_check(q3, "abc", "de0921102a00fbbe", name="Q3",
           hint='200 tests, each wrong 5% of the time',
           explain='200 × 0.05 = 10; a correction such as Benjamini–Hochberg brings it down.')

# %% [markdown]
# # 06 · Inside the average: segments and fairness
#
# A credit model is judged on averages: one ROC-AUC, one default rate, one approval rate. But
# a lender does not lend to an average. A model can fail one region, one channel or one age
# group while every overall number stays green. This lesson looks **inside the average**: the
# same metrics per segment, with intervals, a rule that says when a segment has fallen behind
# beyond noise, and the fairness measures a regulator asks a lender about.
#
# About 45 minutes. The graded exercise `ex10_segments_fairness` follows this lesson.

# %% [markdown]
# > **Executive summary**
# >
# > - **Averages hide failures.** In this lesson's first world the model's overall ROC-AUC and
# >   recall move less than their usual week-to-week noise and the default rate stays under its
# >   alert line, while in one region the model misses far more defaulters than before.
# > - **Per-segment metrics need intervals.** A small segment's recall swings by chance; we
# >   only call a segment "behind" when its gap to the rest is beyond noise, **corrected for
# >   the number of segments** we looked at.
# > - **Fairness is measured, not assumed.** Credit scoring is a high-risk use under the EU AI
# >   Act; a lender must show that approvals (four-fifths rule), creditworthy applicants'
# >   chances (equal opportunity) and the meaning of a score (calibration) hold for every
# >   protected group — each with an interval and a plain-language reading.
# > - **Act on the segment, not the average:** recalibrate or retrain for the group that
# >   drifted, and record the decision (lesson 10).

# %% [markdown]
# ## What you will be able to do
#
# 1. Compute any metric per segment (categories or bins of a number) with confidence intervals,
#    with `modellab.metrics.by_segment`.
# 2. Explain why overall metrics can stay flat while one segment collapses.
# 3. Decide whether a segment is behind the rest **beyond noise**, with a Bonferroni
#    correction for the number of segments, and turn that into an alert rule.
# 4. Measure the approval-rate ratio (four-fifths rule), the equal-opportunity difference and
#    calibration within groups, and read each one out loud to a manager.
#
# **Why this matters to the business:** a model that quietly under-states the risk of one
# region books losses there for months; a model that treats a protected group worse exposes the
# lender to regulators and to its customers. Both are invisible in the averages.

# %% [markdown]
# ## The data: a plant closes in the east
#
# Scenario `segment_shift`: half-way through the stream, a large employer in the east closes.
# Applicants from the east look exactly as before, but they default far more often. The east
# is about one application in six.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from modellab import metrics, plots
from modellab.monitor.segment_rules import SegmentBehind
from modellab.scenarios import make

plots.set_style()
scenario = make("segment_shift", seed=0)
production = scenario.production
after = production["batch"] >= 10
scenario.truth[["kind", "features", "start_batch", "end_batch", "description"]]

# %% [markdown]
# ## The overall view: nothing to see
#
# The weekly ROC-AUC and default rate, as a dashboard of averages would show them. The dotted
# line marks the plant closure.

# %%
weekly = metrics.by_batch(production, metrics=["roc_auc", "recall", "base_rate"],
                          threshold=scenario.threshold)
fig, axes = plt.subplots(1, 2, figsize=(12, 3.4), layout="constrained")
for ax, m, label in zip(axes, ["roc_auc", "base_rate"], ["ROC-AUC", "default rate"], strict=True):
    ax.plot(weekly["batch"], weekly[m], marker="o")
    ax.axvline(9.5, ls=":", color="grey")
    ax.set(xlabel="week", title=f"overall {label} per week")
plt.show()
overall = production.groupby(after.map({False: "before", True: "after"}))
print(overall.apply(lambda d: metrics.classification_summary(
    d["default"], d["score"], scenario.threshold)[["roc_auc", "recall", "base_rate"]]).round(3))
spread = weekly.loc[weekly["batch"] < 10, ["roc_auc", "recall", "base_rate"]].std()
print("week-to-week SD before the closure:", spread.round(3).to_dict())

# %% [markdown]
# ROC-AUC and recall dip a little after week 10 (0.805 to 0.785, 0.50 to 0.46), by less than
# they wander from one week to the next. The default rate rises by about three points (10.6% to
# 13.9%): several times its weekly wobble, so it is real — but below the five-point alert of
# lesson 08's default rules, and it does not say where. No rule on the averages fires.

# %% [markdown]
# ## Inside the average: metrics per region
#
# `by_segment` computes the same metrics per segment, each with a bootstrap interval (rows
# resampled within the segment). The figure shows recall — the share of defaulters the model
# flags — per region, before and after the closure.

# %%
tables = {when: metrics.by_segment(production[mask], "region", ["recall", "base_rate"], seed=0)
          for when, mask in [("before", ~after), ("after", after)]}
fig, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
for shift, (when, t) in zip([-0.15, 0.15], tables.items(), strict=True):
    r = t[t["metric"] == "recall"].reset_index(drop=True)
    x = np.arange(len(r)) + shift
    ax.errorbar(x, r["value"], yerr=[r["value"] - r["lower"], r["upper"] - r["value"]],
                fmt="o", capsize=3, label=when)
ax.set_xticks(np.arange(len(r)), r["segment"])
ax.set(ylabel="recall (95% interval)", title="recall per region, before and after week 10")
ax.legend()
plt.show()

# %% [markdown]
# The east stands out after the closure: its recall falls below every other region. The
# intervals are wide — each region has only 60 to 540 defaulters — which is why we need
# a rule that knows about noise. The table behind the figure, after the closure:

# %%
tables["after"].round(3)

# %% [markdown]
# Two columns tell the story: the east's **default rate** (`base_rate`) jumped while its recall
# fell. The model scores easterners as before, so the new defaulters get ordinary scores and
# slip under the threshold.

# %% [markdown]
# ## Behind the rest, beyond noise
#
# With six regions, one of them is *always* the worst, and by chance alone one will often look
# clearly behind. `segment_gaps` compares each segment with **the rest of the same batch**, and
# widens the interval with a **Bonferroni correction**: with k segments, each gap gets a
# 1 − 0.05/k interval, so the chance of *any* false "behind" in a batch stays near 5%.
#
# Weekly batches hold about 160 easterners — too few to judge recall reliably — so we judge
# monthly (four weeks pooled):

# %%
monthly = production.assign(month=production["batch"] // 4)
gaps = metrics.segment_gaps(monthly, "region", "recall", by="month", n_boot=500, seed=0)
rule = SegmentBehind("recall")
alerts = rule.evaluate(gaps)
print(f"{len(gaps)} (month, region) gaps judged, interval level {gaps['ci'].iloc[0]:.2%}")
alerts[["batch", "subject", "value", "message"]]

# %% [markdown]
# The rule fires only for the east, and only in the months after the closure (months 2 to 4
# are weeks 8 to 19; the closure is in week 10). `SegmentBehind` follows the same protocol as
# the monitor's rules of lesson 08 (same alert columns), so its alerts go into the same table,
# report and alert scoring.

# %% [markdown]
# ## Fairness: young applicants after a campaign
#
# Scenario `protected_group`: an app campaign brings younger applicants, and those under 25
# default far more often than the model expects (debts the credit bureau does not see). Age is
# a protected characteristic under EU equality law; the EU AI Act lists creditworthiness
# scoring as high-risk (Annex III). Three questions a fair-lending review asks, per age band:
#
# | measure | question | yardstick |
# |---|---|---|
# | **approval-rate ratio** | are groups approved at similar rates? | lowest / highest ≥ 0.8 (four-fifths rule) |
# | **equal-opportunity difference** | are *creditworthy* applicants approved equally often? | gap ≤ 10 points |
# | **calibration within groups** | does a score of 10% mean 10% defaults in every group? | gap ≈ 0 |

# %%
young = make("protected_group", seed=0)
late = young.production[young.production["batch"] >= 10]
bands = [18, 25, 35, 50, 81]
calibration = metrics.calibration_by_group(late, "age", bins=bands, n_boot=200, seed=0)
fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
x = np.arange(len(calibration))
ax.bar(x - 0.2, calibration["predicted"], 0.4, label="predicted (mean score)")
ax.bar(x + 0.2, calibration["observed"], 0.4, label="observed default rate",
       yerr=[calibration["gap"] - calibration["lower"], calibration["upper"] - calibration["gap"]],
       capsize=3)
ax.set_xticks(x, calibration["group"])
ax.set(xlabel="age band", ylabel="default rate", title="calibration within age bands, after week 10")
ax.legend()
plt.show()

# %% [markdown]
# For everyone aged 25 and over, predicted and observed defaults agree. For the under-25s the
# model predicts far fewer defaults than happen. Each row comes with a reading for a manager:

# %%
for text in calibration["reading"]:
    print("-", text)

# %% [markdown]
# Now the two decision measures. Approvals need no labels (checked the day decisions are made);
# equal opportunity needs outcomes.

# %%
ratio = metrics.approval_rate_ratio(late, "age", bins=bands, n_boot=200, seed=0)
opportunity = metrics.equal_opportunity_difference(late, "age", bins=bands, n_boot=200, seed=0)
print(ratio)
print(ratio.reading, "\n")
print(opportunity)
print(opportunity.reading)

# %% [markdown]
# Read the three together. The model **approves** young applicants less often than older ones
# (it already scored youth as riskier), and among good borrowers the young are turned away more
# often; each measure says whether it crosses its yardstick, with the interval. But the most
# urgent finding is calibration: the model **under-states** the young's risk, so the lender is
# *losing money* on them while still declining more of them than of other groups. The fix is
# not to drop age — the campaign changed who the young applicants are — but to recalibrate or
# retrain on recent data for this group, and to document it (lesson 10).
#
# Fairlearn, the field's library for these measures, gives the same numbers (the course's tests
# check `by_segment` against `fairlearn.metrics.MetricFrame`); `modellab` adds the intervals, the
# lending conventions (approval = not flagged) and the readings.

# %% [markdown]
# ## Explore: the threshold moves the fairness numbers
#
# Move the decision threshold and watch approval rates per age band and the four-fifths ratio.
# A higher threshold approves more applicants overall — does it close the gap between groups?

# %%
import ipywidgets as widgets


def approvals_at(threshold=0.20):
    frame = late.assign(prediction=(late["score"] >= threshold).astype(int))
    r = metrics.approval_rate_ratio(frame, "age", bins=bands, n_boot=100, seed=0)
    fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
    ax.bar(r.by_group["group"], r.by_group["rate"])
    ax.axhline(0.8 * r.by_group["rate"].max(), ls=":", color="grey", label="4/5 of the best rate")
    ax.set(ylim=(0, 1), ylabel="approval rate",
           title=f"threshold {threshold:.2f}: ratio {r.value:.2f} ({r.low:.2f}-{r.high:.2f})")
    ax.legend(loc="lower right")
    plt.show()


widgets.interact(approvals_at, threshold=widgets.FloatSlider(value=0.20, min=0.05, max=0.5,
                                                             step=0.01, continuous_update=False))

# %% [markdown]
# The same question for four thresholds at once:

# %%
rows = []
for threshold in [0.10, 0.20, 0.30, 0.40]:
    frame = late.assign(prediction=(late["score"] >= threshold).astype(int))
    r = metrics.approval_rate_ratio(frame, "age", bins=bands, n_boot=100, seed=0)
    rows.append({"threshold": threshold, "ratio": r.value, "young approved": r.by_group["rate"].iloc[0],
                 "best band approved": r.by_group["rate"].max()})
pd.DataFrame(rows).round(3)

# %% [markdown]
# Raising the threshold lifts every band's approval rate and the ratio with it (below the
# four-fifths line at 0.10, above it from 0.20) — and approves more of the under-25s whose risk
# the model already under-states. Fairness measures and losses must be read together.

# %% [markdown]
# ## Recap
#
# - Overall metrics can stay within their noise while one segment collapses: **look inside the
#   average**, every month, for the segments the business cares about.
# - `by_segment(frame, segment, metrics, bins=...)` gives a tidy table with **intervals**;
#   small segments have wide ones.
# - A segment is **behind** when its gap to the rest of the batch is beyond a
#   Bonferroni-corrected interval (`segment_gaps` + `SegmentBehind`); pool weeks into months
#   when segments are small.
# - Fairness: **approval-rate ratio** (four-fifths rule, no labels needed), **equal-opportunity
#   difference** (creditworthy applicants, needs labels), **calibration within groups** (does a
#   score mean the same in every group) — each with an interval and a plain-language reading.
#
# **Next:** `ex10_segments_fairness` (graded), then `07_data_contracts`.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** Overall ROC-AUC is steady, but region east's recall fell from 0.50 to 0.37. Six regions are checked. What do you do?
#
# - **a)** Nothing: the overall number is what the board reads.
# - **b)** Check whether the gap to the rest is beyond a Bonferroni-corrected interval, then investigate the east.
# - **c)** Retrain the whole model at once on the latest month.
#
# **Q2.** Group A is approved 60% of the time, group B 80%. The approval-rate ratio is:
#
# - **a)** 0.20, the difference of the two rates.
# - **b)** 1.33, so group A is favoured.
# - **c)** 0.75, below the four-fifths line.
#
# **Q3.** Why does equal opportunity need outcomes, while the approval-rate ratio does not?
#
# - **a)** It compares approvals among borrowers who repaid, and repayment is known only later.
# - **b)** It is a regulatory measure, and regulators only accept labelled data.
# - **c)** It uses the scores instead of the decisions.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "948c6241d43fda67", name="Q1",
           hint="one of six segments is always the worst; is this one worse than chance?",
           explain="Six segments make six chances of a fluke: correct for them, then act on the segment.")
self_check(q2, "abc", "c92422938f99cb54", name="Q2",
           hint="divide the lowest rate by the highest",
           explain="0.60 / 0.80 = 0.75 < 0.8: evidence of adverse impact the lender must justify.")
self_check(q3, "abc", "fb884379d149a3cc", name="Q3",
           hint="who counts as a 'creditworthy' applicant?",
           explain="Creditworthy means 'repaid', which is only known once the loan has run.")

# %% [markdown]
# # 12 · Capstone: a production incident, from first alert to final report
#
# Everything from the course, in one morning. The monitor of our credit-risk model has just
# raised a critical alert. You are the model-monitoring specialist on call: find out what
# happened, decide what to do, and tell the people who need to know — before the outcomes that
# would prove you right have arrived.
#
# About 30 minutes as a workshop briefing, where the instructor runs the cells and the class
# discusses each decision. On your own, allow about an hour and a quarter: there are over 40 code
# cells and an incident log to read. The graded exercise `ex06_capstone` gives you a different
# incident to solve on your own.

# %% [markdown]
# > **Executive summary — for readers who skip the code**
# >
# > - An incident runs through five steps: **alert → triage → diagnosis → decision →
# >   communication**. Write each finding into an *incident log* as you go: it becomes the report.
# > - The newest weeks have **no outcomes yet**, so the first hours run on label-free signals:
# >   the share of loans flagged, the average score, and which inputs changed, since when.
# > - The first question is always **"is it our data or the world?"** The evidence for a
# >   pipeline bug is **implausible values** (wrong units, empty fields, impossible combinations)
# >   and an entry in a **change log** (a release, a new feed) at the same date — not the speed
# >   of the change: a campaign can change customers overnight, and a bug can creep in branch by
# >   branch. A bug is fixed by rolling the pipeline back; a real change in customers is watched,
# >   and the model recalibrated or retrained once outcomes show it is needed.
# > - Look **inside the average**: which channel or age band is hit, with intervals, and the
# >   fairness reading a regulator asks for (the four-fifths rule, equal opportunity).
# > - Price the damage in money, act on the urgent part first, and tell each audience what it
# >   needs: what happened, since when, who is affected, what it costs, what we do, and when we
# >   report next.

# %% [markdown]
# ## What you will be able to do
#
# 1. Run an incident from the monitor's alert to a written report, keeping an incident log.
# 2. Triage with label-free signals when the latest outcomes have not arrived.
# 3. Find which features drifted and since when, and tell a data-quality bug from a real change.
# 4. Use a domain classifier to check what changed jointly, beyond one column at a time, and
#    look inside the average: which segment is hit, and what a fair-lending review would see.
# 5. Estimate the business impact, choose between rollback, recalibration, retraining and waiting.
# 6. Write an executive summary and a model-card incident entry, and check your diagnosis.

# %% [markdown]
# ## Why this matters to the business
#
# A credit model in trouble costs money in two ways: it approves loans that will not be repaid,
# or it turns good customers away. Both happen *now*, while the evidence — whether loans default
# — arrives weeks later. Teams that wait for proof lose weeks of business; teams that react to
# every wobble retrain models that were fine. This lesson is about acting on the right evidence,
# at the right speed, and saying so clearly.

# %% [markdown]
# ## The situation
#
# It is Monday 12 May 2025, 09:00. The lender's credit-risk model scores every loan application;
# a score of 0.20 or more flags the application as a likely default and it is declined. A weekly
# monitor checks each batch of applications against the reference period.
#
# The cell below loads the lending world of this incident. Its code is **folded on purpose**: in
# a real incident nobody hands you the answer. Leave it folded until section 7.

# %% jupyter={"source_hidden": true}
from modellab import scenarios

broker_campaign = scenarios.gradual(start=9, full=13)
scenario = scenarios.custom(
    [
        scenarios.change_mix("channel", {"broker": 0.45}).at(broker_campaign),
        scenarios.shift("loan_amount", by=0.6).at(broker_campaign),
        scenarios.unit_change("income", 0.001).at(scenarios.sudden(16)),
        scenarios.label_delay(4),
    ],
    seed=8, n_batches=18, name="capstone_incident",
)
reference, production = scenario.reference, scenario.production
features = scenario.features

# %% [markdown]
# We keep an **incident log**: one line per finding, with the evidence behind it. `log` adds a
# line; the whole log is shown at the end. It is the only helper in this notebook.

# %%
import pandas as pd

pd.set_option("display.max_colwidth", None)  # show alert messages and findings in full
incident_log = []


def log(time, step, finding, evidence):
    """Add one line to the incident log."""
    incident_log.append({"time": time, "step": step, "finding": finding, "evidence": evidence})
    print(f"logged {time} {step}: {finding}")


# %% [markdown]
# ## 1 · Alert (09:00)
#
# The monitor runs the course's default rules plus one the business asked for: **the share of
# applications flagged may not rise more than 10 points above the reference** (critical) — a
# lender that suddenly declines far more customers wants to know the same day.

# %%
import matplotlib.pyplot as plt

from modellab import plots
from modellab.monitor import MetricRiseFrom, Monitor, default_rules

plots.set_style()
rules = default_rules() + [MetricRiseFrom("positive_rate", by=0.10, severity="critical")]
result = Monitor(reference, rules=rules).run(production)
history = result.history
result

# %% [markdown]
# A figure first: the share of applications flagged, per weekly batch, with the alerts marked.

# %%
plots.metric_over_time(history, "positive_rate", alerts=result.alerts,
                       reference=result.reference["positive_rate"],
                       title="Share of applications flagged (declined) per batch")
plt.show()

# %% [markdown]
# The alerts on the two newest batches, as the monitor wrote them:

# %%
latest = result.alerts[result.alerts["batch"] >= 16]
latest[["batch", "severity", "subject", "message"]]

# %%
flag_now = history["positive_rate"].iloc[-1]
flag_ref = result.reference["positive_rate"]
log("09:00", "alert",
    f"Critical: the model flags {flag_now:.0%} of applications in batch 17 "
    f"(reference {flag_ref:.0%}); it started in batch 16",
    "monitor alerts; flag-rate chart")

# %% [markdown]
# ## 2 · Triage (09:30): how bad, how urgent, what do we know?
#
# **Which evidence do we have?** Outcomes (did the loan default?) arrive weeks late. The monitor
# counts the labelled rows of every batch:

# %%
history[["batch", "start", "n", "n_labelled", "roc_auc", "positive_rate", "mean_score"]].tail(6)

# %% [markdown]
# The four newest batches have **no labels**: ROC-AUC and recall are unknown there. What we
# *can* see is label-free: the flag rate and the mean score jumped in batches 16 and 17.
#
# **How urgent?** Roughly 6 in 10 applicants are now declined instead of about 1 in 7. Every day
# this continues, good customers are turned away. That is urgent, whatever the cause.
#
# **Is it the only problem?** Look back at *all* alerts, not just today's: one line per rule and
# subject, with the first and last batch it fired on.

# %%
(result.alerts.groupby(["severity", "subject"], as_index=False)
 .agg(first_batch=("batch", "min"), last_batch=("batch", "max"), alerts=("batch", "size"))
 .sort_values("first_batch"))

# %% [markdown]
# Two stories, not one. Since batch 10 the monitor has warned every week that `loan_amount`
# drifted — a warning nobody escalated. Today's critical alert is new. We triage both.

# %%
log("09:30", "triage",
    "Urgent: ~6 in 10 applicants declined now. Older, separate warning: loan_amount drifting "
    "since batch 10. Batches 14-17 have no outcomes yet",
    "history (n_labelled, flag rate); alert summary")

# %% [markdown]
# ## 3 · Diagnosis (10:00): what changed, since when?
#
# The drift heatmap shows each feature's drift effect size per batch (Wasserstein distance in
# reference standard deviations for numbers, Jensen-Shannon distance for categories).

# %%
plots.drift_heatmap(result.drift, value="effect_size",
                    title="Drift effect size per feature and batch")
plt.show()

# %% [markdown]
# `report.gather_facts` turns the drift flags into *sustained* drifts (drifted in two batches in
# a row): for each feature, the onset batch and the largest effect since then.

# %%
from modellab import report

facts = report.gather_facts(result)
onsets = pd.DataFrame(
    [{"feature": f.name, "onset_batch": f.onset_batch, "largest_effect": round(f.effect_size, 2),
      "batches_drifted": f.batches_drifted} for f in facts.drifted_features]
).sort_values("onset_batch")
onsets

# %% [markdown]
# - `income`: a huge change (effect ≈ 1.7), switched on at batch 16 — exactly when the flag rate
#   jumped.
# - `channel` and `loan_amount`: moderate changes, creeping in from batch 9–10 and growing over
#   several weeks.
#
# A sudden jump and a slow creep *suggest* two different causes — but speed is only a hint.
# Lesson 03's `covariate_shift_sudden` world is a counter-example: a marketing campaign changed
# who applies **overnight**, with perfectly plausible values:

# %%
campaign = scenarios.make("covariate_shift_sudden", seed=0)
ages = campaign.production.groupby("batch")["age"].median()
print(f"median age, batch 9 -> batch 10: {ages[9]:.0f} -> {ages[10]:.0f} (a sudden change); "
      f"youngest applicant after the jump: {campaign.production['age'].min():.0f}, "
      f"reference range {campaign.reference['age'].min():.0f}-"
      f"{campaign.reference['age'].max():.0f}")

# %% [markdown]
# Sudden, yet real: a change log (the campaign calendar) explains it and every value is
# plausible. So judge by two pieces of evidence, not by speed: **are the values plausible?**
# and **does a change log (a release, a campaign) match the date?**

# %% [markdown]
# ### 3a · Is `income` a data bug or a real change?
#
# Compare the reference with the newest batch:

# %%
plots.distribution(reference, production[production["batch"] == 17], column="income",
                   labels=("reference", "batch 17"))
plt.show()

# %% [markdown]
# Every income of batch 17 sits near zero. The quantiles say by how much:

# %%
quantiles = pd.DataFrame({
    "reference": reference["income"].quantile([0.1, 0.5, 0.9]),
    "batch 15": production.loc[production["batch"] == 15, "income"].quantile([0.1, 0.5, 0.9]),
    "batch 17": production.loc[production["batch"] == 17, "income"].quantile([0.1, 0.5, 0.9]),
})
quantiles["batch 17 / reference"] = quantiles["batch 17"] / quantiles["reference"]
quantiles.round(4)

# %% [markdown]
# Every quantile is divided by about 1,000, from one week to the next, and nothing that moves
# with income (loan amounts, interest rates) moved at batch 16. Real populations do not get 1,000
# times poorer overnight: **income is being reported in thousands**. That is a data-quality bug,
# and a bug that makes every applicant look poor — hence the flood of declines.

# %%
log("10:00", "diagnosis",
    "income reported in thousands from batch 16 (all quantiles / 1,000): data-quality bug; "
    "it explains the flag-rate jump",
    "drift heatmap; income distribution and quantiles")

# %% [markdown]
# ### 3b · Are `channel` and `loan_amount` a real change?
#
# Here the values stay plausible; only their mix moves. Channel shares, reference vs the four
# newest batches:

# %%
plots.distribution(reference, production[production["batch"] >= 14], column="channel",
                   labels=("reference", "batches 14-17"))
plt.show()

# %% [markdown]
# Brokers bring far more applications than before, and loans are larger (median loan amount per
# batch):

# %%
production.groupby("batch")["loan_amount"].median().round(-2).to_frame("median loan").T

# %% [markdown]
# Plausible values, a gradual ramp over four weeks, two related features: this looks like a
# **real change in who applies** (covariate shift), not a bug. Data alone cannot say why, so we
# ask people. Two messages (10:30), two answers (11:00):
#
# | asked | answer |
# |---|---|
# | Marketing: any campaign since March? | "A broker partnership started on 10 March; brokers sell larger loans." |
# | Data platform: any release last week? | "Release 4.2 on 28 April normalised the income feed to the new currency format." |
#
# The calendar matches the data: batch 9 starts on 10 March, batch 16 on 28 April.

# %%
log("11:00", "diagnosis",
    "channel and loan_amount: real covariate shift since batch 9 (broker partnership); "
    "income bug came with data release 4.2",
    "channel shares, loan medians; answers from marketing and data platform")

# %% [markdown]
# ### 3c · Multivariate check: did anything else change?
#
# One-column tests can miss changes in how columns move *together*. A **domain classifier**
# tries to tell reference rows from production rows; a cross-validated ROC-AUC near 0.5 means it
# cannot. First, the broker period before the bug (batches 12–15) against the reference:

# %%
from modellab.drift import domain_classifier

before_bug = production[production["batch"].between(12, 15)]
broker_check = domain_classifier(reference[features], before_bug[features],
                                 max_rows=1500, cv=3, n_repeats=2, seed=0)
broker_check

# %%
broker_check.importances.head(4).round(3)

# %% [markdown]
# The classifier separates the periods well (AUC ≈ 0.8), mostly through `loan_amount` and
# `channel`. It also uses `income`, although income alone did not drift before batch 16: what
# changed is *loan size relative to income* — bigger loans for the same earners. A
# multivariate check sees that; so would a monitored **ratio feature** (loan amount / income),
# which turns the relationship into one column that an ordinary drift test can watch:

# %%
from modellab import drift as drift_tests

ratio_ref = reference["loan_amount"] / reference["income"]
ratio_broker = before_bug["loan_amount"] / before_bug["income"]
drift_tests.wasserstein(ratio_ref, ratio_broker)

# %% [markdown]
# Worth adding to the monitor: ratios that the business reasons with (loan-to-income,
# debt-to-income) catch relationship changes cheaply, every week.
#
# Second question: apart from the income bug, did batches 16–17 bring anything new? Compare them
# with batches 12–15, leaving `income` out:

# %%
others = [f for f in features if f != "income"]
bug_batches = production[production["batch"] >= 16]
bug_check = domain_classifier(before_bug[others], bug_batches[others],
                              max_rows=1500, cv=3, n_repeats=2, seed=0)
bug_check

# %% [markdown]
# AUC ≈ 0.5: without `income`, batches 16–17 cannot be told from the weeks before. The bug is
# the only new thing.

# %%
log("11:30", "diagnosis",
    f"Domain classifier: broker period differs from reference (AUC {broker_check.auc:.2f}: "
    f"loan_amount, channel, loan-to-income); nothing but income changed at batch 16 "
    f"(AUC {bug_check.auc:.2f})",
    "modellab.drift.domain_classifier")

# %% [markdown]
# ### 3d · Is the broker shift hurting the model?
#
# Outcomes exist for batches 9–13 of the broker period. Ranking quality (ROC-AUC) per labelled
# batch, with a 95% bootstrap interval and the reference level dashed:

# %%
from modellab import metrics

auc = metrics.by_batch(production, metrics=["roc_auc"], threshold=scenario.threshold,
                       ci=True, n_boot=200, seed=0)
plots.metric_over_time(auc, "roc_auc", reference=result.reference["roc_auc"],
                       title="ROC-AUC per batch (no outcomes yet after batch 13)")
plt.show()
broker_auc = auc[auc["batch"].between(9, 13)]
level = result.reference["roc_auc"]
inside = broker_auc["roc_auc_low"].le(level) & broker_auc["roc_auc_high"].ge(level)
print(f"batches 9-13 whose interval contains the reference {level:.2f}: "
      f"{inside.sum()} of {len(broker_auc)}")

# %% [markdown]
# Calibration on the same weeks: does the average score match the share that defaulted?

# %%
labelled_shift = history[history["batch"].between(9, 13)]
pd.DataFrame({
    "default rate": [result.reference["base_rate"], labelled_shift["base_rate"].mean()],
    "mean score": [result.reference["mean_score"], labelled_shift["mean_score"].mean()],
    "ROC-AUC": [result.reference["roc_auc"], labelled_shift["roc_auc"].mean()],
}, index=["reference", "batches 9-13"]).round(3)

# %% [markdown]
# Every broker week's interval contains the reference level. Larger loans default a little more often, and the
# model's scores rose with them; ranking holds.
# So far the model copes with the new customers. Five labelled weeks are not a verdict, but they
# are no reason to retrain.

# %%
log("12:00", "diagnosis",
    "Broker shift: ROC-AUC steady, default rate and mean score rose together on labelled "
    "batches 9-13: no harm measured yet",
    "ROC-AUC per batch; default rate vs mean score")

# %% [markdown]
# ### 3e · Inside the average: is one group hit? (12:15)
#
# A steady average can hide a group that suffers (lesson 06), and a lender in a high-risk use
# of AI must show performance per segment. First, ranking quality per **channel** on the
# labelled broker weeks, with 95% intervals, next to the same channel in the reference:

# %%
import numpy as np

from modellab.report.affected import who_is_affected

AGE_BANDS = [18, 25, 35, 50, 81]  # the age bands of lesson 06
broker_weeks = production[production["batch"].between(9, 13)]
segment_auc = {when: metrics.by_segment(frame, "channel", ["roc_auc"], n_boot=200, seed=0)
               for when, frame in [("reference", reference), ("batches 9-13", broker_weeks)]}
fig, ax = plt.subplots(figsize=(8, 3.4), layout="constrained")
for offset, (when, table) in zip([-0.15, 0.15], segment_auc.items(), strict=True):
    x = np.arange(len(table)) + offset
    ax.errorbar(x, table["value"], yerr=[table["value"] - table["lower"],
                                         table["upper"] - table["value"]],
                fmt="o", capsize=3, label=when)
ax.set_xticks(np.arange(len(table)), table["segment"])
ax.set(ylabel="ROC-AUC (95% interval)", title="ROC-AUC per channel, reference vs broker weeks")
ax.legend()
plt.show()

# %% [markdown]
# The table behind the figure, with each channel's share of applications:

# %%
by_channel = segment_auc["batches 9-13"].set_index("segment")[["value", "lower", "upper", "n"]]
by_channel.insert(0, "reference", segment_auc["reference"].set_index("segment")["value"])
by_channel["share reference"] = reference["channel"].value_counts(normalize=True)
by_channel["share batches 14-17"] = (production.loc[production["batch"] >= 14, "channel"]
                                     .value_counts(normalize=True))
by_channel.round(3)

# %% [markdown]
# Is any channel or age band **behind the rest beyond noise**? `who_is_affected` runs lesson
# 06's `segment_gaps` (each segment against the rest, Bonferroni-corrected) and writes the
# report section:

# %%
affected = who_is_affected(broker_weeks, {"channel": None, "age": AGE_BANDS}, "roc_auc",
                           by=None, n_boot=200, seed=0)
print(affected)

# %% [markdown]
# One group is behind: **broker** applications, ranked less well than the rest. The figure says
# this weakness is *not new* — brokers' ROC-AUC was the same in the reference. What is new is
# their weight: brokers brought under a fifth of applications in the reference and close to
# half in the latest weeks. More applicants now sit in the group the model ranks least well;
# the average still holds, but this is the first place to look when outcomes for batches 14–17
# arrive.
#
# **The regulator's question.** Age is a protected characteristic, and credit scoring is a
# high-risk use under the EU AI Act. Among applicants who repaid, are the young approved as
# often as the others (equal opportunity, lesson 06)? On the broker weeks, and in the reference:

# %%
opportunity = metrics.equal_opportunity_difference(broker_weeks, "age", bins=AGE_BANDS,
                                                   n_boot=200, seed=0)
opportunity_ref = metrics.equal_opportunity_difference(reference, "age", bins=AGE_BANDS,
                                                       n_boot=200, seed=0)
print("batches 9-13:", opportunity.reading)
print("reference:   ", opportunity_ref.reading)

# %% [markdown]
# On the broker weeks, creditworthy under-25s are turned away more often than older good
# borrowers, beyond the 10-point line; in the reference the gap sat just inside it. The two
# intervals overlap widely, so the data cannot say that the gap grew — but it is over the line
# now, and a lender must be able to justify it by credit risk or correct it. It is not what
# caused today's alert: we log it as a separate finding for the model owner's fairness review.

# %%
log("12:15", "diagnosis",
    f"Inside the average: broker applications ranked less well than the rest "
    f"(ROC-AUC {by_channel.loc['broker', 'value']:.2f}; reference "
    f"{by_channel.loc['broker', 'reference']:.2f}), but now "
    f"{by_channel.loc['broker', 'share batches 14-17']:.0%} of applications (reference "
    f"{by_channel.loc['broker', 'share reference']:.0%}). Fairness: "
    f"equal-opportunity gap for under-25s {opportunity.value * 100:.0f} points "
    f"({opportunity.low * 100:.0f}-{opportunity.high * 100:.0f}), over the 10-point line: "
    f"separate finding for the model owner",
    "by_segment per channel; who_is_affected; equal_opportunity_difference by age band")

# %% [markdown]
# ## 4 · Business impact (13:00)
#
# The automatic report prices errors only on loans whose outcome is known, so it cannot see
# this bug (its batches have no outcomes yet). And the bug's victims are *declined* applicants:
# whether they would have repaid is never observed — they never got the loan. We estimate it
# ourselves, without labels: fix the units (income × 1,000), **re-score** batches 16–17 with the
# model, count the applications declined only because of the bug, and use the model's own
# (correctly scored) risk to estimate how many were good customers.

# %%
fixed = bug_batches.assign(income=bug_batches["income"] * 1000)
fixed_score = scenario.model.predict_proba(fixed)[:, 1]
declined_by_bug = (bug_batches["prediction"] == 1).to_numpy() & (fixed_score < scenario.threshold)

from modellab.report.facts import fmt_money

costs = report.CostAssumptions()  # the course's prices: a good customer declined costs 1,800
expected_good = (1 - fixed_score[declined_by_bug]).sum()  # the model's own default risk
lost_margin = fmt_money(expected_good * costs.false_alarm, costs.currency, significant=2)
print(f"Flag rate with the bug: {bug_batches['prediction'].mean():.0%}; "
      f"with income fixed: {(fixed_score >= scenario.threshold).mean():.0%}")
print(f"Declined only because of the bug: {declined_by_bug.sum():,} applications in 2 weeks, "
      f"about {expected_good:,.0f} of them good customers")
print(f"Lost margin: about {lost_margin} "
      f"(at {costs.currency} {costs.false_alarm:,.0f} per good customer declined)")

# %% [markdown]
# **Who did the bug hit?** The share of each group's applications declined only because of the
# bug:

# %%
hit = pd.DataFrame({
    "channel": bug_batches["channel"].to_numpy(),
    "age band": pd.cut(bug_batches["age"], AGE_BANDS, right=False).astype(str).to_numpy(),
    "declined by the bug": declined_by_bug,
})
hit_by = {column: hit.groupby(column)["declined by the bug"].agg(share="mean", declined="sum",
                                                                  applications="size")
          for column in ["channel", "age band"]}
pd.concat(hit_by, names=["group", "segment"]).round(3)

# %% [markdown]
# Everyone was hit, but not equally: broker applicants and the under-25s most (a small group:
# the count is in the table). A fair-lending
# review asks the four-fifths question of these decisions (approvals need no outcomes): is the
# lowest approval rate of an age band at least 0.8 times the highest? With the bug, with income
# fixed (re-scored), and in the reference:

# %%
rescored = bug_batches.assign(prediction=(fixed_score >= scenario.threshold).astype(int))
four_fifths = {label: metrics.approval_rate_ratio(frame, "age", bins=AGE_BANDS, n_boot=200, seed=0)
               for label, frame in [("with the bug", bug_batches), ("income fixed", rescored),
                                    ("reference", reference)]}
for label, ratio in four_fifths.items():
    print(f"{label:>13}: approval-rate ratio {ratio.value:.2f} "
          f"({ratio.low:.2f}-{ratio.high:.2f}), worst {ratio.worst_group}, best {ratio.best_group}")
print(four_fifths["with the bug"].reading)

# %% [markdown]
# While the bug ran, the under-25s were approved at about a quarter of the rate of the
# best-approved band: far below the four-fifths line, evidence of adverse impact that no credit
# reason justifies — it came from a data bug. Re-scoring brings the ratio back to about its
# reference level, right at the line. The lender's fair-lending officer must hear about this
# with the rest, and re-contacting the wrongly declined repairs it.

# %%
bug_ratio = four_fifths["with the bug"]
log("13:00", "impact",
    f"Bug: {declined_by_bug.sum():,} applications wrongly declined in 2 weeks, about "
    f"{lost_margin} of lost margin; hardest hit: broker applicants "
    f"({hit_by['channel'].loc['broker', 'share']:.0%} of them) and under-25s "
    f"({hit_by['age band'].loc['[18, 25)', 'share']:.0%}); four-fifths ratio by age "
    f"{bug_ratio.value:.2f} with the bug. Broker shift: no measurable loss yet",
    "re-scored batches 16-17 with income fixed; CostAssumptions; approval_rate_ratio by age")

# %% [markdown]
# ## 5 · Decision (13:30)
#
# | option | for the income bug | for the broker shift |
# |---|---|---|
# | **roll back** the pipeline change | **yes, today**: it is the cause, and rolling back is fast and safe | — |
# | **re-score** affected applications | **yes**: re-score batches 16–17 and re-contact the wrongly declined | — |
# | **recalibrate** the model | no: the model is fine, its input is wrong | not yet: calibration holds on batches 9–13 |
# | **retrain** the model | no: retraining on corrupted data would bake the bug in | not yet: ranking holds; revisit when outcomes for batches 14–17 arrive |
# | **wait and watch** | no: it costs money every day | **yes**, with a date: review in 4 weeks, watch the broker channel's ROC-AUC first, and turn the `loan_amount` warning into a tracked item |
#
# Who must know: the **data platform** team (roll back, add a unit check to the release tests),
# the **head of lending** (customers declined; cost), **customer operations** (re-contact
# applicants, the under-25s and broker applicants first), the **fair-lending officer** (the
# four-fifths breach while the bug ran; the equal-opportunity gap for the young),
# **marketing** (the broker channel changes the portfolio), and the **model owner** (model
# card, next review, the fairness finding).

# %%
log("13:30", "decision",
    "Roll back release 4.2 today, re-score batches 16-17 and re-contact the wrongly declined; "
    "keep the model; watch the broker shift (broker ROC-AUC first), review when outcomes "
    "arrive; fairness finding for under-25s to the model owner and fair-lending officer",
    "impact estimate; options table")

# %% [markdown]
# ## 6 · Communication (14:00)
#
# `report.executive_summary` writes a plain-language summary from the monitoring result. Read
# generated text critically before you forward it:

# %%
print(report.executive_summary(result, model_name="the credit-risk model"))

# %% [markdown]
# It gets the facts right (what drifted, since when, unlabelled weeks), but it lumps the bug in
# with the broker shift, and its business impact covers only the weeks with known outcomes, so
# it cannot see the customers wrongly declined in batches 16–17. The summary that goes to the head of lending is ours, built from the log:

# %%
summary = (
    f"**Action taken.** Since 28 April (batch 16) a data-pipeline release has sent applicants' "
    f"income in thousands instead of units. The model read every applicant as poor and declined "
    f"{bug_batches['prediction'].mean():.0%} of applications instead of about "
    f"{flag_ref:.0%}: {declined_by_bug.sum():,} applications were declined only because of the "
    f"bug, about {lost_margin} of lost margin "
    f"(illustrative prices). The release is being rolled back today and the affected "
    f"applications re-scored; customer operations will re-contact them.\n\n"
    f"**Who is affected.** The bug hit broker applicants hardest "
    f"({hit_by['channel'].loc['broker', 'share']:.0%} of them declined only because of it) "
    f"and applicants under 25 ({hit_by['age band'].loc['[18, 25)', 'share']:.0%}). While it "
    f"ran, under-25s were approved at {bug_ratio.value:.2f} times the rate of the best-approved "
    f"age band, far below the four-fifths line (0.8) of a fair-lending review; re-scoring "
    f"restores {four_fifths['income fixed'].value:.2f}. Our fair-lending officer is informed. "
    f"Separately, and not caused by this incident, creditworthy under-25s are approved less "
    f"often than older good borrowers (a gap of {opportunity.value * 100:.0f} points on the "
    f"latest weeks with outcomes): the model owner reviews it.\n\n"
    f"**Watching.** Since 10 March a broker partnership has brought larger loans. The model still "
    f"ranks risk as well as before (ROC-AUC {labelled_shift['roc_auc'].mean():.2f} vs "
    f"{result.reference['roc_auc']:.2f}) on the weeks with known outcomes. No change to the "
    f"model now; we review when outcomes for the last four weeks arrive (by 9 June)."
)
from IPython.display import Markdown

Markdown(summary)

# %% [markdown]
# The **model card** keeps the record for auditors and the next team. `report.model_card` lists
# the open alerts as incidents; we add our incident entry — the diagnosis and decision — below
# it.

# %%
card = report.model_card(
    "credit-risk scorecard",
    intended_use="Rank loan applications by default risk; decline at score >= 0.20.",
    owners=["Credit risk analytics <risk-analytics@example.com>"],
    y_true=reference["default"], y_score=reference["score"], threshold=scenario.threshold,
    metrics=["roc_auc", "recall", "precision"], n_boot=200, result=result,
)
entry = "\n\n## Incident 2025-05-12: income reported in thousands\n\n" + "\n".join(
    f"- **{row['time']} {row['step']}**: {row['finding']} _(evidence: {row['evidence']})_"
    for row in incident_log
) + "\n\n#" + affected  # the "Who is affected" section, one level down
Markdown(card + entry)

# %% [markdown]
# The last line of the log, and the log complete — the timeline any post-mortem starts from:

# %%
log("14:00", "communication",
    "Summary to head of lending; incident entry in the model card; review booked for 9 June",
    "executive summary; model card")
pd.DataFrame(incident_log)

# %% [markdown]
# ## 7 · The truth
#
# Now unfold the hidden cell at the top (click the `⋯` under *The situation*). This is what
# really happened in this world, from `scenario.truth`:

# %%
scenario.truth[["kind", "features", "start_batch", "end_batch", "description"]]

# %% [markdown]
# Our diagnosis next to it, event by event:

# %%
our_kind = {"income": "data_quality", "channel": "covariate_shift",
            "loan_amount": "covariate_shift"}
diagnosis = pd.DataFrame({
    "features": [(f,) for f in onsets["feature"]],  # truth lists features as tuples
    "our_kind": onsets["feature"].map(our_kind),
    "our_onset": onsets["onset_batch"].astype(int),
})
truth = scenario.truth[scenario.truth["kind"] != "label_delay"]
comparison = diagnosis.merge(truth[["features", "kind", "start_batch"]], on="features")
comparison["kind_right"] = comparison["our_kind"] == comparison["kind"]
comparison["onset_error"] = comparison["our_onset"] - comparison["start_batch"]
comparison

# %% [markdown]
# The kinds are right. The bug was found on the batch it started; the broker shift was confirmed
# a batch late for `loan_amount`: a gradual change starts too small for any test to see. The
# truth also says the labels are 4 batches late — which is why we had to decide without them.

# %% [markdown]
# ## 8 · Post-mortem: would other alert rules have helped?
#
# The `loan_amount` warnings fired for six weeks without anyone acting. Tune the thresholds
# below: the tuner re-evaluates the rules on this incident's history and scores them against the
# truth — detection delay and false alarms. Can you catch both events at once without false
# alarms? What would a stricter `min_effect` have cost?

# %%
from modellab.widgets import alert_tuner

alert_tuner(result, truth=scenario.truth)

# %% [markdown]
# The lasting fixes are rarely the thresholds alone: a unit check in the data release tests
# would have stopped the bug before it reached the model, and a named owner for each warning
# would have turned six weeks of `loan_amount` warnings into a conversation with marketing.

# %% [markdown]
# ## Recap
#
# - Work an incident in order — **alert, triage, diagnosis, decision, communication** — and log
#   each finding with its evidence.
# - Without labels, triage on **label-free signals**: flag rate, mean score, input drift.
# - **Bug or real?** A sudden jump with implausible values (a factor of 1,000) is a pipeline bug:
#   roll back and re-score. A gradual move with plausible values is a real change: confirm with
#   the business, check performance on the labelled weeks, then wait, recalibrate or retrain.
# - A **domain classifier** checks what changed jointly, and whether anything else changed.
# - Look **inside the average**: per-segment metrics with intervals, segments behind the rest
#   beyond noise, and the fairness measures a regulator asks for — then say who is affected.
# - Price the impact yourself when the automatic report cannot see it, and write for each audience.
#
# **Next:** solve a different incident on your own in `ex06_capstone`.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** Overnight, every value of one feature is about 1,000 times smaller. First move?
#
# - **a)** Retrain the model on the new data so that it learns the new scale of the feature.
# - **b)** Wait for the outcomes to arrive to see whether performance really dropped.
# - **c)** Find the pipeline change behind it, roll it back, re-score affected cases.
#
# **Q2.** Outcomes arrive 4 weeks late. Which signals can triage use on this week's batch?
#
# - **a)** Flag rate, mean score and input drift.
# - **b)** ROC-AUC and recall of this week's batch, computed as usual.
# - **c)** None: triage has to wait until the outcomes arrive.
#
# **Q3.** A feature drifted slowly for six weeks; ROC-AUC on the labelled weeks is steady. What now?
#
# - **a)** Retrain at once: drift always hurts a model sooner or later, so act early.
# - **b)** Confirm the cause with the business, keep watching, review when outcomes arrive.
# - **c)** Ignore the warning: performance on the labelled weeks is fine, so nothing is wrong.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "8df5900ad393cb5b", name="Q1",
           hint='is this a change in customers or in the data feed?',
           explain='A factor of 1,000 overnight is a unit bug: fix the data, not the model.')
self_check(q2, "abc", "8b869ee012e9f2d4", name="Q2",
           hint='which numbers need the outcome, and which do not?',
           explain='Label-free signals exist for every batch; performance needs outcomes.')
self_check(q3, "abc", "de0921102a00fbbe", name="Q3",
           hint='is there evidence of harm yet, and is there a reason to keep looking?',
           explain='Drift is a question, not a verdict: confirm it, track it, and decide on evidence.')

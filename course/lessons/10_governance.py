# %% [markdown]
# # 10 · Governance and lifecycle: monitoring plans, incidents, retraining
#
# Monitoring is not only code. A regulated lender must say, in writing and before go-live,
# what it will watch, who answers, how fast problems are escalated, when an incident must be
# reported to a regulator, and what it does when the model degrades: **recalibrate, retrain or
# roll back**. This lesson turns a monitor into that written plan, and practises the lifecycle
# decisions with a challenger model run in the shadow of the champion.
#
# About 40 minutes. The graded exercise `ex11_monitoring_plan` follows this lesson.

# %% [markdown]
# > **Executive summary**
# >
# > - **SR 11-7** (US model-risk guidance) asks for *ongoing monitoring* (is the model still
# >   working as intended?) and *outcomes analysis* (do predictions match what happened?), done
# >   or reviewed by people independent of the developers.
# > - The **EU AI Act** treats credit scoring as high-risk: **Art. 72** requires a written
# >   *post-market monitoring plan*; **Art. 73** requires serious incidents to be reported to the
# >   authority — at the latest **15 days** after the provider becomes aware (2 days for a
# >   widespread infringement, 10 days in case of death).
# > - The plan is generated from the monitor's rules so that **what is written is what runs**;
# >   a reviewer's checklist (owners, cadences, escalation, segments) is checked automatically.
# > - When the model degrades: **recalibrate** if only the level of risk moved (ranking intact),
# >   **retrain** if the ranking broke, **roll back / pause** if the inputs are broken. A
# >   retrained **challenger** runs in the **shadow** of the champion on the same batches before
# >   it takes over.

# %% [markdown]
# ## What you will be able to do
#
# 1. Say what SR 11-7 and EU AI Act Art. 72/73 require a lender to write down, by whom, and how
#    fast.
# 2. Generate a monitoring plan from a monitor with `modellab.report.plan.monitoring_plan`,
#    and find what a reviewer would send back (`plan.missing()`).
# 3. Choose between recalibrating, retraining and rolling back from what the monitor shows.
# 4. Run a challenger in shadow mode and decide with evidence when it replaces the champion;
#    choose the reference window that follows.
#
# **Why this matters to the business:** an undocumented monitor is, for a regulator, no
# monitor. And the wrong fix costs twice: retraining when a recalibration would do takes weeks
# and a new validation; recalibrating a model whose ranking broke hides the problem.

# %% [markdown]
# ## What the texts require
#
# | requirement | source | what must be written down | who | how fast |
# |---|---|---|---|---|
# | ongoing monitoring | SR 11-7 | signals, thresholds, cadence, process verification | model owner, monitoring team | every batch |
# | outcomes analysis | SR 11-7 | back-test predictions against outcomes, per segment | validator (independent) | when labels mature, e.g. quarterly |
# | post-market monitoring plan | EU AI Act Art. 72 | how performance data are collected and analysed over the system's life; part of the technical documentation | provider | before placing on the market |
# | serious-incident report | EU AI Act Art. 73 | the incident, causal link, corrective action | provider → market surveillance authority | immediately; ≤ 15 days (≤ 2 days widespread/critical infrastructure, ≤ 10 days death) |
#
# A "serious incident" under the AI Act includes an infringement of fundamental-rights
# obligations — for a lender, for example, systematic discrimination of a protected group that
# the monitoring failed to stop.

# %% [markdown]
# ## A plan generated from the monitor
#
# The monitor of lesson 08 with its default rules, plus the rules of lessons 06 and 07.

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

from modellab import metrics, plots
from modellab.monitor import Monitor
from modellab.monitor.health import BatchLate, ScoredShareBelow, VolumeOutside
from modellab.monitor.segment_rules import ContractViolated, SegmentBehind
from modellab.report.plan import monitoring_plan
from modellab.scenarios import make

plots.set_style()
stable = make("stable", seed=0)
monitor = Monitor(stable.reference)
rules = [*monitor.rules, SegmentBehind("recall"), ContractViolated(), VolumeOutside(),
         BatchLate(), ScoredShareBelow()]
draft = monitoring_plan(rules, model="retail-credit-pd", owners={"model_owner": "Credit Risk Analytics"})
draft

# %% [markdown]
# A first draft names only the model owner. `missing()` lists what a model-risk reviewer would
# send back:

# %%
for item in draft.missing():
    print("-", item)

# %% [markdown]
# Fill in the organisation: the four roles (SR 11-7 separates owner and independent
# validator), when labels mature, the reference window, the segments watched, and the
# retraining policy. Segment rules run monthly (lesson 06: weekly segments are too small).

# %%
plan = monitoring_plan(
    rules,
    model="retail-credit-pd", version="2.1",
    purpose="Estimates the probability of default of retail loan applicants; applications "
            "scoring 0.20 or more are declined or referred to an underwriter.",
    owners={"model_owner": "Credit Risk Analytics (head: A. Moreau)",
            "validator": "Model Risk Management (J. Okafor)",
            "monitoring_operator": "ML Platform on-call",
            "incident_contact": "Head of Compliance (S. Lindqvist)"},
    label_delay="a default is known 12 weeks after the decision",
    reference_window="the 5,000 out-of-sample validation loans; renewed after each retraining",
    segments=["age band (protected)", "region", "channel"],
    retraining_policy="Recalibrate when calibration moved but ROC-AUC holds; retrain when ROC-AUC "
                      "falls 0.10 below the reference; pause automated decisions and roll back to "
                      "the last good data when a contract is broken. A retrained model runs as a "
                      "shadow challenger for four weeks and replaces the champion only with the "
                      "validator's sign-off.",
    rule_cadence={"segment": "monthly"},
)
print(f"missing: {plan.missing()}")
Markdown(plan.to_markdown())

# %% [markdown]
# Nothing missing. Every rule of the monitor is a row of the plan with its owner, cadence and
# response, so **what is written is what runs**: change a threshold in the monitor and the plan
# changes with it (and gets a new version). For the model card (lesson 09), `plan.card_text()`
# gives one paragraph:

# %%
print(plan.card_text())

# %% [markdown]
# ## Recalibrate, retrain or roll back?
#
# | what the monitor shows | diagnosis | action |
# |---|---|---|
# | ROC-AUC holds, predicted and observed default rates part | **prior shift** / calibration drift: the ranking is right, the level is wrong | **recalibrate** on recent labelled data (days) |
# | ROC-AUC falls | the relation between inputs and default changed (**concept drift**) | **retrain** on recent data, validate, shadow (weeks) |
# | contract or health alerts | the inputs are **broken** | **pause / roll back**, fix the pipeline; do not retrain on broken data |
#
# Two worlds from lesson 04: an economic downturn (`prior_shift`) and a relief scheme that
# changes who defaults (`concept_drift`).

# %%
rows = []
for name in ["prior_shift", "concept_drift"]:
    s = make(name, seed=0)
    for when, part in s.production.groupby(s.production["batch"] >= 10):
        m = metrics.classification_summary(part["default"], part["score"], s.threshold)
        rows.append({"world": name, "period": "after" if when else "before",
                     "roc_auc": m["roc_auc"], "observed rate": m["base_rate"],
                     "mean score": part["score"].mean()})
pd.DataFrame(rows).round(3)

# %% [markdown]
# In `prior_shift` the ranking holds (ROC-AUC about the same) but defaults outrun the scores:
# **recalibrate**. In `concept_drift` ROC-AUC falls by about 0.15: **retrain**.
#
# **Recalibration** keeps the model and refits only the map from score to probability (Platt
# scaling, scikit-learn's `CalibratedClassifierCV` on the frozen model), on the first two
# labelled weeks after the change:

# %%
downturn = make("prior_shift", seed=0)
recent = downturn.production[downturn.production["batch"].between(10, 11)]
later = downturn.production[downturn.production["batch"] >= 12]
recalibrated = CalibratedClassifierCV(FrozenEstimator(downturn.model), method="sigmoid")
recalibrated.fit(recent[downturn.features], recent["default"])
print(f"weeks 12-19: observed default rate {later['default'].mean():.3f}, "
      f"champion's mean score {later['score'].mean():.3f}, "
      f"recalibrated {recalibrated.predict_proba(later[downturn.features])[:, 1].mean():.3f}")

# %% [markdown]
# ## Champion and challenger, in the shadow
#
# In `concept_drift`, recalibration cannot restore a broken ranking: we **retrain**. The
# challenger is the same pipeline refitted on weeks 10–13 (the first labelled weeks after the
# change). It runs in **shadow mode**: it scores every later batch beside the champion, but
# only the champion's decisions are used. We compare them on the same applicants.

# %%
relief = make("concept_drift", seed=0)
stream = relief.production
train = stream[stream["batch"].between(10, 13)]
challenger = clone(relief.model).fit(train[relief.features], train["default"])
shadow = stream[stream["batch"] >= 14].assign(
    challenger=lambda d: challenger.predict_proba(d[relief.features])[:, 1])
champion_auc = metrics.by_batch(shadow, metrics=["roc_auc"])
challenger_auc = metrics.by_batch(shadow, score="challenger", metrics=["roc_auc"])

fig, ax = plt.subplots(figsize=(8, 3.4), layout="constrained")
ax.plot(champion_auc["batch"], champion_auc["roc_auc"], marker="o", label="champion (live)")
ax.plot(challenger_auc["batch"], challenger_auc["roc_auc"], marker="s", label="challenger (shadow)")
ax.set(xlabel="week", ylabel="ROC-AUC", title="champion vs challenger on the same batches")
ax.legend()
plt.show()
print(f"weeks 14-19: champion ROC-AUC {champion_auc['roc_auc'].mean():.3f}, "
      f"challenger {challenger_auc['roc_auc'].mean():.3f} (mean over {len(champion_auc)} weeks); "
      f"challenger better in {(challenger_auc['roc_auc'] > champion_auc['roc_auc']).sum()} of "
      f"{len(champion_auc)} weeks")

# %% [markdown]
# The challenger beats the champion in every shadow week, on the same applicants. That is the
# evidence the validator signs: then the challenger is promoted, and the **reference window**
# moves with it — the challenger's own out-of-sample validation period (here it would be weeks
# 14–19), not the old champion's, or every later drift test compares the new world with the
# old one and alarms for ever.
#
# Choosing a reference window: long enough for stable estimates (thousands of rows, all
# segments present), recent enough to describe the population the model now serves, and
# **labelled and validated** — never a period with known data-quality incidents.

# %% [markdown]
# ## Recap
#
# - **SR 11-7**: ongoing monitoring + outcomes analysis, independent review. **EU AI Act**:
#   Art. 72 post-market monitoring plan (written, part of the technical documentation);
#   Art. 73 serious incidents reported within 15 days at the latest (2 or 10 days in the
#   gravest cases).
# - `monitoring_plan(monitor or rules, owners=..., ...)` writes the plan from the rules that
#   run; `missing()` is the reviewer's checklist; `card_text()` goes into the model card.
# - **Recalibrate** when the ranking holds and the level moved; **retrain** when the ranking
#   broke; **pause / roll back** when inputs are broken.
# - A retrained **challenger** runs in the **shadow** on the same batches; promote it with
#   evidence and a sign-off, and move the **reference window** with it.
#
# **Next:** `ex11_monitoring_plan` (graded), then `11_monitoring_at_scale`.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** ROC-AUC holds at 0.80 but defaults run at 19% while the mean score is 12%. What do you do?
#
# - **a)** Recalibrate.
# - **b)** Retrain the model from scratch on the last two weeks.
# - **c)** Roll back to last year's model.
#
# **Q2.** The compliance team established on Monday that the model systematically declined a protected group. Under Art. 73, the report is due:
#
# - **a)** At the next annual review of the monitoring plan.
# - **b)** Only once the model has been retrained and the fix validated.
# - **c)** Immediately, and at the latest 15 days after becoming aware.
#
# **Q3.** A retrained challenger has been promoted. Which reference window should the monitor now use?
#
# - **a)** The old champion's validation period, to keep the history comparable.
# - **b)** The challenger's own out-of-sample validation period.
# - **c)** The whole history since the first model went live.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "d025348fe71abfb7", name="Q1",
           hint="did the ranking break, or only the level?",
           explain="Ranking intact, level wrong: refit the score-to-probability map on recent labels.")
self_check(q2, "abc", "c92422938f99cb54", name="Q2",
           hint="Art. 73 counts days from awareness",
           explain="Report immediately once a causal link is established, at the latest within 15 days.")
self_check(q3, "abc", "de0921102a00fbbe", name="Q3",
           hint="what does a drift test compare against?",
           explain="Drift is measured against the population the live model was validated on.")

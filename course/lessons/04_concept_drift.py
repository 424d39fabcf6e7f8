# %% [markdown]
# # 04 · Concept drift and label delay
#
# In lesson 03 the *inputs* changed and drift tests caught it. This lesson is about the harder
# case: the model gets worse while its inputs look exactly as before — and the outcomes that
# would prove it arrive weeks late. About 45 minutes. The graded exercise `ex03_concept_drift`
# follows this lesson. The optional notebook `04_concept_drift_further` (20 minutes) adds what a
# prior shift does to the scores and to the cheapest threshold, how the detector's settings
# change its alarms, and two more detectors.

# %% [markdown]
# > **Executive summary — for readers who skip the code**
# >
# > - **Concept drift:** the link between applicant and outcome changes (a relief scheme, a plant
# >   closure). Input checks can stay green; then only performance measured on outcomes shows
# >   the drop. The fix is usually to **retrain** on recent, labelled data.
# > - **Prior shift:** more borrowers default, but each group looks as before. The model still
# >   *ranks* well, but its probabilities are too low: **recalibrate** and revisit the threshold
# >   rather than rebuild the model.
# > - **Label delay:** outcomes arrive weeks late, so this week's performance is unknown. Report
# >   what you can (score and input drift, flag rate) as *early warnings*, say clearly what you
# >   cannot, and decide how long you are willing to wait.
# > - **Automatic detectors** (such as Page-Hinkley) watch a metric batch after batch. A lower
# >   alarm level means faster detection and more false alarms: set it on a calm period, on
# >   purpose.

# %% [markdown]
# ## What you will be able to do
#
# 1. Show that performance can fall while input drift checks stay quiet (concept drift).
# 2. Track ROC-AUC and recall per batch with confidence intervals and read the drop.
# 3. Explain what a rising default rate (prior shift) does to precision, recall and calibration.
# 4. Say what you can and cannot measure while labels are late, and which proxies to watch.
# 5. Run a Page-Hinkley detector on a metric stream, fitted on the reference period, and weigh
#    detection delay against false alarms.
# 6. Choose between retraining, recalibrating and waiting for labels.

# %% [markdown]
# ## Why this matters to the business
#
# A credit model that silently ranks borrowers worse approves more loans that will not be paid
# back — and the losses show up months later, in the accounts. Input monitoring alone gives a
# false sense of safety: this lesson shows a world where the input checks stay quiet while the
# model's ROC-AUC falls from 0.80 to 0.65. Knowing *which* kind of drift you face also decides
# the cost of the fix: recalibrating takes a day, retraining takes weeks.

# %% [markdown]
# ## 1 · Concept drift: the inputs stay, the rules change
#
# The `concept_drift` scenario: half-way through the stream a payment-relief scheme and a plant
# closure change *who defaults*, while the applicants look the same.

# %%
from modellab.scenarios import make

concept = make("concept_drift", seed=0)
concept.truth[["kind", "start_batch", "end_batch", "description"]]

# %% [markdown]
# First the input checks of lesson 03: a drift detector fitted on the reference period, then run
# on every production batch. Each cell of the heatmap is one feature in one weekly batch.

# %%
import matplotlib.pyplot as plt
import pandas as pd

from modellab import plots
from modellab.drift import DriftDetector

detector = DriftDetector().fit(concept.reference[concept.features])
input_drift = pd.concat(
    [detector.test(batch[concept.features]).assign(batch=b)
     for b, batch in concept.production.groupby("batch")],
    ignore_index=True,
)
plots.drift_heatmap(input_drift, value="drifted",
                         title="concept_drift: input drift per batch")
plt.show()

# %% [markdown]
# Quiet: one isolated flag in 200 tests (10 features × 20 batches) is the kind of false alarm
# lesson 03 taught you to expect. Nothing happens at batch 10. The model's own scores do not move
# either — their average per batch:

# %%
concept.production.groupby("batch")["score"].mean().round(3).to_numpy()

# %% [markdown]
# Now the outcomes. `metrics.by_batch` computes metrics on each batch's labelled rows; with
# `ci=True` it adds a bootstrap confidence interval, so you can tell a real drop from a noisy
# week. We use the model's own decision threshold, 0.20.

# %%
from modellab import metrics

history = metrics.by_batch(concept.production, metrics=["roc_auc", "recall"],
                           threshold=concept.threshold, ci=True, n_boot=200, seed=0)
reference = metrics.classification_summary(concept.reference["default"],
                                           concept.reference["score"],
                                           threshold=concept.threshold)
plots.metric_over_time(history, "roc_auc", reference=reference["roc_auc"],
                            title="concept_drift: ROC-AUC per batch")
plt.show()

# %% [markdown]
# ROC-AUC falls from about 0.80 to about 0.65 at batch 10, and the confidence bands before and
# after do not overlap: this is not noise. Recall — the share of defaults the model catches —
# falls with it:

# %%
plots.metric_over_time(history, "recall", reference=reference["recall"],
                            title="concept_drift: recall per batch")
plt.show()

# %% [markdown]
# The table behind the figures, around the change:

# %%
history.loc[7:13, ["batch", "roc_auc", "roc_auc_low", "roc_auc_high", "recall"]].round(3)

# %% [markdown]
# **What it means.** The model learnt "high debt-to-income → high risk". After the relief scheme
# that rule of thumb no longer holds, so the same applicants get the same scores but the scores
# point at the wrong people. No input test can see this: the inputs did not change, their
# *meaning* did. Only outcomes reveal it — which is why you need labels, and why you must monitor
# performance, not only data.

# %% [markdown]
# ## 2 · Prior shift: more defaults, same-looking borrowers
#
# In `prior_shift` a downturn raises the default rate by 8 points from batch 10. Defaulters look
# like defaulters always did, and repayers like repayers; there are simply more defaulters.
# The metrics per batch, averaged before and after the change:

# %%
prior = make("prior_shift", seed=0)
prior_history = metrics.by_batch(prior.production,
                                 metrics=["roc_auc", "precision", "recall", "base_rate"],
                                 threshold=prior.threshold)
start = int(prior.truth["start_batch"].iloc[0])
period = (prior_history["batch"] >= start).map({False: "before", True: "after"})
columns = ["roc_auc", "precision", "recall", "base_rate"]
prior_history.groupby(period)[columns].mean().reindex(["before", "after"]).round(3)

# %% [markdown]
# - **The default rate** (`base_rate`) rises by about 8 points.
# - **ROC-AUC barely moves:** the model still *ranks* borrowers well — a defaulter still tends to
#   score higher than a repayer.
# - **Precision rises:** with more defaulters around, more of the flagged loans really default.
# - **Recall stays about the same:** each defaulter is as likely as before to score above 0.20.
#
# So a prior shift can make some metrics look *better*. What is wrong is the probabilities. A
# calibration curve compares the predicted default probability with the observed default rate
# (scenarios with the same seed share the same reference period):

# %%
after = prior.production[prior.production["batch"] >= start]
plots.calibration_curve(
    {"reference": (prior.reference["default"], prior.reference["score"]),
     "after the downturn": (after["default"], after["score"])},
    n_bins=8, strategy="quantile",
)
plt.show()

# %% [markdown]
# After the downturn the curve sits above the diagonal: loans the model prices at 10% now default
# far more often. Anyone using the score as a probability — for pricing, provisions, the expected
# loss — now underestimates risk. The remedy is usually cheap: **recalibrate** the probabilities
# to the new default rate and revisit the threshold; no need to rebuild the model.
# (`04_concept_drift_further` shows the early warning a prior shift leaves in the scores before
# any outcome arrives, and what the old threshold costs after the downturn.)

# %% [markdown]
# ## 3 · Label delay: what you can measure this week
#
# Whether a loan defaults is known only weeks later. In the `label_delay` scenario the newest 4
# batches have no outcomes yet, and from batch 12 debt rises *and* who defaults changes.

# %%
delayed = make("label_delay", seed=0)
delayed.truth[["kind", "features", "start_batch", "end_batch"]]

# %%
delayed_history = metrics.by_batch(delayed.production, metrics=["roc_auc", "recall"],
                                   threshold=delayed.threshold, ci=True, n_boot=200, seed=0)
plots.metric_over_time(delayed_history, "roc_auc", reference=reference["roc_auc"],
                            title="label_delay: ROC-AUC per batch (the last 4 have no labels)")
plt.show()

# %% [markdown]
# The line stops at batch 15: the metric is undefined where no outcome has arrived, and
# `by_batch` says why in its `note` column.

# %%
delayed_history[["batch", "n", "n_labelled", "roc_auc", "note"]].tail(8).round(3)

# %% [markdown]
# **What you can measure now, without labels** — the *proxies*:
#
# - the score distribution (mean score) and the flag rate (share of loans flagged), on every batch;
# - input drift, as in lesson 03.
#
# They need no outcome, so they cover the newest batches too.

# %%
proxies = delayed.production.groupby("batch", as_index=False).agg(
    mean_score=("score", "mean"), positive_rate=("prediction", "mean"))
with plots.style():  # the course's figure style for a figure we lay out ourselves
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.6), layout="constrained")
plots.metric_over_time(proxies, "mean_score", reference=delayed.reference["score"].mean(),
                       ax=left, title="Mean score per batch")
plots.metric_over_time(proxies, "positive_rate", reference=reference["positive_rate"],
                       ax=right, title="Flag rate per batch")
plt.show()

# %% [markdown]
# Both proxies jump at batch 12 and stay up through the batches without labels. What they tell
# you: *the population the model sees has changed*. What they cannot tell you: whether the model
# is still right about it. A higher flag rate could be correct (riskier applicants) or a symptom
# of a broken model. Here the labelled batches 12–15 show it is both: ROC-AUC fell too.
#
# **What to report this week:** performance up to the last labelled batch (with its interval),
# the proxies for the newest batches clearly labelled as *early warnings*, and the date the
# missing outcomes will arrive.
#
# > **What lending really measures.** The scenario simplifies twice. First, labels do not
# > arrive in one piece after four weeks: a loan becomes a "default" only once it is 30, 60 or
# > 90 days past due, and a cohort's default rate keeps climbing for months — a **vintage
# > curve** (share defaulted against months on book, one line per month of origination). Compare
# > cohorts at the *same* age, never a young cohort with an old one. Second, only **approved**
# > loans ever get an outcome: a declined applicant's "would have defaulted" is never observed,
# > so recall among declined applicants cannot be measured from the loan book. Lenders either
# > approve a small **randomised band** of applicants whatever their score (a controlled
# > experiment that costs some losses) or use **reject inference** (modelling the missing
# > outcomes, with its own assumptions). Every performance number in a real report should say
# > which population it was measured on.

# %% [markdown]
# ## 4 · A detector that watches for you: Page-Hinkley
#
# Nobody stares at a chart every week. A *change detector* reads one number per batch and raises
# an alarm when the stream has moved. `modellab.streaming` has three; we use **Page-Hinkley**,
# which adds up how far each value falls below the running average and alarms when the sum
# passes `threshold` (in standard deviations of the metric).
#
# As with every monitor: **fit on the reference period**. We cut the reference into chunks of
# the production batch size (1,000 loans), compute ROC-AUC on each, and let the detector learn
# how much the metric wobbles on a batch of that size. (Smaller chunks wobble more and make
# every threshold looser than the number you type: `04_concept_drift_further` measures it.)

# %%
import numpy as np

from modellab.streaming import PageHinkley


def chunk_auc(rows, size):
    """ROC-AUC on consecutive chunks of ``size`` rows."""
    chunks = rows.assign(batch=np.arange(len(rows)) // size)
    return metrics.by_batch(chunks, metrics=["roc_auc"])["roc_auc"]


reference_auc = chunk_auc(concept.reference, concept.batch_size)  # the production batch size
detector = PageHinkley(threshold=8, min_samples=3, direction="decrease").fit(reference_auc)
alarms = detector.run(history.set_index("batch")["roc_auc"])
alarms

# %% [markdown]
# `label` is the batch that raised the alarm. On the chart:

# %%
plots.metric_over_time(history, "roc_auc", alerts=alarms["label"].tolist(),
                            reference=reference["roc_auc"],
                            title="concept_drift: ROC-AUC and the Page-Hinkley alarm")
plt.show()

# %% [markdown]
# **Why 8? Detection delay versus false alarms.** A low `threshold` alarms quickly but also on
# noise; a high one is calm but slow. We measure both: the delay on `concept_drift` (the change
# is at batch 10) and the false alarms on a `stable` world of 60 calm weeks, where every alarm
# is false.

# %%
calm = make("stable", seed=0, n_batches=60)
calm_auc = metrics.by_batch(calm.production, metrics=["roc_auc"]).set_index("batch")["roc_auc"]
concept_auc = history.set_index("batch")["roc_auc"]

rows = []
for level in [1, 2, 3, 5, 8, 12, 15]:
    ph = PageHinkley(threshold=level, min_samples=3, direction="decrease").fit(reference_auc)
    found = ph.run(concept_auc)
    rows.append({"threshold": level,
                 "first alarm (concept_drift)": found["label"].iloc[0] if len(found) else None,
                 "false alarms in 60 calm weeks": len(ph.run(calm_auc))})
pd.DataFrame(rows)

# %% [markdown]
# At 1 and 2 the detector cries wolf: even on `concept_drift` its first alarm comes *before*
# the change, and it alarms several times in 60 calm weeks. From 3 to 5 it catches the drop at
# once but still raises a false alarm or two on calm data. At 8 it is silent on calm data and
# still catches this large drop at once; at 12–15 it waits one more week. A smaller drop would
# take longer to find at every level: pick the threshold on calm data for the false-alarm rate
# you can live with, then check the delay on the changes you most fear.

# %% [markdown]
# ## 5 · The business decision: retrain, recalibrate or wait?
#
# | what you see | likely cause | what to do |
# |---|---|---|
# | performance falls, inputs and scores steady | **concept drift** | retrain on recent labelled data; until then, tighten the threshold or add manual review |
# | default rate up, ranking (ROC-AUC) steady, calibration off | **prior shift** | recalibrate the probabilities, revisit the threshold; no rebuild needed |
# | scores / flag rate / inputs move, no labels yet | change in the population, effect unknown | early warning: report it, investigate the inputs, plan for the labels; act early only if the cost of waiting is high |
# | one batch dips, interval wide, no detector alarm | noise | wait for the next batch |
#
# Retraining needs labels *after* the change: under label delay you may have to wait, or use the
# few labelled weeks you have. Say so in your report, with the date the outcomes will arrive.

# %% [markdown]
# ## Recap
#
# - **Concept drift** changes what the inputs mean: input drift checks can stay green while
#   performance on labelled batches falls. Then only outcomes show it.
# - Track **per-batch metrics with confidence intervals** (`metrics.by_batch(..., ci=True)`,
#   `plots.metric_over_time`) to tell a real drop from a noisy week.
# - **Prior shift** moves the default rate: ranking holds, precision can even rise, calibration
#   breaks. Recalibrate and revisit the threshold.
# - Under **label delay**, report performance up to the last labelled batch and watch
#   label-free proxies (score distribution, flag rate, input drift) for the rest.
# - **Page-Hinkley** turns a metric stream into alarms; fit it on reference chunks of the
#   production batch size and choose the threshold by trading detection delay against false
#   alarms.
#
# **Next:** practise in `ex03_concept_drift`, then `05_performance_estimation` — estimating
# performance before the labels arrive. Optional: `04_concept_drift_further`.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** Input drift checks are all green, but ROC-AUC on labelled batches fell. What is it?
#
# - **a)** A false alarm: the inputs did not change, so the model must be fine.
# - **b)** A data-quality bug in the input pipeline, which the drift checks missed.
# - **c)** Concept drift: the link between inputs and outcome changed.
#
# **Q2.** The default rate rose, ROC-AUC is steady, predicted probabilities are too low. What do you do?
#
# - **a)** Retrain the model from scratch with new features and new data.
# - **b)** Recalibrate the probabilities and revisit the decision threshold.
# - **c)** Do nothing: ROC-AUC is steady, so the model is still doing its job.
#
# **Q3.** Labels arrive 4 weeks late. What can you measure on this week's batch?
#
# - **a)** Its score distribution, flag rate and input drift, not its accuracy.
# - **b)** Its ROC-AUC and recall, as usual, computed on the model's own predictions.
# - **c)** Nothing at all until the labels arrive four weeks from now.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "8df5900ad393cb5b", name="Q1",
           hint='which of these would leave the inputs unchanged?',
           explain='Concept drift changes what the inputs mean, not what they look like.')
self_check(q2, "abc", "9e77e13644c411d7", name="Q2",
           hint='the ranking still works; which part of the output is wrong?',
           explain='A prior shift breaks calibration, not ranking: recalibration is the cheap fix.')
self_check(q3, "abc", "fb884379d149a3cc", name="Q3",
           hint='which numbers need the outcome, and which do not?',
           explain='Proxies need no labels; they warn early but cannot prove the model is wrong.')

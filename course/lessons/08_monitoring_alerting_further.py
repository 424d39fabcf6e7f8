# %% [markdown]
# # 08+ · Monitoring and alerting, further: critical alerts, the ROC-AUC rule, the alert tuner
#
# An optional follow-up to `08_monitoring_alerting`, for self-study or a longer session: about
# 25 minutes. It assumes that lesson's `Monitor`, alert rules and `score_alerts`.

# %% [markdown]
# > **Executive summary**
# >
# > - A performance alert is only as good as the evidence under it. ROC-AUC measured on 200
# >   labelled loans rests on about 22 defaults: it wobbles so much that a 0.10 "drop" appears
# >   by chance in about one quiet week in twenty. **Page someone only on about 100 defaults**
# >   (or when the whole confidence interval is below the limit).
# > - The ROC-AUC rule has its own trade-off, measured where it matters — on a world where the
# >   model breaks: too tight and it fires on calm weeks, too loose and it misses the break.
# >   The default drop of 0.10 catches it at once with no false alarm.
# > - The **alert tuner** lets anyone move the thresholds and see false alarms, missed events
# >   and delays change, without code.

# %% [markdown]
# ## What you will be able to do
#
# 1. Measure how noisy a metric is on the number of defaults a batch holds, and gate critical
#    alerts on enough of them.
# 2. Score the ROC-AUC rule on calm worlds and on a world where the model breaks, and pick its
#    threshold.
# 3. Use the alert tuner to see the trade-off of each rule move live.

# %%
import numpy as np
import pandas as pd

from modellab import plots
from modellab.monitor import MetricDropFrom, Monitor, score_alerts
from modellab.scenarios import make

plots.set_style()
pd.set_option("display.max_colwidth", None)  # show alert messages in full
scenario = make("covariate_shift_gradual", seed=0)  # the slow squeeze of lesson 08

# %% [markdown]
# ## 1 · A critical alert needs enough defaults
#
# Metric rules wait for at least 200 labelled rows in a batch (`min_labelled`): "no outcomes yet"
# is not a performance drop. But 200 labelled loans is not 200 pieces of evidence: ROC-AUC and
# recall rest on the **defaults** among them, and at an 11% default rate that is only about 22.
# How noisy is ROC-AUC then? Draw random samples of 200 and of 1,000 loans from the reference
# period, where nothing is wrong:

# %%
from sklearn.metrics import roc_auc_score

y_ref = scenario.reference["default"].to_numpy()
s_ref = scenario.reference["score"].to_numpy()
ref_auc = roc_auc_score(y_ref, s_ref)
rng = np.random.default_rng(0)
noise = []
for n_rows in (200, 1000):
    for _ in range(300):
        rows = rng.choice(len(y_ref), size=n_rows, replace=False)
        noise.append({"labelled loans": n_rows, "defaults": y_ref[rows].sum(),
                      "auc": roc_auc_score(y_ref[rows], s_ref[rows])})
noise = pd.DataFrame(noise).groupby("labelled loans").agg(
    defaults=("defaults", "mean"), auc_sd=("auc", "std"),
    false_drop_rate=("auc", lambda a: (a < ref_auc - 0.10).mean()))
noise.round(3)

# %% [markdown]
# On 200 loans (about 23 defaults) ROC-AUC wobbles by about 0.05, and a 0.10 "drop" appears by
# pure chance in about 5% of quiet batches — too often to wake someone at night. On 1,000 loans
# (about 110 defaults) the wobble halves and a chance 0.10 drop practically never happens.
# So gate **critical** alerts on the number of defaults the metric was measured on (here: about
# 100, i.e. `min_labelled` of about 100 / default rate ≈ 900 loans), or on a confidence bound
# (alert only when the whole interval lies below the limit). Warnings can keep the lower gate.

# %%
default_rate = scenario.reference["default"].mean()
critical_auc = MetricDropFrom("roc_auc", by=0.10, severity="critical",
                              min_labelled=int(np.ceil(100 / default_rate)))
critical_auc  # pass rules=[critical_auc, ...] to a Monitor to page only on enough defaults

# %% [markdown]
# ## 2 · The ROC-AUC rule's own trade-off
#
# Lesson 08 tuned `FeatureDrifted` on the squeeze, a covariate shift. The ROC-AUC rule cannot
# see that shift (the model still ranks well), so it has to be judged on a world where the
# model *breaks*: `concept_drift`, where who defaults changes half-way. As in lesson 08: three
# seeds of `stable` and three of `concept_drift`, ten weeks of 1,000 loans each, monitored once
# without rules; each rule is then judged on the stored histories.

# %%
SMALL = dict(n_reference=2000, n_batches=10, batch_size=1000)


def monitored(name, seed):
    """History of a small scenario, monitored without alert rules, and its truth."""
    s = make(name, seed=seed, **SMALL)
    return Monitor(s.reference, rules=[]).run(s.production), s.truth


runs = [monitored(name, seed) for name in ("stable", "concept_drift") for seed in (0, 1, 2)]


def score_rule(rule):
    """False alarms, mean detection delay and missed changes of ``rule`` over the histories."""
    scores = [score_alerts(rule.evaluate(run.history, run.reference)["batch"], truth,
                           n_batches=len(run.history)) for run, truth in runs]
    delays = [d for s in scores for d in s.delays if d is not None]
    return {"false_alarms": sum(s.false_alarms for s in scores),
            "mean_delay": np.mean(delays) if delays else np.nan,
            "missed": sum(s.missed for s in scores)}


drops = [run.history.loc[run.history["batch"] >= truth["start_batch"].min(), "roc_auc"].mean()
         - run.reference["roc_auc"] for run, truth in runs if len(truth)]
print("ROC-AUC after the break minus the reference, per concept_drift seed:",
      [round(float(d), 2) for d in drops])
pd.DataFrame([{"rule": f"MetricDropFrom('roc_auc', by={by})",
               **score_rule(MetricDropFrom("roc_auc", by=by))} for by in (0.03, 0.05, 0.10, 0.15, 0.20)])

# %% [markdown]
# A drop of 0.03 or 0.05 fires on calm weeks (false alarms), because a weekly ROC-AUC wobbles
# by about 0.03. A drop of 0.10 catches the break in its first week, with no false alarm. At
# 0.15 the rule starts to wait, and at 0.20 it misses the break altogether: here ROC-AUC fell
# by about 0.15 (printed above the table), so a limit beyond the size of the harm you fear
# never fires. Pick the
# threshold between the noise and that harm, and check both numbers.

# %% [markdown]
# ## 3 · Explore it yourself: the alert tuner
#
# The alert tuner re-evaluates four rules on the 20-week history of the squeeze (lesson 08's
# scenario) and scores them against the scenario's truth: drag a slider and watch false alarms,
# missed events and the delay. (Run the cell in JupyterLab to get the live widget.)

# %%
from modellab.widgets import alert_tuner

result = Monitor(scenario.reference).run(scenario.production, by="batch")
alert_tuner(result, truth=scenario.truth)

# %% [markdown]
# Try: drag the *feature effect floor* to 0.05, then to 1.0. Which week does the first alert move
# to, and how many false alarms appear? The same tuner runs without code in the dashboard
# (`modellab dashboard`).

# %% [markdown]
# ## Recap
#
# - A performance metric's noise follows the number of **defaults** it rests on, not the loans:
#   about 22 defaults in 200 loans make ROC-AUC wobble by 0.05. Gate critical alerts on about
#   100 defaults (`min_labelled` ≈ 100 / default rate) or on a confidence bound.
# - Judge the ROC-AUC rule on a world where the model breaks: between the weekly noise (false
#   alarms) and the size of the harm you fear (missed breaks), a 0.10 drop sits well here.
# - The alert tuner shows each rule's trade-off live.
#
# **Next:** `09_reporting` — turning the monitor's history into a report stakeholders read.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** A batch has 300 labelled loans and a 10% default rate. Its ROC-AUC is 0.10 below the
# reference. Should the on-call owner be paged tonight?
#
# - **a)** Yes: a drop of 0.10 is the agreed limit, and 300 loans pass the 200-row gate.
# - **b)** Yes, and retrain the model tonight, since a 0.10 drop means it has broken.
# - **c)** Not yet: 30 defaults are too few; raise a warning and wait for more outcomes.
#
# **Q2.** ROC-AUC fell by about 0.15 when the model broke. Which drop rule misses it?
#
# - **a)** Alert when ROC-AUC drops by 0.20.
# - **b)** Alert when ROC-AUC drops by 0.10.
# - **c)** Alert when ROC-AUC drops by 0.05.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
self_check(q1, "abc", "8df5900ad393cb5b", name="Q1",
           hint='how many defaults does the ROC-AUC of this batch rest on?',
           explain='300 loans at 10% hold 30 defaults: too noisy to page; about 100 are needed.')
self_check(q2, "abc", "8b869ee012e9f2d4", name="Q2",
           hint='a limit larger than the drop never fires',
           explain='A 0.20 limit is beyond the 0.15 drop: the rule never fires. 0.05 also fires on calm weeks.')

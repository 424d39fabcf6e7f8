# %% [markdown]
# # 08 · Continuous monitoring and alerting
#
# Lessons 02–07 asked one question at a time: performance, drift, segments, data quality. In
# production nobody runs those checks by hand: a **monitor** runs them on every new batch, keeps the results, and
# raises an **alert** when an agreed rule is broken. This lesson builds that loop, tunes its
# rules, and runs it unattended from the command line.
#
# About 50 minutes. The graded exercise `ex04_monitoring` follows this lesson. The optional
# notebook `08_monitoring_alerting_further` (25 minutes) measures why critical alerts need
# enough defaults, tunes the ROC-AUC rule, and has a live alert tuner.

# %% [markdown]
# > **Executive summary**
# >
# > - A monitor checks **every weekly batch** against the reference period: model performance
# >   (once outcomes arrive), input drift and data quality. It keeps a history, so trends and
# >   the first bad week are visible at a glance.
# > - **Alert rules** turn that history into a short list of plain sentences, each with a
# >   severity. Thresholds are set from the measured noise: a weekly ROC-AUC on 1,000 loans
# >   wobbles by a few hundredths, so the default rule waits for a drop of 0.10.
# > - Every rule trades **false alarms** against **detection delay**. Tighter rules catch drift
# >   sooner but wake people for nothing; looser rules stay quiet but notice late. Choose on
# >   data from past weeks, with both numbers on the table.
# > - Too many alerts get ignored (**alert fatigue**). Page a person only for *critical* alerts
# >   (a performance drop measured on enough **defaults**, not just enough loans); send
# >   *warnings* to a daily review.
# > - The monitor runs **unattended** (e.g. every Monday at 6:00) and stores its history in one
# >   file; re-running it never double-counts a week.

# %% [markdown]
# ## What you will be able to do
#
# 1. Run a `Monitor` over a stream of production batches and read its history and alerts.
# 2. Plot a metric over time with its alerts, and a drift heatmap per feature and week.
# 3. Write alert rules as small objects, and explain why the default thresholds are what they are.
# 4. Measure the false alarms and the detection delay of a set of rules on scenarios whose truth
#    you know, and tune them.
# 5. Cut alert fatigue with severities, plain messages and a routing plan (who gets paged).
# 6. Automate monitoring: a history store that survives restarts, and the `modellab monitor`
#    command for a scheduler such as cron.
#
# **Why this matters to the business:** a model that drifts on a Friday should be noticed on
# Monday, not at the quarterly review — and the people on call should trust every page they get.

# %% [markdown]
# ## The scenario: a slow cost-of-living squeeze
#
# We use `covariate_shift_gradual`: 20 weekly batches of 1,000 loan applications. From week 10,
# applicants slowly borrow more and carry more debt relative to their income. Because the
# scenario is synthetic, `scenario.truth` tells us exactly what changed and when.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from modellab import plots
from modellab.monitor import Monitor
from modellab.scenarios import make

plots.set_style()
pd.set_option("display.max_colwidth", None)  # show alert messages in full
scenario = make("covariate_shift_gradual", seed=0)
for change in scenario.truth["description"]:
    print(change)

# %% [markdown]
# ## One monitor, every batch
#
# Like a scikit-learn model, the monitor learns from the reference period when it is created
# (its metrics, the drift tests' reference distributions), then `run` judges each production
# batch in turn. With no `rules=` argument it uses the default alert rules.

# %%
monitor = Monitor(scenario.reference)
result = monitor.run(scenario.production, by="batch")
result

# %% [markdown]
# A figure first. Left: the model's **mean score** per week, with the reference level dashed and
# the weeks that raised an alert on it marked. Right: **ROC-AUC**, how well the model ranks
# borrowers, on the same weeks.

# %%
history, alerts = result.history, result.alerts
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
plots.metric_over_time(history, "mean_score", alerts=alerts,
                       reference=result.reference["mean_score"], ax=left)
plots.metric_over_time(history, "roc_auc", alerts=alerts,
                       reference=result.reference["roc_auc"], ax=right)
plt.show()

# %% [markdown]
# The scores climb from week 10 — the model *sees* riskier applicants — while its ranking quality
# stays where it was. The drift heatmap shows which inputs moved: one row per feature, one column
# per week, darker = larger drift (effect size in reference standard deviations).

# %%
ax = plots.drift_heatmap(result.drift, value="effect_size")
plt.show()

# %% [markdown]
# Now the tables behind the figures. `result.history` has one row per batch and many columns
# (every metric, a drift flag and effect size per feature, missing-value rates); here are a few.

# %%
history[["batch", "n_labelled", "roc_auc", "base_rate", "mean_score", "drift_share",
         "effect_debt_to_income", "effect_loan_amount"]].round(3).iloc[7:15]

# %% [markdown]
# `result.alerts` has one row per alert: the batch, the rule, its kind and subject, the value
# and threshold, a **severity** and a **message** written for people.

# %%
first = result.first_alert()
print(f"First alert: batch {first['batch']} (the drift started at batch "
      f"{scenario.truth['start_batch'].min()}).")
alerts[["batch", "severity", "message"]].head(6)

# %% [markdown]
# ## Alert rules are small objects
#
# Each rule is a small frozen object with a readable name. The defaults:

# %%
from modellab.monitor import default_rules

for rule in default_rules():
    print(rule)

# %% [markdown]
# | rule | fires when | why this threshold |
# |---|---|---|
# | `MetricDropFrom('roc_auc', by=0.10)` — **critical** | ranking quality falls 0.10 below the reference | weekly ROC-AUC is noisy (measured below): 0.10 is over three times its week-to-week spread |
# | `MetricRiseFrom('base_rate', by=0.05)` | the observed default rate rises 5 points | ~11% defaults ± about 1 point a week: 5 points is a real change in the market |
# | `MetricRiseFrom('mean_score', by=0.03)` | the average score rises 3 points | needs **no outcomes**: visible the week applicants change |
# | `DriftShareAbove(0.3)` | more than 30% of the inputs drifted in the same week | one drifting feature in ten happens by chance; three at once rarely does |
# | `FeatureDrifted(min_effect=0.2)` | some feature drifted by at least 0.2 standard deviations | with 1,000 rows tests flag tiny, harmless shifts; 0.2 SD is a move worth a look |
# | `MissingRateAbove(0.05, relative=True)` | a feature has 5 points more missing values than in the reference | a broken data pipeline, not a changed world |
#
# Metric rules wait for at least 200 labelled rows in a batch (`min_labelled`): "no outcomes yet"
# is not a performance drop. But 200 labelled loans is not 200 pieces of evidence: ROC-AUC and
# recall rest on the **defaults** among them, and at an 11% default rate that is only about 22.
# Enough for a warning, too few to wake someone at night — yet the default ROC-AUC rule above
# is critical with that same gate of 200. Before it pages anyone, give it a gate of about 100
# defaults: `min_labelled` of about 100 divided by the default rate
# (`08_monitoring_alerting_further` measures why, and builds that rule).

# %% [markdown]
# ### How noisy is a weekly ROC-AUC?
#
# Measure it where nothing changes. We run the monitor with **no rules** (`rules=[]`) on three
# seeds of the `stable` scenario, 10 weeks each, and look at how far each week's ROC-AUC lands
# from the reference. (We will reuse these histories to test rules in the next section.)

# %%
SEEDS = (0, 1, 2)
SMALL = dict(n_reference=2000, n_batches=10, batch_size=1000)


def monitored(name, seed):
    """History of a small scenario, monitored without alert rules, and its truth."""
    s = make(name, seed=seed, **SMALL)
    return Monitor(s.reference, rules=[]).run(s.production), s.truth


stable_runs = [monitored("stable", seed) for seed in SEEDS]
gaps = pd.concat([r.history["roc_auc"] - r.reference["roc_auc"] for r, _ in stable_runs])
print(f"Weekly ROC-AUC minus reference, 30 stable weeks: spread (SD) {gaps.std():.3f}, "
      f"worst {gaps.min():+.3f}")

# %% [markdown]
# The spread is about 0.03, and single weeks land 0.07 below the reference with nothing wrong. A
# rule "alert when ROC-AUC drops 0.05" fires on ordinary weeks; 0.10 is more than three spreads
# away, so in a stable world it stays quiet.
#
# A rule needs only the history to decide, so `rule.evaluate(history, reference)` re-judges a
# stored history in milliseconds, without re-running the monitor. Try a tighter one:

# %%
from modellab.monitor import FeatureDrifted, MetricDropFrom

tight = MetricDropFrom("roc_auc", by=0.05)
stable_history, stable_reference = stable_runs[1][0].history, stable_runs[1][0].reference
tight.evaluate(stable_history, stable_reference)[["batch", "severity", "message"]]

# %% [markdown]
# That is a **false alarm**: nothing changed in this world.

# %% [markdown]
# ## False alarms versus detection delay
#
# Every threshold trades two costs:
#
# - **false alarms** — alerts on weeks where nothing changed (every week of `stable`, the weeks
#   before the onset in a drift scenario);
# - **detection delay** — weeks from the true onset (`scenario.truth`) to the first alert.
#
# `score_alerts(alerts, truth)` from `modellab.monitor` counts both against a scenario's truth.
# One rule, `FeatureDrifted()` with no effect-size floor, on one drift history (seed 1):

# %%
from modellab.monitor import score_alerts

drift_runs = [monitored("covariate_shift_gradual", seed) for seed in SEEDS]
run, truth = drift_runs[1]
score = score_alerts(FeatureDrifted().evaluate(run.history, run.reference), truth,
                     n_batches=len(run.history))
print(score)
print("False alarms on batches:", list(score.false_alarm_batches))
score.to_frame()[["start_batch", "end_batch", "features", "first_alert", "delay"]]

# %% [markdown]
# One row per drift event: caught in its first week (delay 0), but the rule also alarmed on a
# quiet week before the onset. To compare settings, we add the scores up over the three stable
# histories and the three drift histories:

# %%
def score_rules(rules):
    """False alarms, mean detection delay and missed drifts of ``rules`` over six histories."""
    scores = []
    for run, truth in stable_runs + drift_runs:
        alerted = [b for rule in rules for b in rule.evaluate(run.history, run.reference)["batch"]]
        scores.append(score_alerts(alerted, truth, n_batches=len(run.history)))
    delays = [d for s in scores for d in s.delays if d is not None]
    return {"false_alarms": sum(s.false_alarms for s in scores),
            "mean_delay": np.mean(delays) if delays else np.nan,
            "missed": sum(s.missed for s in scores)}


# %% [markdown]
# One knob: the effect size at which `FeatureDrifted` alerts. `None` alerts on every feature the
# drift test flags, however small the shift.

# %%
settings = [None, 0.1, 0.2, 0.4, 0.7, 1.0]
tradeoff = pd.DataFrame([{"min_effect": str(m), **score_rules([FeatureDrifted(min_effect=m)])}
                         for m in settings])

quiet_weeks = sum(score_alerts([], truth, n_batches=len(run.history)).quiet_batches
                  for run, truth in stable_runs + drift_runs)

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.plot(tradeoff["false_alarms"], tradeoff["mean_delay"], marker="o")
for row in tradeoff.itertuples():
    ax.annotate(row.min_effect, (row.false_alarms, row.mean_delay),
                textcoords="offset points", xytext=(6, 6), fontsize=9)
ax.set(xlabel=f"false alarms (in {quiet_weeks} weeks without drift)",
       ylabel="mean detection delay (weeks)",
       title="FeatureDrifted(min_effect=...): sooner, or quieter")
plt.show()

# %%
tradeoff

# %% [markdown]
# The curve is the whole story. Flagging every drift the test finds catches the change at once
# but also alarms on quiet weeks; a very high floor never alarms falsely but notices the squeeze
# weeks late — or, for a smaller drift, not at all (`missed`). The default, 0.2, sits at the
# knee: no false alarm here, and the drift is caught in its first week.
# (`08_monitoring_alerting_further` draws the same trade-off for the ROC-AUC rule, and has an
# alert tuner to try the thresholds live.)

# %% [markdown]
# ## Alert fatigue: fewer, better alerts
#
# A team that receives thirty alerts a week stops reading them — and misses the one that
# matters. Three habits keep alerts trusted:
#
# 1. **Severities with a routing plan.** Decide in advance who hears what.
# 2. **Plain messages.** Each alert says what moved, by how much, against which limit, so the
#    reader can act without opening a notebook.
# 3. **Tell people once.** A drift that lasts ten weeks is one incident, not ten pages.

# %%
alerts.groupby(["severity", "kind"]).size().rename("alerts").reset_index()

# %% [markdown]
# | severity | what it means | who hears it |
# |---|---|---|
# | **critical** | performance has dropped, measured on enough defaults (about 100, not 200 loans) | page the on-call model owner, any hour |
# | **warning** | inputs, scores or default rate moved; performance may follow | daily review by the monitoring team; ticket to the data owner |
# | **info** | worth recording | dashboard only |
#
# In our squeeze, every alert is a warning: the inputs and the default rate moved, but the model
# still ranks borrowers well. Nobody is woken up; the team reviews it in the morning.
#
# *Tell people once*: keep the first alert of each rule as the incident's opening line; later
# weeks update the same incident.

# %%
alerts.drop_duplicates("rule")[["batch", "severity", "message"]]

# %% [markdown]
# Three messages instead of twenty-five — and each one reads as a sentence.

# %% [markdown]
# ## Automation: a history store and the command line
#
# A monitor that lives in a notebook stops when the notebook closes. In production it runs on a
# schedule and keeps its history in a file:
#
# - `Monitor(..., store="monitor.db")` writes each batch's results to an SQLite file in one
#   transaction. Batches already stored are **skipped**, so re-running is harmless and a crash
#   loses at most the batch in progress.
# - The `modellab monitor` command does the same from a terminal or a scheduler.
#
# We work in a temporary folder, so this notebook leaves nothing behind. First, the week files a
# data pipeline would deliver: one Parquet file per batch, `batch_000.parquet`,
# `batch_001.parquet`, ... (the monitor reads the batch id from the number at the end of the
# name). Ten small weeks of 500 applications from lesson 03's campaign scenario
# (`covariate_shift_sudden`) stand in for the pipeline; from a terminal,
# `modellab scenarios export` writes the same files.

# %%
import pathlib
import shutil
import sys
import tempfile

workdir = pathlib.Path(tempfile.mkdtemp(prefix="modellab-08-"))
data, store = workdir / "weeks", workdir / "monitor.db"
data.mkdir()
weeks = make("covariate_shift_sudden", seed=1, n_reference=2000, n_batches=10, batch_size=500)
weeks.reference.to_parquet(data / "reference.parquet", index=False)
for batch in weeks.iter_batches():
    batch.to_parquet(data / f"batch_{batch['batch'].iloc[0]:03d}.parquet", index=False)
sorted(p.name for p in data.iterdir())[:4]

# %% [markdown]
# Run the monitor on the folder, as a scheduler would: the `modellab monitor run` command in a
# shell (in a notebook, `!` runs a terminal command; `MODELLAB` is this kernel's copy of the
# command). It prints each new alert on one line, then a summary.

# %%
MODELLAB = pathlib.Path(sys.executable).parent / "modellab"
# !{MODELLAB} monitor run --reference {data}/reference.parquet --batches {data} --store {store}

# %% [markdown]
# Next week, the scheduler runs the same command again. Here we run it inside this kernel, to
# save the start-up of a second process: `modellab.cli.main` takes the command's arguments as
# a list, prints the same lines and returns the exit status a scheduler sees. Nothing new has
# arrived, so nothing is recomputed and no alert is repeated:

# %%
from modellab.cli import main

status = main(["monitor", "run", "--reference", f"{data}/reference.parquet",
               "--batches", str(data), "--store", str(store)])
print("exit status:", status)

# %% [markdown]
# The history lives in the store, not in the process: any later session (or a report, lesson
# 09) reads it back without the raw data. From Python, after a restart,
# `MonitorResult.from_store` returns the same tables as `Monitor.run`. How many of the stored
# alerts are critical? None: performance held, so nobody would have been paged.

# %%
from modellab.monitor import MonitorResult

stored = MonitorResult.from_store(store)
print(stored)
print("stored alerts by severity:", stored.alerts["severity"].value_counts().to_dict())
stored.history[["batch", "roc_auc", "mean_score", "drift_share"]].round(3).tail(4)

# %% [markdown]
# From a terminal, `modellab monitor alerts --store monitor.db --severity critical` prints the
# same stored alerts, one sentence each, and `modellab monitor history` the history table.

# %% [markdown]
# A scheduler entry that runs the monitor every Monday at 6:00 and exits with status 1 when new
# alerts appear (so the scheduler can notify someone) looks like this:
#
# ```
# 0 6 * * 1  modellab monitor run --reference ref.parquet --batches /data/weeks --store monitor.db --quiet --fail-on-alert
# ```
#
# Rules can live in a TOML file (`--rules rules.toml`, see `modellab.monitor.rules_from_toml`),
# reviewed like code. Clean up the temporary folder:

# %%
shutil.rmtree(workdir)

# %% [markdown]
# ## Recap
#
# - `Monitor(reference).run(production)` checks performance, drift and data quality on every
#   batch; `result.history` is one row per batch, `result.alerts` one row per alert.
# - Plot first: `plots.metric_over_time` with alert markers, `plots.drift_heatmap` per feature.
# - Rules are small objects (`MetricDropFrom`, `FeatureDrifted`, ...). Set thresholds from
#   measured noise: weekly ROC-AUC on 1,000 loans wobbles by a few hundredths, hence a 0.10 drop.
# - Score rules on known scenarios: **false alarms** on `stable`, **detection delay** from the
#   truth's onset. Tighter is sooner and noisier.
# - Severities, plain messages and "tell people once" fight alert fatigue; only critical alerts
#   page a person, and only when measured on enough defaults.
# - A SQLite store makes re-runs idempotent and history durable; `modellab monitor run` fits a
#   scheduler.
#
# **Next:** the exercise `ex04_monitoring`, then `09_reporting` — turning this history into a
# report stakeholders read. Optional: `08_monitoring_alerting_further`.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** A rule raised no false alarm in a year of stable data. What do you still not know?
#
# - **a)** How late it would notice a real drift, or whether it would at all.
# - **b)** Whether it is fast enough to run on every batch within the nightly window.
# - **c)** Nothing: zero false alarms over a year makes it the best possible rule.
#
# **Q2.** Weekly ROC-AUC on 1,000 loans wobbles by about 0.03. Which drop rule is sensible?
#
# - **a)** Alert when ROC-AUC drops by 0.01.
# - **b)** Alert when ROC-AUC drops by 0.40.
# - **c)** Alert when ROC-AUC drops by 0.10.
#
# **Q3.** Why does the monitor keep its history in a store file?
#
# - **a)** Because SQLite computes the drift tests much faster than pandas does.
# - **b)** So a re-run skips weeks already done and the history survives restarts.
# - **c)** So that the raw data can be deleted as soon as the monitor has read it.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "d025348fe71abfb7", name="Q1",
           hint='a rule that never fires also has zero false alarms',
           explain='Judge a rule on both numbers: false alarms on quiet data and delay on drift.')
self_check(q2, "abc", "c92422938f99cb54", name="Q2",
           hint='compare each threshold with the week-to-week wobble',
           explain='0.01 fires on noise; 0.40 is a broken model before it fires; 0.10 is a few wobbles.')
self_check(q3, "abc", "de0921102a00fbbe", name="Q3",
           hint='think about a scheduled job that runs every Monday',
           explain='Idempotent re-runs and a durable history are what make unattended monitoring safe.')

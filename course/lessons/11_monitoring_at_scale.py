# %% [markdown]
# # 11 · Monitoring at scale: chunked statistics over big data
#
# Production data outgrow memory long before they outgrow a monitoring budget. This lesson
# shows how the same drift tests and metrics keep working when the data sit in a folder of
# Parquet files too big to load, first in one process and then on a Dask cluster.
#
# About 45 minutes. The graded exercise `ex08_scale` follows this lesson.

# %% [markdown]
# > **Executive summary**
# >
# > - With millions of rows, a statistical test calls **every** tiny wobble "significant".
# >   Our monitors therefore flag a feature only when the change is also **large enough to
# >   matter**; the p-value alone is no longer a decision rule.
# > - The monitor learns a compact **summary of the reference** once (bins, category counts).
# >   New data are **counted** into it piece by piece and the counts added up: the answer is
# >   the **same** as loading everything, while memory stays at a few hundred MB.
# > - The same counting runs on a **Dask cluster** when one machine is too slow: only the
# >   small counts travel, never the rows.
# > - A damaged or missing file does **not** stop the run: it is named in a "skipped" report
# >   and the rest is monitored.
# > - Cost: counting is cheap (hundreds of thousands of rows per second per core); exact
# >   counts beat sampling because sampling adds noise that can hide or fake a drift.

# %% [markdown]
# ## What you will be able to do
#
# 1. Explain why p-values stop being a useful alarm on large data, and what to use instead.
# 2. Fit a reference **once** and monitor new data chunk by chunk from **mergeable
#    summaries**, and check that the result equals the in-memory one.
# 3. Monitor a partitioned **Parquet dataset** with `modellab.scale.monitor_parquet`, and read
#    its report of skipped files.
# 4. Run the same computation on a **Dask** `LocalCluster`, and point it at a real cluster.
# 5. Estimate the **cost** of monitoring (rows per second, memory) and judge sampling.
#
# **Why this matters to the business:** a monitor that crashes, runs out of memory or takes
# all night on the full portfolio is a monitor that gets switched off, and then nobody
# notices the next drift.

# %%
import tempfile
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from modellab import drift, metrics, plots
from modellab import scenarios as sc
from modellab.monitor import Monitor
from modellab.scale import local_client, monitor_parquet, write_scenario

plots.set_style()

# %% [markdown]
# ## 1. At scale, "significant" stops meaning "important"
#
# Take a drift so small nobody should care: average income moves by **0.02 standard
# deviations**. We measure it with the KS test (a p-value) and with the Wasserstein distance
# (an effect size, in reference standard deviations) as the sample grows.

# %%
world = sc.custom([sc.shift("income", by=0.02).at(sc.sudden(0))],
                  n_reference=200_000, n_batches=1, batch_size=200_000, seed=1)
big_ref, big_cur = world.reference["income"].to_numpy(), world.batch(0)["income"].to_numpy()
tiny = pd.DataFrame([
    {"rows": n, "ks_p_value": drift.ks(big_ref[:n], big_cur[:n]).p_value,
     "effect_sd": drift.wasserstein(big_ref[:n], big_cur[:n]).statistic}
    for n in [2_000, 20_000, 200_000]
])

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
ax1.semilogy(tiny["rows"], tiny["ks_p_value"], "o-")
ax1.axhline(0.05, ls="--", c="grey")
ax1.set(xscale="log", xlabel="rows per sample", ylabel="KS p-value", title="p-value falls")
ax2.plot(tiny["rows"], tiny["effect_sd"], "o-")
ax2.axhline(0.1, ls="--", c="grey")
ax2.set(xscale="log", xlabel="rows per sample", ylabel="Wasserstein (sd)",
        title="effect size stays tiny", ylim=(0, 0.15))
plt.show()
plt.close(fig)
tiny.round(4)

# %% [markdown]
# The change did not grow: only our certainty that it is not exactly zero did. The benchmark
# `benchmarks/drift.py` shows the same at a million rows: in its `tiny` case every one of 20
# numeric columns is shifted by 0.02 sd. A p-value rule flags them; `DriftDetector`'s `auto`
# rule (significant **and** Wasserstein ≥ 0.1 sd) flagged **none** at 10k, 100k and 1M rows
# (largest unflagged effect 0.022 sd at 1M), while it flagged exactly the 5 columns shifted by
# 0.25 sd in the `shift` case, at every size. Keep the effect floor; read p-values as
# "is there enough data", not "does it matter".

# %% [markdown]
# Explore it: move the sample size and watch the p-value collapse while the effect stays put.

# %%
import ipywidgets as widgets


def show_tiny_drift(rows=2_000):
    r, c = big_ref[:rows], big_cur[:rows]
    print(f"{rows:>7,} rows: KS p-value {drift.ks(r, c).p_value:.2g}, "
          f"effect {drift.wasserstein(r, c).statistic:.3f} sd")


_ = widgets.interact(show_tiny_drift, rows=widgets.IntSlider(2_000, 1_000, 200_000, 1_000))

# %% [markdown]
# ## 2. Mergeable summaries: fit once, count chunk by chunk, merge
#
# A fitted `DriftDetector` keeps no reference rows, only a summary: 100 quantile bins per
# numeric column and the category counts. New rows are **counted** into those bins. Counts
# add up, so three chunks counted separately and merged give the counts of all rows.

# %%
scenario = sc.make("covariate_shift_sudden", seed=0, n_batches=20, batch_size=5_000)
reference, production = scenario.reference, scenario.production
detector = drift.DriftDetector().fit(reference[scenario.features])

chunks = np.array_split(np.arange(len(production)), 3)
parts = [detector.summarise(production.iloc[idx]) for idx in chunks]
merged = parts[0].merge(parts[1]).merge(parts[2])
print(merged, "| channel counts per category:", merged["channel"].counts.tolist())

from_chunks = detector.test_counts(merged)
all_at_once = detector.test(production)
same = (from_chunks["drifted"].equals(all_at_once["drifted"])
        and from_chunks["p_value"].equals(all_at_once["p_value"]))
print("same flags and p-values as testing all rows at once:", same)

# %% [markdown]
# Metrics merge the same way: confusion counts of separate chunks add up exactly
# (`ConfusionCounts` supports `+`). ROC-AUC does not, because it compares every score with
# every other: at scale it comes from per-class **score histograms**, with a known worst-case
# error that the result reports (`roc_auc_max_error`).

# %%
per_chunk = [metrics.confusion_counts(production["default"].iloc[idx],
                                      production["score"].iloc[idx], scenario.threshold)
             for idx in chunks]
print(sum(per_chunk))
print(metrics.confusion_counts(production["default"], production["score"], scenario.threshold))

# %% [markdown]
# ## 3. Monitoring a Parquet dataset chunk by chunk
#
# In production the batches arrive as files. `write_scenario` writes the stream as a
# partitioned Parquet dataset, one scenario batch at a time (the command line does the same:
# `modellab scenarios export NAME --out DIR --partitioned --rows-per-file 1000000`).
# `monitor_parquet` then reads each file record batch by record batch (pyarrow datasets), keeps
# only the counts, and builds the same per-batch history as `Monitor.run`.

# %%
folder = tempfile.mkdtemp(prefix="modellab_scale_")
files = write_scenario(scenario, folder, rows_per_file=15_000)
print(f"{len(files)} files, e.g. {files[0].name}")

monitor = Monitor(reference)
start = time.perf_counter()
result = monitor_parquet(monitor, folder, batch_size=20_000)
seconds = time.perf_counter() - start
print(result, f"in {seconds:.1f}s ({result.n_rows / seconds:,.0f} rows/s)")

# %%
fig, ax = plt.subplots(figsize=(8, 3))
plots.metric_over_time(result.history, "drift_share", ax=ax,
                       title="Share of drifted features per weekly batch (from Parquet)")
plt.show()
plt.close(fig)
result.history[["batch", "n", "roc_auc", "recall", "drift_share", "drift_age",
                "drift_channel"]].tail(6).round(3)

# %% [markdown]
# Is it really the same as loading everything? Compare with `Monitor.run` on the in-memory
# frame: counts, threshold metrics and drift flags are **identical**; ROC-AUC differs by less
# than the reported bound.

# %%
in_memory = monitor.run(production).history
checks = pd.Series({
    "drift flags identical": in_memory.filter(like="drift_").equals(
        result.history.filter(like="drift_")),
    "recall identical": in_memory["recall"].equals(result.history["recall"]),
    "largest ROC-AUC difference": (in_memory["roc_auc"] - result.history["roc_auc"]).abs().max(),
    "reported ROC-AUC bound": result.history["roc_auc_max_error"].max(),
})
checks

# %% [markdown]
# The same holds for looking inside the average and for the data contract (lessons 06 and
# 07): a `Monitor(reference, segments=["region"], contract=True)` gives `monitor_parquet` the
# same segment gaps and contract violations as `Monitor.run`. Each segment keeps its four
# confusion counts, which is all recall or precision needs, and each contract check keeps
# counts and a few examples (a column that must be unique keeps its values, one column of the
# batch). Only a segment gap on a ranking or probability metric (ROC-AUC, Brier score) needs
# every row, so `monitor_parquet` refuses that set-up and says how to fix it.

# %% [markdown]
# ### A damaged file does not stop the run
#
# Files get truncated, half-copied or deleted. Each file is the unit of failure: a bad one is
# skipped, named in `result.skipped` and in a warning, and everything else is monitored.

# %%
files[3].write_bytes(b"half a file")  # simulate a broken copy
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    damaged = monitor_parquet(monitor, folder)
print(caught[0].message)
damaged.skipped

# %%
files = write_scenario(scenario, folder, rows_per_file=15_000)  # repair the dataset

# %% [markdown]
# ## 4. The same computation on a Dask cluster
#
# When one machine is too slow, give the job to a cluster. `monitor_parquet(..., client=)`
# sends one task per file to the Dask workers; each returns its small summary, and the
# summaries are merged. Here a `LocalCluster` with 2 workers of 1 thread (threads keep the
# start-up fast in a notebook; on a real machine use `processes=True`).
#
# The Dask **dashboard** shows the tasks streaming through the workers and their memory; open
# `client.dashboard_link` in a browser when you start the cluster with `dashboard=True` (we
# keep it off here). For data beyond one machine, pass your cluster's `Client`, or its
# scheduler address (`client="tcp://scheduler:8786"`): the workers must see the same files.

# %%
client = local_client(n_workers=2, threads_per_worker=1, processes=False)
on_dask = monitor_parquet(monitor, folder, client=client)
print(on_dask)
print("same history as in-process:",
      on_dask.history.drop(columns=["brier", "mean_score"]).filter(regex="^(?!effect_)")
      .equals(result.history.drop(columns=["brier", "mean_score"]).filter(regex="^(?!effect_)")))
client.close()

# %% [markdown]
# ## 5. What monitoring costs
#
# Measured with `benchmarks/scale.py` on a quiet 2-core machine: a 25-column production table
# in 1M-row Parquet files (50 files, 5 GiB for 50M rows), monitored per batch with alert rules.
#
# | path | rows | seconds | rows/s | speed vs in memory | peak memory (RSS) |
# |---|---|---|---|---|---|
# | pandas + `Monitor.run` (all in memory) | 5M | 8.2 | 0.6M | 1× | 1.7 GB, grows with rows |
# | `monitor_parquet`, one process | 5M | 3.2 | 1.6M | 2.6× | 0.55 GB |
# | `monitor_parquet`, one process | 50M | 25.8 | 1.9M | 3.2× | 0.56 GB |
# | `monitor_parquet`, Dask, 2 worker processes | 50M | 23.7 | 2.1M | 3.5× | 0.25 GB + 0.55 GB per worker |
#
# On one machine Dask adds little: the work is already close to the disk and the CPU. Its
# value is the next step, a cluster: the same call with `client="tcp://scheduler:8786"` spreads
# the files over many machines, and no single one holds more than a batch of rows.
#
# Memory stays flat because only one record batch per worker is in memory at a time, plus
# the counts. Time grows linearly with rows: count once a day or per file as it lands.
#
# **Sampling?** Monitoring a sample is cheaper, but adds noise — how much depends on the
# number of **rows** in the sample, not on the percentage. Below, repeated random samples of
# growing size from this lesson's production table (100,000 rows), and how far their `age`
# effect size lands from the exact value computed on all rows:

# %%
exact = detector.test(production).set_index("column").loc["age", "effect_size"]
rng = np.random.default_rng(0)
sizes = [100, 1_000, 10_000, 50_000]
errors = pd.DataFrame([
    {"rows": size,
     "error": detector.test(production.sample(size, random_state=rng))
     .set_index("column").loc["age", "effect_size"] - exact}
    for size in sizes for _ in range(10)])
spread = errors.groupby("rows")["error"].agg(lambda e: np.sqrt(np.mean(e ** 2)))
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.plot(spread.index, spread.to_numpy(), marker="o")
ax.axhline(0.1, ls="--", c="grey", label="auto effect floor (0.1 sd)")
ax.set(xscale="log", yscale="log", xlabel="rows in the sample",
       ylabel="typical error (sd)", title="Error of a sampled effect size, age")
ax.legend()
plt.show()
plt.close(fig)
print("typical error of the sampled age effect size, by sample rows:",
      spread.round(3).to_dict())

# %% [markdown]
# The error shrinks like $1/\sqrt{\text{rows}}$. With 100 rows it is as large as the 0.1-sd
# floor itself: the sample, not the data, would decide the alarm. At this lesson's scale (a
# million rows a day) a 1% sample is 10,000 rows, and the error is ten times smaller than the
# floor — sampling for **drift** is then reasonable. Two rules:
#
# - for drift, sample **rows** at random (or stratified by batch or segment, so every week and
#   every channel is represented) — not whole files: rows in one file share a source and a
#   time, so a few files are far fewer independent observations than their row count says;
# - for **data quality**, scan everything: a broken file, a unit change in one source or a rare
#   impossible value hides easily from a sample.

# %% [markdown]
# ## Recap
#
# - On large data every change is "significant": decide with an **effect size** floor, and
#   use the p-value only to guard against noise on small batches.
# - Fit the reference **once** into mergeable summaries; count new data chunk by chunk and
#   **merge**. Counts, threshold metrics and drift flags equal the in-memory results exactly;
#   ROC-AUC from score histograms comes with a worst-case error bound.
# - `monitor_parquet` reads a Parquet dataset with bounded memory, reports damaged or missing
#   files in `skipped`, and runs on Dask with `client=` (a `LocalCluster` or a real cluster).
# - Exact counting is cheap. If you sample for drift, size the sample in rows (error ∝
#   1/√rows), sample rows at random or stratified, and keep full scans for data quality.

# %% [markdown]
# ## Self-check (not graded)

# %% [markdown]
# **Q1.** A KS test on 5 million rows gives p = 1e-12 for income, with an effect of 0.01 sd.
#
# - **a)** No alarm: the change is real but far too small to matter.
# - **b)** Raise a drift alarm: a p-value this tiny cannot be ignored.
# - **c)** The test is broken: p-values cannot be that small on real data.
#
# **Q2.** You summarise 40 files separately and merge the counts. The drift flags are...
#
# - **a)** an approximation that gets better as the number of files grows
# - **b)** only valid if every file has the same number of rows
# - **c)** identical to testing all rows at once
#
# **Q3.** One of 500 files is corrupted. What should a good monitoring job do?
#
# - **a)** Stop and report nothing until the file is fixed, so no partial result is shown.
# - **b)** Skip it, name it in a warning and the report, and monitor the other 499.
# - **c)** Skip it quietly: one file in 500 cannot change the drift flags of the run.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "d025348fe71abfb7", name="Q1",
           hint='compare the effect size with the 0.1-sd floor',
           explain='With millions of rows, any non-zero change is significant; the effect decides.')
self_check(q2, "abc", "c92422938f99cb54", name="Q2",
           hint='what happens when you add counts over the same bins?',
           explain='Counts over bins fixed by the reference add up exactly, so the tests are identical.')
self_check(q3, "abc", "de0921102a00fbbe", name="Q3",
           hint='think about the on-call engineer reading the result',
           explain='Failing loudly but partially keeps the monitoring running and the gap visible.')

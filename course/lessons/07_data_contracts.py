# %% [markdown]
# # 07 · Data contracts and service health
#
# Most production incidents of a credit model are not statistics: a field arrives in the wrong
# unit, a join fails and blanks a column, a form sends a value nobody planned for, a batch does
# not arrive at all. A **data contract** writes down what the model was built on, so that a
# broken pipeline is caught *before* its scores reach a decision; **service health** checks that
# the model is fed, on time, and scores what it is fed.
#
# About 35 minutes. No graded exercise; lesson 08 puts these rules into the monitor's alert
# table, and the capstone uses them.

# %% [markdown]
# > **Executive summary**
# >
# > - A **data contract** is a short, versioned document of what each input must look like:
# >   type, may it be empty, range, allowed categories, is it a unique key. We infer a first
# >   draft from the validation data, a person reviews it, and every batch is checked against it.
# > - Contract checks catch what drift statistics report only vaguely: income **in thousands**,
# >   a **missing-values surge**, an **unknown category** — with the column, the failing rows and
# >   examples, so the data team can fix the pipeline the same day.
# > - A good contract is **quiet when nothing is wrong**: in a calm world it raises no alarm in
# >   20 weeks; its ranges guard against impossible values, not rare ones.
# > - **Service health** — batch volume, late or missing batches, the share of rows scored —
# >   comes first: no statistic about a model means anything if the model was not fed.

# %% [markdown]
# ## What you will be able to do
#
# 1. Infer a contract from the reference data with `modellab.contracts.infer_contract`, read it,
#    edit it and save it (a `pandera` schema, the field's DataFrame-validation library).
# 2. Validate a batch and read the **violations table** (`column, check, failures, examples`).
# 3. Explain why a range check misses a unit change that a median check catches.
# 4. Compute service-health signals per batch and alert on them.
#
# **Why this matters to the business:** a unit bug in income makes every applicant look poor
# for two weeks: scores jump, approvals fall, and good customers are turned away. Found in the
# first batch, it costs a phone call; found in the monthly review, it costs customers.

# %% [markdown]
# ## The data: three pipeline bugs
#
# Scenario `data_quality`: the real world does not change, but the pipeline breaks three
# times, each for two weeks.

# %%
import matplotlib.pyplot as plt
import pandas as pd

from modellab import contracts, plots
from modellab.monitor.health import BatchLate, ScoredShareBelow, VolumeOutside, service_health
from modellab.monitor.segment_rules import ContractViolated
from modellab.scenarios import make

plots.set_style()
scenario = make("data_quality", seed=0)
scenario.truth[["features", "start_batch", "end_batch", "description"]]

# %% [markdown]
# ## A contract inferred from the reference
#
# `infer_contract` reads the reference period and writes one `pandera` column per input. The
# label is allowed to be empty (outcomes arrive late in production).

# %%
contract = contracts.infer_contract(scenario.reference, nullable=["default"])
for name in ["income", "employment_type", "debt_to_income"]:
    column = contract.columns[name]
    print(f"{name:16} dtype={column.dtype}  nullable={column.nullable}")
    for check in column.checks:
        print(f"{'':16} {check.error}")

# %% [markdown]
# Read it as a reviewer would: income is a float, never empty, between 0 and an upper bound
# well above the largest reference income, with a **typical size** (median) that may not move
# by more than a factor two; employment type takes one of five known values. Edit what the
# business knows better (`contract.update_column("age", checks=...)`), then save it next to
# the model: `contract.to_yaml("contract.yaml")`, loaded back with
# `pandera.DataFrameSchema.from_yaml`. The YAML is what the data team signs.

# %%
print(contract.to_yaml()[:600])

# %% [markdown]
# ## Every batch against the contract
#
# `validate_batches` checks each weekly batch and returns one row per broken check. The figure
# counts failing rows per week and column.

# %%
violations = contracts.validate_batches(contract, scenario.production)
counts = violations.pivot_table(index="batch", columns="column", values="failures",
                                aggfunc="sum").reindex(range(scenario.n_batches), fill_value=0)
ax = counts.fillna(0).plot.bar(stacked=True, figsize=(10, 3.4), width=0.8)
ax.set(xlabel="week", ylabel="failing rows", title="contract violations per week")
plt.show()
violations[["batch", "column", "check", "failures", "examples"]]

# %% [markdown]
# All three bugs are caught in their first week, with the column and examples: all 1,000
# incomes below the median's lower bound (half the reference median), about 300 empty debt
# ratios, `gig_worker`. Weeks 5 and 6 also flag the **score**: more than 800 of 1,000 scores lie
# above twice the reference median (about 0.05), because the model read every applicant as
# poor — the contract on the model's output sees the damage the input bug does.
#
# **Why a median check?** Income in thousands (38 instead of 38,000) is still a possible
# income: a range check passes it. Its median a thousand times smaller is not possible. The
# range guards against impossible values (a negative amount), the median against unit changes.

# %% [markdown]
# ## Quiet when nothing is wrong
#
# A contract that cries wolf is switched off. The same checks on the `stable` world, 20 weeks:

# %%
stable = make("stable", seed=0)
quiet = contracts.validate_batches(contracts.infer_contract(stable.reference), stable.production)
print(f"violations in 20 calm weeks: {len(quiet)}")

# %% [markdown]
# None. The ranges are wide on purpose (two reference spans beyond the observed range): money is
# heavy-tailed, and 20 weeks of applicants routinely include a higher income than the 5,000
# reference applicants did. A tighter range would flag real, rare customers.

# %% [markdown]
# ## Contract violations as alerts
#
# `ContractViolated` follows the monitor's rule protocol (lesson 08): one alert per broken
# column and week, critical by default — scores computed from broken inputs should not reach
# decisions.

# %%
alerts = ContractViolated().evaluate(violations)
for message in alerts["message"].head(3):
    print(message)

# %% [markdown]
# ## Service health: fed, on time, scored
#
# Our scenario's pipeline never drops data, so we simulate a bad month on a copy: week 3
# arrives a quarter full, week 5 never arrives, and in week 6 the scoring service times out on
# one request in ten.

# %%
stream = stable.production.copy()
stream = stream[~((stream["batch"] == 3) & (stream.index % 4 != 0))]
stream = stream[stream["batch"] != 5]
timeouts = (stream["batch"] == 6) & (stream.index % 10 == 0)
stream.loc[timeouts, "score"] = float("nan")
health = service_health(stream)

fig, axes = plt.subplots(1, 2, figsize=(12, 3.2), layout="constrained")
axes[0].bar(health["batch"], health["volume_ratio"])
axes[0].axhline(0.5, ls=":", color="grey")
axes[0].set(xlabel="week", ylabel="rows / usual", title="volume")
axes[1].bar(health["batch"], health["scored_share"])
axes[1].set(xlabel="week", ylim=(0.8, 1.01), ylabel="share scored", title="rows scored")
plt.show()
health.head(8).drop(columns="start").round(2)

# %% [markdown]
# The table shows each signal: week 3 holds a quarter of the usual rows, week 6 comes **14 days**
# after week 4 (week 5 is missing), and 90% of week 6 was scored. Three rules turn that into
# alerts:

# %%
rules = [VolumeOutside(), BatchLate(), ScoredShareBelow()]
health_alerts = pd.concat([r.evaluate(health) for r in rules], ignore_index=True)
health_alerts[["batch", "rule", "severity", "message"]]

# %% [markdown]
# In production you do not call `service_health` by hand: give the same rules to the `Monitor`
# (lesson 08) and it computes the health columns for every batch beside drift and performance,
# in memory or chunk by chunk over Parquet files (lesson 11).

# %%
from modellab.monitor import Monitor

watched = Monitor(stable.reference, threshold=stable.threshold, rules=rules,
                  cadence_days=7).run(stream)
same = (watched.alerts[["batch", "severity"]].reset_index(drop=True)
        .equals(health_alerts[["batch", "severity"]].reset_index(drop=True)))
print(f"Monitor alerts: {len(watched.alerts)}, the same batches and severities as above: {same}")

# %% [markdown]
# The order of checks on every batch: **health first** (was it fed and scored?), then the
# **contract** (is the data what the model was built on?), then drift and performance (lessons
# 03–05, 08). A failure at one level makes the next levels' numbers meaningless.

# %% [markdown]
# ## Recap
#
# - `infer_contract(reference)` drafts a `pandera` schema: type, nullability, range with
#   tolerance, typical size (median), allowed categories, unique ids. People review, edit and
#   sign it (YAML).
# - `validate(contract, batch)` never raises for bad data: it returns the violations table;
#   renamed, retyped, empty and all-empty columns are rows of it.
# - Ranges catch impossible values, the median check catches unit changes, `isin` catches
#   unseen categories, `not_nullable` catches missing-value surges.
# - Service health — volume, freshness, share scored — is checked before anything else.
#
# **Next:** `08_monitoring_alerting`, where all rules meet in one monitor.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** Income arrives in thousands (38 instead of 38,000). Which check of the contract catches it?
#
# - **a)** The range: 38 is below the smallest income ever seen, so it is out of range.
# - **b)** The type check: income becomes text.
# - **c)** The median check.
#
# **Q2.** A contract flags one applicant with an income of 650,000 when the reference maximum was 320,000. What is wrong?
#
# - **a)** The range is too tight: a rare but real customer is not a pipeline bug.
# - **b)** Nothing: every value above the reference maximum should be flagged.
# - **c)** The income column has been retyped.
#
# **Q3.** Week 6 arrives 14 days after week 4 and only 90% of its rows are scored. What do you look at first?
#
# - **a)** The drift report of week 6.
# - **b)** The pipeline and the scoring service: the monitoring numbers of week 6 are not trustworthy yet.
# - **c)** The ROC-AUC of week 6.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "8df5900ad393cb5b", name="Q1",
           hint="is 38 an impossible income?",
           explain="38 is a possible income, so the range passes it; a median 1,000 times smaller is not.")
self_check(q2, "abc", "8b869ee012e9f2d4", name="Q2",
           hint="money is heavy-tailed",
           explain="Ranges guard against impossible values; a tight range turns rare customers into alarms.")
self_check(q3, "abc", "de0921102a00fbbe", name="Q3",
           hint="which level of checks comes first?",
           explain="Health first: a missing batch and unscored rows make every later number doubtful.")

# %% [markdown]
# # Exercise 07 · Data analysis: trends, a back-test and an anomaly
#
# This exercise goes with lesson `01_data_analysis`, on a lending portfolio you have not seen.
# You will:
#
# - **Part A** — compute weekly z-scores of the inputs and tell a real trend from noise (3 points);
# - **Part B** — flag weeks that stay significant after a **Bonferroni** correction for the
#   many tests you ran (2 points);
# - **Part C** — back-test the model's probabilities: the **observed / expected** ratio of
#   defaults with a **binomial confidence interval** (3 points);
# - **Part D** — find the weeks where a feature arrived in the wrong unit (2 points);
# - **Part E** — one question a credit-risk manager asks (1 point).
#
# After each answer, run the **check cell** below it: ✅ means the answer is right on this
# portfolio (and on small cases the check makes up); ❌ comes with a hint. Graded tests also call your functions on
# portfolios you have not seen, so write code that computes the answer rather than typing
# numbers in. Check cells are **locked** (🔒): edit the answer cell above them instead.
#
# Total: 11 points, about 30 minutes.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import pandas as pd
from scipy import stats

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab.scenarios import custom, gradual, prior_shift, shift, sudden, unit_change


def portfolio(seed, bug_weeks=(12, 13)):
    """A lending portfolio: 16 weekly batches of 1,000 applications and a reference period."""
    return custom([shift("loan_amount", by=0.7).at(gradual(start=6, full=10)),
                   prior_shift(0.06).at(sudden(10)),
                   unit_change("income", 0.001).at(sudden(bug_weeks[0], end=bug_weeks[1]))],
                  seed=seed, n_batches=16, name="ex07_portfolio")


scenario = portfolio(7)
reference = scenario.reference    # 5,000 applications of the validation period, outcomes known
production = scenario.production  # 16 weekly batches (column `batch`, 0-15), outcomes known
INPUTS = ["income", "loan_amount", "debt_to_income", "age"]
print(f"{len(reference):,} reference applications; {production['batch'].nunique()} weeks of "
      f"{len(production) // production['batch'].nunique():,} applications.")

# %% [markdown]
# ## Part A · Weekly z-scores
#
# **A1 (3 points).** Complete `weekly_z(reference, production, column)`. It returns a pandas
# Series indexed by `batch` (in order): for each week, how many standard errors the week's mean
# of `column` lies from the reference mean,
#
# $$z = \frac{\bar x_{\text{week}} - \bar x_{\text{ref}}}{s_{\text{ref}} / \sqrt{n_{\text{week}}}}$$
#
# where $s_{\text{ref}}$ is the reference standard deviation (pandas' default, `ddof=1`) and
# $n_{\text{week}}$ the number of non-missing values of `column` that week.

# %% nbgrader={"grade": false, "grade_id": "a1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def weekly_z(reference, production, column):
    """z-score of each week's mean of ``column`` against the reference, indexed by batch."""
    ### BEGIN SOLUTION
    weeks = production.groupby("batch")[column]
    std_error = reference[column].std() / np.sqrt(weeks.count())
    return (weeks.mean() - reference[column].mean()) / std_error
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a1-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("weekly_z"):
    z_loan = weekly_z(reference, production, "loan_amount")
    z_age = weekly_z(reference, production, "age")
    # the same weeks with every fourth age missing: n_week must count what is there
    z_gappy = weekly_z(reference, production.assign(age=production["age"].mask(production.index % 4 == 0)), "age")
check_true(isinstance(z_loan, pd.Series) and list(z_loan.index) == list(range(16)),
           "return a Series with one value per week, indexed by batch 0-15 (groupby('batch'))",
           name="weekly_z returns one value per week", success="weekly_z returns 16 weeks.")
check_true(bool(np.isfinite(z_age).all()) and float(z_age.abs().max()) < 4,
           "age did not change: its weekly z-scores should stay small. Divide by the standard "
           "error s_ref / sqrt(n_week), not by s_ref alone",
           name="quiet column stays quiet", success="age stays within noise.")
check_true(float(z_loan.iloc[-1]) > 10,
           "loan_amount rose in the last weeks: its z-score should be large and positive "
           "(week mean minus reference mean, over the standard error)",
           name="trend shows", success="loan_amount's rise shows as a large z-score.")
check_digest(z_gappy, "af082bd2f31c0775", "weekly_z on weeks with missing ages", digits=3,
             hint="z = (week mean - reference mean) / (reference sd / sqrt(n_week)), from the arguments",
             mistakes={"fcb7857f1fda5add": "n_week counts the non-missing values: Series.count(), not size()",
                       "bafc63d3851f8798": "s_ref is pandas' default std (ddof=1), not ddof=0",
                       "b36b9c236e884e0c": "divide by the reference standard deviation, not the week's",
                       "cd78fd44421fe7aa": "keep the sign: a week below the reference has a negative z",
                       "2167d882ad7f1bef": "use the `production` argument, not the notebook's global data"})
### BEGIN HIDDEN TESTS (trusted)
for seed, column in [(7, "loan_amount"), (7, "age"), (31, "debt_to_income"), (31, "income")]:
    world = portfolio(seed, bug_weeks=(9, 10))
    ref, prod = world.reference, world.production
    weeks = prod.groupby("batch")[column]
    expected = ((weeks.mean() - ref[column].mean())
                / (ref[column].std() / np.sqrt(weeks.count())))
    got = learner.call("weekly_z", ref, prod, column)
    expect_close(got, expected.to_numpy(), f"weekly_z for {column} on another portfolio",
                 tol=1e-6, hint="one value per batch, in batch order; z = (week mean - "
                                "reference mean) / (reference sd / sqrt(values that week))")
with_gaps = portfolio(5).production.copy()
with_gaps.loc[with_gaps["batch"] == 3, "age"] = np.nan  # a week whose values all went missing
with_gaps.loc[with_gaps.index[:500], "age"] = np.nan      # half of week 0 missing
ref5 = portfolio(5).reference
weeks = with_gaps.groupby("batch")["age"]
expected = (weeks.mean() - ref5["age"].mean()) / (ref5["age"].std() / np.sqrt(weeks.count()))
expect_close(learner.call("weekly_z", ref5, with_gaps, "age"), expected.to_numpy(),
             "weekly_z with missing values", tol=1e-6,
             hint="n_week counts the non-missing values only (Series.count())")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · Many tests: a Bonferroni correction
#
# Four inputs × 16 weeks are 64 tests. At a two-sided 5% level, about three would fire by
# chance alone. Bonferroni keeps the chance of *any* false flag at 5%: each test uses level
# α / m, where m is the number of tests.
#
# **B1 (2 points).** Complete `bonferroni_flags(z, alpha=0.05)`. `z` is a DataFrame of z-scores
# (one row per week, one column per input). Return a boolean DataFrame of the same shape: `True`
# where the two-sided p-value of the z-score, $p = 2\,(1 - \Phi(|z|))$, is below α / m, with m
# the number of cells of `z`. (`scipy.stats.norm.sf(abs(z))` is $1 - \Phi(|z|)$.)

# %% nbgrader={"grade": false, "grade_id": "z-table", "locked": true, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering

with answering("weekly_z"):
    z_table = pd.DataFrame({column: weekly_z(reference, production, column) for column in INPUTS})
z_table.round(1)

# %% nbgrader={"grade": false, "grade_id": "b1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bonferroni_flags(z, alpha=0.05):
    """True where a z-score stays significant after a Bonferroni correction over all cells."""
    ### BEGIN SOLUTION
    p_values = 2 * stats.norm.sf(np.abs(z))
    return pd.DataFrame(p_values < alpha / z.size, index=z.index, columns=z.columns)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("bonferroni_flags"):
    flags = bonferroni_flags(z_table)
    small = pd.DataFrame([[2.7, 2.5, 0.0], [2.3, 2.2, -2.9], [2.9, 1.8, 0.1], [0.2, -0.3, 0.4]])
    flags_small = np.asarray(bonferroni_flags(small, alpha=0.10), dtype=bool)
check_true(isinstance(flags, pd.DataFrame) and flags.shape == z_table.shape,
           "return a DataFrame shaped like z (one row per week, one column per input)",
           name="bonferroni_flags shape", success="bonferroni_flags has the shape of z.")
check_true(not bool(flags["age"].any()) and bool(flags["loan_amount"].iloc[-4:].all()),
           "age never changed and loan_amount rose: compare each p-value with alpha / m, "
           "with m = z.size (the number of tests)",
           name="flags follow the trend", success="the flags follow the trend.")
check_digest(flags_small, "e66e30e591b689ef", "flags of the 4 x 3 table at alpha=0.10",
             hint="flag where 2 * norm.sf(|z|) < alpha / z.size",
             mistakes={"98eb328ba682d268": "the p-value is two-sided: 2 * norm.sf(|z|)",
                       "087927c34bb6cdc2": "m is the number of cells (z.size), not the number of rows",
                       "1f00058e162ccfa8": "m is the number of cells (z.size), not the number of columns",
                       "d4697b42743f07b0": "use the alpha you are given, not 0.05",
                       "1e245eb11c3ee899": "take |z|: a large negative z is significant too"})
### BEGIN HIDDEN TESTS (trusted)
from modellab.drift import adjust_p_values

rng = np.random.default_rng(3)
for shape in [(16, 4), (5, 3)]:
    z = pd.DataFrame(rng.normal(0, 2.5, size=shape), columns=[f"f{i}" for i in range(shape[1])])
    p = 2 * stats.norm.sf(np.abs(z.to_numpy()))
    expected = adjust_p_values(p.ravel(), "bonferroni").reshape(shape) < 0.05
    got = learner.call("bonferroni_flags", z)
    expect_equal(np.asarray(got, dtype=bool).tolist(), expected.tolist(),
                 f"bonferroni_flags on a {shape[0]} x {shape[1]} table",
                 hint="m is the number of cells (z.size); flag where 2 * norm.sf(|z|) < alpha / m")
got = learner.call("bonferroni_flags", pd.DataFrame({"a": [3.0, -3.2], "b": [0.1, 2.9]}),
                   alpha=0.10)
expect_equal(np.asarray(got, dtype=bool).tolist(),
             (2 * stats.norm.sf(np.abs([[3.0, 0.1], [-3.2, 2.9]])) < 0.10 / 4).tolist(),
             "bonferroni_flags with alpha=0.10", hint="use the alpha you are given")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · A PD back-test: observed / expected with a binomial interval
#
# The model's score is a probability of default. On a set of loans, the model *expects* the sum
# of their scores as defaults; the **observed / expected ratio** (O/E) compares that with the
# defaults that happened. A 95% interval comes from the binomial distribution: treat the
# observed count as Binomial(n, p̄) with p̄ the mean score, take the exact (Clopper–Pearson)
# interval of the default *rate* with `scipy.stats.binomtest(k, n, p).proportion_ci()`, and
# divide both ends by p̄.
#
# **C1 (3 points).** Complete `observed_expected(rows)`: for a DataFrame with columns `default`
# (0/1) and `score`, return a dict with keys `"o_e"`, `"low"` and `"high"`.

# %% nbgrader={"grade": false, "grade_id": "c1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def observed_expected(rows):
    """Observed / expected defaults of ``rows`` with a 95% binomial (Clopper-Pearson) interval."""
    ### BEGIN SOLUTION
    n, observed = len(rows), int(rows["default"].sum())
    mean_score = rows["score"].mean()
    ci = stats.binomtest(observed, n, p=mean_score).proportion_ci(confidence_level=0.95)
    return {"o_e": observed / (n * mean_score), "low": ci.low / mean_score,
            "high": ci.high / mean_score}
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "c1-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("observed_expected"):
    backtest_ref = observed_expected(reference)
    backtest_late = observed_expected(production[production["batch"].isin([10, 11, 14, 15])])
check_true(isinstance(backtest_ref, dict) and set(backtest_ref) == {"o_e", "low", "high"},
           "return a dict with the keys 'o_e', 'low' and 'high'",
           name="observed_expected returns a dict", success="observed_expected returns a dict.")
check_true(backtest_ref["low"] <= backtest_ref["o_e"] <= backtest_ref["high"]
           and backtest_ref["low"] < 1 < backtest_ref["high"],
           "on the reference period the model is calibrated: O/E near 1, inside its interval. "
           "O/E = defaults / sum of scores; the interval's ends are rates divided by the mean score",
           name="reference is calibrated", success="the reference back-test contains 1.")
check_true(backtest_late["low"] > 1,
           "after week 10 more loans default than the model predicts: the interval should lie "
           "above 1",
           name="late weeks under-predicted", success="the late weeks' O/E lies above 1.")
check_digest([backtest_late[key] for key in ("o_e", "low", "high")], "1437cfce89d0ab59",
             "the late weeks' back-test", digits=3,
             hint="binomtest(defaults, n, mean score).proportion_ci(confidence_level=0.95), ends over the mean score",
             mistakes={"4e384a92c80a61ea": "a 95% interval: confidence_level=0.95",
                       "d0ead31bd39f8e8a": "Clopper-Pearson is proportion_ci's default method ('exact'), not 'wilson'",
                       "1eac0cc6fd2300ba": "the exact binomial interval (proportion_ci), not a normal approximation"})
### BEGIN HIDDEN TESTS (trusted)
def _oe(rows):
    n, k, p = len(rows), int(rows["default"].sum()), rows["score"].mean()
    ci = stats.binomtest(k, n, p=p).proportion_ci(confidence_level=0.95)
    return [k / rows["score"].sum(), ci.low / p, ci.high / p]


for seed, weeks in [(7, [10, 11]), (19, [0, 1, 2]), (19, [10, 11, 14, 15])]:
    rows = portfolio(seed, bug_weeks=(12, 13)).production
    rows = rows.loc[rows["batch"].isin(weeks), ["default", "score"]]
    got = learner.call("observed_expected", rows)
    expect_true(isinstance(got, dict) and set(got) == {"o_e", "low", "high"},
                "observed_expected should return a dict with keys 'o_e', 'low', 'high'")
    expect_close([got["o_e"], got["low"], got["high"]], _oe(rows),
                 "observed_expected on another portfolio", tol=1e-6,
                 hint="O/E = defaults / sum of scores; the interval is binomtest(defaults, n, "
                      "mean score).proportion_ci() divided by the mean score")
small = pd.DataFrame({"default": [1, 0, 0, 0, 1, 0, 0, 0, 0, 0],
                      "score": [0.3, 0.1, 0.2, 0.1, 0.4, 0.05, 0.1, 0.1, 0.2, 0.15]})
got = learner.call("observed_expected", small)
expect_close([got["o_e"], got["low"], got["high"]], _oe(small),
             "observed_expected on 10 loans", tol=1e-6,
             hint="use the exact binomial interval (proportion_ci), not a normal approximation")
### END HIDDEN TESTS

# %% [markdown]
# ## Part D · An anomaly: a feature in the wrong unit
#
# A unit change (thousands instead of units) divides every value by 1,000 — a median far from
# the reference median is its signature, robust to a few outliers.
#
# **D1 (2 points).** Complete `unit_suspects(reference, production, column)`: return the sorted
# list of batches (as Python ints) whose median of `column` is more than 10 times smaller or
# larger than the reference median.

# %% nbgrader={"grade": false, "grade_id": "d1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def unit_suspects(reference, production, column):
    """Batches whose median of ``column`` is off from the reference median by a factor > 10."""
    ### BEGIN SOLUTION
    ratio = production.groupby("batch")[column].median() / reference[column].median()
    return sorted(int(b) for b in ratio.index[(ratio < 0.1) | (ratio > 10)])
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "d1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("unit_suspects"):
    suspects = unit_suspects(reference, production, "income")
    in_months = production.assign(age=production["age"].where(production["batch"] != 2, production["age"] * 12))
    suspects_months = unit_suspects(reference, in_months, "age")  # age in months in week 2
check_true(isinstance(suspects, list) and all(isinstance(b, int) for b in suspects),
           "return a list of batch numbers as Python ints, e.g. [3, 4]",
           name="unit_suspects returns a list", success="unit_suspects returns a list of ints.")
check_true(0 < len(suspects) <= 4 and unit_suspects(reference, production, "age") == [],
           "income arrived in thousands in a few weeks, and age never changed unit: compare "
           "each week's median with the reference median (ratio below 0.1 or above 10)",
           name="the unit change is found", success="the unit change is found, age is clean.")
check_digest(list(suspects) + list(suspects_months), "3135eb34804f8021",
             "the weeks found (income, then age in months in week 2)", digits=0,
             hint="every week whose median is off by a factor of more than 10, sorted",
             mistakes={"f2096710b02aee42": "a factor of more than 10 in either direction: below 0.1 or above 10",
                       "6f46a562a81d57c2": "return every suspect week, not the first one"})
### BEGIN HIDDEN TESTS (trusted)
for seed, bug in [(23, (3, 5)), (41, (14, 15))]:
    world = portfolio(seed, bug_weeks=bug)
    expect_equal(learner.call("unit_suspects", world.reference, world.production, "income"),
                 list(range(bug[0], bug[1] + 1)), "unit_suspects on another portfolio",
                 hint="the weeks whose median income is off by a factor of more than 10")
world = portfolio(23)
scaled_up = world.production.assign(age=np.where(world.production["batch"] == 2,
                                                 world.production["age"] * 12,
                                                 world.production["age"]))
expect_equal(learner.call("unit_suspects", world.reference, scaled_up, "age"), [2],
             "unit_suspects when a unit makes values larger (age in months)",
             hint="a factor of more than 10 in either direction")
### END HIDDEN TESTS

# %% [markdown]
# ## Part E · The manager's question
#
# **Q1.** Your back-test on the weeks since the change gives O/E = 1.4 (95% interval 1.3–1.6);
# the model's ROC-AUC on those weeks is as good as on the reference. The head of credit asks
# what this means. Best answer?
#
# - **a)** The model is broken: retrain it on the new weeks before anything else.
# - **b)** It still ranks applicants well, but its probabilities are too low by about 40%:
#   recalibrate before the scores are used for pricing, provisions or the cut-off.
# - **c)** Nothing to do: an O/E above 1 means the model is conservative.
# - **d)** A data bug: the outcomes must have been recorded twice.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q1 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q1, "abcd", "948c6241d43fda67", name="Q1",
           hint="separate ranking (ROC-AUC) from calibration (O/E): which one moved?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q1"), "b", "Q1")
### END HIDDEN TESTS

# %% [markdown]
# ## Done
#
# Use *Kernel → Restart Kernel and Run All Cells…* once to make sure everything runs from top to
# bottom, then save. What counts is what the notebook computes, not what you ran along the way.

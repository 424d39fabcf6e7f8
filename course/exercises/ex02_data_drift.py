# %% [markdown]
# # Exercise 02 · Data drift: PSI by hand, the drifted features, and what a p-value means
#
# This exercise goes with lesson `03_data_drift`. You will:
#
# - **Part A** — write the population stability index (PSI) yourself and match
#   `modellab.drift.psi` exactly (5 points);
# - **Part B** — find which features drifted in a stretch of production weeks, with
#   `modellab.drift` (4 points);
# - **Part C** — explain why a p-value flags everything on a million rows (3 points, one of
#   them read by your instructor);
# - **Part D** — answer three decision questions a model-risk manager faces (3 points).
#
# After each answer, run the **check cell** below it: ✅ means that answer is right (the check
# compares it with a fingerprint of the right value, so the cell does not show the answer);
# ❌ comes with a hint and the cell to change.
# Check cells are locked (🔒): they are graded exactly as written, so edit your answer cell.
# More tests run when your work is graded (on data you have not seen, so
# write code that computes the answer rather than typing names or numbers in).
#
# Total: 15 points, about 40 minutes.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np
import pandas as pd

from modellab import drift
from modellab.checks import (
    NotAnswered,
    answering,
    check_close,
    check_equal,
    check_true,
)
from modellab.scenarios import make

scenario = make("covariate_shift_sudden", seed=3)
reference = scenario.reference     # 5,000 applications of the validation period
week = scenario.batch(12)          # one production week after the campaign: 1,000 applications
print(scenario.describe().split("\n\n")[-1])  # what happens in this world (the ground truth)

# %% [markdown]
# ## Part A · PSI by hand
#
# The population stability index compares the share of rows per bin in the reference (`p`)
# and in the current data (`q`):  **PSI = Σ (q − p) · ln(q / p)**. It is 0 when the shares
# are equal and grows as they part.
#
# **A1 (5 points).** Complete `psi(reference, current, bins=10)`. It returns one number (a
# `float`). To match `modellab.drift.psi`, follow these rules exactly:
#
# 1. **Inputs.** Two samples of numbers (numpy arrays or pandas Series); turn them into float
#    arrays with `np.asarray(x, dtype=float)`. You may assume there are no missing values.
# 2. **Bin edges** come from the **reference** only: its quantiles at `0, 1/bins, 2/bins, …, 1`,
#    i.e. `np.quantile(reference, np.arange(bins + 1) / bins)` (numpy's default method). So
#    each bin holds about the same share of the reference. If ties repeat an edge, you may keep
#    or drop the duplicate (`np.unique`): the PSI comes out the same.
# 3. **Open outer bins.** Only the *inner* edges (all but the first and the last) split the
#    values: the first bin takes everything below the first inner edge, **including values
#    below the reference minimum**, and the last bin everything from the last inner edge up,
#    **including values above the reference maximum**. A value equal to an inner edge goes to
#    the bin that *starts* at that edge. `np.searchsorted(inner_edges, values, side="right")`
#    gives exactly this bin number for each value.
# 4. **Shares.** Count the values of each sample per bin (`np.bincount(..., minlength=...)`)
#    and divide by that sample's size: `p` for the reference, `q` for the current data.
# 5. **Empty bins.** `ln(0)` is undefined: replace every share that is exactly 0 by
#    `eps = 0.0001`, in `p` and in `q` (do not renormalise afterwards).
# 6. Return `sum((q - p) * ln(q / p))`.
#
# Write the computation yourself with numpy: the grader checks that your function does not
# call `modellab.drift` (which you may use *outside* it to compare). It compares your value
# with `modellab.drift.psi` to within **0.000001** on several samples you have not seen,
# including other values of `bins` and current data that lie far outside the reference range.

# %% nbgrader={"grade": false, "grade_id": "a1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def psi(reference, current, bins=10):
    """Population stability index of `current` against `reference` on reference-quantile bins."""
    ### BEGIN SOLUTION
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    edges = np.unique(np.quantile(ref, np.arange(bins + 1) / bins))
    inner = edges[1:-1]
    n_bins = inner.size + 1
    p = np.bincount(np.searchsorted(inner, ref, side="right"), minlength=n_bins) / ref.size
    q = np.bincount(np.searchsorted(inner, cur, side="right"), minlength=n_bins) / cur.size
    p = np.where(p == 0, 1e-4, p)
    q = np.where(q == 0, 1e-4, q)
    return float(np.sum((q - p) * np.log(q / p)))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a1-check", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest

_grid = np.arange(1000.0)  # a made-up reference, and the same values moved far above it
with answering("psi"):
    age_psi = psi(reference["age"], week["age"])
    same_psi = psi(reference["income"], reference["income"])
    far_psi = psi(_grid, _grid + 10_000)
check_true(age_psi is not None and np.ndim(age_psi) == 0 and not isinstance(age_psi, str),
           "return a single number, e.g. return float(np.sum(...))", name="psi returns one number",
           success="psi returns one number.")
check_close(same_psi, 0.0, "psi of a sample against itself", tol=1e-12,
            hint="identical samples have identical shares, so every term is 0")
check_digest(age_psi, "8e806b553a64b085", "psi for age in week 12", digits=6,
             hint="follow rules 2 to 6 one by one: quantile edges of the reference, open outer "
                  "bins, side='right', 0.0001 for empty shares",
             mistakes={
                 "70ed0491d874a17a": "a value equal to an inner edge goes to the bin that starts "
                                     "there: np.searchsorted(..., side='right') (rule 3)",
                 "c3d57198c0e788a3": "bin edges are quantiles of the reference only (rule 2), "
                                     "not of the current week",
                 "03f2b96afb618264": "bin edges are quantiles of the reference only (rule 2), "
                                     "not of both samples together",
                 "17fecb0a7612949b": "PSI sums (q - p) · ln(q / p), not q · ln(q / p) (rule 6)",
                 "99f6bbce17fda4ea": "bins need bins + 1 edges: np.arange(bins + 1) / bins (rule 2)",
                 "8d5883f2b1e08fca": "quantile edges (equal shares of the reference), not "
                                     "equal-width bins (rule 2)",
             })
check_digest(far_psi, "83ca80743bab9a54", "psi with every current value above the reference",
             digits=6, hint="the last bin takes every value from the last inner edge up (rule 3)",
             mistakes={
                 "14b0065c5370a85c": "values beyond the reference range were dropped (as "
                                     "np.histogram does): open outer bins keep them (rule 3)",
                 "4d14bab049bbdd90": "an empty bin makes ln(0): replace shares that are 0 by "
                                     "0.0001 (rule 5)",
                 "f2e01be4ce8eb20a": "do not renormalise the shares after replacing zeros (rule 5)",
             })
### BEGIN HIDDEN TESTS (trusted)
_world = make("covariate_shift_gradual", seed=5)
_rng = np.random.default_rng(2024)
_base = _rng.normal(size=3000)
_held_out = [
    ("loan_amount, 20 bins", _world.reference["loan_amount"], _world.batch(18)["loan_amount"], 20),
    ("debt_to_income, 5 bins", _world.reference["debt_to_income"],
     _world.batch(17)["debt_to_income"], 5),
    # ties in a continuous column (a column with few levels is binned on its levels by
    # modellab.drift, not on quantiles: lesson 03's discrete rule, not this exercise's)
    ("values rounded to 0.1 (many ties)", np.round(_base, 1),
     np.round(_rng.normal(0.3, size=700), 1), 10),
    ("current far above the reference range", _base, _rng.normal(3.0, size=800), 10),
    ("current far below the reference range", _base, _rng.normal(-4.0, size=500), 8),
    ("a quiet week", _world.reference["income"], _world.batch(1)["income"], 10)]
expect_close(learner.call("psi", reference["income"], week["income"]),
             drift.psi(reference["income"], week["income"]).statistic, "psi on this week's income",
             tol=1e-6)
for _label, _ref, _cur, _bins in _held_out:
    expect_close(learner.call("psi", _ref, _cur, bins=_bins), drift.psi(_ref, _cur, bins=_bins).statistic,
                 f"psi on a sample you have not seen ({_label})", tol=1e-6,
                 hint="check each rule: bins from reference quantiles for this `bins`, open outer "
                      "bins for values beyond the reference range, side='right', 0.0001 for "
                      "empty shares")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · Which features drifted?
#
# **B1 (4 points).** Complete `drifted_features(scenario, first_batch, last_batch)`. It must:
#
# 1. pool the production batches `first_batch` to `last_batch` (**both included**) into one
#    frame — `scenario.iter_batches(start, stop)` yields batches `start … stop-1`, or filter
#    `scenario.production` on its `batch` column;
# 2. test the model's **input features** only (`scenario.features`: not `score`, `default`,
#    `prediction`, `batch` or `timestamp`) against `scenario.reference`, with `modellab.drift`'s
#    default `auto` rule (`drift.DriftDetector()` or `drift.compare`, default settings);
# 3. return the **set** of the names of the flagged features (an empty set if none).
#
# Then set `campaign_drift` to your function's answer for batches 10 to 19 of `scenario`. The
# grader compares it with the scenario's ground truth (`scenario.truth`), and also calls your
# function on other scenarios.

# %% nbgrader={"grade": false, "grade_id": "b1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def drifted_features(scenario, first_batch, last_batch):
    """Set of input features the `auto` drift rule flags in batches first_batch..last_batch."""
    ### BEGIN SOLUTION
    pooled = pd.concat(list(scenario.iter_batches(first_batch, last_batch + 1)),
                       ignore_index=True)
    table = drift.compare(scenario.reference[scenario.features], pooled[scenario.features])
    return set(table.loc[table["drifted"], "column"])
    ### END SOLUTION


campaign_drift = ...
### BEGIN SOLUTION
campaign_drift = drifted_features(scenario, 10, 19)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b1-check", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest

with answering("drifted_features"):
    before_campaign = drifted_features(scenario, 0, 9)
if campaign_drift is ... or campaign_drift is None:
    raise NotAnswered("⏳ campaign_drift is not answered yet: set it to your function's answer "
                      "for batches 10 to 19 and run the cell.")
check_true(not isinstance(campaign_drift, str)
           and all(name in scenario.features for name in campaign_drift),
           "return a set of feature names taken from scenario.features (no score, no default)",
           name="campaign_drift", success="campaign_drift holds feature names.")
check_digest(set(campaign_drift), "195c47037f715963",
             "campaign_drift", hint="pool batches 10 to 19 (both included) and keep the default "
                                    "'auto' rule on scenario.features")
check_true(before_campaign is not None and len(before_campaign) == 0,
           "before the campaign (batches 0-9) nothing changed: pool the batches and use the "
           "default 'auto' rule, which needs a significant AND large enough change",
           name="no drift before the campaign",
           success="Nothing is flagged before the campaign, as it should be.")
### BEGIN HIDDEN TESTS (trusted)
def _truth_features(world, first, last):
    truth = world.truth
    active = truth[(truth["kind"] == "covariate_shift") & (truth["start_batch"] <= last)
                   & (truth["end_batch"] >= first)]
    return {name for names in active["features"] for name in names}


_campaign = learner.value("campaign_drift")
expect_true(isinstance(_campaign, (set, list, tuple)),
            "campaign_drift should be a set of feature names")
expect_equal(set(_campaign), _truth_features(scenario, 10, 19), "campaign_drift",
             hint="pool batches 10 to 19 and keep the columns whose 'drifted' flag is True")
expect_equal(learner.evaluate("set(drifted_features(scenario, 0, 9))"), set(),
             "drifted_features before the campaign (batches 0-9)",
             hint="pool the batches and use the default 'auto' rule")
from modellab.scenarios import change_mix, custom, gradual, shift, sudden  # noqa: E402, F401

_others = [  # (how to build the scenario, first batch, last batch): built here and in the kernel
    ("make('covariate_shift_gradual', seed=5)", 12, 19),
    ("custom([shift('interest_rate', by=-0.5).at(gradual(start=3, full=6)), "
     "change_mix('employment_type', {'contract': 0.35}).at(sudden(5))], seed=4, "
     "n_reference=4000, n_batches=10, batch_size=1000)", 3, 9)]
for _code, _first, _last in _others:
    _found = learner.evaluate(
        f"set(drifted_features(_world, {_first}, {_last}))",
        setup=["from modellab.scenarios import change_mix, custom, gradual, make, shift, sudden",
               f"_world = {_code}"])
    expect_equal(_found, _truth_features(eval(_code), _first, _last),
                 f"drifted_features on a scenario you have not seen, batches {_first}-{_last}")
expect_equal(learner.rerun("campaign_drift", setup=["scenario = make('covariate_shift_gradual', seed=5)"]),
             _truth_features(make("covariate_shift_gradual", seed=5), 10, 19),
             "campaign_drift on a scenario you have not seen",
             hint="set campaign_drift by calling your function, not by typing the names in")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · Why does a p-value flag everything on a million rows?
#
# **C1 (2 points).** A colleague tests every feature with Kolmogorov–Smirnov on **1,000,000**
# applications a week. Every week, almost every feature gets p < 0.001, although the reference
# and production histograms look the same. What is the best explanation?
#
# - **a)** The data pipeline must be broken: a p-value that small means a large change.
# - **b)** KS is the wrong test for numeric data; chi-squared on binned values would not do this.
# - **c)** alpha = 0.05 is too strict for big data: use alpha = 0.5 so fewer features are flagged.
# - **d)** A million rows reveal even harmless differences: add an effect-size floor to the rule.

# %% nbgrader={"grade": false, "grade_id": "c1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
c1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
c1 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "c1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(c1, "abcd", "4240a9249b7e8d1e", name="C1",
           hint="a p-value says how sure we are that a difference exists, not how big it is")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("c1"), "d", "C1")
### END HIDDEN TESTS

# %% [markdown]
# **C2 (1 point, read by your instructor).** In one or two sentences a product owner would
# understand, explain why the monitor requires a change to be *both* statistically significant
# *and* larger than a floor before it raises a drift alert.

# %% [markdown] nbgrader={"grade": true, "grade_id": "c2-written", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# **Your answer:**
#
# ### BEGIN SOLUTION
# *Model answer:* With a lot of data, a statistical test notices even changes too small to
# affect any decision, so significance alone would alert every week; and with little data, a
# large-looking change can be pure chance, so size alone would alert on noise. Requiring both
# means we only alert on changes that are real **and** big enough to matter to the business.
# ### END SOLUTION

# %% [markdown]
# ## Part D · Decisions for a model-risk manager
#
# Set each answer to the letter of your choice, e.g. `q1 = "a"`, and run its check cell.
#
# **Q1.** For six weeks the monitor has flagged drift in `age` and `channel` (a campaign brought
# younger online applicants). On the weeks whose outcomes are known, ROC-AUC and recall are at
# their usual level; the default rate and the decline rate are both up. What does it mean?
#
# - **a)** Applicants changed but the ranking holds: keep the alert, watch outcomes, weigh the effect.
# - **b)** The model is broken: retrain it at once on the new weeks so that it fits the new applicants.
# - **c)** It is a false alarm, since performance is fine: switch the drift alert off for good.
# - **d)** The campaign data must be wrong: ask marketing to check the channel and age fields first.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q1 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q1, "abcd", "d025348fe71abfb7", name="Q1",
           hint="did the model rank risk worse on the weeks whose outcomes are known?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q1"), "a", "Q1")
### END HIDDEN TESTS

# %% [markdown]
# **Q2.** The team proposes to apply a Benjamini–Hochberg (BH) correction to the weekly drift
# tests of its 40 features. What does the correction buy you?
#
# - **a)** A guarantee that no false alarm will ever be raised, whatever the number of features.
# - **b)** Faster drift tests, since fewer of the 40 features need to be tested every week.
# - **c)** Few false alarms among the flagged features, and more real changes kept than Bonferroni.
# - **d)** The same guarantee as Bonferroni (no false alarm in 95% of weeks), with much simpler maths.

# %% nbgrader={"grade": false, "grade_id": "q2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q2 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q2 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q2, "abcd", "c92422938f99cb54", name="Q2",
           hint="BH controls the share of false alarms among the flags, not their total absence")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q2"), "c", "Q2")
### END HIDDEN TESTS

# %% [markdown]
# **Q3.** A vendor dashboard flags a feature only when its PSI exceeds 0.1. Your data scientist
# shows that `debt_to_income` has moved by a quarter of a standard deviation, with PSI 0.06, and
# the dashboard is green. What do you conclude?
#
# - **a)** Nothing to do: a PSI below 0.1 means the feature is stable, by a common industry convention.
# - **b)** The rule misses this shift: add an effect size such as Wasserstein to the alert rule.
# - **c)** The data scientist is wrong: PSI and shifts in the mean are unrelated measures.
# - **d)** Lower the PSI limit to 0.01, which catches every change without adding false alarms.

# %% nbgrader={"grade": false, "grade_id": "q3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q3 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q3 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q3, "abcd", "de0921102a00fbbe", name="Q3",
           hint="how far does PSI move for a quarter-sd shift, and what measures the size directly?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q3"), "b", "Q3")
### END HIDDEN TESTS

# %% [markdown]
# ## Done
#
# Use *Kernel → Restart Kernel and Run All Cells…* once to make sure everything runs from top to
# bottom, then save. What counts is what the notebook computes, not what you ran along the way.

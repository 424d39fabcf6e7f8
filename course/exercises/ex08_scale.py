# %% [markdown]
# # Exercise 08 · Monitoring at scale: mergeable summaries over Parquet files
#
# This exercise goes with lesson `11_monitoring_at_scale`. A production dataset arrives as
# Parquet files; you will monitor it **one file at a time**, keeping only small summaries in
# memory, and get exactly the numbers you would get with all rows at once. You will:
#
# - **Part A** — summarise one chunk into confusion counts and merge two summaries (3 points);
# - **Part B** — read the files one by one and compute the period's recall from merged counts
#   (2 points);
# - **Part C** — count a feature into reference bins chunk by chunk and compute PSI from the
#   merged counts (3 points);
# - **Part D** — one question an engineering manager asks (1 point).
#
# After each answer, run the **check cell** below it. Each ✅ line says what it checked; a
# "... is right" line compares your value with a fingerprint of the right one (on this data or
# on a small made-up case). ❌ comes with a hint; ⏳ means
# not answered yet. Graded tests also call your functions on data you have not seen. Check cells are **locked** (🔒): edit the answer cell above them instead.
#
# Total: 9 points, about 30 minutes.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import pathlib
import tempfile

import numpy as np
import pandas as pd

import modellab.checks  # a check of a part not answered yet says ⏳, and Run All goes on
from modellab.scale import write_scenario
from modellab.scenarios import make

scenario = make("covariate_shift_sudden", seed=4, n_batches=10, batch_size=2000)
reference = scenario.reference
THRESHOLD = scenario.threshold            # decline when score >= 0.20
folder = pathlib.Path(tempfile.mkdtemp(prefix="ex08-"))
files = write_scenario(scenario, folder, rows_per_file=3000)  # 7 Parquet files, 20,000 rows
print(f"{len(files)} files: {', '.join(p.name for p in files)}")

# %% [markdown]
# ## Part A · A mergeable summary of one chunk
#
# Confusion counts are a **mergeable summary**: the counts of two chunks add up to the counts of
# both together, so precision, recall and accuracy of any number of chunks follow exactly.
#
# **A1 (3 points).** Complete two functions:
#
# - `chunk_counts(chunk, threshold)`: for a DataFrame with columns `default` (0/1, or missing
#   when the outcome is not known yet) and `score`, return a dict `{"tn": ..., "fp": ...,
#   "fn": ..., "tp": ...}` of Python ints, counting only rows whose `default` is known; a loan
#   is flagged when `score >= threshold`;
# - `merge_counts(a, b)`: the summary of two chunks from their two summaries.

# %% nbgrader={"grade": false, "grade_id": "a1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def chunk_counts(chunk, threshold):
    """Confusion counts of one chunk's labelled rows: {"tn", "fp", "fn", "tp"} as ints."""
    ### BEGIN SOLUTION
    known = chunk[chunk["default"].notna()]
    actual = known["default"].astype(int).to_numpy() == 1
    flagged = known["score"].to_numpy() >= threshold
    return {"tn": int((~actual & ~flagged).sum()), "fp": int((~actual & flagged).sum()),
            "fn": int((actual & ~flagged).sum()), "tp": int((actual & flagged).sum())}
    ### END SOLUTION


def merge_counts(a, b):
    """The counts of two chunks together, from the counts of each."""
    ### BEGIN SOLUTION
    return {key: a[key] + b[key] for key in ("tn", "fp", "fn", "tp")}
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "a1-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

first = pd.read_parquet(files[0])
tiny = pd.DataFrame({"default": [1, 0, None, 1, 0, 1, 0, 1, 0],  # one outcome not known yet
                     "score": [0.25, 0.25, 0.9, 0.1, 0.05, 0.3, 0.28, 0.22, 0.26],
                     "income": [None, 3.1, 2.4, 5.0, 4.2, 1.8, 2.9, 3.3, 4.0]})  # a missing input
with answering("chunk_counts", {KeyError: "use only the columns `default` and `score`"}):
    counts_first = chunk_counts(first, THRESHOLD)
    counts_tiny = chunk_counts(tiny, 0.25)
check_true(isinstance(counts_first, dict) and set(counts_first) == {"tn", "fp", "fn", "tp"},
           "return a dict with the keys 'tn', 'fp', 'fn' and 'tp'",
           name="chunk_counts returns a dict", success="chunk_counts returns the four counts.")
check_true(sum(counts_first.values()) == int(first["default"].notna().sum()),
           "the four counts should add up to the labelled rows of the chunk",
           name="counts cover the labelled rows", success="the counts cover every labelled row.")
check_digest([counts_tiny.get(k) for k in ("tn", "fp", "fn", "tp")], "7e5a69286789642b",
             "chunk_counts of a made-up 9-row chunk at threshold 0.25 (tn, fp, fn, tp)", digits=0,
             hint="flag a loan when score >= threshold; count only rows whose default is known",
             mistakes={"27e0d8a2254a7172": "a score equal to the threshold is flagged: use >=, not >",
                       "772860c9177f22ec": "fp is a repaid loan flagged, fn a default not flagged: swapped",
                       "6552efff2d341806": "drop rows whose default is missing: they are not known outcomes yet",
                       "6439d69f06fd715e": "use the `threshold` argument, not the notebook's THRESHOLD",
                       "ed8093bd79d1173d": "drop only rows whose default is missing: dropna(subset=['default'])"})
check_digest([counts_first.get(k) for k in ("tn", "fp", "fn", "tp")], "43fa94f46a0eb15c",
             "chunk_counts of the first file (tn, fp, fn, tp)", digits=0,
             hint="actual = default == 1, flagged = score >= threshold; tn, fp, fn, tp in that order")
with answering("merge_counts"):
    both = merge_counts(counts_first, counts_first)
check_true(both == {k: 2 * v for k, v in counts_first.items()},
           "merging a summary with itself should double every count",
           name="merge_counts adds", success="merge_counts adds the counts.")
### BEGIN HIDDEN TESTS (trusted)
from modellab import metrics

other = make("label_delay", seed=12, n_batches=10, batch_size=1500).production
for rows in (other.iloc[:4000], other.iloc[11000:]):  # the second chunk has unlabelled rows
    for threshold in (THRESHOLD, 0.35):
        c = metrics.confusion_counts(rows["default"], rows["score"], threshold=threshold)
        got = learner.call("chunk_counts", rows[["default", "score"]], threshold)
        expect_true(isinstance(got, dict) and set(got) == {"tn", "fp", "fn", "tp"},
                    "chunk_counts should return a dict with keys 'tn', 'fp', 'fn', 'tp'")
        expect_equal([got[k] for k in ("tn", "fp", "fn", "tp")], [c.tn, c.fp, c.fn, c.tp],
                     "chunk_counts on a chunk you have not seen",
                     hint="count only rows whose default is known; flag when score >= threshold")
a, b = {"tn": 5, "fp": 1, "fn": 2, "tp": 3}, {"tn": 10, "fp": 0, "fn": 4, "tp": 7}
got = learner.call("merge_counts", a, b)
expect_equal({k: got[k] for k in a}, {"tn": 15, "fp": 1, "fn": 6, "tp": 10},
             "merge_counts on two other summaries", hint="add each count")
### END HIDDEN TESTS

# %% [markdown]
# ## Part B · The whole dataset, one file at a time
#
# **B1 (2 points).** Loop over `files`: read **one** file at a time with `pd.read_parquet`,
# summarise it with `chunk_counts`, and merge. Then set:
#
# - `total`: the merged counts of all files (a dict like `chunk_counts` returns);
# - `recall_all`: the recall of the whole period, TP / (TP + FN), from `total`.
#
# Never hold more than one file's rows in memory: this is what lets the same code run on data
# far larger than memory (and, with Dask, on many machines).

# %% nbgrader={"grade": false, "grade_id": "b1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
total = ...
recall_all = ...
### BEGIN SOLUTION
total = {"tn": 0, "fp": 0, "fn": 0, "tp": 0}
for path in files:
    total = merge_counts(total, chunk_counts(pd.read_parquet(path), THRESHOLD))
recall_all = total["tp"] / (total["tp"] + total["fn"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "b1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_digest, check_true, require_answer

check_true(isinstance(require_answer(total, "total"), dict) and sum(total.values()) == 20_000,
           "total should hold the counts of all 20,000 rows (every file, merged)",
           name="total covers every file", success="total covers every row of every file.")
check_digest([total.get(k) for k in ("tn", "fp", "fn", "tp")], "581209a14f257a16",
             "total (tn, fp, fn, tp)", digits=0,
             hint="merge chunk_counts of every file with merge_counts, each file read once")
check_digest(recall_all, "16574473016477cb", "recall_all", digits=6, bounds=(0, 1),
             hint="TP / (TP + FN) from the merged counts",
             mistakes={"37fd62e8d8b10969": "that is the precision: recall divides TP by TP + FN",
                        "d68ed32eeb446e80": "that is the recall of the last file only: use the "
                                            "merged total",
                        "a67ac86a0c157bdf": "that is the accuracy: recall divides TP by TP + FN"})
### BEGIN HIDDEN TESTS (trusted)
from modellab import metrics

rows = scenario.production
c = metrics.confusion_counts(rows["default"], rows["score"], threshold=THRESHOLD)
got = learner.value("total")
expect_true(isinstance(got, dict), "total should be a dict of the four merged counts")
expect_equal([got.get(k) for k in ("tn", "fp", "fn", "tp")], [c.tn, c.fp, c.fn, c.tp],
             "total", hint="merge the counts of every file in `files`")
expect_close(learner.value("recall_all"), c.recall, "recall_all", tol=1e-12,
             hint="recall = TP / (TP + FN), from the merged counts")
### END HIDDEN TESTS

# %% [markdown]
# ## Part C · Drift from merged counts: PSI chunk by chunk
#
# Drift statistics merge the same way when the bins are fixed **once, by the reference**:
# count each chunk into those bins, add the counts, and compute the statistic from the totals.
#
# **C1 (3 points).** Complete two functions:
#
# - `bin_counts(values, edges)`: the number of `values` in each bin of `edges` (numpy's
#   `np.histogram` convention: bins `[e0, e1), [e1, e2), ..., [e_{k-1}, e_k]`), as a list of
#   ints; values outside `[e0, e_k]` are not counted (the reference edges below run from −∞ to
#   +∞, so nothing is lost);
# - `psi_from_counts(ref_counts, cur_counts)`: PSI = Σ (q − p) · ln(q / p), with p and q the
#   shares of each bin in the reference and the current counts. Clip both shares at 0.0001
#   first (`np.clip(share, 1e-4, None)`) so an empty bin does not give an infinite PSI.

# %%
edges = np.concatenate([[-np.inf], np.quantile(reference["age"], np.linspace(0.1, 0.9, 9)),
                        [np.inf]])  # 10 bins of equal reference share

# %% nbgrader={"grade": false, "grade_id": "c1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bin_counts(values, edges):
    """Counts of ``values`` in the bins of ``edges`` (np.histogram's convention), as ints."""
    ### BEGIN SOLUTION
    counts, _ = np.histogram(np.asarray(values, dtype=float), bins=np.asarray(edges, dtype=float))
    return [int(c) for c in counts]
    ### END SOLUTION


def psi_from_counts(ref_counts, cur_counts):
    """PSI between two count vectors over the same bins (shares clipped at 1e-4)."""
    ### BEGIN SOLUTION
    p = np.clip(np.asarray(ref_counts, dtype=float) / np.sum(ref_counts), 1e-4, None)
    q = np.clip(np.asarray(cur_counts, dtype=float) / np.sum(cur_counts), 1e-4, None)
    return float(np.sum((q - p) * np.log(q / p)))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "c1-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import answering, check_digest, check_true

with answering("bin_counts"):
    ref_counts = bin_counts(reference["age"], edges)
    late_counts = [0] * 10
    for path in files:
        chunk = pd.read_parquet(path)
        late = chunk.loc[chunk["batch"] >= 5, "age"]
        late_counts = [x + y for x, y in zip(late_counts, bin_counts(late, edges), strict=True)]
    at_edges = bin_counts(np.array([0, 1, 1, 2, 3, 3, 4.0]), np.array([0, 1, 2, 3.0]))
check_true(len(ref_counts) == 10 and sum(ref_counts) == len(reference),
           "bin_counts should return 10 counts that add up to the number of values",
           name="bin_counts", success="bin_counts counts every reference value.")
check_digest(list(at_edges), "dc80a4f057cb790f", "bin_counts of [0, 1, 1, 2, 3, 3, 4] in bins [0, 1, 2, 3]",
             digits=0, hint="np.histogram's bins: [e0, e1), [e1, e2), ..., [e_{k-1}, e_k]; outside not counted",
             mistakes={"af4f95656619cb3e": "a bin holds its left edge, not its right one: [e0, e1), as np.histogram",
                       "ed6d6870a7288b2a": "the last bin also holds its right edge, as np.histogram's",
                       "540351e99ecc0e51": "keep the counts in bin order (value_counts sorts by count)"})
check_digest(late_counts, "8f3807105ce6935a", "late_counts (ages of batches 5-9 in the reference bins)",
             digits=0, hint="add each file's bin_counts of its late ages, bin by bin")
with answering("psi_from_counts"):
    psi_same = psi_from_counts(ref_counts, ref_counts)
    psi_late = psi_from_counts(ref_counts, late_counts)
    psi_empty = psi_from_counts([50, 30, 20, 0], [10, 30, 40, 20])  # an empty reference bin
check_true(abs(psi_same) < 1e-12 and psi_late > 0.1,
           "PSI is 0 for identical counts, and age moved in the late weeks of this scenario. "
           "Use shares (counts / total), clipped at 1e-4, in sum((q - p) * ln(q / p))",
           name="psi_from_counts", success="PSI is 0 without change and large for age.")
check_digest([psi_late, psi_empty], "986d92387a2f736d",
             "PSI of the late ages, then of [50, 30, 20, 0] vs [10, 30, 40, 20]",
             hint="p, q = shares clipped with np.clip(share, 1e-4, None); PSI = sum((q - p) * ln(q / p))",
             mistakes={"d17cc10b16b26e42": "use shares (counts / their total), not the counts",
                       "4213ce42fc27d098": "PSI is sum((q - p) * ln(q / p)), not q * ln(q / p)",
                       "2cdef432d93763f3": "the natural log (np.log), not log10",
                       "d385c87705296239": "clip the shares at 1e-4 (0.0001)",
                       "32ff5dc07c579d7e": "clip the shares at 1e-4 before the log: an empty bin gives inf"})
### BEGIN HIDDEN TESTS (trusted)
from scipy.special import rel_entr

rng = np.random.default_rng(8)
values = rng.normal(size=3000)
for cut in ([-np.inf, -1, 0, 0.5, np.inf], [-2.0, -1.0, 0.0, 1.0, 2.0]):  # open and closed ends
    expected, _ = np.histogram(values, bins=np.asarray(cut))
    expect_equal(list(learner.call("bin_counts", values, cut)), expected.tolist(),
                 "bin_counts on other values and edges",
                 hint="np.histogram(values, bins=edges); values outside the edges are not counted")
expect_equal(list(learner.call("bin_counts", [0.0, 1.0, 2.0], [0.0, 1.0, 2.0])), [1, 2],
             "bin_counts on the bin edges", hint="the last bin includes its right edge")
for ref_c, cur_c in ([[50, 30, 20], [20, 30, 50]], [[10, 0, 90, 5], [0, 40, 40, 20]]):
    p = np.clip(np.asarray(ref_c) / sum(ref_c), 1e-4, None)
    q = np.clip(np.asarray(cur_c) / sum(cur_c), 1e-4, None)
    expect_close(learner.call("psi_from_counts", ref_c, cur_c),
                 float(np.sum(rel_entr(q, p) + rel_entr(p, q))), "psi_from_counts", tol=1e-9,
                 hint="shares, clipped at 1e-4, then sum((q - p) * ln(q / p))")
### END HIDDEN TESTS

# %% [markdown]
# ## Part D · The manager's question
#
# **Q1.** A nightly job checks a 50-million-row day for drift and data quality. To save cost, an
# engineer proposes to check a random 1% of rows instead. What do you advise?
#
# - **a)** Refuse: a sample is never good enough for monitoring.
# - **b)** Accept for everything: 1% is plenty for any check.
# - **c)** Sample rows for drift (500,000 rows give a tiny error), but scan every row for data
#   quality: a broken file or a rare impossible value hides easily from a sample.
# - **d)** Sample whole files instead of rows, since files are cheaper to read.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
q1 = ...  # "a", "b", "c" or "d"
### BEGIN SOLUTION
q1 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from modellab.checks import check_quiz

check_quiz(q1, "abcd", "8df5900ad393cb5b", name="Q1",
           hint="the error of a sampled statistic depends on the rows in the sample; what can "
                "a sample never show?")
### BEGIN HIDDEN TESTS (trusted)
expect_choice(learner.value("q1"), "c", "Q1")
### END HIDDEN TESTS

# %% [markdown]
# ## Done
#
# Use *Kernel → Restart Kernel and Run All Cells…* once to make sure everything runs from top to
# bottom, then save. What counts is what the notebook computes, not what you ran along the way.

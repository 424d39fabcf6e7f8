# %% [markdown]
# # 00 · Welcome to modellab — and a map of the course
#
# A machine-learning model is trained once, on data from the past. In production it keeps making
# decisions while the world around it moves. **Model monitoring** is how you notice, in time,
# that those decisions have stopped being good — and how you explain that to the people who
# depend on them.
#
# This first notebook takes about 20 minutes. It has no graded work.

# %% [markdown]
# > **Executive summary — for readers who skip the code**
# >
# > - A model's accuracy is not a fixed property: it decays when customers, markets or data
# >   pipelines change. Without monitoring, the first sign is often a business loss.
# > - Monitoring answers three questions on every batch of predictions: *Is the input data still
# >   like the data we trained on? Is the model still right often enough? Who needs to know?*
# > - This course teaches each step on a realistic lending model: measure performance, detect
# >   drift, raise alerts on agreed rules, and report in plain language.
# > - Every lesson starts with a box like this one. A manager can read the boxes, the figures and
# >   the quizzes, and skip the code.

# %% [markdown]
# ## What you will be able to do after this notebook
#
# 1. Say which path through the course fits your role.
# 2. Run, re-run and restart a notebook in JupyterLab.
# 3. Check that your computer is ready for the course.
# 4. Read the feedback that exercise checks give you.
# 5. Load the course's lending scenario and take a first look at it.

# %% [markdown]
# ## Why monitoring matters to the business
#
# Our running example is a lender. A model scores each loan application with the probability
# that the borrower will **default** (not pay back). Applications with a high score are declined.
#
# - If the model misses risky borrowers, the lender loses the money it lent.
# - If it flags too many good borrowers, the lender loses customers and interest income.
#
# Both mistakes cost money, and both can grow silently: a new marketing channel brings different
# applicants (*data drift*), or an economic shock changes who defaults (*concept drift*). Labels —
# whether a loan really defaulted — arrive months later. Monitoring is how you act before then.

# %% [markdown]
# ## Who this course is for, and your path
#
# | your role | lessons | exercises | you will focus on |
# |---|---|---|---|
# | **Data scientist** | 01–06, 09, 12 | ex01–ex03, ex05–ex07, ex09, ex10 | metrics with uncertainty, drift statistics, estimation before labels, segments, explaining a drop |
# | **ML engineer** | 02, 03, 07, 08, 11, 12 | ex01, ex02, ex04, ex06, ex08 | data contracts, automated monitors, alert rules, statistics at scale |
# | **Model monitoring specialist** | all, and the optional further notebooks | all | the whole loop: detect, diagnose, alert, report, govern |
# | **AI project manager** | 00, 02–10, 12 (summaries, figures, quizzes) | the no-code assessment ex12; written answers in ex05, ex06, ex10, ex11 | what the numbers mean, when to act, what to ask |
#
# Not sure? Follow the specialist path: it is the whole course.

# %% [markdown]
# ## The course map
#
# Each lesson is a notebook in `notebooks/`; each graded exercise is a notebook in `exercises/`.
# Each lesson fits one class period. The three marked *optional* go further than their lesson,
# for self-study or a longer session; no exercise needs them.
#
# | # | lesson | what you learn | graded exercise |
# |---|---|---|---|
# | 00 | `00_welcome` | this map, JupyterLab, checks | — |
# | 01 | `01_data_analysis` | read a reference period and a production stream; spot trends and anomalies | `ex07_data_analysis` |
# | 02 | `02_performance_metrics` | precision, recall, F1, ROC-AUC, confidence intervals, business cost | `ex01_metrics` |
# | 03 | `03_data_drift` | drift tests and distances, many columns without false alarms | `ex02_data_drift` |
# | 03+ | `03_data_drift_further` *(optional)* | columns that drift together; how big a shift each measure sees | — |
# | 04 | `04_concept_drift` | when the relationship changes; waiting for labels | `ex03_concept_drift` |
# | 04+ | `04_concept_drift_further` *(optional)* | a prior shift's traces; the detector's settings; CUSUM and DDM | — |
# | 05 | `05_performance_estimation` | estimate performance before the labels arrive, and when not to trust it | `ex09_performance_estimation` |
# | 06 | `06_segments_fairness` | look inside the average: segments and fair treatment of groups | `ex10_segments_fairness` |
# | 07 | `07_data_contracts` | data contracts and service health: catch broken data before it reaches the model | — |
# | 08 | `08_monitoring_alerting` | a monitor that runs on every batch, alert rules, history | `ex04_monitoring` |
# | 08+ | `08_monitoring_alerting_further` *(optional)* | critical alerts on enough defaults; tuning the ROC-AUC rule; the alert tuner | — |
# | 09 | `09_reporting` | stakeholder reports, executive summaries, model cards | `ex05_reporting` |
# | 10 | `10_governance` | monitoring plans, incident reporting, retraining and champion–challenger | `ex11_monitoring_plan` |
# | 11 | `11_monitoring_at_scale` | the same statistics over data that does not fit in memory | `ex08_scale` |
# | 12 | `12_capstone` | a production incident, from first alert to final report | `ex06_capstone`, `ex12_manager_assessment` |
#
# The course teaches the programme's four skills (data analysis, statistics, Python programming,
# communication) and four best practices (continuous monitoring, drift detection, a variety of
# metrics, documentation and reporting). `course/syllabus.md` shows which lesson teaches which.

# %% [markdown]
# ## Using JupyterLab in two minutes
#
# A notebook is a list of **cells**. Text cells (like this one) explain; code cells run Python.
#
# - **Run one cell:** click in it and press <kbd>Shift</kbd>+<kbd>Enter</kbd>. The result appears
#   below it, and the cursor moves on.
# - **Run everything:** menu *Run → Run All Cells*. Do this when you open a notebook.
# - **Start again:** menu *Kernel → Restart Kernel and Run All Cells…*. The *kernel* is the Python
#   process behind the notebook; restarting it forgets every variable. Use it when things get
#   confusing — it fixes most problems.
# - `[*]` beside a cell means it is still running; a number like `[3]` means it has finished.
#
# Try it: run the next cell.

# %%
monthly_applications = 12_000
decline_rate = 0.18
print(f"The model declines about {monthly_applications * decline_rate:,.0f} applications a month.")

# %% [markdown]
# ## Is your computer ready?
#
# The *doctor* checks Python, the course packages, the notebook kernel and the JupyterLab
# extensions, and tells you how to fix anything that is missing. (You are already inside a
# running kernel, so it skips starting a second one.)
#
# Every line should say `OK`. If one says `FAIL`, follow its `fix:` line, or ask your instructor.
# From a terminal, `modellab doctor` runs the same checks.

# %%
from modellab.doctor import report, run_checks

print(report(run_checks(start_kernel=False)))

# %% [markdown]
# ## How exercises and their checks work
#
# Each graded exercise asks you to write some code, and right after each answer there is a
# **check cell** you cannot edit. Run it: it prints a ✅ line when your answer is right, or
# stops with a ❌ message and a hint when it is not. The hint tells you *what* to look at, never
# the answer itself.
#
# Here is a check that passes. Precision is the share of flagged applications that really
# defaulted: 45 of the 60 we flagged.

# %%
from modellab.checks import check_close

flagged, flagged_and_defaulted = 60, 45
precision = flagged_and_defaulted / flagged

check_close(precision, 0.75, "precision", bounds=(0, 1))

# %% [markdown]
# And here is a typical mistake — dividing by the wrong count. In an exercise the check would
# stop the cell with the message below; here we catch it with `try`/`except` so this notebook
# keeps running, and print the message instead.

# %%
all_defaulted = 90
wrong_precision = flagged_and_defaulted / all_defaulted  # that is recall, not precision

try:
    check_close(wrong_precision, 0.75, "precision", bounds=(0, 1),
                hint="divide by the number of applications the model flagged")
except AssertionError as failure:
    print(failure)

# %% [markdown]
# Before you answer, an answer cell holds `...` (or, inside a function, `raise
# NotImplementedError()`): replace it with your code. Until you do, its check says ⏳ *not
# answered yet* and *Run All* goes on, so a fresh exercise shows at once every part that is
# left; a wrong answer stops there with its ❌ and hint. Some questions ask for a letter
# (multiple choice) or a few sentences (read by your instructor).
#
# When you are done, use *Kernel → Restart Kernel and Run All Cells…* once: what counts is what
# the notebook computes from top to bottom, not what you ran along the way.
#
# Check cells are **locked** (🔒): they are graded exactly as written, so JupyterLab will not
# let you edit them — change the answer cell above instead. The first line of every locked cell
# says so, and what it is for (set-up or check). A failing check shows one or two
# lines; `%tb verbose` in a new cell shows the full traceback if you are curious.
#
# **How to submit.** Hand in the exercise notebook itself, e.g.
# `exercises/ex01_metrics/ex01_metrics.ipynb`, saved after that full run (the **Validate**
# button in the toolbar runs every check once more). On a JupyterHub course use *Nbgrader →
# Assignment List → Submit*; otherwise upload the `.ipynb` file where your instructor tells you
# (the course's hand-in folder or learning platform), keeping its name.

# %% [markdown]
# ## A first look at the data
#
# The course runs on **scenarios**: synthetic lending worlds with a *reference* period (data from
# when the model was built and checked: our picture of normal) and a *production* stream of
# weekly batches that arrive later. Because they are
# synthetic, we know the truth about what changed, when and by how much — so you can check
# whether your monitoring would have noticed.
#
# `stable` is the quiet scenario, where nothing drifts: what "normal" looks like.

# %%
from modellab.scenarios import make

scenario = make("stable", seed=0)
print(scenario.describe())

# %% [markdown]
# A figure first: income of applicants in the reference period and in production. In a stable
# world the two shapes match, apart from sampling noise.

# %%
from modellab import plots

ax = plots.distribution(scenario.reference, scenario.production, column="income",
                        labels=("reference", "production"))

# %% [markdown]
# Then the table behind it: the first applications of the reference period, one row each. The
# last three columns are the outcome, `default` (1 = did not pay back), the model's `score` (its
# probability of default) and its `prediction` (1 = flagged, when the score is 0.20 or more).

# %%
scenario.reference.head()

# %% [markdown]
# ## Recap
#
# - Monitoring catches a model going wrong before the business feels it, and explains it to the
#   people who must act.
# - Pick your path by role; every lesson opens with an executive summary.
# - Run a notebook top to bottom (*Run All*); restart the kernel when in doubt.
# - Exercise checks print ✅ or stop with a hint that points at the mistake, not at the answer.
# - Scenarios give a reference period and a production stream whose drift we know in advance.
#
# **Next:** `01_data_analysis` — reading the reference period and the production stream.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer, e.g. `q1 = "b"`, and run the cell. Nothing here
# counts towards a grade.

# %% [markdown]
# **Q1.** Why monitor a model that passed all its tests before launch?
#
# - **a)** Because its code may hide bugs that the tests before launch did not catch.
# - **b)** Because regulators require every model to be retrained once a month.
# - **c)** Because the applicants and the economy keep changing after launch.
#
# **Q2.** A check cell stops with ❌ and a hint. What should you do?
#
# - **a)** Read the hint, fix your answer cell, then run both cells again.
# - **b)** Edit the check cell until it passes: it is there to be adjusted to your answer.
# - **c)** Run the check cell again a few times: it may pass on a second attempt.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
self_check(q1, "abc", "8df5900ad393cb5b", name="Q1",
           hint='think about what changes after launch — the code or the world?',
           explain='The code stays the same; the applicants and the economy do not.')
self_check(q2, "abc", "8b869ee012e9f2d4", name="Q2",
           hint='check cells are locked; your answer cell is the one to change',
           explain='Checks are locked; the hint points at what to change in your own cell.')

# %% [markdown]
# # 09 · Reporting and documentation
#
# A monitor that finds a problem has done half the job. The other half is telling the people
# who must act — a head of credit, a COO, a risk committee, an auditor — what happened, what it
# costs and what to do, in words they can use. This lesson turns a monitoring result into a
# stakeholder report, an executive summary and a model card. About 45 minutes.

# %% [markdown]
# > **Executive summary — for readers who skip the code**
# >
# > - A good incident report **leads with the decision**, then says what changed, since when,
# >   how much performance moved (with numbers and a comparison), what it costs, and what to do.
# > - `modellab` writes that report from the monitor's results in one call: one HTML file with
# >   its figures inside (for e-mail and archives), or Markdown (for wikis). An *executive*
# >   version is short; a *technical* version adds the statistics.
# > - Every number in the summary comes from the same facts as the tables and figures, so the
# >   text cannot contradict the charts. Money figures rest on **stated cost assumptions**:
# >   change them to your own.
# > - A **model card** documents what the model is for, who owns it, how good it is (with
# >   confidence intervals), how it is monitored and which incidents are open. Auditors,
# >   regulators and the next team to inherit the model read it first.
# > - Agree a **cadence**: alerts go to the model owner on every batch, a one-page summary to the
# >   business monthly (and at once for a critical alert), the model card at every release.

# %% [markdown]
# ## What you will be able to do
#
# 1. Produce a stakeholder report from a `Monitor` result, for an executive or a technical
#    reader, as standalone HTML or as Markdown.
# 2. Trace every sentence of an executive summary back to a monitoring fact, and state the
#    cost assumptions behind a money figure.
# 3. Rewrite a technical status update so a non-technical reader knows what happened and what
#    to decide.
# 4. Write a model card with intended use, owners, metrics with confidence intervals, the
#    monitoring plan and open incidents.
# 5. Propose who receives which report, and how often.

# %% [markdown]
# ## Why this matters to the business
#
# Monitoring pays off only when someone acts on it. An alert that nobody understands is
# ignored; a report that hides the decision in paragraph four gets read too late. In lending,
# each week a degraded model stays in service approves loans that will not be paid back — and
# regulators expect the lender to show, on paper, that it watched its models and reacted.

# %% [markdown]
# ## 1 · The incident
#
# We report on the `label_delay` scenario: late in the stream, applicants' debt relative to
# income rises, *and* the link between profile and default changes. Outcomes (repaid or
# defaulted) arrive four weeks late, so the newest batches cannot be scored yet.

# %%
import base64
import pathlib
import re
import tempfile

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image, Markdown, display

from modellab import plots
from modellab.monitor import Monitor
from modellab.scenarios import make

plots.set_style()
scenario = make("label_delay", seed=0)
scenario.truth[["kind", "start_batch", "end_batch", "description"]]

# %% [markdown]
# The monitor of lesson 08 learns from the reference period, then checks every weekly batch:
# performance on the loans whose outcome is known, drift of every input, data quality, and the
# default alert rules.

# %%
result = Monitor(scenario.reference).run(scenario.production)
result

# %% [markdown]
# This is what the monitoring team sees: how far each input has moved from the reference period,
# feature by feature and week by week (darker = larger change). Clear to an analyst, meaningless
# to a head of credit. The rest of this lesson is about the translation.

# %%
ax = plots.drift_heatmap(result.drift, value="effect_size")
plt.show()

# %% [markdown]
# ## 2 · One call, one report
#
# `modellab.report.render(result, path)` writes the whole report to one file. The HTML version
# carries its figures inside (nothing to attach, nothing fetched from the internet), so it can be
# mailed or archived as it is. We write it into a temporary folder.

# %%
from modellab.report import render

folder = pathlib.Path(tempfile.mkdtemp(prefix="modellab_reports_"))
report_path = render(result, folder / "credit_risk_report.html",
                     model_name="the credit-risk model")
print(f"{report_path.name}: {report_path.stat().st_size / 1000:.0f} kB, figures included")

# %% [markdown]
# The report opens with its executive summary. This is the text, exactly as the report prints
# it:

# %%
from modellab.report import executive_summary

summary = executive_summary(result, model_name="the credit-risk model")
display(Markdown(summary))

# %% [markdown]
# The figures are inside the file as images. Here is the first one, read back from the HTML: the
# model's ranking quality (ROC AUC) per week against the reference level (dashed), with the
# critical alerts marked. The line stops at batch 15: the outcomes of batches 16–19 are not in
# yet.

# %%
report_html = report_path.read_text(encoding="utf-8")
first_figure = re.search(r'src="data:image/png;base64,([^"]+)"', report_html).group(1)
Image(data=base64.b64decode(first_figure), width=640)

# %% [markdown]
# ### Executive or technical, HTML or Markdown
#
# The same result, two audiences. `audience="technical"` adds more trends (recall, default rate,
# mean score), the drift heatmap, the per-feature drift table of the latest batch and a note on
# methods. The executive version stops at what a decision needs.

# %%
technical_path = render(result, folder / "credit_risk_report_technical.html",
                        audience="technical", model_name="the credit-risk model")


reports = {"executive": report_path, "technical": technical_path}
for name, path in reports.items():
    text = path.read_text(encoding="utf-8")
    print(f"{name}: {text.count('<img')} figures, {path.stat().st_size / 1000:.0f} kB")

# Which sections (<h2> headings) each version has.
sections = {name: re.findall(r"<h2>(.*?)</h2>", path.read_text(encoding="utf-8"))
            for name, path in reports.items()}
pd.DataFrame({name: pd.Series("yes", index=heads) for name, heads in sections.items()}
             ).reindex(sections["technical"]).fillna("")

# %% [markdown]
# For a wiki page or the body of an e-mail, ask for Markdown (a `.md` path, or
# `format="md"`): the same summary, key figures and tables, without images.

# %%
markdown_path = render(result, folder / "credit_risk_report.md",
                       model_name="the credit-risk model")
markdown_text = markdown_path.read_text(encoding="utf-8")
print(markdown_text[markdown_text.index("## Key figures"):markdown_text.index("## What changed")])

# %% [markdown]
# ## 3 · Where the summary comes from: facts, not prose
#
# The summary is not written by hand. `gather_facts` computes, once, everything the report
# states; the summary, the key figures and the tables are all read from these facts, so they
# cannot disagree.

# %%
from modellab.report import gather_facts
from modellab.report.facts import fmt_money

facts = gather_facts(result, model_name="the credit-risk model")
auc = facts.metric_changes["roc_auc"]
recall = facts.metric_changes["recall"]
pd.DataFrame([
    ("Status (the headline word)", facts.status),
    ("What changed", ", ".join(f.name for f in facts.drifted_features)),
    ("Since when", f"batch {facts.onset_batch} ({facts.onset_start:%d %B %Y})"),
    ("ROC AUC, reference → since then", f"{auc.reference:.2f} → {auc.after:.2f}"),
    ("Recall, reference → since then", f"{recall.reference:.0%} → {recall.after:.0%}"),
    ("Loans with a known outcome since then", f"{auc.n_labelled_after:,}"),
    ("Batches still waiting for outcomes", ", ".join(map(str, facts.unlabelled_batches))),
    ("Extra missed defaults", f"{facts.impact.extra_missed_defaults:.0f}"),
    ("Extra good customers declined", f"{facts.impact.extra_false_alarms:.0f}"),
    ("Net change in error cost (95% range)",
     f"{fmt_money(facts.impact.cost, 'EUR', significant=2)} "
     f"({fmt_money(facts.impact.cost_low, 'EUR', significant=2)} to "
     f"{fmt_money(facts.impact.cost_high, 'EUR', significant=2)})"),
    ("Alerts (critical / warning)", f"{facts.n_critical} / {facts.n_warning}"),
], columns=["question a manager asks", "fact"])

# %% [markdown]
# How the facts are decided:
#
# - **What changed, since when:** a feature counts as changed when its drift test fires in
#   *two consecutive* batches (one batch in twenty fires by chance at a 5% test level). The
#   onset is the first batch of the earliest such run.
# - **How much performance moved:** the reference level against the average *since the onset*,
#   weighted by the number of loans whose outcome is known — and that number is stated.
# - **Business impact:** the net change in the cost of **both** kinds of error since the
#   onset. The counterfactual is stated: *the same loans, had the model kept its
#   reference-period recall and false-alarm rate*. Extra missed defaults are priced at the
#   **assumed** loss per missed default (EUR 7,200), extra good customers declined at the
#   assumed lost margin (EUR 1,800) — the course's one set of prices from lesson 02. A
#   bootstrap (the loans resampled) gives a 95% range; the prices are taken as given.
# - **What it assumes about lending:** the figure needs the outcome of every loan since the
#   onset — including applicants the model *declined*. In this synthetic world we know them;
#   a real lender does not (a declined applicant never gets the loan), and recent loans have
#   not matured yet (30/60/90 days past due). A real report states the population it measured
#   (matured, approved loans, plus a randomised approval band if the lender runs one) and
#   leaves the declined-applicant term out, or estimates it by reject inference, saying so.
# - **Recommended action:** *action* when a critical alert fired or performance fell while
#   inputs drifted; *watch* for drift or alerts alone; *ok* otherwise.

# %% [markdown]
# ### The money is an assumption: say so, and let the reader change it
#
# The default prices (`CostAssumptions`) are illustrative. Move the sliders: the numbers of
# extra missed defaults and extra declined good customers do not move, the money does — which
# is why a good report always prints the assumptions next to the amount.

# %%
import ipywidgets as widgets

from modellab.report import CostAssumptions


def impact_at(loss_per_missed_default=7200, loss_per_good_declined=1800):
    costs = CostAssumptions(missed_default=loss_per_missed_default,
                            false_alarm=loss_per_good_declined, currency="EUR")
    text = executive_summary(result, model_name="the credit-risk model", costs=costs)
    print(next(p for p in text.split("\n\n") if p.startswith("Business impact")))


explorer = widgets.interact(
    impact_at,
    loss_per_missed_default=widgets.IntSlider(value=7200, min=1000, max=20000, step=200,
                                              description="loss / default",
                                              continuous_update=False),
    loss_per_good_declined=widgets.IntSlider(value=1800, min=0, max=5000, step=100,
                                             description="loss / decline",
                                             continuous_update=False))

# %% [markdown]
# ## 4 · Telling a non-technical audience what happened and what to do
#
# Rules of thumb, from incident reviews that worked:
#
# 1. **Lead with the decision.** The first sentence says what you need from the reader, or that
#    nothing is needed.
# 2. **Numbers with units and a comparison, rounded.** "Catches 43% of defaults, down from
#    49%", not "recall −0.07"; "about EUR 980,000", not "EUR 982,955" — the last digits suggest
#    a certainty the estimate does not have (two significant figures, as the report prints).
# 3. **No unexplained jargon.** Say what a metric means the first time (the report adds a short
#    gloss in brackets), and use plain names for features.
# 4. **State uncertainty plainly.** How many loans the number rests on, what is not known yet,
#    and when it will be.
# 5. **One chart per message.** The one trend that shows the problem, with the reference line —
#    not a dashboard.
# 6. **Name the action, the owner and the date.**

# %% [markdown]
# ### The same incident, written twice
#
# Both versions below are built from the same facts. The first is a typical message from a
# busy data scientist; the second follows the rules. The confidence interval comes from
# `modellab.metrics.bootstrap_ci` on the loans with a known outcome since the change.

# %%
from modellab.metrics import bootstrap_ci

since = scenario.production[scenario.production["batch"].isin(auc.after_batches)]
auc_ci = bootstrap_ci("roc_auc", since["default"], since["score"], n_boot=300, seed=0)
impact = facts.impact
feature = facts.drifted_features[0]

bad = (f"FYI: KS on {feature.name} rejects H0 since b{facts.onset_batch} (effect "
       f"{feature.effect_size:.2f}), AUC {auc.change:+.2f}, {facts.n_critical} crit + "
       f"{facts.n_warning} warn alerts. Labels lagging. Looking into it, may need a retrain.")
good = (
    f"**Decision needed this week: approve manual review of borderline loan applications until "
    f"the credit-risk model is retrained.**\n\n"
    f"Since the week of {facts.onset_start:%d %B}, the model has been missing more defaults. It "
    f"now catches {recall.after:.0%} of the loans that go bad, down from {recall.reference:.0%}, "
    f"and its ability to rank risky loans above safe ones fell from {auc.reference:.2f} to "
    f"{auc.after:.2f} (on a scale where 0.5 is a coin toss and 1 is perfect; plausible range "
    f"{auc_ci.low:.2f}–{auc_ci.high:.2f}). At the same time, applicants' debt relative to income "
    f"rose sharply.\n\n"
    f"Over the {len(auc.after_batches)} weeks whose outcomes we know ({auc.n_labelled_after:,} "
    f"loans), the model let about {impact.extra_missed_defaults:.0f} extra defaults through and "
    f"declined about {impact.extra_false_alarms:.0f} extra good customers, compared with its "
    f"usual error rates: roughly {fmt_money(impact.cost, 'EUR', significant=2)} of extra cost "
    f"(plausibly {fmt_money(impact.cost_low, 'EUR', significant=2)} to "
    f"{fmt_money(impact.cost_high, 'EUR', significant=2)}), assuming "
    f"EUR {impact.costs.missed_default:,.0f} lost per missed default and "
    f"EUR {impact.costs.false_alarm:,.0f} per good customer declined. "
    f"Outcomes for the last {len(facts.unlabelled_batches)} weeks are not in yet, so the true "
    f"figure is likely higher.\n\n"
    f"Proposed: manual review from Monday (Credit Operations); retrained model validated and "
    f"ready for approval in six weeks (Risk Analytics)."
)
display(Markdown(f"**Before**\n\n> {bad}\n\n**After**\n\n" + "\n".join(
    f"> {line}" if line else ">" for line in good.split("\n"))))

# %% [markdown]
# What changed between the two: the decision moved to the first line; "AUC −0.13" became a
# sentence with a scale, a comparison and a plausible range; the money was rounded and its
# assumption stated; the statistical test, the effect size and the alert
# counts (useful to the team, not to the COO) went to the technical report; the unknown recent
# outcomes became a plain sentence instead of "labels lagging"; and the action has an owner and
# a date.
#
# The generated executive summary in section 2 already follows most rules: it rounds money to
# two significant figures, gives a range and states its assumptions and counterfactual. It
# cannot know your organisation's owners, dates or plain names for features (it says
# `debt_to_income`): add those before you send it.

# %% [markdown]
# ## 5 · Model cards: documentation is part of monitoring
#
# A **model card** is the model's passport: what it is for (and not for), who answers for it,
# what data it learned from, how good it is — with confidence intervals, not single numbers —
# how it is monitored, and what is wrong with it right now.
#
# Why a monitoring course cares:
#
# - **Audits and regulators.** Lenders must show that their models are documented, validated
#   and watched (banking model-risk rules; credit scoring is a high-risk use under the EU AI
#   Act). The card plus the archived reports is that evidence.
# - **Hand-over.** When the author leaves, the alert rules and their reasons must not leave too.
# - **Alerts need an owner.** An open incident on the card has a name next to it.
#
# `model_card` computes the validation metrics with bootstrap intervals, lists the monitor's
# alert rules and turns its alerts into open incidents.

# %%
from modellab.report import model_card

card = model_card(
    "credit-risk scorecard v3",
    intended_use=(
        "Rank personal-loan applications by probability of default. Applications scoring "
        f"{scenario.threshold:.2f} or more are declined or sent to manual review."
    ),
    owners=["Risk Analytics (model owner): risk-analytics@example.com",
            "Head of Retail Credit (business owner)"],
    out_of_scope=["Business loans and mortgages", "Setting interest rates or credit limits"],
    training_data="Personal-loan applications from 2024 with known outcomes; validated on "
                  "5,000 later applications (the reference period).",
    y_true=scenario.reference["default"], y_score=scenario.reference["score"],
    threshold=scenario.threshold, result=result, n_boot=200,
    monitoring="Weekly batches are checked for input drift, data quality and - once outcomes "
               "arrive, four weeks later - performance. Alerts go to the model owner; the "
               "business owner gets a monthly report, and at once on a critical alert.",
    limitations=["Outcomes arrive four weeks late: recent performance is estimated from drift "
                 "and score changes only."],
)
display(Markdown(card))

# %% [markdown]
# Read the card as an auditor would: the metric table says how sure we are (ROC AUC with a
# 95% interval from 5,000 validation loans), the alert rules say what "wrong" means, and the
# open incidents say that right now the model is *not* performing as documented — so the card
# must be updated when the incident is closed. `write_model_card(path, ...)` saves it next to
# the reports.

# %% [markdown]
# ## 6 · A reporting cadence: who gets what, how often
#
# | who | what | how often | format |
# |---|---|---|---|
# | Model owner, on-call engineer | the monitor's alerts | every batch, automatically | alert message |
# | Data-science team | technical report | weekly | HTML, `audience="technical"` |
# | Business owner (head of credit) | executive report | monthly, **and within a day of a critical alert** | HTML or Markdown e-mail |
# | COO, risk committee | one-page summary and the decision asked for | quarterly, and for each incident | executive summary |
# | Auditors, regulators, the next team | model card and the archive of reports | at every release; reviewed at least yearly | model card |
#
# Quiet periods get reported too: a monthly "no action needed" is how the business learns to
# trust the monitor when it says "action needed".

# %% [markdown]
# ## Recap
#
# - `render(result, path)` writes a standalone HTML report (or Markdown for `.md` paths), for an
#   `"executive"` or a `"technical"` audience.
# - `executive_summary` and the report are built from `gather_facts`: what changed, since when,
#   how much performance moved, the business impact under stated `CostAssumptions`, and the
#   recommended action.
# - Write for the reader: decision first, numbers with units and comparisons, no unexplained
#   jargon, uncertainty in plain words, one chart, an owner and a date.
# - `model_card` documents intended use, owners, data, metrics with confidence intervals, the
#   monitoring plan and open incidents: it is the evidence auditors and successors need.
# - Agree who gets what, how often — including the quiet months.
#
# **Next:** `10_governance`. Graded practice: `ex05_reporting`.

# %% [markdown]
# ## Self-check (not graded)
#
# Replace `None` with the letter of your answer and run the cell.

# %% [markdown]
# **Q1.** Which sentence should open an incident report to the head of credit?
#
# - **a)** "The monitor raised 3 critical and 16 warning alerts across the 20 batches of this quarter."
# - **b)** "A KS test on debt_to_income rejected the null hypothesis at p < 0.001 from batch 8."
# - **c)** "Decision needed: approve manual review of borderline loans until the model is retrained."
#
# **Q2.** The report says the cost is "roughly EUR 150,000". What must it also say?
#
# - **a)** The assumed loss per missed default, and how many loans it rests on.
# - **b)** Nothing more: managers want the headline figure, not the details behind it.
# - **c)** The p-value of the drift test that first raised the alert.
#
# **Q3.** Why does a model card list open incidents?
#
# - **a)** Because regulators require the card to list every alert the monitor ever raised.
# - **b)** So readers know the model is not performing as documented, and who is on it.
# - **c)** So that the card can replace the incident tracker and the on-call rota.

# %%
from modellab.checks import self_check

q1 = None  # Q1: your letter
q2 = None  # Q2: your letter
q3 = None  # Q3: your letter
self_check(q1, "abc", "8df5900ad393cb5b", name="Q1",
           hint='which one tells the reader what to do?',
           explain='Lead with the decision; the evidence follows.')
self_check(q2, "abc", "8b869ee012e9f2d4", name="Q2",
           hint='what would change the amount if someone disagreed with it?',
           explain='A money figure is only as good as its assumption; state it next to the amount.')
self_check(q3, "abc", "de0921102a00fbbe", name="Q3",
           hint='who reads the card, and what do they need to know today?',
           explain='The card is read by auditors and successors: it must say what is wrong now.')

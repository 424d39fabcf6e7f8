"""modellab.report: standalone HTML/Markdown reports, executive summary, model card, CLI.

The reports are built from a real Monitor run over real scenarios and checked against the
scenario's ground truth (which feature drifted, from which batch).
"""

from __future__ import annotations

import html.parser
import pathlib
import re
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from modellab.monitor import Monitor  # noqa: E402
from modellab.report import (  # noqa: E402
    CostAssumptions,
    executive_summary,
    gather_facts,
    model_card,
    render,
    render_markdown,
    to_html,
    to_markdown,
    write_model_card,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
SIZES = {"n_reference": 2000, "n_batches": 10, "batch_size": 800}


def _scenario(name: str):
    from modellab.scenarios import make

    return make(name, seed=0, **SIZES)


def _monitor(scenario, **kwargs):
    return Monitor(scenario.reference, threshold=scenario.threshold, **kwargs)


@pytest.fixture(scope="module")
def sudden():
    s = _scenario("covariate_shift_sudden")
    return s, _monitor(s, ci=True, n_boot=100).run(s.production)


@pytest.fixture(scope="module")
def stable():
    s = _scenario("stable")
    return s, _monitor(s).run(s.production)


@pytest.fixture(scope="module")
def html_report(sudden, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    render(sudden[1], path, model_name="the credit-risk model")
    return path


class _Checker(html.parser.HTMLParser):
    """Collects tags, checks nesting, and records every resource URL."""

    VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "area", "base", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.urls, self.tags = [], [], [], []
        self.styles = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data") and value:
                self.urls.append(value)
        if tag == "style":
            self._in_style = True
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _check_html(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert text.startswith("<!DOCTYPE html>")
    assert not checker.errors, checker.errors[:5]
    assert not checker.stack, f"unclosed tags: {checker.stack}"
    css = "\n".join(checker.styles) + "".join(re.findall(r'style="([^"]*)"', text))
    remote = [u for u in checker.urls if re.match(r"\s*(https?:)?//", u)]
    remote += re.findall(r"url\(\s*['\"]?\s*(?:https?:)?//[^)]*\)", css)
    remote += re.findall(r"@import", css)
    assert not remote, f"network resources: {remote[:3]}"
    assert "script" not in checker.tags and "link" not in checker.tags
    return checker


# ------------------------------------------------------------------ HTML report


def test_html_report_is_self_contained_and_small(html_report):
    text = html_report.read_text(encoding="utf-8")
    checker = _check_html(text)
    assert html_report.stat().st_size < 1_000_000
    images = [u for u in checker.urls if u.startswith("data:image/png;base64,")]
    assert len(images) >= 3, "trend and distribution figures are embedded"
    assert all(u.startswith("data:") for u in checker.urls)
    for section in ('id="summary"', 'id="kpis"', 'id="trends"', 'id="drift"', 'id="alerts"'):
        assert section in text
    assert 'id="drift-table"' not in text and 'id="methods"' not in text  # executive audience


def test_summary_names_drifted_feature_and_onset_from_truth(sudden, html_report):
    scenario, result = sudden
    truth = scenario.truth
    assert len(truth), "scenario has a ground truth"
    onset = int(truth["start_batch"].min())
    features = sorted({f for fs in truth["features"] for f in fs})
    summary = executive_summary(result)
    assert summary.startswith(("Action needed.", "Keep watching."))
    for feature in features:
        assert feature in summary
    assert f"batch {onset} " in summary or f"batch {onset}," in summary
    week = (pd.Timestamp("2025-01-06") + pd.Timedelta(weeks=onset)).strftime("%B %Y")
    assert week in summary  # the date of the onset batch
    page = html_report.read_text(encoding="utf-8")
    for feature in features:
        assert f"<td>{feature}</td>" in page
    facts = gather_facts(result)
    assert facts.onset_batch == onset
    assert sorted(f.name for f in facts.drifted_features) == features
    # The summary's numbers are the history's numbers.
    after = result.history[result.history["batch"] >= onset]
    expected = np.average(after["roc_auc"], weights=after["n_labelled"])
    assert facts.metric_changes["roc_auc"].after == pytest.approx(expected)
    assert f"{expected:.2f}" in summary


def test_stable_scenario_gets_an_honest_no_alert_summary(stable, tmp_path):
    scenario, result = stable
    assert scenario.truth.empty
    assert result.alerts.empty, "precondition: the default rules stay quiet on a stable world"
    summary = executive_summary(result, model_name="the credit-risk model")
    first = summary.split("\n\n")[0]
    assert first.startswith("No action needed. The credit-risk model is working as expected")
    assert "raised no alerts" in summary
    assert "cannot see" in summary  # honest about the limits of the checks
    assert "Action needed" not in summary
    text = to_html(result)
    _check_html(text)
    assert "No alerts were raised in this period." in text


def test_technical_report_adds_drift_table_and_methods(sudden, tmp_path):
    _, result = sudden
    path = render(result, tmp_path / "tech.html", audience="technical", title="Weekly check")
    text = path.read_text(encoding="utf-8")
    _check_html(text)
    assert "<title>Weekly check</title>" in text
    assert 'id="drift-table"' in text and 'id="methods"' in text
    for feature in result.drift["column"].unique():
        assert f"<td>{feature}</td>" in text
    assert "MetricDropFrom(" in text  # the alert rules are documented


def test_markdown_report(sudden, tmp_path):
    _, result = sudden
    path = render_markdown(result, tmp_path / "report.md", audience="technical")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Model monitoring report")
    assert "## Summary" in text and "## Alerts" in text and "## Per-feature drift" in text
    assert "<img" not in text and "data:image" not in text
    assert executive_summary(result).split("\n\n")[0] in text
    assert render(result, tmp_path / "auto.md").read_text(encoding="utf-8").startswith("# ")


def _accuracy(base_rate, recall, false_alarm_rate):
    """Accuracy of a period with this default rate, recall and false-alarm rate."""
    return base_rate * recall + (1 - base_rate) * (1 - false_alarm_rate)


def _priced_result(recall_after, fpr_after, *, recall_ref=0.60, fpr_ref=0.10, base_rate=0.05):
    """Two labelled batches of 1,000 loans and one without outcomes, against a 10,000-loan
    reference with ``recall_ref`` and false-alarm rate ``fpr_ref``."""
    history = pd.DataFrame(
        {
            "batch": [0, 1, 2],
            "n": [1000] * 3,
            "n_labelled": [1000, 1000, 0],
            "roc_auc": [0.70, 0.70, np.nan],
            "recall": [recall_after, recall_after, np.nan],
            "accuracy": [_accuracy(base_rate, recall_after, fpr_after)] * 2 + [np.nan],
            "base_rate": [base_rate, base_rate, np.nan],
        }
    )
    alerts = pd.DataFrame(
        {"batch": [0], "rule": ["r"], "severity": ["critical"], "subject": ["roc_auc"]}
    )
    reference = {"roc_auc": 0.80, "recall": recall_ref, "base_rate": base_rate,
                 "n_labelled": 10_000, "accuracy": _accuracy(base_rate, recall_ref, fpr_ref)}
    return SimpleNamespace(history=history, alerts=alerts, reference=reference)


def test_costs_are_stated_and_scale_the_impact():
    result = _priced_result(0.40, 0.10)
    costs = CostAssumptions(missed_default=1000, false_alarm=300, currency="USD")
    facts = gather_facts(result, costs=costs)
    # recall fell 0.2 on 2 x 50 defaults: 20 more defaults missed; the false-alarm rate held
    assert facts.impact.extra_missed_defaults == pytest.approx(20)
    assert facts.impact.extra_false_alarms == pytest.approx(0)
    assert facts.impact.cost == pytest.approx(20_000)
    assert facts.impact.cost_low < facts.impact.cost < facts.impact.cost_high
    summary = executive_summary(result, costs=costs)
    assert "about 20 more defaults" in summary and "USD 20,000" in summary
    assert "USD 1,000 per missed default" in summary and "USD 300 per good customer" in summary
    assert "reference-period recall and false-alarm rate" in summary  # the counterfactual
    assert "Outcomes for 1 recent batch (batch 2)" in summary
    assert "retrain" in summary


def test_impact_counts_declined_good_customers_too():
    # recall held, but the false-alarm rate doubled on 2 x 950 good customers: 190 more declined
    result = _priced_result(0.60, 0.20)
    facts = gather_facts(result, costs=CostAssumptions(missed_default=7200, false_alarm=1800))
    assert facts.impact.extra_missed_defaults == pytest.approx(0)
    assert facts.impact.extra_false_alarms == pytest.approx(190)
    assert facts.impact.cost == pytest.approx(190 * 1800)
    # fewer false alarms make a saving that offsets missed defaults
    both = gather_facts(_priced_result(0.40, 0.05), costs=CostAssumptions(7200, 1800)).impact
    assert both.extra_false_alarms == pytest.approx(-95)
    assert both.cost == pytest.approx(20 * 7200 - 95 * 1800)
    assert both.missed_default_cost + both.false_alarm_cost == pytest.approx(both.cost)


def test_one_set_of_error_costs_across_the_course():
    # lesson 02: a missed default loses 7,200, a declined good customer 1,800 (break-even 0.20)
    costs = CostAssumptions()
    assert (costs.missed_default, costs.false_alarm) == (7200, 1800)
    assert costs.false_alarm / (costs.false_alarm + costs.missed_default) == pytest.approx(0.20)
    lesson = (ROOT / "course" / "lessons" / "02_performance_metrics.py").read_text(encoding="utf-8")
    assert "COST_FP, COST_FN = 1_800, 7_200" in lesson


def test_net_cost_matches_counting_the_rows(sudden):
    """The impact equals a direct count of the loans' confusion cells (scikit-learn)."""
    from sklearn.metrics import confusion_matrix

    scenario, result = sudden
    facts = gather_facts(result)
    impact = facts.impact
    after = scenario.production[
        scenario.production["batch"].isin(facts.metric_changes["recall"].after_batches)]
    tn, fp, fn, tp = confusion_matrix(after["default"], after["score"] >= scenario.threshold,
                                      labels=[0, 1]).ravel()
    rtn, rfp, rfn, rtp = confusion_matrix(
        scenario.reference["default"], scenario.reference["score"] >= scenario.threshold,
        labels=[0, 1]).ravel()
    extra_fn = fn - (tp + fn) * rfn / (rtp + rfn)
    extra_fp = fp - (fp + tn) * rfp / (rfp + rtn)
    assert impact.extra_missed_defaults == pytest.approx(extra_fn)
    assert impact.extra_false_alarms == pytest.approx(extra_fp)
    assert impact.cost == pytest.approx(extra_fn * 7200 + extra_fp * 1800)
    assert impact.cost_low <= impact.cost <= impact.cost_high
    # the interval is the bootstrap's: reproducible, and its width is of the order of the
    # normal-approximation standard error of the two counts
    assert gather_facts(result).impact.cost_low == impact.cost_low
    sd = np.sqrt((tp + fn) * (rfn / (rtp + rfn)) * (1 - rfn / (rtp + rfn)) * 7200 ** 2
                 + (fp + tn) * (rfp / (rfp + rtn)) * (1 - rfp / (rfp + rtn)) * 1800 ** 2)
    assert 2 * sd < impact.cost_high - impact.cost_low < 8 * sd


def test_reports_follow_metric_direction():
    history = pd.DataFrame({"batch": [0, 1, 2], "n": [1000] * 3, "n_labelled": [1000] * 3,
                            "brier": [0.08, 0.12, 0.13], "roc_auc": [0.80, 0.80, 0.80]})
    worse = SimpleNamespace(history=history, alerts=pd.DataFrame(),
                            reference={"brier": 0.08, "roc_auc": 0.80})
    facts = gather_facts(worse, primary_metric="brier")
    assert facts.metric_changes["brier"].worse and facts.status == "watch"
    head = executive_summary(worse, primary_metric="brier").split("\n\n")[0]
    assert head.startswith("Keep watching.") and "(worse)" in head
    assert "batch None" not in head and "None" not in head
    better = SimpleNamespace(history=history.assign(brier=[0.08, 0.05, 0.04]),
                             alerts=pd.DataFrame(), reference={"brier": 0.08, "roc_auc": 0.80})
    assert gather_facts(better, primary_metric="brier").status == "ok"
    for bad in ("rocauc", "ROC AUC", 3):
        with pytest.raises(ValueError, match="primary_metric must be one of"):
            gather_facts(worse, primary_metric=bad)


def test_html_report_for_a_one_class_reference():
    from modellab.scenarios import make

    scenario = make("stable", seed=0, n_reference=1000, n_batches=3, batch_size=300)
    reference = scenario.reference.assign(default=0)  # no default in the reference period
    result = Monitor(reference, threshold=scenario.threshold, rules=[]).run(scenario.production)
    for audience in ("executive", "technical"):
        page = to_html(result, audience=audience)
        assert page.count("<img") >= 1 and "n/a" in page


def test_unlabelled_stream_says_performance_is_not_measurable_yet():
    history = pd.DataFrame(
        {"batch": [0, 1], "n": [100, 100], "n_labelled": [0, 0], "roc_auc": [np.nan, np.nan]}
    )
    result = SimpleNamespace(history=history, alerts=pd.DataFrame(), reference={"roc_auc": 0.8})
    summary = executive_summary(result)
    assert "cannot be measured yet" in summary
    _check_html(to_html(result))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda r, p: render(r, p / "x.html", audience="board"), ValueError, "audience"),
        (lambda r, p: render(r, p / "x.html", format="pdf"), ValueError, "format"),
        (lambda r, p: render(r, p), ValueError, "folder"),
        (lambda r, p: render({"history": 1}, p / "x.html"), TypeError, "MonitorResult"),
        (
            lambda r, p: render(p / "missing.db", p / "x.html"),
            FileNotFoundError,
            "modellab monitor",
        ),
        (
            lambda r, p: executive_summary(
                SimpleNamespace(history=pd.DataFrame(), alerts=pd.DataFrame())
            ),
            ValueError,
            "empty",
        ),
        (lambda r, p: CostAssumptions(missed_default=-1), ValueError, "non-negative"),
        (lambda r, p: gather_facts(r, costs={"missed_default": 1}), TypeError, "CostAssumptions"),
        (lambda r, p: executive_summary(r, primary_metric="auc"), ValueError, "primary_metric"),
        (lambda r, p: render(r, p / "r.html", primary_metric="Brier"), ValueError,
         "primary_metric"),
        (lambda r, p: model_card("m", intended_use="x", owners=["o"], result=r,
                                 metrics=["rocauc"]), ValueError, "Unknown metric"),
    ],
)
def test_bad_input_is_rejected(stable, tmp_path, call, error, match):
    with pytest.raises(error, match=match):
        call(stable[1], tmp_path)


# ------------------------------------------------------------------ store and CLI


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = _scenario("covariate_shift_sudden")
    path = tmp_path_factory.mktemp("store") / "monitor.db"
    _monitor(s, store=path).run(s.production)
    return s, path


def test_cli_writes_html_and_markdown_from_a_store(store, tmp_path, capsys):
    from modellab.cli import main

    scenario, path = store
    out = tmp_path / "out" / "report.html"
    assert main(["report", "--store", str(path), "--out", str(out), "--audience", "technical"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    _check_html(text)
    onset = int(scenario.truth["start_batch"].min())
    assert f"changed from batch {onset}" in text
    md = tmp_path / "report.txt"
    assert (
        main(
            [
                "report",
                "--store",
                str(path),
                "--out",
                str(md),
                "--format",
                "md",
                "--quiet",
                "--cost-missed-default",
                "100",
                "--currency",
                "GBP",
            ]
        )
        == 0
    )
    assert md.read_text(encoding="utf-8").startswith("# Model monitoring report")
    assert "GBP 100 per missed default" in md.read_text(encoding="utf-8")
    card = tmp_path / "card.md"
    assert (
        main(
            [
                "report",
                "--store",
                str(path),
                "--out",
                str(card),
                "--model-card",
                "--owner",
                "Risk team",
                "--quiet",
            ]
        )
        == 0
    )
    assert "Risk team" in card.read_text(encoding="utf-8")


def test_cli_reports_a_missing_store(tmp_path, capsys):
    from modellab.cli import main

    assert (
        main(["report", "--store", str(tmp_path / "nope.db"), "--out", str(tmp_path / "r.html")])
        == 2
    )
    assert "modellab monitor" in capsys.readouterr().err


# ------------------------------------------------------------------ model card


def test_model_card_markdown_and_html(sudden, tmp_path):
    from modellab.metrics import bootstrap_ci

    scenario, result = sudden
    ref = scenario.reference
    card = model_card(
        "credit-risk v1",
        intended_use="Rank loan applications by risk of default for manual review.",
        owners=["Risk analytics <risk@example.com>"],
        y_true=ref["default"],
        y_score=ref["score"],
        result=result,
        training_data=ref,
        out_of_scope="Pricing decisions.",
        threshold=scenario.threshold,
        metrics=["roc_auc", "recall"],
        n_boot=200,
    )
    for heading in (
        "## Owners",
        "## Intended use",
        "## Training data",
        "## Performance on validation data",
        "## Monitoring plan",
        "## Open incidents",
    ):
        assert heading in card
    ci = bootstrap_ci(
        "roc_auc", ref["default"], ref["score"], n_boot=200, seed=0, threshold=scenario.threshold
    )
    assert f"| ROC-AUC | {ci.estimate:.2f} | {ci.low:.2f} to {ci.high:.2f} |" in card
    assert "2,000 rows" in card and "Pricing decisions." in card
    for rule in result.alerts["rule"].unique():
        assert f"`{rule}`" in card  # every alerting rule is an open incident
    html_card = write_model_card(
        tmp_path / "card.html",
        "credit-risk v1",
        intended_use="Rank loans.",
        owners="Risk team",
        result=result,
    )
    _check_html(html_card.read_text(encoding="utf-8"))


def test_model_card_without_alerts_and_bad_input(stable):
    card = model_card("m", intended_use="Rank loans.", owners="Risk team", result=stable[1])
    assert "None: the monitor raised no alerts." in card
    assert "Not documented" in card  # no validation data given
    with pytest.raises(ValueError, match="owners"):
        model_card("m", intended_use="x", owners=[])
    with pytest.raises(ValueError, match="intended_use"):
        model_card("m", intended_use=" ", owners="a")
    with pytest.raises(TypeError, match="both y_true and y_score"):
        model_card("m", intended_use="x", owners="a", y_true=[0, 1])
    with pytest.raises(ValueError, match="format"):
        model_card("m", intended_use="x", owners="a", format="pdf")

# The report in a real browser (headless Chromium): tests/test_browser.py.


# --------------------------------------------------------------------------- wording
def _recall_result(recall_after, *, recall_reference=0.49, auc_after=0.70):
    # the false-alarm rate holds at 0.10, so only missed defaults cost money
    history = pd.DataFrame({
        "batch": [0, 1], "n": [10_000] * 2, "n_labelled": [10_000] * 2,
        "roc_auc": [auc_after] * 2, "recall": [recall_after] * 2, "base_rate": [0.1] * 2,
        "accuracy": [_accuracy(0.1, recall_after, 0.10)] * 2,
    })
    alerts = pd.DataFrame({"batch": [0], "rule": ["r"], "severity": ["critical"]})
    reference = {"roc_auc": 0.80, "recall": recall_reference, "base_rate": 0.1,
                 "n_labelled": 10_000, "accuracy": _accuracy(0.1, recall_reference, 0.10)}
    return SimpleNamespace(history=history, alerts=alerts, reference=reference)


def test_a_metric_that_barely_moves_is_said_to_hold():
    summary = executive_summary(_recall_result(0.4905))
    assert "held at 49%" in summary and "stayed" not in summary and "from 49% to 49%" not in summary
    fell = executive_summary(_recall_result(0.42))
    assert "fell from 49% to 42%" in fell and "held at" not in fell


def test_money_in_sentences_and_key_figures_is_rounded_and_exact_in_tables():
    # recall 0.60 -> 0.4957 on 2 x 1,000 defaults: 209 extra missed defaults x EUR 750
    result = _recall_result(0.4957, recall_reference=0.60)
    costs = CostAssumptions(missed_default=750)
    facts = gather_facts(result, costs=costs)
    exact = facts.impact.cost
    assert exact == pytest.approx(156_750)
    summary = executive_summary(facts)
    assert "roughly EUR 160,000 more" in summary and "EUR 750 per missed default" in summary
    assert f"EUR {exact:,.0f}" not in summary
    # the HTML tile and the Markdown key-figures table round like the prose
    html_report = to_html(result, costs=costs)
    assert re.search(r'Net change in error cost</div><div class="value">\+EUR 160,000</div>',
                     html_report)
    assert f"EUR {exact:,.0f}" not in html_report
    markdown = to_markdown(result, costs=costs)
    assert "| Net change in error cost | +EUR 160,000 |" in markdown
    assert f"EUR {exact:,.0f}" not in markdown


def test_model_card_fixed_date_and_incident_notes(sudden):
    _, result = sudden
    notes = [
        {"title": "Older applicants since batch 5", "status": "open",
         "diagnosis": "A new broker channel brings younger applicants.",
         "decision": "Keep the model; review <weekly>.",
         "timeline": ["batch 5: drift alert", "batch 6: broker confirmed"]},
        "Pipeline checked: no data error.",
    ]
    kwargs = dict(intended_use="Rank loans.", owners="Risk team", result=result,
                  incident_notes=notes)
    card = model_card("m", date="2024-03-31", **kwargs)
    assert card == model_card("m", date=__import__("datetime").date(2024, 3, 31), **kwargs)
    assert "Version 1 · 2024-03-31" in card
    incidents = card[card.index("## Open incidents"):]
    for text in ("### Older applicants since batch 5", "- **Status:** open",
                 "- **Diagnosis:** A new broker channel", "- **Decision:** Keep the model",
                 "- **Timeline:**\n  - batch 5: drift alert\n  - batch 6: broker confirmed",
                 "Pipeline checked: no data error."):
        assert text in incidents
    assert incidents.index("| Severity |") < incidents.index("### Older")  # after the alerts
    html_card = model_card("m", date="2024-03-31", format="html", **kwargs)
    _check_html(html_card)
    assert "review &lt;weekly&gt;" in html_card and "<li>batch 6: broker confirmed</li>" in html_card
    for bad, error, match in [
        ("31/03/2024", ValueError, "YYYY-MM-DD"), (20240331, TypeError, "date must be"),
    ]:
        with pytest.raises(error, match=match):
            model_card("m", intended_use="x", owners="a", date=bad)
    for bad, error, match in [
        ({"cause": "x"}, ValueError, "unknown field"), ({"title": "only"}, ValueError, "says nothing"),
        ([" "], ValueError, "empty"), (42, TypeError, "incident_notes must be"),
        ([3], TypeError, r"incident_notes\[0\]"),
    ]:
        with pytest.raises(error, match=match):
            model_card("m", intended_use="x", owners="a", incident_notes=bad)


def test_report_facts_repr_and_table(sudden):
    scenario, result = sudden
    facts = gather_facts(result)
    text = repr(facts)
    assert text.startswith("ReportFacts(status=") and len(text) < 300
    assert f"onset_batch={facts.onset_batch}" in text and facts.drifted_features[0].name in text
    table = facts.to_frame()
    assert table.columns.tolist() == ["fact", "value"]
    assert table["fact"].is_unique
    values = table.set_index("fact")["value"]
    assert values["batches monitored"] == len(result.history)
    assert values["onset batch"] == int(scenario.truth["start_batch"].min())
    assert values["alerts"] == len(result.alerts)
    assert values["drifted features"].split(", ") == [f.name for f in facts.drifted_features]
    assert values["roc_auc (since onset)"] == facts.metric_changes["roc_auc"].after
    # money stays exact in the table even though sentences round it
    priced = gather_facts(_recall_result(0.4957, recall_reference=0.60),
                          costs=CostAssumptions(missed_default=750)).to_frame()
    cost = priced.set_index("fact")["value"]["estimated cost"]
    assert cost == pytest.approx(156_750) and cost != 160_000


def test_figures_are_the_reports_figures(sudden):
    from matplotlib.figure import Figure

    from modellab.report import figures
    from modellab.report.render import figure_to_data_uri

    _, result = sudden
    facts = gather_facts(result)
    figs = figures(result, audience="technical", max_features=2)
    assert all(isinstance(f, Figure) for f in figs.values())
    names = [f.name for f in facts.drifted_features[:2]]
    assert list(figs) == ["roc_auc", "recall", "base_rate", "mean_score", "drift_share",
                          "drift_heatmap", *[f"distribution_{n}" for n in names]]
    assert "confidence interval" in figs["roc_auc"].get_label()
    page = to_html(result, audience="technical", max_features=2)
    assert page.count("<img") == len(figs)
    for fig in figs.values():  # byte for byte the images the HTML report embeds
        assert figure_to_data_uri(fig) in page
    executive = figures(result)
    assert "drift_heatmap" not in executive and "drift_share" in executive
    with pytest.raises(ValueError, match="audience"):
        figures(result, audience="board")


def test_loans_scored_counts_only_scored_rows(stable):
    """A scoring service that left rows unscored: the report says how many of the monitored
    loans were scored, not the monitored count as 'scored'."""
    scenario, full = stable
    production = scenario.production.copy()
    gaps = production.index[production["batch"] == 3][:200]
    production.loc[gaps, "score"] = np.nan
    result = _monitor(scenario).run(production)
    facts = gather_facts(result)
    assert facts.n_rows == len(production)
    assert facts.n_scored == len(production) - 200
    assert f"{len(production) - 200:,} of {len(production):,} loans scored" in to_markdown(result)
    assert gather_facts(full).n_scored == gather_facts(full).n_rows == len(production)
    table = gather_facts(result).to_frame().set_index("fact")["value"]
    assert table["loans scored"] == len(production) - 200
    assert table["loans monitored"] == len(production)

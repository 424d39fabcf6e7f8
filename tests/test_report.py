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


def test_costs_are_stated_and_scale_the_impact():
    history = pd.DataFrame(
        {
            "batch": [0, 1, 2],
            "n": [1000] * 3,
            "n_labelled": [1000, 1000, 0],
            "roc_auc": [0.70, 0.70, np.nan],
            "recall": [0.40, 0.40, np.nan],
            "base_rate": [0.05, 0.05, np.nan],
        }
    )
    alerts = pd.DataFrame(
        {"batch": [0], "rule": ["r"], "severity": ["critical"], "subject": ["roc_auc"]}
    )
    result = SimpleNamespace(
        history=history,
        alerts=alerts,
        reference={"roc_auc": 0.80, "recall": 0.60, "base_rate": 0.05},
    )
    facts = gather_facts(result, costs=CostAssumptions(missed_default=1000, currency="USD"))
    # recall fell 0.2 on 2 x 50 defaults: 20 more defaults missed
    assert facts.impact.extra_missed_defaults == pytest.approx(20)
    assert facts.impact.cost == pytest.approx(20_000)
    summary = executive_summary(result, costs=CostAssumptions(missed_default=1000, currency="USD"))
    assert (
        "about 20 more defaults" in summary and "USD 20,000" in summary and "USD 1,000" in summary
    )
    assert "Outcomes for 1 recent batch (batch 2)" in summary
    assert "retrain" in summary


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
    assert f"| ROC AUC | {ci.estimate:.2f} | {ci.low:.2f} to {ci.high:.2f} |" in card
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
    history = pd.DataFrame({
        "batch": [0, 1], "n": [10_000] * 2, "n_labelled": [10_000] * 2,
        "roc_auc": [auc_after] * 2, "recall": [recall_after] * 2, "base_rate": [0.1] * 2,
    })
    alerts = pd.DataFrame({"batch": [0], "rule": ["r"], "severity": ["critical"]})
    reference = {"roc_auc": 0.80, "recall": recall_reference, "base_rate": 0.1}
    return SimpleNamespace(history=history, alerts=alerts, reference=reference)


def test_a_metric_that_barely_moves_is_said_to_hold():
    summary = executive_summary(_recall_result(0.4905))
    assert "held at 49%" in summary and "stayed" not in summary and "from 49% to 49%" not in summary
    fell = executive_summary(_recall_result(0.42))
    assert "fell from 49% to 42%" in fell and "held at" not in fell


def test_money_in_sentences_is_rounded_and_exact_in_tables():
    # recall 0.60 -> 0.5 on 2 x 1,000 defaults: 200.4 extra missed defaults x EUR 750
    result = _recall_result(0.4998, recall_reference=0.60)
    facts = gather_facts(result, costs=CostAssumptions(missed_default=750))
    exact = facts.impact.cost
    assert exact == pytest.approx(150_300)
    summary = executive_summary(facts)
    assert "roughly EUR 150,000 at an assumed EUR 750 average loss" in summary
    assert f"EUR {exact:,.0f}" not in summary
    # the HTML headline tile rounds like the prose; the Markdown key-figures table stays exact
    costs = CostAssumptions(missed_default=750)
    html_report = to_html(result, costs=costs)
    assert re.search(r'Estimated cost</div><div class="value">EUR 150,000</div>', html_report)
    assert f"EUR {exact:,.0f}" not in html_report
    markdown = to_markdown(result, costs=costs)
    assert f"| Estimated cost | EUR {exact:,.0f} |" in markdown


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
    priced = gather_facts(_recall_result(0.4998, recall_reference=0.60),
                          costs=CostAssumptions(missed_default=750)).to_frame()
    cost = priced.set_index("fact")["value"]["estimated cost"]
    assert cost == pytest.approx(150_300) and cost != 150_000


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

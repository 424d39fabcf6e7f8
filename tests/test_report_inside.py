"""The stakeholder report and the model card for a monitor with an estimator, segments and a
contract: "estimated (labels pending)" vs "measured", "Who is affected", the contract line, and
the monitoring plan in the card. Oracles: the result's own tables judged by the rules."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from modellab import scenarios  # noqa: E402
from modellab.monitor import Monitor, MonitorResult  # noqa: E402
from modellab.monitor.rules import MIN_LABELLED  # noqa: E402
from modellab.monitor.segment_rules import ContractViolated, SegmentBehind  # noqa: E402
from modellab.report import model_card, to_html, to_markdown  # noqa: E402
from modellab.report.estimated import ESTIMATED, MEASURED, performance_status  # noqa: E402
from modellab.report.plan import monitoring_plan  # noqa: E402

OWNERS = {"model_owner": "Credit Risk", "validator": "Model Validation",
          "monitoring_operator": "ML Ops", "incident_contact": "Compliance"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    s = scenarios.make("segment_shift", seed=0)
    production = s.production.copy()
    # the last four batches wait for their labels; batch 15 has a few only
    production["default"] = production["default"].where(production["batch"] < 16)
    production.loc[production.index[(production["batch"] == 15).to_numpy()][MIN_LABELLED // 2:],
                   "default"] = np.nan
    store = tmp_path_factory.mktemp("inside") / "m.sqlite"
    monitor = Monitor(s.reference, estimator=True, segments=["region"], contract=True,
                      rules=[SegmentBehind("recall"), ContractViolated()], n_boot=200,
                      store=store)
    return monitor, monitor.run(production), store


def _section(text, title):
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 3)
    return text[start:end if end > 0 else None]


def test_estimated_and_measured_are_told_apart(run):
    _, result, _ = run
    status = performance_status(result.history, "roc_auc")
    labelled = result.history["n_labelled"].to_numpy()
    np.testing.assert_array_equal(status["status"] == MEASURED, labelled >= MIN_LABELLED)
    pending = status[status["status"] == ESTIMATED]
    assert list(pending["batch"]) == [15, 16, 17, 18, 19]
    np.testing.assert_allclose(pending["value"], result.history.loc[pending.index, "estimated_roc_auc"])
    text = _section(to_markdown(result), "ROC-AUC: measured or estimated")
    assert text.count("| estimated (labels pending) |") == 5
    assert text.count("| measured |") == 15
    assert "5 batch(es) have too few outcomes" in text
    last = result.history.iloc[-1]
    assert (f"| 19 | 0 | estimated (labels pending) | {last['estimated_roc_auc']:.2f} | "
            f"{last['estimated_roc_auc_lower']:.2f} to {last['estimated_roc_auc_upper']:.2f} |") in text


def test_who_is_affected_lists_what_the_rule_finds(run):
    _, result, _ = run
    fired = SegmentBehind("recall").evaluate(result.segments)
    assert set(fired["subject"]) == {"east"}  # the scenario's truth: the plant closure region
    md = _section(to_markdown(result), "Who is affected")
    for segment, hits in fired.groupby("subject"):
        assert f"**region = {segment}**" in md
        assert f"in batch {', '.join(str(b) for b in hits['batch'])}" in md
    assert md.count("- **region =") == fired["subject"].nunique()
    html = to_html(result)
    assert 'id="affected"' in html and "<strong>region = east</strong>" in html


def test_contract_line_lists_every_violation():
    bad = scenarios.make("data_quality", seed=0)
    result = Monitor(bad.reference, contract=True).run(bad.production)
    md = _section(to_markdown(result), "Data contract")
    assert len(result.contract) > 0
    assert md.count("\n- Batch ") == len(result.contract)
    for r in result.contract.itertuples(index=False):
        assert f"Batch {r.batch}: `{r.column}` broke {r.check} ({int(r.failures):,} rows" in md


def test_the_report_reads_the_store_the_same(run):
    _, result, store = run
    again = MonitorResult.from_store(store)
    for title in ("ROC-AUC: measured or estimated", "Who is affected", "Data contract"):
        assert _section(to_markdown(again), title) == _section(to_markdown(result), title)
    assert "Every batch (20) conforms to the data contract." in to_markdown(again)


def test_a_plain_monitor_report_has_none_of_these_sections():
    s = scenarios.make("stable", seed=0, n_batches=4)
    md = to_markdown(Monitor(s.reference).run(s.production))
    for title in ("measured or estimated", "Who is affected", "Data contract"):
        assert title not in md


def test_model_card_includes_the_plan(run):
    monitor, result, _ = run
    plan = monitoring_plan(monitor, model="credit-risk", owners=OWNERS,
                           purpose="Rank applications.", label_delay="12 weeks",
                           reference_window="2024", retraining_policy="Retrain yearly.")
    assert plan.segments == ("region",)  # taken from the monitor
    card = model_card("credit-risk", intended_use="Rank applications.", owners="Credit Risk",
                      result=result, plan=plan, date="2025-06-01")
    section = _section(card, "Monitoring plan")
    assert plan.card_text() in section
    for r in plan.signals.itertuples(index=False):
        assert r.rule in section and r.owner in section
    assert "still missing" not in section  # a complete plan
    gappy = monitoring_plan(monitor, model="credit-risk", owners={"model_owner": "Credit Risk"})
    gaps = _section(model_card("m", intended_use="x", owners="o", plan=gappy), "Monitoring plan")
    for gap in gappy.missing():
        assert gap in gaps
    with pytest.raises(TypeError, match="MonitoringPlan"):
        model_card("m", intended_use="x", owners="o", plan={"cadence": "weekly"})
    html = model_card("m", intended_use="x", owners="o", plan=plan, format="html")
    assert "still missing" not in html and plan.cadence in html


def test_performance_status_refuses_a_history_without_estimates():
    with pytest.raises(ValueError, match="estimator=True"):
        performance_status(pd.DataFrame({"batch": [0], "n_labelled": [0], "roc_auc": [0.8]}))
    with pytest.raises(TypeError, match="MonitorResult.history"):
        performance_status([1, 2])

"""The explorers: built headless, driven through their controls, checked through state and outputs."""

from __future__ import annotations

import base64

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from modellab import scenarios
from modellab.metrics import classification_summary, confusion_counts, threshold_table
from modellab.monitor import MissingRateAbove, Monitor
from modellab.widgets import (
    AlertTuner,
    DriftExplorer,
    ThresholdExplorer,
    alert_tuner,
    drift_explorer,
    threshold_explorer,
)

PNG_MAGIC = b"\x89PNG"


def _png(explorer) -> bytes:
    (item,) = explorer.outputs["plot"].outputs
    return base64.b64decode(item["data"]["image/png"])


@pytest.fixture(scope="module")
def stable():
    return scenarios.make("stable", n_reference=2000, n_batches=2, batch_size=1000)


@pytest.fixture(scope="module")
def concept():
    return scenarios.make("concept_drift", n_reference=2000, n_batches=10, batch_size=500)


@pytest.fixture(scope="module")
def concept_result(concept):
    return Monitor(concept.reference, rules=[]).run(concept.production)


# ---------------------------------------------------------------- common behaviour
def test_explorers_are_widgets_with_controls_state_and_outputs(stable):
    import ipywidgets

    ref = stable.reference
    for ex in (
        threshold_explorer(ref["default"], ref["score"]),
        drift_explorer(stable, "income"),
    ):
        assert isinstance(ex, ipywidgets.VBox)
        assert set(ex.outputs) == {"summary", "plot"}
        assert all(isinstance(o, ipywidgets.Output) for o in ex.outputs.values())
        assert _png(ex).startswith(PNG_MAGIC)
        summary = ex.outputs["summary"].outputs[0]["data"]
        assert "<table" in summary["text/html"] and summary["text/plain"] == ex.text
        # The state is a copy: editing it does not change the explorer.
        st = ex.state
        st.clear()
        assert ex.state
        # Every slider only updates when released (they trigger a redraw).
        assert all(
            not c.continuous_update for c in ex.controls.values()
            if isinstance(c, ipywidgets.FloatSlider)
        )


def test_figures_are_closed_after_each_update(stable):
    ref = stable.reference
    before = len(plt.get_fignums())
    ex = threshold_explorer(ref["default"], ref["score"])
    dx = drift_explorer(stable, "age")
    for i in range(4):
        ex.controls["threshold"].value = 0.1 + 0.1 * i
        dx.controls["shift"].value = -1.0 + 0.5 * i
    assert len(plt.get_fignums()) == before


# ---------------------------------------------------------------- threshold explorer
def test_threshold_state_matches_confusion_counts(stable):
    ref = stable.reference
    ex = threshold_explorer(ref["default"], ref["score"], cost_fp=1.0, cost_fn=5.0, threshold=0.2)
    c = confusion_counts(ref["default"], ref["score"], 0.2)
    st = ex.state
    assert (st["tp"], st["fp"], st["tn"], st["fn"]) == (c.tp, c.fp, c.tn, c.fn)
    assert st["recall"] == pytest.approx(c.recall)
    assert st["cost"] == pytest.approx(c.fp * 1.0 + c.fn * 5.0)
    assert st["avg_cost"] == pytest.approx(st["cost"] / len(ref))


def test_raising_the_threshold_lowers_recall_and_changes_the_text(stable):
    ref = stable.reference
    ex = threshold_explorer(ref["default"], ref["score"], threshold=0.2)
    low = ex.state
    text_before = ex.text
    ex.controls["threshold"].value = 0.5
    high = ex.state
    assert high["recall"] < low["recall"]
    assert high["positive_rate"] < low["positive_rate"]
    assert high["fp"] < low["fp"] and high["fn"] > low["fn"]
    assert ex.text != text_before and "Threshold 0.5" in ex.text


def test_costs_move_the_cheapest_threshold_and_the_button_jumps_to_it(stable):
    ref = stable.reference
    ex = threshold_explorer(ref["default"], ref["score"], cost_fp=1.0, cost_fn=1.0)
    balanced = ex.state["best_threshold"]
    ex.controls["cost_fn"].value = 20.0
    # Missing a default now costs 20x a false alarm: flag more, so cut lower.
    assert ex.state["best_threshold"] < balanced
    ex.controls["best"].click()
    assert ex.state["threshold"] == ex.state["best_threshold"]
    assert ex.state["cost"] == pytest.approx(ex.state["best_cost"])
    # No threshold on the grid is cheaper than the one marked.
    table = threshold_table(ref["default"], ref["score"], cost_fp=1.0, cost_fn=20.0)
    assert table["cost"].min() == pytest.approx(ex.state["best_cost"])
    ex.controls["threshold"].value = 0.5
    assert ex.state["cost"] > ex.state["best_cost"]


def test_threshold_explorer_skips_unlabelled_rows_and_accepts_raw_scores():
    y = [0, 1, np.nan, 1, 0, 0]
    ex = threshold_explorer(y, [-2.0, 3.0, 0.0, 1.0, -1.0, 0.5])
    assert ex.state["n"] == 5
    slider = ex.controls["threshold"]
    assert (slider.min, slider.max) == (-2.0, 3.0)
    assert ex.state["threshold"] == 0.5  # median score of the labelled rows


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (([0, 1, 1], [0.2, 0.4]), {}, ValueError, "Length mismatch"),
        (([0, 2, 1], [0.2, 0.4, 0.5]), {}, ValueError, "binary labels"),
        (([np.nan, np.nan], [0.2, 0.4]), {}, ValueError, "no labels"),
        (([0, 1], [0.2, 0.4]), {"cost_fn": -1.0}, ValueError, "cost_fn"),
        (([0, 1], [0.2, 0.4]), {"cost_fp": "one"}, TypeError, "cost_fp"),
        (([0, 1], [0.2, 0.4]), {"threshold": 1.5}, ValueError, "outside"),
    ],
)
def test_threshold_explorer_validates(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        threshold_explorer(*args, **kwargs)


# ---------------------------------------------------------------- drift explorer
def test_bigger_shift_flags_drift_and_moves_the_model(stable):
    ex = drift_explorer(stable, "debt_to_income")
    assert isinstance(ex, DriftExplorer)
    calm = ex.state
    assert not calm["ks_drifted"] and not calm["drifted"]
    # Without a shift the sample is the no-shift sample: the model does not move.
    assert calm["roc_auc_shifted"] == calm["roc_auc_unshifted"]
    text_before = ex.text
    ex.controls["shift"].value = 1.5
    moved = ex.state
    assert moved["ks_drifted"] and moved["wasserstein_drifted"] and moved["drifted"]
    # More debt means more applicants look risky: the model flags more of them.
    assert moved["positive_rate_shifted"] > moved["positive_rate_unshifted"] + 0.05
    assert moved["base_rate_shifted"] > moved["base_rate_unshifted"]
    assert ex.text != text_before
    assert ex.tests.set_index("method").loc["ks", "p_value"] < 0.05


def test_shift_uses_the_scenario_primitive_in_standard_deviations(stable):
    ex = drift_explorer(stable, "income", shift=1.0)
    wasserstein = ex.tests.set_index("method").loc["wasserstein", "statistic"]
    # Income cannot go below 0, and the sample differs from the reference: roughly 1 sd.
    assert 0.8 < wasserstein < 1.2
    # The model metrics equal classification_summary on a sample made with scenarios.custom.
    world = scenarios.custom([scenarios.shift("income", by=1.0).at(scenarios.sudden(0))],
                             seed=stable.seed, n_reference=1, n_batches=1,
                             batch_size=stable.batch_size)
    sample = world.batch(0)
    score = stable.model.predict_proba(sample[stable.features])[:, 1]
    expected = classification_summary(sample["default"], score, stable.threshold)
    assert ex.state["roc_auc_shifted"] == pytest.approx(expected["roc_auc"])
    assert ex.state["positive_rate_shifted"] == pytest.approx(expected["positive_rate"])


def test_categorical_feature_moves_applicants_into_a_level(stable):
    ex = drift_explorer(stable, "age")
    ex.controls["feature"].value = "channel"
    assert ex.state["kind"] == "categorical"
    assert list(ex.tests["method"]) == ["chi2", "psi", "jensen_shannon"]
    assert ex.controls["level"].layout.display is None  # visible now
    ex.controls["level"].value = "online"
    ex.controls["shift"].value = 0.25
    st = ex.state
    assert st["level"] == "online" and st["chi2_drifted"] and st["drifted"]
    assert ex.tests["drifted"].all()
    assert "25% of applicants moved into channel = 'online'" in ex.text
    # A quarter of the applicants moved into 'online': its share rises by about 0.25.
    moved = (ex.sample["channel"] == "online").mean()
    ex.controls["shift"].value = 0.0
    unmoved = (ex.sample["channel"] == "online").mean()
    assert moved - unmoved == pytest.approx(0.25, abs=0.04)
    assert not ex.state["drifted"]
    # Back to a numeric feature: the level list hides and the slider is in sd again.
    ex.controls["feature"].value = "loan_amount"
    assert ex.controls["level"].layout.display == "none"
    assert ex.controls["shift"].min == -3.0 and ex.state["kind"] == "numeric"


def test_drift_explorer_caches_samples(stable):
    ex = drift_explorer(stable, "age")
    ex.controls["shift"].value = 1.0
    first = ex._samples[("age", None, 1.0)]
    ex.controls["shift"].value = 0.0
    ex.controls["shift"].value = 1.0
    assert ex._samples[("age", None, 1.0)] is first


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"feature": "salary"}, ValueError, "unknown feature 'salary'"),
        ({"feature": "age", "shift": 5.0}, ValueError, "outside"),
        ({"feature": "age", "n_shifted": 0}, ValueError, "n_shifted"),
    ],
)
def test_drift_explorer_validates(stable, kwargs, error, match):
    with pytest.raises(error, match=match):
        drift_explorer(stable, **kwargs)


def test_drift_explorer_needs_a_scenario(stable):
    with pytest.raises(TypeError, match="Scenario"):
        drift_explorer(stable.reference)


# ---------------------------------------------------------------- alert tuner
def test_raising_the_auc_floor_adds_false_alarms(concept):
    tuner = alert_tuner(concept, auc_floor=0.6, extra_rules=[])
    assert isinstance(tuner, AlertTuner)
    low = tuner.state
    onset = int(concept.truth["start_batch"].iloc[0])
    text_before = tuner.text
    tuner.controls["auc_floor"].value = 0.95
    high = tuner.state
    assert high["n_alerts"] > low["n_alerts"]
    assert high["false_alarms"] > low["false_alarms"]
    assert set(high["false_alarm_batches"]) <= set(range(onset))
    assert high["detected"] == 1 and high["delays"] == [0]
    assert tuner.text != text_before


def test_alert_scoring_matches_the_alerts(concept):
    tuner = alert_tuner(concept, auc_floor=0.7, extra_rules=[])
    alerts, events = tuner.alerts, tuner.events
    alerted = sorted(set(alerts["batch"]))
    assert tuner.state["alerted_batches"] == alerted
    (event,) = events.itertuples()
    inside = [b for b in alerted if event.start_batch <= b <= event.end_batch]
    assert event.detected == bool(inside)
    if inside:
        assert event.delay == inside[0] - event.start_batch
    assert tuner.state["false_alarms"] == len([b for b in alerted if b < event.start_batch])


def test_sliders_reevaluate_rules_without_rerunning_the_monitor(concept, monkeypatch):
    tuner = alert_tuner(concept)

    def boom(*args, **kwargs):
        raise AssertionError("the monitor ran again")

    monkeypatch.setattr(Monitor, "run", boom)
    for v in (0.5, 0.6, 0.7, 0.8):
        tuner.controls["drift_share"].value = v
    tuner.controls["auc_floor"].value = 0.9
    assert tuner.state["drift_share"] == 0.8


def test_drift_share_ceiling_and_effect_floor(concept):
    s = scenarios.make("covariate_shift_sudden", n_reference=2000, n_batches=10, batch_size=500)
    tuner = alert_tuner(s, extra_rules=[])
    tuner.controls["min_effect"].value = 1.0  # nothing drifts a whole sd
    tuner.controls["score_rise"].value = 0.15
    tuner.controls["auc_floor"].value = 0.5
    tuner.controls["drift_share"].value = 0.0
    loose = tuner.state
    tuner.controls["drift_share"].value = 0.9
    strict = tuner.state
    assert loose["detected"] == 1 and loose["n_alerts"] > strict["n_alerts"]
    assert strict["n_alerts"] == 0 and strict["missed"] == 1 and np.isnan(strict["mean_delay"])


def test_monitor_result_without_truth_shows_alerts_only(concept, concept_result):
    result = concept_result
    tuner = alert_tuner(result, auc_floor=0.9)
    assert tuner.state["has_truth"] is False and tuner.state["false_alarms"] is None
    assert tuner.state["n_alerts"] > 0 and tuner.events.empty
    assert "No ground truth" in tuner.text
    scored = alert_tuner(result, truth=concept.truth, auc_floor=0.9)
    assert scored.state["has_truth"] and scored.state["false_alarms"] > 0


def test_extra_rules_are_evaluated_with_fixed_thresholds():
    s = scenarios.make("data_quality", n_reference=2000, n_batches=12, batch_size=500)
    without = alert_tuner(s, extra_rules=[], min_effect=1.0, score_rise=0.15, drift_share=0.9)
    with_missing = alert_tuner(s, extra_rules=[MissingRateAbove(0.05, relative=True)],
                               min_effect=1.0, score_rise=0.15, drift_share=0.9)
    def detected(tuner):
        events = tuner.events
        return bool(events.loc[events["features"] == ("debt_to_income",), "detected"].item())

    assert detected(with_missing) and not detected(without)


def test_label_delay_is_not_a_drift_event():
    s = scenarios.make("label_delay", n_reference=2000, n_batches=10, batch_size=500)
    tuner = alert_tuner(s)
    assert "label_delay" not in set(tuner.events["kind"])
    # The three events share one window: one row, both kinds named.
    assert len(tuner.events) == 1 and "concept_drift" in tuner.events["kind"].iloc[0]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"auc_floor": 0.3}, ValueError, "outside"),
        ({"drift_share": "high"}, TypeError, "drift_share"),
        ({"extra_rules": ["MissingRateAbove"]}, TypeError, "extra_rules"),
        ({"truth": pd.DataFrame({"x": [1]})}, ValueError, "truth"),
    ],
)
def test_alert_tuner_validates(concept_result, kwargs, error, match):
    with pytest.raises(error, match=match):
        alert_tuner(concept_result, **kwargs)


def test_alert_tuner_needs_a_scenario_or_result(concept):
    with pytest.raises(TypeError, match="Scenario"):
        alert_tuner(concept.production)
    assert isinstance(threshold_explorer([0, 1], [0.1, 0.9]), ThresholdExplorer)


# ---------------------------------------------------------------- figures updated in place
def test_level_is_ignored_while_a_numeric_feature_is_shown(stable):
    # Regression: moving the hidden level list with a numeric feature raised KeyError.
    ex = drift_explorer(stable, "age")
    ex.controls["feature"].value = "channel"
    ex.controls["feature"].value = "credit_history_months"
    ex.controls["shift"].value = 0.5
    before, text = ex.state, ex.text
    for level in ex.controls["level"].options:
        ex.controls["level"].value = level
    assert ex.state == before and ex.text == text
    assert ex.state["level"] is None and ex.controls["shift"].max == 3.0


def test_moved_explorers_draw_the_figure_a_fresh_explorer_draws(stable, concept):
    # Each explorer keeps its figure and updates it in place; after some moves the picture
    # must be the one an explorer built at the final settings draws from scratch.
    ref = stable.reference
    moved = threshold_explorer(ref["default"], ref["score"], cost_fp=1.0, cost_fn=5.0)
    for t in (0.2, 0.7, 0.35):
        moved.controls["threshold"].value = t
    moved.controls["cost_fn"].value = 9.0
    fresh = threshold_explorer(ref["default"], ref["score"], cost_fp=1.0, cost_fn=9.0,
                               threshold=0.35)
    assert moved.state == fresh.state
    assert _png(moved) == _png(fresh)

    moved = drift_explorer(stable, "income")
    moved.controls["feature"].value = "channel"
    moved.controls["feature"].value = "age"
    for shift in (2.0, -1.5, 0.7):
        moved.controls["shift"].value = shift
    fresh = drift_explorer(stable, "age", shift=0.7)
    assert moved.text == fresh.text
    assert _png(moved) == _png(fresh)

    moved = alert_tuner(concept, auc_floor=0.6)
    for floor in (0.9, 0.7):
        moved.controls["auc_floor"].value = floor
    moved.controls["min_effect"].value = 0.5
    fresh = alert_tuner(concept, auc_floor=0.7, min_effect=0.5)
    assert moved.text == fresh.text
    assert _png(moved) == _png(fresh)


def test_categorical_moves_update_the_bars_a_fresh_explorer_draws(stable):
    # A categorical slider or level move sets the shifted bars' heights and the legend in
    # place (blitted over a kept background); the picture and numbers must be the ones an
    # explorer drawing the same settings from scratch shows.
    fresh = drift_explorer(stable, "channel", shift=0.3)
    rarest = fresh.state["level"]
    moved = drift_explorer(stable, "age")
    moved.controls["feature"].value = "channel"
    for level in moved.controls["level"].options:
        moved.controls["level"].value = level
        for shift in (0.4, 0.05):
            moved.controls["shift"].value = shift
    moved.controls["level"].value = rarest
    moved.controls["shift"].value = 0.3
    assert moved.state == fresh.state
    assert moved.text == fresh.text
    assert moved.tests.equals(fresh.tests)
    assert _png(moved) == _png(fresh)


def test_categorical_bars_are_the_samples_shares_and_the_legend_has_two_entries(stable):
    # Regression: each move added a legend entry (bar containers outlived their bars).
    ex = drift_explorer(stable, "channel")
    for shift in (0.1, 0.2, 0.35):
        ex.controls["shift"].value = shift
    ax = ex._figure.axes
    categories = [t.get_text() for t in ax.get_xticklabels()]
    ref_bars, cur_bars = ax.containers
    # Oracle: the shares counted directly from the reference and the shifted sample.
    ref = stable.reference["channel"].value_counts(normalize=True)
    cur = ex.sample["channel"].value_counts(normalize=True)
    assert [b.get_height() for b in ref_bars] == pytest.approx(ref[categories].to_list())
    assert [b.get_height() for b in cur_bars] == pytest.approx(
        cur.reindex(categories, fill_value=0.0).to_list()
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "reference", "shifted (35% moved)"
    ]
    assert ax.get_ylim() == (0.0, 1.0)

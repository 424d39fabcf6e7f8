"""The drift explorer: shift one input of a scenario and watch the tests and the model react."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
import pandas as pd

from modellab import drift as _drift
from modellab import plots, scenarios
from modellab._validate import positive_int
from modellab.metrics import classification_summary
from modellab.metrics._registry import LABELS as METRIC_LABELS
from modellab.widgets._base import Explorer, LiveFigure, fmt, html_output, show, table_html

#: Slider range for numeric features, in reference standard deviations.
MAX_SHIFT_SD = 3.0
#: Tests run on each kind of feature (every univariate test that applies to it).
NUMERIC_TESTS = ("ks", "chi2", "psi", "jensen_shannon", "wasserstein")
CATEGORICAL_TESTS = ("chi2", "psi", "jensen_shannon")
#: Most bars drawn for a categorical feature (plots.distribution pools the rest).
MAX_CATEGORIES = 20
#: Columns of :attr:`DriftExplorer.tests`.
TEST_COLUMNS = ("method", "statistic", "p_value", "threshold", "drifted")
_MODEL_METRICS = ("roc_auc", "positive_rate", "mean_score", "base_rate")


class DriftExplorer(Explorer):
    """Shift one feature of a scenario's world and see the drift tests and the model respond.

    Build it with :func:`drift_explorer`.

    Controls: ``"feature"`` (Dropdown), ``"shift"`` (FloatSlider: reference standard
    deviations for a numeric feature, share of applications moved into ``level`` for a
    categorical one), ``"level"`` (Dropdown of the categorical feature's levels; hidden
    for numeric features).

    State keys: ``feature, kind, shift, level, n_reference, n_shifted, drifted, reason``
    (the :class:`~modellab.drift.DriftDetector` ``auto`` verdict), ``<method>_drifted``
    for each test, and ``<metric>_reference`` (the scenario's reference period),
    ``<metric>_unshifted`` (the same sample without the shift) and ``<metric>_shifted``
    for ``roc_auc``, ``positive_rate`` (share flagged at the scenario's threshold),
    ``mean_score`` and ``base_rate`` (the default rate; names and labels from
    :mod:`modellab.metrics._registry`). :attr:`tests` holds the table of test results and
    :attr:`sample` the shifted sample.
    """

    def __init__(self, scenario, feature=None, shift=0.0, n_shifted=None):
        if not isinstance(scenario, scenarios.Scenario):
            raise TypeError(
                f"scenario must be a modellab Scenario, e.g. scenarios.make('stable'), got "
                f"{type(scenario).__name__}."
            )
        self.scenario = scenario
        feature = scenario.numeric_features[0] if feature is None else feature
        _check_feature(scenario, feature)
        self._n = positive_int(
            scenario.batch_size if n_shifted is None else n_shifted, "n_shifted"
        )
        reference = scenario.reference
        self._ref_metrics = _model_metrics(scenario, reference)
        self._samples: dict[tuple, pd.DataFrame] = {}
        self._unshifted: dict[tuple, dict[str, float]] = {}
        self._detectors: dict[str, _drift.DriftDetector] = {}
        self._tests = pd.DataFrame(columns=list(TEST_COLUMNS))
        self._busy = False
        self._figure = LiveFigure((7, 3.4))
        self._figure.figure.subplots_adjust(left=0.12, right=0.98, bottom=0.2, top=0.88)
        self._drawn_feature = None

        choose = widgets.Dropdown(
            options=list(scenario.features), value=feature, description="feature",
        )
        slider = widgets.FloatSlider(
            value=0.0, min=-MAX_SHIFT_SD, max=MAX_SHIFT_SD, step=0.1, description="shift",
            continuous_update=False, readout_format=".2f", layout=widgets.Layout(width="420px"),
        )
        level = widgets.Dropdown(options=["-"], description="into level")
        controls = {"feature": choose, "shift": slider, "level": level}
        super().__init__(controls, [widgets.HBox([choose, level]), slider])
        self._configure(feature)
        if isinstance(shift, bool) or not isinstance(shift, (int, float, np.integer, np.floating)):
            raise TypeError(f"shift must be a number, got {shift!r}.")
        if not slider.min <= shift <= slider.max:
            raise ValueError(
                f"shift={shift} is outside [{slider.min}, {slider.max}] for {feature!r}: "
                f"pass a shift inside that range."
            )
        slider.value = float(shift)
        choose.observe(self._feature_changed, names="value")
        slider.observe(self._on_change, names="value")
        level.observe(self._on_change, names="value")
        self.refresh()

    # ------------------------------------------------------------------ controls
    def _kind(self, feature: str) -> str:
        return "numeric" if feature in self.scenario.numeric_features else "categorical"

    def _configure(self, feature: str) -> None:
        """Set the slider (range, unit) and the level list for ``feature``."""
        self._busy = True  # one refresh after the whole change, not one per property
        try:
            slider, level = self.controls["shift"], self.controls["level"]
            if self._kind(feature) == "numeric":
                slider.min, slider.max = -MAX_SHIFT_SD, MAX_SHIFT_SD
                slider.step, slider.description = 0.1, "shift (sd)"
                level.layout.display = "none"
            else:
                shares = scenarios.world_stats().proportions[feature]
                rarest = min(shares, key=shares.get)
                level.options = list(shares)
                level.value = rarest
                level.layout.display = None
                slider.min = 0.0
                slider.max = self._max_move(feature, rarest)
                slider.step, slider.description = 0.01, "moved (share)"
        finally:
            self._busy = False

    @staticmethod
    def _max_move(feature: str, level: str) -> float:
        # At most every other applicant can move into the level; keep a margin of 0.01.
        return math.floor((1 - scenarios.world_stats().proportions[feature][level]) * 100) / 100 - 0.01

    def _feature_changed(self, change) -> None:
        self._configure(change["new"])
        self.refresh()

    def _on_change(self, change) -> None:
        if self._busy:
            return
        if change["owner"] is self.controls["level"]:
            if self._kind(self.controls["feature"].value) == "numeric":
                return  # the level is hidden and unused for a numeric feature: nothing changes
            self._busy = True
            try:
                feature = self.controls["feature"].value
                self.controls["shift"].max = self._max_move(feature, change["new"])
            finally:
                self._busy = False
        self.refresh()

    # ------------------------------------------------------------------ computing
    def _shifted(self, feature: str, amount: float, level: str | None) -> pd.DataFrame:
        """A production-like sample with ``feature`` shifted, generated by the scenario's world.

        The shift is applied by the scenarios module's own primitives (``shift`` or
        ``change_mix``) before outcomes are drawn, so defaults follow the new inputs as
        they would in the world. Every amount reuses the same random stream, so moving the
        slider changes only the shift, not the sample.
        """
        key = (feature, level, round(amount, 6))
        if key not in self._samples:
            if level is None:
                primitive = scenarios.shift(feature, by=amount)
            else:
                base = scenarios.world_stats().proportions[feature][level]
                primitive = scenarios.change_mix(feature, {level: min(1.0, base + amount)})
            world = scenarios.custom(
                [primitive.at(scenarios.sudden(0))], seed=self.scenario.seed,
                n_reference=1, n_batches=1, batch_size=self._n,
            )
            self._samples[key] = world.batch(0)
        return self._samples[key]

    def _detector(self, feature: str) -> _drift.DriftDetector:
        if feature not in self._detectors:
            self._detectors[feature] = _drift.DriftDetector().fit(
                self.scenario.reference[[feature]]
            )
        return self._detectors[feature]

    def refresh(self) -> None:
        feature = self.controls["feature"].value
        kind = self._kind(feature)
        amount = float(self.controls["shift"].value)
        level = self.controls["level"].value if kind == "categorical" else None
        ref = self.scenario.reference[feature]
        sample = self._shifted(feature, amount, level)
        cur = sample[feature]
        names = NUMERIC_TESTS if kind == "numeric" else CATEGORICAL_TESTS
        options = {} if kind == "numeric" else {"kind": "categorical"}
        results = [_drift.run_test(m, ref, cur, **options) for m in names]
        self._tests = pd.DataFrame(
            [
                {
                    "method": r.method, "statistic": r.statistic,
                    "p_value": np.nan if r.p_value is None else r.p_value,
                    "threshold": r.threshold, "drifted": bool(r.drifted),
                }
                for r in results
            ],
            columns=list(TEST_COLUMNS),
        )
        auto = self._detector(feature).test(sample[[feature]]).iloc[0]
        shifted = _model_metrics(self.scenario, sample)
        if (feature, level) not in self._unshifted:
            self._unshifted[feature, level] = _model_metrics(
                self.scenario, self._shifted(feature, 0.0, level)
            )
        unshifted = self._unshifted[feature, level]
        state = {
            "feature": feature, "kind": kind, "shift": amount, "level": level,
            "n_reference": int(ref.notna().sum()), "n_shifted": int(cur.notna().sum()),
            "drifted": bool(auto["drifted"]), "reason": str(auto["reason"]),
        }
        state.update({f"{r.method}_drifted": bool(r.drifted) for r in results})
        for m in _MODEL_METRICS:
            state[f"{m}_reference"] = self._ref_metrics[m]
            state[f"{m}_unshifted"] = unshifted[m]
            state[f"{m}_shifted"] = shifted[m]
        self._state = state
        self._draw_summary()
        self._draw_plot(ref, cur)

    @property
    def sample(self) -> pd.DataFrame:
        """The shifted sample currently shown (features, ``default``, ``score``, ...)."""
        st = self._state
        return self._shifted(st["feature"], st["shift"], st["level"]).copy()

    @property
    def tests(self) -> pd.DataFrame:
        """The drift tests on the current shift: columns ``method, statistic, p_value,
        threshold, drifted`` (``p_value`` is NaN for distances)."""
        return self._tests.copy()

    # ------------------------------------------------------------------ drawing
    def _shift_text(self) -> str:
        st = self._state
        if st["kind"] == "numeric":
            return f"{st['feature']} shifted by {st['shift']:+.2f} reference standard deviations"
        return f"{st['shift']:.0%} of applicants moved into {st['feature']} = {st['level']!r}"

    def _draw_summary(self) -> None:
        st = self._state
        verdict = "drifted" if st["drifted"] else "no drift"
        line = (
            f"{self._shift_text()}: {sum(self._tests['drifted'])} of {len(self._tests)} tests "
            f"flag drift; DriftDetector (auto): {verdict} ({st['reason']}). "
            f"Same sample without / with the shift: ROC-AUC {fmt(st['roc_auc_unshifted'])} -> "
            f"{fmt(st['roc_auc_shifted'])}, flag rate {fmt(st['positive_rate_unshifted'], '.1%')}"
            f" -> {fmt(st['positive_rate_shifted'], '.1%')}."
        )
        model = pd.DataFrame({
            "metric": [METRIC_LABELS[m] for m in _MODEL_METRICS],
            "reference period": [st[f"{m}_reference"] for m in _MODEL_METRICS],
            "sample, no shift": [st[f"{m}_unshifted"] for m in _MODEL_METRICS],
            "sample, shifted": [st[f"{m}_shifted"] for m in _MODEL_METRICS],
        })
        formats = {"statistic": ".4g", "p_value": ".3g", "threshold": ".3g"}
        markup = (
            f"<p>{line}</p><div style='display:flex;gap:2em;flex-wrap:wrap'>"
            f"<div><b>Drift tests</b>{table_html(self._tests, formats)}</div>"
            f"<div><b>Model on the shifted sample</b>"
            f"{table_html(model, dict.fromkeys(model.columns[1:], '.3f'))}</div></div>"
        )
        text = "\n".join([line, self._tests.to_string(index=False), model.to_string(index=False)])
        show(self.outputs["summary"], html_output(markup, text))

    def _draw_plot(self, ref: pd.Series, cur: pd.Series) -> None:
        st = self._state
        categorical = st["kind"] == "categorical"
        label = f"shifted ({st['shift']:.0%} moved)" if categorical else (
            f"shifted ({st['shift']:+.2f} sd)"
        )
        # A categorical feature's axes stay put (fixed share axis): its frame, ticks and
        # titles are kept as a blitted background and only the bars and legend are drawn.
        self._figure.blit = categorical
        ax = self._figure.axes
        with self._figure.drawing():  # the same figure, its one axes updated or drawn afresh
            if not (categorical and self._move_bars(ref, cur, label)):
                # The axes and its ticks are kept while the same feature is redrawn.
                self._figure.clear(ax, keep_axes=st["feature"] == self._drawn_feature)
                self._drawn_feature = st["feature"]
                plots.distribution(ref, cur, ax=ax, labels=("reference", label),
                                   title=f"{st['feature']}: reference vs shifted",
                                   max_categories=MAX_CATEGORIES)
                ax.tick_params(axis="x", rotation=20 if categorical else 0)
                if categorical:
                    ax.set_ylim(0.0, 1.0)  # shares: 0-100%, the same scale wherever the slider is
        show(self.outputs["plot"], self._figure.output(f"<Figure: {self._shift_text()}>"))

    def _move_bars(self, ref: pd.Series, cur: pd.Series, label: str) -> bool:
        """Set the shifted bars' heights and legend label in place, as
        :func:`modellab.plots.distribution` would draw them; False when the figure shows
        another feature or other categories (then it is drawn afresh)."""
        ax = self._figure.axes
        if self._drawn_feature != self._state["feature"] or len(ax.containers) != 2:
            return False
        cats, _, cur_share = plots._category_shares(ref.dropna(), cur.dropna(), MAX_CATEGORIES)
        shifted = ax.containers[1]
        if [t.get_text() for t in ax.get_xticklabels()] != [str(c) for c in cats]:
            return False
        for bar, share in zip(shifted, cur_share, strict=True):
            bar.set_height(share)
        shifted.set_label(label)
        ax.get_legend().get_texts()[1].set_text(label)
        return True


def _check_feature(scenario, feature) -> None:
    if not isinstance(feature, str) or feature not in scenario.features:
        raise ValueError(
            f"unknown feature {feature!r}: choose one of the scenario's features "
            f"{scenario.features}."
        )


def _model_metrics(scenario, frame: pd.DataFrame) -> dict[str, float]:
    """ROC-AUC, flag rate, mean score and default rate of ``scenario.model`` on ``frame``."""
    score = scenario.model.predict_proba(frame[scenario.features])[:, 1]
    summary = classification_summary(
        frame[scenario.target], score, scenario.threshold,
        metrics=["roc_auc", "positive_rate", "base_rate"],
    )
    return {
        "roc_auc": float(summary["roc_auc"]),
        "positive_rate": float(summary["positive_rate"]),
        "mean_score": float(score.mean()),
        "base_rate": float(summary["base_rate"]),
    }


def drift_explorer(scenario, feature: str | None = None, *, shift: float = 0.0,
                   n_shifted: int | None = None) -> DriftExplorer:
    """Explore data drift: shift one feature and see the tests, the verdict and the model move.

    The shifted sample is a fresh draw of ``n_shifted`` applications from the
    scenario's lending world with the shift applied by the scenarios module's own
    primitives: :func:`~modellab.scenarios.shift` (numeric: by a number of reference
    standard deviations, clipped to the feature's valid range) or
    :func:`~modellab.scenarios.change_mix` (categorical: the slider is the share of
    applicants moved into the chosen level, i.e. the total variation distance between
    the two mixes). Outcomes are drawn after the shift, so defaults follow the new
    applicants: the flag rate and default rate move with risky features, while ROC-AUC
    moves only as far as the model's ranking is affected. The sample is scored with
    ``scenario.model`` at ``scenario.threshold``, and compared with the same sample
    without the shift (same applicants before the shift, same random outcomes), so the
    difference is the effect of the shift and not sampling noise.

    When the slider moves, only the new sample (a few milliseconds to generate), the
    tests and the figure are computed; samples, the reference metrics and the fitted
    drift detector are cached. For a categorical feature the share axis stays at 0-100%
    and only the shifted bars' heights and the legend change, drawn over a kept picture of
    the axes.

    Parameters
    ----------
    scenario : Scenario
        From :func:`modellab.scenarios.make` or :func:`modellab.scenarios.custom`.
    feature : str, optional
        Feature shown first (default: the first numeric feature).
    shift : float, default 0.0
        Where the slider starts.
    n_shifted : int, optional
        Rows in the shifted sample (default: ``scenario.batch_size``, one production batch).

    Returns
    -------
    DriftExplorer
        A widget with ``.controls`` (``feature``, ``shift``, ``level``), ``.state``,
        ``.sample`` (the shifted sample),
        ``.tests`` (one row per drift test: ``method, statistic, p_value, threshold,
        drifted``), ``.outputs["summary"]`` (a summary line, the tests table and the model
        table) and ``.outputs["plot"]`` (reference vs shifted distribution).

    Examples
    --------
    >>> from modellab import scenarios
    >>> s = scenarios.make("stable", n_reference=1000, n_batches=2, batch_size=500)
    >>> ex = drift_explorer(s, "debt_to_income")
    >>> ex.state["ks_drifted"]
    False
    >>> ex.controls["shift"].value = 1.0
    >>> ex.state["ks_drifted"], ex.state["positive_rate_shifted"] > ex.state["positive_rate_unshifted"]
    (True, True)
    """
    return DriftExplorer(scenario, feature, shift, n_shifted)

"""Alert rules: small frozen objects that turn a monitoring history into alerts.

Every rule has a readable ``repr`` and ``evaluate(history, reference)``, which
returns one alert row for every batch of ``history`` on which it fires (columns
:data:`ALERT_COLUMNS`). A rule only reads batches up to the one it judges, so the
:class:`~modellab.monitor.Monitor` gets the same alerts whether it processes all
batches at once or one at a time after a crash; a widget can re-evaluate a rule
with another threshold over a stored history in milliseconds.

Label delay
-----------
Metrics that need labels (``roc_auc``, ``precision``, ``recall``, ``f1``,
``accuracy``, ``pr_auc``, ``brier``, ``base_rate``) are computed on the rows whose
label has arrived. A metric rule never fires on a batch with fewer than
``min_labelled`` labelled rows (default :data:`MIN_LABELLED`, 200): a metric on a
handful of early labels is noise, and "no labels yet" is not a performance drop.
Label-free metrics (``positive_rate``, ``mean_score``) are judged on every batch.

Default rules
-------------
:func:`default_rules` returns

* ``MetricDropFrom("roc_auc", by=0.10)`` (critical): ranking quality fell 0.10
  below the reference. On 1,000 labelled loans (about 110 defaults) ROC-AUC wanders
  by about 0.025 from batch to batch, so a 0.05 floor raises false alarms; 0.10 is
  about four standard errors;
* ``MetricRiseFrom("base_rate", by=0.05)`` (warning): the observed default rate
  (share of positive labels) rose 5 points above the reference - prior shift;
* ``MetricRiseFrom("mean_score", by=0.03)`` (warning): the model's mean score rose 3
  points - visible before any label arrives;
* ``DriftShareAbove(0.3)`` (warning): more than 30% of the monitored features
  drifted in the same batch;
* ``FeatureDrifted(min_effect=0.2)`` (warning): some feature drifted by a large
  amount - 0.2 reference standard deviations (numeric) or a Jensen-Shannon
  distance of 0.2 (categorical) - such as a unit change or a new category;
* ``MissingRateAbove(0.05, relative=True)`` (warning): a feature has 5 points more
  missing or infinite values than in the reference - a broken pipeline.

Examples
--------
>>> import pandas as pd
>>> history = pd.DataFrame({"batch": [0, 1], "n_labelled": [500, 500], "roc_auc": [0.80, 0.70]})
>>> rule = MetricBelow("roc_auc", 0.75)
>>> rule
MetricBelow('roc_auc', 0.75, severity='critical', min_labelled=200)
>>> rule.evaluate(history, {"roc_auc": 0.81}).message.tolist()
['Batch 1: ROC-AUC fell to 0.70, below the 0.75 floor (reference 0.81).']
"""

from __future__ import annotations

import copy
import pathlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np
import pandas as pd

from modellab._validate import Interval
from modellab.metrics import _registry

#: Columns of every alerts table.
ALERT_COLUMNS = ["batch", "rule", "kind", "subject", "value", "threshold", "severity", "message"]

#: Fewest labelled rows a batch needs before a metric rule may judge it.
MIN_LABELLED = 200

#: Metrics the monitor computes on rows whose label has arrived, in history order.
LABELLED_METRICS: tuple[str, ...] = (
    "roc_auc", "pr_auc", "accuracy", "precision", "recall", "f1", "brier", "base_rate",
)
#: Metrics computed on every row, labelled or not (the registry's label-free metrics).
LABEL_FREE_METRICS: tuple[str, ...] = tuple(
    n for n, m in _registry.METRICS.items() if not m.needs_labels)
#: Every metric a metric rule may name.
METRICS: tuple[str, ...] = LABELLED_METRICS + LABEL_FREE_METRICS

#: Readable names in messages (:data:`modellab.metrics._registry.LABELS`).
LABELS: dict[str, str] = {m: _registry.LABELS[m] for m in METRICS}
SEVERITIES = ("info", "warning", "critical")


def alerts_frame(rows: list[dict]) -> pd.DataFrame:
    """Alert rows as a DataFrame with :data:`ALERT_COLUMNS` (also when there are none)."""
    return pd.DataFrame(rows, columns=ALERT_COLUMNS).astype({"value": float, "threshold": float})


def _fmt(metric: str, value: float) -> str:
    # Shares read better as percentages for a manager; scores stay as 0.xx (the registry says).
    if metric.startswith("missing"):
        return f"{value:.1%}"
    return _registry.METRICS[metric].format(value)


def _fmt_diff(metric: str, diff: float) -> str:
    # A difference of two shares is in percentage points, not percent.
    return _registry.METRICS[metric].format_difference(diff)


def _check_metric(metric) -> str:
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a metric name such as 'roc_auc', got {metric!r}.")
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r} in an alert rule. Valid metrics: {list(METRICS)}.")
    return metric


_NUMBER = Interval("real")
_POSITIVE = Interval("real", 0, None, closed="neither")


def _check_number(value, name: str, *, positive: bool = False) -> float:
    return (_POSITIVE if positive else _NUMBER)(value, name)


def _check_share(threshold, of: str) -> None:
    if not 0 <= _check_number(threshold, "threshold") < 1:
        raise ValueError(f"threshold is a share of {of} between 0 and 1, got {threshold!r}.")


def _batch_label(batch) -> str:
    return f"Batch {batch}"


class Rule:
    """Base of every alert rule (subclasses are frozen dataclasses)."""

    kind: ClassVar[str] = "rule"
    #: Whether the verdict on a batch reads earlier batches (``False``: its own row only).
    needs_history: ClassVar[bool] = False
    #: Whether the rule reads per-feature results (the long drift rows, see :meth:`evaluate`).
    reads_features: ClassVar[bool] = False

    @property
    def name(self) -> str:
        """Stable identifier written in the ``rule`` column of alerts (unique within a monitor).

        Built from :meth:`to_dict` (the rule's type and every setting, a detector by its
        type and parameters), not from ``repr``: it changes only when a setting does.

        >>> MetricBelow("recall", 0.5).name
        "MetricBelow(metric='recall', threshold=0.5, severity='critical', min_labelled=200)"
        """
        spec = self.to_dict()
        kind = spec.pop("type")
        parts = []
        for key, value in spec.items():
            if key == "params":
                continue
            if key == "detector":
                params = ", ".join(f"{k}={v!r}" for k, v in spec.get("params", {}).items())
                value = f"{value}({params})"
                parts.append(f"{key}={value}")
            else:
                parts.append(f"{key}={value!r}")
        return f"{kind}({', '.join(parts)})"

    def evaluate(self, history: pd.DataFrame, reference: Mapping[str, float] | None = None,
                 *, drift: pd.DataFrame | None = None) -> pd.DataFrame:
        """Return the alerts this rule raises on ``history`` (one row per firing batch).

        Parameters
        ----------
        history : DataFrame
            :attr:`MonitorResult.history`, in batch order.
        reference : mapping, optional
            Reference metrics (:attr:`MonitorResult.reference`), needed by relative rules.
        drift : DataFrame, optional
            The long per-feature rows (:attr:`MonitorResult.drift`: ``batch``, ``column``,
            ``drifted``, ``effect_size``, ``missing_rate``, ``nonfinite_rate``). Rules on
            features (drift share, drifted features, missing values) read them when given
            (the :class:`~modellab.monitor.Monitor` always passes them), so no feature name
            is parsed out of a column name; without them they read the history's wide view
            (``drift_<f>``, ``effect_<f>``, ``missing_<f>``, ``nonfinite_<f>``).
        """
        return alerts_frame(self.alert_rows(history, reference, drift=drift))

    def alert_rows(self, history: pd.DataFrame, reference: Mapping[str, float] | None = None,
                   *, drift: pd.DataFrame | None = None) -> list[dict]:
        """Like :meth:`evaluate`, as a list of dicts (cheaper inside a monitoring loop)."""
        if not isinstance(history, pd.DataFrame):
            raise TypeError(f"history must be a DataFrame (MonitorResult.history), got {type(history).__name__}.")
        if "batch" not in history.columns:
            raise ValueError("history has no 'batch' column: pass MonitorResult.history.")
        reference = {} if reference is None else dict(reference)
        if not isinstance(history.index, pd.RangeIndex) or history.index.start != 0:
            history = history.reset_index(drop=True)
        if not self.reads_features:
            return self._fire(history, reference)
        if drift is not None:
            if not isinstance(drift, pd.DataFrame):
                raise TypeError(f"drift must be a DataFrame (MonitorResult.drift), got {type(drift).__name__}.")
            missing = [c for c in ("batch", "column") if c not in drift.columns]
            if missing:
                raise ValueError(f"drift has no {missing} column(s): pass MonitorResult.drift.")
        return self._fire(history, reference, drift)

    def _alert(self, batch, subject, value, threshold, message) -> dict:
        return {
            "batch": batch, "rule": self.name, "kind": self.kind, "subject": subject,
            "value": float(value), "threshold": float(threshold), "severity": self.severity,
            "message": message,
        }

    def _fire(self, history: pd.DataFrame, reference: dict) -> list[dict]:  # pragma: no cover
        raise NotImplementedError

    def to_dict(self) -> dict:
        """A plain mapping that :func:`rule_from_dict` turns back into this rule."""
        out = {"type": type(self).__name__}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "detector":
                out["detector"] = type(value).__name__
                out["params"] = _detector_params(value)
            elif value is not None:
                out[f.name] = value
        return out


def _check_severity(severity) -> None:
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {list(SEVERITIES)}, got {severity!r}.")


def _metric_series(rule, history: pd.DataFrame) -> pd.Series:
    """The metric per batch, NaN where too few labels arrived for a labelled metric."""
    if rule.metric not in history.columns:
        raise ValueError(
            f"history has no {rule.metric!r} column: the monitor did not compute it "
            f"(check the rule's metric name)."
        )
    values = history[rule.metric].astype(float)
    if rule.metric in LABELLED_METRICS and "n_labelled" in history.columns:
        values = values.where(history["n_labelled"].astype(float) >= rule.min_labelled)
    return values


def _check_metric_rule(rule) -> None:
    _check_metric(rule.metric)
    _check_severity(rule.severity)
    if isinstance(rule.min_labelled, bool) or not isinstance(rule.min_labelled, (int, np.integer)) or rule.min_labelled < 1:
        raise ValueError(f"min_labelled must be a whole number >= 1, got {rule.min_labelled!r}.")


def _known(ref) -> bool:
    return ref is not None and not np.isnan(ref)


def _reference_value(rule, reference) -> float:
    ref = reference.get(rule.metric)
    if not _known(ref):
        raise ValueError(
            f"{rule!r} compares with the reference, but the reference has no {rule.metric!r} "
            f"value: pass the reference metrics (MonitorResult.reference)."
        )
    return float(ref)


@dataclass(frozen=True)
class _Direction:
    """What a rule on a floor and a rule on a ceiling say differently."""

    sign: int  # -1: fires below the limit, +1: above it
    verb: str
    side: str
    limit: str
    change: str

    def beyond(self, values: pd.Series, limit: float) -> pd.Series:
        return values < limit if self.sign < 0 else values > limit


_DOWN = _Direction(-1, "fell", "below", "floor", "drops")
_UP = _Direction(+1, "rose", "above", "ceiling", "rises")


class _MetricRule(Rule):
    """Shared body of the four metric rules: each states only its direction (and a default)."""

    kind: ClassVar[str] = "performance"
    _direction: ClassVar[_Direction]

    def _fire(self, history, reference):
        # The limit first: a relative rule names a missing reference before a missing column.
        limit = self._limit(reference)
        values = _metric_series(self, history)
        out = []
        for i in np.flatnonzero(self._direction.beyond(values, limit).to_numpy()):
            b, v = history.at[i, "batch"], values.iat[i]
            out.append(self._alert(b, self.metric, v, limit, self._message(b, v, limit, reference)))
        return out

    def _opening(self, batch, value) -> str:
        d = self._direction
        return f"{_batch_label(batch)}: {LABELS[self.metric]} {d.verb} to {_fmt(self.metric, value)}, "

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.metric!r}, {self._limit_arg()}, "
            f"severity={self.severity!r}, min_labelled={self.min_labelled})"
        )


@dataclass(frozen=True, repr=False)
class _AbsoluteMetricRule(_MetricRule):
    """A metric rule with a fixed ``threshold``."""

    metric: str
    threshold: float
    severity: str = "warning"
    min_labelled: int = MIN_LABELLED

    def __post_init__(self):
        _check_metric_rule(self)
        _check_number(self.threshold, "threshold")

    def _limit(self, reference) -> float:
        return self.threshold

    def _limit_arg(self) -> str:
        return repr(self.threshold)

    def _message(self, batch, value, limit, reference) -> str:
        m, d, ref = self.metric, self._direction, reference.get(self.metric)
        return (
            f"{self._opening(batch, value)}{d.side} the {_fmt(m, limit)} {d.limit}"
            + (f" (reference {_fmt(m, ref)})." if _known(ref) else ".")
        )


@dataclass(frozen=True, repr=False)
class _RelativeMetricRule(_MetricRule):
    """A metric rule whose limit is the reference value moved ``by`` in its direction."""

    metric: str
    by: float
    severity: str = "warning"
    min_labelled: int = MIN_LABELLED

    def __post_init__(self):
        _check_metric_rule(self)
        _check_number(self.by, "by", positive=True)

    def _limit(self, reference) -> float:
        return _reference_value(self, reference) + self._direction.sign * self.by

    def _limit_arg(self) -> str:
        return f"by={self.by!r}"

    def _message(self, batch, value, limit, reference) -> str:
        m, d, ref = self.metric, self._direction, _reference_value(self, reference)
        return (
            f"{self._opening(batch, value)}{_fmt_diff(m, d.sign * (value - ref))} {d.side} "
            f"the reference {_fmt(m, ref)} (alert when it {d.change} by more than "
            f"{_fmt_diff(m, self.by)})."
        )


@dataclass(frozen=True, repr=False)
class MetricBelow(_AbsoluteMetricRule):
    """Fires when ``metric`` falls below an absolute ``threshold`` (a floor)."""

    severity: str = "critical"  # overrides the default; the field keeps its place
    _direction: ClassVar[_Direction] = _DOWN


@dataclass(frozen=True, repr=False)
class MetricAbove(_AbsoluteMetricRule):
    """Fires when ``metric`` rises above an absolute ``threshold`` (a ceiling)."""

    _direction: ClassVar[_Direction] = _UP


@dataclass(frozen=True, repr=False)
class MetricDropFrom(_RelativeMetricRule):
    """Fires when ``metric`` falls more than ``by`` below its reference value."""

    severity: str = "critical"  # overrides the default; the field keeps its place
    _direction: ClassVar[_Direction] = _DOWN


@dataclass(frozen=True, repr=False)
class MetricRiseFrom(_RelativeMetricRule):
    """Fires when ``metric`` rises more than ``by`` above its reference value."""

    _direction: ClassVar[_Direction] = _UP


#: Per-feature field of the long drift rows -> prefix of its wide history column.
_WIDE = {"drifted": "drift_", "effect_size": "effect_", "missing_rate": "missing_",
         "nonfinite_rate": "nonfinite_"}


class _PerFeature:
    """``{feature: value}`` of one batch for a field of the drift rows: from the long drift
    rows when given (feature names are values, never parsed), else from the history's wide
    view (columns ``<prefix><feature>``; ``drift_share`` is not a feature)."""

    def __init__(self, history: pd.DataFrame, drift: pd.DataFrame | None):
        self.history, self.drift = history, drift
        if drift is None:
            wide = [c for c in history.columns if c.startswith("drift_") and c != "drift_share"]
            self.features = [c.removeprefix("drift_") for c in wide]
            if not self.features:  # a hand-made history with missing rates only
                self.features = [c.removeprefix("missing_") for c in history.columns
                                 if c.startswith("missing_")]
        else:
            self.features = list(dict.fromkeys(drift["column"]))
            self._rows = {b: rows for b, rows in drift.groupby("batch", sort=False)}

    def __call__(self, i: int, field: str, features) -> dict:
        if self.drift is None:
            prefix = _WIDE[field]
            return {f: self.history.at[i, prefix + f] for f in features
                    if prefix + f in self.history.columns}
        rows = self._rows.get(self.history.at[i, "batch"])
        if rows is None or field not in rows.columns:
            return {}
        values = dict(zip(rows["column"], rows[field], strict=True))
        return {f: values[f] for f in features if f in values}


def _unknown_feature(rule, monitored: list[str]) -> ValueError:
    return ValueError(f"{rule!r}: {rule.feature!r} is not a monitored feature. Monitored: {monitored}.")


def _also(hits, worst) -> str:
    """The other features a one-alert-per-batch rule names after the worst one."""
    others = [f for f in hits if f != worst]
    return f"; also {', '.join(others)}" if others else ""


@dataclass(frozen=True)
class DriftShareAbove(Rule):
    """Fires when more than ``threshold`` (a share, 0-1) of the features drifted in a batch."""

    threshold: float
    severity: str = "warning"
    kind: ClassVar[str] = "drift"

    def __post_init__(self):
        _check_severity(self.severity)
        _check_share(self.threshold, "features")

    reads_features: ClassVar[bool] = True

    def _fire(self, history, reference, drift=None):
        if "drift_share" not in history.columns:
            raise ValueError("history has no 'drift_share' column: pass MonitorResult.history.")
        per_feature = _PerFeature(history, drift)
        out = []
        share = history["drift_share"].astype(float)
        for i in np.flatnonzero((share > self.threshold).to_numpy()):
            b = history.at[i, "batch"]
            flags = per_feature(i, "drifted", per_feature.features)
            drifted = [f for f, flag in flags.items() if bool(flag)]
            listed = f": {', '.join(drifted)}" if drifted else ""
            msg = (
                f"{_batch_label(b)}: {len(drifted)} of {len(flags)} features ({share.iat[i]:.0%}) "
                f"drifted from the reference, above the {self.threshold:.0%} limit{listed}."
            )
            out.append(self._alert(b, "drift_share", share.iat[i], self.threshold, msg))
        return out

    def __repr__(self):
        return f"DriftShareAbove({self.threshold!r}, severity={self.severity!r})"


@dataclass(frozen=True)
class FeatureDrifted(Rule):
    """Fires when the drift test flags ``feature`` with an effect size of at least ``min_effect``.

    ``feature=None`` watches every monitored feature (one alert per batch, naming the
    largest drift). The effect size is the drift detector's: Wasserstein distance in
    reference standard deviations for numeric features, Jensen-Shannon distance (0-1)
    for categorical ones. ``min_effect=None`` accepts any flagged drift.
    """

    feature: str | None = None
    min_effect: float | None = None
    severity: str = "warning"
    kind: ClassVar[str] = "drift"

    def __post_init__(self):
        _check_severity(self.severity)
        if self.feature is not None and (not isinstance(self.feature, str) or not self.feature):
            raise TypeError(f"feature must be a column name such as 'income' or None, got {self.feature!r}.")
        if self.min_effect is not None:
            _check_number(self.min_effect, "min_effect")

    reads_features: ClassVar[bool] = True

    def _fire(self, history, reference, drift=None):
        per_feature = _PerFeature(history, drift)
        features = per_feature.features
        if self.feature is not None:
            if self.feature not in features:
                raise _unknown_feature(self, features)
            features = [self.feature]
        out = []
        for i in range(len(history)):
            hits = {}
            flags = per_feature(i, "drifted", features)
            effects = per_feature(i, "effect_size", features)
            for f, flag in flags.items():
                e = float(effects.get(f, np.nan))
                if bool(flag) and (self.min_effect is None or abs(e) >= self.min_effect):
                    hits[f] = e
            if not hits:
                continue
            worst = max(hits, key=lambda f: -np.inf if np.isnan(hits[f]) else abs(hits[f]))
            b, e = history.at[i, "batch"], hits[worst]
            size = f" (effect size {e:.2f})" if not np.isnan(e) else ""
            msg = f"{_batch_label(b)}: {worst} drifted from the reference{size}{_also(hits, worst)}."
            thr = self.min_effect if self.min_effect is not None else np.nan
            out.append(self._alert(b, worst, e, thr, msg))
        return out

    def __repr__(self):
        args = [repr(self.feature)] if self.feature is not None else []
        if self.min_effect is not None:
            args.append(f"min_effect={self.min_effect!r}")
        args.append(f"severity={self.severity!r}")
        return f"FeatureDrifted({', '.join(args)})"


@dataclass(frozen=True)
class MissingRateAbove(Rule):
    """Fires when a feature's share of unusable values (missing or non-finite) exceeds ``threshold``.

    A value is unusable when it is missing (``NaN``) or infinite (``+-inf``, e.g. a ratio
    with a zero denominator): the drift tests only see the finite rest, so a batch whose
    feature is all ``inf`` is a data-quality failure this rule reports (history columns
    ``missing_<f>`` and ``nonfinite_<f>``; a history without ``nonfinite_<f>`` counts none).
    ``feature=None`` watches every monitored feature (one alert per batch, naming the
    worst). With ``relative=True`` the limit is the reference's unusable share plus
    ``threshold``, so a feature that is always 3% empty does not alert.
    """

    threshold: float
    feature: str | None = None
    relative: bool = False
    severity: str = "warning"
    kind: ClassVar[str] = "data_quality"

    def __post_init__(self):
        _check_severity(self.severity)
        _check_share(self.threshold, "rows")
        if self.feature is not None and (not isinstance(self.feature, str) or not self.feature):
            raise TypeError(f"feature must be a column name or None, got {self.feature!r}.")

    reads_features: ClassVar[bool] = True

    def _fire(self, history, reference, drift=None):
        per_feature = _PerFeature(history, drift)
        features = per_feature.features
        if self.feature is not None:
            if self.feature not in features:
                raise _unknown_feature(self, features)
            features = [self.feature]

        def rates(missing, nonfinite):
            missing = float(0.0 if missing is None else missing)
            nonfinite = 0.0 if nonfinite is None or np.isnan(nonfinite) else float(nonfinite)
            return missing + nonfinite, nonfinite

        refs = {f: rates(reference.get(f"missing_{f}", 0.0), reference.get(f"nonfinite_{f}"))[0]
                for f in features}
        limits = {f: self.threshold + (refs[f] if self.relative else 0.0) for f in features}
        out = []
        for i in range(len(history)):
            missing = per_feature(i, "missing_rate", features)
            nonfinite = per_feature(i, "nonfinite_rate", features)
            now = {f: rates(m, nonfinite.get(f)) for f, m in missing.items()}
            over = {f: v for f, (v, _) in now.items() if v > limits[f]}
            if not over:
                continue
            worst = max(over, key=over.get)
            b = history.at[i, "batch"]
            ref_txt = (f" (reference {refs[worst]:.1%})"
                       if f"missing_{worst}" in reference and not np.isnan(refs[worst]) else "")
            inf = now[worst][1]
            what = ("missing" if not inf else "infinite" if inf == over[worst]
                    else f"missing or infinite ({inf:.1%} infinite)")
            msg = (
                f"{_batch_label(b)}: {over[worst]:.1%} of {worst} values are {what}, above the "
                f"{limits[worst]:.1%} limit{ref_txt}{_also(over, worst)}."
            )
            out.append(self._alert(b, worst, over[worst], limits[worst], msg))
        return out

    def __repr__(self):
        extra = f", feature={self.feature!r}" if self.feature is not None else ""
        extra += ", relative=True" if self.relative else ""
        return f"MissingRateAbove({self.threshold!r}{extra}, severity={self.severity!r})"


def _detector_params(detector) -> dict:
    names = getattr(detector, "_params", None)  # modellab.streaming detectors list theirs
    if names:
        return {k: getattr(detector, k) for k in names if getattr(detector, k) is not None}
    return {
        k: v for k, v in vars(detector).items()
        if not k.startswith("_") and isinstance(v, (int, float, str, bool))
    }


@dataclass(frozen=True)
class DetectorFires(Rule):
    """Fires when a streaming change detector (:mod:`modellab.streaming`) fed ``metric`` signals.

    The detector receives the metric batch after batch (skipping batches with fewer
    than ``min_labelled`` labels); the rule fires on the batches where
    ``detector.update(value)`` returns ``True``. The detector passed in is never
    modified: each evaluation replays the history through a fresh copy, so results do
    not depend on how often or in how many runs the monitor was called.
    """

    metric: str
    detector: object = field(compare=False)
    severity: str = "warning"
    min_labelled: int = MIN_LABELLED
    kind: ClassVar[str] = "performance"
    needs_history: ClassVar[bool] = True

    def __post_init__(self):
        _check_metric_rule(self)
        if not callable(getattr(self.detector, "update", None)):
            raise TypeError(
                f"detector must be a change detector with update(x) -> bool, such as "
                f"modellab.streaming.PageHinkley(), got {type(self.detector).__name__}."
            )

    def _fire(self, history, reference):
        values = _metric_series(self, history)
        det = copy.deepcopy(self.detector)
        if callable(getattr(det, "reset", None)):
            det.reset()
        ref = reference.get(self.metric)
        ref_txt = f", reference {_fmt(self.metric, ref)}" if _known(ref) else ""
        out = []
        for i, v in enumerate(values.to_numpy()):
            if np.isnan(v) or not det.update(float(v)):
                continue
            b = history.at[i, "batch"]
            msg = (
                f"{_batch_label(b)}: the {type(det).__name__} change detector signalled a change "
                f"in {LABELS[self.metric]} (now {_fmt(self.metric, v)}{ref_txt})."
            )
            out.append(self._alert(b, self.metric, v, np.nan, msg))
        return out

    def __repr__(self):
        return (
            f"DetectorFires({self.metric!r}, detector={self.detector!r}, "
            f"severity={self.severity!r}, min_labelled={self.min_labelled})"
        )


RULE_TYPES: dict[str, type[Rule]] = {
    cls.__name__: cls
    for cls in (
        MetricBelow, MetricAbove, MetricDropFrom, MetricRiseFrom, DriftShareAbove,
        FeatureDrifted, MissingRateAbove, DetectorFires,
    )
}


def default_rules() -> list[Rule]:
    """The rules a :class:`~modellab.monitor.Monitor` uses when given none (see module notes).

    >>> [type(r).__name__ for r in default_rules()]
    ['MetricDropFrom', 'MetricRiseFrom', 'MetricRiseFrom', 'DriftShareAbove', 'FeatureDrifted',
     'MissingRateAbove']
    """
    return [
        MetricDropFrom("roc_auc", by=0.10, severity="critical"),
        MetricRiseFrom("base_rate", by=0.05, severity="warning"),
        MetricRiseFrom("mean_score", by=0.03, severity="warning"),
        DriftShareAbove(0.3, severity="warning"),
        FeatureDrifted(min_effect=0.2, severity="warning"),
        MissingRateAbove(0.05, relative=True, severity="warning"),
    ]


def check_rules(rules) -> list[Rule]:
    """Validate a list of rules (``None`` -> :func:`default_rules`); names must be unique."""
    if rules is None:
        return default_rules()
    if isinstance(rules, Rule):
        rules = [rules]
    if not isinstance(rules, Sequence) or isinstance(rules, str):
        raise TypeError(f"rules must be a list of rule objects, got {type(rules).__name__}.")
    for r in rules:
        if not isinstance(r, Rule):
            raise TypeError(
                f"{r!r} is not an alert rule: use MetricBelow, MetricDropFrom, DriftShareAbove, ... "
                f"from modellab.monitor."
            )
    names = [r.name for r in rules]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"Duplicate rules {dupes}: keep one of each.")
    return list(rules)


def rule_from_dict(spec: Mapping) -> Rule:
    """Build a rule from a mapping such as ``{"type": "MetricBelow", "metric": "roc_auc", "threshold": 0.75}``.

    ``DetectorFires`` takes ``detector`` (a class name from :mod:`modellab.streaming`) and
    optional ``params`` (its keyword arguments).

    >>> rule_from_dict({"type": "DriftShareAbove", "threshold": 0.5})
    DriftShareAbove(0.5, severity='warning')
    """
    if not isinstance(spec, Mapping):
        raise TypeError(f"a rule must be a table of settings, got {spec!r}.")
    spec = dict(spec)
    kind = spec.pop("type", None)
    _register_rule_types()
    if kind not in RULE_TYPES:
        raise ValueError(
            f"Unknown rule type {kind!r}. Valid types: {list(RULE_TYPES)} "
            f"(write e.g. type = \"MetricBelow\")."
        )
    cls = RULE_TYPES[kind]
    if cls is DetectorFires:
        spec["detector"] = _make_detector(spec.pop("detector", None), spec.pop("params", {}))
    allowed = [f.name for f in fields(cls)]
    unknown = [k for k in spec if k not in allowed]
    if unknown:
        raise ValueError(f"{kind} does not take {unknown}. Its settings: {allowed}.")
    try:
        return cls(**spec)
    except TypeError as exc:
        if "missing" in str(exc):
            raise ValueError(f"{kind} needs settings {allowed}: {exc}.") from None
        raise


def _register_rule_types() -> None:
    """Add the rules defined beside this module to :data:`RULE_TYPES` (imported late: they
    import this module): estimated performance, segments, contracts, service health."""
    if "SegmentBehind" in RULE_TYPES:
        return
    from modellab.estimate.monitoring import EstimatedMetricDropFrom, EstimationGapAbove
    from modellab.monitor.health import BatchLate, ScoredShareBelow, VolumeOutside
    from modellab.monitor.segment_rules import ContractViolated, SegmentBehind

    for cls in (EstimatedMetricDropFrom, EstimationGapAbove, SegmentBehind, ContractViolated,
                VolumeOutside, BatchLate, ScoredShareBelow):
        RULE_TYPES[cls.__name__] = cls


def _make_detector(name, params):
    import modellab.streaming as streaming

    available = [n for n in dir(streaming) if not n.startswith("_") and isinstance(getattr(streaming, n), type) and callable(getattr(getattr(streaming, n), "update", None))]
    if name not in available:
        raise ValueError(
            f"Unknown detector {name!r} for DetectorFires. Available in modellab.streaming: {available}."
        )
    if not isinstance(params, Mapping):
        raise TypeError(f"DetectorFires params must be a table of keyword arguments, got {params!r}.")
    return getattr(streaming, name)(**params)


def rules_from_toml(path) -> list[Rule]:
    """Read alert rules from a TOML file.

    Each ``[[rule]]`` table gives a ``type`` (a class of this module) and its settings.
    A top-level ``include_defaults = true`` adds :func:`default_rules` first::

        include_defaults = false

        [[rule]]
        type = "MetricBelow"
        metric = "roc_auc"
        threshold = 0.75
        severity = "critical"

        [[rule]]
        type = "DetectorFires"
        metric = "roc_auc"
        detector = "PageHinkley"
        params = { threshold = 0.05 }
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No rules file at {path}: check the --rules path.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML ({exc}): fix the syntax.") from None
    return rules_from_mapping(data, source=str(path))


def rules_from_mapping(data: Mapping, *, source: str = "rules") -> list[Rule]:
    """Rules from the parsed content of a rules file (see :func:`rules_from_toml`)."""
    unknown = [k for k in data if k not in ("rule", "include_defaults")]
    if unknown:
        raise ValueError(f"{source}: unknown top-level key(s) {unknown}; use [[rule]] tables and include_defaults.")
    include = data.get("include_defaults", False)
    if not isinstance(include, bool):
        raise TypeError(f"{source}: include_defaults must be true or false, got {include!r}.")
    specs = data.get("rule", [])
    if not isinstance(specs, list):
        raise ValueError(f"{source}: write each rule as a [[rule]] table (an array of tables).")
    rules = default_rules() if include else []
    for i, spec in enumerate(specs, 1):
        try:
            rules.append(rule_from_dict(spec))
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"{source}, rule {i}: {exc}") from None
    if not rules:
        raise ValueError(f"{source} defines no rules: add [[rule]] tables or include_defaults = true.")
    return check_rules(rules)

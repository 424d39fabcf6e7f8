"""What a monitoring run produces: :class:`MonitorResult`, in memory or reloaded from a store."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from modellab.monitor import rules as _rules
from modellab.monitor.store import MonitorStore


@dataclass(frozen=True, eq=False)
class MonitorResult:
    """Monitoring results: tidy tables a report, plot or widget reads.

    Attributes
    ----------
    history : DataFrame
        One row per batch, in processing order. Columns:

        - ``batch``: batch id; ``start``: first ``timestamp`` of the batch (``NaT``
          without a timestamp column); ``n``: rows; ``n_labelled``: scored rows whose
          label has arrived;
        - performance on labelled rows: ``roc_auc``, ``pr_auc``, ``accuracy``,
          ``precision``, ``recall``, ``f1``, ``brier`` (only when scores are
          probabilities) and ``base_rate`` (observed share of positive labels, i.e. the
          default rate); ``NaN`` when undefined (see ``note``); with ``ci`` each is
          followed by ``<metric>_low`` and ``<metric>_high``;
        - label-free: ``positive_rate`` (share of positive predictions, scored rows),
          ``mean_score`` (scored rows);
        - service health (:mod:`modellab.monitor.health`): ``scored_share`` (rows with a
          score; unscored rows count in ``n``, drift and missing values, in no model
          metric), ``expected_rows`` and ``volume_ratio`` (``n`` / usual rows),
          ``gap_days`` (days since the previous batch's start), ``cadence_days``, ``late``
          and ``arrival_delay_days`` (``NaN``: a Monitor has no load times);
        - drift: ``drift_share`` (share of features flagged), ``drift_<feature>``
          (bool flag per feature), ``effect_<feature>`` (effect size of the drift test);
        - data quality: ``missing_<feature>`` (share of missing values);
        - ``note``: why a metric is ``NaN`` (e.g. ``"no labels yet"``), ``""`` otherwise.
    drift : DataFrame
        The long per-feature table, one row per batch x feature: ``batch, column, kind,
        method, statistic, p_value, p_value_adjusted, threshold, effect_size,
        effect_measure, drifted, reason, missing_rate``. The history's ``drift_<feature>``,
        ``effect_<feature>`` and ``missing_<feature>`` columns are a wide view of it
        (``drifted``, ``effect_size``, ``missing_rate``).
    histograms : DataFrame
        One row per batch x feature x bin: ``batch, column, bin_index, bin, left, right,
        reference_share, current_share`` (shares over finite, non-missing values; the
        drift detector's bins, see :meth:`modellab.drift.ReferenceProfile.histograms`:
        numeric bins ``[left, right)`` at reference quantiles with open outer bins,
        discrete levels, or the reference categories, plus ``"(other)"``).
    alerts : DataFrame
        One row per alert: ``batch, rule, kind, subject, value, threshold, severity,
        message``; ``kind`` is ``"performance"``, ``"drift"``, ``"data_quality"``,
        ``"segment"``, ``"contract"`` or ``"health"``,
        ``subject`` the metric or feature concerned, ``message`` a plain sentence.
    reference : dict
        Reference metrics (same names as the history columns, e.g. ``roc_auc``,
        ``missing_income``).
    rules : list
        The rules (objects; from a store, rebuilt from their saved settings, or their
        names when a rule cannot be rebuilt).
    features : list of str
        Monitored features.
    config : dict
        ``target``, ``score``, ``prediction``, ``threshold``, ``feature_kinds``, ...
    new_batches : list
        Batches computed by the run that returned this result.
    segments : DataFrame
        With ``Monitor(segments=...)``: one row per batch x segment column x segment,
        ``batch, column, segment, metric, value, rest, gap, lower, upper, n, n_segments, ci``
        (:func:`modellab.metrics.segment_gaps`); empty otherwise.
    contract : DataFrame
        With ``Monitor(contract=...)``: one row per batch x failing check, ``batch, column,
        check, failures, examples`` (:func:`modellab.contracts.validate`); empty otherwise.
    notes : tuple of str
        From :func:`modellab.scale.monitor_parquet`: how this run counted the rows of files
        that lacked a column (e.g. a file without the label column: its rows count as
        unlabelled), one sentence each; the report lists them. Empty otherwise (and not
        kept in a store: they describe one run's files).

    With ``Monitor(estimator=...)`` the history also has, per estimated metric,
    ``estimated_<metric>``, ``estimated_<metric>_lower``/``_upper`` and
    ``estimated_<metric>_alert``: the estimate stands in for ``<metric>`` while labels are
    pending (``n_labelled`` small), and the two can be compared once they arrive.
    """

    history: pd.DataFrame
    drift: pd.DataFrame
    histograms: pd.DataFrame
    alerts: pd.DataFrame
    reference: dict
    rules: list
    features: list
    config: dict = field(default_factory=dict)
    new_batches: list = field(default_factory=list)
    segments: pd.DataFrame = field(default_factory=lambda: _empty("segments"))
    contract: pd.DataFrame = field(default_factory=lambda: _empty("contract"))
    notes: tuple = ()

    @classmethod
    def from_store(cls, path) -> MonitorResult:
        """Reload everything from a monitoring store (no raw rows needed)."""
        with MonitorStore(path, readonly=True) as store:
            meta = store.get_meta()
            if "features" not in meta:
                raise ValueError(f"{path} holds no monitoring run yet: run the monitor with store={str(path)!r} first.")
            history = store.read_history()
            drift = store.read_table("drift")
            histograms = store.read_table("histograms")
            alerts = store.read_table("alerts")
            segments = store.read_table("segments")
            contract = store.read_table("contract")
        return cls(
            history=history, drift=drift, histograms=histograms, alerts=alerts,
            reference=dict(meta.get("reference_metrics", {})),
            rules=_load_rules(meta), features=list(meta["features"]),
            config={k: meta[k] for k in meta if k not in ("reference_metrics", "rules")},
            segments=segments, contract=contract,
        )

    def _with(self, **changes) -> MonitorResult:
        return dataclasses.replace(self, **changes)

    @property
    def batches(self) -> list:
        return self.history["batch"].tolist()

    def first_alert(
        self, rule=None, *, kind: str | None = None, severity: str | None = None
    ) -> pd.Series | None:
        """The earliest alert (in batch order), optionally of one rule, kind or severity;
        ``None`` if none.

        ``rule`` may be a rule object, its name (the ``rule`` column), or a rule class
        name such as ``"MetricDropFrom"``; ``kind`` is ``"performance"``, ``"drift"``,
        ``"data_quality"``, ``"segment"``, ``"contract"`` or ``"health"``; ``severity`` is ``"info"``, ``"warning"`` or ``"critical"``.
        Filters combine (all must match).
        """
        alerts = self.alerts
        if rule is not None:
            if isinstance(rule, _rules.Rule):
                mask = alerts["rule"] == rule.name
            elif isinstance(rule, str):
                mask = (alerts["rule"] == rule) | alerts["rule"].str.startswith(rule + "(")
            else:
                raise TypeError(f"rule must be a rule object or name, got {rule!r}.")
            alerts = alerts[mask]
        if kind is not None:
            kinds = ("performance", "drift", "data_quality", "segment", "contract", "health")
            if kind not in kinds:
                raise ValueError(f"kind must be one of {list(kinds)}, got {kind!r}.")
            alerts = alerts[alerts["kind"] == kind]
        if severity is not None:
            if severity not in _rules.SEVERITIES:
                raise ValueError(f"severity must be one of {list(_rules.SEVERITIES)}, got {severity!r}.")
            alerts = alerts[alerts["severity"] == severity]
        if alerts.empty:
            return None
        order = {b: i for i, b in enumerate(self.history["batch"].tolist())}
        pos = alerts["batch"].map(order).fillna(np.inf)
        return alerts.loc[pos.idxmin()]

    def alerts_for(self, batch) -> pd.DataFrame:
        """Alerts raised on one batch."""
        return self.alerts[self.alerts["batch"] == batch].reset_index(drop=True)

    def __repr__(self) -> str:
        n_alerts = len(self.alerts)
        first = self.first_alert()
        first_txt = f", first alert at batch {first['batch']}" if first is not None else ""
        return (
            f"MonitorResult(batches={len(self.history)}, features={len(self.features)}, "
            f"alerts={n_alerts}{first_txt})"
        )


def _empty(name) -> pd.DataFrame:
    from modellab.monitor.store import CONTRACT_COLUMNS, SEGMENT_COLUMNS

    return pd.DataFrame(columns=SEGMENT_COLUMNS if name == "segments" else CONTRACT_COLUMNS)


def _load_rules(meta) -> list:
    out = []
    names = meta.get("rule_names", [])
    for i, spec in enumerate(meta.get("rules", [])):
        try:
            out.append(_rules.rule_from_dict(spec))
        except (ValueError, TypeError, ImportError):
            out.append(names[i] if i < len(names) else str(spec))
    return out

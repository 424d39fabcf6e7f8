"""Continuous monitoring with automated alerts.

- :class:`Monitor` (fit on a reference, ``run(production)`` over batches) and its
  :class:`MonitorResult` (``history``, ``drift``, ``histograms``, ``alerts``,
  ``reference``), reloadable with :meth:`MonitorResult.from_store`.
- Alert rules: :class:`MetricBelow`, :class:`MetricAbove`, :class:`MetricDropFrom`,
  :class:`MetricRiseFrom`, :class:`DriftShareAbove`, :class:`FeatureDrifted`,
  :class:`MissingRateAbove`, :class:`DetectorFires`; :func:`default_rules`,
  :func:`rules_from_toml`.
- :func:`score_alerts` (an :class:`AlertScore`) and :func:`drift_windows`: alerts scored
  against a scenario's truth (events detected, detection delays, false alarms).
- :class:`MonitorStore`: the SQLite history (one transaction per batch, idempotent
  re-runs, versioned schema).
- :func:`list_batch_files`, :func:`read_batch`: CSV/Parquet batch files on disk.
- The ``modellab monitor`` command lives in :mod:`modellab.monitor.cli`.
"""

from modellab.monitor.batches import batch_id_from_path, list_batch_files, read_batch
from modellab.monitor.monitor import PERFORMANCE_METRICS, Monitor
from modellab.monitor.result import MonitorResult
from modellab.monitor.rules import (
    ALERT_COLUMNS,
    METRICS,
    MIN_LABELLED,
    DetectorFires,
    DriftShareAbove,
    FeatureDrifted,
    MetricAbove,
    MetricBelow,
    MetricDropFrom,
    MetricRiseFrom,
    MissingRateAbove,
    Rule,
    default_rules,
    rule_from_dict,
    rules_from_toml,
)
from modellab.monitor.scoring import AlertScore, drift_windows, score_alerts
from modellab.monitor.store import SCHEMA_VERSION, MonitorStore

__all__ = [
    "ALERT_COLUMNS", "METRICS", "AlertScore", "drift_windows", "score_alerts", "MIN_LABELLED", "PERFORMANCE_METRICS", "SCHEMA_VERSION",
    "DetectorFires", "DriftShareAbove", "FeatureDrifted", "MetricAbove", "MetricBelow",
    "MetricDropFrom", "MetricRiseFrom", "MissingRateAbove", "Monitor", "MonitorResult",
    "MonitorStore", "Rule", "batch_id_from_path", "default_rules", "list_batch_files",
    "read_batch", "rule_from_dict", "rules_from_toml",
]

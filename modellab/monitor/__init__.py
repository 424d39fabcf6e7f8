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

import importlib

# Names load on first use (PEP 562), so `modellab monitor run` can check the store for new
# batch files without importing scikit-learn and scipy first (a scheduled no-op stays fast).
_WHERE = {
    "batch_id_from_path": "batches", "list_batch_files": "batches", "read_batch": "batches",
    "PERFORMANCE_METRICS": "monitor", "Monitor": "monitor", "MonitorResult": "result",
    "ALERT_COLUMNS": "rules", "METRICS": "rules", "MIN_LABELLED": "rules",
    "DetectorFires": "rules", "DriftShareAbove": "rules", "FeatureDrifted": "rules",
    "MetricAbove": "rules", "MetricBelow": "rules", "MetricDropFrom": "rules",
    "MetricRiseFrom": "rules", "MissingRateAbove": "rules", "Rule": "rules",
    "default_rules": "rules", "rule_from_dict": "rules", "rules_from_toml": "rules",
    "AlertScore": "scoring", "drift_windows": "scoring", "score_alerts": "scoring",
    "SCHEMA_VERSION": "store", "MonitorStore": "store",
}


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(f"modellab.monitor.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'modellab.monitor' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_WHERE})


__all__ = [
    "ALERT_COLUMNS", "METRICS", "AlertScore", "drift_windows", "score_alerts", "MIN_LABELLED", "PERFORMANCE_METRICS", "SCHEMA_VERSION",
    "DetectorFires", "DriftShareAbove", "FeatureDrifted", "MetricAbove", "MetricBelow",
    "MetricDropFrom", "MetricRiseFrom", "MissingRateAbove", "Monitor", "MonitorResult",
    "MonitorStore", "Rule", "batch_id_from_path", "default_rules", "list_batch_files",
    "read_batch", "rule_from_dict", "rules_from_toml",
]

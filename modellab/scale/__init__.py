"""Monitoring at scale: Parquet data read chunk by chunk, in-process or on Dask.

The reference is fitted once (:class:`modellab.drift.DriftDetector` /
:class:`modellab.monitor.Monitor`); production rows are then *counted* over the
reference's bins, categories and score bins, chunk by chunk, and the counts merged. The
result equals the in-memory one (see :mod:`modellab.monitor._batch` for the exact list)
while memory stays bounded by the chunk size.

- :func:`monitor_parquet`: ``Monitor.run`` over Parquet: per-batch history, alerts, the
  store; :meth:`ScaleResult.to_monitor_result` for reports and alert scoring.
- :func:`drift_parquet`: the drift table of all rows, like ``DriftDetector.test``.
- :class:`ScaleResult` (``history``, ``alerts``, ``drift``, ``metrics``, ``skipped``, ...);
  :class:`SkippedFilesWarning` for missing or damaged files.
- :func:`write_scenario`: a scenario's production stream as a Parquet dataset.
- :func:`local_client`: a small Dask ``LocalCluster`` client (``client=`` above).
"""

from modellab.scale._chunked import ScaleResult, SkippedFilesWarning
from modellab.scale.dask import local_client
from modellab.scale.monitor import drift_parquet, monitor_parquet
from modellab.scale.parquet import list_files, write_scenario

__all__ = [
    "ScaleResult", "SkippedFilesWarning", "drift_parquet", "list_files", "local_client",
    "monitor_parquet", "write_scenario",
]

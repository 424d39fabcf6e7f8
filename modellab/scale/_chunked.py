"""Parquet files -> batch summaries, through an engine (in this process or Dask).

Nothing here computes a statistic: each file is read record batch by record batch
(:mod:`modellab.scale.parquet`) and every chunk is summarised by the batch core
(:class:`modellab.monitor._batch.Plan`, :class:`~modellab.monitor._batch.BatchSummary`);
the summaries merge, and :func:`modellab.monitor._batch.batch_result` turns each
batch's summary into its history row, exactly as for :meth:`Monitor.run`. See
:mod:`modellab.monitor._batch` for what is exact and what is approximate.

An *engine* maps files to summaries and reduces them: :class:`InProcess` here, file
after file; :class:`modellab.scale.dask.DaskEngine` on a cluster. Any object with a
``name`` and ``summarise(plan, files, batch_size) -> DatasetSummary`` works.
"""

from __future__ import annotations

import pathlib
import warnings
from dataclasses import dataclass, field

import pandas as pd

from modellab._validate import Options, positive_int
from modellab.monitor import MonitorResult
from modellab.monitor._batch import DatasetSummary, Plan
from modellab.scale.parquet import (
    DEFAULT_BATCH_SIZE,
    PartitionError,
    Skipped,
    file_schemas,
    iter_file,
    list_files,
)

#: Columns of :attr:`ScaleResult.skipped`.
SKIPPED_COLUMNS = ("file", "error")
ON_ERROR = ("warn", "ignore", "raise")


class SkippedFilesWarning(UserWarning):
    """Some files of a dataset could not be read; the others were processed."""


# --------------------------------------------------------------------------- summaries
def summarise_file(plan: Plan, file, batch_size: int = DEFAULT_BATCH_SIZE,
                   index: int = 0) -> DatasetSummary:
    """Summary of one file; a missing/unreadable file comes back as ``skipped``.

    The file's counts are merged only when all of it was read, so a file that breaks
    half-way adds nothing. Invalid values (e.g. labels other than 0/1) raise an error
    naming the file: they are a pipeline bug, not a damaged file.
    """
    file = pathlib.Path(file)
    part = DatasetSummary()
    lacking, offset = None, 0
    try:
        for chunk in iter_file(file, plan.columns, batch_size, optional=plan.optional):
            if lacking is None:
                lacking = [c for c in plan.optional if c not in chunk.columns]
            try:
                part = part.merge(DatasetSummary(plan.summarise(chunk, (index, offset))))
                offset += len(chunk)
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"{file.name}: {exc}") from None
    except PartitionError as exc:
        return DatasetSummary(skipped=[Skipped(str(file), str(exc).split(": ", 1)[-1])])
    part.files_read = 1
    if lacking:
        part.lacking = {file.name: lacking}
    return part


def summarise_files(plan: Plan, files, batch_size: int = DEFAULT_BATCH_SIZE) -> DatasetSummary:
    """In-process: summarise the files one after the other and merge."""
    total = DatasetSummary()
    for index, file in enumerate(files):
        total = total.merge(summarise_file(plan, file, batch_size, index))
    return total


class InProcess:
    """The default engine: files summarised one after the other in this process."""

    name = "in-process"

    def summarise(self, plan: Plan, files, batch_size: int) -> DatasetSummary:
        return summarise_files(plan, files, batch_size)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class ScaleResult:
    """What :func:`monitor_parquet` / :func:`drift_parquet` found.

    Attributes
    ----------
    history : DataFrame or None
        One row per batch, columns like :attr:`modellab.monitor.MonitorResult.history`
        (see :func:`monitor_parquet`); ``None`` for :func:`drift_parquet`.
    alerts : DataFrame or None
        The monitor's alerts on ``history``, as :attr:`MonitorResult.alerts`
        (:data:`modellab.monitor.ALERT_COLUMNS`); ``None`` for :func:`drift_parquet`.
    drift : DataFrame
        Drift of all rows together: the :meth:`DriftDetector.test` table.
    metrics : Series or None
        Metrics of all rows together (same names as the history columns).
    skipped : DataFrame
        Columns ``file`` and ``error``: files that could not be read (empty if none).
    n_rows, n_files : int
        Rows and files processed (skipped files excluded).
    engine : str
        ``"in-process"`` or ``"dask"``.
    notes : tuple of str
        How files whose columns differ were read, one sentence each (e.g. a file
        without the label column: its rows count as unlabelled); empty if all agree.

    :meth:`to_monitor_result` gives the full :class:`~modellab.monitor.MonitorResult`
    (per-batch drift rows and histograms too) for reports and alert scoring.
    """

    drift: pd.DataFrame
    metrics: pd.Series | None
    skipped: pd.DataFrame
    n_rows: int
    n_files: int
    engine: str
    monitor_result: MonitorResult | None = field(default=None, repr=False)
    notes: tuple = ()

    @property
    def history(self) -> pd.DataFrame | None:
        return None if self.monitor_result is None else self.monitor_result.history

    @property
    def alerts(self) -> pd.DataFrame | None:
        return None if self.monitor_result is None else self.monitor_result.alerts

    def to_monitor_result(self) -> MonitorResult:
        """The run as a :class:`~modellab.monitor.MonitorResult`, like ``Monitor.run`` returns.

        ``history``, ``drift`` (per batch and feature), ``histograms``, ``alerts``,
        ``reference``, ``rules``, ``features``, ``config``, ``new_batches``: what
        :func:`modellab.report.render`, :func:`modellab.monitor.score_alerts` and the
        plots read. With a store it is the store's whole history, as for ``Monitor.run``.
        """
        if self.monitor_result is None:
            raise ValueError(
                "This result comes from drift_parquet and has no per-batch monitoring: use "
                "monitor_parquet(monitor, path) for a MonitorResult."
            )
        return self.monitor_result

    def __repr__(self) -> str:
        batches = "" if self.history is None else (
            f", batches={len(self.history)}, alerts={len(self.alerts)}")
        drifted = self.drift.loc[self.drift["drifted"], "column"].tolist()
        notes = f", notes={len(self.notes)}" if self.notes else ""  # files lacking a column
        return (f"ScaleResult(engine={self.engine!r}, n_rows={self.n_rows:,}, "
                f"n_files={self.n_files}{batches}, skipped={len(self.skipped)}{notes}, "
                f"drifted={drifted})")


def report_skipped(summary: DatasetSummary, on_error: str) -> pd.DataFrame:
    """The skipped files as a frame; warn, raise or stay quiet as asked."""
    skipped = pd.DataFrame([(s.file, s.error) for s in summary.skipped],
                           columns=list(SKIPPED_COLUMNS)).astype(str)
    if summary.files_read == 0:
        detail = "; ".join(str(s) for s in summary.skipped[:5])
        raise ValueError(
            f"No file could be read ({detail}): check the path, and re-export or remove the "
            f"damaged files."
        )
    if len(skipped) and on_error != "ignore":
        n = len(skipped)
        listed = "; ".join(str(s) for s in summary.skipped[:5]) + ("; ..." if n > 5 else "")
        message = (f"Skipped {n} of {n + summary.files_read} file(s) and processed the rest: "
                   f"{listed}. Re-export or remove them; result.skipped lists them all.")
        if on_error == "raise":
            raise ValueError(message.replace("and processed the rest", "(on_error='raise')"))
        warnings.warn(message, SkippedFilesWarning, stacklevel=3)
    return skipped


def check_on_error(on_error) -> str:
    return Options(ON_ERROR)(on_error, "on_error")


def check_required(files, plan: Plan) -> None:
    """Fail early, with the fix, when the data lack a column the plan needs."""
    have = list(dict.fromkeys(c for cols in file_schemas(files).values() for c in cols))
    lacking = [c for c in plan.columns if c not in have]
    if lacking:
        raise ValueError(
            f"The Parquet data ({pathlib.Path(files[0]).name}, ...) lack column(s) {lacking} "
            f"(they have: {have[:20]}): export them with the data, or monitor fewer features "
            f"(features=[...] / columns=[...])."
        )


def run(plan: Plan, path, engine, batch_size, on_error) -> tuple[DatasetSummary, pd.DataFrame,
                                                                   str]:
    """List, check, summarise with ``engine``, and report skipped files."""
    check_on_error(on_error)
    batch_size = positive_int(batch_size, "batch_size")
    files = list_files(path)
    check_required(files, plan)
    summary = engine.summarise(plan, files, batch_size)
    skipped = report_skipped(summary, on_error)
    if summary.n_rows == 0:
        raise ValueError(
            f"The Parquet data at {path} have no rows: there is nothing to monitor; check "
            f"the export."
        )
    return summary, skipped, engine.name

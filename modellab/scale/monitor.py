"""Monitoring and drift of Parquet data that need not fit in memory.

:func:`monitor_parquet` gives what :meth:`modellab.monitor.Monitor.run` gives (per-batch
metrics, drift flags and effects, missing rates, histograms, alerts, the store) and
:func:`drift_parquet` the drift table of :meth:`modellab.drift.DriftDetector.test`, both
read chunk by chunk from a Parquet dataset, in this process or on a Dask cluster (``client=``). See
:mod:`modellab.monitor._batch` for how, and for what is exact and what is approximate.
"""

from __future__ import annotations

import os

import pandas as pd

from modellab._validate import positive_int
from modellab.drift import DriftDetector
from modellab.monitor import Monitor, _batch
from modellab.monitor.monitor import SCORE_QUANTILES
from modellab.scale import _chunked as chunked
from modellab.scale.dask import DaskEngine
from modellab.scale.parquet import DEFAULT_BATCH_SIZE, file_schemas, list_files


def monitor_parquet(monitor, path, by: str = "batch", *, order="auto", client=None, engine=None,
                    batch_size: int = DEFAULT_BATCH_SIZE, score_bins: int = 1000,
                    on_error: str = "warn", **monitor_options) -> chunked.ScaleResult:
    """Monitor the batches of a Parquet dataset, computed chunk by chunk: ``Monitor.run`` at scale.

    Per-batch metrics, drift and missing rates come from counts merged over files and
    record batches; the monitor's alert rules then judge that history exactly as
    :meth:`Monitor.run <modellab.monitor.Monitor.run>` does (the same code: a rule sees
    the batches up to the one it judges), and a monitor with a ``store`` records each
    batch in it the same way (one transaction per batch, stored batches skipped or
    replaced as its ``on_existing`` says).

    Parameters
    ----------
    monitor : Monitor or DataFrame
        A :class:`~modellab.monitor.Monitor` (its fitted drift detector, histogram bins,
        features, columns, threshold, rules and store are used), or a reference frame to
        build one from with ``Monitor(reference, **monitor_options)`` (e.g. ``rules=``,
        ``store=``).
    path : str, path-like or list
        A folder of ``.parquet`` files, a file, or a list of files (see
        :func:`modellab.scale.parquet.list_files`).
    by : str, default "batch"
        Column naming the batch; rows of one batch may be spread over several files.
    order : {"auto", "time", "id", "appearance"} or list of ids, default "auto"
        The order batches are judged in, as in :meth:`Monitor.run
        <modellab.monitor.Monitor.run>` ("appearance": file order, then row order).
    client : dask.distributed.Client or str, optional
        Run on this Dask cluster (a ``Client``, or a scheduler address such as
        ``"tcp://10.0.0.5:8786"``); ``None`` runs in this process, file after file.
    engine : object, optional
        What maps files to batch summaries and merges them: any object with a ``name``
        and ``summarise(plan, files, batch_size)`` returning a
        :class:`~modellab.monitor._batch.DatasetSummary` (e.g.
        :class:`modellab.scale.dask.DaskEngine`; ``client=c`` is ``engine=DaskEngine(c)``).
        Summaries merge in any order, so the engine's order never changes a result.
    batch_size : int, default 262144
        Rows read at a time from a file (memory scales with it, not with the data).
    score_bins : int, default 1000
        Score bins for ROC-AUC and PR-AUC, of equal mass under the reference scores
        (their quantiles; outer bins open), so decision scores work like probabilities.
    on_error : {"warn", "ignore", "raise"}, default "warn"
        Missing or unreadable files are skipped and listed in ``result.skipped``; "warn"
        also emits a :class:`~modellab.scale.SkippedFilesWarning`, "raise" stops.

    Returns
    -------
    ScaleResult
        ``history``: one row per batch with the columns of ``Monitor.run(...).history``
        (``batch``, ``start``, ``n``, ``n_labelled``, the monitor's metrics,
        ``positive_rate``, ``mean_score``, service health (``scored_share``,
        ``volume_ratio``, ``gap_days``, ``late``, ...), ``drift_share``, ``drift_<feature>``,
        ``effect_<feature>``, ``missing_<feature>``, ``note``; no confidence intervals)
        plus ``roc_auc_max_error``; with ``Monitor(segments=...)``, the segment gaps of
        :attr:`MonitorResult.segments <modellab.monitor.MonitorResult.segments>` (from
        confusion counts per segment merged over chunks: the same table as ``Monitor.run``);
        with ``Monitor(contract=...)``, the contract violations of
        :attr:`MonitorResult.contract <modellab.monitor.MonitorResult.contract>` and the
        history's ``contract_violations`` (from contract summaries merged over chunks,
        :func:`modellab.contracts.summarise`: the same table as ``Monitor.run``; a file
        without a contract column is a ``column_in_dataframe`` violation for its rows);
        ``alerts`` (:data:`modellab.monitor.ALERT_COLUMNS`);
        ``drift`` and ``metrics`` for all rows together; ``skipped``; ``n_rows``,
        ``n_files``, ``engine``; :meth:`~ScaleResult.to_monitor_result` for the whole
        :class:`~modellab.monitor.MonitorResult` (reports, alert scoring). With a store,
        ``history`` and ``alerts`` are the store's, earlier runs included.

    Examples
    --------
    >>> import tempfile
    >>> from modellab.scenarios import make
    >>> from modellab.scale import write_scenario
    >>> s = make("covariate_shift_sudden", n_reference=2000, n_batches=10, batch_size=1000)
    >>> files = write_scenario(s, tempfile.mkdtemp(), rows_per_file=3000)
    >>> result = monitor_parquet(s.reference, files)
    >>> result
    ScaleResult(engine='in-process', n_rows=10,000, n_files=4, batches=10, alerts=..., skipped=0, drifted=[...])
    >>> result.history[["batch", "n", "drift_age", "drift_income"]].iloc[[4, 5]]
       batch     n  drift_age  drift_income
    4      4  1000      False         False
    5      5  1000       True         False
    >>> result.alerts.loc[0, "message"]
    'Batch 5: age drifted from the reference (effect size 0.77); also ...'
    """
    if isinstance(monitor, pd.DataFrame):
        monitor = Monitor(monitor, **monitor_options)
    elif not isinstance(monitor, Monitor):
        raise TypeError(
            f"monitor must be a Monitor or a reference DataFrame, got {type(monitor).__name__}."
        )
    elif monitor_options:
        raise TypeError(
            f"{sorted(monitor_options)} only apply when building a Monitor from a reference "
            f"frame: set them on the Monitor you pass instead."
        )
    monitor._check_fitted()
    _refuse_row_tables(monitor)
    if not isinstance(by, str):
        raise TypeError(f"by must be a column name such as 'batch', got {by!r}.")
    score_bins = positive_int(score_bins, "score_bins")
    if score_bins > SCORE_QUANTILES:
        raise ValueError(
            f"score_bins must be at most {SCORE_QUANTILES} (the reference score quantiles a "
            f"Monitor keeps), got {score_bins}."
        )
    # The union of the files' columns: labels in any file count (files without are unlabelled).
    have = {c for cols in file_schemas(list_files(path)).values() for c in cols}
    lacking = [c for c in monitor.segment_specs_ if c not in have]
    if lacking:
        raise ValueError(
            f"no Parquet file has the segment column(s) {lacking}: export them with the data, "
            f"or build the Monitor without them in segments=."
        )
    plan = monitor._plan(exact=False, score_bins=score_bins, by=by, available=have)
    summary, skipped, engine = chunked.run(plan, path, _engine(client, engine), batch_size, on_error)
    cache: dict = {}
    monitor_result = monitor.run_computed(
        _batch.ordered_keys(summary, order),
        lambda key: _batch.batch_result(plan, key, summary.batches[key], cache),
        source=str(path) if isinstance(path, (str, os.PathLike)) else None,
    )
    total = summary.total()
    metrics = _batch.metrics_row(total, plan.metrics)
    metrics["roc_auc_max_error"] = metrics.pop("_roc_bound")
    metrics.pop("_note")
    notes = tuple(summary.notes(plan))
    return chunked.ScaleResult(
        drift=_batch.drift_table(plan.detector, total.counts),
        metrics=pd.Series(metrics, dtype="float64", name="value"),
        skipped=skipped, n_rows=summary.n_rows, n_files=summary.files_read, engine=engine,
        monitor_result=monitor_result._with(notes=notes), notes=notes,
    )


def _refuse_row_tables(monitor) -> None:
    """Segment gaps on a ranking or probability metric (ROC-AUC, Brier, ...) are computed
    from a batch's rows, not from merged counts: such a monitor is refused before any file is
    read, never run with its segment table left empty. (Segment gaps on a threshold metric or
    the base rate come from per-segment counts, and contract violations from mergeable
    contract summaries, chunk by chunk.)"""
    from modellab.metrics.segment_counts import COUNT_METRICS

    if monitor.contract_ is not None:
        _refuse_contract(monitor.contract_)
    if monitor.segments and monitor.segment_metric not in COUNT_METRICS:
        raise ValueError(
            f"this Monitor computes segment gaps on {monitor.segment_metric!r} from each "
            f"batch's rows, which monitor_parquet does not hold (it merges counts over "
            f"chunks): run it with Monitor.run on the batches in memory, or pass "
            f"monitor_parquet a Monitor with segment_metric= one of {sorted(COUNT_METRICS)}."
        )


def _refuse_contract(contract) -> None:
    """Contract checks monitor_parquet cannot judge chunk by chunk, refused before any file
    is read: checks on a whole column at once, and the file's column layout (strict, ordered,
    regex columns), which it does not read (it reads the monitor's columns only)."""
    from modellab.contracts import unmergeable_checks

    why = unmergeable_checks(contract)
    if contract.strict:
        why.append(f"strict={contract.strict!r} (no columns beyond the contract's)")
    if contract.ordered:
        why.append("ordered=True (columns in the contract's order)")
    why += [f"{name}: a regex column" for name, col in contract.columns.items() if col.regex]
    if why:
        raise ValueError(
            f"this Monitor's contract has checks monitor_parquet cannot judge chunk by chunk: "
            f"{'; '.join(why)}. Run Monitor.run on the batches in memory, or drop these checks "
            f"from the contract (e.g. contract.update_column(name, checks=[...]), "
            f"strict=False, ordered=False, named columns instead of regex)."
        )


def drift_parquet(detector, path, *, client=None, engine=None,
                  batch_size: int = DEFAULT_BATCH_SIZE,
                  on_error: str = "warn") -> chunked.ScaleResult:
    """Drift table of all rows of a Parquet dataset, computed chunk by chunk.

    Same table as ``detector.test(all_rows)`` (:data:`modellab.drift.TABLE_COLUMNS`),
    from counts merged over files and record batches.

    Parameters
    ----------
    detector : DriftDetector or DataFrame
        A fitted detector (e.g. ``DriftDetector.load("profile.json")``), or a reference
        frame to fit ``DriftDetector()`` on.
    path, client, engine, batch_size, on_error
        As in :func:`monitor_parquet`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from modellab.scenarios import make
    >>> s = make("stable", n_reference=2000, n_batches=3, batch_size=1000)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "production.parquet"
    >>> s.production.to_parquet(path)          # one file is a dataset too
    >>> detector = DriftDetector().fit(s.reference[s.features])
    >>> result = drift_parquet(detector, path, batch_size=700)
    >>> result.drift["n_current"].tolist() == [3000] * 10
    True
    >>> in_memory = detector.test(s.production)
    >>> result.drift["drifted"].equals(in_memory["drifted"])
    True
    >>> bool(abs(result.drift["effect_size"] - in_memory["effect_size"]).max() < 1e-12)
    True
    """
    if isinstance(detector, pd.DataFrame):
        detector = DriftDetector().fit(detector)
    elif not isinstance(detector, DriftDetector):
        raise TypeError(
            f"detector must be a DriftDetector or a reference DataFrame, got "
            f"{type(detector).__name__}."
        )
    detector._check_fitted()
    plan = _batch.Plan(detector=detector)
    summary, skipped, engine = chunked.run(plan, path, _engine(client, engine), batch_size, on_error)
    return chunked.ScaleResult(
        drift=_batch.drift_table(detector, summary.total().counts),
        metrics=None, skipped=skipped, n_rows=summary.n_rows, n_files=summary.files_read,
        engine=engine,
    )


def _engine(client, engine):
    """The engine: ``engine`` as given, else Dask for ``client=``, else this process."""
    if engine is not None:
        if client is not None:
            raise TypeError(
                "pass client= (Dask) or engine=, not both: engine=DaskEngine(client) is the "
                "same as client=client."
            )
        if not (isinstance(getattr(engine, "name", None), str)
                and callable(getattr(engine, "summarise", None))):
            raise TypeError(
                f"engine must have a name and a summarise(plan, files, batch_size) method "
                f"(e.g. modellab.scale.dask.DaskEngine(client)), got {type(engine).__name__}."
            )
        return engine
    return chunked.InProcess() if client is None else DaskEngine(client)

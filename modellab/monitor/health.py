"""Service health: is the model being fed, on time, and is it scoring what it is fed?

Before any statistic about the model means anything, the service around it must work. Three
signals a monitoring team watches beside model quality:

- **volume**: rows per batch against the usual number (a half-empty batch is an upstream
  outage or a filter gone wrong; a doubled one, a duplicated load);
- **freshness**: time between consecutive batches against the cadence (a missing week shows up
  as a gap of two), and, when the data carry a load time, how late each batch arrived;
- **share scored**: rows that received a score (a scoring service that times out leaves gaps,
  and every metric is then computed on a biased subset).

:func:`service_health` computes them per batch as a tidy history; :class:`VolumeOutside`,
:class:`BatchLate` and :class:`ScoredShareBelow` follow the rule protocol of
:mod:`modellab.monitor.rules` on that history. A :class:`~modellab.monitor.Monitor` computes
the same columns in its history (``Monitor(rules=[VolumeOutside(), ...])``): each batch's
facts (rows, rows scored, first timestamp) come from its batch core, so ``Monitor.run``,
:func:`modellab.scale.monitor_parquet` and Dask agree, and :func:`health_table` derives the
rest from the history so far, the one derivation :func:`service_health` uses.

Examples
--------
>>> stream = pd.DataFrame({
...     "batch": [0] * 4 + [1] * 4 + [2] * 1,
...     "timestamp": pd.to_datetime(["2025-01-06"] * 4 + ["2025-01-13"] * 4 + ["2025-01-27"]),
...     "score": [0.1, 0.2, 0.3, 0.4, 0.1, None, 0.3, 0.2, 0.5]})
>>> health = service_health(stream, cadence_days=7)
>>> health[["batch", "n", "volume_ratio", "gap_days", "late", "scored_share"]]
   batch  n  volume_ratio  gap_days   late  scored_share
0      0  4          1.00       NaN  False          1.00
1      1  4          1.00       7.0  False          0.75
2      2  1          0.25      14.0   True          1.00
>>> [a.split(":")[0] for a in VolumeOutside().evaluate(health).message]
['Batch 2']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from modellab._validate import require_columns, require_frame
from modellab.monitor.rules import Rule, _batch_label, _check_number, _check_severity
from modellab.monitor.segment_rules import require_rule_table

#: Columns of :func:`service_health`.
HEALTH_COLUMNS = ["batch", "n", "expected_rows", "volume_ratio", "start", "gap_days",
                  "cadence_days", "late", "arrival_delay_days", "scored_share"]


def service_health(
    production: pd.DataFrame,
    by: str = "batch",
    *,
    timestamp: str = "timestamp",
    score: str = "score",
    arrival: str | None = None,
    expected_rows: float | None = None,
    cadence_days: float | None = None,
) -> pd.DataFrame:
    """Volume, freshness and share scored of every batch.

    Parameters
    ----------
    production : DataFrame
        The stream: a batch column, an event-time column and the score column.
    by : str, default "batch"
    timestamp : str, default "timestamp"
        When the applications happened (the batch's period starts at its earliest value).
    score : str, default "score"
        A missing score is a row the model did not score.
    arrival : str, optional
        Column with the time each row was loaded into the monitoring store; gives
        ``arrival_delay_days`` (latest arrival minus the end of the batch's period).
    expected_rows : float, optional
        The usual batch size; default the median over the stream.
    cadence_days : float, optional
        Days between batches; default the median gap of the stream.

    Returns
    -------
    DataFrame
        :data:`HEALTH_COLUMNS`, one row per batch in time order. ``late`` is True when the
        gap to the previous batch exceeds 1.5 x the cadence (a batch went missing) or the
        arrival delay exceeds the cadence.
    """
    production = require_frame(production, "production")
    for name, value in (("by", by), ("timestamp", timestamp), ("score", score)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a column name, got {value!r}.")
    cols = [by, timestamp, score] + ([arrival] if arrival is not None else [])
    require_columns(production, cols, "production")
    if not pd.api.types.is_datetime64_any_dtype(production[timestamp]):
        raise TypeError(
            f"{timestamp!r} must hold datetimes (dtype {production[timestamp].dtype}): convert it "
            f"with pd.to_datetime(...)."
        )
    grouped = production.groupby(by, sort=True)
    facts = pd.DataFrame({
        "batch": list(grouped.groups),
        "n": grouped.size().to_numpy(),
        "start": grouped[timestamp].min().to_numpy(),
        "scored_share": grouped[score].apply(lambda s: s.notna().mean()).to_numpy(),
    })
    if arrival is not None:
        facts["last_arrival"] = grouped[arrival].max().to_numpy()
    facts = facts.sort_values("start", kind="stable", ignore_index=True)
    return health_table(facts, expected_rows=expected_rows, cadence_days=cadence_days)


#: Per-batch facts :func:`health_table` reads (``last_arrival`` optional): the part of
#: service health each batch gives on its own, computed for a Monitor by its batch core
#: (:mod:`modellab.monitor._batch`), so in memory, chunk by chunk and on Dask alike.
BATCH_FACTS = ["batch", "n", "start", "scored_share"]


def health_table(
    facts: pd.DataFrame,
    *,
    expected_rows: float | None = None,
    cadence_days: float | None = None,
) -> pd.DataFrame:
    """The health history from per-batch facts in time order: the one derivation.

    :func:`service_health` (from the rows) and :class:`~modellab.monitor.Monitor` (from
    its history so far, at each batch) both call it, so a monitor's volume ratio, gaps and
    lateness are the same numbers as ``service_health`` gives on the same batches.

    Parameters
    ----------
    facts : DataFrame
        :data:`BATCH_FACTS` (``batch``, ``n``, ``start``, ``scored_share``), one row per
        batch in time order; optionally ``last_arrival`` (the latest load time of its rows).
        ``start`` may be missing (``NaT``): the batch then has no gap.
    expected_rows, cadence_days : float, optional
        The usual batch size and days between batches; default the medians over ``facts``.

    Returns
    -------
    DataFrame
        :data:`HEALTH_COLUMNS`, in the order of ``facts``.
    """
    facts = require_frame(facts, "facts")
    require_columns(facts, BATCH_FACTS, "facts")
    out = facts.reset_index(drop=True)
    out["start"] = pd.to_datetime(out["start"])
    if expected_rows is None:
        expected_rows = float(out["n"].median())
    expected_rows = _check_number(expected_rows, "expected_rows", positive=True)
    gaps = out["start"].diff().dt.total_seconds() / 86400
    if cadence_days is None:
        cadence_days = float(gaps.median()) if gaps.notna().any() else np.nan
    if not np.isnan(cadence_days):
        cadence_days = _check_number(cadence_days, "cadence_days", positive=True)
    out["expected_rows"] = expected_rows
    out["volume_ratio"] = out["n"] / expected_rows
    out["gap_days"] = gaps.astype(float)
    out["cadence_days"] = cadence_days
    if "last_arrival" in out.columns:
        end = out["start"] + pd.to_timedelta(cadence_days, unit="D")
        delay = (pd.to_datetime(out["last_arrival"]).to_numpy() - end.to_numpy()) / np.timedelta64(1, "D")
        out["arrival_delay_days"] = delay.astype(float)
    else:
        out["arrival_delay_days"] = np.nan
    out["late"] = (out["gap_days"] > 1.5 * cadence_days) | (out["arrival_delay_days"] > cadence_days)
    return out[HEALTH_COLUMNS]


def _require(history):
    require_rule_table(history, HEALTH_COLUMNS, "service_health(...)")


@dataclass(frozen=True)
class VolumeOutside(Rule):
    """Alert when a batch holds far fewer or far more rows than usual.

    Parameters
    ----------
    low, high : float, default 0.5 and 1.5
        Bounds on ``volume_ratio`` (rows / usual rows).
    severity : default "warning"
    """

    low: float = 0.5
    high: float = 1.5
    severity: str = "warning"
    kind = "health"
    needs_history = False

    def __post_init__(self):
        lo = _check_number(self.low, "low")
        hi = _check_number(self.high, "high", positive=True)
        if not 0 <= lo < 1 < hi:
            raise ValueError(f"need 0 <= low < 1 < high (shares of the usual volume), got {lo}, {hi}.")
        _check_severity(self.severity)

    def _fire(self, history, reference):
        _require(history)
        rows = []
        for r in history.itertuples(index=False):
            if r.volume_ratio < self.low or r.volume_ratio > self.high:
                word = "fewer" if r.volume_ratio < self.low else "more"
                limit = self.low if r.volume_ratio < self.low else self.high
                rows.append(self._alert(
                    r.batch, "volume", r.volume_ratio, limit,
                    f"{_batch_label(r.batch)}: {r.n:,} rows, {word} than usual "
                    f"({r.volume_ratio:.0%} of {r.expected_rows:,.0f}): check the upstream load.",
                ))
        return rows

    def __repr__(self):
        return f"VolumeOutside(low={self.low:g}, high={self.high:g}, severity={self.severity!r})"


@dataclass(frozen=True)
class BatchLate(Rule):
    """Alert when a batch comes late or after a missing one (``late`` in the health table)."""

    severity: str = "warning"
    kind = "health"
    needs_history = False

    def __post_init__(self):
        _check_severity(self.severity)

    def _fire(self, history, reference):
        _require(history)
        rows = []
        for r in history[history["late"]].itertuples(index=False):
            if r.gap_days > 1.5 * r.cadence_days:
                msg = (f"{r.gap_days:.0f} days after the previous batch (cadence "
                       f"{r.cadence_days:.0f}): a batch is missing or delayed")
                value, limit = r.gap_days, 1.5 * r.cadence_days
            else:
                msg = f"arrived {r.arrival_delay_days:.1f} days after its period ended"
                value, limit = r.arrival_delay_days, r.cadence_days
            rows.append(self._alert(r.batch, "freshness", value, limit,
                                    f"{_batch_label(r.batch)}: {msg}."))
        return rows

    def __repr__(self):
        return f"BatchLate(severity={self.severity!r})"


@dataclass(frozen=True)
class ScoredShareBelow(Rule):
    """Alert when fewer than ``threshold`` of a batch's rows received a score."""

    threshold: float = 0.99
    severity: str = "critical"
    kind = "health"
    needs_history = False

    def __post_init__(self):
        t = _check_number(self.threshold, "threshold")
        if not 0 < t <= 1:
            raise ValueError(f"threshold is a share of rows in (0, 1], got {self.threshold!r}.")
        _check_severity(self.severity)

    def _fire(self, history, reference):
        _require(history)
        rows = []
        for r in history[history["scored_share"] < self.threshold].itertuples(index=False):
            rows.append(self._alert(
                r.batch, "scored_share", r.scored_share, self.threshold,
                f"{_batch_label(r.batch)}: only {r.scored_share:.1%} of rows were scored "
                f"(floor {self.threshold:.0%}): metrics on this batch see a biased subset.",
            ))
        return rows

    def __repr__(self):
        return f"ScoredShareBelow({self.threshold:g}, severity={self.severity!r})"

"""Score alerts against a scenario's ground truth: drift events detected, delays, false alarms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Columns of :meth:`AlertScore.to_frame` and of :func:`drift_windows` (the first four).
EVENT_COLUMNS = (
    "start_batch", "end_batch", "kind", "features", "detected", "first_alert", "delay",
)
#: Kinds of truth rows that are not drift to detect (labels arriving late is a known delay).
NOT_DRIFT = ("label_delay",)
_TRUTH_NEEDS = ("kind", "features", "start_batch", "end_batch")


@dataclass(frozen=True, eq=False)
class AlertScore:
    """How well a set of alerts matched the truth (see :func:`score_alerts`).

    Attributes
    ----------
    n_events : int
        Drift events to detect (truth windows, overlapping ones merged).
    detected, missed : int
        Events with at least one alert inside their window, and events without.
    delays : tuple
        Per event, in onset order: batches from the onset to the first alert inside the
        window, or ``None`` when the event was missed.
    mean_delay : float
        Mean of the delays of the detected events; ``nan`` when none was detected.
    false_alarms : int
        Alerted batches outside every drift window.
    false_alarm_batches : tuple
        Those batches, in order.
    alerted_batches : tuple
        Every batch with at least one alert, in order.
    quiet_batches : int or None
        Batches without drift (``0 .. n_batches - 1`` outside every window): the
        chances to raise a false alarm. ``None`` when ``n_batches`` was not given.
    n_batches : int or None
        The number of monitored batches, as given.
    """

    n_events: int
    detected: int
    missed: int
    delays: tuple
    mean_delay: float
    false_alarms: int
    false_alarm_batches: tuple
    alerted_batches: tuple
    quiet_batches: int | None
    n_batches: int | None
    _events: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One row per drift event: ``start_batch, end_batch, kind, features, detected,
        first_alert, delay`` (``first_alert`` and ``delay`` are nullable integers, ``<NA>``
        when the event was missed)."""
        return self._events.copy()

    def __repr__(self) -> str:
        delay = "nan" if np.isnan(self.mean_delay) else f"{self.mean_delay:.3g}"
        quiet = "" if self.quiet_batches is None else f" in {self.quiet_batches} quiet batches"
        return (
            f"AlertScore(detected={self.detected} of {self.n_events} events, "
            f"mean_delay={delay}, false_alarms={self.false_alarms}{quiet})"
        )


def _check_truth(truth) -> pd.DataFrame:
    if not isinstance(truth, pd.DataFrame) and isinstance(getattr(truth, "truth", None), pd.DataFrame):
        truth = truth.truth  # a Scenario
    if not isinstance(truth, pd.DataFrame):
        raise TypeError(
            f"truth must be a scenario's truth table, got {type(truth).__name__}: "
            f"pass scenario.truth (or the Scenario itself)."
        )
    missing = [c for c in _TRUTH_NEEDS if c not in truth.columns]
    if missing:
        raise ValueError(
            f"truth has no column(s) {missing}: pass a scenario's truth table (scenario.truth), "
            f"which has columns {list(_TRUTH_NEEDS)}."
        )
    for col in ("start_batch", "end_batch"):
        values = truth[col]
        if not pd.api.types.is_numeric_dtype(values.dtype) or values.isna().any():
            raise ValueError(
                f"truth[{col!r}] must hold batch numbers without missing values: pass "
                f"scenario.truth unchanged."
            )
    if (truth["end_batch"] < truth["start_batch"]).any():
        raise ValueError("truth has a window whose end_batch is before its start_batch: "
                         "pass scenario.truth unchanged.")
    return truth


def _check_n_batches(n_batches) -> int | None:
    if n_batches is None:
        return None
    if isinstance(n_batches, bool) or not isinstance(n_batches, (int, np.integer)):
        raise TypeError(f"n_batches must be a whole number of batches, got {n_batches!r}.")
    if n_batches < 1:
        raise ValueError(f"n_batches must be at least 1, got {n_batches}: pass the number "
                         f"of monitored batches, e.g. len(result.history).")
    return int(n_batches)


def drift_windows(truth, *, n_batches: int | None = None) -> pd.DataFrame:
    """The drift events of a truth table: one row per window, overlapping windows merged.

    ``label_delay`` rows are dropped (late labels are a known delay, not drift to detect).
    Windows that overlap (share at least one batch) become one event, with their kinds
    and features joined. With ``n_batches``, only events starting before batch
    ``n_batches`` are kept and their end is cut at ``n_batches - 1``.

    Parameters
    ----------
    truth : DataFrame or Scenario
        A scenario's truth table (``scenario.truth``), or the scenario.
    n_batches : int, optional
        Number of monitored batches (``0 .. n_batches - 1``).

    Returns
    -------
    DataFrame
        Columns ``start_batch, end_batch, kind, features`` (``kind`` the distinct kinds
        joined with ``", "``; ``features`` a tuple), sorted by ``start_batch``.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"kind": ["covariate_shift", "concept_drift", "label_delay"],
    ...                       "features": [("age",), ("income",), ()],
    ...                       "start_batch": [5, 7, 6], "end_batch": [9, 9, 9]})
    >>> drift_windows(truth)
       start_batch  end_batch                            kind        features
    0            5          9  covariate_shift, concept_drift  (age, income)
    """
    truth = _check_truth(truth)
    n_batches = _check_n_batches(n_batches)
    truth = truth[~truth["kind"].isin(NOT_DRIFT)].sort_values(["start_batch", "end_batch"],
                                                            kind="stable")
    merged: list[dict] = []
    for row in truth.itertuples(index=False):
        start, end = int(row.start_batch), int(row.end_batch)
        features = tuple(row.features) if isinstance(row.features, (tuple, list)) else ()
        if merged and start <= merged[-1]["end_batch"]:
            last = merged[-1]
            last["end_batch"] = max(last["end_batch"], end)
            last["kinds"][row.kind] = None
            last["features"].update(dict.fromkeys(features))
        else:
            merged.append({"start_batch": start, "end_batch": end, "kinds": {row.kind: None},
                           "features": dict.fromkeys(features)})
    rows = []
    for w in merged:
        if n_batches is not None and w["start_batch"] >= n_batches:
            continue  # starts after the monitored stream: nothing could detect it
        end = w["end_batch"] if n_batches is None else min(w["end_batch"], n_batches - 1)
        rows.append({"start_batch": w["start_batch"], "end_batch": end,
                     "kind": ", ".join(str(k) for k in w["kinds"]),
                     "features": tuple(w["features"])})
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS[:4]))
    return frame.astype({"start_batch": np.int64, "end_batch": np.int64})


def _alerted_batches(alerts) -> list[int]:
    """Sorted distinct batch numbers from alerts given as a table, a result or a list."""
    if hasattr(alerts, "alerts") and isinstance(alerts.alerts, pd.DataFrame):
        alerts = alerts.alerts  # a MonitorResult
    if isinstance(alerts, pd.DataFrame):
        if "batch" not in alerts.columns:
            raise ValueError(
                "the alerts table has no 'batch' column: pass result.alerts or the table "
                "returned by rule.evaluate(history, reference)."
            )
        values = alerts["batch"]
    elif isinstance(alerts, (str, bytes)) or not np.iterable(alerts):
        raise TypeError(
            f"alerts must be an alerts table (result.alerts), a MonitorResult or a list of "
            f"alerted batch numbers, got {type(alerts).__name__}."
        )
    else:
        values = pd.Series(list(alerts), dtype=object)
    if values.empty:
        return []
    numeric = pd.to_numeric(values, errors="coerce")
    is_bool = values.map(lambda v: isinstance(v, (bool, np.bool_)))
    bad = values[numeric.isna() | (numeric != np.round(numeric)) | is_bool]
    if len(bad):
        raise ValueError(
            f"alert batches must be batch numbers (0, 1, 2, ...) to match the truth's "
            f"windows, got {bad.iloc[0]!r}: monitor batches numbered like the scenario's "
            f"'batch' column."
        )
    return sorted({int(b) for b in numeric})


def score_alerts(alerts, truth, *, n_batches: int | None = None) -> AlertScore:
    """Score alerts against the truth: events detected, detection delays and false alarms.

    Parameters
    ----------
    alerts : DataFrame, MonitorResult or list of int
        Alerts with a ``batch`` column (``result.alerts``, or the table returned by
        ``rule.evaluate(history, reference)``; several rules' tables can be
        concatenated), a ``MonitorResult``, or the alerted batch numbers themselves.
        Several alerts on one batch count once.
    truth : DataFrame or Scenario
        The scenario's truth table (``scenario.truth``), or the scenario.
    n_batches : int, optional
        Number of monitored batches (``0 .. n_batches - 1``). Events starting at or after
        it are not scored (nothing could detect them), and ``quiet_batches`` counts the
        batches outside every window. Default: not limited, ``quiet_batches`` is ``None``.

    Returns
    -------
    AlertScore
        A frozen result: ``n_events, detected, missed, delays, mean_delay, false_alarms,
        false_alarm_batches, alerted_batches, quiet_batches, n_batches``, and
        ``to_frame()`` with one row per event.

    Notes
    -----
    The events are the truth's windows with overlapping ones merged and ``label_delay``
    rows ignored (see :func:`drift_windows`). An event is *detected* when some alert
    falls inside its window (``start_batch`` to ``end_batch``, both included); its
    *delay* is the first such batch minus ``start_batch``. A *false alarm* is an alerted
    batch outside every window.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"kind": ["covariate_shift"], "features": [("age",)],
    ...                       "start_batch": [5], "end_batch": [9]})
    >>> score = score_alerts([2, 6, 7], truth, n_batches=10)
    >>> score
    AlertScore(detected=1 of 1 events, mean_delay=1, false_alarms=1 in 5 quiet batches)
    >>> score.delays, score.false_alarm_batches
    ((1,), (2,))
    >>> score.to_frame()[["start_batch", "end_batch", "detected", "first_alert", "delay"]]
       start_batch  end_batch  detected  first_alert  delay
    0            5          9      True            6      1
    """
    n_batches = _check_n_batches(n_batches)
    windows = drift_windows(truth, n_batches=n_batches)
    alerted = _alerted_batches(alerts)
    if n_batches is not None and alerted and (alerted[0] < 0 or alerted[-1] >= n_batches):
        outside = next(b for b in alerted if b < 0 or b >= n_batches)
        raise ValueError(
            f"an alert is on batch {outside}, outside the {n_batches} monitored batches "
            f"(0 to {n_batches - 1}): pass n_batches=len(result.history), or leave it out."
        )
    rows, inside = [], set()
    for w in windows.itertuples(index=False):
        hits = [b for b in alerted if w.start_batch <= b <= w.end_batch]
        inside.update(range(w.start_batch, w.end_batch + 1))
        rows.append({
            "start_batch": w.start_batch, "end_batch": w.end_batch, "kind": w.kind,
            "features": w.features, "detected": bool(hits),
            "first_alert": hits[0] if hits else None,
            "delay": hits[0] - w.start_batch if hits else None,
        })
    events = pd.DataFrame(rows, columns=list(EVENT_COLUMNS)).astype(
        {"start_batch": np.int64, "end_batch": np.int64, "detected": bool,
         "first_alert": "Int64", "delay": "Int64"}
    )
    delays = tuple(r["delay"] for r in rows)
    found = [d for d in delays if d is not None]
    false = tuple(b for b in alerted if b not in inside)
    detected = sum(r["detected"] for r in rows)
    return AlertScore(
        n_events=len(rows), detected=detected, missed=len(rows) - detected, delays=delays,
        mean_delay=float(np.mean(found)) if found else float("nan"),
        false_alarms=len(false), false_alarm_batches=false, alerted_batches=tuple(alerted),
        quiet_batches=None if n_batches is None else n_batches - len(inside & set(range(n_batches))),
        n_batches=n_batches, _events=events,
    )

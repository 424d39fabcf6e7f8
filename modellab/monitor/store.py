"""The monitoring history in an embedded SQLite file (stdlib :mod:`sqlite3`).

One file holds everything a report needs, without the raw rows: the monitor's
configuration and reference metrics (table ``meta``), one row per processed batch
(``batches``) with its metric values (``batch_values``), the per-feature drift
tests (``drift``), reference-vs-current histograms (``histograms``) and the alerts
(``alerts``).

Guarantees
----------
* **One transaction per batch.** Everything a batch produces is written by
  :meth:`MonitorStore.write_batch` inside a single ``BEGIN IMMEDIATE ... COMMIT``;
  a process killed mid-way leaves the file as it was before that batch (SQLite's
  journal rolls the half-written transaction back on the next open).
* **No duplicates.** ``batch`` is the primary key of ``batches``; writing a batch
  that is already stored raises, unless ``replace=True`` (old rows of that batch are
  deleted in the same transaction). :class:`~modellab.monitor.Monitor` skips stored
  batches by default, so re-running the same batches adds nothing.
* **Versioned schema.** ``meta.schema_version`` is :data:`SCHEMA_VERSION`; opening a
  file written by a newer modellab is refused with a message saying to upgrade.

Schema (version 1)
------------------
``meta(key TEXT PRIMARY KEY, value TEXT)``
    ``schema_version``, ``created_at``, ``modellab_version`` and the monitor
    configuration: ``target``, ``score``, ``prediction``, ``threshold``,
    ``features`` (JSON list), ``reference_metrics`` (JSON object), ``rules`` (JSON list
    of rule reprs).
``batches(batch PRIMARY KEY, seq INTEGER, start TEXT, n INTEGER, n_labelled INTEGER, note TEXT,
source TEXT, processed_at TEXT)``
    ``seq`` orders batches as they were processed; ``batch`` keeps its Python type
    (integer or text).
``batch_values(batch, name TEXT, value REAL)``, primary key ``(batch, name)``
    every other numeric column of :attr:`MonitorResult.history` (metrics, CI bounds,
    ``drift_share``) except the per-feature ones: ``drift_<f>``, ``effect_<f>``,
    ``missing_<f>`` and ``nonfinite_<f>`` are stored once, in ``drift``, and
    :meth:`MonitorStore.read_history` builds them from it (:data:`WIDE_VIEW`).
``drift(batch, "column" TEXT, kind, method, statistic, p_value, p_value_adjusted, threshold,
effect_size, effect_measure, drifted INTEGER, reason, missing_rate REAL, nonfinite_rate REAL)``,
primary key ``(batch, "column")``: the long per-feature table (``missing_rate`` and
``nonfinite_rate``, the shares of the batch's rows that are NaN and +-inf, are added in
place, by ``ALTER TABLE``, to files written before they existed; their rows read ``NULL``)
``histograms(batch, "column", bin_index INTEGER, bin TEXT, left REAL, right REAL,
reference_share REAL, current_share REAL)``, primary key ``(batch, "column", bin_index)``
``alerts(batch, rule TEXT, kind TEXT, subject TEXT, value REAL, threshold REAL, severity TEXT,
message TEXT)``, primary key ``(batch, rule)``

(``column`` is an SQL keyword: quote it, ``SELECT "column" FROM drift``.)

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "monitor.db"
>>> with MonitorStore(path) as store:
...     store.schema_version
1
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import pathlib
import sqlite3
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from modellab.monitor._batch_ids import batch_key

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    batch PRIMARY KEY NOT NULL, seq INTEGER NOT NULL, start TEXT, n INTEGER NOT NULL,
    n_labelled INTEGER NOT NULL, note TEXT, source TEXT, processed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_values (
    batch NOT NULL, name TEXT NOT NULL, value REAL, PRIMARY KEY (batch, name)
);
CREATE TABLE IF NOT EXISTS drift (
    batch NOT NULL, "column" TEXT NOT NULL, kind TEXT, method TEXT, statistic REAL,
    p_value REAL, p_value_adjusted REAL, threshold REAL, effect_size REAL, effect_measure TEXT,
    drifted INTEGER, reason TEXT, missing_rate REAL, nonfinite_rate REAL,
    PRIMARY KEY (batch, "column")
);
CREATE TABLE IF NOT EXISTS histograms (
    batch NOT NULL, "column" TEXT NOT NULL, bin_index INTEGER NOT NULL, bin TEXT,
    "left" REAL, "right" REAL, reference_share REAL, current_share REAL,
    PRIMARY KEY (batch, "column", bin_index)
);
CREATE TABLE IF NOT EXISTS alerts (
    batch NOT NULL, rule TEXT NOT NULL, kind TEXT, subject TEXT, value REAL, threshold REAL,
    severity TEXT, message TEXT, PRIMARY KEY (batch, rule)
);
CREATE TABLE IF NOT EXISTS segments (
    batch NOT NULL, "column" TEXT NOT NULL, segment TEXT NOT NULL, metric TEXT, value REAL,
    rest REAL, gap REAL, lower REAL, upper REAL, n INTEGER, n_segments INTEGER, ci REAL
);
CREATE TABLE IF NOT EXISTS contract (
    batch NOT NULL, "column" TEXT, "check" TEXT, failures INTEGER, examples TEXT
);
"""

_TABLES = ("meta", "batches", "batch_values", "drift", "histograms", "alerts")

#: Columns of each table as :meth:`MonitorStore.read` returns them.
DRIFT_COLUMNS = [
    "batch", "column", "kind", "method", "statistic", "p_value", "p_value_adjusted", "threshold",
    "effect_size", "effect_measure", "drifted", "reason", "missing_rate", "nonfinite_rate",
]
HISTOGRAM_COLUMNS = [
    "batch", "column", "bin_index", "bin", "left", "right", "reference_share", "current_share",
]
ALERT_COLUMNS = ["batch", "rule", "kind", "subject", "value", "threshold", "severity", "message"]
#: Per-segment gaps of each batch (:func:`modellab.metrics.segment_gaps` plus the segment
#: ``column``) and its data-contract violations (:func:`modellab.contracts.validate`).
SEGMENT_COLUMNS = ["batch", "column", "segment", "metric", "value", "rest", "gap", "lower",
                   "upper", "n", "n_segments", "ci"]
CONTRACT_COLUMNS = ["batch", "column", "check", "failures", "examples"]
_LONG_TABLES = {"segments": SEGMENT_COLUMNS, "contract": CONTRACT_COLUMNS}
_BATCH_COLUMNS = ["batch", "start", "n", "n_labelled", "note"]



def _sql_value(value):
    """Python/numpy scalar -> something sqlite3 stores (NaN -> NULL)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if math.isnan(v) else v
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


class MonitorStore:
    """An open monitoring store; use as a context manager or call :meth:`close`.

    Parameters
    ----------
    path : str or path-like
        The SQLite file; created (with its folder) when missing.
    readonly : bool, default False
        Open an existing file for reading only (raises ``FileNotFoundError`` if absent).
    """

    def __init__(self, path, *, readonly: bool = False):
        if isinstance(path, MonitorStore):
            raise TypeError("path is already a MonitorStore: pass the store itself or its .path.")
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a file path such as 'monitor.db', got {type(path).__name__}.")
        self.path = pathlib.Path(path)
        if self.path.is_dir():
            raise ValueError(f"{self.path} is a folder: pass a file path such as {self.path / 'monitor.db'}.")
        if readonly and not self.path.exists():
            raise FileNotFoundError(
                f"No monitoring store at {self.path}: run `modellab monitor run ... --store "
                f"{self.path}` (or Monitor(..., store=...).run(...)) first."
            )
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        uri = f"file:{self.path}?mode=ro" if readonly else str(self.path)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per batch.
            self._con = sqlite3.connect(uri, uri=readonly, isolation_level=None, timeout=30)
            self._con.execute("PRAGMA foreign_keys = ON")
            version = self._read_version()
        except sqlite3.DatabaseError as exc:
            if getattr(self, "_con", None) is not None:
                self._con.close()
            raise ValueError(
                f"{self.path} is not a modellab monitoring store ({exc}): pass another "
                f"--store path, or delete the file to start a new history."
            ) from None
        if version is not None and version > SCHEMA_VERSION:
            self._con.close()
            raise ValueError(
                f"{self.path} uses monitoring-store schema version {version}, newer than the "
                f"{SCHEMA_VERSION} this modellab understands: upgrade modellab "
                f"(pip install -U modellab) to read it."
            )
        if version is None and not readonly:
            self._create()
        elif version is not None and not readonly:
            self._migrate()

    def _migrate(self) -> None:
        """Bring a file written by an earlier modellab up to date (additive changes only)."""
        have = {r[0] for r in self._con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not set(_LONG_TABLES) <= have:  # segment and contract tables joined later
            with self._transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._con.execute(statement)
        drift_columns = {r[1] for r in self._con.execute('PRAGMA table_info("drift")')}
        # per-feature missing and non-finite rates joined the drift rows
        for column in ("missing_rate", "nonfinite_rate"):
            if column not in drift_columns:
                with self._transaction():
                    self._con.execute(f'ALTER TABLE drift ADD COLUMN {column} REAL')

    # ------------------------------------------------------------------ set-up
    def _read_version(self) -> int | None:
        has_meta = self._con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if not has_meta:
            tables = self._con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
            if tables:
                raise sqlite3.DatabaseError(f"it holds other tables {[t[0] for t in tables][:5]}")
            return None
        row = self._con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            raise sqlite3.DatabaseError("its meta table has no schema_version")
        try:
            version = int(row[0])
        except (TypeError, ValueError):
            raise sqlite3.DatabaseError(f"its schema_version {row[0]!r} is not a number") from None
        if version < 1:
            raise sqlite3.DatabaseError(f"its schema_version {version} is not a valid version")
        if version <= SCHEMA_VERSION:
            have = {r[0] for r in self._con.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            lacking = [t for t in _TABLES if t not in have]
            if lacking:
                raise sqlite3.DatabaseError(f"it lacks the table(s) {lacking}")
        return version

    def _create(self) -> None:
        from modellab import __version__

        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._con.execute(statement)
            now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
            self._con.executemany(
                "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("created_at", now),
                    ("modellab_version", __version__),
                ],
            )

    def _transaction(self):
        return _Transaction(self._con)

    @property
    def schema_version(self) -> int:
        return self._read_version() or SCHEMA_VERSION

    # ------------------------------------------------------------------ meta
    def get_meta(self) -> dict:
        """All ``meta`` entries, JSON values decoded."""
        out = {}
        for key, value in self._con.execute("SELECT key, value FROM meta"):
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                out[key] = value
        return out

    def set_meta(self, values: Mapping[str, object]) -> None:
        """Write configuration entries (JSON-encoded) in one transaction."""
        with self._transaction():
            self._con.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                [(k, json.dumps(v, default=_json_default)) for k, v in values.items()],
            )

    # ------------------------------------------------------------------ batches
    def batches(self) -> list:
        """Stored batch ids, in processing order."""
        return [r[0] for r in self._con.execute("SELECT batch FROM batches ORDER BY seq")]

    def __contains__(self, batch) -> bool:
        key = batch_key(batch)
        return self._con.execute("SELECT 1 FROM batches WHERE batch=?", (key,)).fetchone() is not None

    def write_batch(
        self,
        row: Mapping[str, object],
        *,
        drift: pd.DataFrame | None = None,
        histograms: pd.DataFrame | None = None,
        alerts: pd.DataFrame | None = None,
        source: str | None = None,
        replace: bool = False,
        tables: Mapping[str, pd.DataFrame] | None = None,
    ) -> None:
        """Write one batch (history row, drift rows, histograms, alerts) in ONE transaction.

        ``row`` is a :attr:`MonitorResult.history` row (a mapping with ``batch``);
        ``tables`` optionally holds its ``"segments"`` and ``"contract"`` rows. Raises
        ``ValueError`` when the batch is already stored, unless ``replace=True``.
        """
        key = batch_key(row["batch"])
        # The per-feature numbers are stored once, in the drift rows: the row's wide view of
        # them (drift_<f>, effect_<f>, ...) is not written again (read_history rebuilds it).
        views = _wide_names(drift)
        values = [
            (key, name, _sql_value(v))
            for name, v in row.items()
            if name not in _BATCH_COLUMNS and name not in views and _is_number(v)
        ]
        with self._transaction():
            if key in self:
                if not replace:
                    raise ValueError(
                        f"Batch {key!r} is already in {self.path}: skip it, or pass replace=True "
                        f"to overwrite it."
                    )
                self._delete(key)
            seq = self._con.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM batches").fetchone()[0]
            self._con.execute(
                "INSERT INTO batches(batch, seq, start, n, n_labelled, note, source, processed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key, seq, _sql_value(row.get("start")), int(row["n"]), int(row["n_labelled"]),
                    _sql_value(row.get("note")) or None, source,
                    _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                ),
            )
            self._con.executemany(
                "INSERT INTO batch_values(batch, name, value) VALUES (?, ?, ?)", values
            )
            self._insert(drift, "drift", DRIFT_COLUMNS, key)
            self._insert(histograms, "histograms", HISTOGRAM_COLUMNS, key)
            self._insert(alerts, "alerts", ALERT_COLUMNS, key)
            for name, frame in (tables or {}).items():
                if name not in _LONG_TABLES:
                    raise ValueError(f"Unknown table {name!r}: choose from {list(_LONG_TABLES)}.")
                self._insert(frame, name, _LONG_TABLES[name], key)

    def _insert(self, frame, table, columns, key) -> None:
        if frame is None or len(frame) == 0:
            return
        frame = frame.assign(batch=key)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{table} rows lack column(s) {missing}; expected {columns}.")
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        rows = [
            tuple(_sql_value(v) for v in rec)
            for rec in frame[columns].itertuples(index=False, name=None)
        ]
        self._con.executemany(f"INSERT INTO {table}({quoted}) VALUES ({marks})", rows)

    def _delete(self, key) -> None:
        for table in ("batches", "batch_values", "drift", "histograms", "alerts", *_LONG_TABLES):
            self._con.execute(f"DELETE FROM {table} WHERE batch=?", (key,))

    # ------------------------------------------------------------------ reading
    def read_history(self) -> pd.DataFrame:
        """One row per stored batch (processing order): the wide history table."""
        base = pd.read_sql_query(
            "SELECT batch, start, n, n_labelled, note FROM batches ORDER BY seq", self._con
        )
        vals = pd.read_sql_query(
            "SELECT v.batch, v.name, v.value FROM batch_values v JOIN batches b USING(batch) "
            "ORDER BY b.seq, v.rowid",
            self._con,
        )
        if len(vals):
            names = list(dict.fromkeys(vals["name"]))
            wide = vals.pivot(index="batch", columns="name", values="value")[names]
            wide.columns.name = None
            base = base.join(wide, on="batch")
        base = self._with_wide_view(base)
        base["start"] = pd.to_datetime(base["start"], format="ISO8601") if base["start"].notna().any() else pd.NaT
        base["note"] = base["note"].fillna("").astype(str)
        base = base[[c for c in base.columns if c != "note"] + ["note"]]
        for col in base.columns:
            if col.startswith("drift_") and col != "drift_share":
                base[col] = base[col].astype(float).fillna(0).astype(bool)
            elif col.startswith("estimated_") and col.endswith("_alert") or col == "late":
                base[col] = base[col].astype(float).fillna(0).astype(bool)
            elif col == "contract_violations" and base[col].notna().all():
                base[col] = base[col].astype(np.int64)  # a count, as Monitor.run gives it
        return base.reset_index(drop=True)

    def _with_wide_view(self, base: pd.DataFrame) -> pd.DataFrame:
        """``base`` with the wide per-feature columns built from the drift rows, after
        ``drift_share`` (files written before the per-feature numbers were stored once
        keep the values they hold in ``batch_values``)."""
        drift = self.read_table("drift")
        if drift.empty:
            return base
        features = list(dict.fromkeys(drift["column"]))
        new = {}
        for prefix, field in WIDE_VIEW.items():
            table = drift.pivot(index="batch", columns="column", values=field)
            for f in features:
                if prefix + f not in base.columns:
                    new[prefix + f] = base["batch"].map(table[f])
        base = base.assign(**new) if new else base
        wide = [p + f for p in WIDE_VIEW for f in features]
        others = [c for c in base.columns if c not in wide]
        cut = others.index("drift_share") + 1 if "drift_share" in others else len(others)
        return base[others[:cut] + wide + others[cut:]]

    def read_table(self, table: str) -> pd.DataFrame:
        """Rows of ``drift``, ``histograms``, ``alerts``, ``segments`` or ``contract`` in
        batch-processing order."""
        columns = {"drift": DRIFT_COLUMNS, "histograms": HISTOGRAM_COLUMNS, "alerts": ALERT_COLUMNS,
                   **_LONG_TABLES}
        if table not in columns:
            raise ValueError(f"Unknown table {table!r}: choose one of {list(columns)}.")
        have = {r[1] for r in self._con.execute(f'PRAGMA table_info("{table}")')}
        if not have:  # a store from before the table existed (read-only: not migrated)
            return pd.DataFrame(columns=columns[table])
        cols = ", ".join(f't."{c}"' if c in have else f'NULL AS "{c}"' for c in columns[table])
        frame = pd.read_sql_query(
            f"SELECT {cols} FROM {table} t JOIN batches b USING(batch) ORDER BY b.seq, t.rowid",
            self._con,
        )
        if "drifted" in frame:
            frame["drifted"] = frame["drifted"].fillna(0).astype(bool)
        for c in ("value", "threshold", "statistic", "p_value", "p_value_adjusted", "effect_size",
                  "left", "right", "reference_share", "current_share", "missing_rate",
                  "nonfinite_rate"):
            if c in frame:
                frame[c] = frame[c].astype(float)
        return frame

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"MonitorStore({str(self.path)!r})"


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any exception."""

    def __init__(self, con: sqlite3.Connection):
        self._con = con

    def __enter__(self):
        self._con.execute("BEGIN IMMEDIATE")
        return self._con

    def __exit__(self, exc_type, exc, tb):
        self._con.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False


#: History columns that are a view of the drift rows: ``<prefix><feature>`` -> drift column.
WIDE_VIEW = {"drift_": "drifted", "effect_": "effect_size", "missing_": "missing_rate",
             "nonfinite_": "nonfinite_rate"}


def _wide_names(drift) -> set:
    """Names of the wide history columns that are views of ``drift`` (its features)."""
    if drift is None or len(drift) == 0 or "column" not in drift:
        return set()
    return {p + str(f) for p in WIDE_VIEW for f in drift["column"]}


def _is_number(value) -> bool:
    return isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating))


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, Iterable):
        return list(value)
    return str(value)

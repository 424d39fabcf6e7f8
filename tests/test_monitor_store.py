"""The SQLite store: schema version, one transaction per batch, idempotent re-runs."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from modellab.monitor import SCHEMA_VERSION, Monitor, MonitorResult, MonitorStore


def toy(n, rng, shift=0.0, batch=None):
    x = rng.normal(shift, 1, n)
    p = 1 / (1 + np.exp(-(2 * x - 1)))
    frame = pd.DataFrame({
        "x": x, "colour": rng.choice(["red", "blue"], n),
        "default": (rng.random(n) < p).astype(float), "score": p,
    })
    return frame if batch is None else frame.assign(batch=batch)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    reference = toy(2000, rng)
    production = pd.concat([toy(400, rng, batch=b, shift=0.8 if b >= 4 else 0.0) for b in range(6)])
    return reference, production


def same_tables(a: MonitorResult, b: MonitorResult) -> None:
    pd.testing.assert_frame_equal(a.history, b.history, check_dtype=False)
    for table in ("drift", "histograms", "alerts"):
        left = getattr(a, table).reset_index(drop=True)
        right = getattr(b, table).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_dtype=False)


def test_new_store_has_a_schema_version(tmp_path):
    path = tmp_path / "m.db"
    with MonitorStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )


def test_a_newer_schema_is_refused_with_advice(tmp_path):
    path = tmp_path / "m.db"
    MonitorStore(path).close()
    with sqlite3.connect(path) as con:
        con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(ValueError, match="schema version 99, newer.*upgrade modellab"):
        MonitorStore(path)


def test_files_that_are_not_stores_are_refused(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ValueError, match="not a modellab monitoring store"):
        MonitorStore(junk)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(ValueError, match="other tables"):
        MonitorStore(other)
    with pytest.raises(FileNotFoundError, match="No monitoring store"):
        MonitorResult.from_store(tmp_path / "missing.db")


def test_store_round_trip_equals_the_in_memory_result(tmp_path, data):
    reference, production = data
    memory = Monitor(reference).run(production)
    stored = Monitor(reference, store=tmp_path / "m.db").run(production)
    same_tables(memory, stored)
    assert stored.new_batches == list(range(6))
    loaded = MonitorResult.from_store(tmp_path / "m.db")
    same_tables(memory, loaded)
    assert loaded.reference == pytest.approx(memory.reference, nan_ok=True)
    assert loaded.features == ["x", "colour"]
    assert [r.name for r in loaded.rules] == [r.name for r in memory.rules]
    assert loaded.config["target"] == "default" and loaded.config["threshold"] == 0.5
    assert len(memory.alerts) > 0  # the comparison covers real alerts


def test_per_feature_numbers_are_stored_once_in_the_drift_rows(tmp_path, data):
    """batch_values holds no drift_<f>/effect_<f>/missing_<f>/nonfinite_<f>: the store
    keeps them in the drift table only and rebuilds the wide view from it (the in-memory
    run is the oracle), so a feature's numbers cannot disagree between two tables."""
    reference, production = data
    memory = Monitor(reference).run(production)
    stored = Monitor(reference, store=tmp_path / "m.db").run(production)
    con = sqlite3.connect(tmp_path / "m.db")
    names = {r[0] for r in con.execute("SELECT DISTINCT name FROM batch_values")}
    con.close()
    wide = {p + f for p in ("drift_", "effect_", "missing_", "nonfinite_") for f in ("x", "colour")}
    assert wide <= set(memory.history.columns)
    assert not names & wide and "drift_share" in names
    pd.testing.assert_frame_equal(stored.history, memory.history, check_dtype=False)
    # a store written before (wide values in batch_values, no nonfinite_rate) still reads
    con = sqlite3.connect(tmp_path / "m.db")
    con.executemany("INSERT INTO batch_values(batch, name, value) VALUES (?, ?, ?)",
                    [(0, "missing_x", 0.5)])
    con.commit()
    con.close()
    assert MonitorResult.from_store(tmp_path / "m.db").history.at[0, "missing_x"] == 0.5


def test_rerunning_the_same_batches_adds_nothing(tmp_path, data):
    reference, production = data
    path = tmp_path / "m.db"
    first = Monitor(reference, store=path).run(production)
    again = Monitor(reference, store=path).run(production)
    assert again.new_batches == []
    same_tables(first, again)
    with sqlite3.connect(path) as con:
        for table, per_batch in (("batches", 1), ("drift", 2)):
            assert con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 6 * per_batch


def test_replace_recomputes_without_duplicates(tmp_path, data):
    reference, production = data
    path = tmp_path / "m.db"
    first = Monitor(reference, store=path).run(production)
    replaced = Monitor(reference, store=path, on_existing="replace").run(production)
    assert replaced.new_batches == list(range(6))
    same_tables(first, replaced)


def test_running_in_pieces_equals_one_run(tmp_path, data):
    reference, production = data
    whole = Monitor(reference, store=tmp_path / "whole.db").run(production)
    monitor = Monitor(reference, store=tmp_path / "pieces.db")
    monitor.run(production[production["batch"] < 2])
    monitor.run(production[production["batch"] == 4])  # out of order
    monitor.run(production)  # fills 2, 3, 5
    pieces = MonitorResult.from_store(tmp_path / "pieces.db")
    assert sorted(pieces.batches) == whole.batches
    key = ["batch"]
    a = whole.history.sort_values(key).reset_index(drop=True)
    b = pieces.history.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert sorted(map(tuple, whole.alerts[["batch", "rule"]].values)) == sorted(
        map(tuple, pieces.alerts[["batch", "rule"]].values)
    )


def test_a_failed_batch_write_leaves_nothing_behind(tmp_path, data):
    reference, production = data
    path = tmp_path / "m.db"
    Monitor(reference, store=path).run(production[production["batch"] == 0])
    with MonitorStore(path) as store:
        row = {"batch": 7, "n": 10, "n_labelled": 0, "roc_auc": 0.5}
        bad_alerts = pd.DataFrame({"batch": [7], "rule": ["r"]})  # lacks columns -> fails late
        with pytest.raises(ValueError, match="alerts rows lack"):
            store.write_batch(row, alerts=bad_alerts)
        assert store.batches() == [0]
        assert 7 not in store
        with pytest.raises(ValueError, match="already in"):
            store.write_batch({"batch": 0, "n": 1, "n_labelled": 0})
    con = sqlite3.connect(path)
    assert con.execute("SELECT COUNT(*) FROM batch_values WHERE batch=7").fetchone()[0] == 0


def test_a_store_is_tied_to_its_features_and_target(tmp_path, data):
    reference, production = data
    path = tmp_path / "m.db"
    Monitor(reference, store=path).run(production[production["batch"] == 0])
    with pytest.raises(ValueError, match="features=.*new store"):
        Monitor(reference, store=path, features=["x"])


def test_batch_ids_keep_their_type(tmp_path, data):
    reference, production = data
    named = production.assign(batch="week-" + production["batch"].astype(str))
    r = Monitor(reference, store=tmp_path / "m.db").run(named)
    assert r.batches[:2] == ["week-0", "week-1"]
    assert MonitorResult.from_store(tmp_path / "m.db").history["batch"].tolist()[:2] == [
        "week-0", "week-1"
    ]

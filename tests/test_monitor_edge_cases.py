"""Monitor and monitor_parquet on ordinary-but-awkward production data (issue 11).

Each test pins one silently-wrong answer the monitor used to give: the in-memory path
(``Monitor.run``) and the chunked path (``monitor_parquet``) must agree, or refuse with
an error that names the argument and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from modellab.monitor import Monitor
from modellab.scale import monitor_parquet


def frame(n, rng, *, shift=0.0, logits=False, batch=None):
    x = rng.normal(shift, 1, n)
    margin = 2 * x - 1
    p = 1 / (1 + np.exp(-margin))
    out = pd.DataFrame({
        "x": x,
        "colour": rng.choice(["red", "blue", "green"], n),
        "default": (rng.random(n) < p).astype(float),
        "score": margin if logits else p,
    })
    return out if batch is None else out.assign(batch=batch)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(11)


# ------------------------------------------------------------------ 1. decision scores
def test_decision_scores_give_the_same_roc_auc_in_memory_and_chunked(rng, tmp_path):
    reference = frame(4000, rng, logits=True)
    production = pd.concat([frame(2000, rng, logits=True, batch=b) for b in range(3)])
    assert production["score"].min() < -3 and production["score"].max() > 3
    monitor = Monitor(reference, rules=[])
    in_memory = monitor.run(production).history
    for b in range(3):
        rows = production[production["batch"] == b]
        assert in_memory.loc[b, "roc_auc"] == roc_auc_score(rows["default"], rows["score"])
    production.to_parquet(tmp_path / "p.parquet")
    chunked = monitor_parquet(monitor, tmp_path, batch_size=700).history
    err = (chunked["roc_auc"] - in_memory["roc_auc"]).abs()
    assert (err <= chunked["roc_auc_max_error"] + 1e-12).all()
    assert chunked["roc_auc_max_error"].max() < 0.005
    assert (chunked["pr_auc"] - in_memory["pr_auc"]).abs().max() < 0.01
    # scores beyond the reference's range still rank correctly (open outer bins)
    far = production.assign(score=production["score"] * 3)
    far.to_parquet(tmp_path / "p.parquet")
    expected = monitor.run(far).history["roc_auc"]
    got = monitor_parquet(monitor, tmp_path).history
    assert ((got["roc_auc"] - expected).abs() <= got["roc_auc_max_error"] + 1e-12).all()


# ------------------------------------------------------------------ 2. files whose columns differ
def test_files_with_different_columns_use_the_union_of_schemas(rng, tmp_path):
    reference = frame(3000, rng).assign(prediction=lambda f: (f["score"] >= 0.5).astype(int))
    batches = [frame(1500, rng, batch=b).assign(prediction=lambda f: (f["score"] >= 0.5)
                                                .astype(int)) for b in range(3)]
    # the first file has neither labels nor decisions; the later ones have both
    batches[0].drop(columns=["default", "prediction"]).to_parquet(tmp_path / "a.parquet")
    batches[1].iloc[:700].to_parquet(tmp_path / "b.parquet")
    batches[1].iloc[700:].drop(columns="default").to_parquet(tmp_path / "c.parquet")
    batches[2].to_parquet(tmp_path / "d.parquet")
    monitor = Monitor(reference, rules=[])
    result = monitor_parquet(monitor, tmp_path, batch_size=500)
    # in memory: what the files hold, with missing labels/decisions as NaN
    rows = pd.concat([pd.read_parquet(f) for f in sorted(tmp_path.glob("*.parquet"))])
    expected = monitor.run(rows).history
    got = result.history
    assert got["n_labelled"].tolist() == [0, 700, 1500] == expected["n_labelled"].tolist()
    for col in ["accuracy", "precision", "recall", "positive_rate", "drift_share"]:
        pd.testing.assert_series_equal(got[col], expected[col], check_exact=True, obj=col)
    assert (got["roc_auc"] - expected["roc_auc"]).abs().max() <= got["roc_auc_max_error"].max()
    assert result.notes == (
        "a.parquet has no 'default' column: its rows count as unlabelled.",
        "a.parquet has no 'prediction' column: its decisions are score >= threshold.",
        "c.parquet has no 'default' column: its rows count as unlabelled.",
    )


# ------------------------------------------------------------------ 4. predictions
@pytest.mark.parametrize("bad, found", [(["yes", "no"], r"\['no', 'yes'\]"), ([0, 2], r"\[2.0\]")])
def test_predictions_are_validated_like_the_reference(rng, tmp_path, bad, found):
    reference = frame(2000, rng).assign(prediction=lambda f: (f["score"] >= 0.5).astype(int))
    monitor = Monitor(reference, rules=[])
    production = frame(1000, rng, batch=0)
    production["prediction"] = np.where(production["score"] >= 0.5, bad[0], bad[1])
    with pytest.raises(ValueError, match=rf"production column 'prediction' must hold 0/1 "
                                         rf"decisions.*found {found}"):
        monitor.run(production)
    production.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(ValueError, match=rf"p.parquet: column 'prediction' must hold 0/1 "
                                         rf"decisions.*found {found}"):
        monitor_parquet(monitor, tmp_path)
    with pytest.raises(ValueError, match=rf"reference column 'prediction' must hold 0/1 "
                                         rf"decisions.*found {found}"):
        Monitor(reference.assign(prediction=np.resize(production["prediction"].to_numpy(),
                                                      len(reference))))


def test_booleans_and_missing_predictions(rng):
    reference = frame(2000, rng)
    monitor = Monitor(reference, rules=[])
    production = frame(1000, rng, batch=0)
    decided = production.assign(prediction=production["score"] >= 0.5)  # booleans
    assert monitor.run(decided).history.loc[0, "positive_rate"] == (
        production["score"] >= 0.5).mean()
    # a missing decision is the score's: the rate is never computed on part of the rows
    holes = production.assign(prediction=np.where(production.index % 2, 1.0, np.nan))
    expected = np.where(production.index % 2, 1.0, production["score"] >= 0.5).mean()
    assert monitor.run(holes).history.loc[0, "positive_rate"] == expected


# ------------------------------------------------------------------ 3. batch ids
def run_both(monitor, production, tmp_path, **options):
    """History of Monitor.run and of monitor_parquet over the rows cut into two files."""
    in_memory = monitor.run(production, **options).history
    half = len(production) // 2
    for i, part in enumerate([production.iloc[:half], production.iloc[half:]]):
        part.to_parquet(tmp_path / f"part-{i}.parquet")
    chunked = monitor_parquet(monitor, tmp_path, batch_size=400, **options).history
    assert chunked["batch"].tolist() == in_memory["batch"].tolist()
    pd.testing.assert_series_equal(chunked["n"], in_memory["n"])
    return in_memory


def test_text_ids_with_numbers_are_ordered_as_numbers(rng, tmp_path):
    monitor = Monitor(frame(2000, rng), rules=[])
    weeks = [10, 2, 1, 11]
    production = pd.concat([frame(300, rng, batch=f"week {w}") for w in weeks])
    got = run_both(monitor, production, tmp_path)
    assert got["batch"].tolist() == ["week 1", "week 2", "week 10", "week 11"]


def test_timestamps_decide_the_order(rng, tmp_path):
    monitor = Monitor(frame(2000, rng), rules=[])
    names = ["march", "january", "february"]
    production = pd.concat([
        frame(300, rng, batch=name).assign(timestamp=pd.Timestamp(f"2024-{month:02d}-01"))
        for name, month in zip(names, [3, 1, 2], strict=True)
    ])
    got = run_both(monitor, production, tmp_path)
    assert got["batch"].tolist() == ["january", "february", "march"]
    assert got["start"].is_monotonic_increasing


def test_ambiguous_ids_are_refused_unless_an_order_is_given(rng, tmp_path):
    monitor = Monitor(frame(2000, rng), rules=[])
    production = pd.concat([frame(300, rng, batch=b) for b in ["beta", "alpha", "gamma"]])
    with pytest.raises(ValueError, match=r"no unambiguous order.*order='appearance'"):
        monitor.run(production)
    production.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(ValueError, match=r"no unambiguous order.*order='appearance'"):
        monitor_parquet(monitor, tmp_path)
    (tmp_path / "p.parquet").unlink()
    got = run_both(monitor, production, tmp_path, order="appearance")
    assert got["batch"].tolist() == ["beta", "alpha", "gamma"]
    got = run_both(monitor, production, tmp_path, order=["gamma", "beta", "alpha"])
    assert got["batch"].tolist() == ["gamma", "beta", "alpha"]
    with pytest.raises(ValueError, match=r"order lacks batch id\(s\) \['alpha'\]"):
        monitor.run(production, order=["gamma", "beta"])
    with pytest.raises(ValueError, match="order must be one of"):
        monitor.run(production, order="alphabetical")


def test_the_same_id_as_number_and_text_is_one_batch(rng, tmp_path):
    monitor = Monitor(frame(2000, rng), rules=[])
    numbers = pd.concat([frame(300, rng, batch=1), frame(300, rng, batch=2)])
    text = frame(200, rng, batch="1")  # e.g. a file exported from a CSV
    production = pd.concat([numbers, text])
    assert production["batch"].tolist().count(1) == 300  # two ids of different types
    got = monitor.run(production).history
    assert got["batch"].tolist() == [1, 2] and got["n"].tolist() == [500, 300]
    assert all(type(b) is int for b in got["batch"])
    numbers.to_parquet(tmp_path / "a.parquet")
    text.to_parquet(tmp_path / "b.parquet")
    chunked = monitor_parquet(monitor, tmp_path).history
    assert chunked["batch"].tolist() == [1, 2] and chunked["n"].tolist() == [500, 300]
    pd.testing.assert_series_equal(chunked["drift_share"], got["drift_share"])


# ------------------------------------------------------------------ 5. one set-up per store
@pytest.mark.parametrize("options, key", [
    ({"threshold": 0.3}, "threshold"),
    ({"drift_method": "psi"}, "drift_method"),
    ({"drift_options": {"alpha": 0.01}}, "drift_options"),
])
def test_a_store_refuses_a_monitor_set_up_differently(rng, tmp_path, options, key):
    reference = frame(2000, rng)
    production = frame(500, rng, batch=0)
    path = tmp_path / "m.db"
    Monitor(reference, store=path).run(production)
    with pytest.raises(ValueError, match=rf"m.db was written by a monitor with {key}=.*"
                                         rf"Start a new store \(store='<new file>'\)"):
        Monitor(reference, store=path, **options)
    Monitor(reference, store=path)  # the same set-up is welcome


def test_a_store_refuses_a_different_metric_set(rng, tmp_path):
    reference = frame(2000, rng)
    path = tmp_path / "m.db"
    Monitor(reference, store=path).run(frame(500, rng, batch=0))
    logits = reference.assign(score=reference["score"] * 10 - 5)  # no Brier score
    with pytest.raises(ValueError, match=r"with metrics=\[.*'brier'.*\], not \["):
        Monitor(logits, store=path)


@pytest.mark.parametrize("damage, problem", [
    ("UPDATE meta SET value='abc' WHERE key='schema_version'", "schema_version 'abc' is not a number"),
    ("UPDATE meta SET value='0' WHERE key='schema_version'", "schema_version 0 is not a valid"),
    ("DELETE FROM meta WHERE key='schema_version'", "no schema_version"),
    ("DROP TABLE drift", r"lacks the table\(s\) \['drift'\]"),
])
def test_a_damaged_store_is_a_value_error_naming_the_file(rng, tmp_path, damage, problem):
    import sqlite3

    from modellab.monitor import MonitorResult

    path = tmp_path / "m.db"
    Monitor(frame(2000, rng), store=path).run(frame(500, rng, batch=0))
    con = sqlite3.connect(path)
    con.execute(damage)
    con.commit()
    con.close()
    for attempt in (lambda: Monitor(frame(2000, rng), store=path),
                    lambda: MonitorResult.from_store(path)):
        with pytest.raises(ValueError, match=rf"m.db is not a modellab monitoring "
                                             rf"store \(.*{problem}"):
            attempt()


def test_a_file_that_is_not_sqlite_is_named(tmp_path, rng):
    path = tmp_path / "notes.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ValueError, match="notes.db is not a modellab monitoring store"):
        Monitor(frame(2000, rng), store=path)


# ------------------------------------------------------------------ 6. history names
def test_a_feature_cannot_overwrite_a_per_batch_column(rng):
    reference = frame(2000, rng).rename(columns={"x": "share"})
    with pytest.raises(ValueError, match=r"feature\(s\) \['share'\] would name history "
                                         r"columns .*drift_share.*rename"):
        Monitor(reference)
    renamed = reference.rename(columns={"share": "share_"})
    production = frame(500, rng, shift=2.0, batch=0).rename(columns={"x": "share_"})
    history = Monitor(renamed).run(production).history
    assert history.loc[0, "drift_share_"] and history.loc[0, "drift_share"] == 0.5


# ------------------------------------------------------------------ 9. fit, then run
def test_fit_then_run_is_the_same_monitor(rng, tmp_path):
    reference = frame(2000, rng)
    production = pd.concat([frame(400, rng, batch=b, shift=b / 2) for b in range(3)])
    direct = Monitor(reference, rules=[], threshold=0.4).run(production)
    unfitted = Monitor(rules=[], threshold=0.4)
    assert "not fitted" in repr(unfitted)
    with pytest.raises(ValueError, match=r"not fitted yet: call monitor.fit\(reference\)"):
        unfitted.run(production)
    production.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(ValueError, match="not fitted yet"):
        monitor_parquet(unfitted, tmp_path)
    fitted = unfitted.fit(reference)
    assert fitted is unfitted and fitted.threshold_ == 0.4
    pd.testing.assert_frame_equal(fitted.run(production).history, direct.history)
    with pytest.raises(TypeError):
        Monitor(reference, "default")  # options are keyword-only


# ------------------------------------------------------------------ 7. nullable labels
def test_nullable_boolean_labels_with_na_are_unlabelled(rng, tmp_path):
    reference = frame(2000, rng)
    production = pd.concat([frame(500, rng, batch=b) for b in range(2)], ignore_index=True)
    floats = production.copy()
    floats.loc[::3, "default"] = np.nan
    nullable = floats.assign(default=floats["default"].astype("boolean"))
    assert nullable["default"].isna().sum() == floats["default"].isna().sum() > 0
    monitor = Monitor(reference, rules=[])
    expected = monitor.run(floats).history
    got = monitor.run(nullable).history
    pd.testing.assert_frame_equal(got, expected)
    nullable.to_parquet(tmp_path / "p.parquet")
    chunked = monitor_parquet(monitor, tmp_path).history
    assert chunked["n_labelled"].tolist() == expected["n_labelled"].tolist()
    pd.testing.assert_series_equal(chunked["recall"], expected["recall"], check_exact=True)


def test_the_wide_history_is_a_view_of_the_long_per_feature_table(rng, tmp_path):
    reference = frame(2000, rng)
    production = pd.concat([frame(400, rng, batch=b, shift=b / 2) for b in range(3)],
                           ignore_index=True)
    production.loc[production["batch"] == 1, "x"] = np.nan
    result = Monitor(reference, rules=[], store=tmp_path / "m.db").run(production)
    long = result.drift
    assert long.loc[long["column"] == "x", "missing_rate"].tolist() == [0.0, 1.0, 0.0]
    wide = long.pivot(index="batch", columns="column",
                      values=["drifted", "effect_size", "missing_rate"])
    history = result.history.set_index("batch")
    for feature in ("x", "colour"):
        assert history[f"drift_{feature}"].tolist() == wide[("drifted", feature)].tolist()
        np.testing.assert_array_equal(history[f"effect_{feature}"],
                                      wide[("effect_size", feature)].astype(float))
        np.testing.assert_array_equal(history[f"missing_{feature}"],
                                      wide[("missing_rate", feature)].astype(float))


def test_a_feature_that_is_all_infinite_is_a_data_quality_alert_in_memory_and_chunked(
        rng, tmp_path):
    """A batch whose feature is all +-inf has nothing to test for drift: its non-finite
    share (counted by numpy here) is reported like missing values and the data-quality
    rule fires on it, in Monitor.run and in monitor_parquet alike."""
    from modellab.monitor import MissingRateAbove

    production = pd.concat([frame(500, rng, batch=b) for b in range(3)], ignore_index=True)
    inf = production["batch"] == 1
    production.loc[inf, "x"] = np.where(rng.random(inf.sum()) < 0.5, np.inf, -np.inf)
    production.loc[(production["batch"] == 2).to_numpy() & (np.arange(len(production)) % 10 == 0),
                   "x"] = np.inf  # 10% infinite
    production.loc[(production["batch"] == 2).to_numpy() & (np.arange(len(production)) % 10 == 1),
                   "x"] = np.nan  # and 10% missing
    monitor = Monitor(frame(2000, rng), rules=[MissingRateAbove(0.15)])
    expected_inf = production.groupby("batch")["x"].agg(lambda v: np.isinf(v).mean())
    expected_nan = production.groupby("batch")["x"].agg(lambda v: np.isnan(v).mean())
    production.iloc[:700].to_parquet(tmp_path / "a.parquet")
    production.iloc[700:].to_parquet(tmp_path / "b.parquet")
    chunked = monitor_parquet(monitor, tmp_path, batch_size=300).to_monitor_result()
    for result in (monitor.run(production), chunked):
        x = result.drift[result.drift["column"] == "x"].set_index("batch")
        np.testing.assert_array_equal(x["nonfinite_rate"], expected_inf.to_numpy())
        np.testing.assert_array_equal(x["missing_rate"], expected_nan.to_numpy())
        np.testing.assert_array_equal(result.history["nonfinite_x"], expected_inf.to_numpy())
        assert not x.at[1, "drifted"] and "infinite" in x.at[1, "reason"]
        alerts = result.alerts.set_index("batch")
        assert sorted(alerts.index) == [1, 2]
        assert alerts.at[1, "value"] == 1.0 and alerts.at[1, "subject"] == "x"
        assert "100.0% of x values are infinite" in alerts.at[1, "message"]
        assert alerts.at[2, "value"] == pytest.approx(expected_inf[2] + expected_nan[2])
        assert "missing or infinite (10.0% infinite)" in alerts.at[2, "message"]


def test_a_store_written_before_missing_rates_moved_to_the_long_table_still_opens(rng, tmp_path):
    import sqlite3

    from modellab.monitor import MonitorResult

    path = tmp_path / "old.db"
    monitor = Monitor(frame(2000, rng), rules=[], store=path)
    monitor.run(frame(300, rng, batch=0))
    con = sqlite3.connect(path)  # the drift table as modellab wrote it before
    con.executescript(
        'CREATE TABLE drift_old AS SELECT batch, "column", kind, method, statistic, p_value, '
        'p_value_adjusted, threshold, effect_size, effect_measure, drifted, reason FROM drift;'
        'DROP TABLE drift; ALTER TABLE drift_old RENAME TO drift;')
    con.close()
    assert MonitorResult.from_store(path).drift["missing_rate"].isna().all()  # read-only
    monitor.fit(frame(2000, rng)).run(frame(300, rng, batch=1))  # opening migrates it
    drift = MonitorResult.from_store(path).drift
    assert drift.loc[drift["batch"] == 0, "missing_rate"].isna().all()
    assert (drift.loc[drift["batch"] == 1, "missing_rate"] == 0).all()


# ------------------------------------------------------------------ 9. engines
def test_any_engine_any_merge_order_gives_the_same_result(rng, tmp_path):
    from modellab.monitor._batch import DatasetSummary
    from modellab.scale._chunked import summarise_file

    class Backwards:
        """Summarise the files last to first (as a cluster may finish them)."""

        name = "backwards"

        def summarise(self, plan, files, batch_size):
            total = DatasetSummary()
            for index in reversed(range(len(files))):
                total = summarise_file(plan, files[index], batch_size, index).merge(total)
            return total

    reference = frame(2000, rng)
    production = pd.concat([frame(300, rng, batch=f"week {w}") for w in (3, 1, 2)],
                           ignore_index=True)
    for i, start in enumerate(range(0, 900, 250)):
        production.iloc[start:start + 250].to_parquet(tmp_path / f"part-{i}.parquet")
    monitor = Monitor(reference, rules=[])
    forwards = monitor_parquet(monitor, tmp_path, order="appearance")
    backwards = monitor_parquet(monitor, tmp_path, order="appearance", engine=Backwards())
    assert backwards.engine == "backwards"
    assert backwards.history["batch"].tolist() == ["week 3", "week 1", "week 2"]
    pd.testing.assert_frame_equal(backwards.history, forwards.history, rtol=1e-12)
    with pytest.raises(TypeError, match="engine must have a name and a summarise"):
        monitor_parquet(monitor, tmp_path, engine="dask")
    with pytest.raises(TypeError, match="client= .* or engine=, not both"):
        monitor_parquet(monitor, tmp_path, engine=Backwards(), client="tcp://nowhere:1")

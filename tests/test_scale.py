"""modellab.scale: chunked Parquet monitoring equals the in-memory path, on Dask too."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from modellab import cli
from modellab import scenarios as sc
from modellab.drift import DriftDetector
from modellab.monitor import (
    DetectorFires,
    MetricBelow,
    Monitor,
    MonitorResult,
    default_rules,
    score_alerts,
)
from modellab.report import to_markdown
from modellab.scale import (
    SkippedFilesWarning,
    drift_parquet,
    list_files,
    local_client,
    monitor_parquet,
    write_scenario,
)
from modellab.streaming import PageHinkley

EXACT = ["n", "n_labelled", "accuracy", "precision", "recall", "f1", "base_rate",
         "positive_rate", "drift_share", "scored_share", "volume_ratio", "gap_days", "late"]
N_BATCHES, BATCH = 12, 6000  # 72k rows


@pytest.fixture(scope="module")
def world():
    """A stream with a shift, an unseen category, missing values (one batch all-missing)
    and label delay, so every branch of the history is exercised."""
    return sc.custom(
        [sc.shift("income", by=-1.0).at(sc.sudden(6)),
         sc.unseen_category("channel", "app", 0.3).at(sc.sudden(8)),
         sc.missing_values("debt_to_income", 0.2).at(sc.sudden(3, 4)),
         sc.missing_values("age", 1.0).at(sc.sudden(5, 5)),
         sc.label_delay(2)],
        seed=3, n_reference=5000, n_batches=N_BATCHES, batch_size=BATCH,
    )


@pytest.fixture(scope="module")
def folder(world, tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet")
    # 5,000-row files cut batches in two: rows of one batch live in two files.
    files = write_scenario(world, out, rows_per_file=5000)
    assert len(files) == N_BATCHES * BATCH // 5000 + 1
    return out


def all_rules():
    """The defaults, a history-replaying rule and a ROC-AUC rule (the approximate metric)."""
    return [*default_rules(),
            DetectorFires("mean_score", PageHinkley(min_samples=3, threshold=0.05, delta=0.005)),
            MetricBelow("roc_auc", 0.82)]


@pytest.fixture(scope="module")
def in_memory(world):
    """(monitor, history, MonitorResult) of Monitor.run on the rows in memory."""
    monitor = Monitor(world.reference, rules=all_rules())
    result = monitor.run(world.production)
    return monitor, result.history, result


@pytest.fixture(scope="module")
def chunked(in_memory, folder):
    # record batches of 1,500 rows: several chunks per file
    return monitor_parquet(in_memory[0], folder, batch_size=1500)


@pytest.fixture(scope="module")
def client():
    c = local_client(n_workers=2, threads_per_worker=1, processes=False)
    yield c
    c.close()


def assert_same_history(expected: pd.DataFrame, got: pd.DataFrame, *, rtol=1e-9):
    def columns(frame):  # the monitor's columns, in order (the store puts note last)
        return [c for c in frame if c != "roc_auc_max_error"]

    assert columns(got) == columns(expected)
    assert got["batch"].tolist() == expected["batch"].tolist()
    pd.testing.assert_series_equal(got["start"], expected["start"])
    for c in EXACT + [c for c in expected if c.startswith(("drift_", "missing_"))]:
        pd.testing.assert_series_equal(got[c], expected[c], check_exact=True, obj=c)
    for c in ["brier", "mean_score", *[c for c in expected if c.startswith("effect_")]]:
        pd.testing.assert_series_equal(got[c], expected[c], rtol=rtol, obj=c)
    assert got["note"].tolist() == expected["note"].tolist()


def test_chunked_history_equals_monitor(in_memory, chunked):
    expected = in_memory[1]
    got = chunked.history
    assert_same_history(expected, got)
    # the fixture really exercises the edge cases
    assert got["drift_income"].iloc[6:].all() and not got["drift_income"].iloc[:6].any()
    assert got["missing_age"].iloc[5] == 1.0 and not got["drift_age"].iloc[5]
    assert (got["n_labelled"].iloc[-2:] == 0).all()
    assert got["note"].iloc[-1] == "no labels yet"


def assert_same_alerts(expected: pd.DataFrame, got: pd.DataFrame):
    """Same alerts in the same order; values equal (ROC-/PR-AUC within their tolerance)."""
    assert got.columns.tolist() == expected.columns.tolist()
    for c in ["batch", "rule", "kind", "subject", "severity", "message"]:
        assert got[c].tolist() == expected[c].tolist(), c
    auc = expected["subject"].isin(["roc_auc", "pr_auc"])
    np.testing.assert_allclose(got["value"][~auc], expected["value"][~auc], rtol=1e-9)
    np.testing.assert_allclose(got["value"][auc], expected["value"][auc], atol=0.002)
    np.testing.assert_array_equal(got["threshold"], expected["threshold"])


def test_chunked_alerts_equal_monitor_run(in_memory, chunked):
    expected = in_memory[2].alerts
    assert_same_alerts(expected, chunked.alerts)
    # every kind of rule fired, a history-replaying one and the approximate metric included
    fired = set(chunked.alerts["rule"].str.split("(").str[0])
    assert {"MissingRateAbove", "FeatureDrifted", "MetricRiseFrom", "DetectorFires",
            "MetricBelow"} <= fired
    assert (chunked.alerts["subject"] == "roc_auc").any()


def test_to_monitor_result_works_where_a_monitor_result_does(world, in_memory, chunked):
    expected, got = in_memory[2], chunked.to_monitor_result()
    assert isinstance(got, MonitorResult)
    assert got.history is chunked.history and got.alerts is chunked.alerts
    pd.testing.assert_frame_equal(got.drift.drop(columns="effect_size"),
                                  expected.drift.drop(columns="effect_size"), check_exact=True)
    np.testing.assert_allclose(got.drift["effect_size"], expected.drift["effect_size"],
                               rtol=1e-9)
    pd.testing.assert_frame_equal(got.histograms, expected.histograms, check_exact=True)
    assert got.reference == expected.reference and got.features == expected.features
    assert got.config == expected.config and got.new_batches == expected.new_batches
    assert got.rules == expected.rules
    a, b = score_alerts(got, world), score_alerts(expected, world)
    assert (a.detected, a.delays, a.false_alarm_batches, a.alerted_batches) == (
        b.detected, b.delays, b.false_alarm_batches, b.alerted_batches)
    assert to_markdown(got) == to_markdown(expected)


def test_chunked_aucs_within_documented_tolerance(in_memory, chunked):
    expected, got = in_memory[1], chunked.history
    labelled = got["n_labelled"] > 0
    err = (got["roc_auc"] - expected["roc_auc"]).abs()[labelled]
    assert (err <= got["roc_auc_max_error"][labelled] + 1e-12).all()
    assert got["roc_auc_max_error"][labelled].max() < 0.002
    assert ((got["pr_auc"] - expected["pr_auc"]).abs()[labelled] < 0.01).all()
    assert got.loc[~labelled, ["roc_auc", "pr_auc", "brier"]].isna().all().all()


def test_chunked_overall_drift_and_metrics_equal_in_memory(world, in_memory, chunked):
    monitor = in_memory[0]
    production = world.production
    # over all rows every feature has values, so all are tested together
    expected = monitor.detector_.test(production[monitor.features_]).set_index("column")
    got = chunked.drift.set_index("column")
    for c in ["statistic", "p_value", "p_value_adjusted", "drifted", "n_current",
              "n_missing", "n_unseen", "method", "reason"]:
        pd.testing.assert_series_equal(got[c], expected[c], check_exact=True, obj=c)
    pd.testing.assert_series_equal(got["effect_size"], expected["effect_size"], rtol=1e-9)
    labelled = production.dropna(subset=["default"])
    from modellab.metrics import confusion_counts

    cc = confusion_counts(labelled["default"], labelled["score"], monitor.threshold_)
    assert chunked.metrics["n"] == len(production)
    assert chunked.metrics["n_labelled"] == cc.n
    assert chunked.metrics["precision"] == cc.precision
    assert chunked.metrics["recall"] == cc.recall
    assert chunked.n_rows == len(production) and chunked.n_files == N_BATCHES * BATCH // 5000 + 1
    assert chunked.skipped.empty and chunked.engine == "in-process"


def test_drift_parquet_equals_detector_test(world, folder):
    detector = DriftDetector().fit(world.reference[world.features])
    result = drift_parquet(detector, folder, batch_size=4000)
    expected = detector.test(world.production)
    pd.testing.assert_frame_equal(result.drift.drop(columns="effect_size"),
                                  expected.drop(columns="effect_size"), check_exact=True)
    np.testing.assert_allclose(result.drift["effect_size"], expected["effect_size"], rtol=1e-9)
    assert result.history is None and result.metrics is None and result.alerts is None
    with pytest.raises(ValueError, match="use monitor_parquet"):
        result.to_monitor_result()
    # a reference frame works too (fitted on all its columns)
    again = drift_parquet(world.reference[world.features], folder)
    assert again.drift["drifted"].tolist() == expected["drifted"].tolist()


def test_chunk_size_does_not_change_counts(in_memory, folder, chunked):
    other = monitor_parquet(in_memory[0], folder, batch_size=100_000)
    assert_same_history(chunked.history, other.history, rtol=1e-12)
    pd.testing.assert_series_equal(other.history["roc_auc"], chunked.history["roc_auc"],
                                   check_exact=True)


def test_dask_equals_in_process(in_memory, folder, chunked, client):
    on_dask = monitor_parquet(in_memory[0], folder, client=client, batch_size=1500)
    assert on_dask.engine == "dask"
    assert_same_history(chunked.history, on_dask.history, rtol=1e-12)
    pd.testing.assert_series_equal(on_dask.history["roc_auc"], chunked.history["roc_auc"],
                                   check_exact=True)
    pd.testing.assert_series_equal(on_dask.metrics, chunked.metrics, rtol=1e-12)
    assert_same_alerts(chunked.alerts, on_dask.alerts)
    pd.testing.assert_frame_equal(on_dask.to_monitor_result().histograms,
                                  chunked.to_monitor_result().histograms, check_exact=True)
    assert on_dask.n_rows == chunked.n_rows and on_dask.n_files == chunked.n_files


def test_dask_scheduler_address(world, folder, client):
    detector = DriftDetector().fit(world.reference[world.features])
    by_address = drift_parquet(detector, folder, client=client.scheduler.address)
    local = drift_parquet(detector, folder)
    pd.testing.assert_frame_equal(by_address.drift, local.drift, rtol=1e-12)
    with pytest.raises(TypeError, match="Client or a scheduler address"):
        drift_parquet(detector, folder, client=42)


# ------------------------------------------------------------------ damaged data
@pytest.fixture
def damaged(world, tmp_path):
    """Six files: part-00002 is garbage, part-00004 is deleted (listed in the manifest)."""
    files = write_scenario(world, tmp_path, rows_per_file=12_000)
    files[2].write_bytes(b"this is not parquet" * 100)
    files[4].unlink()
    good = [f for i, f in enumerate(files) if i not in (2, 4)]
    return tmp_path, good


@pytest.mark.parametrize("engine", ["in-process", "dask"])
def test_damaged_files_reported_and_rest_processed(in_memory, damaged, engine, request):
    path, good = damaged
    client = request.getfixturevalue("client") if engine == "dask" else None
    with pytest.warns(SkippedFilesWarning, match=r"part-00002\.parquet.*part-00004\.parquet"):
        result = monitor_parquet(in_memory[0], path, client=client)
    assert sorted(result.skipped["file"].map(lambda f: f.rsplit("/", 1)[-1])) == [
        "part-00002.parquet", "part-00004.parquet"]
    reasons = dict(zip(result.skipped["file"].str.rsplit("/", n=1).str[-1],
                       result.skipped["error"], strict=True))
    assert "missing" in reasons["part-00004.parquet"]
    assert "unreadable" in reasons["part-00002.parquet"]
    assert result.n_files == len(good) and result.n_rows == 4 * 12_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = monitor_parquet(in_memory[0], good)  # the good files alone
    assert_same_history(expected.history, result.history, rtol=1e-12)


def test_on_error_raise_and_ignore(in_memory, damaged):
    path, _ = damaged
    with pytest.raises(ValueError, match=r"part-00002\.parquet"):
        monitor_parquet(in_memory[0], path, on_error="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = monitor_parquet(in_memory[0], path, on_error="ignore")
    assert len(quiet.skipped) == 2
    with pytest.raises(ValueError, match="on_error must be one of"):
        monitor_parquet(in_memory[0], path, on_error="nope")


def test_missing_file_in_a_list_and_all_files_bad(in_memory, folder, tmp_path):
    files = list_files(folder)[:2] + [folder / "part-99999.parquet"]
    with pytest.warns(SkippedFilesWarning, match="part-99999.parquet: file is missing"):
        result = monitor_parquet(in_memory[0], files)
    assert result.n_files == 2
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="readable Parquet"):
        monitor_parquet(in_memory[0], [bad])


# ------------------------------------------------------------------ bad input
def test_missing_columns_named(in_memory, world, tmp_path):
    world.batch(0).drop(columns=["income", "score"]).to_parquet(tmp_path / "a.parquet")
    with pytest.raises(ValueError, match=r"lack column\(s\) \['income', 'score'\]"):
        monitor_parquet(in_memory[0], tmp_path)
    (tmp_path / "b").mkdir()
    world.batch(0).to_parquet(tmp_path / "b" / "a.parquet")
    with pytest.raises(ValueError, match=r"lack column\(s\) \['week'\]"):
        monitor_parquet(in_memory[0], tmp_path / "b", by="week")


def test_empty_inputs(in_memory, world, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no .parquet files"):
        monitor_parquet(in_memory[0], tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="No Parquet dataset"):
        monitor_parquet(in_memory[0], tmp_path / "nowhere")
    with pytest.raises(ValueError, match="list of files is empty"):
        monitor_parquet(in_memory[0], [])
    (tmp_path / "zero").mkdir()
    world.batch(0).iloc[:0].to_parquet(tmp_path / "zero" / "a.parquet")
    with pytest.raises(ValueError, match="have no rows"):
        monitor_parquet(in_memory[0], tmp_path / "zero")


def test_bad_arguments(in_memory, folder, world):
    with pytest.raises(TypeError, match="Monitor or a reference DataFrame"):
        monitor_parquet("reference.csv", folder)
    with pytest.raises(TypeError, match="only apply when building a Monitor"):
        monitor_parquet(in_memory[0], folder, threshold=0.3)
    with pytest.raises(TypeError, match="DriftDetector or a reference DataFrame"):
        drift_parquet(None, folder)
    with pytest.raises(ValueError, match="batch_size must be positive"):
        monitor_parquet(in_memory[0], folder, batch_size=0)
    with pytest.raises(TypeError, match="by must be a column name"):
        monitor_parquet(in_memory[0], folder, by=["batch"])


def test_invalid_values_name_the_file(in_memory, world, tmp_path):
    frame = world.batch(0)
    frame.loc[3, "default"] = 2
    frame.to_parquet(tmp_path / "labels.parquet")
    with pytest.raises(ValueError, match=r"labels\.parquet: .*binary labels 0/1"):
        monitor_parquet(in_memory[0], tmp_path)


# ------------------------------------------------------------------ export
def test_cli_export_partitioned(tmp_path, capsys):
    args = ["scenarios", "export", "stable", "--out", str(tmp_path), "--partitioned",
            "--n-reference", "500", "--n-batches", "4", "--batch-size", "700",
            "--rows-per-file", "1000"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "production/part-00002.parquet  (800 rows)" in out
    files = list_files(tmp_path / "production")
    assert [f.name for f in files] == [f"part-{i:05d}.parquet" for i in range(3)]
    manifest = json.loads((tmp_path / "production" / "_manifest.json").read_text())
    assert manifest["rows"] == [1000, 1000, 800]
    got = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    s = sc.make("stable", n_reference=500, n_batches=4, batch_size=700)
    pd.testing.assert_frame_equal(got, s.production)
    assert pd.read_parquet(tmp_path / "reference.parquet").shape == s.reference.shape
    bad = ["scenarios", "export", "stable", "--out", str(tmp_path / "x"), "--partitioned"]
    assert cli.main([*bad, "--format", "csv"]) == 2
    assert cli.main([*bad, "--rows-per-file", "0"]) == 2


# ------------------------------------------------------------------ shared pieces
def test_detector_restrict_tests_like_a_fresh_fit_on_those_columns(world):
    ref = world.reference[world.features]
    detector = DriftDetector(method={"income": "psi"}).fit(ref)
    sub = detector.restrict(["channel", "income"])
    assert sub.columns_ == [c for c in detector.columns_ if c in ("channel", "income")]
    assert sub.methods_ == {"income": "psi", "channel": "auto"}
    fresh = DriftDetector(method={"income": "psi"}).fit(ref, columns=sub.columns_)
    batch = world.batch(9)
    pd.testing.assert_frame_equal(sub.test(batch), fresh.test(batch), check_exact=True)
    assert detector.columns_ == list(ref.columns)  # the original is untouched
    with pytest.raises(ValueError, match=r"columns \['nope'\] are not fitted"):
        detector.restrict(["income", "nope"])
    with pytest.raises(ValueError, match="columns is empty"):
        detector.restrict([])
    assert detector.restrict("income").columns_ == ["income"]  # one name is one column


def test_monitor_metrics_property(world):
    monitor = Monitor(world.reference)
    assert monitor.metrics_ == ("roc_auc", "pr_auc", "accuracy", "precision", "recall", "f1",
                                "brier", "base_rate")
    with pytest.raises(AttributeError):
        monitor.metrics_ = ("roc_auc",)
    logits = Monitor(world.reference.assign(score=world.reference["score"] * 10 - 5))
    assert "brier" not in logits.metrics_


# ------------------------------------------------------------------ the store
def test_store_shared_with_monitor_run_and_idempotent(world, in_memory, folder, tmp_path):
    """Monitor.run writes batches 0-5, monitor_parquet adds 6-11: the store then holds
    what Monitor.run over everything stores; a re-run adds nothing."""
    expected = Monitor(world.reference, rules=all_rules(),
                       store=tmp_path / "memory.db").run(world.production)
    monitor = Monitor(world.reference, rules=all_rules(), store=tmp_path / "mixed.db")
    monitor.run(world.production[world.production["batch"] < 6])
    got = monitor_parquet(monitor, folder)
    assert got.to_monitor_result().new_batches == list(range(6, N_BATCHES))
    assert got.history["batch"].tolist() == list(range(N_BATCHES))
    assert_same_history(expected.history, got.history)
    assert_same_alerts(expected.alerts, got.alerts)
    stored = MonitorResult.from_store(tmp_path / "mixed.db")
    pd.testing.assert_frame_equal(stored.histograms, expected.histograms, check_exact=True)
    assert stored.drift["drifted"].tolist() == expected.drift["drifted"].tolist()
    assert_same_alerts(expected.alerts, stored.alerts)

    again = monitor_parquet(monitor, folder)
    assert again.to_monitor_result().new_batches == []
    pd.testing.assert_frame_equal(again.history, got.history, check_exact=True)
    pd.testing.assert_frame_equal(again.alerts, got.alerts, check_exact=True)


def test_store_from_options_and_replace(world, folder, tmp_path):
    path = tmp_path / "scale.db"
    first = monitor_parquet(world.reference, folder, store=path, batch_size=20_000)
    assert first.to_monitor_result().new_batches == list(range(N_BATCHES))
    replacing = Monitor(world.reference, store=path, on_existing="replace")
    second = monitor_parquet(replacing, folder, batch_size=7000)
    assert second.to_monitor_result().new_batches == list(range(N_BATCHES))
    assert_same_history(first.history, second.history, rtol=1e-12)
    pd.testing.assert_frame_equal(second.alerts, first.alerts, check_exact=True)
    with pytest.raises(ValueError, match="written by a monitor with features"):
        monitor_parquet(world.reference, folder, store=path, features=["income"])


def test_monitor_chunk_api_validates(world, in_memory):
    monitor = in_memory[0]
    batch = world.batch(2)
    halves = [monitor.histogram_counts(batch.iloc[:2500]),
              monitor.histogram_counts(batch.iloc[2500:])]
    summed = {f: halves[0][f] + halves[1][f] for f in monitor.features_}
    pd.testing.assert_frame_equal(monitor.histograms_from_counts(summed),
                                  monitor.histograms_from_counts(monitor.histogram_counts(batch)),
                                  check_exact=True)
    with pytest.raises(ValueError, match=r"counts lack feature\(s\) \['age'\]"):
        monitor.histograms_from_counts({f: c for f, c in summed.items() if f != "age"})
    with pytest.raises(ValueError, match="do not match this monitor's histogram bins"):
        monitor.histograms_from_counts({**summed, "age": summed["income"]})
    with pytest.raises(ValueError, match=r"chunk has no column\(s\) \[.age.\]"):
        monitor.histogram_counts(batch.drop(columns="age"))
    with pytest.raises(ValueError, match="keys is empty"):
        monitor.run_computed([], lambda key: None)
    with pytest.raises(TypeError, match="compute must be a function"):
        monitor.run_computed([0], "rows")

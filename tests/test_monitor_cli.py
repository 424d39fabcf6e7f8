"""``modellab monitor``: batch folders, bad files, exit codes, and a crash mid-run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from modellab.cli import main
from modellab.monitor import MonitorResult, batch_id_from_path, list_batch_files, read_batch
from modellab.monitor.store import MonitorStore


def toy(n, rng, shift=0.0):
    x = rng.normal(shift, 1, n)
    p = 1 / (1 + np.exp(-(2 * x - 1)))
    return pd.DataFrame({
        "x": x, "colour": rng.choice(["red", "blue"], n),
        "default": (rng.random(n) < p).astype(float), "score": p,
    })


@pytest.fixture
def folder(tmp_path):
    """reference.csv and six batches (CSV and Parquet); batch 4 onwards drifts."""
    rng = np.random.default_rng(5)
    toy(2000, rng).to_csv(tmp_path / "reference.csv", index=False)
    batches = tmp_path / "batches"
    batches.mkdir()
    for b in range(6):
        frame = toy(400, rng, shift=1.0 if b >= 4 else 0.0)
        if b % 2:
            frame.to_parquet(batches / f"batch_{b:03d}.parquet", index=False)
        else:
            frame.to_csv(batches / f"batch_{b:03d}.csv", index=False)
    (batches / "README.txt").write_text("not a batch")
    return tmp_path


def cli(folder, *extra, store="monitor.db"):
    return main(["monitor", "run", "--reference", str(folder / "reference.csv"),
                 "--batches", str(folder / "batches"), "--store", str(folder / store), *extra])


def test_a_run_with_nothing_new_never_imports_scikit_learn(folder):
    # A scheduled no-op must stay cheap: list the folder, read the store, stop.
    import subprocess
    import sys

    assert cli(folder, "--quiet") == 0
    probe = ("import sys; from modellab.cli import main; "
             f"code = main(['monitor', 'run', '--reference', {str(folder / 'reference.csv')!r}, "
             f"'--batches', {str(folder / 'batches')!r}, '--store', "
             f"{str(folder / 'monitor.db')!r}, '--quiet']); "
             "print(code, 'sklearn' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False", "False"]
    # a typo in a file name is still an error, with nothing new to monitor
    assert cli(folder, "--rules", str(folder / "rules-typo.toml")) == 2


def test_batch_files_and_ids(folder):
    files = list_batch_files(folder / "batches")
    assert [k for k, _ in files] == [0, 1, 2, 3, 4, 5]
    assert batch_id_from_path("2024-03.csv") == 3
    assert read_batch(files[1][1])["batch"].unique().tolist() == [1]
    (folder / "batches" / "batch_001.csv").write_text("x\n1\n")
    with pytest.raises(ValueError, match="both name batch 1"):
        list_batch_files(folder / "batches")
    with pytest.raises(FileNotFoundError, match="No batch folder"):
        list_batch_files(folder / "nowhere")


def test_run_prints_new_alerts_then_nothing_on_a_second_run(folder, capsys):
    assert cli(folder) == 0
    out = capsys.readouterr().out
    assert "[warning] Batch 4: " in out
    assert "6 new batch(es) monitored, 0 already in" in out
    assert cli(folder, "--quiet") == 0
    assert capsys.readouterr().out == ""  # cron sends no mail when nothing is new
    assert cli(folder, "--fail-on-alert") == 0  # nothing new -> no new alert
    result = MonitorResult.from_store(folder / "monitor.db")
    assert result.batches == [0, 1, 2, 3, 4, 5]
    assert set(result.alerts["batch"]) == {4, 5}


def test_fail_on_alert_exit_status(folder, capsys):
    assert cli(folder, "--fail-on-alert") == 1
    assert "Batch 4" in capsys.readouterr().out


def test_new_files_are_picked_up(folder, capsys):
    batches = folder / "batches"
    moved = (batches / "batch_005.parquet").rename(folder / "later.parquet")
    assert cli(folder) == 0
    moved.rename(batches / "batch_005.parquet")
    assert cli(folder) == 0
    out = capsys.readouterr().out
    assert "1 new batch(es) monitored, 5 already in" in out
    assert MonitorResult.from_store(folder / "monitor.db").batches == [0, 1, 2, 3, 4, 5]


def test_bad_files_are_reported_and_skipped_the_others_processed(folder, capsys):
    batches = folder / "batches"
    good_2 = batches / "batch_002.csv"
    good_2_text = good_2.read_text()
    good_2.write_bytes(b"\x00\x01garbage\xff\xfe" * 50)  # unreadable
    (batches / "batch_003.parquet").write_bytes(b"PAR1 truncated")  # broken parquet
    pd.read_csv(batches / "batch_004.csv").drop(columns="colour").to_csv(
        batches / "batch_004.csv", index=False
    )  # a feature column is missing
    assert cli(folder) == 3
    captured = capsys.readouterr()
    for name in ("batch_002.csv", "batch_003.parquet", "batch_004.csv"):
        assert f"skipped {name}" in captured.err
    assert "lacks monitored feature column(s) ['colour']" in captured.err
    assert "3 new batch(es) monitored, 0 already in" in captured.out
    assert MonitorResult.from_store(folder / "monitor.db").batches == [0, 1, 5]
    # Fix one file: the next run processes just that one, nothing is lost.
    good_2.write_text(good_2_text)
    assert cli(folder) == 3
    assert MonitorResult.from_store(folder / "monitor.db").batches == [0, 1, 5, 2]


def test_setup_errors_exit_2_with_a_message(folder, capsys):
    ref = pd.read_csv(folder / "reference.csv").drop(columns="default")
    ref.to_csv(folder / "noref.csv", index=False)
    code = main(["monitor", "run", "--reference", str(folder / "noref.csv"),
                 "--batches", str(folder / "batches"), "--store", str(folder / "m.db")])
    assert code == 2
    assert "no target column 'default'" in capsys.readouterr().err
    (folder / "rules.toml").write_text('[[rule]]\ntype = "MetricBelow"\nmetric = "auc"\nthreshold = 0.7\n')
    assert cli(folder, "--rules", str(folder / "rules.toml")) == 2
    assert "Unknown metric 'auc'" in capsys.readouterr().err
    assert main(["monitor", "alerts", "--store", str(folder / "nothing.db")]) == 2


def test_rules_file_and_alerts_command(folder, capsys):
    (folder / "rules.toml").write_text(
        '[[rule]]\ntype = "FeatureDrifted"\nfeature = "x"\nseverity = "critical"\n'
    )
    assert cli(folder, "--rules", str(folder / "rules.toml"), "--quiet") == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed and all(line.startswith("[critical] Batch ") for line in printed)
    assert main(["monitor", "alerts", "--store", str(folder / "monitor.db")]) == 0
    assert capsys.readouterr().out.splitlines() == printed
    assert main(["monitor", "alerts", "--store", str(folder / "monitor.db"), "--csv",
                 "--batch", "5"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("batch,rule,kind,subject,value,threshold,severity,message")
    assert len(table.strip().splitlines()) == 2
    assert main(["monitor", "history", "--store", str(folder / "monitor.db")]) == 0
    assert "drift_share" in capsys.readouterr().out


def test_a_run_killed_mid_write_leaves_a_consistent_store_and_a_rerun_completes(folder):
    assert cli(folder, "--quiet", store="full.db") == 0
    crash = folder / "crash.db"
    # The CLI in a child process whose 4th batch write stops inside its open transaction
    # (after the batch row, before the drift rows), marks "<store>.hang" and waits to be killed.
    hang = f"""
import pathlib, sys, time
from modellab.cli import main
from modellab.monitor.store import MonitorStore
insert, written = MonitorStore._insert, []
def hanging_insert(self, frame, table, columns, key):
    if table == "drift":
        if len(written) == 3:
            pathlib.Path({str(crash) + ".hang"!r}).touch()
            time.sleep(3600)
        written.append(key)
    return insert(self, frame, table, columns, key)
MonitorStore._insert = hanging_insert
sys.exit(main(sys.argv[1:]))
"""
    cmd = [sys.executable, "-c", hang, "monitor", "run",
           "--reference", str(folder / "reference.csv"), "--batches", str(folder / "batches"),
           "--store", str(crash), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    marker = folder / "crash.db.hang"
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the monitor never reached batch 4"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # killed inside batch 3's open transaction
    proc.wait()
    assert (folder / "crash.db-journal").exists()  # a half-written transaction was left behind
    with MonitorStore(crash) as store:
        assert store.batches() == [0, 1, 2]
        for table in ("drift", "histograms", "alerts"):
            assert set(store.read_table(table)["batch"]) <= {0, 1, 2}
        assert 3 not in set(store.read_history()["batch"])
    assert cli(folder, "--quiet", store="crash.db") == 0
    full = MonitorResult.from_store(folder / "full.db")
    resumed = MonitorResult.from_store(crash)
    pd.testing.assert_frame_equal(full.history, resumed.history)
    for table in ("drift", "histograms", "alerts"):
        pd.testing.assert_frame_equal(getattr(full, table), getattr(resumed, table))


def test_nothing_new_returns_before_fitting_the_monitor(folder, capsys, monkeypatch):
    import modellab.monitor.monitor as monitor_module

    assert cli(folder, "--quiet") == 0
    capsys.readouterr()

    def no_fit(*args, **kwargs):
        raise AssertionError("the monitor was built although no batch file is new")

    monkeypatch.setattr(monitor_module.Monitor, "__init__", no_fit)
    assert cli(folder) == 0
    assert capsys.readouterr().out == (
        f"0 new batch(es) monitored, 6 already in {folder / 'monitor.db'}, 0 skipped; "
        f"0 new alert(s).\n"
    )
    assert cli(folder, "--fail-on-alert") == 0
    # a new file still builds the monitor
    toy(400, np.random.default_rng(9)).to_csv(folder / "batches" / "batch_006.csv", index=False)
    with pytest.raises(AssertionError, match="monitor was built"):
        cli(folder)

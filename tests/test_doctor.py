"""modellab doctor: real checks on this environment, and the failure paths a learner can hit."""

from __future__ import annotations

import subprocess
import sys

from modellab import doctor
from modellab.cli import main


def test_every_check_passes_in_the_course_environment():
    checks = doctor.run_checks(start_kernel=True)
    assert list(checks.columns) == ["check", "ok", "detail", "fix"]
    failing = checks.loc[~checks["ok"], ["check", "detail"]].to_dict("records")
    assert not failing, failing
    names = set(checks["check"])
    assert {"Python version", "kernel python3", "ipywidgets front-end", "nbgrader extension",
            "writable working folder", "package pandas", "package nbgrader"} <= names
    assert checks.set_index("check").loc["kernel python3", "detail"] == "starts and runs code"


def test_a_dependency_outside_its_range_fails_with_a_fix():
    rows = doctor.check_dependencies(["numpy<1", "definitely-not-installed-pkg>=1"])
    assert [r.ok for r in rows] == [False, False]
    assert "outside <1" in rows[0].detail and "pip install" in rows[0].fix
    assert rows[1].detail == "not installed" and "make lab" in rows[1].fix


def test_pinned_versions_are_named_in_the_detail(tmp_path):
    lock = tmp_path / "constraints.txt"
    lock.write_text("numpy==0.0.1\n")
    (row,) = doctor.check_dependencies(["numpy>=1"], constraints=lock)
    assert row.ok and "course tested with 0.0.1" in row.detail


def test_missing_kernel_fails():
    row = doctor.check_kernel(start=False, name="no-such-kernel-xyz")
    assert not row.ok and "ipykernel install" in row.fix


def test_unwritable_folder_fails(tmp_path):
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    row = doctor.check_writable(not_a_folder)
    assert not row.ok and str(not_a_folder) in row.detail


def test_cli_exit_status_and_report(tmp_path, capsys):
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    assert main(["doctor", "--no-kernel", "--workdir", str(not_a_folder)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  writable working folder" in out and "fix:" in out
    assert "1 check(s) failed" in out
    assert main(["doctor", "--no-kernel", "--workdir", str(tmp_path)]) == 0
    assert "All checks passed" in capsys.readouterr().out


def test_console_script_is_installed():
    exe = subprocess.run([sys.executable, "-m", "modellab.cli", "--help"],
                         capture_output=True, text=True, check=True)
    for command in ("doctor", "lab"):
        assert command in exe.stdout


def test_plugin_state_follows_jupyter_config_priority(tmp_path, monkeypatch):
    import json

    import jupyter_core.paths

    high, low = tmp_path / "user", tmp_path / "env"
    for base, off in ((high, False), (low, True)):
        (base / "labconfig").mkdir(parents=True)
        (base / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"@jupyter/nbgrader:formgrader": off, "other": True}}))
    monkeypatch.setattr(jupyter_core.paths, "jupyter_config_path", lambda: [str(high), str(low)])
    # the user's explicit "enabled" wins over the environment's "disabled"
    assert doctor.disabled_lab_plugins() == {"other"}

"""modellab lab: learner and instructor set-ups of JupyterLab."""

from __future__ import annotations

import json

import pytest

from modellab.doctor import NBGRADER_INSTRUCTOR_PLUGINS
from modellab.lab import ROOT, WELCOME, configure_lab, lab_command


def _disabled(path):
    return {k for k, v in json.loads(path.read_text())["disabledExtensions"].items() if v}


def test_learners_do_not_see_instructor_tools_and_instructors_do(tmp_path):
    written = configure_lab("learner", prefix=tmp_path)
    assert set(NBGRADER_INSTRUCTOR_PLUGINS) <= _disabled(written["page_config"])
    # the learner keeps the Validate button and the assignment list
    assert "@jupyter/nbgrader:validate-assignment" not in _disabled(written["page_config"])
    configure_lab("instructor", prefix=tmp_path)
    assert not set(NBGRADER_INSTRUCTOR_PLUGINS) & _disabled(written["page_config"])
    # enabled explicitly, so a learner set-up elsewhere on the config path cannot hide them
    conf = json.loads(written["page_config"].read_text())["disabledExtensions"]
    assert all(conf[p] is False for p in NBGRADER_INSTRUCTOR_PLUGINS)


def test_instructor_set_up_unlocks_plugins_locked_by_the_labextension_command(tmp_path):
    page = tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json"
    page.parent.mkdir(parents=True)
    locked = {p: True for p in NBGRADER_INSTRUCTOR_PLUGINS}
    page.write_text(json.dumps({"disabledExtensions": dict(locked),
                                "lockedExtensions": {**locked, "my-plugin": True}}))
    configure_lab("instructor", prefix=tmp_path)
    conf = json.loads(page.read_text())
    assert conf["lockedExtensions"] == {"my-plugin": True}
    assert not set(NBGRADER_INSTRUCTOR_PLUGINS) & _disabled(page)


def test_news_and_update_prompts_are_off(tmp_path):
    written = configure_lab("learner", prefix=tmp_path)
    settings = json.loads(written["overrides"].read_text())
    notification = settings["@jupyterlab/apputils-extension:notification"]
    assert notification["checkForUpdates"] is False and notification["fetchNews"] == "false"


def test_existing_settings_are_kept(tmp_path):
    page = tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json"
    page.parent.mkdir(parents=True)
    page.write_text(json.dumps({"disabledExtensions": {"my-plugin": True}, "other": 1}))
    configure_lab("learner", prefix=tmp_path)
    conf = json.loads(page.read_text())
    assert conf["other"] == 1 and conf["disabledExtensions"]["my-plugin"] is True


def test_unknown_role_is_refused(tmp_path):
    with pytest.raises(ValueError, match="learner"):
        configure_lab("student", prefix=tmp_path)


def test_command_opens_the_welcome_notebook():
    cmd = lab_command(port=8899, open_browser=False)
    assert cmd[1:3] == ["lab", WELCOME]
    assert f"--ServerApp.root_dir={ROOT}" in cmd and "--port=8899" in cmd and "--no-browser" in cmd


def test_learners_without_an_exchange_do_not_see_the_assignment_list(tmp_path):
    # no exchange folder: the Assignment List could only say "Error fetching courses!"
    written = configure_lab("learner", prefix=tmp_path, exchange=tmp_path / "no-exchange")
    assert {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"} <= _disabled(written["page_config"])
    assert "@jupyter/nbgrader:validate-assignment" not in _disabled(written["page_config"])
    # a JupyterHub course with an exchange: learners fetch and submit from the list
    (tmp_path / "exchange").mkdir()
    configure_lab("learner", prefix=tmp_path, exchange=tmp_path / "exchange")
    assert not {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"} & _disabled(written["page_config"])
    configure_lab("instructor", prefix=tmp_path, exchange=tmp_path / "no-exchange")
    assert "@jupyter/nbgrader:assignment-list" not in _disabled(written["page_config"])


def test_the_set_up_gives_nbgrader_a_config_file_so_it_stops_warning(tmp_path):
    import subprocess
    import sys

    written = configure_lab("learner", prefix=tmp_path)
    assert written["nbgrader_config"].is_file()
    # nbgrader looks for nbgrader_config.py on Jupyter's config path: the warning is gone
    env = {**__import__("os").environ, "JUPYTER_CONFIG_PATH": str(written["nbgrader_config"].parent)}
    code = ("from nbgrader.apps.validateapp import ValidateApp; a = ValidateApp(); "
            "a.initialize([]) if False else None; a.load_config_file()")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "No nbgrader_config.py file found" not in run.stderr + run.stdout
    bare = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**env, "JUPYTER_CONFIG_PATH": str(tmp_path / "empty")}, cwd=tmp_path)
    assert "No nbgrader_config.py file found" in bare.stderr + bare.stdout  # the oracle sees it
    # an instructor's own config is kept
    written["nbgrader_config"].write_text("c = get_config()\nc.Exchange.root = '/srv/x'\n")
    configure_lab("learner", prefix=tmp_path)
    assert "/srv/x" in written["nbgrader_config"].read_text()

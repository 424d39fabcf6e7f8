"""The no-code dashboards, as a manager meets them: `modellab dashboard` in headless Chromium.

One server (the real command, started as a manager would) serves all dashboards; each test
opens one, checks that no code is shown, moves a control with the keyboard and waits for the
kernel to redraw the numbers and the figure. Console errors fail the test.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from jupyterlab_driver import chromium_page, free_port, require_chromium, screenshot

from modellab.dashboard import DASHBOARDS, voila_command, write_dashboards

require_chromium()

# dashboard -> the text of its summary line that must change when the first slider moves
SUMMARY = {
    "drift_explorer": re.compile(r"shifted by [+-]?[\d.]+ reference standard deviations"),
    "threshold_explorer": re.compile(r"Threshold [\d.]+:"),
    "alert_tuner": re.compile(r"\d+ of \d+ (drift )?events? detected|detected \d+ of \d+|false alarm"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("dashboard-state")
    port = free_port()
    env = dict(os.environ)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
        env[var] = str(state / var.lower())
    env["JUPYTER_PREFER_ENV_PATH"] = "0"
    env.pop("MPLBACKEND", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    log = (state / "voila.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "modellab.cli", "dashboard", "--no-browser", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"modellab dashboard exited early; see {log.name}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"modellab dashboard did not start; see {log.name}") from None
            time.sleep(0.5)
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def test_the_index_lists_every_dashboard_and_nothing_else(server):
    page = urllib.request.urlopen(server, timeout=10).read().decode()
    listed = set(re.findall(r'href="[^"]*/([\w-]+)\.ipynb\??"', page))
    assert listed == set(DASHBOARDS)
    # no JupyterLab, no notebook editor, no file API behind the dashboards
    for path in ("/lab", "/tree", "/api/contents", "/notebooks/drift_explorer.ipynb"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(server + path, timeout=10)
        assert err.value.code in (403, 404), path


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_dashboard_loads_without_code_and_answers_a_control(server, name):
    with chromium_page(viewport=(1300, 1100)) as page:
        page.goto(f"{server}/voila/render/{name}.ipynb", timeout=120_000)
        slider = page.locator(".widget-slider").first
        slider.wait_for(timeout=120_000)
        body = page.locator("body")
        # no code: no code-cell input, no editor, no source text
        assert page.locator(".jp-CodeCell .jp-InputArea, .CodeMirror, .cm-editor").count() == 0
        shown = body.inner_text()
        assert DASHBOARDS[name].code.splitlines()[0] not in shown, "the dashboard shows its code"
        assert DASHBOARDS[name].title in body.text_content()
        summary = page.get_by_text(SUMMARY[name]).first
        summary.wait_for(timeout=60_000)
        before_text = body.text_content()
        before_img = page.locator("img").last.get_attribute("src")
        screenshot(page, f"dashboard_{name}_before")
        slider.scroll_into_view_if_needed()
        slider.locator(".noUi-handle, .ui-slider-handle").first.focus()
        for _ in range(8):
            page.keyboard.press("ArrowRight")
        # the kernel recomputed: the numbers and the figure both changed
        page.wait_for_function(
            "([before]) => document.body.textContent !== before", arg=[before_text],
            timeout=60_000,
        )
        page.wait_for_function(
            "([src]) => { const imgs = document.querySelectorAll('img');"
            " return imgs.length && imgs[imgs.length - 1].getAttribute('src') !== src; }",
            arg=[before_img], timeout=60_000,
        )
        screenshot(page, f"dashboard_{name}_after")
        assert page.console_errors == []


def test_dashboards_are_notebooks_with_no_local_paths(tmp_path):
    paths = write_dashboards(tmp_path)
    assert sorted(p.stem for p in paths) == sorted(DASHBOARDS)
    for path in paths:
        text = path.read_text()
        assert str(Path.home()) not in text and "/work/" not in text


def test_voila_command_serves_on_loopback_without_code_and_checks_the_port(tmp_path):
    cmd = voila_command(tmp_path, 8866, open_browser=False)
    assert "--Voila.ip=127.0.0.1" in cmd and "--strip_sources=True" in cmd
    assert "--no-browser" in cmd
    for bad in (0, 70000, "8866", True):
        with pytest.raises(ValueError, match="port"):
            voila_command(tmp_path, bad)

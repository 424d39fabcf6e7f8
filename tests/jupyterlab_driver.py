"""Drive a real JupyterLab in headless Chromium (Playwright), the reliable way.

See PLATFORM.md: a server on 127.0.0.1 with a token and a free port, stopped by its PID;
notebooks opened with ``?reset``; only the visible notebook panel is used; Jupyter state in a
fresh config folder; the browser is Debian's chromium, never a downloaded one.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "browser"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def require_chromium() -> None:
    """Skip the calling test module where Debian's chromium is not installed; in CI (where
    `.ci/run` installs it) a missing browser is an error, never a silent skip."""
    import pytest

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)",
                    allow_module_level=True)

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    def __init__(self, root_dir: Path, state_dir: Path, page_config: Path | None = None):
        self.root_dir = Path(root_dir)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        for var, sub in {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_RUNTIME_DIR": "runtime",
                         "IPYTHONDIR": "ipython"}.items():
            env[var] = str(state_dir / sub)
            Path(env[var]).mkdir(parents=True, exist_ok=True)
        if page_config is not None:  # e.g. the learner or instructor set-up of modellab.lab
            labconfig = Path(env["JUPYTER_CONFIG_DIR"]) / "labconfig"
            labconfig.mkdir(parents=True, exist_ok=True)
            shutil.copy(page_config, labconfig / "page_config.json")
        # in a venv Jupyter prefers the environment's config over the user's: tests want theirs
        env["JUPYTER_PREFER_ENV_PATH"] = "0"
        env.pop("MPLBACKEND", None)  # the live kernel uses the inline backend
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        self.log = (state_dir / "jupyterlab.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
             "--ip=127.0.0.1", f"--port={self.port}", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={self.root_dir}", "--ServerApp.open_browser=False",
             "--LabApp.news_url=None", "--LabServerApp.collaborative=False"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        self._wait_up()

    def api(self, path: str):
        req = urllib.request.Request(f"{self.url}{path}",
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    def _wait_up(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early; see {self.log.name}")
            try:
                self.api("/api/status")
                return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"JupyterLab did not start in {timeout}s; see {self.log.name}")

    def page_url(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?reset&token={self.token}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


@contextmanager
def chromium_page(viewport=(1400, 1000)):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        try:
            yield page
        finally:
            context.close()
            browser.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def open_notebook(page, server: LabServer, path: str, timeout_ms: int = 90_000) -> None:
    page.goto(server.page_url(path))
    page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=timeout_ms)
    wait_kernel_idle(page, server, timeout_ms)


def wait_kernel_idle(page, server: LabServer, timeout_ms: int = 90_000) -> None:
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        sessions = server.api("/api/sessions")
        states = [s["kernel"]["execution_state"] for s in sessions if s.get("kernel")]
        if states and all(s == "idle" for s in states):
            # the status bar agrees: the front-end has connected to the kernel
            if page.locator(".jp-StatusBar-TextItem", has_text="Idle").count():
                return
        page.wait_for_timeout(300)
    raise TimeoutError("the kernel never became idle")


def click_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def menu_items(page, menu: str) -> list[str]:
    """The item labels of a menu-bar menu (the menu is closed again)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel").first.wait_for()
    items = [t.strip() for t in page.locator(".lm-Menu-itemLabel").all_text_contents() if t.strip()]
    page.keyboard.press("Escape")
    return items


def wait_until_run(page, server: LabServer, timeout_ms: int = 180_000) -> None:
    """Wait until no cell is queued or running (``[*]``) and the kernel is idle."""
    page.wait_for_timeout(500)
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        prompts = page.locator(f"{PANEL} .jp-CodeCell .jp-InputPrompt").all_text_contents()
        if not any("*" in p for p in prompts):
            wait_kernel_idle(page, server, timeout_ms)
            return
        page.wait_for_timeout(300)
    raise TimeoutError("cells were still running")


def run_all(page, server: LabServer, timeout_ms: int = 180_000) -> None:
    """Run All Cells and wait until every code cell has run (an error stops the run: it times out)."""
    click_menu(page, "Run", "Run All Cells")
    page.wait_for_timeout(500)
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        prompts = page.locator(f"{PANEL} .jp-CodeCell .jp-InputPrompt").all_text_contents()
        if prompts and not any("*" in p for p in prompts) and all(p.strip() not in ("[ ]:", "") for p in prompts):
            wait_kernel_idle(page, server, timeout_ms)
            return
        page.wait_for_timeout(500)
    screenshot(page, "run_all_timeout")
    raise TimeoutError(f"Run All did not finish; prompts: {prompts}")


def error_outputs(page) -> list[str]:
    loc = page.locator(f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    # textContent, not innerText: cells scrolled out of view are not rendered
    texts = [t for t in loc.all_text_contents() if "Traceback" in t or "Error" in t]
    return texts

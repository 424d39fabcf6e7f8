"""``modellab dashboard``: the course's explorers as no-code web apps, served with Voilà.

Each dashboard is a small notebook, written at start-up into a private folder, that shows
one explorer on a course scenario with a plain-language introduction. Voilà runs it and
shows only the results and the controls: no code, no editing, no file browser beyond the
list of dashboards, and no way for a visitor to run code of their own (Voilà accepts
widget messages only). The server listens on the loopback address.

Example
-------
>>> sorted(DASHBOARDS)
['alert_tuner', 'drift_explorer', 'threshold_explorer']
>>> DASHBOARDS["drift_explorer"].title
'How large must a shift be before it matters?'
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: A Jupyter data folder holding modellab's Voilà template (``voila/templates/modellab``).
TEMPLATES = Path(__file__).parent / "_voila"

@dataclass(frozen=True)
class Dashboard:
    """One no-code dashboard: the page title, what it is for, and the code that builds it."""

    title: str
    intro: str
    code: str


DASHBOARDS: dict[str, Dashboard] = {
    "drift_explorer": Dashboard(
        "How large must a shift be before it matters?",
        "Pick an input of the credit model and move the **shift** slider: the applicants of one "
        "production week change by that many standard deviations. Watch which drift measures "
        "call it a change, and whether the model's decisions (share declined, ROC-AUC) move. "
        "A change can be *real* (statistically clear) and still too *small* to act on.",
        "from modellab import scenarios\n"
        "from modellab.widgets import drift_explorer\n\n"
        "drift_explorer(scenarios.make('stable', seed=1), 'income', shift=0.25)",
    ),
    "threshold_explorer": Dashboard(
        "Where should the model draw the line?",
        "The model declines applications whose risk score is above the **threshold**. Move it "
        "and see the trade-off: declining more applicants catches more defaults (recall) but "
        "turns away more good customers. The costs of the two errors decide the cheapest "
        "threshold (starred). Change the costs to match your portfolio.",
        "from modellab import scenarios\n"
        "from modellab.widgets import threshold_explorer\n\n"
        "s = scenarios.make('stable', seed=1)\n"
        "threshold_explorer(s.reference['default'], s.reference['score'], "
        "cost_fp=1_800, cost_fn=7_200, threshold=s.threshold)",
    ),
    "alert_tuner": Dashboard(
        "How strict should the alerts be?",
        "Twenty weeks of monitoring with known incidents (shaded). Move the alert thresholds "
        "and count the cost of each choice: a strict rule raises **false alarms** on quiet "
        "weeks, a loose one **misses** incidents or catches them late.",
        "from modellab import scenarios\n"
        "from modellab.widgets import alert_tuner\n\n"
        "alert_tuner(scenarios.make('concept_drift', seed=1))",
    ),
}


def write_dashboards(folder) -> list[Path]:
    """Write one notebook per dashboard into ``folder`` (created); returns their paths."""
    import nbformat
    from nbformat.sign import NotebookNotary

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, board in DASHBOARDS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                     "name": "python3"}
        nb.cells = [
            nbformat.v4.new_markdown_cell(f"# {board.title}\n\n{board.intro}"),
            nbformat.v4.new_code_cell(board.code),
        ]
        NotebookNotary().sign(nb)  # our own code: trusted, so Voila does not warn about it
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def free_port() -> int:
    """A TCP port nobody listens on right now, on the loopback address."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def voila_command(folder, port: int, open_browser: bool = True) -> list[str]:
    """The Voilà command line that serves the dashboards in ``folder`` on ``port``."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port must be a whole number between 1 and 65535, got {port!r}")
    cmd = [
        sys.executable, "-m", "voila", str(folder),
        f"--port={port}", "--Voila.ip=127.0.0.1",
        "--strip_sources=True",                      # results and controls, never code
        "--VoilaConfiguration.show_tracebacks=False",
        "--theme=light",
        "--template=modellab",                      # lab's, minus stylesheets from a CDN
        "--VoilaConfiguration.classic_tree=True",    # a plain list of the dashboards
        # only the widget manager: other JupyterLab extensions installed in this environment
        # (nbgrader, jupytext, ...) do not run outside JupyterLab and fill the console with errors
        "--VoilaConfiguration.extension_allowlist=@jupyter-widgets/jupyterlab-manager",
        "--VoilaConfiguration.extension_allowlist=@voila-dashboards/widgets-manager8",
        "--MappingKernelManager.cull_idle_timeout=1800",  # an abandoned tab frees its kernel
        "--MappingKernelManager.cull_interval=300",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def voila_env(base: dict | None = None) -> dict:
    """The environment for Voilà: ``base`` (default: this process's) plus modellab's template."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATES), env.get("JUPYTER_PATH")) if p)
    return env


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add ``modellab dashboard`` options to ``parser``."""
    parser.add_argument("--port", type=int, default=None,
                        help="port to serve on (default: a free one)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a browser; print the address instead")


def run(args: argparse.Namespace) -> int:
    """Run ``modellab dashboard`` until interrupted; returns the exit code."""
    try:
        import voila  # noqa: F401
    except ImportError:
        print("modellab dashboard needs Voilà: pip install voila", file=sys.stderr)
        return 2
    port = free_port() if args.port is None else args.port
    folder = Path(tempfile.mkdtemp(prefix="modellab-dashboards-"))
    try:
        write_dashboards(folder)
        print(f"Dashboards at http://127.0.0.1:{port}/ — "
              + ", ".join(f"/voila/render/{n}.ipynb" for n in DASHBOARDS)
              + ". Press Ctrl+C to stop.", flush=True)
        proc = subprocess.Popen(voila_command(folder, port, not args.no_browser), env=voila_env())
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(timeout=10)
            return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)

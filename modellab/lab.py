"""``modellab lab``: open the course in JupyterLab, set up for a learner or an instructor.

Installing nbgrader turns on all of its JupyterLab tools, including the instructor's
Formgrader and "Create Assignment". Learners should not see those, so the learner set-up
disables them in this environment's ``labconfig/page_config.json``; ``--instructor``
turns them back on. Without an nbgrader exchange (no JupyterHub course) learners do not see
the Assignment List either, and a learner ``nbgrader_config.py`` stops nbgrader's "No
nbgrader_config.py file found" warning. Both set-ups switch off JupyterLab's news and update prompts, which
only distract in a classroom.

Examples
--------
>>> import tempfile, json, pathlib
>>> prefix = pathlib.Path(tempfile.mkdtemp())
>>> written = configure_lab("learner", prefix=prefix)
>>> json.loads(written["page_config"].read_text())["disabledExtensions"]["@jupyter/nbgrader:course-list"]
True
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from modellab.doctor import NBGRADER_INSTRUCTOR_PLUGINS

ROLES = ("learner", "instructor")
ROOT = Path(__file__).resolve().parents[1]
WELCOME = "notebooks/00_welcome.ipynb"
#: nbgrader's default exchange folder (``c.Exchange.root``): assignments are fetched from and
#: submitted to it on a JupyterHub course. Without it the Assignment List only shows errors.
DEFAULT_EXCHANGE = Path("/srv/nbgrader/exchange")
#: Hidden from learners when there is no exchange: the Assignment List and the Nbgrader menu
#: (whose only learner item it is). The Validate button is a separate plugin and stays.
EXCHANGE_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu")
LEARNER_NBGRADER_CONFIG = """\
# Written by `modellab lab` (learner set-up): nbgrader's Validate button reads its settings
# from here, so it no longer warns "No nbgrader_config.py file found" on every start.
# Learners hand in the exercise notebook itself (see the course README: How to submit).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "modellab"
"""
QUIET_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"},
}


def _update_json(path: Path, update) -> None:
    data = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text())
        except ValueError:
            data = {}  # a broken file would stop JupyterLab; ours replaces it
    update(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def configure_lab(
    role: str = "learner",
    prefix: str | os.PathLike | None = None,
    exchange: str | os.PathLike | None = None,
) -> dict[str, Path]:
    """Write the JupyterLab set-up for ``role`` into the environment at ``prefix``.

    Parameters
    ----------
    role : {"learner", "instructor"}
        Learners get nbgrader's instructor tools hidden; instructors get them.
    prefix : path, optional
        The environment to configure (default: the running Python's ``sys.prefix``).
    exchange : path, optional
        nbgrader's exchange folder (default :data:`DEFAULT_EXCHANGE`). When it does not
        exist (no JupyterHub course), learners do not see the Assignment List, which would
        only say "Error fetching courses!"; they hand in the notebook file instead.

    Returns
    -------
    dict
        The files written: ``page_config``, ``overrides`` and ``nbgrader_config``.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}.")
    prefix = Path(prefix or sys.prefix)
    page_config = prefix / "etc" / "jupyter" / "labconfig" / "page_config.json"
    overrides = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    nbgrader_config = prefix / "etc" / "jupyter" / "nbgrader_config.py"
    hide_assignments = role == "learner" and not Path(exchange or DEFAULT_EXCHANGE).is_dir()

    def set_plugins(conf: dict) -> None:
        disabled = conf.get("disabledExtensions", {})
        if isinstance(disabled, list):
            disabled = {name: True for name in disabled}
        # explicit True/False, so this set-up wins over any lower-priority page_config.json
        for plugin in NBGRADER_INSTRUCTOR_PLUGINS:
            disabled[plugin] = role == "learner"
        for plugin in EXCHANGE_PLUGINS:
            disabled[plugin] = hide_assignments
        conf["disabledExtensions"] = disabled
        # `jupyter labextension disable` also locks a plugin, which would keep it hidden
        locked = conf.get("lockedExtensions")
        if role == "instructor" and isinstance(locked, dict):
            for plugin in NBGRADER_INSTRUCTOR_PLUGINS:
                locked.pop(plugin, None)

    _update_json(page_config, set_plugins)
    _update_json(overrides, lambda conf: conf.update(QUIET_SETTINGS))
    if not nbgrader_config.is_file():  # an instructor's own config is never replaced
        nbgrader_config.parent.mkdir(parents=True, exist_ok=True)
        nbgrader_config.write_text(LEARNER_NBGRADER_CONFIG)
    return {"page_config": page_config, "overrides": overrides, "nbgrader_config": nbgrader_config}


def lab_command(port: int | None = None, open_browser: bool = True, notebook: str = WELCOME) -> list[str]:
    """The ``jupyter lab`` command line that opens the course on ``notebook``."""
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    cmd = [jupyter, "lab", notebook, f"--ServerApp.root_dir={ROOT}"]
    if port:
        cmd.append(f"--port={port}")
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def configure_parser(parser) -> None:
    parser.add_argument("--instructor", action="store_true",
                        help="show nbgrader's instructor tools (Formgrader, Create Assignment)")
    parser.add_argument("--port", type=int, default=None, help="port for JupyterLab")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--setup-only", action="store_true",
                        help="write the set-up and print the command, but do not start JupyterLab")


def run(args) -> int:
    role = "instructor" if args.instructor else "learner"
    written = configure_lab(role)
    cmd = lab_command(port=args.port, open_browser=not args.no_browser)
    print(f"Set up JupyterLab for a {role} ({written['page_config']}).")
    if args.setup_only:
        print(" ".join(cmd))
        return 0
    if not (ROOT / WELCOME).is_file():
        raise FileNotFoundError(f"{ROOT / WELCOME} is missing: run `modellab build` to generate the lessons.")
    print("Opening the course in JupyterLab: stop it with Ctrl-C.")
    os.chdir(ROOT)
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover (execv does not return)

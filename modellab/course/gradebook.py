"""A workshop directory: where an instructor grades one class with nbgrader.

A workshop directory lives **outside** the repository. It holds nbgrader's usual
layout (``source/``, ``release/``, ``submitted/``, ``autograded/``, ``feedback/``,
``gradebook.db``) plus ``nbgrader_config.py`` and ``.modellab/status.json``, where
modellab records what happened to each learner's notebook (collected, unreadable,
graded, failed) so that no learner silently drops out of the grades.

Only the instructor's process writes ``gradebook.db``; parallel graders work in
private copies (see :mod:`modellab.course.grading`).

Examples
--------
>>> import tempfile, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "empty").mkdir()
>>> root = tmp / "spring"
>>> ws = init_workshop(root, source=tmp / "empty", course_id="demo", timeout=30)
>>> ws
Workshop(root=.../spring, course_id='demo', assignments=[])
>>> (root / "nbgrader_config.py").is_file(), (root / "gradebook.db").is_file()
(True, True)
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import os
import re
import shutil
import sqlite3
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_NAME = "nbgrader_config.py"
STATUS_FILE = Path(".modellab") / "status.json"
COURSE_CONFIG_COPY = "nbgrader_config_course.py"

# Log lines nbgrader emits by design, hidden from the instructor's view.
_NOISE = (
    re.compile(r"checksum.* for (grade )?cell .* has changed", re.IGNORECASE),  # nbgrader issue 1961
    re.compile(r"SAWarning"),
    re.compile(r"relationship .* will copy column", re.IGNORECASE),  # the SAWarning's text
    re.compile(r"Unwritable directory|exchange directory", re.IGNORECASE),  # no exchange: by design
    re.compile(r"Removing existing (assignment|feedback)"),  # regenerating with force: by design
)

_CONFIG_TEMPLATE = '''\
"""nbgrader configuration for this workshop directory (written by `modellab workshop init`)."""
import os

c = get_config()  # noqa: F821

# The course's own settings (solution stubs, ...) when the repository provides them.
if os.path.exists(os.path.join(os.path.dirname(__file__), "{course_copy}")):
    load_subconfig("{course_copy}")  # noqa: F821

# Where everything lives: this directory, never the repository.
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")
c.Exchange.root = os.path.join(c.CourseDirectory.root, ".exchange")

# Grading: a looping cell is stopped after `timeout` seconds and scores 0; later cells still run.
c.ExecutePreprocessor.timeout = {timeout}
c.ExecutePreprocessor.kernel_name = "python3"
c.Execute.timeout = {timeout}
c.Execute.kernel_name = "python3"
# Test cells a learner deleted are put back (and graded) instead of silently missing.
c.OverwriteCells.add_missing_cells = True

# Learner kernels run in a bubblewrap sandbox (modellab.course.sandbox) with these limits;
# tests run in the grader's process (modellab.course.judge).
c.TrustedExecute.timeout = {timeout}            # seconds per cell and per request
c.TrustedExecute.memory = "2GiB"                # address space: bigger allocations raise MemoryError
c.TrustedExecute.cpu_seconds = 600              # CPU time of one kernel
c.TrustedExecute.processes = 256                # processes and threads (contains a fork bomb)
c.TrustedExecute.file_size = "256MiB"           # largest file a learner kernel may write
c.TrustedExecute.output_bytes = "1MiB"          # outputs kept per cell
'''


@dataclass(frozen=True)
class Workshop:
    """A workshop directory on disk (see the module docstring for its layout).

    Parameters
    ----------
    root : pathlib.Path
        The directory that holds ``nbgrader_config.py``.
    course_id : str
        nbgrader's course id, read from the config.
    """

    root: Path
    course_id: str

    def __repr__(self) -> str:
        return (
            f"Workshop(root={self.root}, course_id={self.course_id!r}, "
            f"assignments={self.assignments()})"
        )

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def assignments(self) -> list[str]:
        """Assignment ids found in ``source/`` (sorted)."""
        src = self.root / "source"
        if not src.is_dir():
            return []
        return sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def notebooks(self, assignment: str) -> list[str]:
        """Notebook names (without ``.ipynb``) of ``assignment``'s source."""
        self.require_assignment(assignment)
        return sorted(p.stem for p in (self.root / "source" / assignment).glob("*.ipynb"))

    def require_assignment(self, assignment: str) -> None:
        if not isinstance(assignment, str) or not assignment:
            raise TypeError(f"assignment must be a non-empty string, got {assignment!r}.")
        known = self.assignments()
        if assignment not in known:
            raise ValueError(
                f"unknown assignment {assignment!r} in {self.root / 'source'}: known ones are "
                f"{known or 'none'}; copy its source folder there or run `modellab workshop init` "
                f"with --source."
            )


def inside_repo(path: Path) -> bool:
    """True when ``path`` is inside the modellab repository (grading work must not be)."""
    path = Path(path).resolve()
    if not (REPO_ROOT / "pyproject.toml").is_file():
        return False  # installed package: there is no repository to protect
    return path == REPO_ROOT or REPO_ROOT in path.parents


def default_source() -> Path:
    """The repository's ``solutions/`` folder (nbgrader source notebooks)."""
    return REPO_ROOT / "solutions"


def init_workshop(
    root, *, source=None, course_id: str = "modellab", timeout: int = 60
) -> Workshop:
    """Create (or refresh) a workshop directory; safe to run again.

    Parameters
    ----------
    root : str or Path
        The directory to create. Must be outside the repository.
    source : str, Path or None
        A folder of nbgrader source assignments (``<assignment>/<notebook>.ipynb``), copied into
        ``root/source/``. Default: the repository's ``solutions/`` when it exists; ``None`` and
        no ``solutions/`` folder means "copy nothing".
    course_id : str
        nbgrader course id.
    timeout : int
        Seconds a single cell may run at grading time before it is stopped and scores 0.

    Returns
    -------
    Workshop
    """
    if not isinstance(course_id, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", course_id):
        raise ValueError(
            f"course_id must be letters, digits, '_', '-' or '.', got {course_id!r}."
        )
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    root = Path(root).expanduser().resolve()
    if inside_repo(root):
        raise ValueError(
            f"{root} is inside the modellab repository ({REPO_ROOT}): grading work holds learners' "
            f"data and must never be committed. Choose a directory outside it, e.g. ~/workshops/spring."
        )
    if root.exists() and not root.is_dir():
        raise ValueError(f"{root} exists and is not a directory: choose another path.")
    if source is None and default_source().is_dir():
        source = default_source()
    if source is not None:
        source = Path(source).expanduser().resolve()
        if not source.is_dir():
            raise FileNotFoundError(
                f"source folder {source} does not exist: pass --source with a folder of "
                f"nbgrader source assignments (<assignment>/<notebook>.ipynb)."
            )
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("source", "release", "submitted", "autograded", "feedback", ".modellab"):
        (root / sub).mkdir(exist_ok=True)
    course_cfg = REPO_ROOT / "course" / CONFIG_NAME
    if course_cfg.is_file():
        shutil.copy2(course_cfg, root / COURSE_CONFIG_COPY)
    (root / CONFIG_NAME).write_text(
        _CONFIG_TEMPLATE.format(course_id=course_id, timeout=timeout, course_copy=COURSE_CONFIG_COPY)
    )
    if source is not None:
        for assignment in sorted(p for p in source.iterdir() if p.is_dir()):
            if not any(assignment.glob("*.ipynb")):
                continue
            shutil.copytree(
                assignment,
                root / "source" / assignment.name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )
    with nbgrader_environment():
        from nbgrader.api import Gradebook

        Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id).close()
    return Workshop(root=root, course_id=course_id)


def open_workshop(root) -> Workshop:
    """Return the :class:`Workshop` at ``root``, refusing a folder ``init`` did not create."""
    root = Path(root).expanduser().resolve()
    if not (root / CONFIG_NAME).is_file():
        raise FileNotFoundError(
            f"{root} is not a workshop directory (no {CONFIG_NAME}): create it with "
            f"`modellab workshop init {root}` or pass --dir."
        )
    match = re.search(r"course_id\s*=\s*['\"]([^'\"]+)['\"]", (root / CONFIG_NAME).read_text())
    return Workshop(root=root, course_id=match.group(1) if match else "modellab")


def load_config(ws: Workshop, **overrides):
    """nbgrader's traitlets config for ``ws``; ``overrides`` maps "Class.trait" to a value."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader(CONFIG_NAME, path=str(ws.root)).load_config()
    for key, value in overrides.items():
        klass, trait = key.split(".")
        setattr(cfg[klass], trait, value)
    return cfg


def make_api(ws: Workshop, **overrides):
    """An ``nbgrader.apps.NbGraderAPI`` bound to ``ws`` (quiet: it logs to a buffer)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    cfg = load_config(ws, **overrides)
    coursedir = CourseDirectory(config=cfg)
    api = NbGraderAPI(coursedir=coursedir, config=cfg)
    api.log.propagate = False
    if not any(isinstance(h, logging.NullHandler) for h in api.log.handlers):
        api.log.addHandler(logging.NullHandler())  # quiet unless captured by nbgrader
    return api


@contextlib.contextmanager
def nbgrader_environment():
    """Run nbgrader quietly and reliably.

    Puts this interpreter's ``bin/`` on ``PATH`` (nbgrader runs ``alembic`` by name) and
    silences the warnings nbgrader emits by design (SQLAlchemy's SAWarning on first grading).
    """
    bindir = str(Path(sys.executable).parent)
    old_path = os.environ.get("PATH", "")
    if bindir not in old_path.split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + old_path
    with warnings.catch_warnings():
        try:
            from sqlalchemy.exc import SAWarning

            warnings.simplefilter("ignore", SAWarning)
        except ImportError:  # pragma: no cover - sqlalchemy ships with nbgrader
            pass
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        try:
            yield
        finally:
            os.environ["PATH"] = old_path


def filter_log(text: str | None) -> list[str]:
    """Keep nbgrader's WARNING/ERROR lines an instructor should see; drop by-design noise."""
    kept = []
    for line in (text or "").splitlines():
        if not re.match(r"\s*\[(WARNING|ERROR|CRITICAL)\]", line):
            continue
        if any(p.search(line) for p in _NOISE):
            continue
        kept.append(line.strip())
    return kept


# --- status of each learner's notebook --------------------------------------------------------

STATUSES = ("collected", "unreadable", "graded", "failed")


def load_status(ws: Workshop) -> dict:
    """``{assignment: {student: {"status", "detail", "updated"}}}`` from ``.modellab/status.json``."""
    path = ws.root / STATUS_FILE
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def record_status(ws: Workshop, assignment: str, updates: dict[str, tuple[str, str]]) -> None:
    """Record ``{student: (status, detail)}`` for ``assignment`` (atomic rewrite)."""
    for student, (status, _) in updates.items():
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r} for {student}: use one of {STATUSES}.")
    data = load_status(ws)
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    for student, (status, detail) in updates.items():
        data.setdefault(assignment, {})[student] = {
            "status": status,
            "detail": detail,
            "updated": now,
        }
    path = ws.root / STATUS_FILE
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


def snapshot_gradebook(ws: Workshop, dest: Path) -> Path:
    """A consistent copy of ``gradebook.db`` (SQLite's backup API, safe while it is open)."""
    dest = Path(dest)
    src = sqlite3.connect(ws.root / "gradebook.db")
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
    return dest

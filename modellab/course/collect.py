"""Collect learners' notebooks from a folder or an LMS zip export into nbgrader's layout.

Learner ids come from file names. Accepted patterns, tried in this order:

1. **LMS exports** -- ``<name>_<number>_<anything>.ipynb`` (Canvas: ``doejane_12345_678_ex01.ipynb``,
   ``doejane_late_12345_...``; a "Lastname, First" name works too: ``Doe, Jane_12345_ex01.ipynb``)
   and Moodle's folder per learner ``Jane Doe_12345_assignsubmission_file_/ex01.ipynb``.
   The id is the name, lower-cased with ``-`` between words, then the LMS number: ``doe-jane-12345``.
2. **Named files** -- ``alice.ipynb``, ``alice_ex01_metrics.ipynb``, ``ex01_metrics-alice.ipynb``:
   the assignment id and the notebook name are removed from the file name; what is left is the id.
3. **A folder per learner** -- ``alice/ex01_metrics.ipynb`` or nbgrader's own
   ``alice/ex01_metrics/ex01_metrics.ipynb``: the nearest folder that is not the assignment.

Nothing is ever lost: every input file is first archived in ``inbox/<assignment>/<time>/``.
A learner's newest notebook goes to ``submitted/<student>/<assignment>/<notebook>.ipynb``
(with ``timestamp.txt``), even when it cannot be read (it is then reported and marked
``unreadable``); older duplicates and unmatched files stay in the inbox and are reported.

Examples
--------
>>> student_from_path("Doe, Jane_12345_ex01_metrics.ipynb", "ex01_metrics", ["ex01_metrics"])
('doe-jane-12345', 'Jane', 'Doe')
>>> student_from_path("alice_ex01_metrics.ipynb", "ex01_metrics", ["ex01_metrics"])
('alice', '', '')
>>> student_from_path("bob/ex01_metrics/ex01_metrics.ipynb", "ex01_metrics", ["ex01_metrics"])
('bob', '', '')
"""

from __future__ import annotations

import datetime as _dt
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_LMS = re.compile(r"^(?P<name>[^_]+?)_(?:late_)?(?P<number>\d+)(?:_|$)")
_SKIP = ("__MACOSX", ".ipynb_checkpoints", ".DS_Store")


@dataclass(frozen=True)
class CollectReport:
    """What :func:`collect_submissions` did: ``placed`` maps student -> file placed,
    ``unreadable`` student -> reason, ``duplicates`` and ``unmatched`` are inbox paths kept
    aside, ``inbox`` is where every original file was archived."""

    assignment: str
    inbox: str
    placed: dict = field(default_factory=dict)
    unreadable: dict = field(default_factory=dict)
    duplicates: tuple = ()
    unmatched: tuple = ()

    def __repr__(self) -> str:
        return (
            f"CollectReport(assignment={self.assignment!r}, placed={len(self.placed)}, "
            f"unreadable={len(self.unreadable)}, duplicates={len(self.duplicates)}, "
            f"unmatched={len(self.unmatched)})"
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _lms(part: str):
    match = _LMS.match(part)
    if not match:
        return None
    name = match.group("name").strip()
    first = last = ""
    if "," in name:  # "Lastname, First"
        last, first = (x.strip() for x in name.split(",", 1))
    slug = _slug(name)
    if not slug:
        return None
    return f"{slug}-{match.group('number')}", first, last


def student_from_path(relpath, assignment: str, notebooks) -> tuple[str, str, str] | None:
    """``(student_id, first_name, last_name)`` for a file at ``relpath`` in an export, or None.

    See the module docstring for the accepted patterns.
    """
    parts = PurePosixPath(str(relpath).replace("\\", "/")).parts
    if not parts:
        return None
    stem = Path(parts[-1]).stem
    known = {assignment.lower(), *(n.lower() for n in notebooks)}
    found = _lms(stem)
    if found:
        return found
    rest = stem
    for name in sorted(known, key=len, reverse=True):  # longest first: "ex01_metrics" before "ex01"
        rest = re.sub(re.escape(name), "", rest, flags=re.IGNORECASE)
    rest = _slug(rest)
    if rest:
        return rest, "", ""
    for folder in reversed(parts[:-1]):
        if folder.lower() in known:
            continue
        return _lms(folder) or ((_slug(folder), "", "") if _slug(folder) else None)
    return None


def _archive(source: Path, inbox: Path) -> list[tuple[Path, _dt.datetime]]:
    """Copy or unzip ``source`` into ``inbox``; return ``(file, time)`` for each notebook."""
    found = []
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            for info in zf.infolist():
                if info.is_dir() or any(s in info.filename for s in _SKIP):
                    continue
                target = inbox / info.filename
                if inbox.resolve() not in target.resolve().parents:
                    continue  # refuse "../" entries
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                found.append((target, _dt.datetime(*info.date_time, tzinfo=_dt.UTC)))
    elif source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_dir() or any(s in path.parts for s in _SKIP):
                continue
            target = inbox / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            found.append((target, _dt.datetime.fromtimestamp(path.stat().st_mtime, _dt.UTC)))
    elif source.is_file() and source.suffix == ".ipynb":
        inbox.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, inbox / source.name)
        found.append((inbox / source.name, _dt.datetime.fromtimestamp(source.stat().st_mtime, _dt.UTC)))
    else:
        raise ValueError(
            f"{source} is not a folder, a .zip or a .ipynb: pass the folder of learner "
            f"notebooks or the LMS's zip export."
        )
    return [(p, t) for p, t in found if p.suffix == ".ipynb"]


def collect_submissions(ws, assignment: str, source) -> CollectReport:
    """Place learners' notebooks from ``source`` (folder, zip or one ``.ipynb``) for grading.

    Every learner found is added to the gradebook; see the module docstring for the rules.
    """
    from nbgrader.api import Gradebook

    from .gradebook import nbgrader_environment, record_status
    from .grading import unreadable_reason

    ws.require_assignment(assignment)
    source = Path(source).expanduser().resolve()
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist: pass a folder or a zip of notebooks.")
    notebooks = ws.notebooks(assignment)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    inbox = ws.root / "inbox" / assignment / stamp
    files = _archive(source, inbox)

    by_student: dict[str, list] = {}
    names: dict[str, tuple[str, str]] = {}
    unmatched = []
    for path, when in files:
        rel = path.relative_to(inbox)
        found = student_from_path(rel, assignment, notebooks)
        if found is None:
            unmatched.append(str(path))
            continue
        student, first, last = found
        nb_name = _notebook_for(rel, notebooks)
        if nb_name is None:
            unmatched.append(str(path))
            continue
        by_student.setdefault(student, []).append((when, nb_name, path))
        names[student] = (first, last)

    placed, unreadable, duplicates = {}, {}, []
    statuses = {}
    with nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
        for student, entries in sorted(by_student.items()):
            entries.sort(key=lambda e: (e[0], str(e[2])))
            newest: dict[str, tuple] = {}
            for when, nb_name, path in entries:
                if nb_name in newest:
                    duplicates.append(str(newest[nb_name][1]))
                newest[nb_name] = (when, path)
            dest = ws.root / "submitted" / student / assignment
            if dest.exists():
                shutil.rmtree(dest)  # a re-collect replaces; the old copy is in an earlier inbox
            dest.mkdir(parents=True)
            for nb_name, (_when, path) in newest.items():
                shutil.copy2(path, dest / f"{nb_name}.ipynb")
                placed[student] = str(dest / f"{nb_name}.ipynb")
            latest = max(when for when, _ in newest.values())
            (dest / "timestamp.txt").write_text(latest.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
            reason = unreadable_reason(dest)
            if reason:
                unreadable[student] = reason
                statuses[student] = ("unreadable", reason)
            else:
                statuses[student] = ("collected", "")
            first, last = names[student]
            gb.update_or_create_student(student, first_name=first or None, last_name=last or None)
    record_status(ws, assignment, statuses)
    return CollectReport(assignment, str(inbox), placed, unreadable, tuple(duplicates), tuple(unmatched))


def _notebook_for(rel, notebooks) -> str | None:
    """Which notebook of the assignment a file is: the only one, or the one its name contains."""
    if len(notebooks) == 1:
        return notebooks[0]
    text = str(rel).lower()
    hits = [n for n in sorted(notebooks, key=len, reverse=True) if n.lower() in text]
    return hits[0] if hits else None

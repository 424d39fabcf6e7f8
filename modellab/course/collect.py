"""Collect learners' notebooks from a folder or an LMS zip export into nbgrader's layout.

Who a file belongs to follows one explicit rule, and a learner is never merged with another
or guessed. For a file at ``relpath`` (inside the folder or zip), tried in this order:

1. **LMS exports** -- a file name ``<name>_<number>_<original name>.ipynb`` (Canvas:
   ``doejane_12345_678_ex01.ipynb``, ``doejane_late_12345_...``; a "Lastname, First" name works
   too: ``Doe, Jane_12345_ex01.ipynb``), or a folder ``<name>_<number>_...`` holding the
   notebook (Moodle: ``Jane Doe_12345_assignsubmission_file_/ex01.ipynb``). The id is the
   name, then the LMS number: ``doe-jane-12345``.
2. **A folder per learner** -- a file named exactly as the assignment's notebook
   (``alice/ex01_metrics.ipynb``, nbgrader's ``alice/ex01_metrics/ex01_metrics.ipynb``) belongs
   to the nearest folder that is not the assignment.
3. **Named files** -- ``alice.ipynb`` (at the top of the export), ``alice_ex01_metrics.ipynb``,
   ``ex01_metrics-alice.ipynb``: the assignment and notebook names are removed from the file
   name and what is left is the id.

Ids are the name in Unicode NFC, lower-cased, with every run of characters that are not
letters or digits replaced by one ``-`` (``Doe, Jane`` -> ``doe-jane``; ``Zoë`` -> ``zoë``:
accents are kept, so ``Zoë`` and ``Zoé`` stay two learners).

What is never placed silently -- each is listed by its name in the export, kept in the inbox,
and makes :attr:`CollectReport.ok` false (``modellab workshop collect`` exits 1) until the
instructor resolves it:

- ``copy``: not the assignment's notebook -- ``Untitled.ipynb``, JupyterLab's
  ``ex01_metrics-Copy1.ipynb``, a browser's ``ex01_metrics (1).ipynb``, or any other file
  name inside a learner's folder. Resolve with ``--as LEARNER FILE``.
- ``no learner``: the name says nothing about who wrote it (``ex01_metrics.ipynb`` at the
  top). Resolve with ``--as LEARNER FILE``.
- ``collision``: two different names that become the same id (``Alice/`` and ``alice/``).
  Resolve with ``--as LEARNER FILE`` for each.
- ``duplicate``: one learner with two files for the same notebook. Resolve with
  ``--prefer newest`` (the newest file wins; a tie stays a problem) or ``--as``.
- ``unsafe path``: a notebook whose zip entry would land outside the inbox
  (``../../evil/x.ipynb``, ``/etc/x.ipynb``), a symbolic link, or a name the zip holds twice.
  Its bytes are kept in ``inbox/<assignment>/<time>-refused/``; ``--as LEARNER ENTRY`` can
  still place it. Such an entry that is not a notebook (``/etc/passwd``) is kept there too and
  listed as set aside (it cannot be anyone's notebook, so it does not hold up the collect).
- ``too large``: a zip entry over ``MAX_FILE_BYTES`` (200 MB) is not extracted at all.

Every input file is first archived in ``inbox/<assignment>/<time>/``; a placed notebook goes to
``submitted/<student>/<assignment>/<notebook>.ipynb`` (with ``timestamp.txt``), even when it
cannot be read (it is then reported and marked ``unreadable``). The problems of the last
collect of each assignment and source (a zip, a folder) are kept in
``.modellab/collect-<assignment>.json`` so that ``workshop summary`` can say who is still
missing.

Examples
--------
>>> student_from_path("Doe, Jane_12345_ex01_metrics.ipynb", "ex01_metrics", ["ex01_metrics"])
('doe-jane-12345', 'Jane', 'Doe')
>>> student_from_path("alice_ex01_metrics.ipynb", "ex01_metrics", ["ex01_metrics"])
('alice', '', '')
>>> student_from_path("bob/ex01_metrics/ex01_metrics.ipynb", "ex01_metrics", ["ex01_metrics"])
('bob', '', '')
>>> identify("bob/ex01_metrics-Copy1.ipynb", "ex01_metrics", ["ex01_metrics"])
Problem(kind='copy', file='bob/ex01_metrics-Copy1.ipynb', detail="not the assignment's notebook: name it with --as LEARNER FILE")
>>> learner_id("Zoë"), learner_id("Zoé")
('zoë', 'zoé')
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_LMS = re.compile(r"^(?P<name>[^_]+?)_(?:late_)?(?P<number>\d+)(?:_|$)")
# JupyterLab's "Untitled", "Untitled1", "x-Copy1"; a browser's "x (1)" for a second download
_COPY = re.compile(r"(?i)(?:^untitled\d*(?:-copy\d*)?$|-copy\d*$|\s*\(\d+\)$)")
_SKIP = ("__MACOSX", ".ipynb_checkpoints", ".DS_Store")
PREFER = ("newest",)
PROBLEM_KINDS = ("copy", "no learner", "collision", "duplicate", "unsafe path", "too large")
MAX_FILE_BYTES = 200 * 1024**2  # a zip entry larger than this is not extracted (zip bombs)


@dataclass(frozen=True)
class Problem:
    """A file that was not placed: ``kind`` (one of ``PROBLEM_KINDS``), ``file`` (its name in
    the export, as ``--as`` takes it) and ``detail`` (why, and how to resolve it)."""

    kind: str
    file: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.upper()}: {self.file}: {self.detail}"


@dataclass(frozen=True)
class CollectReport:
    """What :func:`collect_submissions` did.

    ``placed`` maps student -> file placed, ``unreadable`` student -> reason, ``problems``
    lists the files that were not placed (:class:`Problem`), ``set_aside`` the files a choice
    left out (``(file, reason)``, not an error), ``unchanged`` the learners whose placed files
    were already there byte for byte (their status and grades are kept), ``replaced`` the
    learners whose notebook, placed from another source (another zip or folder), this collect
    replaced (``(student, that source)``; the older file stays in its inbox), ``inbox`` is where
    every original was archived.
    ``ok`` is False while any problem or unreadable notebook is left.
    """

    assignment: str
    inbox: str
    placed: dict = field(default_factory=dict)
    unreadable: dict = field(default_factory=dict)
    problems: tuple = ()
    set_aside: tuple = ()
    unchanged: tuple = ()
    replaced: tuple = ()

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unreadable

    def __repr__(self) -> str:
        return (
            f"CollectReport(assignment={self.assignment!r}, placed={len(self.placed)}, "
            f"unreadable={len(self.unreadable)}, problems={len(self.problems)}, "
            f"set_aside={len(self.set_aside)})"
        )


@dataclass(frozen=True)
class _Found:
    student: str
    first: str
    last: str
    raw: str          # the name the id came from, before normalisation (collision check)
    notebook: str


@dataclass(frozen=True)
class _Entry:
    file: str         # name in the export
    path: Path        # archived copy
    when: _dt.datetime
    found: _Found
    explicit: bool = False


def learner_id(name: str) -> str:
    """The learner id of ``name``: NFC, lower case, non-alphanumeric runs -> ``-`` (may be '')."""
    text = unicodedata.normalize("NFC", str(name)).lower()
    return re.sub(r"[\W_]+", "-", text).strip("-")


def _lms(text: str):
    """``(id, first, last, raw, rest)`` for an LMS name ``<name>_<number>_<rest>``, or None."""
    match = _LMS.match(text)
    if not match:
        return None
    name = match.group("name").strip()
    first = last = ""
    if "," in name:  # "Lastname, First"
        last, first = (x.strip() for x in name.split(",", 1))
    slug = learner_id(name)
    if not slug:
        return None
    raw = unicodedata.normalize("NFC", f"{name}_{match.group('number')}")
    return f"{slug}-{match.group('number')}", first, last, raw, text[match.end():]


def _which_notebook(name: str, notebooks) -> str | None:
    """The notebook a file name stands for: the only one, or the one its name contains."""
    if len(notebooks) == 1:
        return notebooks[0]
    text = name.lower()
    hits = [n for n in sorted(notebooks, key=len, reverse=True) if n.lower() in text]
    return hits[0] if hits else None


def identify(relpath, assignment: str, notebooks) -> _Found | Problem:
    """Who the file at ``relpath`` (in an export) belongs to, or the :class:`Problem` with it.

    See the module docstring for the rules, tried in order.
    """
    rel = unicodedata.normalize("NFC", str(relpath).replace("\\", "/"))
    parts = PurePosixPath(rel).parts
    if not parts:
        return Problem("no learner", rel, "empty name: name it with --as LEARNER FILE")
    stem = Path(parts[-1]).stem
    folders = parts[:-1]
    notebooks = list(notebooks)
    known = {assignment.lower(), *(n.lower() for n in notebooks)}
    copy = Problem("copy", rel, "not the assignment's notebook: name it with --as LEARNER FILE")

    lms = _lms(stem)
    if lms:  # 1. Canvas-style file name
        student, first, last, raw, rest = lms
        rest = re.sub(r"^(?:\d+_)+", "", rest)  # Canvas: <name>_<user>_<submission>_<file>
        if rest and _COPY.search(rest):
            return copy
        notebook = _which_notebook(rest or stem, notebooks)
        if notebook is None:
            return copy
        return _Found(student, first, last, raw, notebook)
    if stem.lower() in {n.lower() for n in notebooks}:  # 2. a folder per learner
        notebook = next(n for n in notebooks if n.lower() == stem.lower())
        for folder in reversed(folders):
            if folder.lower() in known:
                continue
            lms = _lms(folder)
            if lms:  # Moodle: one folder per learner, named by the LMS
                return _Found(*lms[:4], notebook)
            if learner_id(folder):
                return _Found(learner_id(folder), "", "", folder, notebook)
        return Problem("no learner", rel, "no learner in its name: name it with --as LEARNER FILE")
    if _COPY.search(stem):
        return copy
    rest = stem  # 3. a named file: what is left once the assignment's names are removed
    for name in sorted(known, key=len, reverse=True):  # "ex01_metrics" before "ex01"
        rest = re.sub(re.escape(name), "", rest, flags=re.IGNORECASE)
    rest = rest.strip(" _-.")
    if folders and rest == stem:
        return copy  # e.g. bob/notes.ipynb: a file in a learner's folder is not its notebook
    notebook = _which_notebook(stem, notebooks)
    if notebook is None:
        return copy
    if not learner_id(rest):
        return Problem("no learner", rel, "no learner in its name: name it with --as LEARNER FILE")
    return _Found(learner_id(rest), "", "", rest, notebook)


def student_from_path(relpath, assignment: str, notebooks) -> tuple[str, str, str] | None:
    """``(student_id, first_name, last_name)`` for a file at ``relpath``, or None when the file
    cannot be placed on its own (see :func:`identify` for why)."""
    found = identify(relpath, assignment, notebooks)
    return None if isinstance(found, Problem) else (found.student, found.first, found.last)


def _archive(source: Path, inbox: Path) -> tuple[list, list]:
    """Copy or unzip ``source`` into ``inbox``.

    Returns ``(files, unsafe, too_large)``: ``(name in export, archived path, time)`` for each
    notebook, ``(name, archived path, reason)`` for entries kept aside in
    ``<inbox>-refused/``, and ``(name, size)`` for zip entries too large to extract.
    """
    found, unsafe, too_large = [], [], []
    refused = inbox.with_name(inbox.name + "-refused")

    def refuse(name: str, data: bytes, reason: str) -> None:
        refused.mkdir(parents=True, exist_ok=True)
        target = refused / f"{len(unsafe) + 1:03d}-{learner_id(PurePosixPath(name).name) or 'entry'}"
        target.write_bytes(data)
        unsafe.append((name, target, reason))

    if source.is_file() and zipfile.is_zipfile(source):
        inbox.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(source) as zf:
            for info in zf.infolist():
                name = info.filename
                if info.is_dir() or any(s in name for s in _SKIP):
                    continue
                when = _dt.datetime(*info.date_time, tzinfo=_dt.UTC)
                if info.file_size > MAX_FILE_BYTES:
                    too_large.append((name, info.file_size))
                    continue
                parts = PurePosixPath(name.replace("\\", "/")).parts
                target = inbox.joinpath(*parts) if parts else inbox
                with zf.open(info) as src:
                    data = src.read()
                if (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts
                        or inbox.resolve() not in target.resolve().parents):
                    refuse(name, data, "its path leads out of the export folder")
                    continue
                if target.exists():
                    refuse(name, data, "the zip holds this name twice")
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                if target.suffix == ".ipynb":
                    found.append((PurePosixPath(*parts).as_posix(), target, when))
    elif source.is_dir():
        for path in sorted(source.rglob("*")):
            if any(s in path.parts for s in _SKIP):
                continue
            name = path.relative_to(source).as_posix()
            if path.is_symlink():
                unsafe.append((name, path, "a symbolic link (not followed, not copied)"))
                continue
            if path.is_dir():
                continue
            target = inbox / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            if path.suffix == ".ipynb":
                found.append((name, target,
                              _dt.datetime.fromtimestamp(path.stat().st_mtime, _dt.UTC)))
    elif source.is_file() and source.suffix == ".ipynb":
        inbox.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, inbox / source.name)
        found.append((source.name, inbox / source.name,
                      _dt.datetime.fromtimestamp(source.stat().st_mtime, _dt.UTC)))
    else:
        raise ValueError(
            f"{source} is not a folder, a .zip or a .ipynb: pass the folder of learner "
            f"notebooks or the LMS's zip export."
        )
    return found, unsafe, too_large


def _check_choices(assign, prefer) -> dict[str, str]:
    """``--as`` pairs as ``{file in export (NFC): learner id}``, validated."""
    if prefer is not None and prefer not in PREFER:
        raise ValueError(f"prefer must be one of {PREFER} or None, got {prefer!r}.")
    chosen: dict[str, str] = {}
    for pair in assign or ():
        if isinstance(pair, str) or len(pair) != 2:
            raise TypeError(f"assign must hold (LEARNER, FILE) pairs, got {pair!r}.")
        learner, file = (str(x) for x in pair)
        sid = learner_id(learner)
        if not sid:
            raise ValueError(f"--as {learner!r}: a learner id needs a letter or a digit.")
        key = unicodedata.normalize("NFC", file.replace("\\", "/"))
        if chosen.get(key, sid) != sid:
            raise ValueError(f"--as names {file!r} twice ({chosen[key]!r} and {sid!r}): keep one.")
        chosen[key] = sid
    return chosen


def _resolve(entries: list[_Entry], prefer: str | None):
    """Pick one file per (student, notebook); return ``(chosen, problems, set_aside)``."""
    problems, set_aside, chosen = [], [], {}
    raws: dict[str, set] = {}
    for e in entries:
        if not e.explicit:
            raws.setdefault(e.found.student, set()).add(e.found.raw)
    kept = []
    for e in entries:
        names = raws.get(e.found.student, set())
        if not e.explicit and len(names) > 1:
            others = " and ".join(repr(n) for n in sorted(names))
            problems.append(Problem("collision", e.file,
                                    f"{others} all become learner {e.found.student!r}: name each "
                                    f"with --as LEARNER FILE"))
        else:
            kept.append(e)
    groups: dict[tuple, list[_Entry]] = {}
    for e in kept:
        groups.setdefault((e.found.student, e.found.notebook), []).append(e)
    for key, group in sorted(groups.items()):
        explicit = [e for e in group if e.explicit]
        pool = explicit or group
        if explicit:
            set_aside += [(e.file, f"--as chose {explicit[0].file} for {key[0]}")
                          for e in group if not e.explicit]
        pool = sorted(pool, key=lambda e: e.when)
        if len(pool) == 1:
            chosen[key] = pool[0]
            continue
        newest = pool[-1]
        if prefer == "newest" and newest.when > pool[-2].when:
            chosen[key] = newest
            set_aside += [(e.file, f"older than {newest.file} (--prefer newest)") for e in pool[:-1]]
            continue
        files = ", ".join(e.file for e in pool)
        how = ("they have the same time: choose one with --as LEARNER FILE"
               if prefer == "newest" else "choose with --prefer newest or --as LEARNER FILE")
        problems += [Problem("duplicate", e.file,
                             f"{len(pool)} files for learner {key[0]!r} ({files}): {how}")
                     for e in pool]
    return chosen, problems, set_aside


def collect_submissions(ws, assignment: str, source, *, assign=None,
                        prefer: str | None = None) -> CollectReport:
    """Place learners' notebooks from ``source`` (folder, zip or one ``.ipynb``) for grading.

    Parameters
    ----------
    ws : Workshop
        From :func:`modellab.course.gradebook.open_workshop`.
    assignment : str
        A released assignment.
    source : str or Path
        A folder of notebooks, an LMS zip export or one ``.ipynb``.
    assign : list of (LEARNER, FILE), optional
        The instructor's decisions: FILE (its name in the export, as reported) belongs to
        LEARNER. They override the naming rules and win over other files of that learner.
    prefer : {"newest"}, optional
        Resolve duplicates by taking each learner's newest file.

    Returns
    -------
    CollectReport
        Files that could not be placed are in ``problems`` (see the module docstring); the
        learners that could be placed are placed and added to the gradebook.
    """
    from nbgrader.api import Gradebook

    from .gradebook import nbgrader_environment, record_status
    from .grading import unreadable_reason

    ws.require_assignment(assignment)
    chosen_files = _check_choices(assign, prefer)
    source = Path(source).expanduser().resolve()
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist: pass a folder or a zip of notebooks.")
    notebooks = ws.notebooks(assignment)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    inbox = ws.root / "inbox" / assignment / stamp
    files, unsafe, too_large = _archive(source, inbox)

    known_names = {unicodedata.normalize("NFC", n) for n, *_ in files + unsafe}
    missing = sorted(set(chosen_files) - known_names)
    if missing:
        raise ValueError(
            f"--as names {missing} but {source} has no such notebook: use the names collect "
            f"printed (the path inside the folder or zip)."
        )
    entries, aside = [], []
    problems = [Problem("too large", name, f"{size / 1024**2:.0f} MB, more than "
                        f"{MAX_FILE_BYTES // 1024**2} MB: not extracted; ask the learner to "
                        f"clear the outputs (Edit → Clear Outputs of All Cells) and hand it in again")
                for name, size in too_large]
    never = _dt.datetime.min.replace(tzinfo=_dt.UTC)
    for name, path, when, reason in [(*f, None) for f in files] + [
            (n, p, never, r) for n, p, r in unsafe]:
        key = unicodedata.normalize("NFC", name)
        if key in chosen_files:
            sid = chosen_files[key]
            if path.is_symlink():
                raise ValueError(f"--as {sid} {name}: a symbolic link is never placed; copy the "
                                 f"notebook it points to into the folder instead.")
            notebook = _which_notebook(PurePosixPath(key).name, notebooks)
            if notebook is None:
                raise ValueError(
                    f"--as {sid} {name}: {assignment} has notebooks {notebooks}; the file name "
                    f"must contain the one it is."
                )
            entries.append(_Entry(name, path, when, _Found(sid, "", "", sid, notebook), True))
            continue
        if reason is not None and not key.lower().endswith(".ipynb"):
            aside.append((name, f"{reason}; not a notebook: kept aside as {path}"))
            continue
        if reason is not None:
            problems.append(Problem("unsafe path", name,
                                    f"{reason}; kept aside as {path}: place it with "
                                    f"--as LEARNER FILE if it is a learner's notebook"))
            continue
        found = identify(name, assignment, notebooks)
        if isinstance(found, Problem):
            problems.append(found)
        else:
            entries.append(_Entry(name, path, when, found))
    chosen, more, set_aside = _resolve(entries, prefer)
    problems += more

    by_student: dict[str, list[_Entry]] = {}
    for (student, _nb), e in chosen.items():
        by_student.setdefault(student, []).append(e)
    placed, unreadable, statuses, unchanged, replaced = {}, {}, {}, [], []
    placed_from = {student: src for src, record in _load_problems(_record_path(ws, assignment)).items()
                   if src != str(source) for student in record.get("placed", ())}
    with nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
        for student, chosen_entries in sorted(by_student.items()):
            dest = ws.root / "submitted" / student / assignment
            placed[student] = str(dest / f"{chosen_entries[-1].found.notebook}.ipynb")
            if _same_files(dest, chosen_entries):
                unchanged.append(student)  # re-collected as it was: its grades stay valid
                reason = unreadable_reason(dest)
                if reason:
                    unreadable[student] = reason
                    statuses[student] = ("unreadable", reason)
                continue
            if dest.exists():
                shutil.rmtree(dest)  # a re-collect replaces; the old copy is in an earlier inbox
                if student in placed_from:
                    replaced.append((student, placed_from[student]))
            dest.mkdir(parents=True)
            for e in chosen_entries:
                shutil.copy2(e.path, dest / f"{e.found.notebook}.ipynb")
            latest = max(e.when for e in chosen_entries)
            (dest / "timestamp.txt").write_text(latest.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
            reason = unreadable_reason(dest)
            if reason:
                unreadable[student] = reason
                statuses[student] = ("unreadable", reason)
            else:
                statuses[student] = ("collected", "")
            first = next((e.found.first for e in chosen_entries if e.found.first), "")
            last = next((e.found.last for e in chosen_entries if e.found.last), "")
            gb.update_or_create_student(student, first_name=first or None, last_name=last or None)
    record_status(ws, assignment, statuses)
    report = CollectReport(assignment, str(inbox), placed, unreadable, tuple(problems),
                           tuple(aside + set_aside), tuple(unchanged), tuple(replaced))
    _save_problems(ws, report, source)
    return report


def _same_files(dest: Path, entries) -> bool:
    """True when ``dest`` already holds exactly these files (a re-collect changes nothing)."""
    if not dest.is_dir():
        return False
    names = {f"{e.found.notebook}.ipynb" for e in entries}
    if {p.name for p in dest.glob("*.ipynb")} != names:
        return False
    return all((dest / f"{e.found.notebook}.ipynb").read_bytes() == e.path.read_bytes()
               for e in entries)


def _save_problems(ws, report: CollectReport, source: Path) -> None:
    """Record the problems of this collect under its source (a zip's problems are not
    forgotten when a folder is collected next; collecting a source again replaces its own)."""
    path = _record_path(ws, report.assignment)
    path.parent.mkdir(exist_ok=True)
    sources = _load_problems(path)
    for record in sources.values():  # a learner's notebook comes from the source placed last
        record["placed"] = sorted(set(record.get("placed", ())) - set(report.placed))
    sources[str(source)] = {"inbox": report.inbox, "problems": [vars(p) for p in report.problems],
                            "placed": sorted(report.placed)}
    path.write_text(json.dumps({"sources": sources}, indent=1, ensure_ascii=False),
                    encoding="utf-8")


def _record_path(ws, assignment: str) -> Path:
    return ws.root / ".modellab" / f"collect-{assignment}.json"


def _load_problems(path: Path) -> dict:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if "sources" not in data:  # written before problems were kept per source
        return {data["source"]: {"inbox": data["inbox"], "problems": data["problems"]}}
    return data["sources"]


def unresolved(ws, assignment: str) -> list[Problem]:
    """The files the last collect of each source of ``assignment`` could not place (empty when
    every source is resolved)."""
    sources = _load_problems(_record_path(ws, assignment))
    return [Problem(**p) for _source, record in sorted(sources.items())
            for p in record["problems"]]

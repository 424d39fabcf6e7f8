"""Identity at collect: no learner lost, merged or guessed (issue 12, item 3).

The issue's cases (copies, Untitled, collisions, Unicode names, zip traversal) go through
`modellab workshop collect` with a whole graded class in tests/test_workshop_acceptance.py;
here are the rules' finer points, each through `modellab workshop collect` (exit code and
message) on a workshop of the real ex01_metrics exercise, read back from disk.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sqlite3
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modellab.cli import main
from modellab.course import collect, gradebook

A = "ex01_metrics"
SOLUTIONS = gradebook.REPO_ROOT / "solutions"


@pytest.fixture
def ws(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(SOLUTIONS / A, source / A)
    return gradebook.init_workshop(tmp_path / "class", source=source, timeout=5)


@pytest.fixture
def notebook_text():
    nb = nbformat.read(gradebook.REPO_ROOT / "exercises" / A / f"{A}.ipynb", as_version=4)
    return nbformat.writes(nb)


def _cli(ws, *argv) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["workshop", "collect", A, *argv, "--dir", str(ws.root)])
    return code, buf.getvalue()


def _write(folder: Path, rel: str, text: str, mtime: float | None = None) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _submitted(ws) -> set[str]:
    return {p.parent.parent.name for p in (ws.root / "submitted").glob(f"*/{A}/{A}.ipynb")}


def _students(ws) -> set[str]:
    with sqlite3.connect(ws.root / "gradebook.db") as db:
        return {r[0] for r in db.execute("select id from student")}


def test_decomposed_unicode_is_the_same_learner(ws, tmp_path, notebook_text):
    nfd = "Zoe\u0308"  # "Zoë" as macOS writes it
    assert collect.student_from_path(f"{nfd}/{A}.ipynb", A, [A])[0] == "zoë"


def test_duplicates_wait_for_the_instructor_then_newest_wins(ws, tmp_path, notebook_text):
    inbox = tmp_path / "in"
    now = time.time()
    old = _write(inbox, "gina.ipynb", notebook_text.replace("Exercise", "OLD"), now - 3600)
    new = _write(inbox, f"gina/{A}.ipynb", notebook_text, now)
    code, out = _cli(ws, str(inbox))
    assert code == 1
    assert "DUPLICATE: gina.ipynb" in out and f"DUPLICATE: gina/{A}.ipynb" in out
    assert "--prefer newest" in out and _submitted(ws) == set()
    code, out = _cli(ws, str(inbox), "--prefer", "newest")
    assert code == 0, out
    assert "set aside gina.ipynb: older than" in out
    placed = ws.root / "submitted" / "gina" / A / f"{A}.ipynb"
    assert placed.read_bytes() == new.read_bytes() != old.read_bytes()
    # a tie cannot be decided by time: it stays a problem
    os.utime(old, (now, now))
    code, out = _cli(ws, str(inbox), "--prefer", "newest")
    assert code == 1 and "same time" in out


def test_a_file_with_no_learner_and_the_problem_record(ws, tmp_path, notebook_text):
    inbox = tmp_path / "in"
    _write(inbox, f"{A}.ipynb", notebook_text)
    code, out = _cli(ws, str(inbox))
    assert code == 1 and f"NO LEARNER: {A}.ipynb" in out
    assert [p.file for p in collect.unresolved(ws, A)] == [f"{A}.ipynb"]
    code, _ = _cli(ws, str(inbox), "--as", "Hana Ōta", f"{A}.ipynb")
    assert code == 0 and _submitted(ws) == {"hana-ōta"}
    assert collect.unresolved(ws, A) == []


def test_as_refuses_a_file_that_is_not_in_the_export(ws, tmp_path, notebook_text):
    inbox = tmp_path / "in"
    _write(inbox, "ivan.ipynb", notebook_text)
    with pytest.raises(ValueError, match="has no such notebook"):
        collect.collect_submissions(ws, A, inbox, assign=[("ivan", "nope.ipynb")])
    with pytest.raises(ValueError, match="prefer"):
        collect.collect_submissions(ws, A, inbox, prefer="oldest")
    with pytest.raises(ValueError, match="letter or a digit"):
        collect.collect_submissions(ws, A, inbox, assign=[("--", "ivan.ipynb")])


@pytest.mark.parametrize(("path", "kind"), [
    ("Untitled.ipynb", "copy"),
    ("Untitled1.ipynb", "copy"),
    (f"{A}-Copy2.ipynb", "copy"),
    (f"alice/{A} (3).ipynb", "copy"),
    ("bob/notes.ipynb", "copy"),
    (f"Jane Doe_12345_assignsubmission_file_/{A} (1).ipynb", "copy"),
    ("doejane_12345_678_Untitled.ipynb", "copy"),
    (f"{A}.ipynb", "no learner"),
    (f"{A}/{A}.ipynb", "no learner"),
])
def test_files_that_are_not_placed_on_their_own(path, kind):
    problem = collect.identify(path, A, [A])
    assert isinstance(problem, collect.Problem) and problem.kind == kind and problem.file == path


@given(st.text(min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_learner_ids_are_safe_folder_names_and_stable(name):
    sid = collect.learner_id(name)
    assert sid == collect.learner_id(sid)  # normalising twice changes nothing
    assert "/" not in sid and "\\" not in sid and not sid.startswith(".")
    assert sid == sid.strip("-")
    if sid:
        assert Path(sid).name == sid


def test_recollecting_the_same_files_keeps_grades_a_changed_file_does_not(ws, tmp_path,
                                                                          notebook_text):
    inbox = tmp_path / "in"
    _write(inbox, f"carol/{A}.ipynb", notebook_text)
    _write(inbox, f"dave/{A}.ipynb", notebook_text)
    _write(inbox, "Untitled.ipynb", notebook_text)
    _write(inbox, "empty.ipynb", "")
    assert _cli(ws, str(inbox))[0] == 1
    gradebook.record_status(ws, A, {"carol": ("graded", ""), "dave": ("graded", "")})
    _write(inbox, f"dave/{A}.ipynb", notebook_text.replace("Exercise", "Changed"))
    code, out = _cli(ws, str(inbox), "--as", "erin", "Untitled.ipynb")
    assert code == 1  # empty.ipynb is still unreadable, and still reported
    assert "carol (unchanged since the last collect: grades kept)" in out
    assert "UNREADABLE empty" in out and "dave (unchanged" not in out
    status = gradebook.load_status(ws)[A]
    assert status["carol"]["status"] == "graded"
    assert status["dave"]["status"] == "collected" and status["erin"]["status"] == "collected"


def test_a_zip_entry_too_large_is_not_extracted(ws, tmp_path, notebook_text, monkeypatch):
    monkeypatch.setattr(collect, "MAX_FILE_BYTES", len(notebook_text.encode()) + 10)
    export = tmp_path / "lms.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"kim/{A}.ipynb", notebook_text)
        zf.writestr(f"lee/{A}.ipynb", notebook_text + " " * 1000)  # compresses to little
    code, out = _cli(ws, str(export))
    assert code == 1 and f"TOO LARGE: lee/{A}.ipynb" in out and "Clear Outputs" in out
    assert _submitted(ws) == {"kim"}
    assert not list((ws.root / "inbox").rglob("lee"))


def test_problems_are_kept_per_source_until_that_source_is_resolved(ws, tmp_path, notebook_text):
    export = tmp_path / "lms.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.writestr(f"Doe, Jane_12345_{A}.ipynb", notebook_text)
        zf.writestr(f"../../evil/{A}.ipynb", notebook_text)
        zf.writestr("/etc/evil.txt", "x")  # no notebook: set aside, holds nothing up
    inbox = tmp_path / "in"
    _write(inbox, f"kim/{A}.ipynb", notebook_text)
    code, out = _cli(ws, str(export))
    assert code == 1 and f"UNSAFE PATH: ../../evil/{A}.ipynb" in out
    assert "set aside /etc/evil.txt: its path leads out of the export folder; not a notebook" in out
    assert [p.file for p in collect.unresolved(ws, A)] == [f"../../evil/{A}.ipynb"]
    # a folder collected next does not make the zip's problem go away
    assert _cli(ws, str(inbox))[0] == 0
    assert [p.file for p in collect.unresolved(ws, A)] == [f"../../evil/{A}.ipynb"]
    assert _cli(ws, str(export), "--as", "mallory", f"../../evil/{A}.ipynb")[0] == 0
    assert collect.unresolved(ws, A) == []
    assert _submitted(ws) == {"doe-jane-12345", "kim", "mallory"}


def test_a_learner_replaced_from_another_source_is_said_so(ws, tmp_path, notebook_text):
    export = tmp_path / "lms.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.writestr(f"kim/{A}.ipynb", notebook_text)
    inbox = tmp_path / "in"
    _write(inbox, f"kim/{A}.ipynb", notebook_text.replace("Exercise", "Later"))
    _write(inbox, f"lee/{A}.ipynb", notebook_text)
    assert _cli(ws, str(export))[0] == 0
    code, out = _cli(ws, str(inbox))
    assert code == 0
    assert f"kim (REPLACES the notebook collected from {export}" in out
    assert "lee\n" in out and "lee (" not in out
    placed = ws.root / "submitted" / "kim" / A / f"{A}.ipynb"
    assert "Later" in placed.read_text()
    # collecting the same folder again replaces nothing
    code, out = _cli(ws, str(inbox))
    assert code == 0 and "REPLACES" not in out

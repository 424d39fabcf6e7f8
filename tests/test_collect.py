"""Identity at collect: no learner lost, merged or guessed (issue 12, item 3).

Each case of the issue goes through `modellab workshop collect` (exit code and message) on a
workshop of the real ex01_metrics exercise; what lands in `submitted/` and the gradebook is
read back from disk.
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


def test_two_browser_copies_in_separate_folders_are_not_one_learner(ws, tmp_path, notebook_text):
    inbox = tmp_path / "in"
    _write(inbox, f"alice/{A} (1).ipynb", notebook_text)
    _write(inbox, f"bob/{A} (1).ipynb", notebook_text)
    _write(inbox, f"carol/{A}.ipynb", notebook_text)
    code, out = _cli(ws, str(inbox))
    assert code == 1
    assert f"COPY: alice/{A} (1).ipynb" in out and f"COPY: bob/{A} (1).ipynb" in out
    assert "2 file(s) NOT PLACED" in out
    assert _submitted(ws) == {"carol"} and "1" not in _students(ws)
    # both copies are kept in the inbox
    assert len(list((ws.root / "inbox" / A).glob(f"*/*/{A} (1).ipynb"))) == 2
    # the instructor resolves them: exit 0, each learner in their own folder
    code, out = _cli(ws, str(inbox), "--as", "alice", f"alice/{A} (1).ipynb",
                     "--as", "bob", f"bob/{A} (1).ipynb")
    assert code == 0, out
    assert _submitted(ws) == {"alice", "bob", "carol"}


def test_untitled_notebooks_in_learner_folders_are_listed_not_merged(ws, tmp_path, notebook_text):
    inbox = tmp_path / "in"
    _write(inbox, "dan/Untitled.ipynb", notebook_text)
    _write(inbox, "eve/Untitled.ipynb", notebook_text)
    code, out = _cli(ws, str(inbox))
    assert code == 1
    assert "COPY: dan/Untitled.ipynb" in out and "COPY: eve/Untitled.ipynb" in out
    assert "--as LEARNER" in out
    assert _submitted(ws) == set() and "untitled" not in _students(ws)


def test_jupyterlab_copy_is_not_a_learner_named_copy1(ws, tmp_path, notebook_text):
    inbox = tmp_path / "in"
    _write(inbox, f"bob/{A}-Copy1.ipynb", notebook_text)
    code, out = _cli(ws, str(inbox))
    assert code == 1 and f"COPY: bob/{A}-Copy1.ipynb" in out
    assert "copy1" not in _students(ws) and _submitted(ws) == set()


def test_unicode_names_survive_and_stay_apart(ws, tmp_path, notebook_text):
    inbox = tmp_path / "in"
    _write(inbox, f"Zoë/{A}.ipynb", notebook_text)
    _write(inbox, f"Zoé/{A}.ipynb", notebook_text)
    # a zip made on macOS stores names decomposed (NFD): still the same learner as NFC
    code, out = _cli(ws, str(inbox))
    assert code == 0, out
    assert _submitted(ws) == {"zoë", "zoé"} and {"zoë", "zoé"} <= _students(ws)
    assert "zo" not in _students(ws)


def test_decomposed_unicode_is_the_same_learner(ws, tmp_path, notebook_text):
    nfd = "Zoe\u0308"  # "Zoë" as macOS writes it
    assert collect.student_from_path(f"{nfd}/{A}.ipynb", A, [A])[0] == "zoë"


def test_names_that_collide_after_normalisation_are_listed(ws, tmp_path, notebook_text):
    inbox = tmp_path / "in"
    _write(inbox, f"Alice/{A}.ipynb", notebook_text)
    _write(inbox, f"alice/{A}.ipynb", notebook_text)
    _write(inbox, f"frank/{A}.ipynb", notebook_text)
    code, out = _cli(ws, str(inbox))
    assert code == 1
    assert f"COLLISION: Alice/{A}.ipynb" in out and f"COLLISION: alice/{A}.ipynb" in out
    assert "'Alice' and 'alice' all become learner 'alice'" in out
    assert _submitted(ws) == {"frank"}
    code, out = _cli(ws, str(inbox), "--as", "alice-a", f"Alice/{A}.ipynb")
    assert code == 0, out
    assert _submitted(ws) == {"alice-a", "alice", "frank"}


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


def test_zip_traversal_entries_are_listed_and_kept_aside(ws, tmp_path, notebook_text):
    export = tmp_path / "lms.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.writestr(f"Doe, Jane_12345_{A}.ipynb", notebook_text)
        zf.writestr("../../evil/payload.ipynb", notebook_text)
        zf.writestr("/etc/evil.txt", "x")
    code, out = _cli(ws, str(export))
    assert code == 1
    assert "UNSAFE PATH: ../../evil/payload.ipynb" in out and "UNSAFE PATH: /etc/evil.txt" in out
    assert not (ws.root.parent / "evil").exists() and not (ws.root / "evil").exists()
    refused = list((ws.root / "inbox" / A).glob("*-refused/*"))
    assert len(refused) == 2 and any(p.read_text() == notebook_text for p in refused)
    assert _submitted(ws) == {"doe-jane-12345"}


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

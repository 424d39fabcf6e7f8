"""Issue 12's acceptance: ONE class of the real ex01_metrics through every `modellab workshop` step.

The class comes in as an instructor gets it: an LMS zip export (with path-traversal entries)
and a folder of notebooks (colliding and Unicode names, ``-Copy1`` / ``(1)`` / ``Untitled``
files, two files of one learner). Its learners are honest, careless and adversarial (see
``tests/learner_notebooks.py``): correct, partly correct, untouched, hard-coded, each cheat
family, a detached process writing files, a snooper (disk, network, 6 GiB), kernel death, an
interrupt-swallowing loop, deleted/converted cells, stripped metadata, a forged grade cell.
Each identity problem is given to a learner whose score would show a mix-up.

One module fixture runs init -> release -> collect (fails and names each problem, then the
instructor resolves them with ``--as`` / ``--prefer newest``) -> grade (once, ``--jobs 2``) ->
feedback -> export -> summary; the tests assert per learner: the score they deserve, a cause
for each lost part, a feedback page holding no hidden-test or solution text (plain, base64,
hex), one export row (nobody lost or merged); and that nothing the snooper or the detached
process tried succeeded.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sqlite3
import time
import zipfile
from pathlib import Path

import learner_notebooks as ln
import nbformat
import pandas as pd
import pytest

from modellab.cli import main
from modellab.course import feedback, gradebook
from modellab.course.sandbox import sandbox_problem

A = ln.NAME
NB = f"{A}.ipynb"

pytestmark = pytest.mark.skipif(sandbox_problem() is not None,
                                reason=f"no sandbox: {sandbox_problem()}")

# learner id -> (the file's name in the export, the kind of learner, how it is placed)
ZIP = {
    "doe-jane-12345": (f"Doe, Jane_12345_{NB}", "deleted_answer", None),
    "mallory": (f"../../evil/{NB}", "snooper", "--as"),  # a traversal entry, placed by hand
}
FOLDER = {
    "correct": (f"correct/{NB}", "correct", None),
    "untouched": ("untouched.ipynb", "untouched", None),
    "partly": (f"partly_{NB}", "partly", None),
    "hardcoded": (f"{A}-hardcoded.ipynb", "hardcoded", None),
    "zoë": (f"Zoë/{NB}", "stripped", None),              # Zoë and Zoé: two learners
    "zoé": (f"Zoé/{NB}", "converted", None),
    "alice-a": (f"Alice/{NB}", "os_exit", "--as"),       # Alice and alice collide
    "alice": (f"alice/{NB}", "sigkill", None),
    "bob": (f"bob/{A}-Copy1.ipynb", "rebind_checks", "--as"),
    "carol": (f"carol/{A} (1).ipynb", "input_transformer", "--as"),
    "dan": (f"dan/{A} (1).ipynb", "ast_transformer", "--as"),
    "erin": ("erin/Untitled.ipynb", "patched_numpy", "--as"),
    "fay": ("fay/Untitled.ipynb", "detached", "--as"),
    "gina": (f"gina/{NB}", "swallow_loop", "--prefer"),  # newer than gina.ipynb
    "henry": ("henry.ipynb", "extra_grade_cell", None),
}
GINA_OLD = "gina.ipynb"  # an older, correct notebook: if it won, gina would score full marks
CLASS = {**ZIP, **FOLDER}
ZIP_JUNK = "/etc/evil.txt"  # a traversal entry that is no notebook: set aside, never extracted


def _cli(root: Path, *argv) -> tuple[int, str]:
    buf = io.StringIO()
    where = [] if argv[0] == "init" else ["--dir", str(root)]
    with contextlib.redirect_stdout(buf):
        code = main(["workshop", *argv, *where])
    return code, buf.getvalue()


def _write(path: Path, nb, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    os.utime(path, (mtime, mtime))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("acceptance")
    root = tmp / "class"
    out: dict = {"root": root}
    code, text = _cli(root, "init", str(root), "--timeout", "10")
    assert code == 0, text  # the default source: the course's solutions/
    assert _cli(root, "release", A)[0] == 0
    released = nbformat.read(root / "release" / A / NB, as_version=4)
    marker = tmp / "detached-was-here"
    kinds = {kind for _, kind, _ in CLASS.values()}
    assert "correct" in kinds  # also gina's older file
    made = ln.learners(released, root, marker, kinds=sorted(kinds))
    out["learners"] = {sid: made[kind] for sid, (_, kind, _) in CLASS.items()}
    out["marker"] = marker

    now = time.time()
    export = tmp / "lms.zip"
    with zipfile.ZipFile(export, "w") as zf:
        for file, kind, _ in ZIP.values():
            zf.writestr(file, nbformat.writes(made[kind].notebook))
        zf.writestr(ZIP_JUNK, "x")
    inbox = tmp / "inbox"
    for file, kind, _ in FOLDER.values():
        _write(inbox / file, made[kind].notebook, now)
    _write(inbox / GINA_OLD, made["correct"].notebook, now - 3600)

    def resolutions(table):
        argv = []
        for sid, (file, _, how) in table.items():
            if how == "--as":
                argv += ["--as", sid, file]
            elif how == "--prefer":
                argv += ["--prefer", "newest"]
        return argv

    out["collect_zip"] = _cli(root, "collect", A, str(export))
    out["collect_zip_resolved"] = _cli(root, "collect", A, str(export), *resolutions(ZIP))
    out["collect"] = _cli(root, "collect", A, str(inbox))
    out["collect_resolved"] = _cli(root, "collect", A, str(inbox), *resolutions(FOLDER))
    out["grade"] = _cli(root, "grade", A, "--jobs", "2", "--no-progress")
    out["feedback"] = _cli(root, "feedback", A)
    out["export"] = _cli(root, "export", "--out", str(tmp / "grades.csv"))
    out["grades"] = pd.read_csv(tmp / "grades.csv", keep_default_na=False, na_values=[""])
    out["summary"] = _cli(root, "summary", A, "--out", str(tmp / "summary"))
    return out


# --- collect: every identity problem named, nothing placed until the instructor says ---------


def test_collect_names_each_problem_and_places_nothing_doubtful(run):
    root = run["root"]
    code, text = run["collect_zip"]
    assert code == 1, text
    assert f"UNSAFE PATH: ../../evil/{NB}" in text and "1 file(s) NOT PLACED" in text
    assert f"set aside {ZIP_JUNK}: its path leads out of the export folder; not a notebook" in text
    code, text = run["collect"]
    assert code == 1, text
    expected = {f"COPY: {FOLDER[s][0]}" for s in ("bob", "carol", "dan", "erin", "fay")}
    expected |= {f"COLLISION: {FOLDER[s][0]}" for s in ("alice-a", "alice")}
    expected |= {f"DUPLICATE: {FOLDER['gina'][0]}", f"DUPLICATE: {GINA_OLD}"}
    named = {line.strip().split(": ", 2)[0] + ": " + line.strip().split(": ", 2)[1]
             for line in text.splitlines() if re.match(r"\s+[A-Z ]+: ", line)}
    assert named == expected, text
    assert f"{len(expected)} file(s) NOT PLACED" in text
    assert "'Alice' and 'alice' all become learner 'alice'" in text
    assert f"e.g. modellab workshop collect {A} " in text and "--as LEARNER" in text
    # the unplaced files are kept in the inbox; nothing escaped it
    for sid in ("bob", "carol", "dan", "erin", "fay"):
        assert list((root / "inbox" / A).glob(f"*/{FOLDER[sid][0]}")), sid
    assert not list(root.parent.rglob("evil")) and not Path(ZIP_JUNK).exists()
    for refused in (root / "inbox" / A).glob("*-refused"):  # the zip's traversal entries, kept
        assert len(list(refused.iterdir())) == 2


def test_once_resolved_collect_succeeds_and_places_everyone_apart(run):
    for step in ("collect_zip_resolved", "collect_resolved"):
        assert run[step][0] == 0, run[step][1]
    assert "set aside gina.ipynb: older than" in run["collect_resolved"][1]
    placed = {p.parents[1].name for p in (run["root"] / "submitted").glob(f"*/{A}/{NB}")}
    assert placed == set(CLASS)  # not "1", "untitled", "copy1", "zo", "evil" ...
    with sqlite3.connect(run["root"] / "gradebook.db") as db:
        assert {r[0] for r in db.execute("select id from student")} == set(CLASS)


# --- grade: the score each deserves, a cause for every lost part ----------------------------


def _line(run, sid: str) -> str:
    rows = [r for r in run["grade"][1].splitlines() if r.strip().split(" ")[0] == sid]
    assert len(rows) == 1, run["grade"][1][-4000:]
    return rows[0]


@pytest.mark.parametrize("sid", sorted(CLASS))
def test_each_learner_gets_the_score_they_deserve_with_a_cause(run, sid):
    points = ln.points()
    learner = run["learners"][sid]
    grades = run["grades"].set_index("student")
    row = grades.loc[sid]
    assert (row["status"], row["max_score"]) == ("graded", sum(points.values()))
    assert row["score"] == learner.expected(points), _line(run, sid)
    line = _line(run, sid)
    named = {gid for gid in points if f"{gid}: " in line}
    assert named == set(learner.lost), line  # each lost part has its cause, no other part
    assert (f"regrade: modellab workshop grade {A} --student {sid}" in line) == bool(learner.lost)
    assert learner.cause in line


def test_grading_succeeds_for_the_whole_class(run):
    assert run["grade"][0] == 0, run["grade"][1][-3000:]


def test_nothing_the_snooper_or_the_detached_process_tried_succeeded(run):
    root = run["root"]
    nb = nbformat.read(root / "autograded" / "mallory" / A / NB, as_version=4)
    # the kernel may send one print in several stream messages: join them
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert "SNOOPED: []" in text, [line for line in text.splitlines() if "SNOOPED" in line]
    assert not run["marker"].exists()
    assert not ln.pwned_path().exists()
    with open(root / "gradebook.db", "rb") as fh:
        assert b"pwned" not in fh.read()
    assert run["grades"].set_index("student").loc["fay", "score"] == 0


# --- feedback, export, summary --------------------------------------------------------------


@pytest.mark.parametrize("sid", sorted(CLASS))
def test_each_learner_gets_feedback_that_holds_no_test_or_solution(run, sid):
    root = run["root"]
    assert run["feedback"][0] == 0, run["feedback"][1]
    page = (root / "feedback" / sid / A / f"{A}.html").read_text()
    hidden, solutions = ln.secret_lines(ln.SOLUTION)
    assert hidden and solutions
    public = ln.RELEASED.read_text().replace("\\n", "\n")
    own = (root / "submitted" / sid / A / NB).read_text().replace("\\n", "\n")
    secrets = [s for s in hidden + solutions
               if ln.as_in_notebook_file(s) not in own and ln.as_in_notebook_file(s) not in public]
    ln.assert_clean(page, secrets, f"{sid}'s feedback")
    points = ln.points()
    learner = run["learners"][sid]
    visible = feedback._visible_text(page)
    total = sum(points.values())
    assert re.search(rf"Score:\s*{learner.expected(points):g}\s*/\s*{total:g}", visible)
    for gid in learner.lost:  # the learner reads why, in the trusted judge's words
        assert re.search(rf"{gid}: 0 / {points[gid]:g} — \S", visible), (gid, visible[-3000:])


def test_export_has_one_row_per_learner_nobody_lost_or_merged(run):
    assert run["export"][0] == 0, run["export"][1]
    grades = run["grades"]
    assert sorted(grades["student"]) == sorted(CLASS)
    assert grades.loc[grades["student"] == "doe-jane-12345", ["first_name", "last_name"]
                      ].values.tolist() == [["Jane", "Doe"]]


def test_summary_has_everyone_and_nothing_left_unplaced(run):
    code, text = run["summary"]
    assert code == 0, text
    # learners, graded, failed, unreadable, not graded, no submission, mean, max, not marked,
    # files not placed (by the zip's collect or the folder's)
    n, total = len(CLASS), sum(ln.points().values())
    assert re.search(rf"^\s*{A}\s+{n}\s+{n}\s+0\s+0\s+0\s+0\s+[\d.]+\s+{total:.1f}\s+0\s+0\s*$",
                     text, flags=re.M), text
    assert "NOT PLACED" not in text and "FAILED" not in text


def test_grading_refuses_without_a_sandbox_unless_told(run, monkeypatch):
    from modellab.course import grading, sandbox

    monkeypatch.setattr(sandbox, "sandbox_problem", lambda: "bwrap not found (test)")
    with pytest.raises(RuntimeError, match="--unsafe-no-sandbox"):
        grading.grade_assignment(gradebook.open_workshop(run["root"]), A, students=["correct"],
                                 progress=False)

"""End-to-end: a synthetic class through `modellab workshop` with real nbgrader.

One module-scoped fixture runs init -> release -> collect -> grade (2 jobs) -> feedback ->
export -> summary once through the command line; the tests assert on what it left behind.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import re
import shlex
import shutil
import sqlite3
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from modellab.cli import main
from modellab.course import collect, feedback, gradebook, grading, workshop

FIXTURE = Path(__file__).parent / "fixtures" / "workshop"
A = "ws01_basics"
MAX = 7.0  # q1 2 + q2 2 + quiz 1 (auto) + written summary 2 (manual)
# the trusted tests' code (their messages are written for learners: not secret)
HIDDEN = ["secret_pair_7f3a = [10, 20]", "secret_share_91c2 = [True, True, True, False]",
          "one_value = [2.5]", "expect_close(learner.call(", "expect_choice(learner.value(",
          "HIDDEN TESTS"]
# in learner hand-outs the solutions are secret too (in feedback, a learner may have written them)
SOLUTIONS = ["BEGIN SOLUTION", "return sum(values) / len(values)", 'ANSWER = "b"',
             "accuracy measured at launch decays"]

# learner -> expected autograded score (the written answer waits for a human, so counts 0)
EXPECTED = {
    "correct": 5.0,
    "partly": 3.0,            # q2 wrong
    "untouched": 0.0,
    "raising": 3.0,           # q1's cell raises: q1 0, the rest still graded
    "looping": 3.0,           # q1's cell never ends: stopped by the timeout, q1 0
    "deleted-test": 5.0,      # q2's test cell deleted: put back and graded
    "edited-test": 2.0,       # q1 wrong and its test replaced by `pass`: restored, q1 0; quiz "a"
    "hardcoded": 1.0,         # visible checks pass, hidden tests catch q1 and q2
    "doe-jane-12345": 5.0,    # from the LMS zip export
    "zoë": 5.0,               # Zoë/ and Zoé/ stay two learners (not "zo")
    "zoé": 3.0,
    "own-line": 5.0,          # their code holds a line that is also a hidden test
    "printer": 5.0,           # prints a hidden test's text in base64 and hex
}
OWN_LINE = "one_value = [2.5]"  # a hidden-test line, also in own-line's answer
PRINTER_SECRET = "secret_pair_7f3a = [10, 20]"
UNREADABLE = {"corrupt", "empty"}


def _cli(*argv) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["workshop", *argv])
    return code, buf.getvalue()


def _set(nb, grade_id, source):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return nb
    raise KeyError(grade_id)


def _answers(nb, q1="return sum(values) / len(values)", q2="return sum(flags) / len(flags)",
             quiz='"b"', q1_cell=None):
    _set(nb, "q1_mean_answer", q1_cell or f"def mean_of(values):\n    {q1}")
    _set(nb, "q2_share_answer", f"def drift_share(flags):\n    {q2}")
    _set(nb, "quiz_answer", f"ANSWER = {quiz}")
    _set(nb, "summary_answer", "Data drifts after launch; monitoring catches the decay early.")
    return nb


def _make_class(released: Path, folder: Path, lms_zip: Path) -> None:
    """Write one notebook per kind of learner, named in the accepted patterns."""
    def fresh():
        return nbformat.read(released, as_version=4)

    folder.mkdir()
    nbformat.write(_answers(fresh()), folder / "correct.ipynb")
    nbformat.write(_answers(fresh(), q2="return 0"), folder / f"partly_{A}.ipynb")
    shutil.copy(released, folder / f"{A}-untouched.ipynb")
    (folder / "raising").mkdir()
    nbformat.write(_answers(fresh(), q1_cell="raise ValueError('learner bug')"),
                   folder / "raising" / f"{A}.ipynb")
    nbformat.write(_answers(fresh(), q1_cell="while True:\n    pass"), folder / "looping.ipynb")
    nb = _answers(fresh())
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "q2_share_tests"]
    nbformat.write(nb, folder / "deleted-test.ipynb")
    nb = _set(_answers(fresh(), q1="return 0", quiz='"a"'), "q1_mean_tests", "pass")
    nbformat.write(nb, folder / "edited-test.ipynb")
    nbformat.write(_answers(fresh(), q1="return 2", q2="return 0.5"), folder / "hardcoded.ipynb")
    for name, kwargs in (("Zoë", {}), ("Zoé", {"q2": "return 0"})):
        (folder / name).mkdir()
        nbformat.write(_answers(fresh(), **kwargs), folder / name / f"{A}.ipynb")
    nbformat.write(_answers(fresh(), q1_cell="def mean_of(values):\n    return sum(values) / "
                            f"len(values)\n\n# my own test\n{OWN_LINE}\n"
                            "assert mean_of(one_value) == 2.5"),
                   folder / "own-line.ipynb")
    # stands for a learner who got hold of a hidden test: the output carries it encoded
    leak = (f"import base64\nsecret = {PRINTER_SECRET[::-1]!r}[::-1].encode()\n"
            "print(base64.b64encode(b'tests: ' + secret).decode())\nprint(secret.hex())\n"
            "def mean_of(values):\n    return sum(values) / len(values)")
    nbformat.write(_answers(fresh(), q1_cell=leak), folder / "printer.ipynb")
    text = (folder / "correct.ipynb").read_text()
    (folder / "corrupt.ipynb").write_text(text[: len(text) // 2])
    (folder / "empty.ipynb").write_bytes(b"")
    with zipfile.ZipFile(lms_zip, "w") as zf:
        zf.writestr(f"Doe, Jane_12345_{A}.ipynb", text)
        zf.writestr(f"{A}.ipynb", text)  # no learner in the name: kept aside, reported
        zf.writestr("__MACOSX/._junk", "x")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workshop")
    root = tmp / "class"
    out = {"root": root}
    out["init"] = _cli("init", str(root), "--source", str(FIXTURE), "--timeout", "5")
    out["init_again"] = _cli("init", str(root), "--source", str(FIXTURE), "--timeout", "5")
    out["release"] = _cli("release", "--dir", str(root))
    _make_class(root / "release" / A / f"{A}.ipynb", tmp / "inbox", tmp / "lms.zip")
    out["collect"] = _cli("collect", A, str(tmp / "inbox"), "--dir", str(root))
    out["collect_zip"] = _cli("collect", A, str(tmp / "lms.zip"), "--dir", str(root))
    out["grade"] = _cli("grade", A, "--jobs", "2", "--dir", str(root))
    _cli("export", "--dir", str(root))
    out["export_before_regrade"] = pd.read_csv(root / "grades.csv")
    out["regrade"] = _cli("grade", A, "--student", "partly", "--jobs", "2", "--dir", str(root))
    out["feedback"] = _cli("feedback", A, "--dir", str(root))
    out["export"] = _cli("export", "--out", str(tmp / "grades.csv"), "--dir", str(root))
    out["grades"] = pd.read_csv(tmp / "grades.csv", keep_default_na=False, na_values=[""])
    out["summary"] = _cli("summary", A, "--out", str(tmp / "summary"), "--dir", str(root))
    out["summary_dir"] = tmp / "summary"
    return out


def test_every_command_succeeds_and_says_where_output_went(run):
    root = run["root"]
    assert run["init"][0] == 0 and str(root) in run["init"][1]
    assert run["init_again"][0] == 0  # idempotent
    assert run["release"][0] == 0 and f"{A}.zip" in run["release"][1]
    assert run["collect"][0] == 1 and "UNREADABLE corrupt" in run["collect"][1]
    assert "UNREADABLE empty" in run["collect"][1]
    assert run["collect_zip"][0] == 1 and f"NO LEARNER: {A}.ipynb" in run["collect_zip"][1]
    assert run["grade"][0] == 1  # two learners need attention
    assert run["regrade"][0] == 0
    assert run["feedback"][0] == 0 and "no hidden tests or solutions" in run["feedback"][1]
    assert run["export"][0] == 0 and "grades.csv" in run["export"][1]
    # the summary needs attention: two unreadable notebooks, one unplaced file
    assert run["summary"][0] == 1 and ".png" in run["summary"][1]


def test_each_learner_gets_the_score_they_deserve(run):
    grades = run["grades"].set_index("student")
    assert set(grades.index) == set(EXPECTED) | UNREADABLE  # nobody lost
    for student, score in EXPECTED.items():
        assert grades.loc[student, "status"] == "graded", student
        assert grades.loc[student, "score"] == score, (student, grades.loc[student, "score"])
        assert grades.loc[student, "max_score"] == MAX
    for student in UNREADABLE:
        assert grades.loc[student, "status"] == "unreadable"
        assert pd.isna(grades.loc[student, "score"])
        assert "notebook" in grades.loc[student, "detail"] or "empty" in grades.loc[student, "detail"]
    assert grades.loc["doe-jane-12345", "last_name"] == "Doe"
    assert grades.loc["doe-jane-12345", "first_name"] == "Jane"
    # the written answer waits for a human for everyone who wrote one
    assert bool(grades.loc["correct", "needs_manual_grade"])


def test_gradebook_holds_every_graded_submission_once(run):
    with sqlite3.connect(run["root"] / "gradebook.db") as db:
        subs = db.execute(
            "select student.id from submitted_assignment join student "
            "on student.id = submitted_assignment.student_id").fetchall()
        students = {r[0] for r in db.execute("select id from student")}
    assert sorted(s for (s,) in subs) == sorted(EXPECTED)
    assert students == set(EXPECTED) | UNREADABLE
    for student in EXPECTED:
        assert (run["root"] / "autograded" / student / A / f"{A}.ipynb").is_file()


def test_regrading_one_learner_changes_nothing_else(run):
    before = run["export_before_regrade"].set_index("student")["score"]
    after = run["grades"].set_index("student")["score"]
    pd.testing.assert_series_equal(before.sort_index(), after.sort_index())
    assert "partly" in run["regrade"][1] and "correct" not in run["regrade"][1]


def test_grade_output_reports_problems_but_not_nbgrader_noise(run):
    text = run["grade"][1]
    assert re.search(r"corrupt\s+unreadable", text)
    assert re.search(r"correct\s+graded\s+5/7", text)
    # the instructor sees why (the part that lost its points, or the timeout itself)
    assert re.search(r"looping\s+graded\s+3/7\s+.*(Timeout|timed out|did not finish|q1_mean)", text)
    assert "checksum" not in text.lower() and "SAWarning" not in text


def test_deleted_and_edited_test_cells_are_restored(run):
    for student in ("deleted-test", "edited-test"):
        nb = nbformat.read(run["root"] / "autograded" / student / A / f"{A}.ipynb", as_version=4)
        ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
        assert "q1_mean_tests" in ids and "q2_share_tests" in ids
        tests = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1_mean_tests")
        assert "mean_of([1, 2, 3])" in tests.source


def _notebook_text(raw: str) -> str:
    """Cell sources and outputs of a notebook file, as a learner would read them."""
    nb = nbformat.reads(raw, as_version=4)
    return "\n".join([c.source for c in nb.cells] + [json.dumps(c.get("outputs", [])) for c in nb.cells])


def _assert_no_secrets(text: str, where: str, secrets=HIDDEN) -> None:
    visible = feedback._visible_text(text)
    for secret in secrets:
        assert secret not in visible, f"{secret!r} leaked in {where}"


def test_release_and_handout_zip_have_no_solutions_or_hidden_tests(run):
    released = run["root"] / "release" / A / f"{A}.ipynb"
    _assert_no_secrets(_notebook_text(released.read_text()), str(released), HIDDEN + SOLUTIONS)
    with zipfile.ZipFile(run["root"] / "handout" / f"{A}.zip") as zf:
        names = zf.namelist()
        assert names == [f"{A}/{A}.ipynb"]
        _assert_no_secrets(_notebook_text(zf.read(names[0]).decode()), "handout zip",
                           HIDDEN + SOLUTIONS)


def _encoded(secret: str) -> list[str]:
    """``secret`` as it would stand in base64 (any alignment) or hex (either case)."""
    data = secret.encode()
    forms = [data.hex(), data.hex().upper()]
    for pad in range(3):
        enc = base64.b64encode(b"\0" * pad + data).decode().rstrip("=")
        forms.append(enc[4 if pad else 0: -4])
    return [f for f in forms if len(f) >= 8]


def _assert_no_secret_anywhere(text: str, where: str, secrets) -> None:
    visible = feedback._visible_text(text)
    for secret in secrets:
        assert secret not in visible, f"{secret!r} leaked in {where}"
        for form in _encoded(secret):
            assert form not in text, f"{secret!r} leaked encoded ({form}) in {where}"


def test_everyone_gets_feedback_without_hidden_tests_or_solutions(run):
    root = run["root"]
    pages = feedback.feedback_files(gradebook.open_workshop(root), A)
    assert {p.parent.parent.name for p in pages} == set(EXPECTED) | UNREADABLE
    for page in pages:
        student = page.parent.parent.name
        own = (root / "submitted" / student / A / f"{A}.ipynb").read_text(errors="replace")
        # a learner's own text is no secret to them; everything else is
        secrets = [s for s in HIDDEN + SOLUTIONS if json.dumps(s)[1:-1] not in own]
        _assert_no_secret_anywhere(page.read_text(), str(page), secrets)
    hard = feedback._visible_text((root / "feedback" / "hardcoded" / A / f"{A}.html").read_text())
    assert re.search(r"Score:\s*1\s*/\s*7", hard)
    # the trusted test's own words, written for learners
    assert "q1_mean_tests: 0 / 2 — Failed: mean_of on a list you have not seen is not right" in hard
    assert "quiz_tests: 1 / 1" in hard
    # the visible check's source is shown (the released version), the hidden part is not
    assert "mean_of([1, 2, 3]) == 2" in hard
    correct = feedback._visible_text((root / "feedback" / "correct" / A / f"{A}.html").read_text())
    assert "summary_answer: not marked yet (out of 2)" in correct
    assert "2 point(s) not marked yet" in correct
    # the autograded notebooks, for the instructor, still hold the hidden tests
    auto = (root / "autograded" / "hardcoded" / A / f"{A}.ipynb").read_text()
    assert "secret_pair_7f3a = [10, 20]" in auto


def test_own_line_like_a_test_does_not_withhold_feedback(run):
    page = run["root"] / "feedback" / "own-line" / A / f"{A}.html"
    assert OWN_LINE in feedback._visible_text(page.read_text())  # their own code, shown back
    assert "WITHHELD" not in run["feedback"][1]


def test_secret_printed_encoded_is_not_handed_back(run):
    page = (run["root"] / "feedback" / "printer" / A / f"{A}.html").read_text()
    _assert_no_secret_anywhere(page, "printer's feedback", [PRINTER_SECRET])
    assert "this output was removed" in page
    assert re.search(r"printer: [1-9] output\(s\) removed", run["feedback"][1])
    # a failed trusted test's message is for the learner: nothing removed, nothing to investigate
    assert not re.search(r"hardcoded: \d+ output", run["feedback"][1])
    # the autograded notebook did hold it: the feedback removed it
    auto = (run["root"] / "autograded" / "printer" / A / f"{A}.ipynb").read_text()
    assert PRINTER_SECRET.encode().hex() in auto


def test_unreadable_learners_get_feedback_with_the_cause(run):
    page = feedback._visible_text(
        (run["root"] / "feedback" / "corrupt" / A / f"{A}.html").read_text())
    assert "Score: not graded" in page and "not a readable notebook" in page
    assert "q1_mean_tests: not graded" in page


def test_summary_shows_where_the_class_struggles(run):
    table = pd.read_csv(run["summary_dir"] / f"{A}_questions.csv").set_index("question")
    assert set(table.index) == {"q1_mean_tests", "q2_share_tests", "quiz_tests", "summary_answer"}
    graded = len(EXPECTED)
    q1 = {"correct", "partly", "deleted-test", "doe-jane-12345", "zoë", "zoé", "own-line", "printer"}
    q2 = {"correct", "raising", "looping", "deleted-test", "edited-test", "doe-jane-12345", "zoë",
          "own-line", "printer"}
    assert table.loc["q1_mean_tests", "pass_rate"] == pytest.approx(len(q1) / graded)
    assert table.loc["q2_share_tests", "pass_rate"] == pytest.approx(len(q2) / graded)
    assert table.loc["summary_answer", "kind"] == "manual"
    assert table.loc["summary_answer", "n_pending"] == graded - 1  # untouched scores 0 at once
    png = run["summary_dir"] / f"{A}_summary.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = run["summary"][1]
    assert "q1_mean_tests" in text
    # one line per assignment, then who needs attention, with the cause
    assert re.search(rf"{A}\s+{graded + 2}\s+{graded}\s+0\s+2\s+0\s+0", text)
    assert re.search(r"UNREADABLE corrupt: .*not a readable notebook", text)
    assert "UNREADABLE empty: " in text
    assert f"not marked yet: {graded - 1} learner(s)" in text
    assert "1 file(s) NOT PLACED at the last collect" in text and f"NO LEARNER: {A}.ipynb" in text


def test_export_says_which_points_are_not_marked(run):
    grades = run["grades"].set_index("student")
    assert grades.loc["correct", "points_not_marked"] == 2
    assert grades.loc["untouched", "points_not_marked"] == 0
    assert pd.isna(grades.loc["corrupt", "points_not_marked"])


def test_status_record_lists_every_learner(run):
    status = json.loads((run["root"] / ".modellab" / "status.json").read_text())[A]
    assert {s for s, v in status.items() if v["status"] == "graded"} == set(EXPECTED)
    assert {s for s, v in status.items() if v["status"] == "unreadable"} == UNREADABLE
    assert not list((run["root"] / ".modellab").glob("grade-*"))  # private copies cleaned up


# --- fast unit checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "expected"), [
    ("alice.ipynb", "alice"),
    ("alice_ex01_metrics.ipynb", "alice"),
    ("ex01_metrics-Bob.ipynb", "bob"),
    ("carol/ex01_metrics.ipynb", "carol"),
    ("dan/ex01_metrics/ex01_metrics.ipynb", "dan"),
    ("Doe, Jane_12345_ex01_metrics.ipynb", "doe-jane-12345"),
    ("doejane_late_12345_67890_ex01_metrics.ipynb", "doejane-12345"),
    ("Jane Doe_12345_assignsubmission_file_/ex01_metrics.ipynb", "jane-doe-12345"),
])
def test_learner_ids_from_file_names(path, expected):
    assert collect.student_from_path(path, "ex01_metrics", ["ex01_metrics"])[0] == expected


def test_file_without_a_learner_is_unmatched():
    assert collect.student_from_path("ex01_metrics.ipynb", "ex01_metrics", ["ex01_metrics"]) is None


def test_init_refuses_the_repository():
    with pytest.raises(ValueError, match="inside the modellab repository"):
        gradebook.init_workshop(gradebook.REPO_ROOT / "artifacts" / "ws")
    code = main(["workshop", "init", str(gradebook.REPO_ROOT / "artifacts" / "ws")])
    assert code == 2 and not (gradebook.REPO_ROOT / "artifacts" / "ws").exists()


def test_init_validates_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="timeout"):
        gradebook.init_workshop(tmp_path / "w", source=FIXTURE, timeout=0)
    with pytest.raises(FileNotFoundError, match="--source"):
        gradebook.init_workshop(tmp_path / "w", source=tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="workshop init"):
        gradebook.open_workshop(tmp_path)


def test_grade_refuses_unknown_assignment_and_bad_jobs(tmp_path):
    ws = gradebook.init_workshop(tmp_path / "w", source=FIXTURE, timeout=5)
    with pytest.raises(ValueError, match="unknown assignment"):
        grading.grade_assignment(ws, "nope")
    with pytest.raises(ValueError, match="jobs"):
        grading.grade_assignment(ws, A, jobs=0)
    with pytest.raises(ValueError, match="release"):
        grading.grade_assignment(ws, A)


def test_log_filter_drops_by_design_noise_keeps_real_errors():
    log = "\n".join([
        "[INFO] Converting notebook x",
        "[WARNING] Attribute 'checksum' for cell q1 has changed! (should be: a, got: b)",
        "[WARNING] SAWarning: relationship will copy column",
        "[ERROR] Timeout waiting for execute reply",
    ])
    assert gradebook.filter_log(log) == ["[ERROR] Timeout waiting for execute reply"]


def test_a_learner_whose_scores_cannot_be_recorded_is_reported_and_the_rest_go_on(tmp_path):
    from nbgrader.api import Gradebook

    ws = gradebook.init_workshop(tmp_path / "w", source=FIXTURE, timeout=5)
    outcome = {"success": True, "notebooks": {}, "timestamp": None, "log": "",
               "autograded": str(tmp_path / "nowhere")}
    with gradebook.nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
        # not released: the gradebook has no such assignment, so writing the scores fails
        lost = grading._merge(gb, ws, A, "ada", outcome)
        # the same open gradebook still serves the next learner
        failed = grading._merge(gb, ws, A, "bob", {"success": False, "error": "boom\nKernelDied",
                                                   "log": "[ERROR] kernel died"})
        assert gb.find_student("ada").id == "ada"
    assert lost.status == "failed" and lost.score is None
    assert "could not record" in lost.detail and "--student ada" in lost.detail
    assert failed.status == "failed" and failed.detail.startswith("[ERROR] kernel died; KernelDied")


# --- the instructor guide says what the commands do and print ---------------------------------

GUIDE = gradebook.REPO_ROOT / "course" / "instructor_guide.md"


def _guide_commands() -> list[str]:
    text = GUIDE.read_text()
    found = re.findall(r"^\s*(modellab workshop [^\n#]*)", text, flags=re.MULTILINE)
    found += re.findall(r"`(modellab workshop [^`]*)`", text)
    return sorted({c.strip() for c in found})


@pytest.mark.parametrize("command", _guide_commands())
def test_commands_quoted_in_the_guide_exist(command):
    parser = argparse.ArgumentParser(prog="modellab workshop", exit_on_error=False)
    workshop.configure_parser(parser)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            args = parser.parse_args(shlex.split(command)[2:])
        except SystemExit:
            pytest.fail(f"the guide quotes {command!r}, which the CLI refuses: {err.getvalue()}")
    assert args.workshop_command in workshop._STEPS


def test_the_guide_quotes_what_the_commands_print(run):
    text = GUIDE.read_text()
    tables = (text[text.index("### Collect: who is who"):text.index("### Grade and give feedback")]
              + text[text.index("## What to do when a learner failed"):text.index("## Debrief")])
    labels = set()
    for row in re.findall(r"^\| (?:`feedback`: )?`([^`]+)`", tables, flags=re.MULTILINE):
        row = re.sub(r"^[a-z]+: ", "", row.replace("...", "")).strip()  # "bob: 2 output(s) ..."
        upper = re.match(r"[A-Z][A-Z ]*[A-Z]\b", row)
        labels.add(upper.group(0) if upper else re.sub(r"^\d+ ", "", row.split(":")[0]).strip())
    assert len(labels) >= 10, labels
    printed = "\n".join(v[1] for v in run.values() if isinstance(v, tuple))
    source = Path(workshop.__file__).read_text()
    kinds = {k.upper() for k in collect.PROBLEM_KINDS}  # each printed in tests/test_collect.py
    for label in labels:
        assert label in printed or label in kinds or label in source, label
    # what this class really printed, as the guide quotes it
    for said, quoted in (("NO LEARNER: ws01_basics.ipynb", "NO LEARNER: ex01_metrics.ipynb"),
                         ("UNREADABLE corrupt: ", "UNREADABLE carol: "),
                         ("1 file(s) NOT PLACED at the last collect", None),
                         ("not marked yet: ", None),
                         ("output(s) removed because they held hidden-test or solution text", None)):
        assert said in printed, said
        assert (quoted or said) in text, quoted or said


# --- summary: generic per assignment, truthful about marks and failures (no grading needed) ---


def test_summary_one_line_per_assignment_not_marked_and_failed(tmp_path):
    from nbgrader.api import Gradebook

    from modellab.course import results

    ws = gradebook.init_workshop(tmp_path / "w", source=FIXTURE, timeout=5)
    with gradebook.nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
        for name, cells in ((A, [("q1", "code", 2)]),
                            ("manager_assessment", [("memo", "markdown", 4), ("quiz", "code", 1)])):
            gb.add_assignment(name)
            gb.add_notebook(name, name)
            for cell, kind, points in cells:
                gb.add_grade_cell(cell, name, name, max_score=points, cell_type=kind)
        for student in ("ada", "bo", "cy"):
            gb.add_student(student)
        for student, q1 in (("ada", 2.0), ("bo", 0.0)):
            gb.add_submission(A, student)
            grade = gb.find_grade("q1", A, A, student)
            grade.auto_score, grade.needs_manual_grade = q1, False  # as autograde leaves it
        gb.add_submission("manager_assessment", "ada")
        memo = gb.find_grade("memo", "manager_assessment", "manager_assessment", "ada")
        memo.auto_score, memo.needs_manual_grade = None, True  # written: waits for a human
        quiz = gb.find_grade("quiz", "manager_assessment", "manager_assessment", "ada")
        quiz.auto_score, quiz.needs_manual_grade = 1.0, False
        gb.db.commit()
    gradebook.record_status(ws, A, {"ada": ("graded", ""), "bo": ("graded", ""),
                                    "cy": ("failed", "the kernel died (SIGKILL) in part q1")})
    gradebook.record_status(ws, "manager_assessment", {"ada": ("graded", "")})

    overview = results.class_overview(ws).set_index("assignment")
    assert list(overview.index) == sorted([A, "manager_assessment"])  # its own line
    assert overview.loc[A, ["graded", "failed", "no_submission"]].tolist() == [2, 1, 0]
    assert overview.loc["manager_assessment", ["graded", "learners_not_marked"]].tolist() == [1, 1]
    assert overview.loc["manager_assessment", "no_submission"] == 2

    grades = results.grades_frame(ws, "manager_assessment").set_index("student")
    assert grades.loc["ada", "score"] == 1.0 and grades.loc["ada", "points_not_marked"] == 4.0
    parts = results.part_scores(ws, "manager_assessment", "ada")["manager_assessment"]
    assert parts["memo"]["state"] == "not marked" and parts["memo"]["score"] is None
    assert parts["quiz"] == {"part": "quiz", "kind": "auto", "score": 1.0, "max_score": 1.0,
                             "state": "scored"}
    questions = results.questions_frame(ws, "manager_assessment").set_index("question")
    assert questions.loc["memo", "n_pending"] == 1 and questions.loc["memo", "n_graded"] == 0
    assert pd.isna(questions.loc["memo", "pass_rate"])  # not 0

    code, text = _cli("summary", "--out", str(tmp_path / "s"), "--dir", str(ws.root))
    assert code == 1  # cy needs attention
    assert re.search(r"memo\s+manual\s+4\.0\s+0\s+1\s+-\s+not marked", text)
    assert "FAILED cy: the kernel died (SIGKILL) in part q1" in text
    assert "== manager_assessment ==" in text and f"== {A} ==" in text
    assert "not marked yet: 1 learner(s) have written answers to mark (4 point(s)" in text

    # once marked, it counts
    with gradebook.nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
        gb.find_grade("memo", "manager_assessment", "manager_assessment", "ada").manual_score = 3.0
        gb.db.commit()
    assert results.grades_frame(ws, "manager_assessment").loc[0, "score"] == 4.0
    assert results.part_scores(ws, "manager_assessment", "ada")["manager_assessment"]["memo"][
        "state"] == "scored"


def test_old_untrusted_hidden_tests_are_refused_naming_the_cell_and_the_fix(tmp_path):
    import nbformat

    source = tmp_path / "source" / A
    source.mkdir(parents=True)
    nb = nbformat.read(FIXTURE / A / f"{A}.ipynb", as_version=4)
    _set(nb, "q2_share_tests", "assert drift_share([True, False]) == 0.5\n### BEGIN HIDDEN TESTS\n"
                               "assert drift_share([True, True, True, False]) == 0.75\n"
                               "### END HIDDEN TESTS")
    _set(nb, "quiz_tests", 'assert ANSWER in {"a", "b", "c"}')  # no hidden tests at all
    nbformat.write(nb, source / f"{A}.ipynb")
    ws = gradebook.init_workshop(tmp_path / "w", source=tmp_path / "source", timeout=5)
    for refuse in (lambda: workshop.release(ws, [A]),
                   lambda: grading.grade_assignment(ws, A, unsafe_no_sandbox=True)):
        with pytest.raises(ValueError) as err:
            refuse()
        text = str(err.value)
        assert "grade cell 'q2_share_tests' has hidden tests in the old format" in text
        assert "### BEGIN HIDDEN TESTS (trusted)" in text and "AUTHORING.md" in text
        assert "grade cell 'quiz_tests' has no trusted tests" in text
        assert "q1_mean_tests" not in text  # converted: fine
    assert not (ws.root / "release" / A).exists()

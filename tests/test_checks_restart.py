"""A check cell run before its answer cell says ⏳, in a real kernel, on a real exercise.

After a kernel restart (or in a notebook opened fresh) the learner may run a check cell before
the answer cell above it: the answer's name is not defined yet. That is "not answered yet" (⏳
with the cell to run, and Run All goes on), never a traceback; a NameError raised *inside* the
learner's function is a real error of their code (❌ naming the missing name).

The notebook is the learner version of ``course/exercises/ex01_metrics.py`` built as
``modellab build`` builds it, executed with nbclient with some cells left out.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbclient
import nbformat
import pytest

from modellab.course import build

ROOT = Path(__file__).resolve().parents[1]
WAITING = "is not defined yet: run the cells above first"


@pytest.fixture(scope="module")
def ex01():
    solution = build.render_solution(build.exercise_sources(ROOT)["ex01_metrics"])
    learner = build.render_exercises({"ex01_metrics": solution}, ROOT / "course" / "nbgrader_config.py")
    return nbformat.reads(learner["ex01_metrics"], as_version=4)


def _cell(nb, grade_id):
    found = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    assert len(found) == 1, grade_id
    return copy.deepcopy(found[0])


def _execute(nb, *cells, allow_errors=False):
    """Run the cells (a grade_id of ``nb``, or a new code cell's source) in a new kernel; their
    outputs. With ``allow_errors=False`` a cell that fails stops the run (as Run All does)."""
    ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    run = nbformat.v4.new_notebook()
    run.cells = [_cell(nb, c) if c in ids else nbformat.v4.new_code_cell(c) for c in cells]
    nbclient.NotebookClient(run, kernel_name="python3", allow_errors=allow_errors, timeout=120).execute()
    return [cell.outputs for cell in run.cells]


def _waiting_line(outputs, name: str) -> str:
    assert [o.output_type for o in outputs] == ["stream"], outputs  # no error, no traceback
    text = outputs[0].text
    assert text.startswith(f"⏳ `{name}` {WAITING}"), text
    assert "kernel restart" in text and text.count("\n") == 1
    return text


def test_check_cells_before_their_answer_cells_say_waiting_and_run_all_goes_on(ex01):
    """Kernel restarted, set-up cells run, answer cells not: every check cell says ⏳."""
    outputs = _execute(ex01, "setup", "counts", "a1-check", "a2-check", "costs", "b1-check",
                       "q1-check", "print('went on')")
    _setup, _counts, a1, a2, _costs, b1, q1, last = outputs
    _waiting_line(a1, "precision_recall_f1")   # calls the learner's function (with answering)
    _waiting_line(a2, "accuracy_model")        # looks the answer up itself
    _waiting_line(b1, "chosen_threshold")
    _waiting_line(q1, "q1")
    assert last[0].text == "went on\n"


def test_a_check_cell_run_first_in_a_fresh_kernel_says_waiting(ex01):
    """No cell run before: the check cell imports modellab.checks itself."""
    a2, a1, last = _execute(ex01, "a2-check", "a1-check", "print('went on')")
    _waiting_line(a2, "accuracy_model")
    _waiting_line(a1, "precision_recall_f1")
    assert last[0].text == "went on\n"


def test_a_name_missing_inside_the_learners_function_is_a_failure_not_waiting(ex01):
    buggy = ("def precision_recall_f1(tn, fp, fn, tp):\n"
             "    precision = tp / (tp + fp)\n"
             "    return precision, tp / (tp + fn), f1_score\n")
    *_, answer, check = _execute(ex01, "setup", "counts", buggy, "a1-check", allow_errors=True)
    assert answer == []
    assert [o.output_type for o in check] == ["error"] and check[0].ename == "CheckFailed"
    first = check[0].traceback[0]
    assert first.startswith("❌ precision_recall_f1 raised NameError (name 'f1_score' is not defined)")
    assert "⏳" not in "".join(check[0].traceback)
    assert "spelling of `f1_score`" in " ".join(line.strip() for line in check[0].traceback)


def test_a_name_missing_inside_a_function_a_locked_cell_calls_outside_answering_fails(ex01):
    """Not every call goes through ``answering``: the shell itself tells the two apart."""
    buggy = "def cheapest_threshold(y_true, y_score, min_recall):\n    return thresholds[0]\n"
    locked = "# 🔒 Locked: checks your answer above\ncheapest_threshold(reference['default'], None, 0.7)"
    unlocked = "cheapest_threshold(reference['default'], None, 0.7)"
    *_, in_locked, in_unlocked = _execute(ex01, "setup", buggy, locked, unlocked, allow_errors=True)
    for outputs in (in_locked, in_unlocked):
        assert [o.output_type for o in outputs] == ["error"] and outputs[0].ename == "NameError"
        text = " ".join(line.strip() for line in outputs[0].traceback)
        assert text.startswith("❌ name 'thresholds' is not defined (in `cheapest_threshold`")
        assert "⏳" not in text


def test_under_nbgrader_a_check_before_its_answer_is_still_a_failed_cell(ex01, monkeypatch):
    """nbgrader validate/autograde set NBGRADER_EXECUTION: the notebook is not complete."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")  # the kernel inherits it
    _setup, a2, a1 = _execute(ex01, "setup", "a2-check", "a1-check", allow_errors=True)
    assert a2[0].output_type == "error" and a2[0].ename == "NameError"
    assert a2[0].traceback[0].startswith(f"⏳ `accuracy_model` {WAITING}")
    assert a1[0].output_type == "error" and a1[0].ename == "NotAnswered"
    assert a1[0].traceback[0].startswith(f"⏳ `precision_recall_f1` {WAITING}")


def test_a_misspelt_answer_name_is_pointed_at_by_the_waiting_line(ex01):
    """The learner did run the answer cell, under another name: ⏳ says to check the spelling."""
    typo = "acuracy_model = (tp + tn) / (tn + fp + fn + tp)"
    *_, answer, check = _execute(ex01, "setup", "counts", typo, "a2-check", allow_errors=True)
    assert answer == []  # the answer cell ran without an error
    text = _waiting_line(check, "accuracy_model")
    assert "If they ran, check that a cell above defines `accuracy_model`, spelt exactly so." in text

"""Every real exercise, graded by real nbgrader through `modellab workshop`.

For each assignment in `solutions/`: the solution notebook scores full marks on every
autograded part (written answers wait for a human), the released learner copy, untouched,
scores 0 and fails nbgrader's validator. (tests/test_build.py checks that no solution or
hidden test leaks into the learner copy.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from modellab.course import gradebook, grading, results
from modellab.course.paths import course_paths
from modellab.course.workshop import release

PATHS = course_paths()
ASSIGNMENTS = sorted(p.name for p in PATHS.solutions.iterdir() if p.is_dir()) if PATHS.solutions.is_dir() else []


def _points(notebook: Path) -> tuple[float, float]:
    """(autograded points, manually graded points) declared in a source notebook."""
    auto = manual = 0.0
    for cell in nbformat.read(notebook, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        points = float(meta.get("points", 0))
        # a graded cell that is also a solution cell is a written (manual) answer,
        # unless it is code, which nbgrader grades by running it
        if meta.get("solution") and cell.cell_type == "markdown":
            manual += points
        else:
            auto += points
    return auto, manual


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not ASSIGNMENTS:
        pytest.fail("no exercises in solutions/: run `modellab build`")
    tmp = tmp_path_factory.mktemp("exercises")
    ws = gradebook.init_workshop(tmp / "class", source=PATHS.solutions, timeout=120)
    release(ws)
    out = {"ws": ws, "reports": {}}
    for name in ASSIGNMENTS:
        for student, src in {
            "solution": PATHS.solutions / name / f"{name}.ipynb",
            "untouched": ws.root / "release" / name / f"{name}.ipynb",
        }.items():
            target = ws.root / "submitted" / student / name
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, target / f"{name}.ipynb")
        out["reports"][name] = grading.grade_assignment(ws, name, jobs=2, progress=False)
    out["grades"] = results.grades_frame(ws).set_index(["assignment", "student"])
    return out


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_scores_full_marks_and_untouched_copy_scores_zero(graded, name):
    auto, manual = _points(PATHS.solutions / name / f"{name}.ipynb")
    assert auto > 0, f"{name} has no autograded points"
    grades = graded["grades"]
    solution = grades.loc[(name, "solution")]
    untouched = grades.loc[(name, "untouched")]
    assert solution["status"] == "graded" and untouched["status"] == "graded"
    assert solution["max_score"] == auto + manual
    assert solution["score"] == auto, (name, solution["score"], auto)
    assert untouched["score"] == 0, (name, untouched["score"])
    assert bool(solution["needs_manual_grade"]) == (manual > 0)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_untouched_learner_copy_fails_validation(name):
    from nbgrader.validator import Validator

    learner = PATHS.exercises / name / f"{name}.ipynb"
    assert learner.is_file(), f"{learner} is missing: run `modellab build`"
    result = Validator().validate(str(learner))
    assert result, f"an unanswered {name} passed nbgrader's validator"
    # every check says ⏳ under the validator (NBGRADER_EXECUTION is set there), so the
    # Validate button lists each part not answered yet
    waiting = [c for c in result["failed"] if c["raw_error"].startswith("⏳")]
    assert len(waiting) == len(_check_cells(nbformat.read(learner, as_version=4))), result["failed"]


def _check_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("grade")]


def _run_all(name: str, tmp_path: Path, edit=None):
    """Run the learner copy top to bottom as *Run All* does: stop at the first failing cell."""
    from nbclient import NotebookClient

    learner = PATHS.exercises / name / f"{name}.ipynb"
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(learner, folder / learner.name)  # ex12's checks read the saved notebook
    nb = nbformat.read(folder / learner.name, as_version=4)
    if edit:
        edit(nb)
    client = NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=False,
                            resources={"metadata": {"path": str(folder)}})
    return client, nb


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_run_all_on_a_fresh_exercise_shows_waiting_for_every_part_and_reaches_the_end(name, tmp_path):
    client, nb = _run_all(name, tmp_path)
    client.execute()  # raises CellExecutionError at the first cell that fails
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)  # every cell ran, the last too
    for cell in _check_cells(nb):
        text = "".join(o.get("text", "") for o in cell.outputs)
        # a ✅ before it may only be about what the copy gives (ex05: the summary's keys)
        assert text.splitlines()[-1].startswith("⏳") and "❌" not in text, (cell.id, text)
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.id


def test_run_all_still_stops_at_a_wrong_answer_with_its_hint(tmp_path):
    from nbclient.exceptions import CellExecutionError

    def wrong_accuracy(nb):
        answer = next(c for c in nb.cells if c.get("id") == "a2-answer")
        answer.source = "accuracy_model = tn / (tn + fp)\naccuracy_never = ..."

    client, nb = _run_all("ex01_metrics", tmp_path, edit=wrong_accuracy)
    with pytest.raises(CellExecutionError) as info:
        client.execute()
    assert "❌ accuracy_model" in str(info.value) and "specificity" in str(info.value)
    ran = [c.get("id") for c in nb.cells if c.cell_type == "code" and c.execution_count]
    assert ran[-1] == "a2-check"  # it stopped there: nothing after a wrong answer ran

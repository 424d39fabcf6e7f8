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

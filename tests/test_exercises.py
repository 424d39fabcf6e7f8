"""Every real exercise, graded by real nbgrader through `modellab workshop`.

For each assignment in `solutions/`: the solution notebook scores full marks on every
autograded part (written answers wait for a human), the released learner copy, untouched,
scores 0 and fails nbgrader's validator, and no solution or hidden test leaks into it.
"""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_learner_copy_keeps_no_solution_or_hidden_test(name):
    solution = nbformat.read(PATHS.solutions / name / f"{name}.ipynb", as_version=4)
    learner_text = (PATHS.exercises / name / f"{name}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in learner_text, (name, marker)
    regions = [("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
               ("### BEGIN SOLUTION", "### END SOLUTION")]
    secret, public = [], []
    for cell in solution.cells:
        text = cell.source
        for begin, end in regions:
            while begin in text:
                before, rest = text.split(begin, 1)
                inside, text = rest.split(end, 1) if end in rest else (rest, "")
                secret += [line.strip() for line in inside.splitlines()]
                public.append(before)
        public.append(text)
    shown = "\n".join(public)  # what the learner is meant to see anyway
    for line in secret:
        if len(line) > 12 and not line.startswith("#") and line not in shown:
            assert json.dumps(line)[1:-1] not in learner_text, (name, line)

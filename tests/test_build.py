"""`modellab build`: committed notebooks match their sources, exercises leak nothing."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import pytest

from modellab.course import build
from modellab.course.paths import CoursePaths

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "build"
PATHS = CoursePaths(ROOT)

SECRET_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    build.configure_parser(parser)
    return build.run(parser.parse_args(list(argv)))


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """A throw-away checkout holding the fixture sources and the real nbgrader config."""
    shutil.copytree(FIXTURES / "course", tmp_path / "course")
    shutil.copy(PATHS.nbgrader_config, tmp_path / "course" / "nbgrader_config.py")
    return tmp_path


@pytest.fixture
def built_root(course_root: Path) -> Path:
    result = build.build(course_root)
    assert len(result.written) == 3, result
    return course_root


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def cell_text(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"])


# --------------------------------------------------------------------------- committed artifacts


def test_committed_artifacts_are_current(capsys):
    code = run_cli("--check", "--root", str(ROOT))
    out = capsys.readouterr().out
    assert code == 0, f"run `modellab build` and commit the result:\n{out}"
    assert "up to date" in out


def test_cli_dispatcher_routes_build():
    from modellab.cli import COMMANDS

    assert COMMANDS["build"][0] == build.__name__
    parser = argparse.ArgumentParser()
    build.configure_parser(parser)
    args = parser.parse_args(["--check", "--only", "00_welcome", "--root", "/tmp"])
    assert args.check and args.only == "00_welcome" and args.root == "/tmp"
    assert run_cli("--check", "--only", "00_welcome", "--root", str(ROOT)) == 0


def test_every_source_has_committed_artifacts():
    for name in build.lesson_sources(ROOT):
        assert PATHS.lesson_notebook(name).is_file(), name
    for name in build.exercise_sources(ROOT):
        assert PATHS.solution_notebook(name).is_file(), name
        assert PATHS.exercise_notebook(name).is_file(), name
    assert build.lesson_sources(ROOT), "no lesson sources found in course/lessons/"


@pytest.mark.parametrize("path", sorted(PATHS.notebooks.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_lessons_have_no_outputs_or_jupytext_metadata(path):
    nb = load(path)
    assert "jupytext" not in nb["metadata"]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        assert "lines_to_next_cell" not in cell["metadata"]
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, cell["id"]


def _solution_lines(cell: dict) -> list[str]:
    """Non-blank lines between BEGIN and END SOLUTION / HIDDEN TESTS markers."""
    lines, inside = [], False
    for line in "".join(cell["source"]).splitlines():
        if re.search(r"BEGIN (SOLUTION|HIDDEN TESTS)", line):
            inside = True
        elif re.search(r"END (SOLUTION|HIDDEN TESTS)", line):
            inside = False
        elif inside and line.strip().lstrip("#").strip():
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("name", sorted(build.exercise_sources(ROOT)) or ["<none>"])
def test_committed_exercises_leak_no_solution(name):
    if name == "<none>":
        pytest.fail("no exercise sources in course/exercises/: the course needs its graded exercises")
    solution, exercise = load(PATHS.solution_notebook(name)), load(PATHS.exercise_notebook(name))
    text = cell_text(exercise)
    for marker in SECRET_MARKERS:
        assert marker not in text, f"{name}: '{marker}' in the learner notebook"
    released = {c["id"]: "".join(c["source"]) for c in exercise["cells"]}
    for cell in solution["cells"]:
        for line in _solution_lines(cell):
            assert line not in released.get(cell["id"], ""), f"{name}: leaked {line!r}"


def validate(path: Path) -> dict:
    """nbgrader's validator (runs the notebook; ``{}`` means every test cell passes)."""
    from nbgrader.validator import Validator

    return Validator().validate(str(path))


@pytest.mark.parametrize("name", sorted(build.exercise_sources(ROOT)) or ["<none>"])
def test_committed_solutions_pass_their_own_tests(name):
    if name == "<none>":
        pytest.fail("no exercise sources in course/exercises/: the course needs its graded exercises")
    result = validate(PATHS.solution_notebook(name))
    failed = [f"{c['source'][:80]!r}: {c.get('raw_error', c.get('error', ''))[-300:]}"
              for c in result.get("failed", [])]
    assert result == {}, f"{name}: the solution fails its own tests:\n" + "\n".join(failed)


# --------------------------------------------------------------------------- fixture course


def test_fixture_solution_passes_and_unanswered_copy_fails_kindly(built_root):
    paths = CoursePaths(built_root)
    assert validate(paths.solution_notebook("ex99_fixture")) == {}
    failed = validate(paths.exercise_notebook("ex99_fixture"))["failed"]
    errors = {c["source"].splitlines()[0]: c["raw_error"] for c in failed}
    check_error = errors['check_close(precision, 0.8, "precision", tol=1e-9)']
    assert "NotAnswered" in check_error and "precision is not answered yet" in check_error
    assert "NameError" not in check_error
    assert errors["In one sentence, what does precision tell a loan officer?"] == (
        "You did not provide a response."
    )


def test_exercise_keeps_no_solution_or_hidden_tests(built_root):
    paths = CoursePaths(built_root)
    released = cell_text(load(paths.exercise_notebook("ex99_fixture")))
    source = cell_text(load(paths.solution_notebook("ex99_fixture")))
    for secret in ("SOLUTION-SENTINEL", "HIDDEN-SENTINEL", "TEXT-SENTINEL", *SECRET_MARKERS):
        assert secret not in released
        assert secret in source  # the nbgrader source notebook keeps everything
    assert "raise NotImplementedError()" in released and "YOUR ANSWER HERE" in released
    assert 'check_close(precision, 0.8, "precision"' in released  # visible test stays


def test_artifacts_are_normalised(built_root):
    paths = CoursePaths(built_root)
    for nb_path in (paths.lesson_notebook("98_fixture"), paths.solution_notebook("ex99_fixture"),
                    paths.exercise_notebook("ex99_fixture")):
        nb = load(nb_path)
        assert "jupytext" not in nb["metadata"]
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        ids = [c["id"] for c in nb["cells"]]
        assert len(set(ids)) == len(ids)
    solution = load(paths.solution_notebook("ex99_fixture"))
    graded = [c for c in solution["cells"] if "nbgrader" in c["metadata"]]
    assert [c["id"] for c in graded] == ["precision-answer", "precision-check", "summary-answer"]
    assert all(c["metadata"]["nbgrader"]["schema_version"] == 3 for c in graded)


def test_build_is_deterministic_and_leaves_no_nbgrader_state(built_root):
    before = {p: p.read_bytes() for p in built_root.rglob("*.ipynb")}
    assert build.check(built_root) == []
    assert build.build(built_root).written == ()
    assert {p: p.read_bytes() for p in built_root.rglob("*.ipynb")} == before
    leftovers = {p.name for p in built_root.rglob("*")} & {"gradebook.db", "release", "source"}
    assert not leftovers


def test_check_names_stale_missing_and_orphaned(built_root, capsys):
    paths = CoursePaths(built_root)
    stale = paths.lesson_notebook("98_fixture")
    stale.write_text(stale.read_text().replace("6 * 7", "6 * 9"))
    paths.exercise_notebook("ex99_fixture").unlink()
    orphan = paths.notebooks / "97_renamed.ipynb"
    orphan.write_text("{}")

    problems = {(p.kind, p.path) for p in build.check(built_root)}
    assert problems == {
        ("stale", "notebooks/98_fixture.ipynb"),
        ("missing", "exercises/ex99_fixture/ex99_fixture.ipynb"),
        ("orphaned", "notebooks/97_renamed.ipynb"),
    }
    assert run_cli("--check", "--root", str(built_root)) == 1
    out = capsys.readouterr().out
    for path in ("notebooks/98_fixture.ipynb", "exercises/ex99_fixture/ex99_fixture.ipynb",
                 "notebooks/97_renamed.ipynb"):
        assert path in out

    assert run_cli("--root", str(built_root)) == 0
    assert not orphan.exists()
    assert build.check(built_root) == []


def test_source_edit_makes_artifacts_stale(built_root):
    src = built_root / "course" / "exercises" / "ex99_fixture.py"
    src.write_text(src.read_text().replace("8, 2", "9, 1"))
    kinds = {(p.kind, p.path) for p in build.check(built_root)}
    assert kinds == {
        ("stale", "solutions/ex99_fixture/ex99_fixture.ipynb"),
        ("stale", "exercises/ex99_fixture/ex99_fixture.ipynb"),
    }


def test_only_builds_one_source(course_root):
    result = build.build(course_root, only="98_fixture")
    assert result.written == ("notebooks/98_fixture.ipynb",)
    assert build.check(course_root, only="98_fixture") == []
    assert {p.kind for p in build.check(course_root)} == {"missing"}
    with pytest.raises(ValueError, match="matches no lesson or exercise"):
        build.check(course_root, only="ex42_nothing")


def test_lesson_with_graded_cell_is_refused(course_root):
    bad = course_root / "course" / "lessons" / "96_bad.py"
    bad.write_text('# %% nbgrader={"grade": false, "grade_id": "x", "locked": false, '
                   '"schema_version": 3, "solution": true, "task": false}\nx = 1\n')
    with pytest.raises(ValueError, match="lessons are not graded"):
        build.render_lesson(bad)


@pytest.mark.parametrize(
    ("header_b", "message"),
    [
        ('{"grade": true, "grade_id": "b", "locked": true, "points": 1, "solution": false}',
         "schema_version"),
        ('{"grade": true, "grade_id": "a", "locked": true, "points": 1, "schema_version": 3, '
         '"solution": false, "task": false}', "share grade_id 'a'"),
    ],
)
def test_bad_exercise_headers_are_refused(course_root, header_b, message):
    bad = course_root / "course" / "exercises" / "ex98_bad.py"
    bad.write_text(
        '# %% nbgrader={"grade": false, "grade_id": "a", "locked": false, "schema_version": 3, '
        '"solution": true, "task": false}\nx = 1\n\n'
        f"# %% nbgrader={header_b}\nassert x == 1\n"
    )
    with pytest.raises(ValueError, match=message):
        build.render_solution(bad)


def test_exercise_without_graded_cells_is_refused(course_root):
    bad = course_root / "course" / "exercises" / "ex97_plain.py"
    bad.write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="no cell has nbgrader metadata"):
        build.render_solution(bad)

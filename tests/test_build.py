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
    assert "up to date" in out and "right option is the longest" in out  # quiz lint ran


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
        elif inside and re.search(r"\w", line.strip().lstrip("#")):  # "]" alone is no secret
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
        # a line a hidden test shares with the visible part of its cell (a hint it repeats) is
        # no secret; anything else from a solution or hidden test must not reach the learner
        visible = re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END[^\n]*", "",
                         "".join(cell["source"]), flags=re.S)
        for line in _solution_lines(cell):
            if line not in visible:
                assert line not in released.get(cell["id"], ""), f"{name}: leaked {line!r}"


def validate(path: Path) -> dict:
    """nbgrader's validator (runs the notebook; ``{}`` means every test cell passes)."""
    from nbgrader.validator import Validator

    return Validator().validate(str(path))


TRUSTED_REGION = re.compile(r"### BEGIN HIDDEN TESTS \(trusted\).*?### END HIDDEN TESTS\n?", re.S)


@pytest.mark.parametrize("name", sorted(build.exercise_sources(ROOT)) or ["<none>"])
def test_committed_solutions_pass_their_visible_checks(name, tmp_path):
    """The right answers get a ✅ from every visible check, in the learner's kernel.

    Trusted hidden tests run in the grader's process, not in a kernel (course/AUTHORING.md):
    they are taken out here, and tests/test_exercises.py grades the solution with them
    (full marks) through the real sandboxed pipeline.
    """
    if name == "<none>":
        pytest.fail("no exercise sources in course/exercises/: the course needs its graded exercises")
    nb = load(PATHS.solution_notebook(name))
    trusted = 0
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        trusted += len(TRUSTED_REGION.findall(source))
        cell["source"] = TRUSTED_REGION.sub("", source)
    assert trusted, f"{name}: no trusted hidden tests (see course/AUTHORING.md)"
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    result = validate(path)
    failed = [f"{c['source'][:80]!r}: {c.get('raw_error', c.get('error', ''))[-300:]}"
              for c in result.get("failed", [])]
    assert result == {}, f"{name}: the solution fails its visible checks:\n" + "\n".join(failed)


# --------------------------------------------------------------------------- fixture course


def _without_trusted_tests(path: Path, tmp_path: Path) -> Path:
    """A copy of a source notebook without its trusted regions (they run in the grader)."""
    nb = load(path)
    for cell in nb["cells"]:
        cell["source"] = TRUSTED_REGION.sub("", "".join(cell["source"]))
    out = tmp_path / path.name
    out.write_text(json.dumps(nb), encoding="utf-8")
    return out


def _code_line(source: str) -> str:
    """The first line of a cell that is not the build's lock note."""
    from modellab.checks import LOCK_MARK

    return next(line for line in source.splitlines() if not line.startswith(LOCK_MARK))


def test_fixture_solution_passes_and_unanswered_copy_fails_kindly(built_root, tmp_path):
    paths = CoursePaths(built_root)
    assert validate(_without_trusted_tests(paths.solution_notebook("ex99_fixture"), tmp_path)) == {}
    failed = validate(paths.exercise_notebook("ex99_fixture"))["failed"]
    errors = {_code_line(c["source"]): c["raw_error"] for c in failed}
    check_error = errors['check_close(precision, 0.8, "precision", tol=1e-9)']
    # what the learner reads: the message, not a traceback through modellab.checks
    assert check_error.startswith("⏳ precision is not answered yet"), check_error
    assert "NameError" not in check_error and "Traceback" not in check_error
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
    assert "YOUR ANSWER HERE" in released
    assert 'check_close(precision, 0.8, "precision"' in released  # visible test stays
    cells = {c["id"]: "".join(c["source"]) for c in load(paths.exercise_notebook("ex99_fixture"))["cells"]}
    # inside a function the stub still raises (calling it says "not answered yet"); at the top
    # of a cell it does not, so Run All goes on and the check below says ⏳ for the `...`
    assert cells["ratio-answer"].endswith("    # YOUR CODE HERE\n    raise NotImplementedError()")
    assert cells["precision-answer"] == "precision = ...\n# YOUR CODE HERE"


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
    assert [c["id"] for c in graded] == ["ratio-answer", "precision-answer", "precision-check",
                                         "summary-answer"]
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


# --------------------------------------------------------------------------- learner edition


def _secret_lines(solution_notebooks) -> tuple[set[str], set[str]]:
    """(solution lines, hidden-test lines) of nbgrader source notebooks that learners never see
    elsewhere in the same notebook (a formula the instructions also show is not a secret)."""
    solutions, hidden, shown = set(), set(), []
    for path in solution_notebooks:
        for cell in json.loads(Path(path).read_text())["cells"]:
            source = "".join(cell["source"])
            for kind, body in re.findall(r"### BEGIN (SOLUTION|HIDDEN TESTS)[^\n]*\n(.*?)### END", source, re.S):
                lines = {ln.strip().lstrip("#").strip() for ln in body.splitlines()}
                (solutions if kind == "SOLUTION" else hidden).update(ln for ln in lines if len(ln) >= 20)
            if cell["cell_type"] == "markdown" and cell.get("metadata", {}).get("answer"):
                # a markdown answer (course/AUTHORING.md): its ticked boxes are the solution
                solutions.update(ln.strip() for ln in source.splitlines() if ln.strip().startswith("- [x]"))
                source = source.replace("- [x]", "- [ ]")
            shown.append(re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END[^\n]*", "", source, flags=re.S))
    visible = "\n".join(shown)
    return ({ln for ln in solutions if ln not in visible}, {ln for ln in hidden if ln not in visible})


def _edition_text(out: Path) -> dict[str, str]:
    text = {}
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_text(encoding="utf-8", errors="ignore")
            if path.suffix == ".ipynb":  # compare sources, as a learner reads them
                data = "\n".join("".join(c["source"]) for c in json.loads(data)["cells"])
            text[path.relative_to(out).as_posix()] = data
    return text


@pytest.fixture
def edition(course_root: Path, tmp_path_factory) -> tuple[Path, Path, list[str]]:
    build.build(course_root)  # the solution notebooks, to read the secrets from
    out = tmp_path_factory.mktemp("learner")  # outside the checkout (course_root is tmp_path)
    return course_root, out, build.build_edition("learner", out, course_root)


def test_learner_edition_holds_what_learners_need_and_no_answers(edition):
    root, out, written = edition
    top = {rel.split("/")[0] for rel in written}
    assert {"notebooks", "exercises", "modellab", "README.md"} <= top
    assert "solutions" not in top and not any(rel.startswith("course/exercises") for rel in written)
    assert (out / "exercises" / "ex99_fixture" / "ex99_fixture.ipynb").is_file()
    assert (out / "notebooks" / "98_fixture.ipynb").is_file()
    assert (out / "modellab" / "checks.py").is_file()
    readme = (out / "README.md").read_text()
    assert "How to submit" in readme and "exercises/ex01_metrics/ex01_metrics.ipynb" in readme
    text = _edition_text(out)
    for sentinel in ("SOLUTION-SENTINEL", "HIDDEN-SENTINEL", "TEXT-SENTINEL"):
        assert not [rel for rel, data in text.items() if sentinel in data], sentinel
    notebooks = {rel: data for rel, data in text.items() if rel.endswith(".ipynb")}
    assert not [rel for rel, data in notebooks.items() for m in SECRET_MARKERS if m in data]


def test_learner_edition_is_deterministic_and_rebuilds_in_place(edition, tmp_path_factory):
    root, out, written = edition
    again = tmp_path_factory.mktemp("again")
    assert build.build_edition("learner", again, root) == written
    for rel in written:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel
    (out / "stale.txt").write_text("left from an older edition")
    build.build_edition("learner", out, root)  # an earlier edition is replaced, not mixed
    assert not (out / "stale.txt").exists()


def test_learner_edition_refuses_unsafe_targets(course_root, tmp_path_factory):
    foreign = tmp_path_factory.mktemp("somebody")
    (foreign / "thesis.tex").write_text("keep me")
    with pytest.raises(ValueError, match="not a modellab edition"):
        build.build_edition("learner", foreign, course_root)
    assert (foreign / "thesis.tex").is_file()
    with pytest.raises(ValueError, match="inside the course checkout"):
        build.build_edition("learner", course_root / "learner", course_root)
    with pytest.raises(ValueError, match="edition must be one of"):
        build.build_edition("teacher", foreign / "x", course_root)
    with pytest.raises(ValueError, match="--out"):
        run_cli("--root", str(course_root), "--edition", "learner")


@pytest.fixture(scope="module")
def real_edition(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("real-learner")
    assert run_cli("--edition", "learner", "--out", str(out)) == 0
    return _edition_text(out)


# Known leak, reported to its owner: strict, so the test fails once it is fixed and the mark stays.
_KNOWN_LEAKS: dict[str, str] = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=_KNOWN_LEAKS[n])) if n in _KNOWN_LEAKS
    else n for n in sorted(build.exercise_sources(ROOT))])
def test_real_learner_edition_shows_no_solution_or_hidden_test_text(real_edition, name):
    own, own_hidden = _secret_lines(sorted((PATHS.solutions / name).glob("*.ipynb")))
    assert own and own_hidden or name == "<none>"  # the oracle found this exercise's secrets
    released = real_edition[f"exercises/{name}/{name}.ipynb"]
    leaks = [line for line in own | own_hidden if line in released]
    assert not leaks, leaks[:5]


def test_real_learner_edition_has_no_hidden_tests_solutions_or_sources_anywhere(real_edition):
    solutions, hidden = _secret_lines(sorted(PATHS.solutions.rglob("*.ipynb")))
    assert len(solutions) > 50 and len(hidden) > 50  # the oracle found real secrets
    released = [rel for rel in real_edition if rel.startswith("exercises/")]
    assert len(released) == len(build.exercise_sources(ROOT))
    # hidden tests hold the graders' expectations: not in the package, README or set-up files
    # either. Lessons teach the same calls, and a hidden test may call a package function the
    # way the package itself does, so one matching line is a coincidence; three are a copy.
    leaks = {rel: [line for line in hidden if line in data] for rel, data in real_edition.items()
             if not rel.endswith(".ipynb")}
    leaks = {rel: lines for rel, lines in leaks.items() if len(lines) >= 3}
    assert not leaks, leaks
    assert not any(rel.startswith(("solutions/", "course/exercises/", "tests/")) for rel in real_edition)


def test_binder_post_build_leaves_only_the_learner_edition(tmp_path_factory):
    """binder/postBuild, run in a copy of the instructor checkout (pip and the JupyterLab
    set-up stubbed: they would touch this machine's environment)."""
    import os
    import subprocess
    import sys
    import tarfile

    repo = tmp_path_factory.mktemp("binder-home")
    archive = tmp_path_factory.mktemp("archive") / "head.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), "HEAD"],
                   check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(repo, filter="data")
    assert (repo / "solutions").is_dir() and (repo / "course" / "exercises").is_dir()
    stubs = tmp_path_factory.mktemp("stubs")
    calls = stubs / "calls.log"
    (stubs / "python").write_text(f'#!/bin/sh\necho "python $*" >> {calls}\n')
    real = Path(sys.executable).parent / "modellab"
    (stubs / "modellab").write_text(
        f'#!/bin/sh\necho "modellab $*" >> {calls}\n'
        f'if [ "$1" = build ]; then exec {real} "$@"; fi\n')
    for stub in ("python", "modellab"):
        (stubs / stub).chmod(0o755)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}"}
    env.pop("MODELLAB_ROOT", None)
    run = subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    left = {p.name for p in repo.iterdir()}
    assert ".modellab-edition" in left and {"notebooks", "exercises", "modellab"} <= left
    assert not {"solutions", "tests", ".git"} & left and not (repo / "course" / "exercises").exists()
    log = calls.read_text()
    assert "modellab build --edition learner" in log and "modellab lab --setup-only" in log
    assert log.rstrip().splitlines()[-2].startswith("python -m pip install")  # -e . of the edition
    # run again in the edition (a published learner branch): nothing is rebuilt
    calls.write_text("")
    assert subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, timeout=600).returncode == 0
    assert "build" not in calls.read_text()


def test_nbgrader_validate_prints_the_whole_message_without_a_traceback(built_root):
    """The command-line validator cuts lines at 87 characters: check messages are wrapped to fit."""
    import io

    from nbgrader.validator import Validator

    stream = io.StringIO()
    validator = Validator()
    validator.stream = stream
    validator.validate_and_print(str(CoursePaths(built_root).exercise_notebook("ex99_fixture")))
    out = stream.getvalue()
    block = out.split("The error was:", 1)[1].split("=" * 10, 1)[0]
    lines = [line for line in block.splitlines() if line.strip()]
    assert "not answered yet" in lines[0] and not any(line.endswith("...") for line in lines), lines
    assert "answer and run the cell." in " ".join(" ".join(lines).split())  # the whole message
    assert "Traceback" not in block and "checks.py" not in block


# --------------------------------------------------------------------------- locked cells, stubs


def _locked_code_cells(nb: dict) -> list[tuple[dict, str]]:
    return [(c["metadata"]["nbgrader"], "".join(c["source"])) for c in nb["cells"]
            if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("locked")]


@pytest.mark.parametrize("name", sorted(build.exercise_sources(ROOT)))
def test_every_locked_cell_says_it_is_locked_and_why(name):
    """The learner reads on the cell itself that it is locked, why, and what to do with it."""
    from modellab.checks import LOCK_MARK
    from modellab.course.judge import split_hidden

    source = build._read_source(build.exercise_sources(ROOT)[name])
    for path in (PATHS.exercise_notebook(name), PATHS.solution_notebook(name)):
        cells = _locked_code_cells(load(path))
        assert cells, name
        assert len(cells) == sum(1 for c in source.cells if c.cell_type == "code"
                                 and c.metadata.get("nbgrader", {}).get("locked"))
        for meta, text in cells:
            first = text.splitlines()[0]
            assert first.startswith(LOCK_MARK) and text.count(LOCK_MARK) == 1, (meta["grade_id"], first)
            if meta.get("grade"):
                assert "checks your answer above" in first and "graded as written" in first, first
                visible, hidden, trusted = split_hidden(text)  # the grader's reading of it
                assert visible.startswith(first) and first not in hidden
                assert trusted == (path == PATHS.solution_notebook(name))  # stripped for learners
            else:
                assert "sets up" in first and "no need to edit" in first, first
    learner = load(PATHS.exercise_notebook(name))
    unlocked = ["".join(c["source"]) for c in learner["cells"] if c["cell_type"] == "code"
                and not c["metadata"].get("nbgrader", {}).get("locked")]
    assert not [text for text in unlocked if LOCK_MARK in text]  # answer cells carry no lock


def test_lock_notes_name_the_part_from_the_headings():
    nb = build._read_source(FIXTURES / "course" / "exercises" / "ex99_fixture.py")
    import nbformat

    nb.cells[:0] = [nbformat.v4.new_markdown_cell("## Part B · Thresholds"),
                    nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"locked": True}})]
    nb.cells.append(nbformat.v4.new_markdown_cell("## Done"))
    nb.cells.append(nbformat.v4.new_code_cell("y = 2", metadata={"nbgrader": {"locked": True}}))
    build._add_lock_notes(nb)
    build._add_lock_notes(nb)  # idempotent: a rebuilt note replaces the old one
    locked = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("locked")]
    assert locked[0] == build.lock_note({"locked": True}, "Part B") + "\nx = 1"
    assert "(Part B)" in locked[1] and "checks your answer above" in locked[1]
    assert locked[2].startswith(build.lock_note({"locked": True}, None)) and "the exercise" in locked[2]


def test_exercise_whose_first_cell_does_not_import_the_checks_is_refused(course_root):
    src = course_root / "course" / "exercises" / "ex99_fixture.py"
    src.write_text(src.read_text().replace("from modellab.checks import check_close\n", "import math\n"))
    with pytest.raises(ValueError, match="first code cell must import modellab.checks"):
        build.render_solution(src)


def test_top_level_solution_without_placeholder_is_refused(course_root):
    src = course_root / "course" / "exercises" / "ex99_fixture.py"
    src.write_text(src.read_text().replace("precision = ...\n### BEGIN SOLUTION", "### BEGIN SOLUTION"))
    with pytest.raises(ValueError, match="no placeholder above it"):
        build.render_solution(src)


@pytest.mark.parametrize("name", sorted(build.exercise_sources(ROOT)))
def test_learner_copies_raise_not_implemented_only_inside_functions(name):
    for cell in load(PATHS.exercise_notebook(name))["cells"]:
        text = "".join(cell["source"])
        assert not re.search(r"^raise NotImplementedError", text, re.M), (name, cell["id"])


def test_exercise_with_old_format_or_no_hidden_tests_is_refused(course_root):
    """Visible checks do not fail for a part not answered yet (⏳): points come only from trusted
    tests, so the build refuses a grade cell that would rest on the visible check."""
    src = course_root / "course" / "exercises" / "ex99_fixture.py"
    text = src.read_text()
    src.write_text(text.replace("### BEGIN HIDDEN TESTS (trusted)", "### BEGIN HIDDEN TESTS"))
    with pytest.raises(ValueError, match="old format"):
        build.render_solution(src)
    src.write_text(re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n", "", text, flags=re.S))
    with pytest.raises(ValueError, match="no trusted tests"):
        build.render_solution(src)

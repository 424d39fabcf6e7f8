"""``modellab build``: regenerate the course notebooks from their sources.

One source, three generated folders (authors edit only ``course/``)::

    course/lessons/NN_topic.py      -> notebooks/NN_topic.ipynb               (no outputs)
    course/exercises/exNN_topic.py  -> solutions/exNN_topic/exNN_topic.ipynb  (nbgrader source)
                                    -> exercises/exNN_topic/exNN_topic.ipynb  (learner version)

Sources are jupytext ``py:percent`` files. The learner version is made by
nbgrader's ``generate_assignment`` in a throw-away course directory (no
gradebook, nothing left in the repository), all exercises in one run.

The output is byte-for-byte deterministic: cell ids are derived from the cell
position (or the nbgrader ``grade_id``), outputs are cleared, jupytext's pairing
metadata is removed and the JSON layout is nbformat's (sorted keys, indent 1).
That is what lets :func:`check` compare the committed files with a fresh build.

Example
-------
>>> from modellab.course.build import check
>>> problems = check()            # doctest: +SKIP
>>> [str(p) for p in problems]    # doctest: +SKIP
['stale    notebooks/01_data_analysis.ipynb (source: course/lessons/01_data_analysis.py)']
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from modellab.course.paths import CoursePaths, course_paths

LESSON_GLOB = "[0-9][0-9]_*.py"
EXERCISE_GLOB = "ex[0-9][0-9]_*.py"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}

# Cell metadata that only describes the text layout of the py:percent source.
_JUPYTEXT_CELL_KEYS = (
    "lines_to_next_cell",
    "lines_to_end_of_cell_marker",
    "cell_marker",
    "skipline",
    "noskipline",
)
_VALID_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SECRET_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """One artifact that does not match its source.

    ``kind`` is ``"stale"`` (differs from a fresh build), ``"missing"`` (never
    built) or ``"orphaned"`` (generated file whose source is gone).
    """

    kind: str
    path: str
    source: str | None = None

    def __str__(self) -> str:
        origin = f" (source: {self.source})" if self.source else " (no source)"
        return f"{self.kind:<8} {self.path}{origin}"


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` did, as repository-relative POSIX paths."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]

    def __repr__(self) -> str:
        return (
            f"BuildResult(written={len(self.written)}, unchanged={len(self.unchanged)}, "
            f"removed={len(self.removed)})"
        )


@dataclass(frozen=True)
class _Artifact:
    text: str
    source: str


# --------------------------------------------------------------------------- sources


def _paths(root) -> CoursePaths:
    return course_paths(root)


def lesson_sources(root=None) -> dict[str, Path]:
    """Lesson sources by name (``"00_welcome"`` -> ``course/lessons/00_welcome.py``), sorted."""
    folder = _paths(root).lessons
    return {p.stem: p for p in sorted(folder.glob(LESSON_GLOB))}


def exercise_sources(root=None) -> dict[str, Path]:
    """Exercise sources by name (``"ex01_metrics"`` -> ``course/exercises/ex01_metrics.py``)."""
    folder = _paths(root).exercise_sources
    return {p.stem: p for p in sorted(folder.glob(EXERCISE_GLOB))}


def _read_source(source: Path):
    import jupytext

    try:
        return jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
    except Exception as exc:  # jupytext raises many types; name the file either way
        raise ValueError(f"{source}: could not read it as a jupytext py:percent file ({exc}).") from exc


def _dumps(nb) -> str:
    import nbformat

    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def _normalise(nb, name: str):
    """Clear outputs, drop jupytext layout metadata, set stable ids and kernelspec."""
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    nb.nbformat, nb.nbformat_minor = 4, 5
    used: set[str] = set()
    for index, cell in enumerate(nb.cells):
        for key in _JUPYTEXT_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        candidates = [grade_id] if grade_id and _VALID_ID.match(grade_id) else []
        candidates.append(f"cell-{index:02d}")
        cell_id = next((c for c in candidates if c not in used), f"cell-{index:02d}-{name}"[:64])
        used.add(cell_id)
        cell.id = cell_id
    return nb


def render_lesson(source: str | os.PathLike) -> str:
    """Return the notebook JSON for a lesson source (no outputs, no jupytext metadata).

    Raises
    ------
    ValueError
        If the lesson carries nbgrader metadata or solution/hidden-test markers:
        graded work belongs in ``course/exercises/``.
    """
    source = Path(source)
    nb = _read_source(source)
    for index, cell in enumerate(nb.cells):
        if "nbgrader" in cell.metadata:
            raise ValueError(
                f"{source}: cell {index} has nbgrader metadata, but lessons are not graded. "
                "Move graded cells to an exercise in course/exercises/."
            )
        marker = next((m for m in _SECRET_MARKERS if m in cell.source), None)
        if marker:
            raise ValueError(
                f"{source}: cell {index} contains '{marker}', which would be shown to learners. "
                "Solutions and hidden tests belong in an exercise source."
            )
    return _dumps(_normalise(nb, source.stem))


# --------------------------------------------------------------------------- locked cells

_PART_HEADING = re.compile(r"^##\s+(?:Part\s+(?P<part>[A-Z])\b|(?P<section>\d+)\s*·)", re.M)


def _part_of(markdown: str, current: str | None) -> str | None:
    """The part a level-2 heading opens ("Part A", "section 1"); ``None`` for other headings."""
    heading = next((line for line in markdown.splitlines() if line.startswith("## ")), None)
    if heading is None:
        return current
    match = _PART_HEADING.match(heading)
    if match is None:
        return None
    return f"Part {match['part']}" if match["part"] else f"section {match['section']}"


def lock_note(meta: dict, part: str | None) -> str:
    """The first line of a locked code cell: that it is locked, why, and what to do with it.

    A grade cell checks the answer above it and is graded as written; any other locked cell
    sets up data or figures the checks and the grader rely on. (``modellab.checks`` reads
    this line: such a cell shows ⏳ for a part not answered yet, and Run All goes on.)

    >>> lock_note({"grade": True, "locked": True}, "Part A")
    '# 🔒 Locked: checks your answer above (Part A) and is graded as written — run it after your answer.'
    >>> lock_note({"grade": False, "locked": True}, None)
    '# 🔒 Locked: sets up the exercise for the checks and the grader — run it, no need to edit.'
    """
    from modellab.checks import LOCK_MARK

    if meta.get("grade"):
        where = f" ({part})" if part else ""
        return f"{LOCK_MARK}: checks your answer above{where} and is graded as written — run it after your answer."
    what = part or "the exercise"
    return f"{LOCK_MARK}: sets up {what} for the checks and the grader — run it, no need to edit."


def _add_lock_notes(nb) -> None:
    """Put :func:`lock_note` on the first line of every locked code cell (replacing an old one)."""
    from modellab.checks import LOCK_MARK

    part = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            part = _part_of(cell.source, part)
            continue
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("locked") or meta.get("solution"):
            continue
        lines = cell.source.split("\n")
        if lines and lines[0].startswith(LOCK_MARK):
            lines = lines[1:]
        cell.source = "\n".join([lock_note(meta, part), *lines])


# The stub nbgrader's ClearSolutions writes (course/nbgrader_config.py), at the top level of a cell.
_TOP_LEVEL_STUB = re.compile(r"^(# YOUR CODE HERE)\nraise NotImplementedError\(\)[ \t]*$", re.M)
_TOP_LEVEL_SOLUTION = re.compile(r"^### BEGIN SOLUTION", re.M)


class RunnableStubs(NbGraderPreprocessor):
    """``generate_assignment`` step: a top-level answer stub does not raise.

    nbgrader replaces each solution region with ``# YOUR CODE HERE`` and
    ``raise NotImplementedError()``. Inside a function that is right (calling it says "not
    answered yet"); at the top level of a cell it stopped *Run All* at the first answer.
    There the ``raise`` is dropped: the ``name = ...`` placeholders above the region stay,
    and the check below says ⏳. (Grading is unchanged: trusted tests read ``...`` as no
    answer.) Configured in ``course/nbgrader_config.py`` for ``modellab build`` and
    ``modellab workshop release`` alike.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = _TOP_LEVEL_STUB.sub(r"\1", cell.source)
        return cell, resources


def _require_placeholders(source: Path, index: int, cell) -> None:
    match = _TOP_LEVEL_SOLUTION.search(cell.source)
    if match and "..." not in cell.source[: match.start()]:
        raise ValueError(
            f"{source}: cell {index} has a top-level solution region but no placeholder above "
            "it: bind each answer to ... first (e.g. `onset = ...`), so that the learner's "
            "copy runs and its check says ⏳ until the answer is written."
        )


_CHECKS_IMPORT = re.compile(r"^\s*(?:import modellab\.checks\b|from modellab\.checks import|"
                            r"from modellab import .*\bchecks\b)", re.M)


def render_solution(source: str | os.PathLike) -> str:
    """Return the nbgrader *source* notebook JSON for an exercise source.

    Raises
    ------
    ValueError
        If no cell carries nbgrader metadata, a header lacks ``"schema_version": 3``,
        two cells share a ``grade_id``, an autograded cell has no trusted tests
        (:func:`modellab.course.judge.untrusted_cells`), the first code cell does not import
        ``modellab.checks``, or a top-level solution region has no ``name = ...``
        placeholder above it. Locked code cells get their :func:`lock_note`.
    """
    source = Path(source)
    nb = _read_source(source)
    seen: dict[str, int] = {}
    graded = 0
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        graded += 1
        if meta.get("schema_version") != 3:
            raise ValueError(
                f"{source}: cell {index} nbgrader header lacks \"schema_version\": 3. "
                "Add it to the # %% nbgrader={...} header."
            )
        grade_id = meta.get("grade_id")
        if not grade_id:
            raise ValueError(f"{source}: cell {index} has no grade_id: give it a unique name.")
        if grade_id in seen:
            raise ValueError(
                f"{source}: cells {seen[grade_id]} and {index} share grade_id '{grade_id}': "
                "every nbgrader cell needs its own grade_id."
            )
        seen[grade_id] = index
        if meta.get("solution") and cell.cell_type == "code":
            _require_placeholders(source, index, cell)
    if not graded:
        raise ValueError(
            f"{source}: no cell has nbgrader metadata. Mark answer and test cells with "
            "'# %% nbgrader={...}' headers (see course/README.md)."
        )
    from modellab.course.judge import untrusted_cells

    untrusted = untrusted_cells(nb)  # a check not answered yet says ⏳ and passes in the kernel:
    if untrusted:                    # the points must come from trusted tests
        raise ValueError(f"{source}: {'; '.join(untrusted)}.")
    first = next((c for c in nb.cells if c.cell_type == "code"), None)
    if first is None or not _CHECKS_IMPORT.search(first.source):
        raise ValueError(
            f"{source}: the first code cell must import modellab.checks (e.g. "
            "`from modellab.checks import answering`), so that from the first check on a part "
            "not answered yet shows ⏳ and Run All goes on to the end."
        )
    _add_lock_notes(nb)
    return _dumps(_normalise(nb, source.stem))


def _load_nbgrader_config(config_file: Path):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not config_file.is_file():
        raise FileNotFoundError(
            f"{config_file} not found: the build needs course/nbgrader_config.py for nbgrader."
        )
    config = Config()
    config.merge(PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config())
    return config


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


def render_exercises(solutions: Mapping[str, str], config_file: str | os.PathLike) -> dict[str, str]:
    """Run nbgrader ``generate_assignment`` once over all ``solutions``.

    Parameters
    ----------
    solutions
        Exercise name -> nbgrader source notebook JSON (from :func:`render_solution`).
    config_file
        The course's ``nbgrader_config.py`` (stubs, delimiters).

    Returns
    -------
    dict
        Exercise name -> learner notebook JSON, normalised like the other artifacts.
    """
    if not solutions:
        return {}
    import nbformat
    from nbgrader.converters import GenerateAssignment
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    config = _load_nbgrader_config(Path(config_file))
    handler = _Collect()
    log = logging.getLogger("modellab.course.build.nbgrader")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    with tempfile.TemporaryDirectory(prefix="modellab-build-") as tmp:
        config.CourseDirectory.root = tmp
        config.GenerateAssignment.no_database = True  # no gradebook.db anywhere
        config.SaveCells.enabled = False
        for name, text in solutions.items():
            folder = Path(tmp, "source", name)
            folder.mkdir(parents=True)
            (folder / f"{name}.ipynb").write_text(text, encoding="utf-8")
        coursedir = CourseDirectory(config=config, log=log)
        coursedir.assignment_id = "*"  # every exercise in one nbgrader run
        converter = GenerateAssignment(coursedir=coursedir, config=config, log=log)
        converter.force = True
        try:
            converter.start()
        except NbGraderException as exc:
            details = "\n".join(handler.lines[-20:])
            raise ValueError(f"nbgrader could not generate the exercises:\n{details}") from exc
        finally:
            log.removeHandler(handler)
        released = {}
        for name in solutions:
            path = Path(tmp, "release", name, f"{name}.ipynb")
            if not path.is_file():
                raise ValueError(f"nbgrader produced no learner notebook for {name}.")
            nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
            released[name] = _dumps(_normalise(nb, name))
    return released


# --------------------------------------------------------------------------- plan, check, build


def _select(sources: dict[str, Path], only: str | None) -> dict[str, Path]:
    return {k: v for k, v in sources.items() if only is None or k == only}


def expected_artifacts(root=None, only: str | None = None) -> dict[str, _Artifact]:
    """Everything the build would write, keyed by repository-relative POSIX path."""
    paths = _paths(root)
    lessons = lesson_sources(paths.root)
    exercises = exercise_sources(paths.root)
    if only is not None and only not in lessons and only not in exercises:
        known = ", ".join([*lessons, *exercises]) or "none"
        raise ValueError(f"--only {only!r} matches no lesson or exercise source. Known: {known}.")
    lessons, exercises = _select(lessons, only), _select(exercises, only)

    def rel(path: Path) -> str:
        return path.relative_to(paths.root).as_posix()

    out: dict[str, _Artifact] = {}
    for name, src in lessons.items():
        out[rel(paths.lesson_notebook(name))] = _Artifact(render_lesson(src), rel(src))
    solutions = {name: render_solution(src) for name, src in exercises.items()}
    for name, text in solutions.items():
        out[rel(paths.solution_notebook(name))] = _Artifact(text, rel(exercises[name]))
    for name, text in render_exercises(solutions, paths.nbgrader_config).items():
        out[rel(paths.exercise_notebook(name))] = _Artifact(text, rel(exercises[name]))
    return out


def _generated_files(paths: CoursePaths) -> Iterable[Path]:
    yield from paths.notebooks.glob("*.ipynb")
    for folder in (paths.solutions, paths.exercises):
        for p in folder.rglob("*.ipynb"):
            if ".ipynb_checkpoints" not in p.parts:
                yield p


def _compare(paths: CoursePaths, expected: dict[str, _Artifact], orphans: bool) -> list[Problem]:
    problems = []
    for rel, artifact in expected.items():
        target = paths.root / rel
        if not target.is_file():
            problems.append(Problem("missing", rel, artifact.source))
        elif target.read_bytes() != artifact.text.encode("utf-8"):
            problems.append(Problem("stale", rel, artifact.source))
    if orphans:
        for path in sorted(_generated_files(paths)):
            rel = path.relative_to(paths.root).as_posix()
            if rel not in expected:
                problems.append(Problem("orphaned", rel))
    return problems


def check(root=None, only: str | None = None) -> list[Problem]:
    """Compare the committed artifacts with a fresh in-memory build; ``[]`` means current.

    Orphaned notebooks are reported only for a full check (``only=None``).
    """
    paths = _paths(root)
    return _compare(paths, expected_artifacts(paths.root, only), orphans=only is None)


def build(root=None, only: str | None = None) -> BuildResult:
    """Write every stale or missing artifact; a full build also removes orphaned notebooks."""
    paths = _paths(root)
    expected = expected_artifacts(paths.root, only)
    problems = _compare(paths, expected, orphans=only is None)
    written, removed = [], []
    for problem in problems:
        target = paths.root / problem.path
        if problem.kind == "orphaned":
            target.unlink()
            removed.append(problem.path)
            parent = target.parent
            if parent not in (paths.notebooks, paths.solutions, paths.exercises) and not any(
                parent.iterdir()
            ):
                parent.rmdir()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(expected[problem.path].text.encode("utf-8"))
            written.append(problem.path)
    unchanged = tuple(rel for rel in expected if rel not in written)
    return BuildResult(tuple(written), unchanged, tuple(removed))


# --------------------------------------------------------------------------- learner edition

EDITIONS = ("learner",)
_EDITION_MARKER = ".modellab-edition"
#: Files and folders of the checkout that the learner edition carries as they are.
_LEARNER_FILES = ("pyproject.toml", "constraints.txt", "Makefile", "binder", ".devcontainer",
                  "course/nbgrader_config.py")
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}

LEARNER_README = """\
# modellab — learner edition

A hands-on course in monitoring machine-learning models. This folder holds everything you
need: the lessons (`notebooks/`), the exercises (`exercises/`) and the `modellab` package
that makes the data (seeded synthetic lending scenarios: there are no data files to
download) and runs the checks.

## Start

    make lab

installs the course into `.venv` (Python 3.11+ and `make` are all it needs) and opens
`notebooks/00_welcome.ipynb` in JupyterLab. On Binder or in a Codespace the same set-up
opens by itself.

## Exercises

Each exercise is a notebook in `exercises/exNN_topic/`. Write your answers where it says
`YOUR CODE HERE`, then run the **check cell** below each answer: ✅ means that answer is
right; ❌ says what is wrong and which cell to change; ⏳ means not answered yet (*Run All*
goes on past it, so a fresh exercise shows every part that is left). Check cells are locked
(🔒, said on their first line) because they are graded exactly as written. Before you hand
in, use *Kernel → Restart Kernel and Run All Cells…* once, then save.

## How to submit

Hand in **the exercise notebook itself**, e.g. `exercises/ex01_metrics/ex01_metrics.ipynb`,
saved after a full run. Your instructor tells you where it goes: in a JupyterHub course,
use *Nbgrader → Assignment List → Submit*; otherwise upload the `.ipynb` file to the
course's hand-in folder or learning platform. Keep the file name as it is.
"""


def _edition_files(root: Path, expected: dict[str, _Artifact]) -> dict[str, bytes]:
    """Repository-relative path -> bytes of every file of the learner edition."""
    paths = _paths(root)
    files: dict[str, bytes] = {"README.md": LEARNER_README.encode("utf-8"),
                               _EDITION_MARKER: b"learner\n"}
    lessons = paths.notebooks.relative_to(paths.root).as_posix() + "/"
    released = paths.exercises.relative_to(paths.root).as_posix() + "/"
    for rel, artifact in expected.items():
        if rel.startswith((lessons, released)):
            files[rel] = artifact.text.encode("utf-8")
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*")):
        if path.is_file() and not _SKIP_PARTS & set(path.parts) and path.suffix != ".pyc":
            files[f"modellab/{path.relative_to(package).as_posix()}"] = path.read_bytes()
    for name in _LEARNER_FILES:
        source = paths.root / name
        for path in sorted([source] if source.is_file() else source.rglob("*")):
            if path.is_file():
                files[path.relative_to(paths.root).as_posix()] = path.read_bytes()
    return files


def build_edition(edition: str = "learner", out: str | os.PathLike = "", root=None) -> list[str]:
    """Write the learner edition of the course into ``out``; returns the files written.

    The edition holds the lessons, the released exercises (no solutions, no hidden tests),
    the ``modellab`` package, the files ``make lab``, Binder and Codespaces need, and a
    README for learners — no ``solutions/`` and no ``course/exercises`` sources. The same
    sources give the same bytes (files are generated, not copied with timestamps).

    Raises
    ------
    ValueError
        If ``edition`` is unknown, ``out`` is missing, inside the checkout's own folders,
        or a non-empty folder that is not an earlier edition (it is never emptied).

    Examples
    --------
    >>> written = build_edition("learner", "/tmp/modellab-learner")    # doctest: +SKIP
    >>> "solutions" in {p.split("/")[0] for p in written}              # doctest: +SKIP
    False
    """
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, got {edition!r}.")
    if not out:
        raise ValueError("out must name the folder to write the edition to, e.g. --out ../learner.")
    paths = _paths(root)
    target = Path(out).resolve()
    if target == paths.root or paths.root in target.parents:
        raise ValueError(f"out={out} is inside the course checkout: write the edition elsewhere.")
    if target.exists() and any(target.iterdir()) and not (target / _EDITION_MARKER).is_file():
        raise ValueError(f"out={out} is a non-empty folder that is not a modellab edition: "
                         "choose an empty or new folder.")
    files = _edition_files(paths.root, expected_artifacts(paths.root))
    for marker in _SECRET_MARKERS:  # the package may name the markers; notebooks may not
        leaked = [rel for rel, data in files.items()
                  if rel.endswith(".ipynb") and marker.encode() in data]
        if leaked:
            raise ValueError(f"{leaked[0]} contains '{marker}': the learner edition must not.")
    if target.exists():
        import shutil

        for child in target.iterdir():
            if child.name == ".git":
                continue  # a published branch keeps its history
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for rel in sorted(files):
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(files[rel])
    return sorted(files)


# --------------------------------------------------------------------------- command line


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add ``modellab build`` options to ``parser``."""
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and name every stale, missing or orphaned artifact",
    )
    parser.add_argument(
        "--only", metavar="NAME", help="one lesson or exercise, e.g. 00_welcome or ex01_metrics"
    )
    parser.add_argument(
        "--root", metavar="DIR", help="course checkout (default: found from the working directory)"
    )
    parser.add_argument(
        "--edition", choices=EDITIONS,
        help="write an edition instead of the artifacts: 'learner' (lessons, released exercises, "
             "the package, a learner README; no solutions or hidden tests) into --out",
    )
    parser.add_argument("--out", metavar="DIR", help="folder for --edition (created if missing)")


def run(args: argparse.Namespace) -> int:
    """Run ``modellab build``; returns the exit code."""
    root = course_paths(args.root).root
    if getattr(args, "edition", None):
        if not args.out:
            raise ValueError("--edition needs --out DIR: the folder to write the edition to.")
        written = build_edition(args.edition, args.out, root)
        print(f"Wrote the {args.edition} edition to {args.out} ({len(written)} files).")
        return 0
    if args.check:
        problems = check(root, args.only)
        if problems:
            print(f"{len(problems)} course artifact(s) out of date with their sources:")
            for problem in problems:
                print(f"  {problem}")
            print("Run `modellab build` to regenerate them, then commit the result.")
            return 1
        scope = f"{args.only} is" if args.only else "All course artifacts are"
        print(f"{scope} up to date with the sources.")
        if args.only is None:  # the quizzes' cue statistics (modellab.course.quizlint)
            from modellab.course.quizlint import lint

            report = lint(root)
            print(report)
            return 0 if report.ok else 1
        return 0
    result = build(root, args.only)
    for rel in result.written:
        print(f"wrote    {rel}")
    for rel in result.removed:
        print(f"removed  {rel}")
    print(
        f"{len(result.written)} written, {len(result.unchanged)} unchanged, "
        f"{len(result.removed)} removed."
    )
    return 0

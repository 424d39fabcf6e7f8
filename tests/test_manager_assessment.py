"""ex12, the manager's assessment: no code to write, answers by ticking a box in markdown.

The answer cells are plain markdown cells (nbgrader accepts a markdown ``solution`` cell only as
a manually graded cell), found by their cell id; the trusted test in the locked grade cell after
each reads the ticked letter from the submitted file (``learner.ticked``), never from the kernel.
Here: the reader on its own (hypothesis), the learner copy (locked code only, nothing ticked),
the quiz cues of the ten questions (modellab.course.quizlint's statistics), and real grading
through ``modellab workshop grade`` of copies a manager ticked by editing the markdown.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from modellab.course import gradebook, quizlint, results
from modellab.course.judge import (
    MarkdownLearner,
    markdown_answers,
    ticked_letters,
    untick,
)
from modellab.course.judge import (
    TestFailed as JudgeFailed,
)
from modellab.course.paths import course_paths
from modellab.course.workshop import release

PATHS = course_paths()
NAME = "ex12_manager_assessment"
LETTERS = "abcd"
_CHOICE = re.compile(r'expect_choice\(learner\.ticked\("(\w+)"\), "([a-z])"')


def _options(letters_ticked: set[str], bullet: str = "-") -> str:
    return "\n".join(f"{bullet} [{'x' if k in letters_ticked else ' '}] **{k})** option {k}, with words"
                     for k in LETTERS)


# ---- the reader ---------------------------------------------------------------------------
@given(st.sets(st.sampled_from(LETTERS)), st.sampled_from(["-", "*", "+"]), st.sampled_from(["x", "X"]))
def test_ticked_letters_are_exactly_the_ticked_boxes(ticked, bullet, mark):
    text = "Your answer:\n\n" + _options(ticked, bullet).replace("[x]", f"[{mark}]")
    assert ticked_letters(text) == tuple(k for k in LETTERS if k in ticked)
    assert ticked_letters(untick(text)) == ()
    assert untick(text).count("**") == text.count("**")  # the options themselves are kept


def test_ticks_outside_an_option_line_do_not_count():
    text = "Write `- [x] **b)** ...` to answer.\n- [x] not an option\n" + _options(set())
    assert ticked_letters(text) == ()
    with pytest.raises(TypeError, match="markdown"):
        ticked_letters(None)


def _source_and_submission(answer_text: str | None, *, as_code: bool = False):
    source = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_markdown_cell(_options({"b"}), metadata={"answer": "q1"})
    answer.id = "cell-01"
    tagged = nbformat.v4.new_markdown_cell(_options({"c"}), metadata={
        "answer": "q9", "nbgrader": {"grade": True, "solution": True, "grade_id": "w"}})
    tagged.id = "w"
    source.cells = [nbformat.v4.new_markdown_cell("intro"), answer, tagged]
    submission = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_markdown_cell("intro")]
    if answer_text is not None:
        cell = (nbformat.v4.new_code_cell(answer_text) if as_code
                else nbformat.v4.new_markdown_cell(answer_text, metadata={"answer": "q1"}))
        cell.id = "cell-01"
        cells.append(cell)
    # a learner's own markdown cell claiming to be the answer is not the answer cell
    forged = nbformat.v4.new_markdown_cell(_options({"a"}), metadata={"answer": "q1"})
    forged.id = "mine"
    submission.cells = [*cells, forged]
    return source, submission


def test_answers_are_found_by_cell_id_in_the_submitted_file():
    source, submission = _source_and_submission(_options({"d"}))
    answers = markdown_answers(submission, source)
    assert list(answers) == ["q1"]  # a manually graded markdown cell is not a ticked answer
    assert MarkdownLearner(None, markdown=answers).ticked("q1") == "d"


@pytest.mark.parametrize("answer, as_code, message", [
    (_options(set()), False, "tick exactly one box"),
    (_options({"a", "c"}), False, "tick exactly one box"),
    (None, False, "missing"),
    (_options({"b"}), True, "no longer a markdown cell"),
])
def test_anything_but_one_ticked_box_fails_with_a_learner_message(answer, as_code, message):
    source, submission = _source_and_submission(answer, as_code=as_code)
    learner = MarkdownLearner(None, markdown=markdown_answers(submission, source))
    with pytest.raises(JudgeFailed, match=message):
        learner.ticked("q1")
    with pytest.raises(ValueError, match="no markdown answer cell named 'q2'"):
        learner.ticked("q2")


# ---- the exercise ---------------------------------------------------------------------------
def _notebook(folder: Path) -> nbformat.NotebookNode:
    return nbformat.read(folder / NAME / f"{NAME}.ipynb", as_version=4)


def _key() -> dict[str, str]:
    """{answer name: right letter} from the trusted tests of the source notebook."""
    text = "\n".join(c.source for c in _notebook(PATHS.solutions).cells if c.cell_type == "code")
    return dict(_CHOICE.findall(text))


def test_learner_copy_needs_no_code_and_ticks_nothing():
    nb = _notebook(PATHS.exercises)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.metadata["nbgrader"]["locked"] and not c.metadata["nbgrader"]["solution"]
                        and c.metadata.get("editable") is False for c in code)
    answers = [c for c in nb.cells if c.cell_type == "markdown" and "answer" in c.metadata]
    assert len(answers) == len(_key()) >= 10
    assert all("nbgrader" not in c.metadata for c in answers)
    for cell in answers:
        assert ticked_letters(cell.source) == ()
        assert [g for g in quizlint._option_groups(cell.source.replace("[ ] ", ""))][0].keys() == set(LETTERS)
    solution = {c.id: c for c in _notebook(PATHS.solutions).cells}
    for cell in answers:  # the solution ticks what the trusted test expects
        assert ticked_letters(solution[cell.id].source) == (_key()[cell.metadata["answer"]],)


def test_the_questions_carry_no_length_or_position_cue():
    key = _key()
    questions = []
    for cell in _notebook(PATHS.solutions).cells:
        name = cell.metadata.get("answer")
        if cell.cell_type == "markdown" and name:
            options = quizlint._option_groups(re.sub(r"\[[ x]\] ", "", cell.source))[0]
            questions.append(quizlint.Question(NAME, name, options, key[name]))
    stats = quizlint._stats("ex12", questions)
    print(stats)
    assert stats.n == len(key) >= 10 and stats.ok, str(stats)


def _tick(nb, choices: dict[str, set[str]]):
    """Tick boxes the way a manager does in JupyterLab: edit the answer cell's markdown."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        name = cell.get("metadata", {}).get("answer")
        if cell.cell_type == "markdown" and name in choices:
            for letter in choices[name]:
                cell.source = cell.source.replace(f"- [ ] **{letter})**", f"- [x] **{letter})**")
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ex12")
    src = tmp / "source"
    shutil.copytree(PATHS.solutions / NAME, src / NAME)
    ws = gradebook.init_workshop(tmp / "class", source=src, timeout=60)
    release(ws)
    released = nbformat.read(ws.root / "release" / NAME / f"{NAME}.ipynb", as_version=4)
    key = _key()
    wrong = {n: {LETTERS[(LETTERS.index(k) + 1) % 4]} for n, k in key.items()}
    learners = {
        "manager": (_tick(released, {n: {k} for n, k in key.items()}), len(key)),
        "untouched": (released, 0),
        "all_wrong": (_tick(released, wrong), 0),
        "two_boxes_q1": (_tick(released, {**{n: {k} for n, k in key.items()}, "q1": {"a", "b"}}), len(key) - 1),
        "deleted_q2": (_tick(released, {n: {k} for n, k in key.items()}), len(key) - 1),
    }
    nb = learners["deleted_q2"][0]
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("answer") != "q2"]
    for learner, (notebook, _) in learners.items():
        folder = ws.root / "submitted" / learner / NAME
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{NAME}.ipynb")
    exe = Path(sys.executable).parent / "modellab"
    run = subprocess.run([str(exe), "workshop", "grade", NAME, "--dir", str(ws.root), "--jobs", "2",
                          "--no-progress"], capture_output=True, text=True, timeout=1200)
    return {"ws": ws, "run": run, "grades": results.grades_frame(ws).set_index("student"),
            "expected": {k: v[1] for k, v in learners.items()}}


def test_ticking_the_right_boxes_in_the_released_copy_gets_full_marks(graded):
    grades, expected = graded["grades"], graded["expected"]
    got = {learner: float(grades.loc[learner, "score"]) for learner in expected}
    assert got == expected, graded["run"].stdout[-3000:]
    assert (grades.loc[list(expected), "max_score"] == len(_key())).all()
    assert not grades.loc[list(expected), "needs_manual_grade"].any()


def _error_of(graded, learner: str, grade_id: str) -> str:
    nb = nbformat.read(graded["ws"].root / "autograded" / learner / NAME / f"{NAME}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return " ".join(o.get("evalue", "") for o in cell.outputs if o["output_type"] == "error")


def test_a_manager_reads_why_a_question_scored_nothing(graded):
    assert "tick exactly one box" in _error_of(graded, "two_boxes_q1", "q1-check")
    assert "2 boxes are ticked" in _error_of(graded, "two_boxes_q1", "q1-check")
    assert "missing" in _error_of(graded, "deleted_q2", "q2-check")
    assert "tick exactly one box" in _error_of(graded, "untouched", "q3-check")
    assert "not the best answer" in _error_of(graded, "all_wrong", "q3-check")
    assert _error_of(graded, "manager", "q3-check") == ""

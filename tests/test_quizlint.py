"""The quiz lint: option length and position must not give the answer away."""

from __future__ import annotations

import pytest

from modellab.checks import answer_digest
from modellab.course import quizlint


def _course(tmp_path, questions):
    """A minimal checkout with one lesson holding ``questions`` = [(options, right letter)]."""
    (tmp_path / "course" / "lessons").mkdir(parents=True)
    (tmp_path / "course" / "exercises").mkdir()
    (tmp_path / "course" / "nbgrader_config.py").write_text("c = get_config()\n")
    md, code = ["# %% [markdown]", "# ## Self-check", "#"], ["# %%", "from modellab.checks import self_check"]
    for i, (options, right) in enumerate(questions, 1):
        md += [f"# **Q{i}.** A question?", "#"]
        md += [f"# - **{key})** {text}" for key, text in options.items()] + ["#"]
        code += [f"q{i} = None",
                 f"self_check(q{i}, {''.join(options)!r}, {answer_digest(right, f'Q{i}')!r}, name='Q{i}')"]
    (tmp_path / "course" / "lessons" / "01_x.py").write_text("\n".join(md + [""] + code) + "\n")
    return tmp_path


def test_the_course_quizzes_carry_no_length_or_position_cue():
    report = quizlint.lint()
    print(report)  # the two cue statistics, in the test log
    assert report.ok, str(report)
    graded = next(g for g in report.groups if g.group == "exercises")
    assert graded.n >= 15  # every graded question was found (not a vacuous pass)


def test_the_lint_fails_when_the_right_option_is_the_longest(tmp_path):
    long = {"a": "short", "b": "the right answer, written out at length", "c": "brief"}
    report = quizlint.lint(_course(tmp_path, [(long, "b")] * 3))
    lessons = next(g for g in report.groups if g.group == "lessons")
    assert lessons.n == 3 and lessons.longest_share == 1 and lessons.top_letter_share == 1
    assert not report.ok and "give the answer away" in str(report)


def test_the_lint_passes_balanced_questions_and_finds_the_letter_from_the_digest(tmp_path):
    opts = {"a": "one option here", "b": "another option", "c": "a third option"}
    report = quizlint.lint(_course(tmp_path, [(opts, "a"), (opts, "b"), (opts, "c")]))
    assert report.ok, str(report)
    assert [q.correct for q in report.questions] == ["a", "b", "c"]


@pytest.mark.parametrize("body, problem", [
    ("# %%\nq1 = None\nself_check(q1, 'abc', 'b', name='Q1')\n", "no options list"),
    ("# %%\ncheck_choice(q1, {'a': 'x', 'b': 'y'}, name='Q1')\n", "options only in the check cell"),
    ("# %% [markdown]\n# - **a)** x\n# - **b)** y\n\n# %%\nself_check(q1, 'ab', 'c', name='Q1')\n",
     "matches none of the options"),
])
def test_badly_written_questions_are_reported(tmp_path, body, problem):
    root = _course(tmp_path, [])
    (root / "course" / "lessons" / "02_y.py").write_text(body)
    report = quizlint.lint(root)
    assert not report.ok and any(problem in p for p in report.problems), report.problems

"""Quiz lint: multiple-choice questions whose option length or position gives the answer away.

Test-wise learners pick the longest option, or the letter that is usually right. This lint
reads every graded question of the exercises (``check_quiz``) and every self-check of the
lessons (``self_check``), finds the options in the question's markdown (``- **a)** ...``)
and the right letter (the check holds only its salted digest: the lint tries each letter),
and reports, per group:

- ``longest_share``: the share of questions whose right option is strictly the longest
  (limit :data:`MAX_LONGEST_SHARE`, a third);
- ``top_letter_share``: the share of questions answered by the most frequent right letter
  (limit :data:`MAX_TOP_LETTER_SHARE`).

It also reports questions whose options are not in the markdown before the answer cell, or
that still use ``check_choice`` with the options in a dict (non-coders read the markdown).

Example
-------
>>> from modellab.course.quizlint import lint
>>> report = lint()                     # doctest: +SKIP
>>> report                              # doctest: +SKIP
QuizReport(exercises: 20 questions, longest 5%, top letter 30%; lessons: ...; problems: 0)
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from modellab.course.paths import course_paths

MAX_LONGEST_SHARE = 1 / 3
MAX_TOP_LETTER_SHARE = 0.4

_OPTION = re.compile(r"^- \*\*([a-z])\)\*\*\s+(.*)$")
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)
_QUIZ_CALLS = {"check_quiz", "self_check", "check_choice"}


@dataclass(frozen=True)
class Question:
    """One multiple-choice question: where it is, its options and its right letter."""

    source: str
    name: str
    options: dict[str, str]
    correct: str

    @property
    def correct_is_longest(self) -> bool:
        length = len(self.options[self.correct])
        return all(length > len(text) for key, text in self.options.items() if key != self.correct)


@dataclass(frozen=True)
class GroupStats:
    """Cue statistics of a group of questions (graded exercises, or lesson self-checks)."""

    group: str
    n: int
    longest_share: float
    top_letter_share: float
    letters: dict[str, int]

    @property
    def ok(self) -> bool:
        return self.longest_share <= MAX_LONGEST_SHARE and self.top_letter_share <= MAX_TOP_LETTER_SHARE

    def __str__(self) -> str:
        letters = ", ".join(f"{k}: {v}" for k, v in sorted(self.letters.items()))
        return (f"{self.group}: {self.n} questions; right option is the longest in "
                f"{self.longest_share:.0%} (limit {MAX_LONGEST_SHARE:.0%}); most frequent right "
                f"letter {self.top_letter_share:.0%} (limit {MAX_TOP_LETTER_SHARE:.0%}); {letters}")


@dataclass(frozen=True)
class QuizReport:
    """What :func:`lint` found: one :class:`GroupStats` per group and the problems."""

    questions: tuple[Question, ...]
    groups: tuple[GroupStats, ...]
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems and all(g.ok for g in self.groups)

    def __repr__(self) -> str:
        parts = [f"{g.group}: {g.n} questions, longest {g.longest_share:.0%}, top letter "
                 f"{g.top_letter_share:.0%}" for g in self.groups]
        return f"QuizReport({'; '.join(parts)}; problems: {len(self.problems)})"

    def __str__(self) -> str:
        lines = [str(g) for g in self.groups]
        lines += [f"problem: {p}" for p in self.problems]
        for g in self.groups:
            if not g.ok:
                lines.append(f"problem: {g.group} quizzes give the answer away: rewrite options so "
                             "the right one is not the longest, and vary its letter")
        return "\n".join(lines)


def _option_groups(markdown: str) -> list[dict[str, str]]:
    """Each run of ``- **a)** ...`` lines is one question's options (several per cell allowed)."""
    groups: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = None
    for line in markdown.splitlines():
        match = _OPTION.match(line.strip())
        if match:
            if match.group(1) in current:  # a new "a)" starts the next question
                groups.append(current)
                current = {}
            last = match.group(1)
            current[last] = match.group(2).strip()
        elif last and line.startswith("  ") and line.strip():
            current[last] += " " + line.strip()
        else:
            last = None
            if current:
                groups.append(current)
                current = {}
    if current:
        groups.append(current)
    return groups


def _calls(code: str):
    try:
        tree = ast.parse(_HIDDEN.sub("", code))
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _QUIZ_CALLS:
            yield node


def _literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None


def _right_letter(call: ast.Call, options: dict[str, str]) -> tuple[str | None, str]:
    """(right letter, question name) of a check_quiz/self_check call; letter None if unknown."""
    from modellab.checks import _digest_of

    keywords = {k.arg: _literal(k.value) for k in call.keywords}
    name = keywords.get("name") or "your answer"
    digest = _literal(call.args[2]) if len(call.args) > 2 else keywords.get("correct")
    if isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{16}", digest):
        found = [key for key in options if _digest_of(key, name) == digest]
        return (found[0] if found else None), name
    return (digest.strip().casefold() if isinstance(digest, str) else None), name


def questions_in(path: Path, rel: str) -> tuple[list[Question], list[str]]:
    """The quiz questions of one jupytext source, and what is wrong with how they are written."""
    import jupytext

    nb = jupytext.read(path, fmt="py:percent")
    found: list[Question] = []
    problems: list[str] = []
    pending: list[dict[str, str]] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            groups = _option_groups(cell.source)
            if groups:
                pending = groups
            continue
        for call in _calls(cell.source):
            keywords = {k.arg: _literal(k.value) for k in call.keywords}
            label = f"{rel} {keywords.get('name') or 'question'}"
            if call.func.id == "check_choice":
                problems.append(f"{label}: options only in the check cell; put them in the "
                                "question's markdown (- **a)** ...) and use check_quiz")
                continue
            if not pending:
                problems.append(f"{label}: no options list (- **a)** ...) in the markdown before it")
                continue
            options = pending.pop(0)
            letter, name = _right_letter(call, options)
            if letter not in options:
                problems.append(f"{label}: the right answer matches none of the options "
                                f"({', '.join(options)}) in the markdown above")
            else:
                found.append(Question(rel, name, options, letter))
    return found, problems


def _stats(group: str, questions: list[Question]) -> GroupStats:
    n = len(questions)
    letters = Counter(q.correct for q in questions)
    return GroupStats(
        group=group,
        n=n,
        longest_share=sum(q.correct_is_longest for q in questions) / n if n else 0.0,
        top_letter_share=max(letters.values()) / n if n else 0.0,
        letters=dict(letters),
    )


def lint(root=None) -> QuizReport:
    """Lint every exercise's graded questions and every lesson's self-checks.

    Returns
    -------
    QuizReport
        ``.ok`` is False when a group is above a limit or a question is badly written;
        ``str(report)`` says which.
    """
    paths = course_paths(root)
    all_questions: list[Question] = []
    problems: list[str] = []
    groups = []
    for group, folder, pattern in [("exercises", paths.exercise_sources, "ex[0-9][0-9]_*.py"),
                                   ("lessons", paths.lessons, "[0-9][0-9]_*.py")]:
        in_group: list[Question] = []
        for path in sorted(folder.glob(pattern)):
            found, bad = questions_in(path, path.relative_to(paths.root).as_posix())
            in_group += found
            problems += bad
        groups.append(_stats(group, in_group))
        all_questions += in_group
    return QuizReport(tuple(all_questions), tuple(groups), tuple(problems))

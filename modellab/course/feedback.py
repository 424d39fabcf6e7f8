"""Feedback for learners, with hidden tests kept hidden.

nbgrader's ``generate_feedback`` renders the autograded notebook, and the autograded
notebook holds the full test cells, hidden tests included (nbgrader issue 917). Here a
preprocessor runs first in nbgrader's feedback pipeline and, in every cell that contains a
``### BEGIN HIDDEN TESTS`` region:

- replaces the region with one comment line saying hidden tests ran there;
- drops tracebacks (they quote the failing source line) and keeps ``ename: evalue`` unless
  the message itself quotes a hidden test, in which case it says only that a hidden test failed;
- drops any other output that quotes a hidden-test line.

Scores are untouched: nbgrader's ``GetGrades`` still reads them from the gradebook. After
rendering, every HTML file is checked for hidden-test text; a file that still leaks is
deleted and reported instead of being handed out.

Examples
--------
>>> src = "assert f(1) == 1\\n### BEGIN HIDDEN TESTS\\nassert f(2) == 4\\n### END HIDDEN TESTS"
>>> print(strip_hidden_source(src))
assert f(1) == 1
# (hidden tests ran here: they are not shown)
>>> hidden_lines(src)
['assert f(2) == 4']
>>> find_leaks("<span>assert</span> f(2) == 4", hidden_lines(src))
['assert f(2) == 4']
"""

from __future__ import annotations

import html as _html
import re
from pathlib import Path

BEGIN = "BEGIN HIDDEN TESTS"
END = "END HIDDEN TESTS"
PLACEHOLDER = "# (hidden tests ran here: they are not shown)"
_MIN_LEAK_CHARS = 6  # shorter lines ("pass", ")") are too common to signal a leak
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _regions(source: str):
    """Yield ``(is_hidden, line)`` for each line; the marker lines count as hidden."""
    hidden = False
    for line in source.splitlines():
        if BEGIN in line:
            hidden = True
            yield True, line
        elif END in line and hidden:
            hidden = False
            yield True, line
        else:
            yield hidden, line


def strip_hidden_source(source: str) -> str:
    """``source`` with each hidden-test region replaced by one placeholder comment."""
    out, inside = [], False
    for hidden, line in _regions(source):
        if hidden and not inside:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + PLACEHOLDER)
        if not hidden:
            out.append(line)
        inside = hidden and END not in line
    return "\n".join(out)


def hidden_lines(source: str) -> list[str]:
    """The meaningful lines inside hidden-test regions (stripped; markers excluded)."""
    return [
        line.strip()
        for hidden, line in _regions(source)
        if hidden and BEGIN not in line and END not in line and len(line.strip()) >= _MIN_LEAK_CHARS
    ]


def hidden_fragments(lines, public: str = "") -> list[str]:
    """``lines`` plus the string literals they contain (an assertion message is a secret too).

    A fragment that also stands in ``public`` (the text learners are shown anyway, such as a
    column name used by a visible check) is no secret, and is left out.
    """
    n = _MIN_LEAK_CHARS
    quoted = re.findall(rf"""(?:"([^"\n]{{{n},}})"|'([^'\n]{{{n},}})')""", "\n".join(lines))
    fragments = set(lines) | {a or b for a, b in quoted}
    shown = re.sub(r"\s+", " ", public)
    return sorted(f for f in fragments if re.sub(r"\s+", " ", f) not in shown)


def hidden_lines_of_notebooks(paths) -> list[str]:
    """Hidden-test lines of every cell of the notebooks at ``paths`` (nbgrader sources)."""
    import nbformat

    lines: list[str] = []
    public: list[str] = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            lines.extend(hidden_lines(cell.source))
            public.append(_without_solutions(strip_hidden_source(cell.source)))
    return hidden_fragments(lines, public="\n".join(public))


def _without_solutions(source: str) -> str:
    """``source`` without its ``### BEGIN SOLUTION`` regions (learners never see those)."""
    return re.sub(r"(?s)### BEGIN SOLUTION.*?### END SOLUTION", "", source)


def _visible_text(text: str) -> str:
    """Text a reader sees: tags and ANSI codes removed, entities decoded, spaces collapsed."""
    text = _ANSI.sub("", re.sub(r"<[^>]+>", "", text))
    return re.sub(r"\s+", " ", _html.unescape(text))


def find_leaks(text: str, lines) -> list[str]:
    """Which of ``lines`` (hidden tests) appear in ``text`` (HTML, notebook JSON or plain)."""
    visible = _visible_text(text)
    leaks = [line for line in lines if re.sub(r"\s+", " ", line) in visible]
    if BEGIN in visible or END in visible:
        leaks.insert(0, BEGIN)
    return leaks


def sanitize_cell(cell) -> bool:
    """Remove hidden tests from one notebook cell in place; True when the cell had any."""
    if cell.get("cell_type") != "code" or BEGIN not in cell.get("source", ""):
        return False
    cell.source, hidden = strip_hidden_source(cell.source), hidden_lines(cell.source)
    secret = hidden_fragments(hidden, public=cell.source)
    kept = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            message = _ANSI.sub("", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
            if find_leaks(message, secret):
                message = f"{output.get('ename', 'Error')}: a hidden test failed"
            output["traceback"] = [message]
            kept.append(output)
            continue
        text = str(output.get("text", "")) + str(output.get("data", ""))
        if not find_leaks(text, secret):
            kept.append(output)
    cell.outputs = kept
    return True


def _preprocessor_class():
    """Build the nbgrader preprocessor lazily, so importing this module stays light."""
    from nbgrader.preprocessors import NbGraderPreprocessor
    from traitlets import List

    class StripHiddenTests(NbGraderPreprocessor):
        """Feedback preprocessor: hidden tests and what they print never reach the HTML."""

        # nbconvert hands this option to every preprocessor of an HTML export
        display_data_priority = List().tag(config=True)

        def preprocess_cell(self, cell, resources, index):
            sanitize_cell(cell)
            return cell, resources

    return StripHiddenTests


def generate_feedback(ws, assignment: str) -> dict:
    """Render HTML feedback for every autograded learner of ``assignment``, hidden tests removed.

    Returns
    -------
    dict
        ``{"written": [paths], "withheld": {path: [leaked lines]}, "warnings": [log lines]}``;
        withheld files were deleted because they still contained hidden-test text.
    """
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from .gradebook import filter_log, make_api, nbgrader_environment

    ws.require_assignment(assignment)
    autograded = sorted((ws.root / "autograded").glob(f"*/{assignment}"))
    if not autograded:
        raise ValueError(
            f"no autograded submissions of {assignment!r}: run `modellab workshop grade "
            f"{assignment}` first."
        )
    pipeline = [_preprocessor_class(), GetGrades, CSSHTMLHeaderPreprocessor]
    with nbgrader_environment():
        api = make_api(ws, **{"GenerateFeedback.preprocessors": pipeline})
        out = api.generate_feedback(assignment, force=True)
    if not out.get("success"):
        raise RuntimeError(
            "nbgrader generate_feedback failed:\n" + "\n".join(filter_log(out.get("log")))
            + "\n" + (out.get("error") or "")
        )
    secret = hidden_lines_of_notebooks((ws.root / "source" / assignment).glob("*.ipynb"))
    written, withheld = [], {}
    for folder in autograded:
        student = folder.parent.name
        for page in sorted((ws.root / "feedback" / student / assignment).glob("*.html")):
            leaks = find_leaks(page.read_text(encoding="utf-8"), secret)
            if leaks:
                page.unlink()
                withheld[str(page)] = leaks
            else:
                written.append(str(page))
    return {"written": written, "withheld": withheld, "warnings": filter_log(out.get("log"))}


def feedback_files(ws, assignment: str) -> list[Path]:
    """The feedback HTML files of ``assignment`` (one per learner and notebook)."""
    return sorted((ws.root / "feedback").glob(f"*/{assignment}/*.html"))

"""Feedback pages are built from what a learner may see (issue 12, item 5).

Fast checks without grading: the real exercises' instructor notebooks stand for the worst
graded run (every hidden test and solution in its cells, and printed in plain, base64 and hex
in its outputs); the page built from them must hold none of it. The end-to-end class (real
nbgrader grading) is in tests/test_workshop.py; the real ex01 class, every kind of learner, in
tests/test_workshop_acceptance.py.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from learner_notebooks import assert_clean, secret_lines

from modellab.course import feedback
from modellab.course.gradebook import REPO_ROOT

EXERCISES = sorted(p.name for p in (REPO_ROOT / "solutions").iterdir() if p.is_dir())


def _parts(nb) -> dict:
    parts = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            gid = meta["grade_id"]
            parts[gid] = {"part": gid, "kind": "auto" if cell.cell_type == "code" else "manual",
                          "score": 0.0, "max_score": float(meta.get("points", 0)), "state": "scored"}
    return parts


@pytest.mark.parametrize("name", EXERCISES)
def test_worst_case_graded_run_of_a_real_exercise_leaks_nothing(name):
    source_path = REPO_ROOT / "solutions" / name / f"{name}.ipynb"
    released_path = REPO_ROOT / "exercises" / name / f"{name}.ipynb"
    source = nbformat.read(source_path, as_version=4)
    released = nbformat.read(released_path, as_version=4)
    hidden, solutions = secret_lines(source_path)
    public = "\n".join(c.source for c in released.cells)
    secrets = [s for s in hidden + solutions if s not in public]
    assert hidden, f"{name} has no hidden tests to protect"
    # the graded run: instructor cells, and every cell printing the secrets three ways (what a
    # learner would print if the hidden tests and solutions were within reach)
    graded = nbformat.read(source_path, as_version=4)
    index = feedback.secret_index([source_path], [released_path])
    # hints of the trusted tests are written for learners (course/AUTHORING.md): not secrets
    real = [s for s in secrets if feedback.find_secrets(s, index)]
    assert real, f"{name}: the secret index finds none of the hidden tests' lines"
    leaked = "\n".join(sorted(real, key=len, reverse=True))
    blob = leaked.encode()
    longest = max(real, key=len)
    for cell in graded.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=leaked[:5000]),
                nbformat.v4.new_output("stream", name="stdout",
                                       text=base64.b64encode(blob[:6000]).decode()),
                nbformat.v4.new_output("display_data", data={"text/plain": blob[:3000].hex()}),
                nbformat.v4.new_output("error", ename="AssertionError", evalue=longest,
                                       traceback=[longest]),
            ]
    # the learner handed in the release untouched (nothing of theirs to exclude)
    nb, removed = feedback.learner_notebook(released, released, graded, _parts(source), index,
                                            header="# Feedback")
    page = feedback.render_html(nb)
    assert removed > 0
    assert_clean(page, real, f"{name} feedback")
    assert feedback.find_secrets(page, index, html=True) == []
    # what the learner may see is there: the released check cells
    checks = [c.source for c in released.cells
              if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    visible = feedback._visible_text(page)
    for check in checks:
        first = next((line for line in check.splitlines() if len(line.strip()) > 20), None)
        if first:
            assert re.sub(r"\s+", " ", first.strip()) in visible


def test_a_learners_own_line_is_shown_back_not_withheld():
    released = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {
            "grade_id": "answer", "solution": True, "grade": False, "locked": False}}),
        nbformat.v4.new_code_cell("assert x > 0", metadata={"nbgrader": {
            "grade_id": "check", "solution": False, "grade": True, "locked": True, "points": 1}}),
    ])
    hidden = "best = cheapest(table, cost_fn=COST_FN)"
    index = feedback.SecretIndex([hidden], public="\n".join(c.source for c in released.cells))
    submitted = nbformat.from_dict(nbformat.v4.new_notebook(cells=[c.copy() for c in released.cells]))
    submitted.cells[0].source = "x = cheapest(table, cost_fn=COST_FN)"
    submitted.cells[1].source = "pass  # the learner weakened the check"
    graded = nbformat.from_dict(submitted)
    graded.cells[1].outputs = [nbformat.v4.new_output("error", ename="AssertionError",
                                                      evalue=f"failed: {hidden}", traceback=["..."])]
    parts = {"check": {"part": "check", "kind": "auto", "score": 0.0, "max_score": 1.0,
                       "state": "scored"}}
    mine = index.without("\n".join(c.source for c in submitted.cells))
    nb, _ = feedback.learner_notebook(released, submitted, graded, parts, mine, header="# F")
    page = feedback.render_html(nb)
    text = feedback._visible_text(page)
    assert "cost_fn=COST_FN)" in text                       # their own line, shown back
    assert "assert x > 0" in text and "weakened" not in text  # the released check, not theirs
    assert "best = cheapest" not in text and "check: 0 / 1" in text
    assert "a hidden test failed" in text
    assert feedback.find_secrets(page, mine, html=True) == []


def test_missing_check_cell_is_put_back_and_manual_part_says_not_marked():
    meta = {"grade_id": "written", "solution": True, "grade": True, "locked": False, "points": 2}
    released = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("YOUR ANSWER HERE", metadata={"nbgrader": meta}),
        nbformat.v4.new_code_cell("assert ok", metadata={"nbgrader": {
            "grade_id": "check", "solution": False, "grade": True, "locked": True, "points": 1}}),
    ])
    submitted = nbformat.v4.new_notebook(cells=[released.cells[0].copy()])
    submitted.cells[0].source = "Monitoring catches decay."
    parts = {"written": {"part": "written", "kind": "manual", "score": None, "max_score": 2.0,
                         "state": "not marked"},
             "check": {"part": "check", "kind": "auto", "score": 1.0, "max_score": 1.0,
                       "state": "scored"}}
    nb, _ = feedback.learner_notebook(released, submitted, None, parts, [], header="# F")
    text = feedback._visible_text(feedback.render_html(nb))
    assert "written: not marked yet (out of 2)" in text and "written: 0" not in text
    assert "missing from your notebook" in text and "check: 1 / 1" in text


def test_outputs_are_cut_and_scripts_dropped():
    big = "x" * (feedback.MAX_OUTPUT_CHARS + 500)
    outs = [nbformat.v4.new_output("stream", name="stdout", text=big),
            nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
            nbformat.v4.new_output("error", ename="ValueError", evalue="bad",
                                   traceback=["Traceback", "  line 3 in secret_helper()"])]
    kept, removed = feedback.safe_outputs(outs, [])
    assert removed == 0 and len(kept) == 2
    assert len(kept[0]["text"]) == feedback.MAX_OUTPUT_CHARS
    assert kept[1]["traceback"] == ["ValueError: bad"]


_secret_text = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=12, max_size=60)


@given(secret=_secret_text, before=st.text(max_size=30), after=st.text(max_size=30),
       encoding=st.sampled_from(["plain", "b64", "urlsafe", "hex", "HEX", "b64-lines"]))
@settings(max_examples=150, deadline=None)
def test_a_secret_is_found_in_every_encoding_checked(secret, before, after, encoding):
    data = (before + secret + after).encode()
    text = {
        "plain": before + secret + after,
        "b64": base64.b64encode(data).decode(),
        "urlsafe": base64.urlsafe_b64encode(data).decode(),
        "hex": data.hex(),
        "HEX": data.hex().upper(),
        "b64-lines": base64.encodebytes(data).decode(),  # wrapped at 76 characters
    }[encoding]
    assert feedback.find_secrets(f"output: {text} done", [secret]) == [secret]
    # a secret that learners see anyway is no secret
    assert feedback.SecretIndex([secret], public=f"handout {secret}").find(text) == []


@given(secret=_secret_text, cut=st.integers(0, 40))
@settings(max_examples=100, deadline=None)
def test_part_of_a_secret_is_found(secret, cut):
    piece = secret[cut % max(1, len(secret) - feedback.GRAM + 1):][: feedback.GRAM]
    assert feedback.find_secrets(f"-> {piece} <-", [secret]) == [secret]


def test_trusted_test_messages_are_for_learners_their_code_is_secret(tmp_path):
    def notebook(path: Path, source: str) -> Path:
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), path)
        return path

    src = notebook(tmp_path / "src.ipynb", (
        "check(x)\n### BEGIN HIDDEN TESTS (trusted)\n"
        "expect_close(learner.value('x'), 2, 'x on another week')\n### END HIDDEN TESTS\n"))
    rel = notebook(tmp_path / "rel.ipynb", "check(x)\n")
    trusted = feedback.secret_index([src], [rel])
    # the learner-facing message may be shown; the test's code may not
    assert trusted.find("Failed: x on another week") == []
    assert trusted.find("it calls expect_close(learner.value(") != []

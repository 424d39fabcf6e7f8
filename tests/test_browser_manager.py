"""ex12, the manager's assessment, answered in a real JupyterLab the way a manager answers it.

The released copy is opened in headless Chromium; each answer is ticked by editing its
markdown cell (double-click, put an ``x`` between the brackets of the chosen option, render),
the notebook is saved from the browser, and the saved file is graded by ``modellab workshop
grade`` as in tests/test_manager_assessment.py. No code cell is touched or run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyterlab_driver import (
    PANEL,
    ROOT,
    LabServer,
    chromium_page,
    open_notebook,
    require_chromium,
    screenshot,
)
from playwright.sync_api import expect

from modellab.course import gradebook, results
from modellab.course.judge import ticked_letters
from modellab.course.workshop import release
from modellab.lab import configure_lab

require_chromium()

NAME = "ex12_manager_assessment"
_CHOICE = re.compile(r'expect_choice\(learner\.ticked\("(\w+)"\), "([a-z])"')


def _key() -> dict[str, str]:
    """{answer name: right letter}, read from the trusted tests of the solution notebook."""
    nb = nbformat.read(ROOT / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    return dict(_CHOICE.findall("\n".join(c.source for c in nb.cells if c.cell_type == "code")))


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ex12-browser")
    shutil.copytree(ROOT / "solutions" / NAME, tmp / "source" / NAME)
    ws = gradebook.init_workshop(tmp / "class", source=tmp / "source", timeout=60)
    release(ws)
    return ws


def _tick_in_the_browser(page, cell, letter: str) -> None:
    """Double-click the rendered answer, put an x in the box of ``letter``, render the cell."""
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-RenderedMarkdown").dblclick()
    line = cell.locator(".cm-line", has_text=f"**{letter})**")
    line.wait_for(timeout=30_000)
    assert "[ ]" in line.text_content(), line.text_content()
    line.click(position={"x": 1, "y": 5})  # the start of the option's line
    page.keyboard.press("Home")
    for _ in range(3):  # past "- ["
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")  # the space inside the brackets
    page.keyboard.type("x")
    page.keyboard.press("Control+Enter")  # render the markdown cell
    cell.locator(".jp-RenderedMarkdown").wait_for(timeout=30_000)


def test_a_manager_ticks_the_answers_in_jupyterlab_and_gets_full_marks(workshop, tmp_path):
    released = workshop.root / "release" / NAME / f"{NAME}.ipynb"
    root = tmp_path / "lab"
    (root / NAME).mkdir(parents=True)
    shutil.copy(released, root / NAME / f"{NAME}.ipynb")  # a copy: the browser saves into it
    nb = nbformat.read(released, as_version=4)
    answers = {
        c.metadata["answer"]: i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown" and "answer" in c.metadata
    }
    key = _key()
    assert set(answers) == set(key) and len(key) >= 10

    setup = configure_lab("learner", prefix=tmp_path / "learner-env")
    lab = LabServer(root, tmp_path / "lab-state", page_config=setup["page_config"])
    try:
        with chromium_page() as page:
            open_notebook(page, lab, f"{NAME}/{NAME}.ipynb")
            cells = page.locator(f"{PANEL} .jp-Notebook .jp-Cell")
            # JupyterLab attaches a long notebook's cells a few at a time after it opens:
            # wait until every cell is there (a count taken at once depends on the timing)
            expect(cells).to_have_count(len(nb.cells), timeout=30_000)
            for name, index in answers.items():
                cell = cells.nth(index)
                _tick_in_the_browser(page, cell, key[name])
                # rendered again: one ticked box, the chosen option's
                boxes = cell.locator(".jp-RenderedMarkdown input[type=checkbox]")
                assert boxes.count() == 4, name
                checked = [i for i in range(4) if boxes.nth(i).is_checked()]
                assert checked == ["abcd".index(key[name])], (name, checked)
            screenshot(page, "6_manager_ticked")
            page.keyboard.press("Escape")
            page.keyboard.press("Control+s")
            # saved: the notebook's tab loses its unsaved-changes mark
            page.wait_for_function(
                "() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
                timeout=30_000,
            )
            assert page.console_errors == [], page.console_errors
    finally:
        lab.stop()

    saved = nbformat.read(root / NAME / f"{NAME}.ipynb", as_version=4)
    by_id = {c.id: c for c in saved.cells}
    for name, index in answers.items():
        cell = by_id[nb.cells[index].id]  # the answer cell kept its id through the browser
        assert cell.cell_type == "markdown" and ticked_letters(cell.source) == (key[name],), name
    # no code cell was edited: the manager only ticked boxes
    assert [c.source for c in saved.cells if c.cell_type == "code"] == [
        c.source for c in nb.cells if c.cell_type == "code"
    ]

    submitted = workshop.root / "submitted" / "manager" / NAME
    submitted.mkdir(parents=True)
    shutil.copy(root / NAME / f"{NAME}.ipynb", submitted / f"{NAME}.ipynb")
    exe = Path(sys.executable).parent / "modellab"
    run = subprocess.run(
        [
            str(exe),
            "workshop",
            "grade",
            NAME,
            "--dir",
            str(workshop.root),
            "--jobs",
            "1",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    grades = results.grades_frame(workshop).set_index("student")
    assert float(grades.loc["manager", "score"]) == len(key), run.stdout[-3000:]
    assert float(grades.loc["manager", "max_score"]) == len(key)

"""The learner's real experience: the course in JupyterLab, in headless Chromium.

One JupyterLab server (a fixture) serves a copy of the course; Playwright drives Debian's
chromium. Screenshots of each step go to artifacts/browser/ (git-ignored).
"""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest
from jupyterlab_driver import (
    PANEL,
    ROOT,
    LabServer,
    chromium_page,
    click_menu,
    error_outputs,
    menu_items,
    open_notebook,
    require_chromium,
    run_all,
    screenshot,
    wait_kernel_idle,
    wait_until_run,
)

from modellab.lab import configure_lab

require_chromium()

WIDGET_LESSON = "02_performance_metrics.ipynb"
EXERCISE = "ex01_metrics"
ANSWER_ID = "a2-answer"  # filled in through the browser, then its check cell is run


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    # a copy: running in the browser autosaves outputs, which must never reach the repo
    shutil.copytree(ROOT / "notebooks", root, dirs_exist_ok=True)
    shutil.copytree(ROOT / "exercises" / EXERCISE, root / EXERCISE)
    # the learner set-up `make lab` writes (nbgrader's instructor tools hidden)
    setup = configure_lab("learner", prefix=tmp_path_factory.mktemp("learner-env"))
    server = LabServer(root, tmp_path_factory.mktemp("lab-state"), page_config=setup["page_config"])
    yield server
    server.stop()


@pytest.fixture
def page(lab):
    with chromium_page() as p:
        yield p


def test_welcome_notebook_runs_without_errors(lab, page):
    open_notebook(page, lab, "00_welcome.ipynb")
    run_all(page, lab)
    screenshot(page, "1_welcome")
    assert error_outputs(page) == []
    prompts = page.locator(f"{PANEL} .jp-CodeCell .jp-InputPrompt").all_text_contents()
    assert prompts and all(re.fullmatch(r"\[\d+\]:", p.strip()) for p in prompts), prompts
    # the environment doctor, run from the notebook, finds nothing wrong
    assert "All checks passed" in page.locator(PANEL).text_content()


def test_learners_see_no_instructor_tools_and_instructors_do(lab, page, tmp_path):
    open_notebook(page, lab, "00_welcome.ipynb")
    # no nbgrader exchange here (no JupyterHub course): no Nbgrader menu, whose Assignment List
    # could only say "Error fetching courses!", and no instructor tools; Validate stays
    page.locator(".lm-MenuBar-itemLabel", has_text="Help").first.wait_for()
    assert page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").count() == 0
    assert page.locator(f"{PANEL} .jp-Toolbar").get_by_text("Validate", exact=True).count() == 1
    screenshot(page, "0_learner_menu")

    setup = configure_lab("instructor", prefix=tmp_path / "instructor-env")
    instructor_lab = LabServer(lab.root_dir, tmp_path / "instructor-state", page_config=setup["page_config"])
    try:
        open_notebook(page, instructor_lab, "00_welcome.ipynb")
        instructor = menu_items(page, "Nbgrader")
        assert {"Formgrader", "Course List", "Assignment List"} <= set(instructor), instructor
        screenshot(page, "0_instructor_menu")
    finally:
        instructor_lab.stop()


def _shown_threshold(explorer) -> float:
    """The threshold the kernel last wrote into the explorer's summary line."""
    line = explorer.get_by_text(re.compile(r"^Threshold [\d.]+:")).first
    line.wait_for(timeout=30_000)
    return float(re.match(r"Threshold ([\d.]+):", line.text_content()).group(1))


def test_widget_responds_to_the_slider(lab, page):
    open_notebook(page, lab, WIDGET_LESSON)
    run_all(page, lab)
    assert error_outputs(page) == []
    # the lesson's threshold explorer: a slider, and a summary line the kernel rewrites
    slider = page.locator(f"{PANEL} .widget-slider").last
    slider.scroll_into_view_if_needed()
    readout = slider.locator(".widget-readout")
    explorer = slider.locator("xpath=ancestor::div[contains(@class,'widget-vbox')][last()]")
    start = float(readout.text_content())
    assert _shown_threshold(explorer) == pytest.approx(start, abs=0.005)
    screenshot(page, "2_widget_before")
    slider.locator(".noUi-handle, .ui-slider-handle").first.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    moved = float(readout.text_content())
    assert moved > start, (start, moved)
    # the kernel recomputed the explorer for the new threshold: a real round trip
    page.wait_for_function(
        """([el, want]) => {
            const m = el.innerText.match(/Threshold ([\\d.]+):/);
            return m !== null && Math.abs(parseFloat(m[1]) - want) < 0.005;
        }""",
        arg=[explorer.element_handle(), moved], timeout=30_000,
    )
    wait_kernel_idle(page, lab)
    screenshot(page, "2_widget_after")
    assert _shown_threshold(explorer) == pytest.approx(moved, abs=0.005)


def _solution_source(grade_id: str) -> str:
    nb = nbformat.read(ROOT / "solutions" / EXERCISE / f"{EXERCISE}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(line for line in cell.source.splitlines() if "SOLUTION" not in line)


def _cell_index(grade_id: str) -> int:
    nb = nbformat.read(ROOT / "exercises" / EXERCISE / f"{EXERCISE}.ipynb", as_version=4)
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_exercise_check_passes_and_validate_reports(lab, page):
    open_notebook(page, lab, f"{EXERCISE}/{EXERCISE}.ipynb")
    index = _cell_index(ANSWER_ID)
    cells = page.locator(f"{PANEL} .jp-Notebook .jp-Cell")
    answer, check = cells.nth(index), cells.nth(index + 1)
    # Run All on the fresh copy goes on to the end (run_all times out if a cell stops it)
    run_all(page, lab)
    last = page.locator(f"{PANEL} .jp-Notebook .jp-CodeCell").last  # the last check (Q3)
    last.scroll_into_view_if_needed()
    assert "⏳" in last.text_content() and "Error" not in last.text_content()
    answer.scroll_into_view_if_needed()
    assert "Error" not in answer.text_content()  # the untouched answer (accuracy_model = ...) runs
    assert "⏳" in check.text_content() and "not answered yet" in check.text_content()
    # answer through the editor, as a learner would, and run the answer and its check
    answer.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(_solution_source(ANSWER_ID))
    page.keyboard.press("Shift+Enter")  # run the answer, move to its check cell
    wait_until_run(page, lab)
    page.keyboard.press("Shift+Enter")  # run the check
    wait_until_run(page, lab)
    check.scroll_into_view_if_needed()
    screenshot(page, "3_exercise_check")
    text = check.text_content()
    assert "✅" in text and "not answered" not in text, text

    page.locator(f"{PANEL} .jp-Toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('.jp-Dialog')?.innerText.includes('Validating...')",
        timeout=180_000,
    )
    screenshot(page, "3_exercise_validate")
    result = dialog.inner_text()
    assert "Validation Results" in result or "Validation failed" in result or "failed" in result.lower(), result


def _type_into(page, cell, code: str) -> None:
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def test_a_failing_check_shows_its_hint_first_and_validate_shows_it_without_scrolling(lab, page):
    open_notebook(page, lab, f"{EXERCISE}/{EXERCISE}.ipynb")
    cells = page.locator(f"{PANEL} .jp-Notebook .jp-Cell")
    first, wrong = _cell_index("a1-answer"), _cell_index(ANSWER_ID)
    cells.nth(first).scroll_into_view_if_needed()
    cells.nth(first).locator(".jp-InputPrompt").click()
    click_menu(page, "Run", "Run All Above Selected Cell")
    wait_until_run(page, lab)
    # A1 right (so the first failure Validate reports is ours), A2 with a classic mistake:
    # specificity instead of accuracy
    _type_into(page, cells.nth(first), _solution_source("a1-answer"))
    page.keyboard.press("Shift+Enter")
    wait_until_run(page, lab)
    page.keyboard.press("Shift+Enter")
    wait_until_run(page, lab)
    answer, check = cells.nth(wrong), cells.nth(wrong + 1)
    answer.scroll_into_view_if_needed()
    _type_into(page, answer, "accuracy_model = tn / (tn + fp)\n"
                             "accuracy_never = (tn + fp) / (tn + fp + fn + tp)")
    page.keyboard.press("Shift+Enter")
    wait_until_run(page, lab)
    page.keyboard.press("Shift+Enter")
    wait_until_run(page, lab)
    check.scroll_into_view_if_needed()
    screenshot(page, "5_failing_check")
    output = check.locator(".jp-OutputArea-output").first.text_content()
    lines = [line for line in output.splitlines() if line.strip()]
    assert any("specificity" in line for line in lines[:3]), lines[:6]
    assert "Traceback" not in output and "checks.py" not in output, output

    page.locator(f"{PANEL} .jp-Toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('.jp-Dialog')?.innerText.includes('Validating...')",
        timeout=180_000,
    )
    screenshot(page, "5_failing_validate")
    # the hint is on screen in the dialog as it opens: inside the visible part of its body
    visible = page.evaluate("""() => {
        const body = document.querySelector('.jp-Dialog-body');
        const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            const at = node.textContent.indexOf('specificity');
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + 'specificity'.length);
                const r = range.getBoundingClientRect(), b = body.getBoundingClientRect();
                return {found: true, inside: r.top >= b.top && r.bottom <= b.bottom,
                        scrolled: body.scrollTop, top: r.top, bottom: b.bottom};
            }
        }
        return {found: false};
    }""")
    assert visible["found"] and visible["inside"] and visible["scrolled"] == 0, visible


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    from modellab.monitor import Monitor
    from modellab.report import render
    from modellab.scenarios import make

    scenario = make("covariate_shift_sudden", seed=0, n_reference=2000, n_batches=10, batch_size=800)
    result = Monitor(scenario.reference, threshold=scenario.threshold).run(scenario.production)
    path = render(result, tmp_path_factory.mktemp("report") / "report.html",
                  model_name="the credit-risk model")
    return scenario, path


def test_report_renders_offline_with_its_summary_and_figures(report_file, page):
    scenario, path = report_file
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    screenshot(page, "4_report")
    assert page.title().startswith("Model monitoring report")
    text = page.locator("body").inner_text()
    onset = int(scenario.truth["start_batch"].min())
    assert f"batch {onset}" in text.lower()
    drifted = {f for features in scenario.truth["features"] for f in features}
    assert any(f in text for f in drifted), drifted
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.naturalWidth])"
    )
    assert len(images) >= 2 and all(ok for ok, _ in images), images
    assert page.console_errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []

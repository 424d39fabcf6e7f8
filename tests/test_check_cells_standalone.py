"""Every check cell of every exercise stands on its own, in a real kernel.

Learners restart kernels and run cells out of order. A check cell must then say ⏳ (what to run
first) or ✅, never show a traceback, and never wait on a cell the learner does not need to
run: the check cell of an *earlier* part. Three situations, on the learner copy of each
exercise built as ``modellab build`` builds it:

* only the set-up cell ran, then one check cell (answers not written yet): ⏳, naming an
  answer or a name of the notebook, never a helper of ``modellab.checks`` (a helper only an
  earlier check cell imports would say ``⏳ `check_true` is not defined yet``);
* nothing ran (kernel restarted, notebook reopened), then one check cell: ⏳ rather than an
  IPython ``NameError`` traceback, so the check cell installs the ⏳ handler itself (imports
  ``modellab.checks``). For the exercises whose check cells were written to do so;
* set-up, every locked cell and the solution's answers ran, but no check cell except this one
  (the learner skipped the earlier parts' checks): ✅ on every line.

Each check cell runs in the namespace the earlier cells left (restored after it runs, so no
check cell sees what another defined); "nothing ran" restarts the kernel for each check cell.
"""

from __future__ import annotations

import copy
import queue
import re
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager

import modellab.checks
from modellab.course import build

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = sorted(build.exercise_sources(ROOT))
# Exercises whose every check cell imports what it uses from modellab (checks or course.judge).
FRESH_KERNEL = ["ex04_monitoring", "ex05_reporting", "ex06_capstone", "ex07_data_analysis", "ex08_scale",
                "ex11_monitoring_plan", "ex12_manager_assessment"]
# What a ⏳ line must never name: the check helpers, which the check cell imports itself.
HELPERS = {name for name, value in vars(modellab.checks).items() if not name.startswith("_")
           and getattr(value, "__module__", None) == "modellab.checks"} | {"check_ticked"}

# Save the namespace, and put it back: a check cell then leaves nothing for the next one.
_ISOLATE = '''
import sys as _sys, types as _types
_m = _types.ModuleType("_standalone_isolation")
exec("""
from IPython import get_ipython
saved = {}
def snapshot():
    saved.clear(); saved.update(get_ipython().user_ns)
def restore():
    ns = get_ipython().user_ns
    for name in [n for n in ns if n not in saved]:
        del ns[name]
    ns.update(saved)
""", _m.__dict__)
_sys.modules["_standalone_isolation"] = _m
del _sys, _types, _m
'''
SNAPSHOT = "__import__('_standalone_isolation').snapshot()"
RESTORE = "__import__('_standalone_isolation').restore()"


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _is_check(cell) -> bool:
    return cell.cell_type == "code" and _meta(cell).get("grade") and not _meta(cell).get("solution")


def _is_answer(cell) -> bool:
    return (cell.cell_type == "code" and _meta(cell).get("solution")) or (
        cell.cell_type == "markdown" and "answer" in cell.metadata and not _meta(cell))


def _notebooks(name):
    """The learner copy, and the learner copy with the solution's answers written in."""
    solution = build.render_solution(build.exercise_sources(ROOT)[name])
    learner = build.render_exercises({name: solution}, ROOT / "course" / "nbgrader_config.py")[name]
    learner, solution = nbformat.reads(learner, as_version=4), nbformat.reads(solution, as_version=4)
    answers = {c.get("id"): c.source for c in solution.cells if _is_answer(c)}
    filled = copy.deepcopy(learner)
    for cell in filled.cells:
        if _is_answer(cell):
            cell.source = answers[cell.get("id")]
    assert any(_is_answer(c) for c in filled.cells) and any(_is_check(c) for c in filled.cells)
    return learner, filled


class _Kernel:
    """A python3 kernel in ``folder`` (where the learner's notebook is saved)."""

    def __init__(self, folder: Path):
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(folder))
        self._connect()

    def _connect(self):
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def restart(self):
        self.kc.stop_channels()
        self.km.restart_kernel(now=True)
        self._connect()

    def run(self, source: str, timeout: float = 600) -> list[dict]:
        """Run a cell; its outputs as nbformat-like dicts (streams merged in order)."""
        outputs = []

        def keep(msg):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
            elif kind == "error":
                outputs.append({"output_type": "error", "ename": content["ename"],
                                "traceback": content["traceback"]})
            elif kind in ("execute_result", "display_data"):
                outputs.append({"output_type": kind, "data": content["data"]})

        try:
            self.kc.execute_interactive(source, output_hook=keep, timeout=timeout, allow_stdin=False)
        except (TimeoutError, queue.Empty):  # pragma: no cover - a hang is a failure
            pytest.fail(f"cell did not finish within {timeout} s:\n{source[:300]}")
        return outputs

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _printed(outputs) -> str:
    return "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout")


def _describe(cell, outputs) -> str:
    text = []
    for o in outputs:
        if o["output_type"] == "error":
            text.append(f"[{o['ename']}] " + re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(o["traceback"])))
        elif o["output_type"] == "stream":
            text.append(o["text"])
        else:
            text.append(str(o["data"].get("text/plain", "<rich output>")))
    return f"{_meta(cell).get('grade_id', '(cell)')}:\n" + "".join(text)[-1500:]


def _assert_waiting(cell, outputs):
    """⏳ (after any ✅), no traceback, and the ⏳ never names a check helper."""
    where = _describe(cell, outputs)
    assert not [o for o in outputs if o["output_type"] == "error"], where
    lines = [line for line in _printed(outputs).splitlines() if line.strip()]
    assert lines and lines[-1].startswith("⏳"), where
    assert all(line.startswith(("✅", "⏳", "   ")) for line in lines), where
    named = set(re.findall(r"`([^`]+)`", lines[-1]))
    assert not named & HELPERS, where


def _assert_passed(cell, outputs):
    where = _describe(cell, outputs)
    assert not [o for o in outputs if o["output_type"] == "error"], where
    lines = _printed(outputs).splitlines()
    assert any(line.startswith("✅") for line in lines), where
    assert not any(line.lstrip().startswith(("⏳", "❌")) for line in lines), where


@pytest.fixture
def kernel(tmp_path):
    started = []

    def start(nb, name):
        nbformat.write(nb, tmp_path / f"{name}.ipynb")  # the saved notebook (check_ticked reads it)
        started.append(_Kernel(tmp_path))
        return started[-1]

    yield start
    for k in started:
        k.close()


@pytest.mark.parametrize("name", EXERCISES)
def test_each_check_cell_after_only_the_set_up_cell_says_waiting(name, kernel):
    learner, _ = _notebooks(name)
    k = kernel(learner, name)
    assert k.run(_ISOLATE) == []
    setup = [c for c in learner.cells if c.cell_type == "code" and _meta(c).get("grade_id") == "setup"]
    assert len(setup) == 1
    outputs = k.run(setup[0].source)
    assert not [o for o in outputs if o["output_type"] == "error"], _describe(setup[0], outputs)
    k.run(SNAPSHOT)
    for cell in filter(_is_check, learner.cells):
        _assert_waiting(cell, k.run(cell.source))
        k.run(RESTORE)


@pytest.mark.parametrize("name", FRESH_KERNEL)
def test_each_check_cell_alone_in_a_fresh_kernel_says_waiting(name, kernel):
    learner, _ = _notebooks(name)
    k = kernel(learner, name)
    for number, cell in enumerate(filter(_is_check, learner.cells)):
        if number:
            k.restart()
        _assert_waiting(cell, k.run(cell.source))


def test_a_ticked_and_saved_answer_is_seen_by_its_check_cell_alone_in_a_fresh_kernel(kernel):
    """The manager ticks a box, saves, reopens the notebook and runs only that check cell."""
    learner, filled = _notebooks("ex12_manager_assessment")
    k = kernel(filled, "ex12_manager_assessment")
    checks = list(filter(_is_check, learner.cells))
    for number, cell in enumerate(checks[:2]):
        if number:
            k.restart()
        outputs = k.run(cell.source)
        _assert_passed(cell, outputs)
        assert "is saved" in _printed(outputs)


@pytest.mark.parametrize("name", EXERCISES)
def test_each_check_cell_passes_on_the_solution_without_the_earlier_check_cells(name, kernel):
    """Set-up, locked cells and answers run in order; each check cell runs alone after them."""
    _, filled = _notebooks(name)
    k = kernel(filled, name)
    assert k.run(_ISOLATE) == []
    checked = 0
    for cell in filled.cells:
        if cell.cell_type != "code":
            continue
        if _is_check(cell):
            k.run(SNAPSHOT)
            _assert_passed(cell, k.run(cell.source))
            k.run(RESTORE)
            checked += 1
        else:
            outputs = k.run(cell.source)
            assert not [o for o in outputs if o["output_type"] == "error"], _describe(cell, outputs)
    assert checked

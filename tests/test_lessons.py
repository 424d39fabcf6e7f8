"""Every lesson notebook runs top to bottom in a fresh kernel, without errors or warnings of ours.

Parametrised over ``notebooks/*.ipynb``, so new lessons are picked up automatically. The
time each notebook takes is printed in a table at the end of the session (not asserted).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# "path/to/file.py:12: FutureWarning: ..." as printed by the warnings module. Ours: the
# modellab package (not an installed copy inside a venv) or the notebook's own cells.
WARNING_LINE = re.compile(r"^(?P<file>\S.*?):\d+: (?P<category>\w*Warning): (?P<message>.*)$", re.M)


def is_ours(filename: str) -> bool:
    posix = filename.replace("\\", "/")
    in_package = "/modellab/" in posix and "site-packages" not in posix
    in_cell = "ipykernel_" in posix or posix.startswith("<ipython-input")
    return in_package or in_cell


class _Timings:
    """A plugin registered at run time: prints one row per executed notebook."""

    def __init__(self):
        self.rows: list[tuple[str, float, int]] = []

    def pytest_terminal_summary(self, terminalreporter):
        if not self.rows:
            return
        terminalreporter.section("lesson notebooks: execution time")
        for name, seconds, cells in sorted(self.rows):
            terminalreporter.write_line(f"{name:<40} {seconds:6.1f} s   {cells:3d} code cells")
        total = sum(r[1] for r in self.rows)
        terminalreporter.write_line(f"{'total':<40} {total:6.1f} s")


@pytest.fixture(scope="session")
def timings(request) -> _Timings:
    plugin = _Timings()
    request.config.pluginmanager.register(plugin, "modellab-lesson-timings")
    return plugin


def execute(path: Path) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},  # cwd = notebooks/
    )
    start = time.perf_counter()
    # Show every warning once (not only those Python shows by default), so ours are seen.
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # drop the traceback's colour codes
        pytest.fail(f"{path.name} raised an error:\n{plain}", pytrace=False)
    return nb, time.perf_counter() - start


def test_there_are_lesson_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no lesson notebooks: run `modellab build`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_runs_clean(path: Path, timings: _Timings):
    nb, seconds = execute(path)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    timings.rows.append((path.stem, seconds, len(code_cells)))

    problems = []
    for index, cell in enumerate(code_cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"code cell {index}: {output.get('ename')}: {output.get('evalue')}")
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                for m in WARNING_LINE.finditer(output.get("text", "")):
                    if is_ours(m["file"]):
                        problems.append(f"code cell {index}: {m['category']} from {m['file']}: "
                                        f"{m['message']}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_warning_filter_recognises_our_code():
    sample = (
        "/work/main/modellab/drift.py:10: FutureWarning: old\n"
        "/tmp/ipykernel_123/456.py:2: UserWarning: cell\n"
        "/x/.venv/lib/python3.11/site-packages/pandas/core/frame.py:5: DeprecationWarning: theirs\n"
    )
    found = [m["file"] for m in WARNING_LINE.finditer(sample) if is_ours(m["file"])]
    assert found == ["/work/main/modellab/drift.py", "/tmp/ipykernel_123/456.py"]

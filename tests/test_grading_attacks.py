"""Attacks on grading found after the acceptance class (tests/test_workshop_acceptance.py).

Each test is one learner trick that once worked, reduced to its smallest form, asserting the
safe behaviour. The learner controls everything its kernel sends back (it can replace
``modellab.course.kernelside`` inside its kernel), so replies are written here by hand.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

# a reply naming a field "__array_interface__" pointing at address 4096 of the grader
_ARRAY_INTERFACE_REPLY = {
    "__object__": "X",
    "repr": "X()",
    "attrs": {
        "__array_interface__": {
            "__dict__": [
                ["shape", {"__tuple__": [3]}],
                ["typestr", "<f8"],
                ["data", {"__tuple__": [4096, True]}],
                ["version", 3],
            ]
        }
    },
}


def test_a_reply_object_cannot_hand_numpy_a_memory_address():
    # numpy looks __array_interface__ up on the instance: it read (and crashed on) any address
    # the learner named, killing the grading worker and, with it, every learner queued there
    code = textwrap.dedent(f"""
        from modellab.course.judge import TestFailed, expect_close
        from modellab.course.kernelside import decode
        obj = decode({_ARRAY_INTERFACE_REPLY!r}, None)
        assert not hasattr(obj, "__array_interface__")
        try:
            expect_close(obj, [0.5, 0.25, 1 / 3], "precision_recall_f1")
        except TestFailed as exc:
            print("REFUSED:", exc)
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    assert "REFUSED: precision_recall_f1 should be a number" in run.stdout


def _dies_for_mallory(job: dict) -> dict:
    """A stand-in for grading one learner: mallory's notebook kills its worker."""
    import os

    if job["student"] == "mallory":
        os._exit(139)  # what a segfault or the OOM killer does to the worker
    return {"success": True, "student": job["student"]}


def test_a_worker_killed_by_one_learner_does_not_fail_the_others(tmp_path):
    # a worker's death broke the whole process pool: every learner still queued in it failed
    from modellab.course import grading

    job = {"assignment": "ex01_metrics"}
    outcomes = dict(
        grading._run_workers(
            grading._worker_context(),
            job,
            ["aaa", "mallory", "zzz"],
            1,
            False,
            tmp_path,
            target=_dies_for_mallory,
        )
    )
    assert sorted(outcomes) == ["aaa", "mallory", "zzz"]
    assert outcomes["aaa"] == {"success": True, "student": "aaa"}
    assert outcomes["zzz"] == {"success": True, "student": "zzz"}
    assert not outcomes["mallory"]["success"]
    assert "the process grading this notebook died" in outcomes["mallory"]["error"]


def test_a_frame_reply_cannot_make_the_grader_read_its_own_files(tmp_path):
    # a symlink in the exchange folder made the trusted process read any Parquet file of the
    # instructor's as the learner's answer (and tell whether any path exists); a FIFO must
    # not block it either
    import os

    import pandas as pd
    import pytest

    from modellab.course.kernelside import decode

    secret = tmp_path / "instructor" / "grades.parquet"
    secret.parent.mkdir()
    pd.DataFrame({"score": [15.0]}).to_parquet(secret)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.symlink(secret, exchange / "x.parquet")
    os.mkfifo(exchange / "y.parquet")
    for name in ("x.parquet", "y.parquet"):
        with pytest.raises(ValueError) as refused:
            decode({"__frame__": name, "kind": "frame"}, str(exchange))
        assert str(tmp_path) not in str(refused.value)


def test_the_kernel_cannot_redirect_the_exchange_folder_to_the_instructors(tmp_path):
    # the exchange folder sat in the learner's home: the kernel replaced it with a symlink, and
    # the grader (root) wrote its held-out inputs into a folder of the learner's choosing
    import pandas as pd
    import pytest

    from modellab.course.harness import KernelSession, Learner
    from modellab.course.sandbox import sandbox_problem

    if sandbox_problem() is not None:
        pytest.skip(f"no sandbox: {sandbox_problem()}")
    target = tmp_path / "instructor"
    target.mkdir(mode=0o777)
    target.chmod(0o777)
    home = tmp_path / "home"
    home.mkdir()
    with KernelSession(home, timeout=30) as session:
        run = session.run(
            "import os, shutil\n"
            f"folder = {session.kernel_io_dir!r}\n"
            "try:\n"
            "    shutil.rmtree(folder)\n"
            f"    os.symlink({str(target)!r}, folder)\n"
            "except OSError as exc:\n"
            "    print('refused:', exc)\n"
            "def total(values):\n"
            "    return float(values.sum())\n"
        )
        assert run.status == "ok", run
        assert Learner(session).call("total", pd.Series([1.0, 2.0])) == 3.0
    assert list(target.iterdir()) == []


def _reads_a_bomb(job: dict) -> dict:
    """A stand-in for grading one learner whose frame reply is a decompression bomb."""
    import resource

    from modellab.course.kernelside import decode

    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY or limit > 8 * 1024**3:
        return {"unbounded": True}  # reading it here would take the machine's memory
    try:
        decode({"__frame__": "bomb.parquet", "kind": "frame"}, job["exchange"])
    except MemoryError as exc:
        return {"unbounded": False, "refused": type(exc).__name__}
    return {"unbounded": False, "refused": None}


def test_a_tiny_frame_reply_cannot_take_the_graders_memory(tmp_path):
    # 1 KB of Parquet (one 8 MB dictionary value on each of 1,000 rows) decoded to 8 GB in the
    # trusted worker: a few such learners and the OOM killer picks what dies on the machine
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from modellab.course import grading

    column = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(1000, dtype=np.int32)), pa.array(["x" * 8_000_000])
    )
    pq.write_table(
        pa.table({"a": column}), tmp_path / "bomb.parquet", compression="zstd", store_schema=False
    )
    assert (tmp_path / "bomb.parquet").stat().st_size < 10_000
    job = {"assignment": "ex01_metrics", "exchange": str(tmp_path)}
    outcomes = dict(
        grading._run_workers(
            grading._worker_context(), job, ["mallory"], 1, False, tmp_path, target=_reads_a_bomb
        )
    )
    assert outcomes["mallory"] == {"unbounded": False, "refused": "ArrowMemoryError"}


def test_a_learner_cannot_change_a_cells_role_or_points():
    # an answer cell tagged grade=True with 100 points, a check cell unlocked and untagged, a
    # check cell turned into an answer cell: nbgrader failed the whole notebook ("failed",
    # no score) instead of grading it part by part with the exercise's own roles
    import copy

    import learner_notebooks as ln
    import nbformat

    from modellab.course.judge import GuardSubmission

    source = nbformat.read(ln.SOLUTION, as_version=4)
    nb = nbformat.read(ln.RELEASED, as_version=4)
    edits = {
        "a1-answer": {"grade": True, "points": 100},
        "a1-check": {"grade": False, "locked": False},
        "a2-check": {"solution": True, "locked": False},
    }
    for cell in nb.cells:
        cell.metadata.get("nbgrader", {}).update(edits.get(ln.meta(cell).get("grade_id"), {}))
    untouched = copy.deepcopy(ln.meta(nb.cells[0]))
    resources = {"nbgrader": {"assignment": ln.NAME, "notebook": ln.NAME}}
    nb, _ = GuardSubmission(source_root=str(ln.SOLUTION.parents[1])).preprocess(nb, resources)
    roles = ("grade", "solution", "locked", "points")
    want = {
        ln.meta(c)["grade_id"]: {k: ln.meta(c).get(k) for k in roles}
        for c in source.cells
        if ln.meta(c).get("grade_id") in edits
    }
    got = {
        ln.meta(c)["grade_id"]: {k: ln.meta(c).get(k) for k in roles}
        for c in nb.cells
        if ln.meta(c).get("grade_id") in edits
    }
    assert got == want
    assert ln.meta(nb.cells[0]) == untouched  # the release's own metadata (checksum) is kept


class _FakeSession:
    """Stands in for the learner's kernel: every request gets the same (hostile) reply."""

    restarts = 0

    def __init__(self, reply):
        self.reply = reply

    def request(self, req, timeout=None):
        from modellab.course.kernelside import decode

        return decode(self.reply, None)

    def alive(self):
        return True


def test_a_reply_slow_to_read_cannot_hold_the_grader(tmp_path):
    # 40,000 integers equal modulo 2**61 - 1 (one hash) as a set: 1 MB of reply, quadratic to
    # read (about 30 s here), in the trusted process with no time limit, for every request
    import time

    from modellab.course.judge import VOCABULARY, TrustedExecute

    colliding = {"__set__": [k * (2**61 - 1) for k in range(1, 40_000)]}
    judge = TrustedExecute(trusted_cpu_seconds=2)
    judge._answers, judge._markdown, judge._part_answers = {}, {}, {}
    hidden = "expect_equal(learner.value('features'), {'age'}, 'features')\n"
    started = time.process_time()
    cause = judge._judge(_FakeSession(colliding), [], dict(VOCABULARY), "a1-check", hidden)
    assert time.process_time() - started < 10
    assert "took more than 2 s of the grader's CPU time" in cause


def test_a_notebook_of_slow_cells_cannot_hold_a_worker_for_hours(tmp_path):
    # each cell sleeping just under the time-out: a hundred of them held a grading worker for
    # hours (replays after a restart again), as nothing bounded the notebook as a whole
    import nbformat
    import pytest

    from modellab.course.harness import KernelSession
    from modellab.course.judge import VOCABULARY, TrustedExecute
    from modellab.course.sandbox import sandbox_problem

    if sandbox_problem() is not None:
        pytest.skip(f"no sandbox: {sandbox_problem()}")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import time\ntime.sleep(2)\nx = 1"),
            *[nbformat.v4.new_code_cell("time.sleep(2)") for _ in range(5)],
            nbformat.v4.new_code_cell("print(x)", metadata={"nbgrader": {"grade_id": "part"}}),
        ]
    )
    judge = TrustedExecute(timeout=30, notebook_seconds=3)
    judge._answers, judge._markdown, judge._part_answers = {}, {}, {}
    hidden = "expect_equal(learner.value('x'), 1, 'x')\n"
    home = tmp_path / "home"
    home.mkdir()
    with KernelSession(home, timeout=30) as session:
        judge._run(nb, {"part": ("print(x)\n", hidden, True)}, session, dict(VOCABULARY))
    not_run = [
        c
        for c in nb.cells[1:6]
        if any("took more than 3 s in all" in str(o.get("evalue", "")) for o in c.outputs)
    ]
    assert len(not_run) >= 3  # two cells of 2 s fit in 3 s at most
    part = [o for o in nb.cells[-1].outputs if o.get("output_type") == "error"]
    assert (
        part and part[0]["evalue"] == "not graded: the notebook's cells took more than 3 s in all"
    )


def test_a_broken_trusted_test_does_not_quote_the_graders_values():
    # ex10's shape: a dict answer indexed by the expected keys. A learner's empty dict made the
    # KeyError name an expected segment of an unseen world in the learner's feedback
    from modellab.course.judge import VOCABULARY, TrustedExecute

    judge = TrustedExecute()
    judge._answers, judge._markdown, judge._part_answers = {}, {}, {}
    hidden = (
        "want = {'unseen-segment-77': 0.8}\n"
        "got = learner.value('rates')\n"
        "expect_close([got[k] for k in want], list(want.values()), 'rates')\n"
    )
    cause = judge._judge(_FakeSession({"__dict__": []}), [], dict(VOCABULARY), "c1-check", hidden)
    assert "could not run on your answer (KeyError)" in cause
    assert "unseen-segment-77" not in cause


def test_a_forged_error_reply_cannot_flood_the_causes(tmp_path):
    # the kernel cuts its errors to 300 characters, but learner code can replace that code: a
    # 1 MB error became the part's cause, in the grading summary and the feedback
    import json

    import pytest

    from modellab.course.harness import KernelSession, Learner, LearnerError, RunResult
    from modellab.course.kernelside import REPLY_MIME

    session = KernelSession(tmp_path)
    reply = json.dumps({"ok": False, "error": "ValueError: " + "spam " * 200_000})
    session.run = lambda code, timeout=None: RunResult(
        "ok", [{"output_type": "display_data", "data": {REPLY_MIME: reply}, "metadata": {}}]
    )
    with pytest.raises(LearnerError) as failed:
        Learner(session).value("accuracy_model")
    assert len(str(failed.value)) < 600


def test_an_exception_with_a_huge_name_cannot_flood_the_causes(tmp_path):
    # a cell's error is cut to 300 characters of message, but its exception's name was kept
    # whole: a class named with 100,000 characters filled every later part's cause
    import pytest

    from modellab.course.harness import KernelSession
    from modellab.course.sandbox import sandbox_problem

    if sandbox_problem() is not None:
        pytest.skip(f"no sandbox: {sandbox_problem()}")
    with KernelSession(tmp_path, timeout=30) as session:
        result = session.run("raise type('X' * 100_000, (Exception,), {})('boom')")
    assert result.status == "error"
    assert len(result.cause) < 500 and result.cause.endswith(": boom")


def test_a_learners_lms_name_cannot_become_a_formula_in_the_export(tmp_path):
    # "Lastname, First" comes from the LMS, where a learner may edit their own name: the
    # export wrote =HYPERLINK(...) as the last_name cell, a formula once the instructor opens
    # grades.csv in a spreadsheet
    import contextlib
    import csv
    import io

    import learner_notebooks as ln

    from modellab.cli import main

    root = tmp_path / "class"

    def cli(*argv):
        where = [] if argv[0] == "init" else ["--dir", str(root)]
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(["workshop", *argv, *where])
        assert code == 0, out.getvalue()

    cli("init", str(root))
    cli("release", ln.NAME)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = '=HYPERLINK("evil.example"), Eve_12345_' + f"{ln.NAME}.ipynb"  # no "/" in a name
    (inbox / name).write_bytes((root / "release" / ln.NAME / f"{ln.NAME}.ipynb").read_bytes())
    cli("collect", ln.NAME, str(inbox))
    cli("export", "--out", str(tmp_path / "grades.csv"))
    with open(tmp_path / "grades.csv", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert '\'=HYPERLINK("evil.example")' in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]


def test_a_notebook_of_a_million_cells_is_refused_before_it_holds_the_class(tmp_path):
    # 20,000 one-word markdown cells take 17 s to render as feedback; a 190 MB notebook (under
    # collect's 200 MB) of such cells held the feedback step for the whole class for hours
    import learner_notebooks as ln
    import nbformat

    from modellab.course.grading import unreadable_reason

    nb = nbformat.read(ln.RELEASED, as_version=4)
    nb.cells += [nbformat.v4.new_markdown_cell(f"x{i}") for i in range(20_000)]
    nbformat.write(nb, tmp_path / f"{ln.NAME}.ipynb")
    assert "too large to grade (20,0" in unreadable_reason(tmp_path)
    nb.cells = nb.cells[:40]
    nb.cells[-1].source = "# notes\\n" * 1_000_000
    nbformat.write(nb, tmp_path / f"{ln.NAME}.ipynb")
    assert "too large to grade (40 cells" in unreadable_reason(tmp_path)
    nbformat.write(nbformat.read(ln.RELEASED, as_version=4), tmp_path / f"{ln.NAME}.ipynb")
    assert unreadable_reason(tmp_path) is None


def test_a_notebook_cannot_fill_the_graded_copy_with_outputs(tmp_path):
    # outputs were capped per cell (1 MiB) only: a thousand cells of 1 MiB made a 1 GB graded
    # notebook that feedback and Formgrader read whole, in the instructor's process
    import nbformat
    import pytest

    from modellab.course.harness import KernelSession
    from modellab.course.judge import VOCABULARY, TrustedExecute
    from modellab.course.sandbox import sandbox_problem

    if sandbox_problem() is not None:
        pytest.skip(f"no sandbox: {sandbox_problem()}")
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("print('x' * 300_000)") for _ in range(6)]
    )
    judge = TrustedExecute(timeout=30, notebook_output_bytes="1MiB")
    judge._answers, judge._markdown, judge._part_answers = {}, {}, {}
    home = tmp_path / "home"
    home.mkdir()
    with KernelSession(home, timeout=30) as session:
        judge._run(nb, {}, session, dict(VOCABULARY))
    kept = sum(len(o.get("text", "")) for c in nb.cells for o in c.outputs)
    assert kept <= 1024**2
    assert (
        "outputs not kept: the notebook's outputs went beyond 1MiB"
        in nb.cells[-1].outputs[0]["text"]
    )


def test_a_learners_script_does_not_run_in_the_feedback_page():
    # a <script> or an onerror handler in a learner's markdown cell or HTML output ran in the
    # feedback page: in the instructor's browser, or in the LMS that serves the page
    import re

    import nbformat

    from modellab.course.feedback import render_html

    payloads = ['<script>document.title="PWNED"</script>', '<img src=x onerror="alert(1)">']
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("\n\n".join(payloads)),
            nbformat.v4.new_code_cell(
                "display(HTML(...))",
                outputs=[
                    nbformat.v4.new_output("display_data", data={"text/html": "".join(payloads)})
                ],
            ),
            nbformat.v4.new_markdown_cell("| a | b |\n|---|---|\n| 1 | 2 |\n\n**kept**"),
        ]
    )
    page = render_html(nb)
    assert not re.search(r"<script>document\.title|<img[^>]*onerror", page)  # shown as text
    assert "<table" in page and "<strong>kept</strong>" in page

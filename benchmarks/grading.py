"""Grading a class: nbgrader's own serial ``autograde`` vs ``modellab workshop grade`` in parallel.

Builds a synthetic class of N submissions (correct, partly correct and untouched notebooks of
the test fixture assignment) in two identical workshop directories outside the repository,
grades one with ``nbgrader autograde ASSIGNMENT`` (one process, learners one after another)
and the other with :func:`modellab.course.grading.grade_assignment`, and prints both times,
the ratio, and whether both gave the same scores.

Run:  .venv/bin/python benchmarks/grading.py [--students 30] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURE = ROOT / "tests" / "fixtures" / "workshop"
A = "ws01_basics"


def _learner(released: Path, kind: int):
    nb = nbformat.read(released, as_version=4)
    answers = {
        "q1_mean_answer": "def mean_of(values):\n    return sum(values) / len(values)",
        "q2_share_answer": "def drift_share(flags):\n    return sum(flags) / len(flags)"
        if kind != 1 else "def drift_share(flags):\n    return 0",
        "quiz_answer": 'ANSWER = "b"',
    }
    if kind == 2:
        return nb  # untouched
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def _scores(db: Path) -> dict:
    import sqlite3

    with sqlite3.connect(db) as con:
        rows = con.execute(
            "select s.student_id, sum(coalesce(g.manual_score, g.auto_score, 0)) from grade g "
            "join submitted_notebook n on g.notebook_id = n.id "
            "join submitted_assignment s on n.assignment_id = s.id group by s.student_id"
        ).fetchall()
    return dict(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    from modellab.course import collect, gradebook, grading, workshop

    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    tmp = Path(tempfile.mkdtemp(prefix="modellab-bench-"))
    try:
        ws = gradebook.init_workshop(tmp / "serial", source=FIXTURE, timeout=30)
        workshop.release(ws, [A])
        inbox = tmp / "inbox"
        inbox.mkdir()
        for i in range(args.students):
            nbformat.write(_learner(ws.root / "release" / A / f"{A}.ipynb", i % 3),
                           inbox / f"learner{i:02d}.ipynb")
        collect.collect_submissions(ws, A, inbox)
        shutil.copytree(ws.root, tmp / "parallel")
        par_root = tmp / "parallel"
        cfg = (par_root / "nbgrader_config.py").read_text()  # root is computed from __file__
        assert "os.path.dirname(os.path.abspath(__file__))" in cfg

        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "nbgrader"), "autograde", A, "--force"],
            cwd=ws.root, capture_output=True, text=True,
        )
        serial = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1

        t0 = time.perf_counter()
        report = grading.grade_assignment(gradebook.open_workshop(par_root), A, jobs=args.jobs,
                                          progress=False)
        parallel = time.perf_counter() - t0

        same = _scores(ws.root / "gradebook.db") == _scores(par_root / "gradebook.db")
        print(f"class of {args.students} submissions, {os.cpu_count()} CPU(s)")
        print(f"nbgrader autograde (serial, CLI)     : {serial:6.1f} s")
        print(f"modellab workshop grade --jobs {args.jobs}    : {parallel:6.1f} s   {report!r}")
        print(f"speed-up                             : {serial / parallel:6.2f}x")
        print(f"same scores in both gradebooks       : {same}")
        return 0 if same and all(r.status == "graded" for r in report.results) else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

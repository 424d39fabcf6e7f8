"""Grading a class: learner kernels in the bubblewrap sandbox vs without it, per learner.

Builds a class of N submissions of a real exercise (default ``ex01_metrics``: correct, partly
correct and untouched notebooks in turn, made by ``tests/learner_notebooks.py``) in a workshop
directory outside the repository, then, for each round, grades a fresh copy of it twice, each
time in a new process so that both pay their own start-up:

- ``modellab workshop grade ASSIGNMENT --jobs J`` (sandboxed learner kernels, the default);
- ``modellab workshop grade ASSIGNMENT --jobs J --unsafe-no-sandbox`` (same trusted judging,
  kernels without bubblewrap/prlimit).

The order of the two alternates between rounds (the machine may be shared: the load average
before each run is printed). It prints both times, the time per learner, their ratio, and
whether both gradebooks hold the scores each learner deserves. Issue 12's target: 30
learners sandboxed on 2 cores in at most 60 s, at most 1.25x the unsandboxed time.

Run:  .venv/bin/python benchmarks/grading.py [--students 30] [--jobs 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
BIN = Path(sys.executable).parent
KINDS = ("correct", "partly", "untouched")


def _scores(db: Path) -> dict:
    import sqlite3

    with sqlite3.connect(db) as con:
        rows = con.execute(
            "select s.student_id, sum(coalesce(g.manual_score, g.auto_score, 0)) from grade g "
            "join submitted_notebook n on g.notebook_id = n.id "
            "join submitted_assignment s on n.assignment_id = s.id group by s.student_id"
        ).fetchall()
    return dict(rows)


def _load() -> str:
    return "load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1/5/15 min)"


def _timed(argv: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "PATH": str(BIN) + os.pathsep + os.environ["PATH"]}
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - t0, proc


def _build_class(root: Path, students: int) -> tuple[Path, str, dict]:
    """The workshop, its assignment and ``{learner: the score they deserve}``."""
    import learner_notebooks as ln

    from modellab.course import collect, gradebook, workshop

    ws = gradebook.init_workshop(root / "class", timeout=30)  # source: the course's solutions/
    workshop.release(ws, [ln.NAME])
    released = nbformat.read(ws.root / "release" / ln.NAME / f"{ln.NAME}.ipynb", as_version=4)
    made = ln.learners(released, ws.root, root / "unused", kinds=KINDS)
    points = ln.points()
    inbox = root / "inbox"
    inbox.mkdir()
    expected = {}
    for i in range(students):
        learner = made[KINDS[i % len(KINDS)]]
        nbformat.write(learner.notebook, inbox / f"learner{i:02d}.ipynb")
        expected[f"learner{i:02d}"] = learner.expected(points)
    report = collect.collect_submissions(ws, ln.NAME, inbox)
    assert report.ok and len(report.placed) == students, report
    cfg = (ws.root / "nbgrader_config.py").read_text()  # copies work: root is from __file__
    assert "os.path.dirname(os.path.abspath(__file__))" in cfg
    return ws.root, ln.NAME, expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="modellab-bench-"))
    times: dict[str, list[float]] = {"sandboxed": [], "unsandboxed": []}
    ok = True
    try:
        pristine, assignment, expected = _build_class(tmp, args.students)
        print(f"class of {args.students} submissions of {assignment} ({', '.join(KINDS)} in "
              f"turn), {os.cpu_count()} CPU(s), "
              f"{args.rounds} round(s), --jobs {args.jobs}")
        for rnd in range(args.rounds):
            order = ["sandboxed", "unsandboxed"] if rnd % 2 == 0 else ["unsandboxed", "sandboxed"]
            dbs = {}
            for who in order:
                work = tmp / f"{who}-{rnd}"
                shutil.copytree(pristine, work)
                argv = [str(BIN / "modellab"), "workshop", "grade", assignment, "--jobs",
                        str(args.jobs), "--no-progress", "--dir", str(work)]
                if who == "unsandboxed":
                    argv.append("--unsafe-no-sandbox")
                load = _load()
                seconds, proc = _timed(argv, work)
                if proc.returncode != 0:
                    print(f"{who} failed ({proc.returncode}):\n{proc.stdout[-2000:]}"
                          f"{proc.stderr[-3000:]}", file=sys.stderr)
                    return 1
                times[who].append(seconds)
                dbs[who] = _scores(work / "gradebook.db")
                print(f"round {rnd + 1}  {who:<12}: {seconds:6.1f} s, "
                      f"{seconds / args.students:5.2f} s per learner   [{load} before]")
                shutil.rmtree(work, ignore_errors=True)
            same = dbs["sandboxed"] == dbs["unsandboxed"] == expected
            ok &= same
            print(f"round {rnd + 1}  sandbox costs {times['sandboxed'][-1] / times['unsandboxed'][-1]:.2f}x, "
                  f"both gradebooks hold the scores each learner deserves: {same}")
        boxed, bare = statistics.median(times["sandboxed"]), statistics.median(times["unsandboxed"])
        print(f"median over {args.rounds} round(s): sandboxed {boxed:.1f} s "
              f"({boxed / args.students:.2f} s/learner), unsandboxed {bare:.1f} s "
              f"({bare / args.students:.2f} s/learner), ratio {boxed / bare:.2f}x   [{_load()} after]")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

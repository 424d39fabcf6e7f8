"""A class of honest, careless and adversarial learners, graded through `modellab workshop grade`.

Learners are made from the real exercise ex01_metrics: the released copy with answer cells
filled in (the solution's code, wrong code, typed-in numbers or cheats). The expected score of
each is derived from the exercise's own points per part; the oracle for "right" is the library
(`modellab.metrics`), for "nothing leaked" the grader's own view of the same paths.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from modellab import metrics
from modellab.course import gradebook, results, sandbox
from modellab.course.paths import course_paths
from modellab.course.sandbox import sandbox_problem
from modellab.course.workshop import release
from modellab.scenarios import make

NAME = "ex01_metrics"
PATHS = course_paths()
REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(sandbox_problem() is not None,
                                reason=f"no sandbox: {sandbox_problem()}")


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _points() -> dict[str, float]:
    nb = nbformat.read(PATHS.solutions / NAME / f"{NAME}.ipynb", as_version=4)
    return {_meta(c)["grade_id"]: float(_meta(c)["points"]) for c in nb.cells
            if _meta(c).get("grade") and not _meta(c).get("solution")}


def _solution_answers() -> dict[str, str]:
    nb = nbformat.read(PATHS.solutions / NAME / f"{NAME}.ipynb", as_version=4)
    return {_meta(c)["grade_id"]: c.source for c in nb.cells
            if _meta(c).get("solution") and c.cell_type == "code"}


def _release(ws) -> nbformat.NotebookNode:
    return nbformat.read(ws.root / "release" / NAME / f"{NAME}.ipynb", as_version=4)


def _fill(nb, answers: dict[str, str]):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def _true_values() -> dict:
    scenario = make("stable", seed=1)
    week = scenario.batch(5)
    counts = metrics.confusion_counts(week["default"], week["score"], threshold=scenario.threshold)
    ref = scenario.reference
    target = metrics.best_threshold(ref["default"], ref["score"], cost_fp=1_800, cost_fn=7_200,
                                    min_recall=0.70)
    free = metrics.best_threshold(ref["default"], ref["score"], cost_fp=1_800, cost_fn=7_200)
    summary = metrics.classification_summary(week["default"], week["score"],
                                             threshold=scenario.threshold)
    return {"prf": tuple(float(summary[k]) for k in ("precision", "recall", "f1")),
            "accuracy_model": float(counts.accuracy),
            "accuracy_never": float(1 - week["default"].mean()),
            "chosen_threshold": float(target.threshold),
            "price_of_target": float(target.cost - free.cost)}


CHEAT_PREFIX = {
    "rebind_checks": (
        "import modellab.checks as _mc\n"
        "for _n in dir(_mc):\n"
        "    if _n.startswith('check') or _n == 'answering':\n"
        "        setattr(_mc, _n, (lambda *a, **k: None))\n"
        "check_digest = check_true = check_quiz = (lambda *a, **k: None)\n"
    ),
    "input_transformer": (
        "def _neuter(lines):\n"
        "    return ['pass\\n'] if any('check' in l or 'serve' in l for l in lines) else lines\n"
        "get_ipython().input_transformers_cleanup.append(_neuter)\n"
    ),
    "ast_transformer": (
        "import ast\n"
        "class _Pass(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n"
        "        return ast.Module(body=[ast.Pass()], type_ignores=[])\n"
        "get_ipython().ast_transformers.append(_Pass())\n"
    ),
    "patched_numpy": (
        "import numpy as np, numpy.testing\n"
        "np.allclose = np.isclose = np.array_equal = (lambda *a, **k: True)\n"
        "np.testing.assert_allclose = np.testing.assert_array_equal = (lambda *a, **k: None)\n"
        "accuracy_model = accuracy_never = 0.5\n"
    ),
}


def _snoop_code(ws_root: Path) -> str:
    skip = sorted({"/proc", "/sys", "/dev", "/usr", sys.prefix, sys.base_prefix,
                   str(Path(__import__("modellab").__file__).resolve().parent), "/home/learner"})
    targets = ["/etc/shadow", str(ws_root / "gradebook.db"), str(ws_root / "submitted"),
               str(ws_root / "source"), str(REPO / "solutions"), str(REPO / "course")]
    home = Path.home()  # a pyenv Python may live there: only that may be visible
    allowed = sorted({p.relative_to(home).parts[0] for p in sandbox._readonly_paths()
                      if home in p.parents})
    return (
        "import os, socket, numpy as np\n"
        f"SKIP = {skip!r}\n"
        "hits = []\n"
        "for dirpath, dirs, files in os.walk('/'):\n"
        "    dirs[:] = [d for d in dirs if os.path.join(dirpath, d) not in SKIP]\n"
        "    for f in files + dirs:\n"
        "        low = f.lower()\n"
        "        if any(k in low for k in ('gradebook', 'solution', 'submitted', 'autograded',\n"
        "                                  'nbgrader_config', 'shadow', 'ex01')):\n"
        "            hits.append(os.path.join(dirpath, f))\n"
        f"for t in {targets!r}:\n"
        "    try:\n"
        "        os.listdir(t) if os.path.isdir(t) else open(t, 'rb').read(10)\n"
        "        hits.append('read ' + t)\n"
        "    except OSError:\n"
        "        pass\n"
        "try:\n"
        f"    hits += ['home ' + n for n in os.listdir({str(home)!r}) if n not in {allowed!r}]\n"
        "except OSError:\n"
        "    pass\n"
        "for addr in [('1.1.1.1', 80), ('127.0.0.1', 22), ('pypi.org', 443)]:\n"
        "    try:\n"
        "        socket.create_connection(addr, timeout=3)\n"
        "        hits.append('network %s' % (addr,))\n"
        "    except OSError:\n"
        "        pass\n"
        "try:\n"
        "    big = np.ones(6 * 2**30 // 8)\n"
        "    hits.append('6 GiB')\n"
        "except MemoryError:\n"
        "    pass\n"
        "print('SNOOPED:', hits)\n"
    )


def _detached_code(ws_root: Path, marker: Path) -> str:
    return (
        "import subprocess, sys\n"
        "script = '''\n"
        "import time, sqlite3\n"
        "for _ in range(60):\n"
        "    for path in [{!r}, {!r}]:\n"
        "        try:\n"
        "            open(path, 'a').write('pwned')\n"
        "        except OSError:\n"
        "            pass\n"
        "    try:\n"
        "        db = sqlite3.connect({!r})\n"
        "        db.execute('update grade set auto_score = 100')\n"
        "        db.commit()\n"
        "    except Exception:\n"
        "        pass\n"
        "    time.sleep(0.5)\n"
        "'''\n"
        "subprocess.Popen([sys.executable, '-c', script], start_new_session=True,\n"
        "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    ).format(str(marker), str(Path.home() / "modellab-pwned"), str(ws_root / "gradebook.db"))


def _learners(ws, tmp_path) -> tuple[dict, dict, Path]:
    """{learner: notebook}, {learner: expected score} and the detached process's target."""
    points = _points()
    total = sum(points.values())
    sol = _solution_answers()
    base = _release(ws)
    true = _true_values()
    nbs, expected = {}, {}

    nbs["correct"], expected["correct"] = _fill(base, sol), total
    nbs["untouched"], expected["untouched"] = base, 0.0

    partly = dict(sol, **{"q1-answer": 'q1 = "a"\n',
                          "a2-answer": "accuracy_model = (tn + fp) / (tn + fp + fn + tp)\n"
                                       "accuracy_never = (tp + tn) / (tn + fp + fn + tp)\n"})
    nbs["partly"], expected["partly"] = _fill(base, partly), total - points["q1-check"] - points["a2-check"]

    typed = dict(sol, **{
        "a1-answer": f"def precision_recall_f1(tn, fp, fn, tp):\n    return {true['prf']!r}\n",
        "a2-answer": f"accuracy_model = {true['accuracy_model']!r}\naccuracy_never = {true['accuracy_never']!r}\n",
        "b1-answer": sol["b1-answer"].split("chosen_threshold = ...")[0]
        + f"chosen_threshold = {true['chosen_threshold']!r}\n",
        "b2-answer": f"price_of_target = {true['price_of_target']!r}\n",
    })
    nbs["hardcoded"] = _fill(base, typed)
    expected["hardcoded"] = points["q1-check"] + points["q2-check"] + points["q3-check"]

    for cheat, prefix in CHEAT_PREFIX.items():
        nb = _fill(base, {"a1-answer": prefix + "\ndef precision_recall_f1(tn, fp, fn, tp):\n"
                                                "    return (1.0, 1.0, 1.0)\n"})
        nbs[cheat], expected[cheat] = nb, 0.0

    marker = tmp_path / "detached-was-here"
    nbs["detached"] = _fill(base, {"a1-answer": _detached_code(ws.root, marker)})
    expected["detached"] = 0.0

    snooper = _fill(base, sol)
    snooper.cells.append(nbformat.v4.new_code_cell(_snoop_code(ws.root)))
    nbs["snooper"], expected["snooper"] = snooper, total

    nbs["os_exit"] = _fill(base, dict(sol, **{"a2-answer": sol["a2-answer"] + "\nimport os\nos._exit(1)\n"}))
    expected["os_exit"] = total - points["a2-check"]
    nbs["sigkill"] = _fill(base, dict(sol, **{
        "b2-answer": sol["b2-answer"] + "\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"}))
    expected["sigkill"] = total - points["b2-check"]
    nbs["swallow_loop"] = _fill(base, dict(sol, **{
        "q1-answer": "import time\nwhile True:\n    try:\n        time.sleep(0.5)\n"
                     "    except BaseException:\n        pass\n" + sol["q1-answer"]}))
    expected["swallow_loop"] = total - points["q1-check"]

    deleted = _fill(base, sol)
    deleted.cells = [c for c in deleted.cells if _meta(c).get("grade_id") != "b2-answer"]
    nbs["deleted_answer"], expected["deleted_answer"] = deleted, total - points["b2-check"]

    converted = _fill(base, sol)
    for i, cell in enumerate(converted.cells):
        if _meta(cell).get("grade_id") == "a2-answer":
            md = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
            md["id"] = cell.get("id", md.get("id"))
            converted.cells[i] = md
    nbs["converted"], expected["converted"] = converted, total - points["a2-check"]

    stripped = _fill(base, sol)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    nbs["stripped"], expected["stripped"] = stripped, total

    extra = _fill(base, sol)
    bonus = nbformat.v4.new_code_cell("print('bonus')")
    bonus.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "locked": False,
                                  "points": 100, "schema_version": 3, "solution": False,
                                  "task": False}
    extra.cells.append(bonus)
    nbs["extra_grade_cell"], expected["extra_grade_cell"] = extra, total
    return nbs, expected, marker


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    src = tmp / "source"
    shutil.copytree(PATHS.solutions / NAME, src / NAME)
    ws = gradebook.init_workshop(tmp / "class", source=src, timeout=10)
    release(ws)
    nbs, expected, marker = _learners(ws, tmp)
    for learner, nb in nbs.items():
        folder = ws.root / "submitted" / learner / NAME
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NAME}.ipynb")
    exe = Path(sys.executable).parent / "modellab"
    run = subprocess.run([str(exe), "workshop", "grade", NAME, "--dir", str(ws.root), "--jobs", "2",
                          "--no-progress"], capture_output=True, text=True, timeout=1200)
    grades = results.grades_frame(ws).set_index("student")
    return {"ws": ws, "run": run, "grades": grades, "expected": expected, "marker": marker}


def test_everyone_is_graded_with_the_score_they_deserve(graded):
    grades, expected = graded["grades"], graded["expected"]
    assert set(expected) <= set(grades.index), graded["run"].stdout[-3000:]
    got = {learner: float(grades.loc[learner, "score"]) for learner in expected}
    assert got == expected, graded["run"].stdout[-4000:]
    assert (grades.loc[list(expected), "status"] == "graded").all()
    assert (grades.loc[list(expected), "max_score"] == sum(_points().values())).all()


def test_every_lost_point_has_a_cause_and_a_regrade_command(graded):
    out = graded["run"].stdout

    def line_of(learner: str) -> str:
        return next(row for row in out.splitlines() if row.strip().startswith(learner + " "))

    for learner, score in graded["expected"].items():
        line = line_of(learner)
        if score < sum(_points().values()):
            assert "regrade: modellab workshop grade" in line and f"--student {learner}" in line, line
            assert "check:" in line or "-check" in line, line
    assert "ignored the interrupt" in line_of("swallow_loop")
    assert "not answered yet" in line_of("untouched")


def test_nothing_the_snooper_or_the_detached_process_tried_succeeded(graded):
    ws = graded["ws"]
    nb = nbformat.read(ws.root / "autograded" / "snooper" / NAME / f"{NAME}.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"])
    assert "SNOOPED: []" in text, [line for line in text.split("\\n") if "SNOOPED" in line]
    assert not graded["marker"].exists()
    assert not (Path.home() / "modellab-pwned").exists()
    assert float(graded["grades"].loc["detached", "score"]) == 0.0
    with open(ws.root / "gradebook.db", "rb") as fh:
        assert b"pwned" not in fh.read()


def test_grading_refuses_without_a_sandbox_unless_told(graded, monkeypatch):
    from modellab.course import grading, sandbox

    monkeypatch.setattr(sandbox, "sandbox_problem", lambda: "bwrap not found (test)")
    with pytest.raises(RuntimeError, match="--unsafe-no-sandbox"):
        grading.grade_assignment(graded["ws"], NAME, students=["correct"], progress=False)

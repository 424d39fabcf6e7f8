"""Learner notebooks of the real exercise ex01_metrics: honest, careless and adversarial.

Each is the released copy with answer cells filled in (the solution's code, wrong code,
typed-in numbers or cheats). What each deserves is given as the parts it must lose
(:attr:`Learner.lost`); its score follows from the exercise's own points per part. The oracle
for "right" is the library (``modellab.metrics``). Used by ``tests/test_workshop_acceptance.py``
and ``benchmarks/grading.py``; the helpers at the end read the secrets a feedback page must not
hold (hidden tests and solutions, in plain, base64 and hex).
"""

from __future__ import annotations

import base64
import copy
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from modellab import metrics
from modellab.course import sandbox
from modellab.course.paths import course_paths
from modellab.scenarios import make

NAME = "ex01_metrics"
PATHS = course_paths()
REPO = Path(__file__).resolve().parents[1]
SOLUTION = PATHS.solutions / NAME / f"{NAME}.ipynb"
RELEASED = PATHS.exercises / NAME / f"{NAME}.ipynb"


def meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def points() -> dict[str, float]:
    """``{grade id: points}`` of the exercise's autograded parts."""
    nb = nbformat.read(SOLUTION, as_version=4)
    return {meta(c)["grade_id"]: float(meta(c)["points"]) for c in nb.cells
            if meta(c).get("grade") and not meta(c).get("solution")}


def solution_answers() -> dict[str, str]:
    nb = nbformat.read(SOLUTION, as_version=4)
    return {meta(c)["grade_id"]: c.source for c in nb.cells
            if meta(c).get("solution") and c.cell_type == "code"}


def fill(nb, answers: dict[str, str]):
    """A copy of ``nb`` with the answer cells named in ``answers`` replaced."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        gid = meta(cell).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def true_values() -> dict:
    """The numbers the exercise asks for, computed with the library (what a typist copies)."""
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


def snoop_code(ws_root: Path) -> str:
    """A cell that searches the disk for tests, solutions, other learners and gradebooks, tries
    the network and 6 GiB of memory, and prints ``SNOOPED: [what it got]``."""
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


def pwned_path() -> Path:
    """Where the detached process tries to write in the instructor's home."""
    return Path.home() / "modellab-pwned"


def detached_code(ws_root: Path, marker: Path) -> str:
    """A cell that starts a detached process writing ``marker``, the home and the gradebook."""
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
    ).format(str(marker), str(pwned_path()), str(ws_root / "gradebook.db"))


@dataclass(frozen=True)
class Learner:
    """A learner's notebook, the parts it must lose and words the cause must contain."""

    notebook: nbformat.NotebookNode
    lost: frozenset
    cause: str = ""

    def expected(self, points: dict[str, float]) -> float:
        return sum(points.values()) - sum(points[p] for p in self.lost)


KINDS = ("correct", "untouched", "partly", "hardcoded", *CHEAT_PREFIX, "detached", "snooper",
         "os_exit", "sigkill", "swallow_loop", "deleted_answer", "converted", "stripped",
         "extra_grade_cell")


def learners(released, ws_root: Path, marker: Path, kinds=KINDS) -> dict[str, Learner]:
    """``{kind: Learner}`` for each of ``kinds`` (see :data:`KINDS`), from the released notebook.

    ``ws_root`` is the workshop the snooper and the detached process go after; ``marker`` a
    file the detached process tries to write.
    """
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown learner kinds {unknown}: choose from {KINDS}")
    parts = frozenset(points())
    sol = solution_answers()
    out: dict[str, Learner] = {}
    for kind in kinds:
        out[kind] = _learner(kind, released, sol, parts, ws_root, marker)
    return out


def _learner(kind, base, sol, parts, ws_root, marker) -> Learner:
    if kind == "correct":
        return Learner(fill(base, sol), frozenset())
    if kind == "untouched":
        return Learner(copy.deepcopy(base), parts, "not answered yet")
    if kind == "partly":
        return Learner(fill(base, dict(sol, **{
            "q1-answer": 'q1 = "a"\n',
            "a2-answer": "accuracy_model = (tn + fp) / (tn + fp + fn + tp)\n"
                         "accuracy_never = (tp + tn) / (tn + fp + fn + tp)\n"})),
            frozenset({"q1-check", "a2-check"}))
    if kind == "hardcoded":  # the numbers typed in: right on the visible week only
        true = true_values()
        return Learner(fill(base, dict(sol, **{
            "a1-answer": f"def precision_recall_f1(tn, fp, fn, tp):\n    return {true['prf']!r}\n",
            "a2-answer": f"accuracy_model = {true['accuracy_model']!r}\n"
                         f"accuracy_never = {true['accuracy_never']!r}\n",
            "b1-answer": sol["b1-answer"].split("chosen_threshold = ...")[0]
            + f"chosen_threshold = {true['chosen_threshold']!r}\n",
            "b2-answer": f"price_of_target = {true['price_of_target']!r}\n"})),
            frozenset({"a1-check", "a2-check", "b1-check", "b2-check"}))
    if kind in CHEAT_PREFIX:  # the cheat, and nothing computed
        return Learner(fill(base, {"a1-answer": CHEAT_PREFIX[kind]
                                   + "\ndef precision_recall_f1(tn, fp, fn, tp):\n"
                                     "    return (1.0, 1.0, 1.0)\n"}), parts)
    if kind == "detached":
        return Learner(fill(base, {"a1-answer": detached_code(ws_root, marker)}), parts)
    if kind == "snooper":
        nb = fill(base, sol)
        nb.cells.append(nbformat.v4.new_code_cell(snoop_code(ws_root)))
        return Learner(nb, frozenset())
    if kind == "os_exit":
        return Learner(fill(base, dict(sol, **{
            "a2-answer": sol["a2-answer"] + "\nimport os\nos._exit(1)\n"})),
            frozenset({"a2-check"}), "exit status 1")
    if kind == "sigkill":
        return Learner(fill(base, dict(sol, **{
            "b2-answer": sol["b2-answer"] + "\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"})),
            frozenset({"b2-check"}), "SIGKILL")
    if kind == "swallow_loop":
        return Learner(fill(base, dict(sol, **{
            "q1-answer": "import time\nwhile True:\n    try:\n        time.sleep(0.5)\n"
                         "    except BaseException:\n        pass\n" + sol["q1-answer"]})),
            frozenset({"q1-check"}), "ignored the interrupt")
    if kind == "deleted_answer":
        nb = fill(base, sol)
        nb.cells = [c for c in nb.cells if meta(c).get("grade_id") != "b2-answer"]
        return Learner(nb, frozenset({"b2-check"}), "not defined in your notebook")
    if kind == "converted":  # an answer cell turned into markdown does not run
        nb = fill(base, sol)
        for i, cell in enumerate(nb.cells):
            if meta(cell).get("grade_id") == "a2-answer":
                md = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
                md["id"] = cell.get("id", md.get("id"))
                nb.cells[i] = md
        return Learner(nb, frozenset({"a2-check"}))
    if kind == "stripped":  # another editor dropped every cell's nbgrader metadata
        nb = fill(base, sol)
        for cell in nb.cells:
            cell.metadata.pop("nbgrader", None)
        return Learner(nb, frozenset())
    if kind == "extra_grade_cell":  # a forged grade cell worth 100 points
        nb = fill(base, sol)
        bonus = nbformat.v4.new_code_cell("print('bonus')")
        bonus.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "locked": False,
                                      "points": 100, "schema_version": 3, "solution": False,
                                      "task": False}
        nb.cells.append(bonus)
        return Learner(nb, frozenset())
    raise AssertionError(kind)


# --- what a feedback page must not hold -------------------------------------------------------


def regions(source: str, begin: str, end: str) -> list[str]:
    """Lines (16+ characters) strictly between ``begin`` and ``end`` markers (the test's own
    reading of the format, not the grader's)."""
    out = []
    for block in re.findall(rf"(?s){re.escape(begin)}[^\n]*\n(.*?)\n[^\n]*{re.escape(end)}", source):
        out += [line.strip() for line in block.splitlines() if len(line.strip()) >= 16]
    return out


def secret_lines(path: Path) -> tuple[list[str], list[str]]:
    """``(hidden-test lines, solution lines)`` of the source notebook at ``path``."""
    raw = Path(path).read_text().replace("\\n", "\n")
    return (regions(raw, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
            regions(raw, "BEGIN SOLUTION", "END SOLUTION"))


def encoded(secret: str) -> list[str]:
    """``secret`` as it stands inside base64 (any alignment) or hex (either case)."""
    data = secret.encode()
    forms = [data.hex(), data.hex().upper()]
    for pad in range(3):
        enc = base64.b64encode(b"\0" * pad + data).decode().rstrip("=")
        forms.append(enc[4 if pad else 0: -4])
    return [f for f in forms if len(f) >= 12]


def assert_clean(page: str, secrets, where: str) -> None:
    """No secret in ``page``'s visible text, nor base64- or hex-encoded anywhere in it."""
    from modellab.course import feedback

    visible = re.sub(r"\s+", " ", feedback._visible_text(page))
    for secret in secrets:
        assert re.sub(r"\s+", " ", secret) not in visible, f"{secret!r} in {where}"
        for form in encoded(secret):
            assert form not in page, f"{secret!r} encoded as {form} in {where}"


def as_in_notebook_file(line: str) -> str:
    """``line`` as it stands in a notebook file once ``\\n`` escapes are undone (quotes escaped)."""
    return line.replace('"', '\\"')

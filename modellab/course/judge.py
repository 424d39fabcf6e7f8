"""Trusted judging: learner cells run in the sandboxed kernel, tests run here.

Two nbgrader preprocessors replace the part of ``nbgrader autograde`` where learner code and
tests shared a process (see ``course/AUTHORING.md`` for the exercise format):

- :class:`GuardSubmission` (sanitizing, before ``OverwriteCells``) restores nbgrader metadata a
  learner's editor stripped (matched by cell id), puts back a cell's role and points a learner
  edited (``grade``, ``solution``, ``locked``, ``task``, ``points``), drops metadata that names
  no cell of the source (an extra or forged grade cell), un-tags an answer cell the
  learner turned into markdown (it stays markdown and does not run) and puts back locked
  set-up cells the learner deleted;
- :class:`TrustedExecute` (instead of ``Execute``) runs the learner's cells in a
  :class:`~modellab.course.harness.KernelSession` (sandboxed), restarting after a hang or a
  kernel death, then runs each grade cell's **trusted tests** in this process against a
  :class:`~modellab.course.harness.Learner` proxy. A part's outcome becomes its cell's output
  (an ``error`` output with the cause in plain words when it fails), so nbgrader's
  ``SaveAutoGrades`` records the points and the gradebook, Formgrader and feedback work as
  before.

Trusted tests use the small vocabulary below (:func:`expect_close`, :func:`expect_equal`,
:func:`expect_true`, :func:`expect_in_range`, :func:`expect_choice`): their messages name
what is wrong and never show an expected value, nor a learner's value beyond its type or how
many numbers it holds (a returned text or list could be built from the held-out inputs).

Examples
--------
>>> split_hidden("a = 1\\n### BEGIN HIDDEN TESTS (trusted)\\nexpect_true(True, 'x')\\n### END HIDDEN TESTS\\n")
('a = 1\\n', "expect_true(True, 'x')\\n", True)
>>> expect_close(0.5, 0.5 + 1e-12, "precision")
>>> expect_choice("b", "b", "Q1")
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Int, Unicode

from .harness import KernelSession, Learner, LearnerError
from .sandbox import SandboxLimits

BEGIN, END, TRUSTED = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "(trusted)"
MAX_RESTARTS = 6


class TestFailed(AssertionError):
    """A trusted test's verdict, in words a learner may read."""

    __test__ = False  # not a pytest test class


# ---- the trusted tests' vocabulary ------------------------------------------------------
def _numbers(value, what: str):
    import numpy as np

    if value is None or value is Ellipsis or getattr(value, "type_name", None) == "ellipsis":
        raise TestFailed(f"{what} has no answer yet: replace the ... with your answer")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TestFailed(f"{what} should be a number (or numbers), got a {type(value).__name__}") from None
    return arr


def expect_close(actual, expected, what: str, *, tol: float = 1e-9, hint: str = "") -> None:
    """``actual`` equals ``expected`` within ``tol`` (absolute; plus 1e-9 relative)."""
    import numpy as np

    got = _numbers(actual, what)
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        raise TestFailed(f"{what} should be {want.size} number(s), got {got.size}"
                         + (f": {hint}" if hint else ""))
    if not np.allclose(got, want, rtol=1e-9, atol=tol, equal_nan=True):
        raise TestFailed(f"{what} is not right" + (f": {hint}" if hint else ""))


def expect_equal(actual, expected, what: str, *, hint: str = "") -> None:
    """``actual == expected`` (plain data: numbers, strings, lists, dicts)."""
    if actual != expected:
        raise TestFailed(f"{what} is not right" + (f": {hint}" if hint else ""))


def expect_true(condition, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not bool(condition):
        raise TestFailed(message)


def expect_in_range(actual, low, high, what: str, *, hint: str = "") -> None:
    """``low <= actual <= high`` for one number."""
    got = _numbers(actual, what)
    if got.size != 1 or not (low <= float(got.reshape(-1)[0]) <= high):
        raise TestFailed(f"{what} should be one number between {low} and {high}"
                         + (f": {hint}" if hint else ""))


def expect_choice(answer, correct: str, name: str) -> None:
    """A multiple-choice answer: one letter, the right one."""
    if not isinstance(answer, str) or len(answer.strip()) != 1:
        raise TestFailed(f"{name}: answer with one letter, e.g. \"a\"")
    if answer.strip().lower() != correct:
        raise TestFailed(f"{name}: not the best answer")


VOCABULARY = {f.__name__: f for f in (expect_close, expect_equal, expect_true, expect_in_range,
                                       expect_choice)}


# ---- the exercise format ------------------------------------------------------------------
def split_hidden(source: str) -> tuple[str, str, bool]:
    """``(visible code, hidden tests, trusted?)`` of a grade cell's source."""
    visible, hidden, inside, trusted = [], [], False, False
    for line in source.splitlines(keepends=True):
        if BEGIN in line:
            inside, trusted = True, trusted or TRUSTED in line
        elif END in line:
            inside = False
        else:
            (hidden if inside else visible).append(line)
    return "".join(visible), "".join(hidden), trusted


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def untrusted_cells(source) -> list[str]:
    """Why each autograded cell of the source notebook ``source`` cannot be judged here.

    Every autograded code cell must hold one trusted region (``### BEGIN HIDDEN TESTS
    (trusted)``): a region without ``(trusted)`` is the old format, whose tests ran inside the
    learner's kernel where learner code can switch them off; a cell without hidden tests would
    rest its points on checks run there. Empty when every cell is fine.
    """
    problems = []
    for cell in source.cells:
        meta = _meta(cell)
        if not (meta.get("grade") and not meta.get("solution") and cell.cell_type == "code"):
            continue
        gid = meta.get("grade_id", "?")
        begins = [line for line in cell.source.splitlines() if BEGIN in line]
        if any(TRUSTED not in line for line in begins):
            problems.append(
                f"grade cell {gid!r} has hidden tests in the old format (`### {BEGIN}` without "
                f"`{TRUSTED}`): they would run inside the learner's kernel, where learner code can "
                f"switch them off. Convert them to trusted tests: begin the region with "
                f"`### {BEGIN} {TRUSTED}` and judge with learner.value()/learner.call() and "
                f"expect_*() (see course/AUTHORING.md)")
        elif not split_hidden(cell.source)[1].strip():
            problems.append(
                f"grade cell {gid!r} has no trusted tests: its points would rest on checks run "
                f"in the learner's kernel. Add a `### {BEGIN} {TRUSTED}` ... `### {END}` region "
                f"(see course/AUTHORING.md)")
    return problems


def require_trusted(paths) -> None:
    """Raise ValueError naming each autograded cell of the source notebooks at ``paths`` that
    is not judged by trusted tests (see :func:`untrusted_cells`), and the fix."""
    import nbformat

    problems = [f"{path}: {problem}" for path in paths
                for problem in untrusted_cells(nbformat.read(path, as_version=4))]
    if problems:
        raise ValueError("refusing to grade: " + "; ".join(problems))


def _source_notebook(source_root: str, resources) -> object:
    import nbformat

    info = resources["nbgrader"]
    path = Path(source_root) / info["assignment"] / f"{info['notebook']}.ipynb"
    return nbformat.read(path, as_version=4)


_ROLE = ("grade", "solution", "locked", "task", "points")  # nbgrader metadata a learner may not edit


class GuardSubmission(NbGraderPreprocessor):
    """Make a learner's notebook gradable part by part (see the module docstring)."""

    source_root = Unicode("", help="folder of the assignments' source notebooks").tag(config=True)

    def preprocess(self, nb, resources):
        import copy

        source = _source_notebook(self.source_root, resources)
        by_id = {_meta(c).get("grade_id"): c for c in source.cells if _meta(c).get("grade_id")}
        by_cell_id = {c.get("id"): c for c in by_id.values() if c.get("id")}
        tagged = {_meta(c).get("grade_id") for c in nb.cells}
        for cell in nb.cells:
            src = by_cell_id.get(cell.get("id"))
            if ("nbgrader" not in cell.metadata and src is not None
                    and src.cell_type == cell.cell_type and _meta(src)["grade_id"] not in tagged):
                # metadata stripped (e.g. by another editor): the cell id still says which it is
                self.log.warning("cell %r had lost its nbgrader metadata: restored", _meta(src)["grade_id"])
                cell.metadata["nbgrader"] = copy.deepcopy(src.metadata["nbgrader"])
                tagged.add(_meta(src)["grade_id"])
            if "nbgrader" not in cell.metadata:
                continue
            gid = _meta(cell).get("grade_id")
            src = by_id.get(gid)
            if src is None:  # forged, extra or malformed: an ordinary cell of the learner's
                self.log.warning("cell %r is not a cell of the exercise: graded as plain code", gid)
                del cell.metadata["nbgrader"]
            elif _meta(src).get("solution") and src.cell_type != cell.cell_type:
                self.log.warning("answer cell %r was turned into %s: it does not run", gid, cell.cell_type)
                del cell.metadata["nbgrader"]
            elif any(_meta(cell).get(k) != _meta(src).get(k) for k in _ROLE):
                # a cell's role and points are the exercise's: a learner's edit (an answer cell
                # claiming points, a check cell unlocked) made nbgrader fail the whole notebook
                self.log.warning("cell %r had its nbgrader role changed: restored", gid)
                for key in _ROLE:
                    cell.metadata["nbgrader"].pop(key, None)
                    if key in _meta(src):
                        cell.metadata["nbgrader"][key] = copy.deepcopy(_meta(src)[key])
        # locked set-up cells the learner deleted come back where they were
        present = {_meta(c).get("grade_id") for c in nb.cells}
        position = -1
        for src in source.cells:
            meta = _meta(src)
            gid = meta.get("grade_id")
            if not gid:
                continue
            if gid in present:
                position = next(i for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") == gid)
            elif meta.get("locked") and not meta.get("grade") and src.cell_type == "code":
                self.log.warning("locked cell %r was deleted: put back", gid)
                position += 1
                nb.cells.insert(position, copy.deepcopy(src))
        return nb, resources


class TrustedExecute(NbGraderPreprocessor):
    """Run learner cells in a sandboxed kernel; judge grade cells in this process."""

    source_root = Unicode("", help="folder of the assignments' source notebooks").tag(config=True)
    timeout = Int(60, help="seconds one cell or one request may run").tag(config=True)
    interrupt_grace = Float(5.0, help="seconds a kernel gets to obey an interrupt").tag(config=True)
    sandbox = Bool(True, help="run learner kernels under bubblewrap").tag(config=True)
    memory = Unicode("2GiB", help="address-space limit of a learner kernel").tag(config=True)
    cpu_seconds = Int(600, help="CPU seconds of one learner kernel").tag(config=True)
    processes = Int(256, help="processes/threads of one learner kernel").tag(config=True)
    file_size = Unicode("256MiB", help="largest file a learner kernel may write").tag(config=True)
    output_bytes = Unicode("1MiB", help="outputs kept per cell").tag(config=True)
    notebook_output_bytes = Unicode("16MiB", help="outputs kept per notebook (each cell: "
                                    "output_bytes)").tag(config=True)
    notebook_seconds = Int(1200, help="wall-clock seconds one learner's cells may take in all, "
                                      "replays after a restart included").tag(config=True)
    trusted_cpu_seconds = Int(120, help="CPU seconds this process may spend judging one part "
                                        "(waiting for the kernel not counted)").tag(config=True)

    def limits(self) -> SandboxLimits:
        return SandboxLimits(memory=self.memory, cpu_seconds=self.cpu_seconds,
                             processes=self.processes, file_size=self.file_size,
                             output_bytes=self.output_bytes)

    def preprocess(self, nb, resources):
        source = _source_notebook(self.source_root, resources)
        problems = untrusted_cells(source)
        if problems:  # grade_assignment refuses first; never judge a learner with them
            raise ValueError("refusing to grade: " + "; ".join(problems))
        parts, self._part_answers, answers_so_far, last = {}, {}, [], ()
        for cell in source.cells:
            meta = _meta(cell)
            if meta.get("solution") and not meta.get("grade") and cell.cell_type == "code":
                answers_so_far.append(meta["grade_id"])
            if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
                parts[meta["grade_id"]] = split_hidden(cell.source)
                # a second check of the same answer (no answer cell in between) reruns that one
                last = tuple(answers_so_far) or last
                self._part_answers[meta["grade_id"]] = last
                answers_so_far = []
        home = Path(tempfile.mkdtemp(prefix="mlw-"))
        try:
            _copy_submission(Path(resources.get("metadata", {}).get("path") or "."), home)
            session = KernelSession(home, sandboxed=self.sandbox, limits=self.limits(),
                                    timeout=self.timeout, interrupt_grace=self.interrupt_grace)
            session.start()
            try:
                self._answers = _answer_cells(nb, source)
                self._markdown = markdown_answers(nb, source)
                self._run(nb, parts, session, _trusted_namespace(source))
            finally:
                session.close()
        finally:
            shutil.rmtree(home, ignore_errors=True)
        return nb, resources

    def _left(self) -> float:
        """Seconds left of the notebook's wall-clock budget (``notebook_seconds``)."""
        return self._deadline - time.monotonic()

    def _run(self, nb, parts: dict, session: KernelSession, base: dict) -> None:
        # a budget for the whole notebook: cell time-outs alone let a notebook of a hundred
        # cells that each sleep just under the time-out hold a grading worker for hours
        self._deadline = time.monotonic() + self.notebook_seconds
        # and for its outputs: a thousand cells of 1 MiB each made a 1 GB graded notebook that
        # every later step (feedback, Formgrader) reads whole
        room = SandboxLimits(output_bytes=self.notebook_output_bytes).output_bytes
        history: list[str] = []
        problem = ""  # the latest learner cell that failed since the last grade cell
        judged = []  # (cell, grade id, trusted tests, problem before it, skipped?)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            gid = _meta(cell).get("grade_id")
            is_part = gid in parts  # every part has trusted tests (untrusted_cells)
            code, hidden, _ = parts[gid] if is_part else (cell.source, "", False)
            if session.restarts > MAX_RESTARTS or self._left() <= 0:
                cause = (f"not run: the kernel was restarted {MAX_RESTARTS} times"
                         if session.restarts > MAX_RESTARTS else
                         f"not run: the notebook's cells took more than {self.notebook_seconds} s "
                         f"in all")
                cell.outputs = [] if is_part else [_error(cause)]
                if is_part:
                    judged.append((cell, gid, hidden, cause, True))
                continue
            result = session.run(code, timeout=min(self.timeout, self._left())) if code.strip() else None
            if result is not None and result.status == "died":
                self._replay(session, history)
            elif result is not None:
                history.append(code)
            outputs = result.outputs if result is not None else []
            size = len(json.dumps(outputs, default=str))
            if size > room:
                outputs = [_note(f"outputs not kept: the notebook's outputs went beyond "
                                 f"{self.notebook_output_bytes}")]
            room -= min(size, room)
            if is_part:  # the visible check: shown to the learner, worth nothing
                cell.outputs = [_as_text(o) for o in outputs]
                judged.append((cell, gid, hidden, problem, False))
                problem = ""
                continue
            cell.outputs = outputs
            if result is not None and result.status in ("died", "timeout"):
                cell.outputs.append(_note(f"this cell {result.cause}"))
            if result is not None and result.failed:
                label = f"answer cell {gid}" if gid else f"cell {index + 1}"
                problem = f"{label}: {result.cause}"
        for cell, gid, hidden, problem, skipped in judged:
            if skipped:  # the reason it was not run
                cause, problem = problem.replace("not run:", "not graded:", 1), ""
            elif session.restarts > MAX_RESTARTS:
                cause = f"not graded: the kernel was restarted more than {MAX_RESTARTS} times"
            else:
                cause = self._judge(session, history, base, gid, hidden)
            if cause is None:
                cell.outputs.append({"output_type": "stream", "name": "stdout",
                                     "text": f"✔ {gid}: all tests passed\n"})
            else:
                cell.outputs.append(_error(f"{cause} (before it, {problem})" if problem else cause))
        import nbformat

        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [nbformat.from_dict(o) for o in cell.get("outputs", [])]

    def _judge(self, session, history, base, gid, hidden) -> str | None:
        namespace = dict(base)
        namespace["learner"] = MarkdownLearner(session, self._answers, self._part_answers.get(gid, ()),
                                               markdown=self._markdown)
        try:
            with contextlib.redirect_stdout(io.StringIO()), _cpu_budget(self.trusted_cpu_seconds):
                exec(compile(hidden, f"<trusted tests of {gid}>", "exec"), namespace)  # noqa: S102
            cause = None
        except (TestFailed, LearnerError) as exc:
            cause = str(exc)
            if getattr(exc, "detail", ""):  # the learner's own error text: could quote held-out data
                detail = "".join(c if c.isprintable() else "\ufffd" for c in exc.detail)
                self.log.warning("%s: the learner's error, not shown to them (it could quote "
                                 "held-out data): %s", gid, detail)
        except _OverBudget:
            cause = (f"{gid}: judging your answers took more than {self.trusted_cpu_seconds} s of "
                     f"the grader's CPU time (an answer far larger or slower to read than it "
                     f"should be, e.g. thousands of keys or a huge text)")
        except Exception as exc:  # the test itself broke: say so, never blame the learner silently
            # the message stays in the instructor's log: it can quote the grader's values (a
            # KeyError naming the expected key a learner's dict lacks)
            self.log.warning("the trusted tests of %r raised %s: %s", gid, type(exc).__name__, exc)
            cause = (f"the grader's test for {gid} could not run on your answer "
                     f"({type(exc).__name__}); tell the instructor")
        if not session.alive() and session.restarts <= MAX_RESTARTS:
            session.restart()
            self._replay(session, history)
        return cause

    def _replay(self, session: KernelSession, history: list[str]) -> None:
        """Bring a restarted kernel back to the state before the failing cell."""
        kept = []
        for code in history:
            if session.restarts > MAX_RESTARTS or self._left() <= 0:
                break
            result = session.run(code, timeout=min(self.timeout, self._left()))
            if result.status == "died":
                continue  # it dies again: leave it out
            kept.append(code)
        history[:] = kept


class _OverBudget(BaseException):
    """Trusted tests ran out of CPU time (a BaseException: tests' ``except Exception`` miss it)."""


@contextlib.contextmanager
def _cpu_budget(seconds: float):
    """Stop the block after ``seconds`` of this process's CPU time (ITIMER_VIRTUAL: time spent
    waiting for the learner's kernel does not count, a reply slow to decode, a set of
    colliding hashes or a regular expression backtracking over a learner's text does). Main
    thread only (signals); elsewhere the block runs unbounded."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise _OverBudget()

    previous = signal.signal(signal.SIGVTALRM, expired)
    signal.setitimer(signal.ITIMER_VIRTUAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def _answer_cells(nb, source) -> dict[str, str]:
    """``{grade id: learner's code}`` of the answer cells (by grade id, else by cell id)."""
    by_cell_id = {c.get("id"): _meta(c).get("grade_id") for c in source.cells
                  if _meta(c).get("solution") and c.cell_type == "code"}
    answers = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        gid = _meta(cell).get("grade_id")
        if gid not in by_cell_id.values():
            gid = by_cell_id.get(cell.get("id"))
        if gid and gid not in answers:
            answers[gid] = cell.source
    return answers


# ---- answers by ticking a box in a markdown cell (no code to write) ------------------------
_TICK = re.compile(r"^[ \t]*[-*+][ \t]+\[([ xX])\][ \t]+\*\*([a-z])\)\*\*", re.M)


def ticked_letters(markdown: str) -> tuple[str, ...]:
    """The letters of the ticked boxes of a markdown answer, in order.

    An option is a task-list line ``- [ ] **b)** text``; ticking it means writing ``- [x]``.

    Examples
    --------
    >>> ticked_letters("- [ ] **a)** wait\\n- [x] **b)** ask the team\\n- [ ] **c)** retrain")
    ('b',)
    """
    if not isinstance(markdown, str):
        raise TypeError(f"markdown should be the text of a markdown cell (str), got {type(markdown).__name__}")
    return tuple(m.group(2) for m in _TICK.finditer(markdown) if m.group(1) in "xX")


def untick(markdown: str) -> str:
    """``markdown`` with every ticked box of an option cleared (the learner copy of an answer).

    Examples
    --------
    >>> untick("- [x] **a)** yes\\n- [ ] **b)** no")
    '- [ ] **a)** yes\\n- [ ] **b)** no'
    """
    if not isinstance(markdown, str):
        raise TypeError(f"markdown should be the text of a markdown cell (str), got {type(markdown).__name__}")
    return _TICK.sub(lambda m: m.group(0).replace(f"[{m.group(1)}]", "[ ]", 1), markdown)


def check_ticked(name: str, notebook=None) -> None:
    """Visible check of a markdown answer, run in the learner's kernel: one box ticked?

    It reads the **saved** notebook (JupyterLab's ``JPY_SESSION_NAME``, else ``notebook``, else
    the notebook of the working folder holding an answer cell ``name``), so the learner saves
    first. It says nothing about whether the choice is right: the grader judges that.
    """
    import json
    import os

    from modellab.checks import CheckFailed, NotAnswered

    if not isinstance(name, str) or not name:
        raise TypeError("name should name the answer cell, e.g. 'q1'")
    candidates = []
    if notebook is not None:
        candidates.append(Path(notebook))
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb"):
        candidates += [Path(session), Path.cwd() / Path(session).name]
    candidates += sorted(Path.cwd().glob("*.ipynb"))
    for path in candidates:
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
        found = [c for c in cells if c.get("cell_type") == "markdown"
                 and c.get("metadata", {}).get("answer") == name]
        if found:
            source = found[0].get("source", "")
            letters = ticked_letters("".join(source) if isinstance(source, list) else source)
            break
    else:
        raise CheckFailed(f"❌ {name}: the saved notebook was not found; save it (Ctrl+S) and run this cell again.")
    if not letters:
        raise NotAnswered(f"⏳ {name}: no box is ticked yet. In the answer cell above, write - [x] instead "
                          "of - [ ] in front of your choice, save the notebook (Ctrl+S), then run this cell.")
    if len(letters) > 1:
        raise CheckFailed(f"❌ {name}: {len(letters)} boxes are ticked; tick exactly one, save, and run this cell again.")
    print(f"✅ {name}: your answer {letters[0]}) is saved; it is marked when the assessment is graded.")


def markdown_answers(nb, source) -> dict[str, str | None]:
    """``{answer name: the learner's markdown}`` of the exercise's markdown answer cells.

    A markdown answer cell is a markdown cell of the source notebook with no nbgrader metadata
    (nbgrader allows a markdown ``solution`` cell only as a manually graded cell) and a cell
    metadata entry ``"answer": "<name>"``. It is found in the submission by its **cell id**;
    its text comes from the submitted file and never from the kernel. ``None``: the learner
    deleted the cell or turned it into code.
    """
    by_id = {}
    for cell in source.cells:
        name = cell.get("metadata", {}).get("answer")
        if cell.cell_type == "markdown" and isinstance(name, str) and not _meta(cell):
            by_id[cell.get("id")] = name
    answers: dict[str, str | None] = dict.fromkeys(by_id.values())
    for cell in nb.cells:
        name = by_id.get(cell.get("id"))
        if name and cell.cell_type == "markdown" and answers[name] is None:
            answers[name] = cell.source
    return answers


class UntickAnswers(NbGraderPreprocessor):
    """``generate_assignment`` step: markdown answer cells reach learners with no box ticked.

    The source notebook ticks the right boxes (it is the solution that must score full marks);
    nbgrader's ``ClearSolutions`` cannot clear them, as the answer cells carry no nbgrader
    metadata. Configured in ``course/nbgrader_config.py``, so ``modellab build`` and
    ``modellab workshop release`` both use it.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and "answer" in cell.get("metadata", {}) and not _meta(cell):
            cell.source = untick(cell.source)
        return cell, resources


class MarkdownLearner(Learner):
    """:class:`~modellab.course.harness.Learner` that also reads ticked boxes.

    ``ticked(name)`` returns the one letter the learner ticked in the markdown answer cell
    ``name`` (see :func:`markdown_answers`), read from the submitted notebook.
    """

    def __init__(self, session, cells=None, part=(), *, markdown: dict | None = None):
        super().__init__(session, cells, part)
        self._markdown = dict(markdown or {})

    def ticked(self, name: str) -> str:
        if name not in self._markdown:
            known = ", ".join(sorted(self._markdown)) or "none"
            raise ValueError(f"no markdown answer cell named {name!r} in the exercise (known: {known}): "
                             "give the answer cell the cell metadata answer=\"<name>\"")
        text = self._markdown[name]
        if text is None:
            raise TestFailed(f"{name}: the answer cell is missing or is no longer a markdown cell; "
                             "ask your instructor for a fresh copy of the assessment")
        letters = ticked_letters(text)
        if len(letters) != 1:
            raise TestFailed(f"{name}: tick exactly one box (write - [x] instead of - [ ] in front "
                             f"of your choice); {len(letters)} boxes are ticked")
        return letters[0]


def _error(cause: str) -> dict:
    return {"output_type": "error", "ename": "NotGraded" if cause.startswith("not run") else "Failed",
            "evalue": cause, "traceback": [cause]}


def _note(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": f"[grader] {text}\n"}


def _as_text(output: dict) -> dict:
    """A visible check's output, kept for the learner but worth nothing to the score."""
    if output["output_type"] == "error":
        return {"output_type": "stream", "name": "stdout",
                "text": f"{output.get('ename', 'Error')}: {output.get('evalue', '')}\n"}
    if output["output_type"] == "stream":
        return {**output, "name": "stdout"}
    if output["output_type"] == "execute_result":
        return {"output_type": "display_data", "data": output.get("data", {}),
                "metadata": output.get("metadata", {})}
    return output


def _copy_submission(folder: Path, home: Path, limit: int = 50 * 1024**2) -> None:
    """The learner's own files (not other learners', not the gradebook) into the sandbox home."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= limit:
            shutil.copy(path, home / path.name)


_SETUP_CACHE: dict = {}


def _trusted_namespace(source) -> dict:
    """The exercise's locked set-up cells, run once in this (trusted) process."""
    import json

    key = json.dumps([c.source for c in source.cells if c.cell_type == "code"])
    if key not in _SETUP_CACHE:
        import matplotlib

        matplotlib.use("Agg")
        namespace: dict = {"__name__": "modellab_trusted"}
        for cell in source.cells:
            meta = _meta(cell)
            if cell.cell_type != "code" or not meta.get("locked") or meta.get("grade"):
                continue
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(cell.source, f"<set-up {meta.get('grade_id')}>", "exec"), namespace)  # noqa: S102
            except Exception:  # a set-up cell that needs learner values: tests must not rely on it
                continue
        namespace.update(VOCABULARY)
        _SETUP_CACHE.clear()
        _SETUP_CACHE[key] = namespace
    return _SETUP_CACHE[key]


__all__ = ["GuardSubmission", "MarkdownLearner", "TrustedExecute", "TestFailed", "markdown_answers",
           "UntickAnswers", "check_ticked", "require_trusted", "split_hidden", "ticked_letters",
           "untick", "untrusted_cells",
           *VOCABULARY]

"""Autograde a class in parallel without ever sharing the SQLite gradebook between processes.

How it stays safe
-----------------
SQLite allows one writer at a time, and nbgrader's autograde writes to the gradebook many
times per notebook. So each learner is graded by a worker process in a **private copy** of
the workshop: a snapshot of ``gradebook.db`` (SQLite backup API), the assignment's
``source/`` and that learner's ``submitted/`` folder. The worker runs nbgrader's own
``autograde`` there and returns the scores it wrote. Only the instructor's process writes
the real gradebook, one learner per transaction, as results arrive; the autograded
notebooks are moved into place at the same time. A learner whose notebook cannot be read,
or whose grading fails, is recorded with that status, and the others carry on.

Where the time goes (``benchmarks/grading.py``): per learner, starting the notebook's kernel
(about 1 s) dominates; nbgrader's own per-call overhead is small, so each worker grades one
learner per call (finer progress and failure isolation than chunks, at no measured cost).
Workers kill each kernel once its outputs are in rather than waiting for a graceful exit
(about 20% less CPU per learner).

Examples
--------
>>> GradingReport("ex01", (StudentResult("ada", "graded", 5.0, 7.0, ""),))
GradingReport(assignment='ex01', graded=1, failed=0, unreadable=0)
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .gradebook import (
    Workshop,
    filter_log,
    make_api,
    nbgrader_environment,
    record_status,
    snapshot_gradebook,
)


@dataclass(frozen=True)
class StudentResult:
    """What grading did for one learner.

    ``status`` is ``"graded"``, ``"failed"`` (nbgrader raised) or ``"unreadable"`` (the
    notebook is not valid JSON / nbformat); ``score`` and ``max_score`` are ``None`` unless
    graded; ``detail`` holds the warnings or the error an instructor should read.
    """

    student: str
    status: str
    score: float | None
    max_score: float | None
    detail: str


@dataclass(frozen=True)
class GradingReport:
    """The outcome of :func:`grade_assignment`: one :class:`StudentResult` per learner."""

    assignment: str
    results: tuple[StudentResult, ...]

    def __repr__(self) -> str:
        counts = {s: sum(r.status == s for r in self.results) for s in ("graded", "failed", "unreadable")}
        return (
            f"GradingReport(assignment={self.assignment!r}, graded={counts['graded']}, "
            f"failed={counts['failed']}, unreadable={counts['unreadable']})"
        )

    def to_frame(self):
        """Tidy table: columns ``student, status, score, max_score, detail``."""
        import pandas as pd

        return pd.DataFrame(
            [vars(r) for r in self.results],
            columns=["student", "status", "score", "max_score", "detail"],
        )


def submitted_students(ws: Workshop, assignment: str) -> list[str]:
    """Learners with a folder in ``submitted/<student>/<assignment>/`` (sorted)."""
    base = ws.root / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())


MAX_CELLS = 2_000  # cells of one submitted notebook (an exercise has about 30)
MAX_SOURCE_CHARS = 5_000_000  # characters of source in all its cells (outputs not counted)


def unreadable_reason(folder: Path) -> str | None:
    """Why the notebooks in ``folder`` cannot be graded, or ``None`` when they all read."""
    import nbformat

    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        return "no notebook in the submission"
    for path in notebooks:
        if path.stat().st_size == 0:
            return f"{path.name} is an empty file"
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # nbformat raises many kinds: JSON, schema, encoding
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"{path.name} is not a readable notebook ({type(exc).__name__}: {first[:160]})"
        # a notebook far beyond any answer (a million cells, a 100 MB cell) would hold every
        # later step for the whole class: its feedback page alone takes hours to render
        chars = sum(len(cell.source) for cell in nb.cells)
        if len(nb.cells) > MAX_CELLS or chars > MAX_SOURCE_CHARS:
            return (f"{path.name} is too large to grade ({len(nb.cells):,} cells, {chars:,} "
                    f"characters of source; at most {MAX_CELLS:,} cells and "
                    f"{MAX_SOURCE_CHARS:,} characters): ask the learner for the exercise's "
                    f"notebook with their answers only")
    return None


def grade_assignment(
    ws: Workshop,
    assignment: str,
    *,
    students: list[str] | None = None,
    jobs: int = 2,
    progress: bool = True,
    unsafe_no_sandbox: bool = False,
) -> GradingReport:
    """Autograde ``assignment`` for every submitted learner (or only ``students``).

    Parameters
    ----------
    ws : Workshop
        From :func:`modellab.course.gradebook.open_workshop`.
    assignment : str
        An assignment released with :func:`~modellab.course.workshop.release`.
    students : list of str, optional
        Regrade only these learners (they must have a ``submitted/`` folder).
    jobs : int
        Worker processes (each runs one notebook kernel at a time).
    progress : bool
        Show a tqdm progress bar on stderr.
    unsafe_no_sandbox : bool
        Run learner kernels without the bubblewrap sandbox (see
        :data:`modellab.course.sandbox.UNSAFE_WARNING`). Without it, grading refuses to start
        where no sandbox can be made.

    Returns
    -------
    GradingReport
    """
    ws.require_assignment(assignment)
    if not isinstance(unsafe_no_sandbox, bool):
        raise TypeError(f"unsafe_no_sandbox must be True or False, got {unsafe_no_sandbox!r}.")
    if not unsafe_no_sandbox:
        from .sandbox import sandbox_problem

        problem = sandbox_problem()
        if problem:
            raise RuntimeError(
                f"refusing to grade: learner code must run in a sandbox, and {problem}. "
                f"Install bubblewrap, or pass --unsafe-no-sandbox if you trust every notebook "
                f"(learner code would then run with your rights)."
            )
    _check_limits(ws)
    from .judge import require_trusted

    require_trusted(sorted((ws.root / "source" / assignment).glob("*.ipynb")))
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}: e.g. jobs=2.")
    # workers' server imports nbgrader while this process does the same and checks the class
    ctx = _worker_context()
    from nbgrader.api import Gradebook, MissingEntry

    with nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(
                f"assignment {assignment!r} is not in the gradebook yet: run "
                f"`modellab workshop release {assignment}` first."
            ) from None
    available = submitted_students(ws, assignment)
    if students is None:
        students = available
    else:
        missing = sorted(set(students) - set(available))
        if missing:
            raise ValueError(
                f"no submission of {assignment!r} for {missing}: collect it first "
                f"(`modellab workshop collect {assignment} PATH`)."
            )
    if not students:
        raise ValueError(
            f"nothing to grade: no submissions of {assignment!r} in {ws.root / 'submitted'}; "
            f"run `modellab workshop collect {assignment} PATH` first."
        )

    results: dict[str, StudentResult] = {}
    to_grade = []
    for student in students:
        reason = unreadable_reason(ws.root / "submitted" / student / assignment)
        if reason:
            results[student] = StudentResult(student, "unreadable", None, None, reason)
        else:
            to_grade.append(student)
    record_status(ws, assignment, {s: (r.status, r.detail) for s, r in results.items()})

    workroot = Path(tempfile.mkdtemp(prefix="grade-", dir=ws.root / ".modellab"))
    try:
        snapshot = snapshot_gradebook(ws, workroot / "snapshot.db")
        job = {"root": str(ws.root), "course_id": ws.course_id, "assignment": assignment,
               "snapshot": str(snapshot), "workroot": str(workroot),
               "sandbox": not unsafe_no_sandbox}
        with nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
            for student, outcome in _run_workers(ctx, job, to_grade, jobs, progress, ws.root):
                results[student] = _merge(gb, ws, assignment, student, outcome)
                record_status(ws, assignment,
                              {student: (results[student].status, results[student].detail)})
    finally:
        shutil.rmtree(workroot, ignore_errors=True)
    ordered = tuple(results[s] for s in students)
    return GradingReport(assignment, ordered)


def _run_workers(ctx, job: dict, students: list[str], jobs: int, progress: bool, root: Path,
                 *, target=None):
    """Yield ``(student, outcome)`` as workers finish, whatever happens to a worker.

    ``target`` (default :func:`grade_one_in_copy`) grades one job in a worker.
    """
    if not students:
        return
    from concurrent.futures.process import BrokenProcessPool

    from tqdm.auto import tqdm

    target = grade_one_in_copy if target is None else target
    logdir = root / ".modellab" / "logs"
    logdir.mkdir(parents=True, exist_ok=True)

    def pool(workers: int):
        return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(str(logdir),))

    broken = []
    with tqdm(total=len(students), desc=f"grading {job['assignment']}", unit="notebook",
              file=sys.stderr, disable=not progress) as bar:
        with pool(min(jobs, len(students))) as shared:
            futures = {shared.submit(target, {**job, "student": s}): s for s in students}
            for future in as_completed(futures):
                student = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool:  # maybe another learner's doing: graded alone below
                    broken.append(student)
                    continue
                except Exception as exc:
                    outcome = {"success": False, "error": f"grading process failed: {exc!r}", "log": ""}
                bar.update(1)
                yield student, outcome
        # a worker that dies (a crash, the OOM killer) breaks the pool, and every learner it
        # still held fails with it: each is graded again in a pool of its own, so only the
        # learner whose own grading kills the worker is failed
        for student in broken:
            with pool(1) as alone:
                try:
                    outcome = alone.submit(target, {**job, "student": student}).result()
                except Exception as exc:
                    outcome = {"success": False, "log": "",
                               "error": f"grading process failed: the process grading this notebook "
                                        f"died ({exc!r})"}
            bar.update(1)
            yield student, outcome


def _worker_context():
    """Workers fork from a clean server that imported nbgrader once (no zmq/sqlite state
    inherited from this process, and no per-worker import cost); plain spawn elsewhere.

    The server is started here, at once, so that its imports (seconds) overlap with this
    process's own work before the first learner is handed out; a server left running by an
    earlier call in this process is reused.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(
            ["modellab.course.grading", "nbgrader.apps", "nbgrader.converters", "nbclient"]
        )
        forkserver.ensure_running()
        return ctx
    return multiprocessing.get_context("spawn")


#: Address space of one grading worker (the trusted side). A learner's reply can be a tiny
#: Parquet file that decodes to terabytes (a compressed page of one long string, a dictionary
#: value repeated on every row); under this limit reading it fails with MemoryError, a cause in
#: that learner's feedback, instead of the machine's OOM killer choosing what dies. Grading
#: ex01_metrics peaks near 2.1 GB of address space per worker.
WORKER_MEMORY = 6 * 1024**3


def _init_worker(logdir: str, memory: int = WORKER_MEMORY) -> None:
    """Send this worker's (and its kernels') raw stdout/stderr to a log file; bound its memory."""
    import resource

    fd = os.open(os.path.join(logdir, f"worker-{os.getpid()}.log"),
                 os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


_WORKER: dict = {}  # per worker process: its private course copy and nbgrader API, reused


def _private_course(job: dict):
    """This process's private copy of the course (gradebook snapshot + source), made once."""
    from .gradebook import open_workshop

    key = (job["root"], job["assignment"], job["snapshot"])
    if _WORKER.get("key") != key:
        ws = open_workshop(job["root"])
        work = Path(job["workroot"]) / f"worker-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        shutil.copy(job["snapshot"], work / "gradebook.db")
        shutil.copytree(ws.root / "source" / job["assignment"], work / "source" / job["assignment"])
        with nbgrader_environment():
            api = make_api(ws, **{"CourseDirectory.root": str(work),
                                  "CourseDirectory.db_url": f"sqlite:///{work / 'gradebook.db'}",
                                  **_trusted_pipeline(ws, work / "source", job.get("sandbox", True))})
        _WORKER.update(key=key, ws=ws, work=work, api=api)
    return _WORKER["ws"], _WORKER["work"], _WORKER["api"]


def _check_limits(ws: Workshop) -> None:
    """Refuse a workshop whose sandbox limits are not valid (before any learner is graded)."""
    from .gradebook import load_config, nbgrader_environment
    from .judge import TrustedExecute

    with nbgrader_environment():
        try:
            TrustedExecute(config=load_config(ws)).limits()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{ws.root / 'nbgrader_config.py'}: TrustedExecute {exc}") from None


def _trusted_pipeline(ws: Workshop, source_root: Path, sandbox: bool) -> dict:
    """nbgrader autograde with our execute step: learner cells in the sandboxed kernel, tests in
    this process (:mod:`modellab.course.judge`); nbgrader still restores locked cells, records
    the points and keeps the gradebook."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from .gradebook import load_config
    from .judge import GuardSubmission, TrustedExecute

    cfg = load_config(ws)
    timeout = cfg.TrustedExecute.get("timeout", cfg.Execute.get("timeout", 60))
    return {
        "Autograde.sanitize_preprocessors": [ClearOutput, DeduplicateIds, GuardSubmission,
                                             OverwriteKernelspec, OverwriteCells, CheckCellMetadata],
        "Autograde.autograde_preprocessors": [TrustedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                              LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                              CheckCellMetadata],
        "GuardSubmission.source_root": str(source_root),
        "TrustedExecute.source_root": str(source_root),
        "TrustedExecute.timeout": int(timeout),
        "TrustedExecute.sandbox": bool(sandbox),
    }


def grade_one_in_copy(job: dict) -> dict:
    """Worker: autograde one learner in a private copy; return the scores nbgrader wrote.

    ``job`` holds ``root, course_id, assignment, student, snapshot, workroot``. The private
    copy (and its gradebook) belongs to this worker process alone; the autograded folder is
    left for the instructor's process to move into place.
    """
    try:
        ws, work, api = _private_course(job)
        assignment, student = job["assignment"], job["student"]
        shutil.rmtree(work / "submitted", ignore_errors=True)
        shutil.copytree(ws.root / "submitted" / student / assignment,
                        work / "submitted" / student / assignment)
        with nbgrader_environment():
            out = api.autograde(assignment, student, force=True, create=True)
            if not out.get("success"):
                return {"success": False, "error": out.get("error", ""), "log": out.get("log", "")}
            out["notebooks"], out["timestamp"] = _read_scores(
                f"sqlite:///{work / 'gradebook.db'}", assignment, student)
        out["autograded"] = str(work / "autograded" / student / assignment)
        out["causes"] = part_causes(Path(out["autograded"]))
        return out
    except Exception:
        return {"success": False, "error": traceback.format_exc(), "log": ""}


def part_causes(folder: Path) -> dict[str, str]:
    """``{grade id: why it lost its points}`` read from autograded notebooks in ``folder``."""
    import nbformat

    causes = {}
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                causes[meta.get("grade_id", "?")] = str(errors[-1].get("evalue", "")) or "failed"
    return causes


def _read_scores(db_url: str, assignment: str, student: str):
    from nbgrader.api import Gradebook

    notebooks = {}
    with Gradebook(db_url) as gb:
        sub = gb.find_submission(assignment, student)
        for nb in sub.notebooks:
            notebooks[nb.name] = {
                "late_penalty": nb.late_submission_penalty,
                "grades": {g.name: (g.auto_score, bool(g.needs_manual_grade)) for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            }
        return notebooks, sub.timestamp


def _merge(gb, ws: Workshop, assignment: str, student: str, outcome: dict) -> StudentResult:
    """Write one worker's scores into the real gradebook and move its files.

    ``gb`` is the instructor process's open ``Gradebook`` (the only writer), kept open across
    learners; each learner is committed before the next arrives, and a learner whose scores
    cannot be written is rolled back and reported as failed without stopping the others.
    """
    warnings_ = filter_log(outcome.get("log"))
    regrade = f"regrade: modellab workshop grade {assignment} --student {student}"
    if not outcome.get("success"):
        error = (outcome.get("error") or "").strip().splitlines()
        detail = "; ".join(warnings_ + error[-1:]) or "nbgrader autograde failed"
        return StudentResult(student, "failed", None, None, f"{detail}; {regrade}")
    causes = [f"{gid}: {cause}" for gid, cause in outcome.get("causes", {}).items()]
    try:
        score, max_score = _write_scores(gb, assignment, student, outcome)
    except Exception as exc:  # e.g. the gradebook is locked by another program: report, go on
        gb.db.rollback()
        return StudentResult(student, "failed", None, None,
                             f"could not record the scores in the gradebook ({exc!r}); "
                             f"regrade with --student {student}")
    dest = ws.root / "autograded" / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(outcome["autograded"], dest)
    return StudentResult(student, "graded", score, max_score,
                         "; ".join(causes + warnings_ + ([regrade] if causes else [])))


def _write_scores(gb, assignment: str, student: str, outcome: dict) -> tuple[float, float]:
    """One learner's worker scores into ``gb``, committed; returns (score, max_score)."""
    gb.update_or_create_student(student)
    kwargs = {"timestamp": outcome["timestamp"]} if outcome.get("timestamp") else {}
    sub = gb.update_or_create_submission(assignment, student, **kwargs)
    for nb in sub.notebooks:
        scores = outcome["notebooks"].get(nb.name)
        if scores is None:
            continue
        nb.late_submission_penalty = scores["late_penalty"]
        for grade in nb.grades:
            auto, needs_manual = scores["grades"].get(grade.name, (0.0, False))
            grade.auto_score = auto
            # a grader's manual score survives regrading, but asks for a second look
            grade.needs_manual_grade = needs_manual or grade.manual_score is not None
        for comment in nb.comments:
            comment.auto_comment = scores["comments"].get(comment.name)
    gb.db.commit()
    return float(sub.score), float(sub.max_score)

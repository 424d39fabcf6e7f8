"""Class results as tidy tables: the grades export and where the class struggles.

Both tables come from the gradebook plus modellab's status record, so a learner whose
notebook could not be graded still has a row, with a ``status`` saying why.

Status values: ``graded``; ``unreadable`` (the notebook could not be read); ``failed``
(nbgrader could not grade it); ``collected`` (not graded yet); ``no submission``.
"""

from __future__ import annotations

from pathlib import Path

GRADE_COLUMNS = [
    "student", "first_name", "last_name", "assignment", "score", "max_score", "percent",
    "needs_manual_grade", "points_not_marked", "status", "detail",
]
QUESTION_COLUMNS = [
    "notebook", "question", "kind", "max_score", "n_graded", "n_pending", "mean_score", "pass_rate",
]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame):
    """``frame`` with each text cell that a spreadsheet would run as a formula (it starts with
    ``= + - @``, a tab or a carriage return) prefixed with ``'``, for CSV files an instructor
    opens in Excel or LibreOffice: learners' names come from the LMS, where a learner can be
    called ``=HYPERLINK(...)``. Numbers are left as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> spreadsheet_safe(pd.DataFrame({"name": ["=1+1", "Eve"], "score": [-1.0, 2.0]})).values.tolist()
    [["'=1+1", -1.0], ['Eve', 2.0]]
    """
    def safe(value):
        return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("str", "string"):
            out[column] = out[column].map(safe)
    return out


def grade_state(grade) -> tuple[str, float | None]:
    """``("not marked", None)`` while a grade waits for a human mark, else ``("scored", score)``.

    The one rule for "not marked": nbgrader flags the grade for a manual mark and nobody has
    given one yet (a manual mark kept through a regrade counts as marked).
    """
    if grade.needs_manual_grade and grade.manual_score is None:
        return "not marked", None
    return "scored", float(grade.score)


def part_scores(ws, assignment: str, student: str) -> dict:
    """``{notebook: {grade_id: {"part", "kind", "score", "max_score", "state"}}}`` for one learner.

    ``state`` is ``"scored"``, ``"not marked"`` (``score`` None) or ``"not graded"`` (no
    graded submission: ``score`` None); ``kind`` is ``"auto"`` or ``"manual"``.
    """
    from nbgrader.api import Gradebook, MissingEntry

    from .gradebook import nbgrader_environment

    out: dict = {}
    with nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
        try:
            gb.find_submission(assignment, student)
            graded = True
        except MissingEntry:
            graded = False
        for nb in gb.find_assignment(assignment).notebooks:
            parts = out.setdefault(nb.name, {})
            for cell in nb.grade_cells:
                state, score = "not graded", None
                if graded:
                    state, score = grade_state(gb.find_grade(cell.name, nb.name, assignment, student))
                parts[cell.name] = {"part": cell.name,
                                    "kind": "auto" if cell.cell_type == "code" else "manual",
                                    "score": score, "max_score": float(cell.max_score),
                                    "state": state}
    return out


def grades_frame(ws, assignment: str | None = None):
    """One row per learner and assignment, every learner included.

    Columns: ``student, first_name, last_name, assignment, score, max_score, percent,
    needs_manual_grade, points_not_marked, status, detail``; ``score`` and ``percent`` are NaN
    unless ``status == "graded"``; ``score`` counts the points marked so far and
    ``points_not_marked`` the points still waiting for a human mark (so the score is final
    only when it is 0).
    """
    import pandas as pd
    from nbgrader.api import Gradebook, MissingEntry

    from .gradebook import load_status, nbgrader_environment

    status = load_status(ws)
    rows = []
    with nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
        assignments = [a.name for a in gb.assignments]
        if assignment is not None:
            if assignment not in assignments:
                raise ValueError(
                    f"assignment {assignment!r} is not in the gradebook (known: {assignments or 'none'}): "
                    f"release it first."
                )
            assignments = [assignment]
        students = {s.id: s for s in gb.students}
        for name in assignments:
            max_score = float(gb.find_assignment(name).max_score)
            known = sorted(set(students) | set(status.get(name, {})))
            for sid in known:
                entry = status.get(name, {}).get(sid)
                try:
                    sub = gb.find_submission(name, sid)
                except MissingEntry:
                    sub = None
                state = entry["status"] if entry else ("graded" if sub is not None else "no submission")
                graded = state == "graded" and sub is not None
                student = students.get(sid)
                score = float(sub.score) if graded else float("nan")
                waiting = 0.0
                if graded:
                    for nb in sub.notebooks:
                        for grade in nb.grades:
                            if grade_state(grade)[0] == "not marked":
                                waiting += float(grade.cell.max_score)
                rows.append({
                    "student": sid,
                    "first_name": (student.first_name if student else None) or "",
                    "last_name": (student.last_name if student else None) or "",
                    "assignment": name,
                    "score": score,
                    "max_score": max_score,
                    "percent": round(100 * score / max_score, 1) if max_score else float("nan"),
                    "needs_manual_grade": bool(sub.needs_manual_grade) if graded else False,
                    "points_not_marked": waiting if graded else float("nan"),
                    "status": state,
                    "detail": (entry or {}).get("detail", ""),
                })
    frame = pd.DataFrame(rows, columns=GRADE_COLUMNS)
    return frame.sort_values(["assignment", "student"], ignore_index=True)


def questions_frame(ws, assignment: str):
    """Per-question results over the graded learners of ``assignment``.

    Columns: ``notebook, question, kind ("auto"/"manual"), max_score, n_graded, n_pending
    (waiting for a manual grade), mean_score, pass_rate`` (share of graded learners with full
    marks), sorted from hardest to easiest.
    """
    import pandas as pd
    from nbgrader.api import Gradebook

    from .gradebook import nbgrader_environment

    graded = grades_frame(ws, assignment)
    students = graded.loc[graded["status"] == "graded", "student"].tolist()
    rows = []
    with nbgrader_environment(), Gradebook(ws.db_url, ws.course_id) as gb:
        for nb in gb.find_assignment(assignment).notebooks:
            for cell in nb.grade_cells:
                scores, pending = [], 0
                for sid in students:
                    state, score = grade_state(gb.find_grade(cell.name, nb.name, assignment, sid))
                    if state == "not marked":
                        pending += 1
                    else:
                        scores.append(score)
                n = len(scores)
                rows.append({
                    "notebook": nb.name,
                    "question": cell.name,
                    "kind": "auto" if cell.cell_type == "code" else "manual",
                    "max_score": float(cell.max_score),
                    "n_graded": n,
                    "n_pending": pending,
                    "mean_score": sum(scores) / n if n else float("nan"),
                    "pass_rate": sum(s >= cell.max_score for s in scores) / n if n else float("nan"),
                })
    frame = pd.DataFrame(rows, columns=QUESTION_COLUMNS)
    return frame.sort_values(["pass_rate", "question"], ignore_index=True, na_position="last")


OVERVIEW_COLUMNS = [
    "assignment", "learners", "graded", "failed", "unreadable", "not_graded", "no_submission",
    "mean_score", "max_score", "learners_not_marked", "files_not_placed",
]


def class_overview(ws, assignments=None):
    """One row per assignment (every one in the gradebook, or ``assignments``).

    Columns: ``assignment, learners`` (with a submission), ``graded, failed, unreadable,
    not_graded`` (collected, not graded yet), ``no_submission``, ``mean_score`` (over graded
    learners, marked points only), ``max_score``, ``learners_not_marked`` (graded learners with
    points waiting for a human mark) and ``files_not_placed`` (left by the last collect).
    """
    import pandas as pd

    from .collect import unresolved

    grades = grades_frame(ws)
    names = sorted(grades["assignment"].unique()) if assignments is None else list(assignments)
    rows = []
    for name in names:
        g = grades[grades["assignment"] == name]
        graded = g[g["status"] == "graded"]
        rows.append({
            "assignment": name,
            "learners": int((g["status"] != "no submission").sum()),
            "graded": len(graded),
            "failed": int((g["status"] == "failed").sum()),
            "unreadable": int((g["status"] == "unreadable").sum()),
            "not_graded": int((g["status"] == "collected").sum()),
            "no_submission": int((g["status"] == "no submission").sum()),
            "mean_score": float(graded["score"].mean()) if len(graded) else float("nan"),
            "max_score": float(g["max_score"].max()) if len(g) else float("nan"),
            "learners_not_marked": int((graded["points_not_marked"] > 0).sum()),
            "files_not_placed": len(unresolved(ws, name)) if name in ws.assignments() else 0,
        })
    return pd.DataFrame(rows, columns=OVERVIEW_COLUMNS)


def plot_summary(questions, grades, path: Path, title: str) -> Path:
    """Save pass rate per question and the score histogram as one PNG (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    scored = grades.loc[grades["status"] == "graded", "score"]
    max_score = float(grades["max_score"].max()) if len(grades) else 1.0
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, max(3.5, 0.45 * len(questions) + 1.5)))
    rates = 100 * questions["pass_rate"].fillna(0)
    bars = ax1.barh(questions["question"], rates, color="#4C72B0")
    for bar, n, pending in zip(bars, questions["n_graded"], questions["n_pending"], strict=True):
        if n == 0:  # no mark yet: say so rather than draw 0%
            ax1.text(1, bar.get_y() + bar.get_height() / 2,
                     "not marked" if pending else "no graded learner", va="center", color="0.3")
    ax1.set_xlim(0, 100)
    ax1.set_xlabel("learners with full marks (%)")
    ax1.set_title("Where the class struggles (lowest first)")
    ax1.invert_yaxis()
    ax2.hist(scored, bins=min(20, max(1, int(max_score) + 1)), range=(0, max_score), color="#55A868")
    ax2.set_xlabel(f"score (out of {max_score:g})")
    ax2.set_ylabel("learners")
    ax2.set_title(f"Score distribution (n={len(scored)})")
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

"""``modellab workshop``: run a class with nbgrader, from handing out to the grades.

Commands (each prints what it did and where the output went)::

    modellab workshop init DIR [--source SOLUTIONS_DIR] [--timeout S] [--course-id ID]
    modellab workshop release [ASSIGNMENT ...] [--one-zip]
    modellab workshop collect ASSIGNMENT PATH [--as LEARNER FILE ...] [--prefer newest]
    modellab workshop grade ASSIGNMENT [--student ID ...] [--jobs N]
    modellab workshop feedback ASSIGNMENT [--student ID ...]
    modellab workshop export [--out grades.csv] [--assignment A]
    modellab workshop summary [ASSIGNMENT ...] [--out DIR]

Every command but ``init`` works on a workshop directory: ``--dir DIR``, else the
``MODELLAB_WORKSHOP`` environment variable, else the current directory.

Python API: :func:`modellab.course.gradebook.init_workshop`, :func:`open_workshop`,
:func:`release`, :func:`modellab.course.collect.collect_submissions`,
:func:`modellab.course.grading.grade_assignment`,
:func:`modellab.course.feedback.generate_feedback`,
:func:`modellab.course.results.grades_frame` and :func:`~modellab.course.results.questions_frame`.

Importing this module is cheap: nbgrader, pandas and matplotlib load only when a command runs.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="modellab workshop")
>>> configure_parser(parser)
>>> parser.parse_args(["grade", "ex01", "--jobs", "2", "--dir", "/tmp/w"]).jobs
2
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import zipfile
from pathlib import Path

from .gradebook import Workshop, open_workshop

__all__ = ["configure_parser", "run", "release", "open_workshop"]


def release(ws: Workshop, assignments=None, *, one_zip: bool = False) -> dict:
    """Generate learner versions of ``assignments`` (default: all) and zip them to hand out.

    Each released folder is checked: a solution or hidden-test marker, or a hidden-test line,
    in a learner file stops the release with an error. A source whose autograded cells are not
    judged by trusted tests is refused first (ValueError naming the cell and the fix, see
    :func:`modellab.course.judge.require_trusted`).

    Returns
    -------
    dict
        ``{"released": {assignment: release_folder}, "zips": [zip paths]}``.
    """
    from .feedback import find_leaks, hidden_lines_of_notebooks
    from .gradebook import filter_log, make_api, nbgrader_environment

    assignments = list(assignments) if assignments else ws.assignments()
    if not assignments:
        raise ValueError(
            f"no source assignments in {ws.root / 'source'}: run `modellab workshop init` with "
            f"--source pointing at a folder of nbgrader source notebooks."
        )
    from .judge import require_trusted

    for name in assignments:
        ws.require_assignment(name)
        # no class should get an exercise that cannot be graded safely
        require_trusted(sorted((ws.root / "source" / name).glob("*.ipynb")))
    released, zips, warnings_ = {}, [], []
    handout = ws.root / "handout"
    handout.mkdir(exist_ok=True)
    with nbgrader_environment():
        api = make_api(ws)
        for name in assignments:
            out = api.generate_assignment(name, force=True, create=True)
            if not out.get("success"):
                raise RuntimeError(
                    f"nbgrader generate_assignment failed for {name}:\n"
                    + "\n".join(filter_log(out.get("log"))) + "\n" + (out.get("error") or "")
                )
            warnings_ += filter_log(out.get("log"))
            folder = ws.root / "release" / name
            secret = hidden_lines_of_notebooks((ws.root / "source" / name).glob("*.ipynb"))
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path.suffix in {".ipynb", ".py", ".md", ".txt"}:
                    text = path.read_text(encoding="utf-8", errors="replace")
                    leaks = find_leaks(text, secret)
                    if "BEGIN SOLUTION" in text:
                        leaks.insert(0, "BEGIN SOLUTION")
                    if leaks:
                        raise RuntimeError(
                            f"{path} would give learners solution or hidden-test text {leaks[:3]}: "
                            f"fix the source notebook's markers and release again."
                        )
            released[name] = str(folder)
            if not one_zip:
                zips.append(_zip([folder], handout / f"{name}.zip"))
    if one_zip:
        zips.append(_zip([ws.root / "release" / n for n in assignments], handout / "assignments.zip"))
    return {"released": released, "zips": zips, "warnings": warnings_}


def _zip(folders, target: Path) -> str:
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for folder in folders:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                    zf.write(path, Path(folder.name) / path.relative_to(folder))
    os.replace(tmp, target)
    return str(target)


# --- command line ----------------------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the workshop sub-commands to ``parser`` (called by ``modellab.cli``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--dir", default=os.environ.get("MODELLAB_WORKSHOP", "."),
        help="workshop directory (default: $MODELLAB_WORKSHOP or the current directory)",
    )
    sub = parser.add_subparsers(dest="workshop_command", metavar="STEP")

    p = sub.add_parser("init", help="create a workshop directory (outside the repository)")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--source", help="folder of nbgrader source assignments (default: solutions/)")
    p.add_argument("--course-id", default="modellab")
    p.add_argument("--timeout", type=int, default=60, help="seconds per cell when grading")

    p = sub.add_parser("release", parents=[common], help="generate learner copies and zips")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.add_argument("--one-zip", action="store_true", help="one zip with every assignment")

    p = sub.add_parser("collect", parents=[common], help="take in learners' notebooks")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("path", metavar="PATH", help="folder of notebooks, LMS zip export or .ipynb")
    p.add_argument("--as", dest="assign", nargs=2, action="append", metavar=("LEARNER", "FILE"),
                   help="FILE (its name in PATH, as collect lists it) is LEARNER's notebook "
                        "(repeatable)")
    p.add_argument("--prefer", choices=["newest"], default=None,
                   help="a learner with several files for one notebook: take the newest")

    p = sub.add_parser("grade", parents=[common], help="autograde in parallel")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", help="regrade only this learner (repeatable)")
    p.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run learner code WITHOUT the bubblewrap sandbox (only for notebooks you "
                        "trust: it could read tests, solutions and other learners, and write the "
                        "gradebook)")

    p = sub.add_parser("feedback", parents=[common],
                       help="HTML feedback for every learner, from what they may see")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", help="only this learner (repeatable)")

    p = sub.add_parser("export", parents=[common], help="grades CSV with every learner")
    p.add_argument("--out", default=None, help="CSV path (default: DIR/grades.csv)")
    p.add_argument("--assignment", default=None)

    p = sub.add_parser("summary", parents=[common],
                       help="one line per assignment, per-question pass rates, who needs attention")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help="default: every assignment in the gradebook")
    p.add_argument("--out", default=None, help="folder for the PNG and CSV (default: DIR/summary)")
    parser.set_defaults(_workshop_parser=parser)


def run(args: argparse.Namespace) -> int:
    """Run one workshop command; return the exit code (0 ok, 1 some learners need attention)."""
    step = getattr(args, "workshop_command", None)
    if not step:
        args._workshop_parser.print_help()
        return 2
    try:
        return _STEPS[step](args)
    except RuntimeError as exc:  # nbgrader failed, or a release/feedback check refused
        print(f"modellab workshop {step}: error: {exc}", file=sys.stderr)
        return 1


def _init(args) -> int:
    from .gradebook import init_workshop

    ws = init_workshop(args.directory, source=args.source, course_id=args.course_id,
                       timeout=args.timeout)
    print(f"workshop directory: {ws.root}")
    print(f"  config:     {ws.root / 'nbgrader_config.py'} (cell timeout {args.timeout} s)")
    print(f"  gradebook:  {ws.root / 'gradebook.db'}")
    print(f"  source:     {ws.root / 'source'} -> {', '.join(ws.assignments()) or 'no assignments'}")
    print(f"next: modellab workshop release --dir {ws.root}")
    return 0


def _release(args) -> int:
    ws = open_workshop(args.dir)
    out = release(ws, args.assignments or None, one_zip=args.one_zip)
    for name, folder in out["released"].items():
        print(f"released {name}: {folder}")
    for path in out["zips"]:
        print(f"hand out: {path}")
    _print_warnings(out["warnings"])
    return 0


def _collect(args) -> int:
    from .collect import collect_submissions

    ws = open_workshop(args.dir)
    rep = collect_submissions(ws, args.assignment, args.path, assign=args.assign,
                              prefer=args.prefer)
    print(f"collected {len(rep.placed)} learner(s) for {args.assignment} into "
          f"{ws.root / 'submitted'} (originals kept in {rep.inbox})")
    replaced = dict(rep.replaced)
    for student in sorted(rep.placed):
        same = " (unchanged since the last collect: grades kept)" if student in rep.unchanged else ""
        if student in replaced:
            same = (f" (REPLACES the notebook collected from {replaced[student]}; that one is kept "
                    f"in its inbox)")
        print(f"  {student}{same}")
    for student, reason in rep.unreadable.items():
        print(f"  UNREADABLE {student}: {reason} (kept; it will be reported, not graded)")
    for file, reason in rep.set_aside:
        print(f"  set aside {file}: {reason}")
    if rep.problems:
        print(f"{len(rep.problems)} file(s) NOT PLACED (kept in the inbox); resolve them and "
              f"collect again:")
        for problem in rep.problems:
            print(f"  {problem}")
        print(f"  e.g. modellab workshop collect {args.assignment} {args.path} "
              f"--as LEARNER {shlex.quote(rep.problems[0].file)}")
    return 0 if rep.ok else 1


def _grade(args) -> int:
    from .grading import grade_assignment

    ws = open_workshop(args.dir)
    if args.unsafe_no_sandbox:
        from .sandbox import UNSAFE_WARNING

        print(f"WARNING: {UNSAFE_WARNING}", file=sys.stderr)
    rep = grade_assignment(ws, args.assignment, students=args.student, jobs=args.jobs,
                           progress=not args.no_progress,
                           unsafe_no_sandbox=args.unsafe_no_sandbox)
    for r in rep.results:
        score = f"{r.score:g}/{r.max_score:g}" if r.score is not None else "-"
        line = f"  {r.student:<24} {r.status:<10} {score:>8}"
        print(line + (f"  {r.detail}" if r.detail else ""))
    print(f"{rep!r}; autograded notebooks in {ws.root / 'autograded'}, "
          f"scores in {ws.root / 'gradebook.db'}")
    return 0 if all(r.status == "graded" for r in rep.results) else 1


def _feedback(args) -> int:
    from .feedback import generate_feedback

    ws = open_workshop(args.dir)
    out = generate_feedback(ws, args.assignment, students=args.student)
    print(f"feedback for {len(out['written'])} notebook(s) in {ws.root / 'feedback'} "
          f"(built from what each learner may see: no hidden tests or solutions)")
    for student, n in sorted(out["removed"].items()):
        print(f"  {student}: {n} output(s) removed because they held hidden-test or solution "
              f"text (look at how they got it)")
    for student in out["not_graded"]:
        print(f"  NOT GRADED YET {student}: no feedback; run "
              f"`modellab workshop grade {args.assignment} --student {student}` first")
    for path, leaks in out["withheld"].items():
        print(f"  WITHHELD {path}: the page still held hidden-test or solution text "
              f"({len(leaks)} fragment(s)); it was not written")
    _print_warnings(out["warnings"])
    return 1 if out["withheld"] or out["not_graded"] else 0


def _export(args) -> int:
    from .results import grades_frame, spreadsheet_safe

    ws = open_workshop(args.dir)
    frame = grades_frame(ws, args.assignment)
    out = Path(args.out) if args.out else ws.root / "grades.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    spreadsheet_safe(frame).to_csv(out, index=False)
    counts = frame["status"].value_counts().to_dict()
    print(f"wrote {len(frame)} row(s) ({', '.join(f'{k}: {v}' for k, v in counts.items())}) "
          f"to {out}")
    return 0


def _summary(args) -> int:
    from .collect import unresolved
    from .results import class_overview, grades_frame, plot_summary, questions_frame

    ws = open_workshop(args.dir)
    for name in args.assignments:
        ws.require_assignment(name)
    overview = class_overview(ws, args.assignments or None)
    if overview.empty:
        print("no assignment in the gradebook yet: run `modellab workshop release` first.")
        return 1
    outdir = Path(args.out) if args.out else ws.root / "summary"
    outdir.mkdir(parents=True, exist_ok=True)
    print("class overview, one line per assignment (scores count marked points only)")
    print(overview.assign(mean_score=overview["mean_score"].round(2)).to_string(index=False))
    attention = False
    for name in overview["assignment"]:
        grades = grades_frame(ws, name)
        questions = questions_frame(ws, name)
        print(f"\n== {name} ==")
        csv = outdir / f"{name}_questions.csv"
        questions.to_csv(csv, index=False)
        shown = questions.assign(
            pass_rate=[("not marked" if n == 0 and p > 0 else "-" if n == 0 else
                        f"{100 * r:.0f}%" + (f" ({p} not marked)" if p else ""))
                       for n, p, r in zip(questions["n_graded"], questions["n_pending"],
                                          questions["pass_rate"], strict=True)],
            mean_score=[f"{m:.2f}" if n else "-" for n, m in
                        zip(questions["n_graded"], questions["mean_score"], strict=True)])
        print("per-question results, hardest first (pass_rate: learners with full marks)")
        print(shown.to_string(index=False))
        graded = grades[grades["status"] == "graded"]
        if len(graded):
            scored = graded["score"]
            print(f"scores: n={len(scored)} mean={scored.mean():.2f} median={scored.median():g} "
                  f"min={scored.min():g} max={scored.max():g} (out of {grades['max_score'].max():g})")
            waiting = graded[graded["points_not_marked"] > 0]
            if len(waiting):
                print(f"not marked yet: {len(waiting)} learner(s) have written answers to mark "
                      f"({waiting['points_not_marked'].sum():g} point(s) in all); their scores "
                      f"are provisional: mark them in Formgrader")
        for state, label, fix in (
                ("failed", "FAILED", f"see the cause; regrade with `modellab workshop grade {name} "
                                     f"--student ID`"),
                ("unreadable", "UNREADABLE", "ask for the notebook again, then collect it"),
                ("collected", "NOT GRADED YET", f"run `modellab workshop grade {name}`")):
            rows = grades[grades["status"] == state]
            for student, detail in zip(rows["student"], rows["detail"], strict=True):
                attention = True
                detail = detail or ("collected after the last grading run" if state == "collected"
                                    else "(no cause recorded)")
                print(f"  {label} {student}: {detail}")
            if len(rows):
                print(f"    -> {fix}")
        problems = unresolved(ws, name)
        if problems:
            attention = True
            print(f"  {len(problems)} file(s) NOT PLACED at the last collect (no learner yet):")
            for problem in problems:
                print(f"    {problem}")
        if len(graded):
            png = plot_summary(questions, grades, outdir / f"{name}_summary.png",
                               f"{name}: class summary")
            print(f"plot: {png}")
        print(f"table: {csv}")
    return 1 if attention else 0


def _print_warnings(lines) -> None:
    for line in lines:
        print(f"  nbgrader: {line}", file=sys.stderr)


_STEPS = {
    "init": _init, "release": _release, "collect": _collect, "grade": _grade,
    "feedback": _feedback, "export": _export, "summary": _summary,
}

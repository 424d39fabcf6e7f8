"""Feedback for every learner, built only from what that learner may see.

nbgrader's ``generate_feedback`` renders the instructor's autograded notebook, which holds
the full test cells, hidden tests included (nbgrader issue 917), and filtering that page
afterwards either leaks or refuses learners whose own code resembles a test. So the page is
*built* instead, for each learner, from:

- their own submitted cells (answers, notes, cells they added), shown as they wrote them;
- the **released** (learner) version of every locked cell, check cells included -- never the
  instructor's source, so hidden tests and solutions are not in the material at all;
- the outputs of their graded run (from ``autograded/``), each one scanned for secret text in
  plain, base64 and hex and dropped when it holds any (an error keeps only ``name: message``;
  a tracebacks quotes source lines);
- per-part scores from the gradebook (a manual question not marked yet says so), each with
  the learner-facing explanation the grader left in that part's cell of the graded run (the
  trusted judge writes its failure message there), scanned like any output;
- for a learner whose notebook could not be graded, the cause, in plain words.

The page is rendered with nbconvert (``HTMLExporter``, JupyterLab template, HTML sanitized:
a learner's scripts do not run in the instructor's browser or the LMS). The secret text
is every hidden-test line (its code: a trusted test's messages are written for learners, see
``course/AUTHORING.md``) and every solution line of the instructor's source notebooks, minus
what learners are shown anyway (the released notebook) and minus what
this learner wrote themselves (their own line, e.g. ``cost_fn=COST_FN)``, is no secret to
them and never withholds their feedback). As a last line of defence each finished page is
scanned again (plain, base64, hex); a page that still holds secret text is not written and
is reported. Secret text that learner code turned into another form (an image, rot13) is not
detected here: keeping learners from reading tests and solutions at all is the grading
sandbox's job.

Examples
--------
>>> src = "assert f(1) == 1\\n### BEGIN HIDDEN TESTS\\nassert f(2) == 4\\n### END HIDDEN TESTS"
>>> print(strip_hidden_source(src))
assert f(1) == 1
# (hidden tests ran here: they are not shown)
>>> hidden_lines(src)
['assert f(2) == 4']
>>> find_leaks("<span>assert</span> f(2) == 4", hidden_lines(src))
['assert f(2) == 4']
>>> import base64
>>> find_secrets("log: " + base64.b64encode(b"x = 1\\nassert f(2) == 4").decode(), ["assert f(2) == 4"])
['assert f(2) == 4']
"""

from __future__ import annotations

import functools
import html as _html
import re
from pathlib import Path

BEGIN = "BEGIN HIDDEN TESTS"
END = "END HIDDEN TESTS"
PLACEHOLDER = "# (hidden tests ran here: they are not shown)"
_MIN_LEAK_CHARS = 6  # shorter lines ("pass", ")") are too common to signal a leak
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _regions(source: str):
    """Yield ``(is_hidden, line)`` for each line; the marker lines count as hidden."""
    hidden = False
    for line in source.splitlines():
        if BEGIN in line:
            hidden = True
            yield True, line
        elif END in line and hidden:
            hidden = False
            yield True, line
        else:
            yield hidden, line


def strip_hidden_source(source: str) -> str:
    """``source`` with each hidden-test region replaced by one placeholder comment."""
    out, inside = [], False
    for hidden, line in _regions(source):
        if hidden and not inside:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + PLACEHOLDER)
        if not hidden:
            out.append(line)
        inside = hidden and END not in line
    return "\n".join(out)


def hidden_lines(source: str) -> list[str]:
    """The meaningful lines inside hidden-test regions (stripped; markers excluded)."""
    return [
        line.strip()
        for hidden, line in _regions(source)
        if hidden and BEGIN not in line and END not in line and len(line.strip()) >= _MIN_LEAK_CHARS
    ]


def hidden_fragments(lines, public: str = "") -> list[str]:
    """``lines`` plus the string literals they contain (an assertion message is a secret too).

    A fragment that also stands in ``public`` (the text learners are shown anyway, such as a
    column name used by a visible check) is no secret, and is left out.
    """
    n = _MIN_LEAK_CHARS
    quoted = re.findall(rf"""(?:"([^"\n]{{{n},}})"|'([^'\n]{{{n},}})')""", "\n".join(lines))
    fragments = set(lines) | {a or b for a, b in quoted}
    shown = re.sub(r"\s+", " ", public)
    return sorted(f for f in fragments if re.sub(r"\s+", " ", f) not in shown)


def hidden_lines_of_notebooks(paths) -> list[str]:
    """Hidden-test lines of every cell of the notebooks at ``paths`` (nbgrader sources)."""
    import nbformat

    lines: list[str] = []
    public: list[str] = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            lines.extend(hidden_lines(cell.source))
            public.append(_without_solutions(strip_hidden_source(cell.source)))
    return hidden_fragments(lines, public="\n".join(public))


def _without_solutions(source: str) -> str:
    """``source`` without its ``### BEGIN SOLUTION`` regions (learners never see those)."""
    return re.sub(r"(?s)### BEGIN SOLUTION.*?### END SOLUTION", "", source)


def _visible_text(text: str) -> str:
    """Text a reader sees: tags and ANSI codes removed, entities decoded, spaces collapsed."""
    text = _ANSI.sub("", re.sub(r"<[^>]+>", "", text))
    return re.sub(r"\s+", " ", _html.unescape(text))


def find_leaks(text: str, lines) -> list[str]:
    """Which of ``lines`` (hidden tests) appear in ``text`` (HTML, notebook JSON or plain)."""
    visible = _visible_text(text)
    leaks = [line for line in lines if re.sub(r"\s+", " ", line) in visible]
    if BEGIN in visible or END in visible:
        leaks.insert(0, BEGIN)
    return leaks


# --- secret text, in any of the encodings checked ---------------------------------------------

MAX_OUTPUT_CHARS = 20_000  # per output in the feedback page; the rest is cut (and not shown)
_KEEP_MIME = ("text/plain", "text/html", "text/markdown", "text/latex", "image/png",
              "image/jpeg", "image/svg+xml")
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}){8,}")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def solution_lines(source: str) -> list[str]:
    """The meaningful lines inside ``### BEGIN SOLUTION`` regions (stripped; markers excluded)."""
    lines, inside = [], False
    for line in source.splitlines():
        if "BEGIN SOLUTION" in line:
            inside = True
        elif "END SOLUTION" in line:
            inside = False
        elif inside and len(line.strip()) >= _MIN_LEAK_CHARS:
            lines.append(line.strip())
    return lines


def secret_fragments(source_paths, released_paths) -> list[str]:
    """Hidden-test lines and literals and solution lines of the instructor's ``source_paths``
    notebooks, minus any fragment that stands in the learner notebooks ``released_paths``."""
    import nbformat

    lines: list[str] = []
    for path in source_paths:
        for cell in nbformat.read(path, as_version=4).cells:
            # trusted tests' messages are written for learners (AUTHORING.md): the code around
            # them is secret, the messages are not (the grader refuses any other format)
            lines += [piece.strip() for line in hidden_lines(cell.source)
                      for piece in _LITERAL.split(line)[::2]
                      if len(piece.strip()) >= _MIN_LEAK_CHARS]
            lines += solution_lines(cell.source)
    shown = _norm("\n".join(cell.source for path in released_paths
                            for cell in nbformat.read(path, as_version=4).cells))
    return sorted({line for line in lines if _norm(line) not in shown})


def secret_index(source_paths, released_paths) -> SecretIndex:
    """The :class:`SecretIndex` of an assignment: :func:`secret_fragments`, minus everything
    learners see anyway -- the released notebooks as sources and as rendered pages (Markdown
    drops backticks and emphasis), and the page template itself."""
    import nbformat

    released = [nbformat.read(p, as_version=4) for p in released_paths]
    public = [c.source for nb in released for c in nb.cells]
    public += [_visible_text(render_html(nb)) for nb in released]
    public.append(render_html(nbformat.v4.new_notebook()))
    return SecretIndex(secret_fragments(source_paths, released_paths), public="\n".join(public))


def _decoded(text: str) -> list[str]:
    """``text`` decoded from every base64 and hex run it holds (whitespace inside runs ignored)."""
    import base64
    import binascii

    views = []
    for source in {text, re.sub(r"\s+|\\n", "", text)}:
        for run in _B64_RUN.findall(source):
            std = run.rstrip("=").replace("-", "+").replace("_", "/")
            try:
                data = base64.b64decode(std + "=" * (-len(std) % 4))
            except (binascii.Error, ValueError):
                continue
            views.append(data.decode("utf-8", "ignore"))
        for run in _HEX_RUN.findall(source):
            for start in (0, 1):
                chunk = run[start:len(run) - (len(run) - start) % 2]
                views.append(bytes.fromhex(chunk).decode("utf-8", "ignore"))
    return [v for v in views if v.strip()]


_LITERAL = re.compile(r"""[rRfFbBuU]{0,2}("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")
GRAM = 12  # a run of this many characters of a secret line is a leak, wherever it stands


class SecretIndex:
    """Secret text to look for: every :data:`GRAM`-character run of each secret (whitespace
    runs count as one space), so that a *part* of a hidden line is found too; secrets shorter
    than that are looked for whole.

    ``public`` text (what learners see anyway) takes its runs out of the index; :meth:`without`
    takes out a learner's own text.

    >>> index = SecretIndex(["assert f(2) == 4, 'secret-pair-7f3a'"])
    >>> index.find("he printed secret-pair-7f3 and more")
    ["assert f(2) == 4, 'secret-pair-7f3a'"]
    >>> index.without("my note: secret-pair-7f3a").find("secret-pair-7f3a")
    []
    """

    def __init__(self, secrets=(), public: str = ""):
        self.grams: dict[str, str] = {}
        self.short: list[str] = []
        for secret in secrets:
            text = _norm(str(secret)).strip()
            if len(text) < GRAM:
                self.short.append(text)
            for i in range(len(text) - GRAM + 1):
                self.grams.setdefault(text[i:i + GRAM], secret)
        if public:
            self._drop(public)

    def _drop(self, text: str) -> None:
        text = _norm(text)
        self.short = [s for s in self.short if s not in text]
        for i in range(len(text) - GRAM + 1):
            self.grams.pop(text[i:i + GRAM], None)

    def without(self, text: str) -> SecretIndex:
        """A copy that no longer counts anything standing in ``text`` as secret."""
        new = SecretIndex()
        new.grams, new.short = dict(self.grams), list(self.short)
        new._drop(text)
        return new

    def __bool__(self) -> bool:
        return bool(self.grams or self.short)

    def find(self, text: str, *, html: bool = False) -> list[str]:
        """The secrets (some of) whose text stands in ``text``: plain (also with tags, entities
        and ANSI codes removed) or inside base64 or hex runs, two levels deep. With ``html``,
        the markup itself is not read as text (only what a reader sees, and encoded runs
        anywhere, e.g. in ``data:`` URIs)."""
        if not self or not text:
            return []
        views = [_visible_text(text)] if html else [text, _visible_text(text)]
        for inner in _decoded(text) if html else []:
            views += [inner, *_decoded(inner)]
        for view in list(views):
            for inner in _decoded(view):
                views += [inner, *_decoded(inner)]
        found = []
        for view in views:
            view = _norm(view)
            found += [s for s in self.short if s in view]
            grams = self.grams
            found += [grams[view[i:i + GRAM]] for i in range(len(view) - GRAM + 1)
                      if view[i:i + GRAM] in grams]
        return sorted(set(found))


def find_secrets(text: str, secrets, *, html: bool = False) -> list[str]:
    """Which ``secrets`` (strings, or a :class:`SecretIndex`) stand, whole or in part, in
    ``text``, plain or base64/hex-encoded (``html``: see :meth:`SecretIndex.find`)."""
    index = secrets if isinstance(secrets, SecretIndex) else SecretIndex(secrets)
    return index.find(text, html=html)


# --- the page ----------------------------------------------------------------------------------


def _grade_id(cell) -> str | None:
    return (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")


def _text_of(output) -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        return "".join(text) if isinstance(text, list) else str(text)
    data = output.get("data", {})
    return "\n".join("".join(v) if isinstance(v, list) else str(v) for v in data.values())


def safe_outputs(outputs, secrets, *, check_cell: bool = False) -> tuple[list, int]:
    """The ``outputs`` a learner may see, and how many were removed for holding secret text
    (not counting a check cell's failure message that names a hidden test: that is expected).

    Errors keep only ``name: message`` (tracebacks quote source lines); in a check cell a
    message holding secret text becomes "a hidden test failed". Text is cut to
    ``MAX_OUTPUT_CHARS``; only plain MIME types and images are kept (no scripts, no widgets).
    """
    import nbformat

    kept, removed = [], 0
    for output in outputs or []:
        kind = output.get("output_type")
        if kind == "error":
            ename = _ANSI.sub("", str(output.get("ename", "Error")))
            evalue = _ANSI.sub("", str(output.get("evalue", "")))[:MAX_OUTPUT_CHARS]
            if find_secrets(f"{ename}: {evalue}", secrets):
                removed += not check_cell  # a failed hidden test's own message is expected
                evalue = "a hidden test failed" if check_cell else "(message removed)"
            kept.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                               traceback=[f"{ename}: {evalue}"]))
            continue
        if kind == "stream":
            new = nbformat.v4.new_output("stream", name=output.get("name", "stdout"),
                                         text=_text_of(output)[:MAX_OUTPUT_CHARS])
        elif kind in ("display_data", "execute_result"):
            data = {k: ("".join(v) if isinstance(v, list) else v)
                    for k, v in output.get("data", {}).items() if k in _KEEP_MIME}
            if not data:
                continue
            if "text/plain" in data:
                data["text/plain"] = data["text/plain"][:MAX_OUTPUT_CHARS]
            new = nbformat.v4.new_output(kind, data=data)
            if kind == "execute_result":
                new["execution_count"] = output.get("execution_count")
        else:
            continue
        if find_secrets(_text_of(new), secrets):
            removed += 1
            new = nbformat.v4.new_output(
                "stream", name="stdout",
                text="(this output was removed: it held text of the hidden tests or solutions)\n")
        kept.append(new)
    return kept, removed


def _escape(text: str) -> str:
    return _html.escape(str(text)).replace("|", "&#124;").replace("\n", " ")


def _part_line(part, explanation: str) -> str:
    if part["state"] == "not marked":
        points = f"not marked yet (out of {part['max_score']:g})"
    elif part["state"] == "not graded":
        points = f"not graded (out of {part['max_score']:g})"
    else:
        points = f"{part['score']:g} / {part['max_score']:g}"
    return f"**{_escape(part['part'])}: {points}**" + (f" — {_escape(explanation)}" if explanation else "")


def learner_notebook(released, submitted, graded, parts, secrets, *, header: str = ""):
    """The notebook a learner's feedback page shows; returns ``(notebook, outputs_removed)``.

    Parameters
    ----------
    released : NotebookNode
        The learner version handed out (its locked cells are shown, never the source's).
    submitted : NotebookNode or None
        What the learner handed in (None when it could not be read).
    graded : NotebookNode or None
        The notebook of the graded run, for its outputs only.
    parts : dict
        ``{grade_id: {"part", "kind", "score", "max_score", "state"}}`` (see
        :func:`modellab.course.results.part_scores`).
    secrets : list of str or SecretIndex
        Text that must not reach the page (see :func:`secret_fragments`), whole or in part.
    header : str
        Markdown shown first.
    """
    import nbformat

    by_gid = {_grade_id(c): c for c in released.cells if _grade_id(c)}
    graded_cells = graded.cells if graded is not None else []
    graded_by_gid = {_grade_id(c): c for c in graded_cells if _grade_id(c)}
    graded_by_id = {c.get("id"): c for c in graded_cells if not _grade_id(c) and c.get("id")}
    cells, removed, seen = [nbformat.v4.new_markdown_cell(header)], 0, set()

    def add(source, cell_type, graded_cell, gid, note=""):
        nonlocal removed
        if cell_type == "code":
            outs = graded_cell.get("outputs", []) if graded_cell is not None else []
            kept, n = safe_outputs(outs, secrets, check_cell=gid in parts)
            removed += n
            new = nbformat.v4.new_code_cell(source, outputs=kept)
            if graded_cell is not None:
                new.execution_count = graded_cell.get("execution_count")
        elif cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(source)
        else:
            new = nbformat.v4.new_raw_cell(source)
        cells.append(new)
        if gid in parts:
            message = ""
            if parts[gid]["state"] == "scored" and parts[gid]["score"] < parts[gid]["max_score"]:
                errors = [o for o in new.get("outputs", []) if o.get("output_type") == "error"]
                message = f"{errors[0].ename}: {errors[0].evalue}" if errors else ""
            if find_secrets(message, secrets):
                message = "a hidden test failed"
            cells.append(nbformat.v4.new_markdown_cell((note + " " if note else "")
                                                       + _part_line(parts[gid], message)))

    for cell in (submitted.cells if submitted is not None else released.cells):
        gid = _grade_id(cell)
        if gid in seen:
            continue  # a duplicated cell id: shown once
        graded_cell = graded_by_gid.get(gid) if gid else graded_by_id.get(cell.get("id"))
        mine = gid not in by_gid or (by_gid[gid].metadata["nbgrader"].get("solution")
                                     and submitted is not None)
        source_cell = cell if mine else by_gid[gid]
        if gid:
            seen.add(gid)
        add(source_cell.source, source_cell.cell_type, graded_cell, gid if gid in by_gid else None)
    for gid, cell in by_gid.items():
        if gid not in seen and gid in parts:
            add(cell.source, cell.cell_type, graded_by_gid.get(gid), gid,
                note="*(This cell was missing from your notebook; it was put back for grading.)*")
    nb = nbformat.v4.new_notebook(cells=cells)
    if released.metadata.get("kernelspec", {}).get("name"):
        nb.metadata["kernelspec"] = released.metadata["kernelspec"]
    nb.metadata["language_info"] = released.metadata.get("language_info", {"name": "python"})
    return nb, removed


@functools.lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    # sanitized: a learner's markdown and HTML outputs are the learner's to write, and the
    # page reaches the instructor's browser and the LMS (a <script> in a markdown cell ran there)
    return HTMLExporter(template_name="lab", sanitize_html=True)  # compiling it is the slow part


def render_html(nb) -> str:
    """``nb`` as a standalone HTML page (nbconvert, JupyterLab template)."""
    body, _ = _exporter().from_notebook_node(nb)
    return body


def _header(assignment, notebook, student, status, cause, parts) -> str:
    scored = [p for p in parts.values() if p["state"] == "scored"]
    waiting = [p for p in parts.values() if p["state"] == "not marked"]
    total = sum(p["max_score"] for p in parts.values())
    lines = [f"# Feedback: {assignment}", f"Notebook `{notebook}` · learner `{student}`", ""]
    if status == "graded":
        score = sum(p["score"] for p in scored)
        line = f"**Score: {score:g} / {total:g}**"
        if waiting:
            line += (f" — {sum(p['max_score'] for p in waiting):g} point(s) not marked yet "
                     f"(your instructor marks them by hand)")
        lines.append(line)
    else:
        lines.append(f"**Score: not graded** — {_escape(cause) or status}")
    if parts:
        lines += ["", "| part | points |", "|---|---|"]
        for p in parts.values():
            pts = (f"{p['score']:g} / {p['max_score']:g}" if p["state"] == "scored"
                   else f"{p['state']} (out of {p['max_score']:g})")
            lines.append(f"| {_escape(p['part'])} | {pts} |")
    lines += ["", "Some checks ran on data you have not seen; their code is not shown here. "
              "Your own cells are shown as you handed them in, with the outputs of the graded run."]
    return "\n".join(lines)


def _read(path: Path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4) if path.is_file() else None
    except Exception:  # unreadable: reported through the learner's status
        return None


def generate_feedback(ws, assignment: str, students=None) -> dict:
    """Write an HTML feedback page for every learner of ``assignment`` (or only ``students``).

    Every learner with a graded, failed or unreadable notebook gets a page (see the module
    docstring for what it shows). Learners collected but not graded yet get none and are
    listed.

    Returns
    -------
    dict
        ``{"written": [paths], "withheld": {path: [secret fragments]}, "removed":
        {student: outputs removed}, "not_graded": [students], "warnings": []}``; a withheld
        page still held secret text after it was built and was not written.
    """
    from .gradebook import load_status
    from .results import part_scores

    ws.require_assignment(assignment)
    notebooks = ws.notebooks(assignment)
    released = {nb: ws.root / "release" / assignment / f"{nb}.ipynb" for nb in notebooks}
    missing = [str(p) for p in released.values() if not p.is_file()]
    if missing:
        raise ValueError(f"{missing} not found: run `modellab workshop release {assignment}` first.")
    status = load_status(ws).get(assignment, {})
    everyone = sorted(set(status) | {p.parent.name for p in
                                     (ws.root / "submitted").glob(f"*/{assignment}")})
    if students is not None:
        unknown = sorted(set(students) - set(everyone))
        if unknown:
            raise ValueError(f"no submission of {assignment!r} for {unknown}: collect it first.")
        everyone = sorted(students)
    if not any(status.get(s, {}).get("status") in ("graded", "failed", "unreadable")
               for s in everyone):
        raise ValueError(
            f"no graded submissions of {assignment!r}: run `modellab workshop grade "
            f"{assignment}` first."
        )
    index = secret_index(sorted((ws.root / "source" / assignment).glob("*.ipynb")),
                         list(released.values()))
    release_nbs = {nb: _read(p) for nb, p in released.items()}
    written, withheld, removed_by, not_graded = [], {}, {}, []
    for student in everyone:
        entry = status.get(student, {"status": "collected", "detail": ""})
        state, cause = entry["status"], entry.get("detail", "")
        if state not in ("graded", "failed", "unreadable"):
            not_graded.append(student)
            continue
        parts_all = part_scores(ws, assignment, student)
        if cause and find_secrets(cause, index):
            cause = "grading stopped with an error; your instructor has the details"
        auto_dir = ws.root / "autograded" / student / assignment
        out_dir = ws.root / "feedback" / student / assignment
        if out_dir.exists():
            import shutil

            shutil.rmtree(out_dir)
        for nb_name in notebooks:
            submitted = _read(ws.root / "submitted" / student / assignment / f"{nb_name}.ipynb")
            graded = _read(auto_dir / f"{nb_name}.ipynb") if state == "graded" else None
            own = "\n".join(c.source for c in submitted.cells) if submitted else ""
            mine = index.without(own)
            parts = parts_all.get(nb_name, {})
            nb, removed = learner_notebook(
                release_nbs[nb_name], submitted, graded, parts, mine,
                header=_header(assignment, nb_name, student, state, cause, parts))
            if removed:
                removed_by[student] = removed_by.get(student, 0) + removed
            page = render_html(nb)
            path = out_dir / f"{nb_name}.html"
            leaks = find_secrets(page, mine, html=True)
            if leaks:
                withheld[str(path)] = leaks
                continue
            out_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(page, encoding="utf-8")
            written.append(str(path))
    return {"written": written, "withheld": withheld, "removed": removed_by,
            "not_graded": not_graded, "warnings": []}

def feedback_files(ws, assignment: str) -> list[Path]:
    """The feedback HTML files of ``assignment`` (one per learner and notebook)."""
    return sorted((ws.root / "feedback").glob(f"*/{assignment}/*.html"))

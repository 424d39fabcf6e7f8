"""``modellab site``: the course as a static website, every lesson executed, results shown.

Two editions of the same pages (Sphinx with MyST-NB, the scientific-Python tool for course
sites, built fully offline):

- ``executive``: no code at all — figures, tables, executive-summary boxes and recaps, for
  readers who do not program (AI project managers);
- ``practitioner``: the same pages with every code cell behind a "Show code" toggle.

How it works: each lesson source (``course/lessons/NN_topic.py``) is rendered exactly as
``modellab build`` renders it, executed in a fresh kernel (in parallel, one process per
lesson), tagged for the edition (``remove-input`` or ``hide-input``), and handed to Sphinx
with execution switched off. Glossary terms are linked on their first use in each lesson.
Interactive explorers show a static snapshot (their ``text/html`` representation) with the
command that opens them live. The site references nothing outside its folder.

Two builds write the same bytes: each kernel runs with a fixed hash seed and one thread per
numeric library, in a temporary folder the pages name ``/tmp/modellab-site/<lesson>``;
temporary-file names and elapsed times in outputs are masked (:func:`stable_text`), stream
chunks joined, and Sphinx gets ``SOURCE_DATE_EPOCH``.

Example
-------
>>> from modellab.site import EDITIONS
>>> sorted(EDITIONS)
['executive', 'practitioner']
"""

from __future__ import annotations

import argparse
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from modellab.course.paths import course_paths

#: edition -> the MyST-NB tag put on every code cell
EDITIONS: dict[str, str] = {"executive": "remove-input", "practitioner": "hide-input"}
#: Manager material shipped with the site (course/manager/*.md), in this order.
MANAGER_PAGES = ("glossary", "questions_to_ask", "reading_guide")
LESSON_TIMEOUT = 300  # seconds per cell; a lesson that takes longer is broken, not slow
_WIDGET_MIMES = (
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
)


@dataclass(frozen=True)
class SiteResult:
    """What :func:`build_site` wrote: the folder, its pages and how long each step took."""

    out: Path
    edition: str
    pages: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"SiteResult(edition={self.edition!r}, pages={len(self.pages)}, out='{self.out}')"


# --------------------------------------------------------------------------- execution


#: What each lesson's kernel gets so that two builds print the same bytes: a fixed hash seed
#: (set and dict-of-str orders) and one thread per numeric library (no thread-count-dependent
#: floating-point sums; lessons run in parallel anyway).
_KERNEL_ENV = {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}
#: Where the site says a lesson ran: its real folder is a fresh temporary one on every build.
SHOWN_FOLDER = "/tmp/modellab-site/{name}"
#: Outputs that differ from run to run, and what the site shows instead.
_VOLATILE = (
    # elapsed wall-clock times, e.g. "in 1.9s (52,700 rows/s)"
    (re.compile(r"\bin \d+(?:\.\d+)? ?(?:s|ms|seconds)\b(?: \([\d,.]+ [\w ]+/s\))?"),
     "in (time varies by machine)"),
)
#: The random part of a ``tempfile.mkdtemp``/``mkstemp`` name (8 of ``[a-z0-9_]``).
_TEMP_NAME = r"([\w.-]*?)[a-z0-9_]{8}(?=[/\\\s'\"<>),]|$)"


def stable_text(text: str, folder: str, shown: str) -> str:
    """``text`` with what varies between builds replaced: the lesson's temporary ``folder``
    (made by :mod:`tempfile`, so its last 8 characters are random) by ``shown``, also where a
    printer cut it short (pandas ends long cells with "..."), random temporary names under its
    ``tmp`` by ``XXXXXXXX``, and elapsed times (:data:`_VOLATILE`).

    >>> stable_text("wrote /tmp/ab12cd34/tmp/run-k3x_9q2z/w in 1.9s (52,700 rows/s)",
    ...             "/tmp/ab12cd34", "/c")
    'wrote /c/tmp/run-XXXXXXXX/w in (time varies by machine)'
    >>> stable_text("| /tmp/ab12c... |", "/tmp/ab12cd34", "/c")
    '| /c... |'
    """
    text = re.sub(re.escape(f"{folder}/tmp/") + _TEMP_NAME,
                  lambda m: f"{shown}/tmp/{m.group(1)}XXXXXXXX", text, flags=re.M)
    text = text.replace(folder, shown)
    text = re.sub(re.escape(folder[:-8]) + r"[a-z0-9_]{0,7}(?=\.\.\.|…)", lambda m: shown, text)
    for pattern, shown_instead in _VOLATILE:
        text = pattern.sub(shown_instead, text)
    return text


def _stabilise(nb, folder: str, shown: str) -> None:
    """Make ``nb``'s outputs the same on every build (in place): consecutive stream chunks
    joined (the kernel splits them where timing falls) with ``\\r\\n`` as ``\\n``, and
    :func:`stable_text` applied to every text output."""
    for cell in nb.cells:
        if "outputs" not in cell:
            continue
        outputs = []
        for output in cell.outputs:
            last = outputs[-1] if outputs else None
            if (output.output_type == "stream" and last is not None
                    and last.output_type == "stream" and last.name == output.name):
                last.text += output.text
            else:
                outputs.append(output)
        cell.outputs = outputs
        for output in outputs:
            if "text" in output:
                output["text"] = stable_text(output["text"].replace("\r\n", "\n"), folder, shown)
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") and isinstance(value, str):
                    output["data"][mime] = stable_text(value, folder, shown)
            if "traceback" in output:
                output["traceback"] = [stable_text(t, folder, shown) for t in output["traceback"]]


def _execute_one(name: str, source: str) -> tuple[str, str, float]:
    """Render and execute one lesson in a fresh kernel; returns (name, notebook JSON, seconds)."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from modellab.course.build import render_lesson

    nb = nbformat.reads(render_lesson(source), as_version=4)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"modellab-site-{name}-") as cwd:
        # the lesson's own temporary files go to a folder of its own, so the site can show
        # their paths the same way on every build (see stable_text)
        (Path(cwd) / "tmp").mkdir()
        env = {**os.environ, **_KERNEL_ENV, "TMPDIR": str(Path(cwd) / "tmp")}
        # IPC transport: no TCP ports (and no "running over TCP" warning) for a local kernel
        km = KernelManager(kernel_name="python3", transport="ipc",
                           connection_file=str(Path(cwd) / "kernel.json"))
        client = NotebookClient(
            nb, km=km, timeout=LESSON_TIMEOUT, kernel_name="python3", record_timing=False,
            resources={"metadata": {"path": cwd}},
        )
        try:
            client.execute(env=env)
        except CellExecutionError as exc:
            plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
            raise RuntimeError(f"lesson {name} failed while executing:\n{plain}") from None
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
        # as the kernel may have printed it (the longer one first: it may hold the other)
        for folder in sorted({str(Path(cwd).resolve()), cwd}, key=len, reverse=True):
            _stabilise(nb, folder, SHOWN_FOLDER.format(name=name))
    return name, nbformat.writes(nb), time.perf_counter() - start


def execute_lessons(root=None, only: Iterable[str] | None = None, jobs: int | None = None,
                    progress: Callable[[str], None] | None = print) -> dict[str, str]:
    """Execute the lesson sources; returns ``{name: executed notebook JSON}``, sorted by name.

    Parameters
    ----------
    root : path, optional
        The course checkout (found from the working directory by default).
    only : iterable of str, optional
        Lesson names to execute (default: all of ``course/lessons``).
    jobs : int, optional
        Lessons executed at once (default: the number of CPUs, at most 4).
    progress : callable or None
        Called with one line per executed lesson (``None``: silent).
    """
    from modellab.course.build import lesson_sources

    sources = lesson_sources(root)
    if only is not None:
        if isinstance(only, str):
            raise TypeError("only must be a list of lesson names, e.g. ['03_data_drift'], not a string")
        only = list(only)
        unknown = sorted(set(only) - set(sources))
        if unknown:
            raise ValueError(f"only: no lesson named {unknown}; lessons are {sorted(sources)}")
        sources = {n: p for n, p in sources.items() if n in only}
    if not sources:
        raise ValueError("there are no lessons to execute (course/lessons/ is empty)")
    jobs = jobs or min(4, os.cpu_count() or 1)
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number >= 1, got {jobs!r}")
    executed: dict[str, str] = {}
    with ProcessPoolExecutor(max_workers=min(jobs, len(sources))) as pool:
        futures = [pool.submit(_execute_one, n, str(p)) for n, p in sources.items()]
        for done, future in enumerate(futures, 1):
            name, text, seconds = future.result()
            executed[name] = text
            if progress:
                progress(f"[{done}/{len(futures)}] executed {name} in {seconds:.1f} s")
    return dict(sorted(executed.items()))


# --------------------------------------------------------------------------- pages


def _glossary_terms(text: str) -> list[str]:
    """Terms defined in a MyST ``{glossary}`` block: the unindented lines inside it."""
    match = re.search(r"^```\{glossary\}[^\n]*\n(.*?)^```", text, re.M | re.S)
    if not match:
        return []
    return [ln.strip() for ln in match.group(1).splitlines()
            if ln.strip() and not ln.startswith((" ", "\t")) and not ln.startswith(":")]


# Spans left alone when linking terms: roles, inline code, links/images, HTML tags.
_PROTECTED = re.compile(r"(\{[a-z]+\}`[^`]*`|`[^`]*`|!?\[[^\]]*\]\([^)]*\)|<[^>]+>)")


def link_terms(markdown: str, terms: Iterable[str], seen: set[str]) -> str:
    """Link the first use of each glossary term (``{term}`` role), outside code, links and headings.

    ``seen`` holds the terms already linked in this lesson and is updated.

    >>> link_terms("Data drift is when data moves. More drift.", ["data drift", "drift"], set())
    '{term}`Data drift <data drift>` is when data moves. More {term}`drift <drift>`.'
    >>> link_terms("**Data drift**, drift", ["drift", "data drift"], {"data drift"})
    '**Data drift**, {term}`drift <drift>`'
    """
    out_lines = []
    in_fence = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if in_fence or line.lstrip().startswith(("#", "|", "```")) or line.startswith("    "):
            out_lines.append(line)
            continue
        for term in terms:
            if term.lower() in seen:
                continue
            pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.I)
            longer = [re.compile(rf"(?<![\w-]){re.escape(t)}(?![\w-])", re.I)
                      for t in terms if len(t) > len(term) and term.lower() in t.lower()]
            pieces = _PROTECTED.split(line)
            for i in range(0, len(pieces), 2):  # even pieces are free text
                # "drift" inside "data drift" is not a use of "drift"
                covered = [m.span() for p in longer for m in p.finditer(pieces[i])]
                match = next((m for m in pattern.finditer(pieces[i])
                              if not any(a <= m.start() < b for a, b in covered)), None)
                if match:
                    seen.add(term.lower())
                    role = f"{{term}}`{match.group(0)} <{term}>`"
                    pieces[i] = pieces[i][:match.start()] + role + pieces[i][match.end():]
                    break
            line = "".join(pieces)
        out_lines.append(line)
    return "\n".join(out_lines)


def prepare_notebook(text: str, edition: str, terms: Iterable[str] = ()) -> str:
    """An executed lesson made ready for ``edition``: code tagged, glossary terms linked."""
    import nbformat

    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {sorted(EDITIONS)}, got {edition!r}")
    nb = nbformat.reads(text, as_version=4)
    nb.metadata.pop("widgets", None)  # live-widget state would pull widget JavaScript from a CDN
    tag = EDITIONS[edition]
    terms = sorted(terms, key=len, reverse=True)  # "false alarm" before "alarm"
    seen: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            tags = [t for t in cell.metadata.get("tags", []) if t not in EDITIONS.values()]
            cell.metadata["tags"] = [*tags, tag]
        elif cell.cell_type == "markdown" and terms:
            cell.source = link_terms(cell.source, terms, seen)
    return nbformat.writes(nb)


_CONF = '''\
# Generated by `modellab site`; edit modellab/site.py instead.
project = "Model Monitoring for Scalable ML"
html_title = "{title}"
extensions = ["myst_nb"]
html_theme = "sphinx_book_theme"
html_theme_options = {{"show_toc_level": 2, "use_download_button": False,
                      "use_fullscreen_button": False}}
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
nb_execution_mode = "off"
nb_merge_streams = True
# Explorers show their static snapshot (text/html), never live-widget placeholders that
# would need JavaScript from the internet.
nb_mime_priority_overrides = [("html", "{widget_view}", None), ("html", "{widget_state}", None)]
myst_enable_extensions = ["colon_fence"]
suppress_warnings = ["mystnb.unknown_mime_type"]
exclude_patterns = ["_build"]
'''


def _index(edition: str, lessons: dict[str, str], manager: list[str]) -> str:
    import nbformat

    titles = {}
    for name, text in lessons.items():
        nb = nbformat.reads(text, as_version=4)
        first = next((c.source for c in nb.cells if c.cell_type == "markdown"), name)
        titles[name] = re.sub(r"^#+\s*", "", first.strip().splitlines()[0]) if first else name
    who = ("for readers who do not write code: every figure, table and summary, no code"
           if edition == "executive" else
           "for practitioners: every result, with the code behind a toggle on each cell")
    rows = "\n".join(f"| [{titles[n]}](lessons/{n}.ipynb) |" for n in lessons)
    toc_lessons = "\n".join(f"lessons/{n}" for n in lessons)
    toc_manager = "\n".join(f"manager/{m}" for m in manager)
    return f"""# Model Monitoring for Scalable ML

The course's lessons, executed, with their results — the **{edition} edition**, {who}.
The interactive explorers appear as snapshots; to move their controls yourself, open the
no-code dashboards with `modellab dashboard`.

| lesson |
|---|
{rows}

```{{toctree}}
:caption: Lessons
:hidden:
{toc_lessons}
```

```{{toctree}}
:caption: For managers
:hidden:
{toc_manager}
```
"""


def _write_sources(src: Path, edition: str, executed: dict[str, str], manager_dir: Path) -> list[str]:
    (src / "lessons").mkdir(parents=True)
    (src / "manager").mkdir()
    manager = [m for m in MANAGER_PAGES if (manager_dir / f"{m}.md").exists()]
    terms: list[str] = []
    for page in manager:
        text = (manager_dir / f"{page}.md").read_text(encoding="utf-8")
        terms += _glossary_terms(text)
        (src / "manager" / f"{page}.md").write_text(text, encoding="utf-8")
    for name, text in executed.items():
        (src / "lessons" / f"{name}.ipynb").write_text(prepare_notebook(text, edition, terms),
                                                       encoding="utf-8")
    title = f"Model Monitoring — {edition} edition"
    (src / "conf.py").write_text(_CONF.format(title=title, widget_view=_WIDGET_MIMES[0],
                                              widget_state=_WIDGET_MIMES[1]), encoding="utf-8")
    (src / "index.md").write_text(_index(edition, executed, manager), encoding="utf-8")
    return ["index", *(f"lessons/{n}" for n in executed), *(f"manager/{m}" for m in manager)]


def render_site(executed: dict[str, str], edition: str, out, *, root=None) -> SiteResult:
    """Turn executed lessons (from :func:`execute_lessons`) into the ``edition`` site in ``out``.

    ``out`` is replaced. Raises ``RuntimeError`` with Sphinx's messages when the build fails.
    """
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {sorted(EDITIONS)}, got {edition!r}")
    if not executed:
        raise ValueError("executed is empty: execute the lessons first (execute_lessons)")
    out = Path(out).resolve()
    paths = course_paths(root)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="modellab-site-") as tmp:
        src, doctrees = Path(tmp) / "src", Path(tmp) / "doctrees"
        pages = _write_sources(src, edition, executed, paths.course / "manager")
        build = Path(tmp) / "html"
        proc = subprocess.run(
            [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "-d", str(doctrees),
             str(src), str(build)],
            capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "0"},
        )
        if proc.returncode != 0:
            raise RuntimeError(f"Sphinx could not build the site:\n{proc.stderr[-4000:]}")
        problems = [ln for ln in proc.stderr.splitlines() if "WARNING" in ln or "ERROR" in ln]
        if problems:
            raise RuntimeError("Sphinx warned while building the site:\n" + "\n".join(problems[:40]))
        (build / ".buildinfo").unlink(missing_ok=True)  # holds a config hash, not content
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(build, out)
    return SiteResult(out, edition, tuple(pages), {"sphinx": time.perf_counter() - start})


def build_site(out, edition: str = "executive", *, root=None, only=None, jobs=None,
               progress: Callable[[str], None] | None = print) -> SiteResult:
    """Execute the lessons and write the ``edition`` site to ``out`` (see the module doc)."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {sorted(EDITIONS)}, got {edition!r}")
    start = time.perf_counter()
    executed = execute_lessons(root, only=only, jobs=jobs, progress=progress)
    seconds = time.perf_counter() - start
    result = render_site(executed, edition, out, root=root)
    return SiteResult(result.out, edition, result.pages, {"execute": seconds, **result.seconds})


# --------------------------------------------------------------------------- link check


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append((tag, value))


def check_links(out) -> list[str]:
    """Problems with the links of a built site: missing local targets, remote resources.

    A link to another site (``<a href="https://...">``) is allowed; a script, stylesheet or
    image from the internet is not (the site must work offline).
    """
    out = Path(out)
    problems = []
    pages = [p for p in sorted(out.rglob("*.html")) if "_static" not in p.relative_to(out).parts]
    for page in pages:  # _static holds the theme's template fragments, not pages
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, link in parser.links:
            if link.startswith(("mailto:", "javascript:", "data:", "#")):
                continue
            if re.match(r"^[a-z]+://|^//", link):
                if tag != "a":
                    problems.append(f"{page.relative_to(out)}: <{tag}> loads {link} from the internet")
                continue
            target = link.split("#")[0].split("?")[0]
            if target and not (page.parent / target).resolve().exists():
                problems.append(f"{page.relative_to(out)}: broken link {link}")
    return problems


# --------------------------------------------------------------------------- command


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add ``modellab site`` options to ``parser``."""
    parser.add_argument("--edition", choices=sorted(EDITIONS), default="executive",
                        help="executive: no code; practitioner: code behind a toggle "
                             "(default: executive)")
    parser.add_argument("--out", metavar="DIR", required=True,
                        help="folder to write the site to (replaced if it exists)")
    parser.add_argument("--only", metavar="NAME", action="append",
                        help="build only this lesson (repeatable), e.g. --only 03_data_drift")
    parser.add_argument("--jobs", type=int, default=None,
                        help="lessons executed at once (default: CPUs, at most 4)")
    parser.add_argument("--root", metavar="DIR", help="course checkout (default: found from here)")


def run(args: argparse.Namespace) -> int:
    """Run ``modellab site``; returns the exit code."""
    try:
        import myst_nb  # noqa: F401
        import sphinx_book_theme  # noqa: F401
    except ImportError:
        print("modellab site needs Sphinx, MyST-NB and sphinx-book-theme: "
              "pip install 'modellab[site]' (or run `make test` once, which installs them).",
              file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        result = build_site(args.out, args.edition, root=args.root, only=args.only, jobs=args.jobs)
    except RuntimeError as exc:
        print(f"modellab site: {exc}", file=sys.stderr)
        return 1
    problems = check_links(result.out)
    for problem in problems:
        print(f"link problem: {problem}", file=sys.stderr)
    print(f"wrote the {result.edition} edition ({len(result.pages)} pages) to {result.out} "
          f"in {time.perf_counter() - start:.0f} s; open {result.out / 'index.html'}")
    return 1 if problems else 0

"""`modellab site`: every lesson executed into a static site, in both editions, offline.

The lessons are executed once (a module fixture, in parallel) and rendered into both
editions; the checks read the HTML a reader gets.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from modellab.course.build import lesson_sources
from modellab.site import (
    EDITIONS,
    check_links,
    execute_lessons,
    link_terms,
    prepare_notebook,
    render_site,
)

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(lesson_sources(ROOT))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course sources, read by every build here: two builds of the same sources."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(ROOT / "course", root / "course")
    return root


@pytest.fixture(scope="module")
def executed(course):
    start = time.perf_counter()
    lessons = execute_lessons(course, jobs=2, progress=None)
    print(f"\nsite: executed {len(lessons)} lessons in {time.perf_counter() - start:.0f} s")
    return lessons


@pytest.fixture(scope="module")
def sites(executed, course, tmp_path_factory):
    out = {}
    for edition in EDITIONS:
        start = time.perf_counter()
        out[edition] = render_site(executed, edition, tmp_path_factory.mktemp(edition), root=course)
        print(f"site: {edition} edition built in {time.perf_counter() - start:.0f} s")
    return out


def _figures(text: str) -> int:
    nb = nbformat.reads(text, as_version=4)
    return sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if "image/png" in o.get("data", {}))


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_every_lesson_page_has_its_figures_and_links_resolve(sites, executed, edition):
    site = sites[edition]
    assert check_links(site.out) == []
    for name in LESSONS:
        page = (site.out / "lessons" / f"{name}.html").read_text(encoding="utf-8")
        images = len(re.findall(r"<img [^>]*src=\"(?:data:image/png|\.\./_images/)", page))
        assert images >= _figures(executed[name]), f"{name}: figures missing from its page"
        assert "Traceback" not in page, f"{name}: an error is shown on its page"
        # the executive-summary box and the recap are on every lesson page but the welcome
        if name != "00_welcome":
            assert "Executive summary" in page and "Recap" in page, name


def test_executive_edition_shows_no_code_and_practitioner_edition_hides_it(sites):
    for name in LESSONS:
        exe = (sites["executive"].out / "lessons" / f"{name}.html").read_text(encoding="utf-8")
        pra = (sites["practitioner"].out / "lessons" / f"{name}.html").read_text(encoding="utf-8")
        assert "cell_input" not in exe and "highlight-ipython3" not in exe, name
        if "highlight-ipython3" in pra:  # a lesson with code: behind a toggle, closed
            assert re.search(r"<details class=\"[^\"]*hide above-input", pra), name
            assert "<details class=\"hide above-input\" open" not in pra


def test_glossary_and_manager_pages_are_linked_from_the_lessons(sites):
    out = sites["executive"].out
    for page in ("glossary", "questions_to_ask", "reading_guide"):
        assert (out / "manager" / f"{page}.html").exists()
    linked = [n for n in LESSONS if "glossary.html#term-" in
              (out / "lessons" / f"{n}.html").read_text(encoding="utf-8")]
    assert len(linked) >= len(LESSONS) - 1, f"lessons without a glossary link: {set(LESSONS) - set(linked)}"


def test_explorers_appear_as_static_snapshots(sites, executed):
    explorers = [n for n, text in executed.items() if "modellab-snapshot" in text]
    assert explorers, "no lesson shows an explorer: the snapshot path is untested"
    for name in explorers:
        page = (sites["executive"].out / "lessons" / f"{name}.html").read_text(encoding="utf-8")
        assert "modellab-snapshot" in page and "modellab dashboard" in page, name
    for name in LESSONS:  # no live-widget machinery (it would load JavaScript from a CDN)
        page = (sites["executive"].out / "lessons" / f"{name}.html").read_text(encoding="utf-8")
        scripts = re.findall(r"<script [^>]*src=\"([^\"]+)\"", page)
        assert not [s for s in scripts if "require" in s or "html-manager" in s or "embed" in s], name


def _first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"{a[max(0, at - 80):at + 80]!r} vs {b[max(0, at - 80):at + 80]!r}"


def test_two_builds_are_byte_identical(course, sites, tmp_path):
    # A second build from scratch: every lesson executed again in fresh kernels (new
    # processes, new temporary folders, other timings) and the executive edition rendered.
    again = render_site(execute_lessons(course, jobs=2, progress=None), "executive",
                        tmp_path / "again", root=course)
    first = sites["executive"].out
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again.out) for p in again.out.rglob("*") if p.is_file())
    different = {str(f): _first_difference((first / f).read_bytes(), (again.out / f).read_bytes())
                 for f in files if (first / f).read_bytes() != (again.out / f).read_bytes()}
    assert different == {}
    # no page shows a lesson's random temporary folder (the site names it /tmp/modellab-site/NAME)
    for name in LESSONS:
        page = (first / "lessons" / f"{name}.html").read_text(encoding="utf-8")
        assert not re.search(r"modellab-site-\w", page), name


def test_prepare_notebook_tags_code_and_drops_widget_state():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Recall matters."),
                                         nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["widgets"] = {"state": {}}
    text = nbformat.writes(nb)
    for edition, tag in EDITIONS.items():
        out = nbformat.reads(prepare_notebook(text, edition, ["recall"]), as_version=4)
        assert out.cells[1].metadata["tags"] == [tag]
        assert "widgets" not in out.metadata
        assert out.cells[0].source == "{term}`Recall <recall>` matters."
    with pytest.raises(ValueError, match="edition must be one of"):
        prepare_notebook(text, "manager")


def test_terms_are_not_linked_inside_code_links_or_headings():
    text = "# Drift\n`drift` and [drift](x.md) and drift"
    assert link_terms(text, ["drift"], set()) == "# Drift\n`drift` and [drift](x.md) and {term}`drift <drift>`"


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="only: no lesson named"):
        execute_lessons(ROOT, only=["99_nothing"], progress=None)
    with pytest.raises(TypeError, match="only must be a list"):
        execute_lessons(ROOT, only="03_data_drift", progress=None)
    with pytest.raises(ValueError, match="edition must be one of"):
        render_site({"a": "{}"}, "everyone", tmp_path)


def test_the_command_builds_one_lesson_and_reports(tmp_path):
    out = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "modellab.cli", "site", "--edition", "executive",
                           "--out", str(out), "--only", "00_welcome", "--root", str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "wrote the executive edition" in proc.stdout and (out / "index.html").exists()
    assert str(out) not in (out / "index.html").read_text()  # no local paths in the page

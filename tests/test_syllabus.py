"""The syllabus maps every programme skill and practice to lessons and exercises that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYLLABUS = ROOT / "course" / "syllabus.md"
LESSON_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")
EXERCISE_NAME = re.compile(r"^ex\d\d_[a-z0-9_]+$")
PLANNED = "(planned)"


def table(heading: str) -> list[dict[str, str]]:
    """Rows of the first markdown table under ``## heading``, as dicts keyed by header."""
    text = SYLLABUS.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"syllabus has no '## {heading}' section"
    lines = [ln.strip() for ln in match.group(1).splitlines() if ln.strip().startswith("|")]
    assert len(lines) >= 3, f"'## {heading}' has no table"
    header = [h.strip() for h in lines[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip() for c in ln.strip("|").split("|")), strict=True))
            for ln in lines[2:]]


def names(cell: str) -> list[tuple[str, bool]]:
    """``"01_a (planned), ex02_b"`` -> ``[("01_a", True), ("ex02_b", False)]``; "—" is none."""
    out = []
    for item in (i.strip() for i in cell.split(",")):
        if item in ("", "—", "-"):
            continue
        planned = item.endswith(PLANNED)
        out.append((item.removesuffix(PLANNED).strip(), planned))
    return out


def source(name: str) -> Path:
    if EXERCISE_NAME.match(name):
        return ROOT / "course" / "exercises" / f"{name}.py"
    assert LESSON_NAME.match(name), f"{name!r} is neither a lesson (NN_topic) nor an exercise (exNN_topic)"
    return ROOT / "course" / "lessons" / f"{name}.py"


COMPETENCIES = table("Competency map")
SEQUENCE = table("Lessons and exercises in order")
OPTIONAL = table("Optional further notebooks")


def test_every_skill_and_practice_of_the_programme_is_mapped():
    ids = {(row["id"], row["kind"]) for row in COMPETENCIES}
    assert ids == {(f"S{i}", "skill") for i in range(1, 5)} | {(f"P{i}", "practice") for i in range(1, 5)}
    for row in COMPETENCIES:
        lessons, exercises = names(row["lessons"]), names(row["exercises"])
        assert lessons, f"{row['id']} has no lesson"
        assert exercises, f"{row['id']} has no exercise"
        assert all(LESSON_NAME.match(n) for n, _ in lessons), row["lessons"]
        assert all(EXERCISE_NAME.match(n) for n, _ in exercises), row["exercises"]


def test_statistical_skill_names_the_programme_metrics():
    stats = next(row for row in COMPETENCIES if row["id"] == "S2")["competency"]
    for term in ("precision", "recall", "F1", "ROC-AUC", "hypothesis tests"):
        assert term in stats


def all_named() -> dict[str, bool]:
    """Every lesson/exercise the syllabus names -> whether it is marked planned (consistently)."""
    seen: dict[str, bool] = {}
    cells = [r["lessons"] for r in COMPETENCIES] + [r["exercises"] for r in COMPETENCIES]
    cells += [r["lesson"] for r in SEQUENCE] + [r["exercise"] for r in SEQUENCE]
    cells += [r["notebook"] for r in OPTIONAL]
    for cell in cells:
        for name, planned in names(cell):
            assert seen.get(name, planned) == planned, f"{name} is marked (planned) in one place only"
            seen[name] = planned
    return seen


def test_named_sources_exist_unless_planned():
    named = all_named()
    missing = [n for n, planned in named.items() if not planned and not source(n).is_file()]
    assert not missing, f"the syllabus names sources that do not exist: {missing}"
    stale_marks = [n for n, planned in named.items() if planned and source(n).is_file()]
    assert not stale_marks, f"these now exist: remove their (planned) marker: {stale_marks}"
    planned = sorted(n for n, p in named.items() if p)
    print(f"\nsyllabus: {len(named) - len(planned)} sources written, {len(planned)} planned: "
          + ", ".join(planned))


def test_every_written_source_is_in_the_syllabus():
    named = all_named()
    written = [p.stem for p in (ROOT / "course" / "lessons").glob("[0-9][0-9]_*.py")]
    written += [p.stem for p in (ROOT / "course" / "exercises").glob("ex[0-9][0-9]_*.py")]
    assert written, "no lesson sources found"
    unlisted = sorted(set(written) - set(named))
    assert not unlisted, f"add these sources to course/syllabus.md: {unlisted}"


def test_sequence_is_complete_and_ordered():
    orders = [int(row["order"]) for row in SEQUENCE]
    assert orders == list(range(len(SEQUENCE)))
    lessons = [names(row["lesson"])[0][0] for row in SEQUENCE]
    assert [name[:2] for name in lessons] == [f"{i:02d}" for i in orders]
    assert all(int(row["minutes"]) > 0 for row in SEQUENCE)
    in_map = {n for r in COMPETENCIES for n, _ in names(r["lessons"]) + names(r["exercises"])}
    in_sequence = {n for r in SEQUENCE for n, _ in names(r["lesson"]) + names(r["exercise"])}
    assert in_map <= in_sequence, f"in the map but not in the sequence: {in_map - in_sequence}"
    # Exercise numbers are stable assignment names, not positions: only uniqueness is required.
    exercises = [n for r in SEQUENCE for n, _ in names(r["exercise"])]
    assert len(set(exercises)) == len(exercises), f"an exercise is listed twice: {exercises}"
    numbers = [n[2:4] for n in exercises]
    assert len(set(numbers)) == len(numbers), f"two exercises share a number: {exercises}"



def test_optional_notebooks_follow_their_lesson_and_are_findable():
    """Each optional notebook goes further than one lesson of the sequence: named after it, so it
    sorts right after it, and linked from it, so a learner finds it."""
    assert OPTIONAL, "the syllabus lists no optional further notebooks"
    sequence = {names(r["lesson"])[0][0] for r in SEQUENCE}
    for row in OPTIONAL:
        (name, planned), = names(row["notebook"])
        follows = row["follows"]
        assert follows in sequence, f"{name} follows {follows}, which is not in the sequence"
        assert name.startswith(follows + "_"), f"{name}: name it {follows}_..., after its lesson"
        assert int(row["minutes"]) > 0 and row["title"], name
        if not planned:
            lesson = source(follows).read_text(encoding="utf-8")
            assert f"`{name}`" in lesson, f"{follows} does not point learners to {name}"


def stated_minutes(path: Path) -> int | None:
    """The time a lesson source states for itself: the first "about N minutes" in its text."""
    text = re.sub(r"\s+", " ", re.sub(r"^# ?", "", path.read_text(encoding="utf-8"), flags=re.M))
    match = re.search(r"\b[Aa]bout (\d+) minutes\b", text)
    return int(match.group(1)) if match else None


def test_stated_minutes_reads_across_lines(tmp_path):
    lesson = tmp_path / "03_x.py"
    lesson.write_text("# %% [markdown]\n# It takes about 20\n# minutes.\n", encoding="utf-8")
    assert stated_minutes(lesson) == 20
    lesson.write_text("# %% [markdown]\n# No time here.\n", encoding="utf-8")
    assert stated_minutes(lesson) is None


def test_each_lesson_states_the_syllabus_minutes():
    """A lesson's own "about N minutes" is the syllabus's N (the sequence or the optional table)."""
    minutes = {names(r["lesson"])[0][0]: int(r["minutes"]) for r in SEQUENCE}
    minutes |= {names(r["notebook"])[0][0]: int(r["minutes"]) for r in OPTIONAL}
    wrong = {}
    for name, planned_minutes in minutes.items():
        if source(name).is_file():
            stated = stated_minutes(source(name))
            if stated != planned_minutes:
                wrong[name] = (stated, planned_minutes)
    assert not wrong, f"lesson states (minutes, syllabus minutes) that differ: {wrong}"


@pytest.mark.parametrize("role", ["Data scientist", "ML engineer", "Model monitoring specialist",
                                  "AI project manager"])
def test_every_audience_has_a_path(role):
    rows = {row["role"]: row for row in table("Paths by role")}
    assert role in rows and rows[role]["lessons"] and rows[role]["exercises"]


def test_welcome_lesson_shows_the_whole_course_map():
    welcome = (ROOT / "course" / "lessons" / "00_welcome.py").read_text(encoding="utf-8")
    for row in SEQUENCE:
        for name, _ in names(row["lesson"]) + names(row["exercise"]):
            assert name in welcome, f"00_welcome's course map does not mention {name}"
    for row in OPTIONAL:
        for name, _ in names(row["notebook"]):
            assert f"`{name}` *(optional)*" in welcome, f"00_welcome's map lacks the optional {name}"


def lesson_numbers(cell: str) -> list[str]:
    """``"00, 02–10, 12 (note)"`` -> ``["00", "02", ..., "10", "12"]`` (ranges expanded)."""
    out = []
    for item in re.findall(r"\d\d(?:\s*[–-]\s*\d\d)?", cell.split("(")[0]):
        first, *last = re.split(r"\s*[–-]\s*", item)
        out += [f"{i:02d}" for i in range(int(first), int(last[0] if last else first) + 1)]
    return out


def test_lesson_numbers_reads_ranges():
    assert lesson_numbers("00, 02–04, 12 (summaries, 05)") == ["00", "02", "03", "04", "12"]
    assert lesson_numbers("00–12 (all)") == [f"{i:02d}" for i in range(13)]


def test_role_paths_name_lessons_and_exercises_that_exist():
    lessons = {names(r["lesson"])[0][0][:2] for r in SEQUENCE}
    exercises = {n[2:4] for r in SEQUENCE for n, planned in names(r["exercise"]) if not planned}
    for row in table("Paths by role"):
        assert set(lesson_numbers(row["lessons"])) <= lessons, row["role"]
        numbers = re.findall(r"ex(\d\d)(?:[–-]ex(\d\d))?", row["exercises"])
        named = {f"{i:02d}" for a, b in numbers for i in range(int(a), int(b or a) + 1)}
        assert named <= exercises, f"{row['role']} names exercises that do not exist: {named - exercises}"


def test_manager_path_covers_drift_and_the_new_lessons_and_its_minutes_add_up():
    """The manager's path table lists the lessons of the manager's row in 'Paths by role', each
    with the sequence table's minutes, and they sum to the stated total."""
    path = table("The AI project manager's path")
    sequence_minutes = {names(r["lesson"])[0][0]: int(r["minutes"]) for r in SEQUENCE}
    listed = [row["lesson"] for row in path]
    for row in path:
        assert row["lesson"] in sequence_minutes, f"{row['lesson']} is not in the sequence table"
        assert int(row["minutes"]) == sequence_minutes[row["lesson"]], row["lesson"]
        assert row["what the manager reads"], f"{row['lesson']}: say what the manager reads"
    manager = next(r for r in table("Paths by role") if r["role"] == "AI project manager")
    assert [n[:2] for n in listed] == lesson_numbers(manager["lessons"])
    for lesson in ("03_data_drift", "05_performance_estimation", "06_segments_fairness",
                   "07_data_contracts", "10_governance"):
        assert lesson in listed, f"the manager's path skips {lesson}"
    text = SYLLABUS.read_text(encoding="utf-8")
    stated = re.search(r"\*\*Total: (\d+) minutes\*\*", text)
    assert stated, "the manager's path states no '**Total: N minutes**'"
    assert sum(sequence_minutes[n] for n in listed) == int(stated.group(1))
    for promised in ("modellab site --edition executive", "modellab dashboard",
                     "course/manager/glossary.md", "course/manager/questions_to_ask.md"):
        assert promised in text, f"the manager's path should point to {promised}"
    assert (ROOT / "course" / "manager" / "glossary.md").is_file()
    assert (ROOT / "course" / "manager" / "questions_to_ask.md").is_file()


def exercise_numbers(cell: str) -> set[str]:
    """``"ex01–ex03, ex05"`` -> ``{"01", "02", "03", "05"}`` (ranges expanded)."""
    found = re.findall(r"ex(\d\d)(?:[–-]ex(\d\d))?", cell)
    return {f"{i:02d}" for a, b in found for i in range(int(a), int(b or a) + 1)}


def test_welcome_role_paths_agree_with_the_syllabus():
    """00_welcome shows each role its path: the same lessons and exercises as the syllabus
    (the two tables drifted apart once, after the course was renumbered)."""
    welcome = (ROOT / "course" / "lessons" / "00_welcome.py").read_text(encoding="utf-8")
    rows = {}
    for line in welcome.splitlines():
        cells = [c.strip() for c in line.lstrip("# ").strip("|").split("|")]
        if line.startswith("# | **") and len(cells) == 4:
            rows[cells[0].strip("*")] = cells
    syllabus = {row["role"]: row for row in table("Paths by role")}
    assert set(rows) == set(syllabus), "00_welcome's role table names other roles than the syllabus"
    for role, (_, lessons, exercises, _) in rows.items():
        expected = syllabus[role]
        if "all" not in lessons:
            assert lesson_numbers(lessons) == lesson_numbers(expected["lessons"]), role
        assert exercise_numbers(exercises) == exercise_numbers(expected["exercises"]), role

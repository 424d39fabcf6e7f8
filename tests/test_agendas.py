"""Workshop agendas add up: every block starts when the previous one ends, each day or session
lasts what its title promises, full lessons get the minutes the syllabus gives them, and every
lesson or exercise an agenda names exists (or is marked planned in the syllabus)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AGENDAS = sorted((ROOT / "course" / "agendas").glob("*.md"))
SYLLABUS = ROOT / "course" / "syllabus.md"
NAME = re.compile(r"`((?:ex)?\d\d_[a-z0-9_]+)`")


def minutes(clock: str) -> int:
    """``"9:15"`` -> 555; ``"1:05"`` -> 65 (hours:minutes from the session's start)."""
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def tables(path: Path) -> list[list[dict[str, str]]]:
    """Each ``| time | min | block | material |`` table of an agenda, as lists of rows."""
    out, rows, header = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header, rows = cells, []
            elif not set("".join(cells)) <= set("-: "):
                rows.append(dict(zip(header, cells, strict=True)))
        elif header is not None:
            if header[:2] == ["time", "min"]:
                out.append(rows)
            header = rows = None
    return out


def syllabus_minutes() -> dict[str, int | None]:
    """Minutes of every lesson and exercise in the syllabus's sequence table (``None`` for an
    exercise that shares its row's minutes with another), and of its optional notebooks."""
    text = SYLLABUS.read_text(encoding="utf-8")
    section = text[text.index("## Lessons and exercises in order"):]
    found = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].isdigit():
            _, lesson, _, lesson_min, exercises, exercise_min = cells
            found[lesson.removesuffix("(planned)").strip()] = int(lesson_min)
            names = [n.removesuffix("(planned)").strip() for n in exercises.split(",")]
            names = [n for n in names if n not in ("", "—")]
            for name in names:  # minutes shared by several exercises belong to none alone
                found[name] = int(exercise_min) if len(names) == 1 else None
        elif len(cells) == 4 and NAME.fullmatch(f"`{cells[0]}`") and cells[3].isdigit():
            found[cells[0]] = int(cells[3])  # | notebook | follows | title | minutes |
    return found


def test_syllabus_minutes_reads_lessons_exercises_and_optional_notebooks():
    found = syllabus_minutes()
    assert found["03_data_drift"] > 0 and found["ex02_data_drift"] > 0
    assert found["03_data_drift_further"] > 0


def test_there_are_agendas():
    assert len(AGENDAS) >= 2, "course/agendas/ should hold the half-day and two-day agendas"


def test_the_helpers_read_what_they_should(tmp_path):
    agenda = tmp_path / "a.md"
    agenda.write_text("| time | min | block | material |\n|---|---|---|---|\n"
                      "| 9:00 | 30 | A | `01_x` |\n| 9:30 | | End | |\n\n"
                      "| who | what |\n|---|---|\n| a | b |\n", encoding="utf-8")
    assert tables(agenda) == [[
        {"time": "9:00", "min": "30", "block": "A", "material": "`01_x`"},
        {"time": "9:30", "min": "", "block": "End", "material": ""},
    ]]
    assert minutes("1:05") == 65 and minutes("13:15") == 795


@pytest.mark.parametrize("path", AGENDAS, ids=lambda p: p.stem)
def test_blocks_follow_each_other_and_fill_the_session(path):
    text = path.read_text(encoding="utf-8")
    sessions = tables(path)
    assert sessions, f"{path.name} has no | time | min | block | material | table"
    for rows in sessions:
        assert rows[-1]["block"].startswith("End"), (
            f"{path.name}: the last row of each table is the End")
        for row, following in zip(rows[:-1], rows[1:], strict=True):
            start = minutes(row["time"]) + int(row["min"])
            assert start == minutes(following["time"]), (
                f"{path.name}: '{row['block']}' starts at {row['time']} and lasts {row['min']} "
                f"min, but the next block starts at {following['time']}")
        length = minutes(rows[-1]["time"]) - minutes(rows[0]["time"])
        assert length == sum(int(r["min"]) for r in rows[:-1])
        promised = re.search(r"\((\d+) hours\)", text)
        if promised:  # "Half-day workshop (4 hours)"
            assert length == 60 * int(promised.group(1)), f"{path.name}: {length} min"
        days = re.search(r"Days are (\d+:\d\d)[–-](\d+:\d\d)", text)
        if days:  # "Days are 9:00–17:00"
            assert (rows[0]["time"], rows[-1]["time"]) == days.groups(), path.name


@pytest.mark.parametrize("path", AGENDAS, ids=lambda p: p.stem)
def test_named_material_exists_and_full_blocks_get_the_syllabus_minutes(path):
    planned = syllabus_minutes()
    whole_course = "whole course" in path.read_text(encoding="utf-8").splitlines()[0]
    for rows in tables(path):
        for row in rows:
            named = NAME.findall(row["material"])
            for name in named:
                folder = "exercises" if name.startswith("ex") else "lessons"
                assert (ROOT / "course" / folder / f"{name}.py").exists(), (
                    f"{path.name} names {name}, which has no source")
                assert name in planned, f"{path.name} names {name}, which the syllabus lacks"
            # A block given to exactly one lesson or exercise, in an agenda that promises the
            # whole course, gets the syllabus's minutes for it.
            if (whole_course and len(named) == 1 and "(demo)" not in row["material"]
                    and planned[named[0]] is not None):
                assert int(row["min"]) == planned[named[0]], (
                    f"{path.name}: {named[0]} gets {row['min']} min, the syllabus says "
                    f"{planned[named[0]]}")


def test_half_day_teaches_what_input_monitoring_misses():
    """The half day keeps concept drift and label delay; PSI by hand (ex02) is self-study."""
    half = ROOT / "course" / "agendas" / "half_day.md"
    taught = {n for rows in tables(half) for r in rows for n in NAME.findall(r["material"])}
    assert "04_concept_drift" in taught and "ex02_data_drift" not in taught

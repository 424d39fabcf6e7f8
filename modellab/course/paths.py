"""Where the course sources and generated artifacts live in a checkout.

A checkout looks like this (authors edit only ``course/``)::

    course/lessons/NN_topic.py        lesson sources (jupytext py:percent)
    course/exercises/exNN_topic.py    exercise sources (nbgrader metadata in cell headers)
    course/nbgrader_config.py         nbgrader settings shared by the build and workshops
    notebooks/NN_topic.ipynb          generated lesson notebooks
    solutions/exNN_topic/*.ipynb      generated nbgrader source notebooks (with solutions)
    exercises/exNN_topic/*.ipynb      generated learner notebooks

Example
-------
>>> from modellab.course.paths import CoursePaths
>>> p = CoursePaths("/tmp/somewhere")
>>> p.lessons.relative_to(p.root).as_posix()
'course/lessons'
>>> p.solution_notebook("ex01_metrics").relative_to(p.root).as_posix()
'solutions/ex01_metrics/ex01_metrics.ipynb'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Environment variable that points at a checkout, overriding the search.
ROOT_ENV = "MODELLAB_ROOT"

_PACKAGE_CHECKOUT = Path(__file__).resolve().parents[2]


def _is_root(path: Path) -> bool:
    return (path / "course" / "nbgrader_config.py").is_file()


def find_root(start: str | os.PathLike | None = None) -> Path:
    """Return the course checkout to work on.

    Order: ``$MODELLAB_ROOT``; the first folder at or above ``start`` (default:
    the working directory) that holds ``course/nbgrader_config.py``; the
    checkout this package was imported from.

    Raises
    ------
    FileNotFoundError
        When none of these is a course checkout.
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        root = Path(env).expanduser().resolve()
        if not _is_root(root):
            raise FileNotFoundError(
                f"{ROOT_ENV}={env} has no course/nbgrader_config.py: point it at a modellab checkout."
            )
        return root
    here = Path(start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if _is_root(candidate):
            return candidate
    if _is_root(_PACKAGE_CHECKOUT):
        return _PACKAGE_CHECKOUT
    raise FileNotFoundError(
        "No modellab checkout found (a folder with course/nbgrader_config.py): run the command "
        f"inside the repository, or set {ROOT_ENV}."
    )


@dataclass(frozen=True)
class CoursePaths:
    """Locations inside one checkout rooted at ``root``."""

    root: Path

    def __init__(self, root: str | os.PathLike):
        object.__setattr__(self, "root", Path(root).resolve())

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def lessons(self) -> Path:
        """Lesson sources, ``course/lessons/NN_topic.py``."""
        return self.course / "lessons"

    @property
    def exercise_sources(self) -> Path:
        """Exercise sources, ``course/exercises/exNN_topic.py``."""
        return self.course / "exercises"

    @property
    def nbgrader_config(self) -> Path:
        return self.course / "nbgrader_config.py"

    @property
    def notebooks(self) -> Path:
        """Generated lesson notebooks."""
        return self.root / "notebooks"

    @property
    def solutions(self) -> Path:
        """Generated nbgrader source notebooks (solutions and hidden tests)."""
        return self.root / "solutions"

    @property
    def exercises(self) -> Path:
        """Generated learner versions of the exercises."""
        return self.root / "exercises"

    def lesson_notebook(self, name: str) -> Path:
        return self.notebooks / f"{name}.ipynb"

    def solution_notebook(self, name: str) -> Path:
        return self.solutions / name / f"{name}.ipynb"

    def exercise_notebook(self, name: str) -> Path:
        return self.exercises / name / f"{name}.ipynb"


def course_paths(root: str | os.PathLike | None = None) -> CoursePaths:
    """``CoursePaths`` for ``root``, or for :func:`find_root` when it is ``None``."""
    return CoursePaths(find_root() if root is None else root)

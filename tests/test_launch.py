"""Binder and Codespaces launch files install the same pinned environment as `make lab`."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _requires_python_minor() -> str:
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    return re.search(r">=\s*(\d+\.\d+)", spec).group(1)


def test_binder_uses_the_pinned_environment_and_python():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == f"python-{_requires_python_minor()}"
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "-c constraints.txt -e ." in post
    assert "modellab lab --setup-only" in post  # learner set-up, as `make lab` does
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def test_codespaces_uses_the_makefile_install_and_python():
    conf = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text())
    assert conf["image"].endswith(f":{_requires_python_minor()}")
    assert "make .venv/.installed-lab" in conf["postCreateCommand"]
    assert "notebooks/00_welcome.ipynb" in conf["customizations"]["codespaces"]["openFiles"]
    makefile = (ROOT / "Makefile").read_text()
    assert "$(VENV)/.installed-lab:" in makefile and "-c constraints.txt -e ." in makefile


def test_readme_launch_links_open_the_welcome_notebook():
    readme = (ROOT / "README.md").read_text()
    assert "urlpath=lab/tree/notebooks/00_welcome.ipynb" in readme
    assert "Codespaces" in readme


def test_readme_quick_start_has_exactly_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = quick.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make lab", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci

# modellab: two commands on a fresh machine (Python 3.11+ and make are all it needs).
#   make lab    install the course into .venv and open it in JupyterLab
#   make test   install the dev environment and run the whole test suite
# Both are idempotent: the environment is only re-installed when pyproject.toml or
# constraints.txt (the pinned versions CI passed with) change.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
STATE := $(CURDIR)/.cache/state
PYTEST_ARGS ?=

# nbgrader runs `alembic` by name: the venv's bin/ must be on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: lab instructor test lint build bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "modellab needs Python 3.11 or newer; found $$($(PYTHON) --version 2>&1). Install it, or run: make PYTHON=python3.11 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-lab: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@ $(VENV)/.installed-lab

lab: $(VENV)/.installed-lab
	$(BIN)/modellab lab

instructor: $(VENV)/.installed-lab
	$(BIN)/modellab lab --instructor

# Tests keep Jupyter, IPython and matplotlib state out of $HOME. They run on every CPU
# (pytest-xdist), one test file per worker so module fixtures (a graded class, an executed
# course) are built once; most of the wall time is kernels starting and grading.
test: export JUPYTER_CONFIG_DIR := $(STATE)/jupyter-config
test: export JUPYTER_DATA_DIR := $(STATE)/jupyter-data
test: export JUPYTER_RUNTIME_DIR := $(STATE)/jupyter-runtime
test: export IPYTHONDIR := $(STATE)/ipython
test: export MPLCONFIGDIR := $(STATE)/matplotlib
test: export JUPYTER_PLATFORM_DIRS := 1
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

build: $(VENV)/.installed-lab
	$(BIN)/modellab build

bench: $(VENV)/.installed-dev
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache artifacts

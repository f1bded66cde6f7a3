# The course in two commands:  make lab   (set up and open JupyterLab)
#                              make test  (set up and run every test and notebook, quick mode)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

export TF_CPP_MIN_LOG_LEVEL ?= 2
# JupyterLab refuses to run as root (containers, some cloud machines) unless told it may.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test test-unit test-notebooks course course-smoke bench clean help pretrained wheel student student-check lint typecheck

help:
	@echo "make lab     set up .venv and open the course in JupyterLab"
	@echo "make test    set up .venv and run unit tests + every notebook in quick mode"
	@echo "make course  run every notebook in full mode; executed copies go to build/course"
	@echo "             (COURSE_ARGS='--set EPOCHS=5' overrides a parameters-cell name)"
	@echo "make course-smoke  full-size data and models, one epoch each (build/course-smoke)"
	@echo "make lint    ruff check + ruff format --check + mypy (what CI runs before the tests)"
	@echo "make bench   run the benchmarks in bench/ (figures for the README)"
	@echo "make student write the student notebooks (answers replaced by stubs) to build/student"
	@echo "make student-check  run each notebook with its stubs: every stub caught by its checker"

# (Re)install only when the package description changed; the stamp records the last install.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(LAB_FLAGS)

# Lint, format and type checks (ruff and mypy; their settings, and the reason for every ignored
# rule, are in pyproject.toml). CI runs this before the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Type checks alone (also part of `make lint`).
typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: $(STAMP)
	MUSICNB_QUICK=1 $(PY) -m pytest

test-unit: $(STAMP)
	MUSICNB_QUICK=1 $(PY) -m pytest -m "not notebook and not browser"

test-notebooks: $(STAMP)
	MUSICNB_QUICK=1 $(PY) -m pytest -m notebook

# Full-size data and models for one epoch each: checks every full-mode path without the hours
# of `make course` (on a 2-core CPU still an hour or more, most of it notebook 07's biaxial RNN).
# Any name of a notebook's parameters cell can be overridden the same way, --set NAME=VALUE.
SMOKE_SET := --set EPOCHS=1 --set EPOCHS_CLASSIC=1 --set SWEEP_EPOCHS=1 --set REG_EPOCHS=1 \
             --set B_EPOCHS=1 --set GEN_STEPS=32

course: $(STAMP)
	$(PY) -m musicnb.notebooks run notebooks/*.ipynb --out build/course $(COURSE_ARGS)

course-smoke: $(STAMP)
	$(PY) -m musicnb.notebooks run notebooks/*.ipynb --out build/course-smoke $(SMOKE_SET)

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Student notebooks: nbgrader's ClearSolutions replaces every BEGIN/END SOLUTION region of the
# instructor notebooks (notebooks/) with a stub; the copies are a build output, never committed.
student: $(STAMP)
	$(PY) -m musicnb.assignments student notebooks/[0-9][0-9]_*.ipynb --out build/student

student-check: $(STAMP)
	MUSICNB_QUICK=1 MUSICNB_RUNS_DIR=$(CURDIR)/build/student-check/runs MUSICNB_EXPORT_DIR=$(CURDIR)/build/student-check/exports \
		$(PY) -m musicnb.assignments verify $$($(PY) -c "import glob, musicnb.assignments as a; print(' '.join(p for p in sorted(glob.glob('notebooks/[0-9][0-9]_*.ipynb')) if a.solution_regions(p)))")

clean:
	rm -rf build .pytest_cache

# Ready-trained runs of every model of notebooks 02-07 (data/pretrained, seeded; minutes on a CPU).
pretrained: $(STAMP)
	MUSICNB_QUICK=0 $(PY) -m musicnb.pretrained

# A wheel of the course with its ready-trained runs (dist/musicnb-*.whl, about 7 MB), e.g. to
# upload into Colab when the install source cannot be reached (see README, "Colab"). build/lib is
# cleared first so that a module deleted since the last build cannot linger in the wheel.
wheel: $(STAMP)
	rm -rf build/lib build/bdist.*
	$(PY) -m pip wheel --no-deps --wheel-dir dist .
	@ls -l dist/musicnb-*.whl

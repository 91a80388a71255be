# Entry points for a fresh machine; each creates .venv and installs the project first.
#   make test    lint + tests (CI)              make smoke   every stage, smoke profile, ~6 min
#   make repro   the default-profile pipeline   make lab     JupyterLab on notebooks/
#   make timed-run  the default run timed in a scratch copy, stage by stage
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# torch comes from the CPU wheel index by default (PyPI's Linux wheels are the CUDA build).
# For CUDA: make setup TORCH_INDEX=https://download.pytorch.org/whl/cu126 (or empty: PyPI).
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=
RUN := PATH="$(BIN):$$PATH" DVC_NO_ANALYTICS=1

.PHONY: setup repro smoke timed-run lab test lint clean-venv

# The project's JupyterLab defaults (lab/overrides.json): a double-click opens a .py notebook
# as a notebook (jupytext's viewer) and no first-run pop-up asks about Jupyter news. Lab reads
# every file in overrides.d of its app settings folder; a user's own settings still win.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.d/pdd.json

setup: $(VENV)/.installed $(LAB_SETTINGS)

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# After the install, so a reinstalled venv gets the file again.
$(LAB_SETTINGS): lab/overrides.json $(VENV)/.installed
	mkdir -p $(@D)
	cp $< $@

# Rewrites the committed reports/: run it on a branch (README, "Two commands").
repro: setup
	$(RUN) dvc repro

# The whole pipeline on the smoke profile in .smoke/, a scratch copy: reports/ untouched.
smoke: setup
	$(RUN) $(BIN)/python -m pdd.pipeline.smoke

# The whole default run timed on this machine in .timed-run/, one stage at a time (hours;
# rerun to resume): its reports/summary/stage_times.md splits every stage's minutes. A
# resumed run drives the copy with the copy's own code (main's may read params differently).
TIMED := --profile default --jobs 1 --resume
timed-run: setup
	@if [ -f .timed-run/.git/pdd-scratch-copy ]; then \
	  cd .timed-run && $(RUN) $(BIN)/python -m pdd.pipeline.smoke $(TIMED) --target . ; \
	else \
	  $(RUN) $(BIN)/python -m pdd.pipeline.smoke $(TIMED) --target .timed-run ; \
	fi

lab: setup
	$(RUN) $(BIN)/jupyter lab notebooks/

lint: setup
	$(BIN)/ruff check .

test: lint
	$(RUN) $(BIN)/pytest $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)

# Two entry points for a fresh machine:  `make repro` (the default-profile pipeline) and
# `make test` (lint + tests). Both create .venv and install the project first.
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# CPU wheel by default; on a GPU machine use e.g. `make repro TORCH_SPEC=torch`.
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: setup repro test lint clean-venv

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

repro: setup
	PATH="$(BIN):$$PATH" DVC_NO_ANALYTICS=1 dvc repro

lint: setup
	$(BIN)/ruff check .

test: lint
	PATH="$(BIN):$$PATH" $(BIN)/pytest $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)

# The front door. `make run` and `make test` work on a fresh machine; everything else builds on them.
SHELL := /bin/bash
# Lambda runs python3.13: use it where pyenv or PATH has it, else the machine's python3.
PYTHON ?= $(shell PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run serve test unit integration bench lint format typecheck pr clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/ensure-postgres.sh
	bash scripts/ensure-postgres.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

run: install
	$(BIN)/python -m alex_data_dev.main_job

serve: install
	$(BIN)/alex-data serve --port 8080

test: install
	$(BIN)/pytest -q

unit: install
	$(BIN)/pytest -q tests/unit

integration: install
	$(BIN)/pytest -q tests/integration

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy

pr: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .aws-sam

# The front door. `make run` and `make test` work on a fresh machine; everything else builds on them.
SHELL := /bin/bash
# Lambda runs python3.13: use it where pyenv or PATH has it, else the machine's python3.
PYTHON ?= $(shell PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: sam-local install run serve test unit integration reliability bench lint format typecheck pr clean sam-install build validate python313

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/ensure-postgres.sh
	@test -n "$(PYTHON)" || { echo "make install: no python3 on PATH (or set PYTHON=...)" >&2; exit 1; }
	@test -x $(BIN)/python || echo "install: creating $(VENV) with $(PYTHON)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "install: the project and its pinned dev tools into $(VENV) (about a minute the first time)"
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	bash scripts/ensure-postgres.sh $(BIN)/python
	touch $@
	@echo "install: done"

# KEEP=1 leaves the endpoint and the job's data up afterwards, until Ctrl-C.
run: install
	$(BIN)/python -m alex_data_dev.main_job $(if $(KEEP),--keep)

serve: install
	$(BIN)/alex-data serve --port 8080 --log-requests

# The runtime tier (tests/runtime) builds the function with the SAM CLI: hence sam-install.
test: install sam-install
	$(BIN)/pytest -q

unit: install
	$(BIN)/pytest -q tests/unit

integration: install
	$(BIN)/pytest -q tests/integration

# The guarantees (part of `make test`); `make reliability ARGS=--long` for the longer variant.
reliability: install
	$(BIN)/pytest -q tests/reliability $(ARGS)

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

pr: lint typecheck validate test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .aws-sam

# The SAM CLI lives in its own tool venv: its pins conflict with the dev venv's current boto3.
SAM_VERSION := 1.170.0
SAM_VENV := .tools/sam
SAM := SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam
PYTHON313 ?= $(shell PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13)

# The SAM CLI and `sam build` need Python 3.13 (the function's runtime): say so, and how to get it.
python313:
	@test -n "$(PYTHON313)" && command -v "$(PYTHON313)" >/dev/null || { \
	  echo "make: Python 3.13 not found (looked for pyenv's 3.13.0, then python3.13 on PATH)." >&2; \
	  echo "  Get it: pyenv install 3.13.0, or your system's python3.13 package;" >&2; \
	  echo "  or point at one: make $(or $(MAKECMDGOALS),build) PYTHON313=/path/to/python3.13" >&2; \
	  exit 1; }

sam-install: python313 $(SAM_VENV)/.installed-$(SAM_VERSION)

$(SAM_VENV)/.installed-$(SAM_VERSION): | python313
	@echo "sam-install: the SAM CLI $(SAM_VERSION) into $(SAM_VENV) (a few minutes the first time; log in $(SAM_VENV)/install.log)"
	@test -x $(SAM_VENV)/bin/python || $(PYTHON313) -m venv $(SAM_VENV)
	@$(SAM_VENV)/bin/python -m pip install -q 'aws-sam-cli==$(SAM_VERSION)' > $(SAM_VENV)/install.log 2>&1 \
		|| { tail -n 20 $(SAM_VENV)/install.log; exit 1; }
	@touch $@

# No Docker: SAM's python3.13 builder runs pip for the template's Architecture (arm64, what
# deploys). alex_data_dev.artifact precompiles the bytecode and refuses any compiled module
# that is not an arm64 ELF or needs a newer glibc than Lambda's Amazon Linux 2023 (2.34).
build: install sam-install
	$(BIN)/python -m alex_data_dev.artifact --arch arm64 --build-dir .aws-sam/build

# The built function in containers, as `sam local` runs it (docs/sam-local.md): podman, runc and
# a locally built base image, set up once; x86_64 here, ARCH=arm64 for the deployed one under qemu.
ARCH ?= x86_64
sam-local: install sam-install
	bash scripts/sam-local.sh $(ARCH)

validate: install sam-install
	$(SAM) validate --lint
	$(BIN)/cfn-lint template.yaml

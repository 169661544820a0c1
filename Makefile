# The front door. `make run` and `make test` work on a fresh machine; everything else builds on them.
SHELL := /bin/bash
# Lambda runs python3.13: use it where pyenv or PATH has it, else the machine's python3.
PYTHON ?= $(shell PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run serve test unit integration reliability bench lint format typecheck pr clean sam-install build validate python313

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

test: install
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
LAYER_BUILD := .aws-sam/build/SchemasLayer/python

# The SAM CLI and `sam build` need Python 3.13 (the function's runtime): say so, and how to get it.
python313:
	@test -n "$(PYTHON313)" && command -v "$(PYTHON313)" >/dev/null || { \
	  echo "make: Python 3.13 not found (looked for pyenv's 3.13.0, then python3.13 on PATH)." >&2; \
	  echo "  Get it: pyenv install 3.13.0, or your system's python3.13 package;" >&2; \
	  echo "  or point at one: make $(or $(MAKECMDGOALS),build) PYTHON313=/path/to/python3.13" >&2; \
	  exit 1; }

sam-install: python313 $(SAM_VENV)/.installed-$(SAM_VERSION)

$(SAM_VENV)/.installed-$(SAM_VERSION): | python313
	@echo "sam-install: the SAM CLI $(SAM_VERSION) into $(SAM_VENV) (a few minutes the first time)"
	test -x $(SAM_VENV)/bin/python || $(PYTHON313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q 'aws-sam-cli==$(SAM_VERSION)'
	touch $@

# No Docker: the python3.13 builder runs pip with the layer's BuildArchitecture (arm64). Then
# check the result: pydantic-core's wheel tag, and every compiled extension is an aarch64 ELF
# (e_machine 183), since an x86_64 .so would only fail at the first cold start in AWS.
build: sam-install
	PATH="$(dir $(PYTHON313)):$$PATH" $(SAM) build
	@# Lambda's code directories are read-only, so without bytecode in the zip every cold start
	@# compiles each imported module again (~1.5 s of CPU instead of ~0.7 s). unchecked-hash:
	@# zip timestamps are too coarse for mtime-checked .pyc files to be trusted.
	$(PYTHON313) -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build > /dev/null
	@grep -h '^Tag:' $(LAYER_BUILD)/pydantic_core-*.dist-info/WHEEL
	@$(PYTHON313) -c "import pathlib, sys; so = sorted(pathlib.Path('.aws-sam/build').rglob('*.so')); bad = [str(p) for p in so if int.from_bytes(p.read_bytes()[18:20], 'little') != 183]; core = [p for p in so if p.name.startswith('_pydantic_core')]; print(f'{len(so)} compiled extensions, all aarch64' if so and core and not bad else ''); sys.exit(f'not aarch64: {bad}' if bad else None if core else 'no pydantic-core extension in the build')"

validate: install sam-install
	$(SAM) validate --lint
	$(BIN)/cfn-lint template.yaml

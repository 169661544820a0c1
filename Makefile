# The front door. `make run` and `make test` work on a fresh machine; everything else builds on them.
SHELL := /bin/bash
# Lambda runs python3.13: use it where pyenv or PATH has it, else the machine's python3.
PYTHON ?= $(shell PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run serve test unit integration bench lint format typecheck pr clean sam-install build validate

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/ensure-postgres.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	bash scripts/ensure-postgres.sh $(BIN)/python
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

pr: lint typecheck validate test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .aws-sam

# The SAM CLI lives in its own tool venv: its pins conflict with the dev venv's current boto3.
SAM_VERSION := 1.170.0
SAM_VENV := .tools/sam
SAM := SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam
PYTHON313 ?= $(shell PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13)
LAYER_BUILD := .aws-sam/build/SchemasLayer/python

sam-install: $(SAM_VENV)/.installed-$(SAM_VERSION)

$(SAM_VENV)/.installed-$(SAM_VERSION):
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

# The two commands a newcomer needs: `make demo` (set up + run the main job) and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench lint clean lock

## requirements.lock holds a sha256 for every file, so pip refuses anything else; the hub itself
## (editable, no hash) comes after it, with --no-deps.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

## Regenerate requirements.lock from pyproject.toml (after editing a pin there) with pip-tools in
## a throw-away venv. The pins already in the lock are kept unless pyproject asks otherwise;
## LOCK_ARGS="--upgrade-package NAME" moves one package. Python 3.11, as the image's tag.
PIP_TOOLS_VERSION := 7.7.0
LOCK_PIP_VERSION := 26.3
LOCK_EXTRAS := airflow,bench,dev,embedded
LOCK_COMMAND := pip-compile --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links --extra=$(LOCK_EXTRAS) -o requirements.lock pyproject.toml
lock:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT \
	&& $(PYTHON) -m venv "$$tmp" \
	&& "$$tmp/bin/python" -m pip install --quiet pip==$(LOCK_PIP_VERSION) pip-tools==$(PIP_TOOLS_VERSION) \
	&& CUSTOM_COMPILE_COMMAND="make lock  (pip-tools $(PIP_TOOLS_VERSION), pip $(LOCK_PIP_VERSION), Python 3.11: $(LOCK_COMMAND))" \
		"$$tmp/bin/$(firstword $(LOCK_COMMAND))" --quiet $(wordlist 2,100,$(LOCK_COMMAND)) $(LOCK_ARGS)

## Sandbox departments → warehouse (embedded unless HUB_WAREHOUSE_URL is set) → sync → summary.
demo: $(STAMP)
	$(BIN)/hub demo $(DEMO_ARGS)

## The whole test suite against a real PostgreSQL (HUB_TEST_PG_URL, default 127.0.0.1:5432).
test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## Issue 13's end-to-end table at 100k and 1M source records, with plain COPY and dlt (its own
## venv, installed here) measured in the same run; then the per-stage diagnostics.
BENCH_E2E_ARGS ?= --sizes 100000,1000000
DLT_VENV := .venv-dlt
DLT_STAMP := $(DLT_VENV)/.installed
bench: $(STAMP) $(DLT_STAMP)
	$(BIN)/python -m bench.e2e $(BENCH_E2E_ARGS)
	$(BIN)/python -m bench $(BENCH_ARGS)

## Splink (issue 10's comparison, evaluation only) in its own venv: requirements.lock plus
## bench/requirements-splink.txt. SPLINK_ARGS e.g. "--size 10000 --seed 1 --names realistic".
SPLINK_VENV ?= .venv-splink
SPLINK_STAMP := $(SPLINK_VENV)/.installed
SPLINK_ARGS ?= --size 2000 --seed 20250630 --names realistic

$(SPLINK_STAMP): requirements.lock bench/requirements-splink.txt pyproject.toml
	test -x $(SPLINK_VENV)/bin/python || $(PYTHON) -m venv $(SPLINK_VENV)
	$(SPLINK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SPLINK_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements.lock
	$(SPLINK_VENV)/bin/python -m pip install --quiet -r bench/requirements-splink.txt
	$(SPLINK_VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $(SPLINK_STAMP)

.PHONY: bench-splink bench-resolution
bench-splink: $(SPLINK_STAMP)
	$(SPLINK_VENV)/bin/python -m bench.splink_linker $(SPLINK_ARGS)

## The whole pipeline end to end (issue 13): E2E_ARGS e.g. "--sizes 10000,100000,1000000".
E2E_ARGS ?= --sizes 10000,100000
.PHONY: bench-e2e
bench-e2e: $(STAMP)
	$(BIN)/python -m bench.e2e $(E2E_ARGS)

## BI queries over the shared star at about 1M source records (issue 15): loads and syncs a
## sandbox scenario into a scratch warehouse, then medians, p95 and plans into bench/results/.
## BI_ARGS e.g. "--records 100000", or "--url URL" to reuse a warehouse kept with "--keep".
BI_ARGS ?= --records 1000000
.PHONY: bench-bi
bench-bi: $(STAMP)
	$(BIN)/python -m bench.bi_queries $(BI_ARGS)

## dlt (issue 13's second baseline) in its own venv: bench/dlt/requirements.txt (hashed
## pins) and nothing of the hub. `make bench-e2e` runs it when .venv-dlt exists, else skips it.

$(DLT_STAMP): bench/dlt/requirements.txt
	test -x $(DLT_VENV)/bin/python || $(PYTHON) -m venv $(DLT_VENV)
	$(DLT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DLT_VENV)/bin/python -m pip install --quiet --require-hashes -r bench/dlt/requirements.txt
	touch $(DLT_STAMP)

.PHONY: bench-dlt-setup
bench-dlt-setup: $(DLT_STAMP)

## Linkage quality (precision, recall, F1, review queue), time and memory of entity resolution.
bench-resolution: $(STAMP)
	$(BIN)/python -m bench.resolution $(RESOLUTION_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(SPLINK_VENV) var

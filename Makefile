# OTT Lowband: every target sets up what it needs on a fresh Debian/Ubuntu machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench system system-test venv clean

## make run: build sample media, seed the catalog, serve it on the embedded PostgreSQL/Redis,
## then open the terminal client against it (quitting the client stops the server).
run: system venv
	scripts/run.sh

## make test: lint, then the whole test suite against real PostgreSQL, Redis, ffmpeg and mpv.
test: system-test venv lint
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy server media netem_profiles tui loadtest

bench: venv
	scripts/ensure-system-packages.sh bench
	@echo "benchmarks: see benchmarks/RESULTS.md for each command"

system:
	@scripts/ensure-system-packages.sh run

system-test:
	@scripts/ensure-system-packages.sh test

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip wheel
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

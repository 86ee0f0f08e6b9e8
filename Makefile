# EV Customer Intelligence: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test test-fast bench lint typecheck clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) ## start everything (embedded servers when no URLs are set), demo data on first start
	$(BIN)/cis up --demo

# Test processes: each starts its own embedded servers and takes whole test files
# (module fixtures stay in one process). Most tests wait on servers, not the CPU.
TEST_WORKERS ?= 2

test: $(STAMP) ## the whole suite against real servers (embedded unless URLs are set)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial"
	$(BIN)/python -m pytest -m serial

test-fast: $(STAMP) ## everything but the end-to-end tests that start `cis up`
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not e2e and not serial"
	$(BIN)/python -m pytest -m "serial and not e2e"

bench: $(STAMP) ## every benchmark next to its baseline (< 10 min): JSON, charts and SUMMARY.md in docs/bench
	$(BIN)/cis bench all --out docs/bench

lint: $(STAMP) ## ruff, with the rule set in pyproject.toml
	$(BIN)/ruff check domain application adapters projections entrypoints tests

typecheck: $(STAMP) ## mypy --strict on every package (domain, application, adapters, projections, entrypoints)
	$(BIN)/mypy

clean: ## remove the virtualenv and local data (.cis)
	rm -rf $(VENV) .cis

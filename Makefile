# Every target installs what it needs on first use, so a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCHEDULES ?= schedules

.DEFAULT_GOAL := help
.PHONY: help install lint typecheck pytest test validate plan publish demo sandbox status report bench clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv with the package (editable) and dev tools

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/ruff format --check pipeline tests bench
	$(BIN)/mypy

pytest: $(STAMP) ## the test suite only
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest ## lint + the whole test suite (what CI runs)

validate: $(STAMP) ## validate the calendars under schedules/
	$(BIN)/pipeline validate $(SCHEDULES)

plan: $(STAMP) ## show what publishing would do
	$(BIN)/pipeline plan $(SCHEDULES)

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

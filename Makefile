# Every target installs what it needs on first use, so a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCHEDULES ?= schedules

.DEFAULT_GOAL := help
.PHONY: help install lock test-prereqs lint pytest test fuzz validate plan publish status demo sandbox docs bench clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock requirements-bootstrap.lock scripts/install.sh
	PYTHON=$(PYTHON) VENV=$(VENV) scripts/install.sh
	touch $(STAMP)

install: $(STAMP) ## create .venv from requirements.lock (every dependency pinned, hashes checked)

lock: $(STAMP) ## re-resolve requirements.lock to the newest versions pyproject.toml allows
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --no-header --upgrade --quiet -o requirements.lock
	echo "uv==$$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)" | $(BIN)/uv pip compile - \
		--universal --python-version 3.11 --generate-hashes --no-header --quiet \
		-o requirements-bootstrap.lock
	PYTHON=$(PYTHON) VENV=$(VENV) scripts/install.sh

test-prereqs: ## make sure the browser test's Chromium is there (apt-get as root)
	scripts/test-prereqs.sh

lint: $(STAMP) ## ruff, mypy and the import layers (lint-imports)
	$(BIN)/ruff check pipeline tests bench scripts
	$(BIN)/ruff format --check pipeline tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(STAMP) test-prereqs ## the test suite only
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest ## lint + the whole test suite (what CI runs)

fuzz: $(STAMP) ## generated broken input through every command, at length (tests/fuzz)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/fuzz -m fuzz -q $(PYTEST_ARGS)

validate: $(STAMP) ## validate the calendars under schedules/
	$(BIN)/pipeline validate $(SCHEDULES)

plan: $(STAMP) ## show what publishing would do
	$(BIN)/pipeline plan $(SCHEDULES)

publish: $(STAMP) ## publish the calendars with the environment's STATUS200_API_KEY
	$(BIN)/pipeline publish $(SCHEDULES) --yes

status: $(STAMP) ## summarise the ledger
	$(BIN)/pipeline status --ledger ledger

demo: $(STAMP) ## the real pipeline on the example calendars, against a local sandbox (DEMO_ARGS=--store: media through a local S3 bucket)
	$(BIN)/python scripts/demo.py $(DEMO_ARGS)

sandbox: $(STAMP) ## run the API sandbox on 127.0.0.1:8200 (Ctrl-C stops it)
	$(BIN)/pipeline sandbox --time-scale 0.01

docs: $(STAMP) ## regenerate docs/rules.md from the rules table
	$(BIN)/python -m pipeline.rules.docs > docs/rules.md

bench: $(STAMP) ## benchmarks (ratios measured side by side, printed)
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/xtext.py
	$(BIN)/python bench/pacing.py
	$(BIN)/python bench/startup.py

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

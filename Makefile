# Two commands set everything up on a fresh machine:
#   make demo   installs into .venv and runs the main job on the bundled plan
#   make test   installs the test tools and runs the suite (SQLite, then PostgreSQL)
# The site's browser tests also need Debian's chromium and axe-core (`npm ci`):
# .ci/run installs both; without them, those tests are skipped outside CI.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DEMO_DIR ?= out

.PHONY: demo test test-sqlite test-postgres lint install install-test clean

$(BIN)/cam: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	touch $@

$(VENV)/.test-installed: $(BIN)/cam pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/cam

node_modules/axe-core/axe.min.js: package.json package-lock.json
	-npm ci --no-audit --no-fund --loglevel=error
	-touch $@

install-test: $(VENV)/.test-installed node_modules/axe-core/axe.min.js

demo: install
	$(BIN)/cam plan load cam-2015-2016
	$(BIN)/cam list
	$(BIN)/cam calendar --month 2015-11
	$(BIN)/cam remind preview --next --now 2015-11-03
	mkdir -p $(DEMO_DIR)
	$(BIN)/cam report -o $(DEMO_DIR)/report.html
	$(BIN)/cam publish -o $(DEMO_DIR)/site
	@echo "The progress report for the General Assembly is in $(DEMO_DIR)/report.html (open it in a browser)."
	@echo "The public web site is in $(DEMO_DIR)/site/index.html."

test: install-test lint test-sqlite test-postgres

lint: install-test
	$(BIN)/ruff check cam_tracker tests bench
	$(BIN)/ruff format --check cam_tracker tests bench
	$(BIN)/mypy

test-sqlite: install-test
	CAM_TEST_DATABASE=sqlite $(BIN)/python -m pytest -q

test-postgres: install-test
	CAM_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(DEMO_DIR) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache node_modules

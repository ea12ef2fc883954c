# hotline: the two commands that matter are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
ASSETS := src/hotline/static/vendor/htmx.min.js src/hotline/static/vendor/leaflet/leaflet.js.map
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist); one file's tests stay in one process.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

.PHONY: install demo test lint types pytest pytest-pg lock messages clean

## install: create .venv, install the pinned dependencies and build the front-end assets.
install: $(STAMP) $(ASSETS)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

$(ASSETS) &: package.json package-lock.json scripts/build-assets.mjs
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build

## demo: set everything up on SQLite, load the demo data, run the web server and the worker.
demo: install
	$(BIN)/hotline migrate --noinput
	$(BIN)/hotline demo-data
	$(BIN)/hotline up --host $(HOST) --port $(PORT)

## test: lint, types, the tests on SQLite, and on PostgreSQL when HOTLINE_TEST_DATABASE_URL is set.
test: install lint types pytest pytest-pg

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types:
	$(BIN)/mypy

pytest:
	env -u HOTLINE_DATABASE_URL $(PYTEST)

pytest-pg:
	@if [ -n "$$HOTLINE_TEST_DATABASE_URL" ]; then \
	  echo "== tests on PostgreSQL =="; \
	  HOTLINE_DATABASE_URL="$$HOTLINE_TEST_DATABASE_URL" $(PYTEST); \
	else \
	  echo "HOTLINE_TEST_DATABASE_URL is not set: PostgreSQL tests skipped (.ci/run sets it)."; \
	fi

## lock: refresh requirements.lock from pyproject.toml (needs the network).
lock:
	rm -rf /tmp/hotline-lock && $(PYTHON) -m venv /tmp/hotline-lock
	/tmp/hotline-lock/bin/pip install --quiet setuptools wheel -e '.[dev]'
	{ echo "# Exact versions of every Python package (runtime, development and build tools), installed by make install."; \
	  echo "# Regenerate with: make lock"; \
	  /tmp/hotline-lock/bin/pip freeze --all --exclude-editable | grep -v -e '^-e' -e '^pip=='; } > requirements.lock

## messages: refresh and compile the translations (needs gettext).
messages:
	cd src/hotline && ../../$(BIN)/hotline makemessages -l zh_Hans --ignore 'static/*' && ../../$(BIN)/hotline compilemessages

clean:
	rm -rf $(VENV) node_modules src/hotline/static/vendor

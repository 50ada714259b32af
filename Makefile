# Two commands for a fresh machine with Python 3.11+ and make:
#   make run    set up, migrate, seed the demo and start web + worker + beat on http://127.0.0.1:8000
#   make test   set up and run the test suite on the embedded defaults (SQLite, filesystem broker)

PYTHON ?= python3
# The demo's port: the web process, the banner, the demo logins and the links in emails all follow it.
HUSKY_PORT ?= 8000
export HUSKY_PORT
VENV   ?= .venv
BIN    := $(VENV)/bin
# `make run` needs only the runtime dependencies; `make test` adds the test and lint tools.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install lint typecheck migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(DEV_STAMP)

migrate: $(RUN_STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Starting web, worker and beat on http://127.0.0.1:$(HUSKY_PORT) (Ctrl-C stops all)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.dev

test: $(DEV_STAMP)
	$(BIN)/pytest -q -n 2

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Files, plugins and per-module strictness come from [tool.mypy] in pyproject.toml.
typecheck: $(DEV_STAMP)
	$(BIN)/mypy --config-file pyproject.toml

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .mypy_cache .hypothesis

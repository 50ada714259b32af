# Two commands for a fresh machine with Python 3.11+ and make:
#   make run    set up, migrate, seed the demo and start web + worker + beat on http://127.0.0.1:8000
#   make test   set up and run the test suite on the embedded defaults (SQLite, filesystem broker)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint typecheck migrate seed clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Starting web, worker and beat on http://127.0.0.1:8000 (Ctrl-C stops all)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.dev

test: $(STAMP)
	$(BIN)/pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Files, plugins and per-module strictness come from [tool.mypy] in pyproject.toml.
typecheck: $(STAMP)
	$(BIN)/mypy --config-file pyproject.toml

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .mypy_cache .hypothesis

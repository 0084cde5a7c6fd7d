# Kontor: `make run` serves the demo business, `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help run test lint format bench lock db-start db-stop db-destroy clean

help:
	@echo "make run     set up everything and serve the demo on http://127.0.0.1:8000"
	@echo "make test    run the test suite (what CI runs)"
	@echo "make lint    ruff, mypy, import-linter, makemigrations --check"
	@echo "make bench   run the benchmarks in bench/"
	@echo "make lock    re-resolve requirements.lock from pyproject.toml"

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py runstack

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench

lock:
	rm -rf /tmp/kontor-lock-venv
	$(PYTHON) -m venv /tmp/kontor-lock-venv
	/tmp/kontor-lock-venv/bin/pip install --quiet --upgrade pip
	/tmp/kontor-lock-venv/bin/pip install --quiet ".[dev]"
	/tmp/kontor-lock-venv/bin/pip freeze --exclude kontor > requirements.lock
	rm -rf /tmp/kontor-lock-venv build *.egg-info

db-start: $(STAMP)
	$(BIN)/python -m erp.embedded_db start

db-stop: $(STAMP)
	$(BIN)/python -m erp.embedded_db stop

db-destroy: $(STAMP)
	$(BIN)/python -m erp.embedded_db destroy

clean: db-stop
	rm -rf $(VENV) var/celery var/media staticfiles .pytest_cache .mypy_cache .ruff_cache

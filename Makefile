# The README's two commands: `make run` and `make test`. `make bench` measures.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app academy
HOST ?= 127.0.0.1
PORT ?= 5000
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

.PHONY: run test lint bench soak serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## run: install, migrate, load the demo catalogue, serve on http://127.0.0.1:5000
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo --accounts
	@# Plain http on 127.0.0.1: the session cookie may not insist on HTTPS here.
	ACADEMY_SESSION_COOKIE_SECURE=false $(FLASK) run --host $(HOST) --port $(PORT)

## test: install the dev extras, lint, and run the whole suite
test: $(VENV)/.installed-dev lint
	$(PYTEST) $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## bench: generate a synthetic catalogue and time searches (not a test)
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

## soak: five minutes of mixed traffic against gunicorn, memory sampled (make bench runs it too)
soak: $(VENV)/.installed-dev
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

## serve: run under gunicorn, as in production
serve: $(VENV)/.installed
	$(FLASK) db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

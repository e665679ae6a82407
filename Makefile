# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: run test lint format bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,viz,ema]'
	touch $@ $(STAMP)

## run: set up and run the England & Wales baseline (10 years, full scale)
run: $(STAMP)
	$(BIN)/ocgsim run

## test: set up with the test, viz and ema extras and run the whole test suite
##       (on TEST_WORKERS processes, pytest-xdist; TEST_WORKERS=0 runs it in one process)
TEST_WORKERS ?= 2
test: $(TSTAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

lint: $(TSTAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(TSTAMP)
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

docs: $(STAMP)
	$(BIN)/ocgsim docs > docs/parameters.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

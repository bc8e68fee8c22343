# Two entry points for a fresh machine with Python >= 3.10 and make:
#   make study   runs the built-in study of the seed report's claims
#   make test    installs everything into .venv and runs lint + tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: study test lint docs bench clean venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,docs,bench]"
	touch $(STAMP)

venv: $(STAMP)

study: $(STAMP)
	$(BIN)/ppprog study run $(STUDY_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

# every benchmark once, in full (several minutes; tables on standard output)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_cox.py
	$(BIN)/python benchmarks/bench_firth.py
	$(BIN)/python benchmarks/bench_generate.py
	$(BIN)/python benchmarks/bench_study.py

clean:
	rm -rf $(VENV) docs/_build .pytest_cache

# shuniu — run `make help` for the targets.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
SCENARIO ?= beijing-2016

.DEFAULT_GOAL := help
.PHONY: help venv dev demo test test-pg lint bench bench-api clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed ## create .venv and install shuniu

dev: $(VENV)/.installed-dev ## install shuniu with the dev extra

demo: venv ## set up and serve the demo at http://127.0.0.1:$(PORT) (SQLite, no configuration)
	$(VENV)/bin/shuniu demo --scenario $(SCENARIO) --port $(PORT)

# pytest-xdist: one worker per core (TEST_WORKERS=0 runs in this process, serially, e.g. for a
# debugger). --dist loadgroup keeps the tests marked xdist_group(name) in one worker; the others go
# wherever a worker is free.
TEST_WORKERS ?= auto
TEST_XDIST := -n $(TEST_WORKERS) --dist loadgroup

test: dev ## run the whole test suite in parallel (SQLite unless DATABASE_URL is set)
	$(PY) -m pytest $(TEST_XDIST) $(PYTEST_ARGS)

test-pg: dev ## run the suite on the local PostgreSQL
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(PY) -m pytest $(TEST_XDIST) $(PYTEST_ARGS)

lint: dev ## ruff, mypy, the apps' import layers, and migrations in step with the models
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy shuniu
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/shuniu makemigrations --check --dry-run

$(VENV)/.installed-bench: $(VENV)/.installed-dev pyproject.toml
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.installed-bench ## benchmarks (see docs/benchmarks.md); SCALE=0.1 for a quick run
	$(PY) bench/generate.py --scale $${SCALE:-1}
	$(PY) bench/coverage.py --scale $${SCALE:-1}
	$(PY) bench/import.py --rows $$($(PY) -c "print(int(100000 * $${SCALE:-1}))")

bench-api: $(VENV)/.installed-bench ## REST API under gunicorn on the local PostgreSQL, 1,000,000 orgs (about an hour the first time)
	$(PY) bench/api.py $(BENCH_API_ARGS)

clean: ## remove .venv and var/
	rm -rf $(VENV) var

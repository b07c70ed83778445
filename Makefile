# Set-up from nothing but Python 3.11+ and make.
#   make run    create .venv, install, open the app (a new embedded database is created,
#               migrated and seeded with the reference catalogue, and asks about demonstration data)
#   make test   create .venv, install with test extras, run the whole suite offscreen
#   make bench  measure speed and memory (see benchmarks/)

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

# The newest Python 3.11+ on PATH that really runs (pyenv shims may exist but fail).
BOOT_PYTHON := $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)

.PHONY: run test lint bench wheel clean

$(PY):
	@test -n "$(BOOT_PYTHON)" || { echo "Python 3.11 or newer is needed on PATH." >&2; exit 1; }
	$(BOOT_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-app

run: $(VENV)/.installed-app
	$(BIN)/catalogue-app

test: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest
	$(BIN)/ruff check .

# House rules a machine checks (tools/README.md): style, import contracts, the
# mypy ratchet and dead code.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PY) tools/mypy_ratchet.py
	$(BIN)/vulture

bench: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks $(BENCH_ARGS)

wheel: $(VENV)/.installed-test
	$(PY) -m build --wheel --no-isolation --outdir dist

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache .mypy_cache .import_linter_cache

# Two commands do all the set-up on a fresh machine (Python 3.11, pip, make):
#   make preview          offline preview of the dev stack (STACK=prod for prod)
#   make test             the test suite
#   make bench            benchmark: evaluation time and memory beside the floor (not in CI)
# Both create .venv from the pinned requirements on first run.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STACK  ?= dev

.PHONY: preview test bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

preview: $(VENV)/.installed
	$(PY) -m offline $(STACK) $(ARGS)

test: $(VENV)/.installed
	$(PY) -m pytest $(ARGS)

bench: $(VENV)/.installed
	$(PY) -m benchmarks $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache

# Two commands do all the set-up on a fresh machine (Python 3.11, pip, make):
#   make preview          offline preview of the dev stack (STACK=prod for prod)
#   make test             ruff, mypy (strict) and the test suite on every core
#   make bench            benchmark: evaluation time and memory beside the floor (not in CI)
# The first run installs uv (from PyPI, with pip, unless it is on PATH) and creates .venv from
# uv.lock, the same environment the Pulumi CLI creates (Pulumi.yaml: toolchain uv).

PYTHON     ?= python3
UV_VERSION := 0.13.9
UV         ?= $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
VENV       := .venv
PY         := $(VENV)/bin/python
STACK      ?= dev
export UV_PYTHON_DOWNLOADS := never
# Write the bytecode caches Python would otherwise compile again in every process (pytest-xdist
# starts one per core, and each imports pulumi-azure-native).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: preview test lint bench clean

.tools/bin/uv:
	@echo "installing uv $(UV_VERSION) into .tools (pip)"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .tools uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	touch $@

preview: $(VENV)/.synced
	$(PY) -m offline $(STACK) $(ARGS)

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest -n auto $(ARGS)

bench: $(VENV)/.synced
	$(PY) -m benchmarks $(ARGS)

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache

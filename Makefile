# Two commands do all the set-up on a fresh machine (Python 3.11, pip, make): make preview and
# make test. make help lists every target.
# The first run installs uv (from PyPI, with pip, unless it is on PATH) and creates .venv from
# uv.lock, the same environment the Pulumi CLI creates (Pulumi.yaml: toolchain uv).

PYTHON     ?= python3
UV_VERSION := 0.13.9
CHECKOV_VERSION := 3.3.30
UV         ?= $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
VENV       := .venv
PY         := $(VENV)/bin/python
STACK      ?= dev
export UV_PYTHON_DOWNLOADS := never
# Write the bytecode caches Python would otherwise compile again in every process (pytest-xdist
# starts one per core, and each imports pulumi-azure-native).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: help preview lint test docs bench bench-suite stack deployer checkov clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 24

.tools/bin/uv:
	@echo "installing uv $(UV_VERSION) into .tools (pip)"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .tools uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	touch $@

preview: $(VENV)/.synced  ## offline preview of a stack (STACK=dev; ARGS=--markdown FILE ...)
	$(PY) -m offline $(STACK) $(ARGS)

# Each of these has its own __main__.py, which one mypy run cannot tell apart.
STRICT_ALONE := policy provider samples/score samples/batch samples/consumer samples/registry

lint: $(VENV)/.synced  ## ruff (with a complexity limit) and mypy (strict)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	for dir in $(STRICT_ALONE); do $(VENV)/bin/mypy $$dir || exit 1; done

test: lint  ## lint, then the test suite on every core (ARGS=-k ... to pick tests)
	$(PY) -m pytest -n auto $(ARGS)

# Material for MkDocs prints a banner on every build that it reaches end of life in 2027 (its
# successor, Zensical, reads the same mkdocs.yml): said once here, not in every CI log.
docs: $(VENV)/.synced  ## the docs site, strictly, into build/site (stale generated pages fail too)
	$(PY) -m offline.docs
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

bench: $(VENV)/.synced  ## benchmark: evaluation time and memory beside the floor (ARGS=--smoke: CI's)
	$(PY) -m benchmarks $(ARGS)

bench-suite: $(VENV)/.synced  ## the test suite's wall and CPU time, slowest tests (ARGS=-k ...)
	$(PY) -m benchmarks.suite -- $(ARGS)

stack: $(VENV)/.synced  ## write Pulumi.NAME.yaml, a new stack (NAME=staging; ARGS=--production)
	$(if $(NAME),,$(error NAME is missing: make stack NAME=staging [ARGS=--production]))
	$(PY) -m offline.new_stack $(NAME) $(ARGS)

deployer: $(VENV)/.synced  ## the az commands that give ASSIGNEE what STACK's deployer needs
	$(if $(ASSIGNEE),,$(error ASSIGNEE is missing: make deployer STACK=prod ASSIGNEE=<object id>))
	$(PY) -m offline.deployer $(STACK) --assignee $(ASSIGNEE) $(ARGS)

checkov: $(VENV)/.synced  ## checkov over the ARM template a stack sends (STACK=prod; dev is public)
	$(PY) -m offline.arm $(STACK) --out build/arm/$(STACK).json
	$(UV) tool run --from checkov==$(CHECKOV_VERSION) checkov -f build/arm/$(STACK).json \
		--config-file policy/checkov.yaml

clean:  ## remove the environment and the caches
	rm -rf $(VENV) .tools build .pytest_cache .mypy_cache .ruff_cache

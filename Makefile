# The README's commands. Each target sets up what it needs first (scripts/setup.sh is idempotent).
.PHONY: setup demo test lab clean-server lint

VENV := .venv
PY := $(VENV)/bin/python

setup:
	@bash scripts/setup.sh

demo: setup
	$(VENV)/bin/pgarch demo -o exports

test: setup
	$(PY) -m pytest -q

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

lint: setup
	$(VENV)/bin/ruff check pgarch_kit tests

clean-server:
	-$(VENV)/bin/pgarch server stop

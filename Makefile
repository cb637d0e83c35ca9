# The README's commands. Each target sets up what it needs first (scripts/setup.sh is idempotent).
.PHONY: setup demo test lab clean-server lint wheelhouse

VENV := .venv
PY := $(VENV)/bin/python
WHEELHOUSE ?= wheelhouse

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

# Wheels for the project and every dependency (the test extra included), plus pip, setuptools
# and wheel for the offline editable build: copy the repo with this folder to machines without
# internet and `make setup` installs from it alone (see scripts/setup.sh). The wheels fit this
# machine's OS, CPU and Python minor version, which BUILT_FOR records. Built in a side folder,
# checked by a dry-run install from it alone (no pip config, no index), then swapped in: a
# failed build never leaves a half-filled wheelhouse that setup.sh would trust.
wheelhouse: setup
	rm -rf $(WHEELHOUSE).tmp
	$(PY) -m pip wheel -q --wheel-dir $(WHEELHOUSE).tmp '.[test]' pip 'setuptools>=68' wheel
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(PY) -m pip install -q --dry-run --ignore-installed --no-index --find-links $(WHEELHOUSE).tmp -e '.[test]'
	$(PY) -c 'import sys, sysconfig; print(f"Python {sys.version_info[0]}.{sys.version_info[1]} on {sysconfig.get_platform()}")' > $(WHEELHOUSE).tmp/BUILT_FOR
	rm -rf $(WHEELHOUSE) && mv $(WHEELHOUSE).tmp $(WHEELHOUSE)
	@echo "wheelhouse: $$(ls $(WHEELHOUSE)/*.whl | wc -l) wheels, $$(du -sh $(WHEELHOUSE) | cut -f1), for $$(cat $(WHEELHOUSE)/BUILT_FOR)"

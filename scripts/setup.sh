#!/usr/bin/env bash
# Sets up everything `make demo` and `make test` need on a fresh machine: a Python >= 3.11
# virtual environment in .venv with every dependency from pyproject.toml, and Graphviz's `dot`.
# Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup: '$PYTHON' not found. Install Python 3.11 or newer (Debian: apt-get install python3 python3-venv), or set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "setup: pgarch_kit needs Python >= 3.11, but $PYTHON is $("$PYTHON" -V 2>&1). Set PYTHON=/path/to/python3.11 and run again." >&2
  exit 1
fi

# Graphviz's dot renders the ER diagrams. Install it with the system package manager when we
# can do so safely (root on Debian/Ubuntu); otherwise say exactly what to run.
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Graphviz (dot) with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  else
    echo "setup: Graphviz's 'dot' is missing. Install it, then run again:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install graphviz   macOS: brew install graphviz   conda: conda install -c conda-forge graphviz" >&2
    exit 1
  fi
fi

stamp=.venv/.pgarch-installed
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$PYTHON" -V 2>&1)"
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing pgarch_kit and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
fi
echo "setup: ready ($(.venv/bin/python -V), $(dot -V 2>&1))"

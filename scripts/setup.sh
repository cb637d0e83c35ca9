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

# System packages, installed with the system package manager when we can do so safely (root
# on Debian/Ubuntu); otherwise we say exactly what to run.
#   graphviz  — `dot` renders the ER diagrams (required)
#   chromium  — headless browser the tests use to open exported HTML reports (tests only)
can_apt() { [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if ! command -v dot >/dev/null 2>&1; then
  if can_apt; then
    echo "setup: installing Graphviz (dot) with apt-get"
    apt_install graphviz
  else
    echo "setup: Graphviz's 'dot' is missing. Install it, then run again:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install graphviz   macOS: brew install graphviz   conda: conda install -c conda-forge graphviz" >&2
    exit 1
  fi
fi
if [ "${PGARCH_SKIP_BROWSER:-}" = "" ] && ! command -v chromium >/dev/null 2>&1; then
  if can_apt; then
    echo "setup: installing Chromium (headless, for the report tests) with apt-get"
    apt_install chromium
  else
    echo "setup: note: Chromium is missing; the tests that open exported reports will be skipped." >&2
    echo "  Debian/Ubuntu: sudo apt-get install chromium" >&2
  fi
fi

# Redis is the cache the caching plans are demonstrated against (cache-aside, invalidation,
# hit rate under load): Debian's redis-server, started by the kit on a private unix socket.
# PGARCH_REDIS_URL points the kit at any other Redis instead.
if [ -z "${PGARCH_REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
  if can_apt; then
    echo "setup: installing Redis (redis-server) with apt-get"
    apt_install redis-server
  else
    echo "setup: note: redis-server is missing; the caching demonstrations need it (or PGARCH_REDIS_URL)." >&2
    echo "  Debian/Ubuntu: sudo apt-get install redis-server   macOS: brew install redis" >&2
  fi
fi

# HypoPG gives the measured index advice a what-if plan before each real build. Debian packages
# it for its own PostgreSQL 15 (the embedded 18 has no build of it): installed when that server
# is on the machine, so the PostgreSQL 15 tests exercise it.
if [ -x /usr/lib/postgresql/15/bin/postgres ] && [ ! -f /usr/share/postgresql/15/extension/hypopg.control ]; then
  if can_apt; then
    echo "setup: installing HypoPG for PostgreSQL 15 with apt-get"
    apt_install postgresql-15-hypopg
  else
    echo "setup: note: HypoPG is missing (Debian: sudo apt-get install postgresql-15-hypopg); index advice then skips its what-if step on PostgreSQL 15." >&2
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

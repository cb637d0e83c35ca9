#!/usr/bin/env bash
# Sets up everything `make demo` and `make test` need on a fresh machine: a Python >= 3.11
# virtual environment in .venv with every dependency from pyproject.toml, and Graphviz's `dot`.
# Safe to run again: it only does what is missing.
#
# Offline (a classroom without internet): `make wheelhouse` on a connected machine fills
# wheelhouse/ with every wheel the venv needs; copy the repo with that folder, and this script
# then installs with `pip --no-index --find-links wheelhouse`, never asking PyPI.
# PGARCH_WHEELHOUSE=/path uses a wheelhouse kept elsewhere; PGARCH_WHEELHOUSE=none ignores one.
#   scripts/setup.sh --print-pip   prints the pip commands it would run, and does nothing else.
set -euo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/.."

# The wheelhouse to install from: an absolute path, or empty for PyPI.
find_wheelhouse() {
  local wh="${PGARCH_WHEELHOUSE:-}"
  if [ "$wh" = "none" ]; then
    return 0
  elif [ -n "$wh" ]; then
    case "$wh" in /*) ;; *) wh="$caller_dir/$wh" ;; esac
    if [ ! -d "$wh" ]; then
      echo "setup: PGARCH_WHEELHOUSE=$PGARCH_WHEELHOUSE is not a folder; build one with \`make wheelhouse\`, or unset it to install from PyPI" >&2
      return 1
    fi
    (cd "$wh" && pwd)
  elif compgen -G 'wheelhouse/*.whl' >/dev/null; then
    echo "$PWD/wheelhouse"
  fi
}
wheelhouse="$(find_wheelhouse)"
pip_source=()
if [ -n "$wheelhouse" ]; then pip_source=(--no-index --find-links "$wheelhouse"); fi
pip_install=(.venv/bin/python -m pip install -q ${pip_source[@]+"${pip_source[@]}"})
# pip upgrades itself only from where the rest comes from; a hand-made wheelhouse may lack it.
upgrade_pip=1
if [ -n "$wheelhouse" ] && ! compgen -G "$wheelhouse/pip-*.whl" >/dev/null; then upgrade_pip=""; fi
if [ "${1:-}" = "--print-pip" ]; then
  if [ -n "$upgrade_pip" ]; then echo "${pip_install[*]} --upgrade pip"; fi
  echo "${pip_install[*]} -e .[test]"
  exit 0
fi

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
  if [ -n "$wheelhouse" ]; then
    echo "setup: installing pgarch_kit and its dependencies into .venv from $wheelhouse (offline)"
    built_for="$(cat "$wheelhouse/BUILT_FOR" 2>/dev/null || true)"
    here="$(.venv/bin/python -c 'import sys, sysconfig; print(f"Python {sys.version_info[0]}.{sys.version_info[1]} on {sysconfig.get_platform()}")')"
    if [ -n "$built_for" ] && [ "$built_for" != "$here" ]; then
      echo "setup: the wheelhouse was built for $built_for, but this machine has $here; rebuild it with \`make wheelhouse\` on a machine like this one (or set PGARCH_WHEELHOUSE=none to use PyPI)" >&2
      exit 1
    fi
  else
    echo "setup: installing pgarch_kit and its dependencies into .venv"
  fi
  if [ -n "$upgrade_pip" ]; then "${pip_install[@]}" --upgrade pip; fi
  if ! "${pip_install[@]}" -e '.[test]'; then
    if [ -n "$wheelhouse" ]; then
      echo "setup: $wheelhouse lacks a wheel the project needs (pyproject.toml changed since it was built?); rebuild it with \`make wheelhouse\` on a connected machine, or set PGARCH_WHEELHOUSE=none to use PyPI" >&2
    fi
    exit 1
  fi
  touch "$stamp"
fi
echo "setup: ready ($(.venv/bin/python -V), $(dot -V 2>&1))"

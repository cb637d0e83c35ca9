"""The layers of the architecture hold: imports point downward, L2 transforms are independent,
and only the database layer imports psycopg/SQLAlchemy (contracts in pyproject.toml)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a test dependency (pip install -e '.[test]')"
    r = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "BROKEN" not in r.stdout and r.stdout.count("KEPT") >= 3

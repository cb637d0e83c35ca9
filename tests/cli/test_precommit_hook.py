"""The pre-commit hook entry works: the file parses, names the console script the package
installs, and — run the way pre-commit runs it, with the staged file names appended — fails
on an unsafe migration and passes a safe one."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = [h for h in hooks if h["id"] == "pgarch-lint-migration"]
    return hook


def test_the_hook_is_declared_for_sql_files_with_the_installed_command() -> None:
    hook = _hook()
    assert hook["language"] == "python" and hook.get("pass_filenames", True) is True
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    command, *args = shlex.split(hook["entry"])
    assert scripts[command] == "pgarch_kit.cli:main" and args == ["lint", "--migration"]
    files = re.compile(hook["files"])
    assert files.search("db/migrations/V3__add_note.sql")
    assert not files.search("db/migrations/README.md")


def test_running_the_entry_as_pre_commit_does(tmp_path: Path) -> None:
    command, *args = shlex.split(_hook()["entry"])
    # the console script pre-commit's virtualenv gets, run as its module from this checkout
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    base = [sys.executable, "-m", scripts[command].split(":")[0], *args]
    unsafe = tmp_path / "V3__index.sql"
    unsafe.write_text("CREATE INDEX orders_total_idx ON orders (total);\n", encoding="utf-8")
    safe = tmp_path / "V4__comment.sql"
    safe.write_text("COMMENT ON TABLE orders IS 'one row per order';\n", encoding="utf-8")
    r = subprocess.run([*base, str(safe)], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([*base, str(safe), str(unsafe)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 1 and f"{unsafe}:1: warning create-index-non-concurrently" in r.stdout

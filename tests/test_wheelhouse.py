"""The offline set-up: `make wheelhouse` builds every wheel, scripts/setup.sh installs from it.

Nothing here builds a real wheelhouse or installs anything (that takes minutes and the network):
setup.sh's ``--print-pip`` mode shows the pip commands it would run, in a copy of the script
beside a fake wheelhouse, and ``make -n`` shows the build's commands.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OFFLINE = "--no-index --find-links"


def print_pip(repo: Path, *, cwd: Path | None = None, wheelhouse: str | None = None
              ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PGARCH_WHEELHOUSE"}
    if wheelhouse is not None:
        env["PGARCH_WHEELHOUSE"] = wheelhouse
    return subprocess.run(["bash", str(repo / "scripts" / "setup.sh"), "--print-pip"],
                          capture_output=True, text=True, cwd=cwd or repo, env=env, timeout=30)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A folder with only scripts/setup.sh in it: the script works from its parent folder."""
    (tmp_path / "repo" / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", tmp_path / "repo" / "scripts" / "setup.sh")
    return tmp_path / "repo"


def _wheels(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"")
    return folder


def test_without_a_wheelhouse_setup_installs_from_pypi(repo: Path) -> None:
    r = print_pip(repo)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [".venv/bin/python -m pip install -q --upgrade pip",
                                     ".venv/bin/python -m pip install -q -e .[test]"]
    (repo / "wheelhouse").mkdir()  # an empty folder is no wheelhouse
    assert OFFLINE not in print_pip(repo).stdout


def test_a_wheelhouse_folder_makes_setup_install_offline_from_it(repo: Path) -> None:
    wh = _wheels(repo / "wheelhouse", "pip-26.0-py3-none-any.whl", "six-1.16.0-py2.py3-none-any.whl")
    r = print_pip(repo)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        f".venv/bin/python -m pip install -q {OFFLINE} {wh} --upgrade pip",
        f".venv/bin/python -m pip install -q {OFFLINE} {wh} -e .[test]"]


def test_a_wheelhouse_without_pip_leaves_pip_alone(repo: Path) -> None:
    wh = _wheels(repo / "wheelhouse", "six-1.16.0-py2.py3-none-any.whl")
    assert print_pip(repo).stdout.splitlines() == [
        f".venv/bin/python -m pip install -q {OFFLINE} {wh} -e .[test]"]


def test_pgarch_wheelhouse_names_one_elsewhere_or_none(repo: Path, tmp_path: Path) -> None:
    elsewhere = _wheels(tmp_path / "usb" / "wh", "pip-26.0-py3-none-any.whl")
    _wheels(repo / "wheelhouse", "pip-26.0-py3-none-any.whl")
    # a relative path counts from where setup is run, not from the repo
    r = print_pip(repo, cwd=tmp_path / "usb", wheelhouse="wh")
    assert r.returncode == 0, r.stderr
    assert f"{OFFLINE} {elsewhere} -e .[test]" in r.stdout
    assert OFFLINE not in print_pip(repo, wheelhouse="none").stdout
    r = print_pip(repo, wheelhouse=str(tmp_path / "missing"))
    assert r.returncode == 1 and r.stdout == ""
    assert "is not a folder" in r.stderr and "make wheelhouse" in r.stderr


def _make_n(*args: str) -> list[str]:
    r = subprocess.run(["make", "-n", "-C", str(ROOT), "--no-print-directory", "wheelhouse",
                        *args], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def test_make_wheelhouse_builds_every_wheel_setup_needs() -> None:
    lines = _make_n()
    build = next(line for line in lines if " pip wheel " in line)
    assert "--wheel-dir wheelhouse.tmp" in build
    assert "'.[test]'" in build  # the test extra: `make test` works offline too
    # the offline editable install builds the project: pip, setuptools and wheel come along
    assert "pip 'setuptools>=68' wheel" in build
    setuptools_floor = re.search(r'requires = \["setuptools>=(\d+)"',
                                 (ROOT / "pyproject.toml").read_text())
    assert setuptools_floor and f"setuptools>={setuptools_floor.group(1)}" in build
    # checked the way setup.sh will install, before it replaces the old wheelhouse
    check = next(line for line in lines if "--dry-run" in line)
    assert f"{OFFLINE} wheelhouse.tmp -e '.[test]'" in check
    assert lines.index(check) < lines.index("rm -rf wheelhouse && mv wheelhouse.tmp wheelhouse")
    assert any(line.endswith("> wheelhouse.tmp/BUILT_FOR") for line in lines)
    assert any(" pip wheel " in line and "/srv/wh.tmp" in line
               for line in _make_n("WHEELHOUSE=/srv/wh"))


def test_built_for_is_computed_alike_when_built_and_when_installed() -> None:
    """setup.sh refuses a wheelhouse made for another Python or platform by comparing
    BUILT_FOR with the same expression: the two copies must not drift apart."""
    expr = re.compile(r"-c '(import sys, sysconfig; print\(.*?\))'")
    made = expr.search((ROOT / "Makefile").read_text())
    checked = expr.search((ROOT / "scripts" / "setup.sh").read_text())
    assert made and checked and made.group(1) == checked.group(1)
    here = subprocess.run([sys.executable, "-c", made.group(1)], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert re.fullmatch(r"Python 3\.\d+ on \S+", here), here


def test_a_wheelhouse_is_never_committed() -> None:
    assert "wheelhouse/" in (ROOT / ".gitignore").read_text().splitlines()

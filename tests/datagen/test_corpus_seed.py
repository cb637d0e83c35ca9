"""Every corpus schema imports, plans ~30 rows a table and loads with all its constraints in
force (the server enforces them during COPY and when keys, indexes and foreign keys are added
after it), with numpy RuntimeWarnings as errors. Small on purpose: full scales belong to
``benchmarks/datagen_strategies.py --corpus``.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from corpus import REALWORLD, REALWORLD_FILES

from pgarch_kit.datagen import plan
from pgarch_kit.db.importer import import_schema_file
from pgarch_kit.db.load import load

ROWS = 30
FILES = REALWORLD_FILES + sorted((REALWORLD / "next").glob("*.sql"))

# What still stops a schema, by file stem: (the exception, why) — xfailed strictly, so the
# test fails once the gap closes. Empty: every corpus schema seeds.
BLOCKED: dict[str, tuple[type[Exception], str]] = {}


def _param(path: Path):
    blocked = BLOCKED.get(path.stem)
    marks = [pytest.mark.xfail(raises=blocked[0], reason=blocked[1], strict=True)] \
        if blocked else []
    return pytest.param(path, id=path.stem, marks=marks)


def _duplicate_constraints(design, checks) -> bool:
    """A failing verification that only misses UNIQUE constraints repeating another one's
    columns: CREATE TABLE merges identical unique constraints (a DDL matter, not data)."""
    for c in checks:
        if c.kind != "constraint" or c.actual != "missing":
            return False
        t = next(t for t in design.tables if t.name == c.table)
        same = [u for u in t.uniques if f"unique ({', '.join(u.columns)})" == c.subject]
        if len(same) < 2:
            return False
    return True


def test_corpus_has_both_folders() -> None:
    assert len(REALWORLD_FILES) >= 8 and len(FILES) >= 22


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_corpus_schema_seeds_with_constraints_in_force(path: Path, fresh_db: str,
                                                       pg_dsn: str) -> None:
    design = import_schema_file(path, dsn=pg_dsn).design
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        dp = plan(design, rows={t.name: ROWS for t in design.tables})
        result = load(design, dsn=fresh_db, plan=dp, progress=False)
    assert result.total_rows > 0
    assert set(result.rows) == set(dp.order)
    assert all(result.rows[t] == dp.rows(t) for t in dp.order)
    failing = [c for c in result.verification.checks if c.status == "fail"]
    if failing and _duplicate_constraints(design, failing):
        pytest.xfail("DDL: identical UNIQUE constraints are merged by CREATE TABLE, so "
                     f"{len(failing)} duplicate(s) are missing after the load (data is fine)")
    assert not failing, str(result.verification)

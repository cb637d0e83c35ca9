"""Every corpus schema imports, plans ~30 rows a table and loads with all its constraints in
force (the server enforces them during COPY and when keys, indexes and foreign keys are added
after it), with numpy RuntimeWarnings as errors. Small on purpose: full scales belong to
``benchmarks/datagen_strategies.py --corpus``.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from corpus import REALWORLD_FILES, imported

from pgarch_kit.datagen import plan
from pgarch_kit.db.load import load

ROWS = 30
FILES = REALWORLD_FILES  # both folders

# What still stops a schema, by file stem: (the exception, why) — xfailed strictly, so the
# test fails once the gap closes. Empty: every corpus schema seeds.
BLOCKED: dict[str, tuple[type[Exception], str]] = {}


def _param(path: Path):
    blocked = BLOCKED.get(path.stem)
    marks = [pytest.mark.xfail(raises=blocked[0], reason=blocked[1], strict=True)] \
        if blocked else []
    return pytest.param(path, id=path.stem, marks=marks)


def test_corpus_has_both_folders() -> None:
    assert len(REALWORLD_FILES) >= 8 and len(FILES) >= 22


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_corpus_schema_seeds_with_constraints_in_force(path: Path, fresh_db: str,
                                                       pg_dsn: str) -> None:
    design = imported(path).design
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        dp = plan(design, rows={t.name: ROWS for t in design.tables})
        result = load(design, dsn=fresh_db, plan=dp, progress=False)
    assert result.total_rows > 0
    assert set(result.rows) == set(dp.order)
    assert all(result.rows[t] == dp.rows(t) for t in dp.order)
    failing = [c for c in result.verification.checks if c.status == "fail"]
    assert not failing, str(result.verification)

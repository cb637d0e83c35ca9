"""Every corpus schema migrates: from nothing up to the schema, and back down to nothing.

The up script, run as psql would run it (each step its own transaction), must build the same
catalog as the kit's DDL; the design compared with itself needs no step; the down script must
leave no user object behind. A migration that skipped an object kind (a domain, a sequence,
a composite type, a policy …) would leave the two catalogs different."""
from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from corpus import REALWORLD_FILES, imported

from pgarch_kit.db.catalog import diff_snapshots
from pgarch_kit.db.run_script import run_script
from pgarch_kit.ddl import to_sql
from pgarch_kit.migrate import migration_plan
from pgarch_kit.model import Design

from .test_roundtrip import _db, _snapshot  # columns compared by set: ALTER appends


@pytest.mark.parametrize("path", REALWORLD_FILES, ids=lambda p: p.stem)
def test_corpus_schema_migrates_up_and_down(path: Path, fresh_db: str, make_db) -> None:
    design = imported(path).design
    assert migration_plan(design, design).steps == ()
    empty = Design(name=design.name)
    up = migration_plan(empty, design)
    run_script(_db(fresh_db), up.up_sql(), dsn=fresh_db)
    built = make_db()
    with psycopg.connect(built, autocommit=True) as conn:
        conn.execute(to_sql(design, server_version=conn.info.server_version))
    assert diff_snapshots(_snapshot(built), _snapshot(fresh_db)) == []
    run_script(_db(fresh_db), up.down_sql(), dsn=fresh_db)
    # back to what an empty sandbox has (its public schema's privileges among it); extensions
    # stay (the down script keeps what other databases' objects may still use)
    empty_snapshot = _snapshot(make_db())
    left = {k: v for k, v in _snapshot(fresh_db).items() if k != "extensions"}
    assert diff_snapshots({k: v for k, v in empty_snapshot.items() if k != "extensions"},
                          left) == []

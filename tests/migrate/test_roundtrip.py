"""Migrations between design versions, applied to loaded databases on the real servers.

Up must give the catalog a fresh build of the new design gives (column order aside: PostgreSQL
appends added columns, so positions are compared as order within the table only where no
column was added or re-added), keep the data, and work while old code still writes; down
must give back the original catalog. The advisor's migration rules read both scripts."""
from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

import pgarch_kit as pk
from pgarch_kit.db.catalog import FIELDS, catalog_snapshot, diff_snapshots
from pgarch_kit.db.load import load
from pgarch_kit.db.run_script import run_script
from pgarch_kit.ddl import to_sql
from pgarch_kit.errors import SqlApplyError, UnsafeOperationError
from pgarch_kit.migrate import MigrationError, check_plan, migration_plan
from pgarch_kit.model import edit
from pgarch_kit.model.design import Column, Index, IndexKey

DESIGNS = Path(__file__).resolve().parents[2] / "data" / "designs"
RENAMES = {"customers.full_name": "display_name"}
_POS = FIELDS["columns"].index("position")


def _snapshot(dsn: str) -> dict:
    with psycopg.connect(dsn) as conn:
        snap = catalog_snapshot(conn)
    snap["columns"] = sorted((*r[:_POS], None, *r[_POS + 1:]) for r in snap["columns"])
    return snap


def _db(dsn: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]


def _counts(dsn: str, tables: list[str]) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _fresh_build(make_db, design) -> dict:
    dsn = make_db()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(to_sql(design, server_version=conn.info.server_version))
    return _snapshot(dsn)


def test_ecommerce_v1_to_v2_round_trip_on_a_loaded_database(fresh_db_any: str, make_db
                                                            ) -> None:
    old = pk.load_design(DESIGNS / "ecommerce.yaml")
    new = pk.load_design(DESIGNS / "versions" / "ecommerce_v2.yaml")
    plan = migration_plan(old, new, renames=RENAMES)
    db = _db(fresh_db_any)
    load(old, dsn=fresh_db_any, scale=0.01, progress=False)
    before = _snapshot(fresh_db_any)
    rows = _counts(fresh_db_any, [t.name for t in old.tables])
    with psycopg.connect(fresh_db_any) as conn:
        names = dict(conn.execute("SELECT id, full_name FROM customers").fetchall())
        line1 = dict(conn.execute("SELECT id, line1 FROM addresses").fetchall())

    # expand + backfill, then old and new code write side by side
    run_script(db, plan.up_sql(("expand", "backfill")), dsn=fresh_db_any)
    with psycopg.connect(fresh_db_any, autocommit=True) as conn:
        old_id = conn.execute("INSERT INTO customers (email, full_name) VALUES "
                              "('old@x.org', 'Old Code') RETURNING id").fetchone()[0]
        new_id = conn.execute("INSERT INTO customers (email, display_name) VALUES "
                              "('new@x.org', 'New Code') RETURNING id").fetchone()[0]
        conn.execute("UPDATE customers SET full_name = 'Renamed By Old' WHERE id = %s",
                      (old_id,))
        got = dict((r[0], r[1:]) for r in conn.execute(
            "SELECT id, full_name, display_name FROM customers WHERE id IN (%s, %s)",
            (old_id, new_id)).fetchall())
        assert got[old_id] == ("Renamed By Old", "Renamed By Old")
        assert got[new_id] == ("New Code", "New Code")
        conn.execute("DELETE FROM customers WHERE id IN (%s, %s)", (old_id, new_id))
    run_script(db, plan.up_sql(("contract",)), dsn=fresh_db_any)

    after = _snapshot(fresh_db_any)
    with psycopg.connect(fresh_db_any) as conn:
        base = conn.info.server_version
    target = _fresh_build(lambda: make_db(fresh_db_any), new)
    assert diff_snapshots(after, target) == [], "up does not give the new design's catalog"
    assert _counts(fresh_db_any, [t.name for t in old.tables]) == rows
    with psycopg.connect(fresh_db_any) as conn:
        assert dict(conn.execute("SELECT id, display_name FROM customers").fetchall()) == names
        assert dict(conn.execute("SELECT id, line1 FROM addresses").fetchall()) == line1
        nulls, distinct = conn.execute("SELECT count(*) FILTER (WHERE public_id IS NULL), "
                                       "count(DISTINCT public_id) FROM customers").fetchone()
        assert nulls == 0 and distinct == rows["customers"]
        assert conn.execute("SELECT count(*) FROM addresses WHERE line2 IS NULL"
                            ).fetchone()[0] == 0
    assert base >= 150000

    run_script(db, plan.down_sql(), dsn=fresh_db_any)
    assert diff_snapshots(_snapshot(fresh_db_any), before) == []
    with psycopg.connect(fresh_db_any) as conn:
        assert dict(conn.execute("SELECT id, full_name FROM customers").fetchall()) == names
    # and up again: the scripts are re-runnable on a database that went down
    run_script(db, plan.up_sql(), dsn=fresh_db_any)
    assert diff_snapshots(_snapshot(fresh_db_any), target) == []


def test_the_generated_scripts_pass_the_migration_rules_except_named_decisions() -> None:
    old = pk.load_design(DESIGNS / "ecommerce.yaml")
    new = pk.load_design(DESIGNS / "versions" / "ecommerce_v2.yaml")
    plan = migration_plan(old, new, renames=RENAMES)
    checked = check_plan(plan, old, new)
    up = {(f.rule, f.table, f.column) for f in checked.up.findings}
    # the contract drops are data-loss decisions the plan also marks; the swap of the
    # line1 type change is a rename by construction; a unique index is only as safe as the
    # data (the rule gives the query to run first)
    assert up == {("drop-column", "customers", "full_name"),
                  ("drop-column", "addresses", "line1"),
                  ("drop-column", "products", "active"),
                  ("rename-column-table-or-schema", "addresses", "line1_new"),
                  ("unique-index-duplicate-risk", "customers", "public_id")}, checked.up
    assert plan.irreversible == [s for s in plan.irreversible if "products.active" in s]
    text = plan.up_sql()
    assert text.index("SET lock_timeout") < text.index("ALTER TABLE")
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_placed_at_brin" in text
    assert "NOT VALID" in text and "VALIDATE CONSTRAINT order_items_unit_price_nonneg" in text


def test_the_unsafe_forms_are_flagged_when_written_by_hand() -> None:
    """The same changes written naively: each safe form the planner uses exists because the
    rule would flag the naive one."""
    from pgarch_kit.lint import lint
    from pgarch_kit.lint.migration import Migration
    old = pk.load_design(DESIGNS / "ecommerce.yaml")
    naive = """
    ALTER TABLE customers ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
    ALTER TABLE customers RENAME COLUMN full_name TO display_name;
    ALTER TABLE addresses ALTER COLUMN line2 SET NOT NULL;
    ALTER TABLE addresses ALTER COLUMN line1 TYPE varchar(200);
    CREATE INDEX orders_placed_at_brin ON orders USING brin (placed_at);
    ALTER TABLE order_items ADD CONSTRAINT order_items_unit_price_nonneg CHECK (unit_price >= 0);
    ALTER TABLE wishlists_missing ADD COLUMN x int;
    """
    found = {f.rule for f in lint(old, migration=Migration.from_sql(naive, old))}
    assert {"add-column-volatile-default", "rename-column-table-or-schema",
            "set-not-null-scan", "change-column-type", "create-index-non-concurrently",
            "constraint-without-not-valid", "missing-lock-and-statement-timeout"} <= found


def _evolve(design):
    """A generic next version of any design: a column with a constant default, a nullable
    column and an index on it, a check, a rename of a non-key text column, a new table
    referencing the first table, and a dropped nullable column nothing depends on."""
    plain = [t for t in design.tables if not t.partition_of and t.primary_key]
    first = plain[0]
    big = max(plain, key=lambda t: len(t.columns))
    renames = {}
    d = edit.add_column(design, big.name, Column("flag", "boolean", False, "false"))
    d = edit.add_column(d, big.name, Column("label", "text"))
    if not big.partition_by:
        d = edit.add_index(d, big.name, Index(f"{big.name}_label_idx", (IndexKey("label"),)))
    d = edit.add_check(d, big.name, "length(label) < 500", name=f"{big.name}_label_len")
    for t in plain:
        used = _used_columns(t)
        cand = next((c for c in t.columns if c.type == "text" and c.name not in used
                     and not t.partition_by), None)
        if cand is not None:
            d = edit.rename_column(d, t.name, cand.name, f"{cand.name}_v2")
            renames[f"{t.schema}.{t.name}.{cand.name}"] = f"{cand.name}_v2"
            break
    for t in plain:
        used = _used_columns(t)
        gone = next((c for c in t.columns if c.nullable and c.name not in used
                     and f"{t.schema}.{t.name}.{c.name}" not in renames
                     and not t.partition_by and not t.partition_of), None)
        if gone is not None and t.name != big.name:
            d = edit.remove_column(d, t.name, gone.name)
            break
    d = edit.add_table(d, "migration_notes")
    d = edit.add_relationship(d, "migration_notes", first.name, on_delete="CASCADE")
    return d, renames


def _used_columns(t) -> set[str]:
    import re
    used = set(t.primary_key.columns if t.primary_key else ())
    for u in t.uniques:
        used |= set(u.columns)
    for fk in t.foreign_keys:
        used |= set(fk.columns)
    for i in t.indexes:
        for k in i.keys:
            used |= set(re.findall(r"[a-z_][a-z0-9_]*", k.column))
        used |= set(i.include) | set(re.findall(r"[a-z_][a-z0-9_]*", i.where or ""))
    for c in t.checks:
        used |= set(re.findall(r"[a-z_][a-z0-9_]*", c.expression))
    for p in t.policies:
        used |= set(re.findall(r"[a-z_][a-z0-9_]*", f"{p.using} {p.with_check}"))
    if t.intent.tenant_key:
        used.add(t.intent.tenant_key)
    if t.intent.soft_delete:
        used.add(t.intent.soft_delete)
    return used


@pytest.mark.parametrize("sample", ["saas", "timeseries", "index_lab"])
def test_sample_designs_round_trip(sample: str, fresh_db: str, make_db) -> None:
    old = pk.load_design(DESIGNS / f"{sample}.yaml")
    new, renames = _evolve(old)
    plan = migration_plan(old, new, renames=renames)
    db = _db(fresh_db)
    load(old, dsn=fresh_db, scale=0.002, progress=False)
    before = _snapshot(fresh_db)
    run_script(db, plan.up_sql(), dsn=fresh_db)
    assert diff_snapshots(_snapshot(fresh_db), _fresh_build(make_db, new)) == [], plan.up_sql()
    run_script(db, plan.down_sql(), dsn=fresh_db)
    assert diff_snapshots(_snapshot(fresh_db), before) == [], plan.down_sql()


def test_changes_that_cannot_be_migrated_as_written_say_how_to_split_them() -> None:
    old = pk.load_design(DESIGNS / "ecommerce.yaml")
    required = edit.add_column(old, "orders", Column("channel", "text", False))
    with pytest.raises(MigrationError, match="existing rows need a value"):
        migration_plan(old, required)
    fewer = edit.update_column(old, "orders", "status", type="text")
    from dataclasses import replace
    enum = old.enums[0]
    dropped = replace(old, enums=(replace(enum, values=enum.values[:-1]), *old.enums[1:]))
    with pytest.raises(MigrationError, match="cannot drop an enum value"):
        migration_plan(old, dropped)
    with pytest.raises(MigrationError, match="the old design has no column"):
        migration_plan(old, fewer, renames={"orders.nope": "status"})


def test_running_a_migration_outside_a_sandbox_is_refused(pg_dsn: str) -> None:
    with pytest.raises(UnsafeOperationError, match="postgres"):
        run_script("postgres", "SELECT 1;", dsn=pg_dsn)


def test_a_failing_step_names_its_line_and_rolls_back_its_transaction(fresh_db: str) -> None:
    db = _db(fresh_db)
    script = ("CREATE TABLE t (id int);\nBEGIN;\nINSERT INTO t VALUES (1);\n"
              "INSERT INTO t VALUES ('x');\nCOMMIT;\n")
    with pytest.raises(SqlApplyError, match=r"at line 4") as err:
        run_script(db, script, dsn=fresh_db)
    assert "1 statement(s)" not in str(err.value) and "3 statement(s)" in str(err.value)
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_the_v2_migration_as_an_alembic_revision(fresh_db: str, make_db, tmp_path: Path) -> None:
    """The same steps through Alembic on a loaded database: the batched backfills (DO blocks
    that commit) and CONCURRENTLY builds run in autocommit blocks; upgrade gives the fresh v2
    catalog, downgrade the original."""
    import io

    from alembic import command
    from alembic.config import Config

    from pgarch_kit.db.connect import sqlalchemy_url
    from pgarch_kit.interop import alembic_revision
    old = pk.load_design(DESIGNS / "ecommerce.yaml")
    new = pk.load_design(DESIGNS / "versions" / "ecommerce_v2.yaml")
    plan = migration_plan(old, new, renames=RENAMES)
    load(old, dsn=fresh_db, scale=0.005, progress=False, verify=False)
    before = _snapshot(fresh_db)
    root = tmp_path / "migrations"
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(
        "from alembic import context\nfrom sqlalchemy import create_engine, pool\n"
        "engine = create_engine(context.config.attributes['url'], poolclass=pool.NullPool)\n"
        "with engine.connect() as connection:\n"
        "    context.configure(connection=connection, transaction_per_migration=True)\n"
        "    with context.begin_transaction():\n        context.run_migrations()\n"
        "engine.dispose()\n", encoding="utf-8")
    (root / "versions" / "0002_v2.py").write_text(alembic_revision(
        plan.alembic_steps("up"), plan.alembic_steps("down"), message="ecommerce v2",
        revision="0002"), encoding="utf-8")
    ini = tmp_path / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {root}\n", encoding="utf-8")
    cfg = Config(str(ini), output_buffer=io.StringIO())
    cfg.attributes["url"] = sqlalchemy_url(dsn=fresh_db)
    command.upgrade(cfg, "head")
    after = _snapshot(fresh_db)
    after["tables"] = [r for r in after["tables"] if r[0] != "public.alembic_version"]
    after["columns"] = [r for r in after["columns"] if r[0] != "public.alembic_version"]
    after["constraints"] = [r for r in after["constraints"]
                            if r[0] != "public.alembic_version"]
    after["indexes"] = [r for r in after["indexes"] if r[0] != "public.alembic_version"]
    assert diff_snapshots(after, _fresh_build(make_db, new)) == []
    command.downgrade(cfg, "base")
    back = _snapshot(fresh_db)
    for section in ("tables", "columns", "constraints", "indexes"):
        back[section] = [r for r in back[section] if r[0] != "public.alembic_version"]
    assert diff_snapshots(back, before) == []

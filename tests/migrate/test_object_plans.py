"""Plans for the objects tables stand on, where the kinds test (tests/test_kinds.py, which
applies every kind both ways on a loaded database) does not reach: refusals that say how to
split a change, the order of drops, and the forms chosen when nothing uses a type."""
from __future__ import annotations

from dataclasses import replace

import pytest

from pgarch_kit.migrate import MigrationError, migration_plan
from pgarch_kit.model.design import (
    Column,
    CompositeType,
    Design,
    Domain,
    DomainCheck,
    EnumType,
    Extension,
    PrimaryKey,
    Schema,
    Sequence,
    Table,
)

ORDERS = Table("orders", (Column("id", "bigint", False), Column("note", "text")),
               primary_key=PrimaryKey(("id",)))


def _design(**parts) -> Design:
    return Design("d", tables=(parts.pop("table", ORDERS),), **parts)


def _titles(plan) -> list[str]:
    return [s.title for s in plan.steps]


def test_a_domain_whose_base_type_changes_is_refused_with_the_way_to_do_it() -> None:
    old = _design(domains=(Domain("amount", "numeric(12,2)"),))
    new = _design(domains=(Domain("amount", "numeric(14,2)"),))
    with pytest.raises(MigrationError, match="declare a new domain"):
        migration_plan(old, new)


def test_domain_checks_are_added_not_valid_then_validated_and_dropped_by_name() -> None:
    old = _design(domains=(Domain("amount", "numeric", checks=(DomainCheck("VALUE >= 0",
                                                                           "nonneg"),)),))
    new = _design(domains=(Domain("amount", "numeric", not_null=True, default="0",
                                  checks=(DomainCheck("VALUE < 100", "small"),)),))
    plan = migration_plan(old, new)
    up = plan.up_sql()
    assert "ALTER DOMAIN amount ADD CONSTRAINT small CHECK (VALUE < 100) NOT VALID;" in up
    assert up.index("NOT VALID") < up.index("VALIDATE CONSTRAINT small")
    assert "ALTER DOMAIN amount DROP CONSTRAINT nonneg;" in up
    assert "SET NOT NULL" in up and "SET DEFAULT 0" in up
    down = plan.down_sql()
    assert down.index("ADD CONSTRAINT nonneg") < down.index("VALIDATE CONSTRAINT nonneg")


def test_enum_values_removed_rebuild_an_unused_type_and_refuse_a_used_one() -> None:
    old_enum, new_enum = EnumType("status", ("new", "paid", "gone")), EnumType("status",
                                                                               ("new", "paid"))
    unused = migration_plan(_design(enums=(old_enum,)), _design(enums=(new_enum,)))
    assert _titles(unused) == ["enum status: rebuilt with values ['new', 'paid']"]
    used = replace(ORDERS, columns=(*ORDERS.columns, Column("status", "status")))
    with pytest.raises(MigrationError, match=r"cannot drop an enum value.*rebuild"):
        migration_plan(_design(enums=(old_enum,), table=used),
                       _design(enums=(new_enum,), table=used))


def test_a_used_composite_type_only_gains_and_loses_attributes_in_place() -> None:
    old_t = CompositeType("money", (("amount", "numeric"), ("currency", "text")))
    used = replace(ORDERS, columns=(*ORDERS.columns, Column("price", "money")))
    grown = replace(old_t, attributes=(("amount", "numeric"), ("rate", "numeric")))
    plan = migration_plan(_design(composites=(old_t,), table=used),
                          _design(composites=(grown,), table=used))
    assert "ALTER TYPE money ADD ATTRIBUTE rate numeric;" in plan.up_sql()
    assert "ALTER TYPE money DROP ATTRIBUTE currency;" in plan.up_sql()
    assert any("currency values" in s for s in plan.irreversible)
    retyped = replace(old_t, attributes=(("amount", "bigint"), ("currency", "text")))
    with pytest.raises(MigrationError, match="the type of amount changed"):
        migration_plan(_design(composites=(old_t,), table=used),
                       _design(composites=(retyped,), table=used))
    # nothing uses it: dropped and created again in one step
    plan = migration_plan(_design(composites=(old_t,)), _design(composites=(retyped,)))
    assert _titles(plan) == ["composite type money: attributes changed"]


def test_types_schemas_and_extensions_go_after_the_columns_that_used_them() -> None:
    used = replace(ORDERS, columns=(*ORDERS.columns, Column("price", "billing.amount"),
                                    Column("ref", "integer", False,
                                           "nextval('billing.refs'::regclass)")))
    old = Design("d", schemas=(Schema("billing"),), extensions=(Extension("citext"),),
                 domains=(Domain("amount", "numeric", schema="billing"),),
                 sequences=(Sequence("refs", "billing", "integer",
                                     owned_by=("orders", "ref")),), tables=(used,))
    new = Design("d", tables=(ORDERS,))
    titles = _titles(migration_plan(old, new))
    at = titles.index
    assert at("sequence refs: owned by nothing") < at("drop column orders.ref") < at(
        "drop sequence refs") < at("drop extension citext") < at("drop schema billing"), titles
    assert at("drop column orders.price") < at("drop domain amount") < at(
        "drop schema billing"), titles
    # and the way back creates them first
    back = _titles(migration_plan(new, old))
    assert back.index("schema billing") < back.index("domain amount") < back.index(
        "add column orders.price") < back.index("sequence refs owned by orders.ref")


def test_an_extension_moves_schema_in_place() -> None:
    old = Design("d", schemas=(Schema("ext"),), extensions=(Extension("citext", "public"),))
    new = Design("d", schemas=(Schema("ext"),), extensions=(Extension("citext", "ext"),))
    assert "ALTER EXTENSION citext SET SCHEMA ext;" in migration_plan(old, new).up_sql()


def test_a_primary_key_is_added_through_a_concurrent_index_and_dropped_at_contract() -> None:
    bare = replace(ORDERS, primary_key=None)
    plan = migration_plan(_design(table=bare), _design())
    up = plan.up_sql()
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_pkey" in up
    assert "ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey" in up
    back = migration_plan(_design(), _design(table=bare))
    assert [s.phase for s in back.steps if "drop primary key" in s.title] == ["contract"]
    swapped = replace(ORDERS, primary_key=PrimaryKey(("id", "note")))
    with pytest.raises(MigrationError, match="multi-release"):
        migration_plan(_design(), _design(table=swapped))


def test_a_comment_or_storage_option_change_never_rebuilds_an_index() -> None:
    from pgarch_kit.model.design import Index, IndexKey
    idx = Index("orders_note_idx", (IndexKey("note"),), options=("fillfactor=70",))
    old = _design(table=replace(ORDERS, indexes=(idx,)))
    new = _design(table=replace(ORDERS, indexes=(replace(idx, comment="for search",
                                                         options=("deduplicate_items=off",)),)))
    plan = migration_plan(old, new)
    assert sorted(_titles(plan)) == ["comment on index orders_note_idx",
                                     "storage options of index orders_note_idx"]
    up, down = plan.up_sql(), plan.down_sql()
    assert "INDEX" not in up.replace("ALTER INDEX", "").replace("COMMENT ON INDEX", "")
    assert "ALTER INDEX orders_note_idx RESET (fillfactor);" in up
    assert "ALTER INDEX orders_note_idx SET (fillfactor=70);" in down


def test_hostile_names_of_types_schemas_and_sequences_migrate_both_ways(fresh_db: str,
                                                                        make_db) -> None:
    """Names and comments from an untrusted design reach the scripts only quoted."""
    import psycopg

    from pgarch_kit.db.catalog import catalog_snapshot, diff_snapshots
    from pgarch_kit.db.run_script import run_script
    from pgarch_kit.ddl import to_sql
    sch = 'we"ird $owner$ sch'
    table = Table("t;drop", (Column("id", "bigint", False),
                             Column("n", "integer", False,
                                    f"nextval('{_qq(sch)}.{_qq('s$owner$')}'::regclass)"),
                             Column("v", _qq(sch) + "." + _qq("d'x"))),
                  schema=sch, primary_key=PrimaryKey(("id",)))
    new = Design("h", schemas=(Schema(sch, comment="it's \\ here"),),
                 domains=(Domain("d'x", "text", sch, checks=(DomainCheck(
                     "VALUE <> 'x'", 'c"1'),), comment="$$ end"),),
                 composites=(CompositeType("c;drop", (("a b", "integer"),), sch),),
                 enums=(EnumType("e\n", ("a'", "b\\"), sch),),
                 sequences=(Sequence("s$owner$", sch, "integer", owned_by=("t;drop", "n"),
                                     comment="'; DROP TABLE x; --"),),
                 tables=(table,))
    old = Design("h")
    db = psycopg.conninfo.conninfo_to_dict(fresh_db)["dbname"]

    def snap(dsn: str) -> dict:
        with psycopg.connect(dsn) as conn:
            return catalog_snapshot(conn)
    empty = snap(fresh_db)
    target = make_db()
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute(to_sql(new))
    plan = migration_plan(old, new)
    run_script(db, plan.up_sql(), dsn=fresh_db)
    assert diff_snapshots(snap(fresh_db), snap(target)) == []
    run_script(db, plan.down_sql(), dsn=fresh_db)
    assert diff_snapshots(snap(fresh_db), empty) == []
    run_script(db, plan.up_sql(), dsn=fresh_db)
    run_script(db, migration_plan(new, old).up_sql(), dsn=fresh_db)
    assert diff_snapshots(snap(fresh_db), empty) == []


def _qq(name: str) -> str:
    from pgarch_kit.model.names import quote_ident
    return quote_ident(name)

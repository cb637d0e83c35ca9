"""SQLAlchemy models: the generated module, run against the real server, builds what the kit's
own DDL builds.

For each design the module is imported, its mappers configured with SQLAlchemy warnings turned
into errors, and ``Base.metadata.create_all`` run on one fresh database; ``to_sql(design)`` is
applied to another. The two catalogs (:func:`pgarch_kit.db.catalog.catalog_snapshot`) must
then agree in every section the models can express, so a wrong type, default, key, constraint
or index in the generated source fails the test.
"""
from __future__ import annotations

import importlib.util
import secrets
import subprocess
import sys
import warnings
from pathlib import Path

import psycopg
import pytest
from corpus import REALWORLD_FILES, imported

from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
from pgarch_kit.db.apply import apply_sql
from pgarch_kit.db.catalog import catalog_snapshot, diff_snapshots
from pgarch_kit.db.connect import engine
from pgarch_kit.ddl import sections, to_sql
from pgarch_kit.ddl.render_types import (
    extension_sql,
    schema_sql,
)
from pgarch_kit.interop import sqlalchemy_models
from pgarch_kit.model import Design
from pgarch_kit.model.serde import load_design, loads_design

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "data" / "designs").glob("*.yaml"))
# every corpus file: each stresses something else (quoted CamelCase names in chinook, a second
# schema in airlines, 110 key-less tables in synapse, serial sequences in kanboard, partitions,
# domains, an enum and a VIRTUAL column in pagila)

EDGE = """
name: edge cases
description: 'Names Python dislikes, SQL holding ":name" and "%", every kind of key.'
schemas: [{name: ledger}]
extensions: [citext, btree_gist]
enums:
  - {name: tier, schema: ledger, values: [free, 'pro: yearly', 100%]}
tables:
  - name: Account Holders
    schema: ledger
    comment: 'Holders: "quoted" and back\\slash'
    columns:
      - {name: id, type: bigint, identity: by default}
      - {name: class, type: text, nullable: false, default: "'a :b'::text"}
      - {name: metadata, type: jsonb, comment: reserved by declarative}
      - {name: text, type: text, default: "'50% off :promo'::text"}
      - {name: uuid, type: uuid, nullable: false, default: gen_random_uuid()}
      - {name: weird name, type: varchar(20)}
      - {name: 2fa, type: boolean, nullable: false, default: 'false'}
      - {name: __private, type: integer}
      - {name: ﬁle, type: text}
      - {name: tier, type: ledger.tier, nullable: false, default: "'free'::ledger.tier"}
      - {name: email, type: citext}
      - {name: tags, type: 'text[]'}
      - {name: ratio, type: numeric}
      - {name: started, type: time(3)}
      - {name: span, type: interval}
      - {name: flags, type: bit varying(8)}
      - {name: at, type: timestamp(3) with time zone}
      - {name: spot, type: point}
      - {name: label, type: text, collation: C}
      - {name: ratio_pct, type: numeric, generated: ratio * 100}
    primary_key: [id]
    uniques:
      - {name: holders_weird_tier, columns: [weird name, tier], nulls_not_distinct: true, include: [email]}
    checks:
      - {name: text_not_colon, expression: "text <> ':nope' AND text NOT LIKE '%x'"}
    indexes:
      - name: holders_lower_email
        keys: [{expression: lower((email)::text), collation: C}, {column: at, order: desc, nulls: last}]
        where: "class <> 'x:y'"
      - {name: holders_tags, keys: [tags], method: gin}
      - {name: holders_label, keys: [{column: label, opclass: text_pattern_ops}]}
      - {name: holders_id_hash, keys: [id], method: hash}
      - {name: holders_at_brin, keys: [at], method: brin, options: [pages_per_range=16]}
      - {name: holders_weird, keys: [weird name], include: [2fa]}
  - name: ledgers
    schema: ledger
    columns:
      - {name: holder_id, type: bigint, nullable: false}
      - {name: code, type: text, nullable: false}
      - {name: opened, type: tstzrange, nullable: false}
    primary_key: {columns: [code, holder_id], name: ledgers_key}
    uniques:
      - {name: ledgers_code_opened, columns: [code, opened], deferrable: true, initially_deferred: true}
    exclusions:
      - name: ledgers_no_overlap
        elements: [{expression: holder_id, operator: "="}, {expression: opened, operator: "&&"}]
    foreign_keys:
      - {columns: [holder_id], references: {table: Account Holders, columns: [id]}, on_delete: cascade, deferrable: true, initially_deferred: true}
  - name: transfers
    schema: ledger
    unlogged: true
    options: [fillfactor=70]
    columns:
      - {name: holder_id, type: bigint, nullable: false}
      - {name: code, type: text, nullable: false}
      - {name: amount, type: 'numeric(12,2)', nullable: false}
      - {name: note, type: text}
    checks:
      - {name: transfers_amount_nonzero, expression: amount <> 0}
    foreign_keys:
      - {name: transfers_ledger_fkey, columns: [code, holder_id], references: {table: ledgers, columns: [code, holder_id]}, match: full, on_update: cascade}
    indexes:
      - {name: transfers_holder, keys: [holder_id, code]}
"""


# =========================================================================== helpers

def _import(source: str, tmp_path: Path, name: str):
    """Import the generated source as a real module (SQLAlchemy resolves relationship
    annotations through ``sys.modules``) and configure its mappers, warnings as errors."""
    from sqlalchemy.exc import SAWarning
    from sqlalchemy.orm import clear_mappers, configure_mappers
    mod_name = f"pgarch_models_{name}"
    path = tmp_path / f"{mod_name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(mod_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SAWarning)
            spec.loader.exec_module(module)
            configure_mappers()
    except BaseException:
        sys.modules.pop(mod_name, None)
        clear_mappers()
        raise
    return module


def _prerequisites(design: Design) -> str:
    """What the models name but do not create (collations, text search objects, domains,
    composite and range types) and the routines and casts a default or check may call, as
    the kit's DDL writes them: a user runs this part of schema.sql before create_all. Empty
    when the design has none, so the models' own schema and extension hooks are what create
    those. Enums come along when anything else does (create_all checks for an existing type
    before making one)."""
    by_title = {s.title: s.statements for s in sections(design)}
    if not (design.domains or design.composites or design.ranges or design.collations
            or design.text_search_configurations or by_title["functions and procedures"]):
        return ""
    wanted = ("collations", "text search", "types", "functions and procedures",
              "range types using functions", "casts")
    body = [s for title in wanted for s in by_title.get(title, ())]
    head = ([s for sc in design.schemas for s in schema_sql(sc)]
            + [s for e in design.extensions for s in extension_sql(e)])
    return "\n".join(["SET check_function_bodies = false;", "SET search_path = public;",
                      *head, *body])


def _valid(definition: str) -> str:
    """A constraint's definition without NOT VALID, which models cannot say: the module lists
    each such constraint as a loss (checked by the caller)."""
    return definition.removesuffix(" NOT VALID")


def _expressible(snap: dict[str, list[tuple]], design: Design) -> dict[str, list[tuple]]:
    """The catalog restricted to what SQLAlchemy models express.

    Left out on purpose, each because it lives in schema.sql and the module says so:
    partitions (tables, their columns, inherited constraints and indexes, bounds), views and
    materialized views (with their columns and indexes), routines, triggers, policies and the
    row-level-security flags of ``tables`` (constraint triggers too), and sequence ``OWNED BY`` (models cannot say it,
    identity sequences are still compared by their other fields). Comments are compared for
    tables and columns only; index comments have no SQLAlchemy home."""
    parts = {f"{t.schema}.{t.name}" for t in design.tables if t.partition_of is not None}
    views = {f"{v.schema}.{v.name}" for v in design.views}
    hidden = parts | views

    def on_table(obj: str) -> bool:
        # pg_describe_object says "table s.t" and "column c of table s.t" ("of view" for views)
        if " of table " in obj:
            return obj.rpartition(" of table ")[2] not in parts
        return obj.startswith("table ") and obj.removeprefix("table ") not in parts

    return {
        "tables": [(r[0], r[1], r[2], r[3], r[6]) for r in snap["tables"] if r[0] not in parts],
        "columns": [r for r in snap["columns"] if r[0] not in hidden],
        "types": snap["types"],
        # a constraint trigger (contype 't') is a trigger: schema.sql makes it; NOT NULL
        # constraints ('n', PostgreSQL 18) are compared through columns.notnull: models cannot
        # name them
        "constraints": [(*r[:3], _valid(r[3])) for r in snap["constraints"]
                        if r[0] not in parts and r[2] not in ("t", "n")],
        "indexes": [r for r in snap["indexes"] if r[0] not in hidden],
        "sequences": [r[:-1] for r in snap["sequences"]],
        "comments": [r for r in snap["comments"] if on_table(r[0])],
        "extensions": snap["extensions"],
    }


def _compare(design: Design, models_db: str, tmp_path: Path, tag: str) -> None:
    """Models into ``models_db``, the kit's DDL into a second sandbox on the same server;
    their expressible catalogs must be equal."""
    source = sqlalchemy_models(design)
    for t in design.tables:
        for con in (*t.checks, *t.foreign_keys):
            if con.not_valid:
                assert f"{con.name} is NOT VALID in the design" in source, con.name
    module = _import(source, tmp_path, tag)
    try:
        pre = _prerequisites(design)
        with psycopg.connect(models_db, autocommit=True) as conn:
            if pre:
                apply_sql(conn, pre, source="prerequisites")
            version = conn.info.server_version
        eng = engine(dsn=models_db)
        try:
            module.Base.metadata.create_all(eng)
        finally:
            eng.dispose()
        ddl_db = create_sandbox(f"pgarch_sam_{secrets.token_hex(4)}", dsn=models_db)
        try:
            with psycopg.connect(server_dsn(models_db, ddl_db), autocommit=True) as conn:
                apply_sql(conn, to_sql(design, server_version=version), source="kit DDL")
                want = _expressible(catalog_snapshot(conn), design)
        finally:
            drop_sandbox(ddl_db, dsn=models_db)
        with psycopg.connect(models_db, autocommit=True) as conn:
            got = _expressible(catalog_snapshot(conn), design)
    finally:
        from sqlalchemy.orm import clear_mappers
        sys.modules.pop(f"pgarch_models_{tag}", None)
        clear_mappers()
    assert diff_snapshots(want, got) == [], (
        "models (b) differ from the kit's DDL (a):\n" + "\n".join(diff_snapshots(want, got)))
    assert got["tables"], "nothing was created"


# =========================================================================== against a server

@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_models_build_what_the_ddl_builds(path: Path, fresh_db_any: str,
                                                 tmp_path: Path) -> None:
    _compare(load_design(path), fresh_db_any, tmp_path, path.stem)


@pytest.mark.parametrize("path", REALWORLD_FILES, ids=[p.stem for p in REALWORLD_FILES])
def test_realworld_models_build_what_the_ddl_builds(path: Path, fresh_db: str, pg_dsn: str,
                                                    tmp_path: Path) -> None:
    """On PostgreSQL 18 only: pagila needs it, and tests/roundtrip already covers the corpus
    on 15 for the DDL side."""
    design = imported(path).design
    assert design.tables
    _compare(design, fresh_db, tmp_path, f"rw_{path.stem}")


def test_edge_cases_build_what_the_ddl_builds(fresh_db_any: str, tmp_path: Path) -> None:
    design = loads_design(EDGE)
    assert _prerequisites(design) == ""  # schema, extensions and enum come from the models
    _compare(design, fresh_db_any, tmp_path, "edge")


def test_the_comparison_catches_a_wrong_model(fresh_db: str, tmp_path: Path) -> None:
    """A test of the test: a model that lost a NOT NULL must not pass."""
    from dataclasses import replace
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    customers = design.table("customers")
    assert customers is not None
    loose = replace(customers, columns=tuple(replace(c, nullable=True) if c.name == "full_name"
                                             else c for c in customers.columns))
    source = sqlalchemy_models(design.with_table(loose))
    module = _import(source, tmp_path, "wrong")
    try:
        eng = engine(dsn=fresh_db)
        try:
            module.Base.metadata.create_all(eng)
        finally:
            eng.dispose()
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            got = _expressible(catalog_snapshot(conn), design)
    finally:
        from sqlalchemy.orm import clear_mappers
        sys.modules.pop("pgarch_models_wrong", None)
        clear_mappers()
    ddl_db = create_sandbox(f"pgarch_sam_{secrets.token_hex(4)}", dsn=fresh_db)
    try:
        with psycopg.connect(server_dsn(fresh_db, ddl_db), autocommit=True) as conn:
            apply_sql(conn, to_sql(design), source="kit DDL")
            want = _expressible(catalog_snapshot(conn), design)
    finally:
        drop_sandbox(ddl_db, dsn=fresh_db)
    # nullability is compared on the column (NOT NULL constraint names are left out: models
    # cannot name them)
    assert diff_snapshots(want, got) == [
        "columns: public.customers.full_name: notnull: True → False"]


def test_relationships_work_in_a_session(fresh_db: str, tmp_path: Path) -> None:
    """The saas keys all carry tenant_id (overlapping composite foreign keys): rows built
    through the relationships alone must flush in order and read back through them."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session, clear_mappers
    design = load_design(ROOT / "data" / "designs" / "saas.yaml")
    m = _import(sqlalchemy_models(design), tmp_path, "session")
    eng = engine(dsn=fresh_db)
    try:
        m.Base.metadata.create_all(eng)
        with Session(eng) as s:
            tenant = m.Tenants(name="acme")
            owner = m.Users(tenant=tenant, email="ada@acme.test")
            project = m.Projects(tenant=tenant, owner=owner, name="launch")
            s.add(m.Tasks(project=project, assignee=owner, title="ship it"))
            s.commit()
        with Session(eng) as s:
            task = s.scalars(select(m.Tasks)).one()
            assert task.state == "todo"  # server default, read back
            assert task.project.owner.email == "ada@acme.test"
            assert task.assignee is task.project.owner
            assert [t.title for t in task.project.tasks] == ["ship it"]
            assert [p.name for p in task.project.tenant.projects] == ["launch"]
            assert task.tenant_id == task.project.tenant_id == task.project.tenant.id
    finally:
        eng.dispose()
        sys.modules.pop("pgarch_models_session", None)
        clear_mappers()


# =========================================================================== the source text

def test_source_is_deterministic_and_lint_clean(tmp_path: Path) -> None:
    """Same design, same bytes; and the module passes pyflakes and isort checks, so teams can
    commit it under their own linters."""
    ruff = Path(sys.executable).with_name("ruff")
    for path in [*SAMPLES, None]:
        design = load_design(path) if path else loads_design(EDGE)
        text = sqlalchemy_models(design)
        assert text == sqlalchemy_models(design)
        out = tmp_path / f"{design.name.replace(' ', '_')}.py"
        out.write_text(text, encoding="utf-8")
        compile(text, str(out), "exec")
    if ruff.exists():
        done = subprocess.run([str(ruff), "check", "--no-cache", "--isolated", "--line-length=100",
                               "--select", "F,E9,I,B,UP", str(tmp_path)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_module_shape_for_ecommerce(tmp_path: Path) -> None:
    text = sqlalchemy_models(load_design(ROOT / "data" / "designs" / "ecommerce.yaml"))
    top = text.split("\nimport ", 1)[0]
    assert "live in schema.sql" in top
    assert "function orders_audit_row()" in top and "trigger orders_audit on orders" in top
    assert "class OrderItems(Base):" in text
    assert 'PrimaryKeyConstraint("order_id", "line_no")' in text
    assert 'ForeignKey("customers.id", ondelete="CASCADE")' in text
    assert 'server_default=text("now()")' in text
    assert "Identity(always=True)" in text
    assert 'OrderStatus = ENUM("pending", "paid", "shipped", "delivered", "cancelled", ' \
           'name="order_status", create_type=True, metadata=Base.metadata)' not in text  # wrapped
    assert 'name="order_status",' in text and "create_type=True," in text
    assert 'postgresql_where=text("deleted_at IS NULL")' in text
    assert 'postgresql_using="gin",' in text
    assert 'postgresql_ops={"attributes": "jsonb_path_ops"}' in text
    assert 'postgresql_include=["status", "total"]' in text
    assert 'text("(lower(name))")' in text
    assert 'customer: Mapped["Customers"] = relationship(back_populates="addresses")' in text
    assert 'parent: Mapped["Categories | None"] = relationship(remote_side="Categories.id")' \
        in text
    assert '"""People who can sign in and place orders."""' in text


def test_edge_names_and_sql_text(tmp_path: Path) -> None:
    text = sqlalchemy_models(loads_design(EDGE))
    assert "class AccountHolders(Base):" in text
    assert 'class_: Mapped[str] = mapped_column("class", Text' in text
    assert 'metadata_: Mapped[Any | None] = mapped_column(\n        "metadata",' in text
    assert 'text_: Mapped[str | None] = mapped_column(' in text
    assert 'uuid_: Mapped[uuid.UUID] = mapped_column(' in text
    assert 'weird_name: Mapped[str | None] = mapped_column("weird name", String(20))' in text
    assert 'c_2fa: Mapped[bool] = mapped_column("2fa", Boolean' in text
    assert 'mapped_column("ﬁle", Text)' in text  # NFKC would turn the name into "file"
    assert r"""text("'a \\:b'::text")""" in text  # escaped for text(), sent as written
    assert "t_transfers = Table(" in text      # no primary key: a Table, not a class
    assert 'prefixes=["UNLOGGED"]' in text and 'postgresql_with={"fillfactor": "70"}' in text
    assert "Needs SQLAlchemy 2.1 or later" in text
    assert 'CITEXT = getattr(postgresql, "CITEXT", None) or PgType("citext")' in text
    assert 'PgType("point")' in text
    assert 'DDL("CREATE SCHEMA IF NOT EXISTS ledger")' in text

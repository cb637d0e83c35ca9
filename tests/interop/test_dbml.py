"""DBML export/import: golden files, round trips on the sample designs, dbdiagram.io-style
input, and errors. ``UPDATE_GOLDEN=1 pytest tests/interop`` rewrites the golden files."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgarch_kit.errors import DesignError, PgArchError
from pgarch_kit.interop import dbml_losses, from_dbml, to_dbml
from pgarch_kit.model.serde import load_design
from pgarch_kit.model.validate import validate

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
SAMPLES = ["ecommerce", "saas", "timeseries"]


def _sample(name: str):
    return load_design(ROOT / "data" / "designs" / f"{name}.yaml")


def _projection(design) -> dict:
    """What DBML must carry: tables, columns, keys, FKs, indexes, enums (partitions and the
    other documented losses excluded)."""
    out = {"enums": sorted((e.schema, e.name, e.values) for e in design.enums)}
    for t in design.tables:
        if t.partition_of is not None:
            continue
        pk = t.primary_key
        out[t.key] = {
            "columns": [(c.name, c.type, c.nullable and not (pk and c.name in pk.columns),
                         c.default, c.identity is not None) for c in t.columns],
            "pk": (pk.columns, pk.name or f"{t.name}_pkey") if pk else None,
            "uniques": sorted((u.columns, u.name or f"{t.name}_{'_'.join(u.columns)}_key",
                               u.include, u.nulls_not_distinct) for u in t.uniques),
            "fks": [(f.columns, f.ref_schema or t.schema, f.ref_table, f.ref_columns,
                     f.on_delete, f.on_update, f.name) for f in t.foreign_keys],
            "indexes": [(i.name, i.keys, i.unique, i.method, i.where, i.include, i.comment)
                        for i in t.indexes],
            "comment": t.comment,
            "column_comments": [c.comment for c in t.columns],
        }
    return out


@pytest.mark.parametrize("sample", SAMPLES)
def test_golden(sample: str) -> None:
    text = to_dbml(_sample(sample))
    path = GOLDEN / f"{sample}.dbml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("sample", SAMPLES)
def test_round_trip(sample: str) -> None:
    d = _sample(sample)
    text = to_dbml(d)
    d2 = from_dbml(text)
    assert validate(d2) == []
    assert to_dbml(d2) == text                      # stable text
    assert _projection(d2) == _projection(d)
    assert d2.name == d.name
    assert d2.description == (d.description or "").strip() or None
    assert {e.name for e in d2.extensions} == {e.name for e in d.extensions}


def test_losses_listed() -> None:
    eco = "\n".join(dbml_losses(_sample("ecommerce")))
    assert "customers: check constraints: customers_email_has_at" in eco
    assert "identity ALWAYS" in eco
    assert "query patterns" in eco
    saas = "\n".join(dbml_losses(_sample("saas")))
    assert "roles: app_user" in saas and "row-level security" in saas
    ts = "\n".join(dbml_losses(_sample("timeseries")))
    assert "views: daily_rollups" in ts
    assert "partitions (tables dropped): metrics_2025_01" in ts
    assert "metrics: PARTITION BY RANGE (recorded_at)" in ts


def test_index_extras_survive_in_note() -> None:
    d2 = from_dbml(to_dbml(_sample("ecommerce")))
    orders = d2.table("orders")
    ix = {i.name: i for i in orders.indexes}
    assert ix["orders_open"].where == "status IN ('pending', 'paid')"
    assert ix["orders_customer_placed"].include == ("status", "total")
    assert ix["orders_customer_placed"].keys[1].descending
    assert d2.table("products").indexes[1].keys[0].opclass == "jsonb_path_ops"


DBDIAGRAM = """
// dbdiagram.io style
Project blog {
  database_type: 'PostgreSQL'
  Note: 'A tiny blog'
}

Enum post_status {
  draft
  published [note: 'visible to everyone']
}

Table users {
  id integer [pk, increment]
  username varchar [not null, unique]
  role varchar
  created_at timestamp [default: `now()`]
  Note: 'Registered users'
}

Table posts {
  id integer [primary key]
  title varchar [note: 'Title of the post']
  body text
  user_id integer [not null]
  status post_status [default: 'draft']
  score "double precision" [default: 0.5]
  created_at "timestamp with time zone"

  indexes {
    (user_id, created_at) [name: 'posts_user_created']
    `lower(title)`
    status [type: hash]
  }
}

Table follows {
  following_user_id integer
  followed_user_id integer
  created_at timestamp
  indexes {
    (following_user_id, followed_user_id) [pk]
  }
}

Ref: posts.user_id > users.id // many-to-one
Ref: users.id < follows.following_user_id
Ref fk_followed: follows.followed_user_id > users.id [delete: cascade]
"""


def test_dbdiagram_snippet_imports() -> None:
    from pgarch_kit.ddl import to_sql
    d = from_dbml(DBDIAGRAM)
    assert validate(d) == []
    assert d.name == "blog" and d.description == "A tiny blog"
    assert [e.name for e in d.enums] == ["post_status"]
    users, posts, follows = (d.table(n) for n in ("users", "posts", "follows"))
    assert users.comment == "Registered users"
    assert users.column("id").identity == "by default" and not users.column("id").nullable
    assert users.uniques[0].columns == ("username",)
    assert users.column("created_at").default == "now()"
    assert posts.column("status").default == "'draft'"
    assert posts.column("score").type == "double precision"
    assert posts.column("created_at").type == "timestamp with time zone"
    assert posts.column("title").comment == "Title of the post"
    assert posts.primary_key.columns == ("id",) and not posts.column("id").nullable
    assert posts.indexes[0].name == "posts_user_created"
    assert posts.indexes[1].keys[0].expression and posts.indexes[1].keys[0].column == "lower(title)"
    assert posts.indexes[2].method == "hash"
    assert follows.primary_key.columns == ("following_user_id", "followed_user_id")
    assert posts.foreign_keys[0].ref_table == "users"
    fks = {f.columns: f for f in follows.foreign_keys}
    assert fks[("following_user_id",)].ref_table == "users"          # `<` flips sides
    assert fks[("followed_user_id",)].on_delete == "CASCADE"
    assert fks[("followed_user_id",)].name == "fk_followed"
    sql = to_sql(d)
    for table in ("users", "posts", "follows"):
        assert f"CREATE TABLE {table}" in sql or f'CREATE TABLE "{table}"' in sql \
            or f"CREATE TABLE public.{table}" in sql
    # and it exports back to stable text
    assert to_dbml(from_dbml(to_dbml(d))) == to_dbml(d)


def test_one_to_one_and_composite_refs() -> None:
    d = from_dbml("""
Table a {
  x int [not null]
  y int [not null]
  indexes {
    (x, y) [pk]
  }
}
Table b {
  id int [pk]
  x int
  y int
}
Table c {
  id int [pk]
}
Ref: b.(x, y) > a.(x, y) [update: cascade]
Ref: c.id - b.id
""", name="t")
    assert d.name == "t"
    fk = d.table("b").foreign_keys[0]
    assert fk.columns == ("x", "y") and fk.ref_columns == ("x", "y") and fk.on_update == "CASCADE"
    assert d.table("c").foreign_keys[0].ref_table == "b"
    assert "Ref: c.id - b.id" in to_dbml(d)


def test_schemas() -> None:
    d = from_dbml("""
Enum sales.kind {
  a
  b
}
Table sales.orders {
  id bigint [pk]
  kind sales.kind
}
Table audit.log {
  id bigint [pk]
  order_id bigint [ref: > sales.orders.id]
}
""")
    assert {s.name for s in d.schemas} == {"sales", "audit"}
    assert d.table("orders").column("kind").type == "sales.kind"
    fk = d.table("log").foreign_keys[0]
    assert fk.ref_schema == "sales" and fk.ref_table == "orders"
    assert to_dbml(from_dbml(to_dbml(d))) == to_dbml(d)


def test_syntax_error_names_line() -> None:
    bad = "Table users {\n  id int [pk\n  name text\n}\n"
    with pytest.raises(DesignError) as exc:
        from_dbml(bad)
    assert isinstance(exc.value, PgArchError)
    line = exc.value.problems[0].line
    assert line in (2, 3)               # pyparsing reports where it gave up
    assert "DBML syntax error" in str(exc.value) and f"line {line}" in str(exc.value)


def test_unknown_ref_target_is_clear() -> None:
    with pytest.raises(DesignError, match="nope"):
        from_dbml("Table a {\n  id int [pk]\n}\nRef: a.id > nope.id\n")


def test_many_to_many_rejected() -> None:
    with pytest.raises(DesignError, match="junction table"):
        from_dbml("Table a {\n  id int [pk]\n}\nTable b {\n  id int [pk]\n}\nRef: a.id <> b.id\n")


def test_invalid_result_reported_unless_unchecked() -> None:
    text = "Table a {\n  id uuid [pk, increment]\n}\n"
    with pytest.raises(DesignError, match="identity"):
        from_dbml(text)
    assert from_dbml(text, check=False).table("a").column("id").identity == "by default"


def test_empty_input() -> None:
    with pytest.raises(DesignError, match="empty"):
        from_dbml("   ")


def test_quoting_and_escapes() -> None:
    from pgarch_kit.model.design import Column, Design, PrimaryKey, Table
    d = Design(name="q", description="two\nlines", tables=(Table(
        name="weird table", primary_key=PrimaryKey(("id",)), comment="it's\nmulti",
        columns=(Column("id", "bigint", nullable=False),
                 Column("note", "text", default="'it''s \\ ok'", comment="a 'quote'"),
                 Column("amount", "numeric(12,2)[]"),
                 Column("n", "numeric", default="1.50"),
                 Column("neg", "integer", default="-1"),
                 Column("at", "timestamp(3) with time zone", default="now()"))),))
    text = to_dbml(d)
    assert 'Table "weird table"' in text and '"note" text' in text
    d2 = from_dbml(text)
    t = d2.tables[0]
    assert t.comment == "it's\nmulti" and d2.description == "two\nlines"
    assert [(c.name, c.type, c.default, c.comment) for c in t.columns] == \
        [(c.name, c.type, c.default, c.comment) for c in d.tables[0].columns]
    assert to_dbml(d2) == text

"""Index candidates read from a pattern's SQL (pure): the shapes an architect would try."""
from __future__ import annotations

from pgarch_kit.bench.candidates import candidates
from pgarch_kit.ddl.render_index import index_sql
from pgarch_kit.model.serde import loads_design

DESIGN = loads_design("""
name: c
extensions: [pg_trgm]
tables:
  - name: orders
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: tenant_id, type: bigint, nullable: false}
      - {name: customer_id, type: bigint, nullable: false}
      - {name: status, type: text, nullable: false}
      - {name: total, type: 'numeric(12,2)', nullable: false}
      - {name: tags, type: 'text[]'}
      - {name: doc, type: jsonb}
      - {name: title, type: text}
      - {name: placed_at, type: timestamptz, nullable: false}
      - {name: deleted_at, type: timestamptz}
    primary_key: [id]
    indexes:
      - {name: orders_customer, keys: [customer_id, placed_at]}
    intent: {tenant_key: tenant_id}
""")


def _ddl(sql: str, **kw) -> dict[str, str]:
    return {c.kind: index_sql(c.table.schema, c.table.name, c.index, 180000)
            for c in candidates(DESIGN, sql, **kw)}


def test_btree_equality_first_tenant_leading_then_sort_direction() -> None:
    got = _ddl("SELECT id, total FROM orders WHERE status = :s AND tenant_id = :t "
               "ORDER BY placed_at DESC LIMIT 20")
    assert "(tenant_id, status, placed_at DESC)" in got["btree"]
    assert "INCLUDE (id, total)" in got["covering"]


def test_range_comes_after_equality_and_brin_is_offered_for_time() -> None:
    got = _ddl("SELECT sum(total) FROM orders WHERE tenant_id = :t AND placed_at >= :since")
    assert "(tenant_id, placed_at)" in got["btree"]
    assert "INCLUDE (total)" in got["covering"]
    assert "USING brin (placed_at)" in got["brin"]


def test_fixed_conditions_make_a_partial_index() -> None:
    got = _ddl("SELECT id FROM orders WHERE deleted_at IS NULL AND status IN ('new', 'paid') "
               "ORDER BY placed_at")
    assert "(placed_at) WHERE (deleted_at IS NULL AND status IN ('new', 'paid'))" \
        in got["partial"]


def test_gin_for_containment_with_path_ops_only_when_at_gt_alone() -> None:
    assert "USING gin (doc jsonb_path_ops)" in _ddl(
        "SELECT id FROM orders WHERE doc @> :f")["gin"]
    assert "USING gin (doc)" in _ddl("SELECT id FROM orders WHERE doc ? :k")["gin"]
    assert "USING gin (tags)" in _ddl("SELECT id FROM orders WHERE tags && :t")["gin"]


def test_infix_like_gets_a_trigram_index_when_pg_trgm_exists() -> None:
    sql = "SELECT id FROM orders WHERE title ILIKE '%' || :q || '%'"
    assert "USING gin (title gin_trgm_ops)" in _ddl(sql)["trigram"]
    assert "trigram" not in _ddl(sql, have_trgm=False)
    c = next(c for c in candidates(DESIGN, sql) if c.kind == "trigram")
    assert c.needs_extension == "pg_trgm"


def test_expressions_become_expression_keys() -> None:
    assert "((lower(title)))" in _ddl("SELECT id FROM orders WHERE lower(title) = lower(:t)"
                                      )["btree"]


def test_what_the_design_already_has_is_not_proposed() -> None:
    # the primary key serves id = :id (only an index-only variant is new); orders_customer
    # serves customer_id ORDER BY placed_at
    assert {c.kind for c in candidates(DESIGN, "SELECT total FROM orders WHERE id = :id")} \
        == {"covering"}
    kinds = {c.kind for c in candidates(
        DESIGN, "SELECT id FROM orders WHERE customer_id = :c ORDER BY placed_at")}
    assert "btree" not in kinds


def test_a_joined_table_is_reached_through_its_join_column() -> None:
    design = loads_design("""
name: j
tables:
  - name: a
    columns: [{name: id, type: bigint, nullable: false}, {name: kind, type: text}]
    primary_key: [id]
  - name: b
    columns: [{name: id, type: bigint, nullable: false}, {name: a_id, type: bigint}]
    primary_key: [id]
""")
    found = {(c.table.name, c.kind): c for c in candidates(
        design, "SELECT b.id FROM a JOIN b ON b.a_id = a.id WHERE a.kind = :k")}
    assert [k.column for k in found[("a", "btree")].index.keys] == ["kind"]
    assert [k.column for k in found[("b", "btree")].index.keys] == ["a_id"]

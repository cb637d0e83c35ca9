"""The one reader of query patterns (pgarch_kit.model.query), pinned once: parameters found by
PostgreSQL's lexer, the SQL in each client's form, each block's shape, what parameters are
compared with, and whether (and how) an index serves a pattern. Pure: no server."""
from __future__ import annotations

import pytest
from pglast.parser import ParseError

from pgarch_kit.model import Index, IndexKey
from pgarch_kit.model.query import (
    Ref,
    param_uses,
    parse_pattern,
    pattern_params,
    query_shape,
    serves,
)
from pgarch_kit.model.serde import loads_design

# ---------------------------------------------------------------- parameters

NOT_PARAMETERS = [  # (what, SQL, its $n form: unchanged but for comments)
    ("a string literal", "SELECT 'see :x'", None),
    ("an escape string with an escaped quote", "SELECT E'\\':x'", None),
    ("a line comment", "SELECT 1 -- :x", "SELECT 1"),
    ("a block comment", "SELECT 1 /* :x */ + 2", "SELECT 1   + 2"),
    ("a nested block comment", "SELECT 1 /* a /* :x */ still :x */ + 2", "SELECT 1   + 2"),
    ("a dollar quote", "SELECT $$ :x $$", None),
    ("a tagged dollar quote", "SELECT $tag$ :x $tag$", None),
    ("a quoted identifier", 'SELECT 1 AS ":x"', None),
    ("a cast", "SELECT a::int FROM t", None),
    ("an assignment", "SELECT f(a := 1)", None),
    ("a psql-quoted variable", "SELECT :'x'", None),
]


@pytest.mark.parametrize(("what", "sql", "dollar"), NOT_PARAMETERS,
                         ids=[w for w, _, _ in NOT_PARAMETERS])
def test_what_is_not_a_parameter(what: str, sql: str, dollar: str | None) -> None:
    p = pattern_params(sql)
    assert p.names == (), what
    assert p.dollar == (dollar or sql)


def test_literals_and_quoted_text_pass_through_unchanged() -> None:
    sql = ("SELECT 'see :x', E'\\':x', $$ :x $$, $t$ :x $t$, \":x\", a::int "
           "FROM t WHERE b = :y /* :c */ -- :d\n AND e = :y")
    p = pattern_params(sql)
    assert p.names == ("y",)
    kept = "SELECT 'see :x', E'\\':x', $$ :x $$, $t$ :x $t$, \":x\", a::int FROM t WHERE b = "
    assert p.dollar.startswith(kept) and p.dollar.endswith("e = $1")
    assert p.pgbench == kept.replace("b = ", "b = :y AND e = :y")
    assert ":c" not in p.dollar and ":d" not in p.pgbench      # comments are dropped


def test_repeated_parameters_keep_one_number() -> None:
    p = pattern_params("SELECT * FROM t WHERE a = :a AND b > :b AND c < :a;")
    assert p.names == ("a", "b")
    assert p.dollar == "SELECT * FROM t WHERE a = $1 AND b > $2 AND c < $1"
    assert p.pgbench == "SELECT * FROM t WHERE a = :a AND b > :b AND c < :a"


def test_dollar_parameters_mix_with_named_ones() -> None:
    p = pattern_params("SELECT * FROM t WHERE a = $2 AND b = :name AND c = $1 AND d = $2")
    assert p.names == ("p2", "name", "p1")
    assert p.dollar == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3 AND d = $1"
    assert p.pgbench == "SELECT * FROM t WHERE a = :p2 AND b = :name AND c = :p1 AND d = :p2"
    parsed = parse_pattern("SELECT * FROM t WHERE a = $2 AND b = :name")
    assert parsed.deparse(parsed.statements[0].whereClause) == "a = $2 AND b = :name"


def test_a_keyword_can_name_a_parameter() -> None:
    assert pattern_params("SELECT * FROM t LIMIT :limit OFFSET :offset").names == \
        ("limit", "offset")


def test_repeated_parameters_get_a_cast_for_pgbench() -> None:
    # pgbench numbers each use apart, so `:since + interval` would be typed interval
    p = pattern_params("SELECT 1 FROM t WHERE at >= :since AND at < :since + interval '1 day' "
                       "AND id = :id")
    typed = p.pgbench_typed({"since": "timestamp with time zone", "id": "bigint"})
    assert typed.count(":since::timestamp with time zone") == 2
    assert ":id::" not in typed  # used once: left to PostgreSQL's inference


def test_pgbench_form_is_one_line_but_literals_keep_their_blanks() -> None:
    p = pattern_params("SELECT 'a  b'\n  FROM t\n WHERE x = :x ;  -- trailing")
    assert p.pgbench == "SELECT 'a  b' FROM t WHERE x = :x"


def test_text_the_lexer_cannot_read_is_refused() -> None:
    with pytest.raises(ParseError):
        pattern_params("SELECT 'unterminated")
    assert query_shape("SELECT 'unterminated").error


# ---------------------------------------------------------------- shape

def test_predicates_carry_their_operators() -> None:
    (b,) = query_shape(
        "SELECT id FROM t WHERE a = :a AND b IN (1, 2) AND c = ANY(:cs) AND d BETWEEN :lo "
        "AND :hi AND e >= :e AND f LIKE :f AND g ILIKE '%' || :g || '%' AND doc @> :doc "
        "AND doc ->> 'k' = 'v' AND h IS NULL AND i IS NOT NULL AND NOT archived "
        "AND j NOT IN (3) AND k <> :k AND (l = 1 OR m = :m)").blocks
    got = {(p.ref.column, p.op, p.kind, p.conjunct) for p in b.predicates}
    assert got == {
        ("a", "=", "equality", True), ("b", "IN", "equality", True),
        ("c", "ANY", "equality", True), ("d", "BETWEEN", "range", True),
        ("e", ">=", "range", True), ("f", "LIKE", "pattern", True),
        ("g", "ILIKE", "pattern", True), ("doc", "@>", "operator", True),
        ("doc", "=", "equality", True), ("h", "IS NULL", "null", True),
        ("i", "IS NOT NULL", "null", True), ("archived", "IS FALSE", "bool", True),
        ("j", "NOT IN", "other", True), ("k", "<>", "other", True),
        ("l", "=", "equality", False), ("m", "=", "equality", False)}
    like = {p.ref.column: p for p in b.predicates if p.kind == "pattern"}
    assert like["g"].leading_wildcard and like["g"].wildcards and not like["f"].leading_wildcard
    assert [(u.column, u.operator) for u in b.jsonb] == [("doc", "@>"), ("doc", "->>")]
    assert b.equality == (Ref(None, "a"), Ref(None, "b"), Ref(None, "c"))  # paths aside


def test_order_by_directions_nulls_and_limit() -> None:
    s = query_shape("SELECT id AS n, created_at FROM t WHERE a >= :a GROUP BY id, lower(name) "
                    "ORDER BY created_at DESC NULLS LAST, 1, lower(name) LIMIT :n OFFSET 10")
    (b,) = s.blocks
    assert [(k.key, k.descending, k.nulls_first) for k in b.order_by] == [
        ("created_at", True, False), ("id", False, False), ("(lower(name))", False, False)]
    assert b.group_by == ("id", "lower(name)")
    assert (b.limit.sql, b.limit.params) == (":n", ("n",))
    assert b.offset.constant == 10 and s.limit == b.limit


def test_ctes_subqueries_and_union_arms_are_blocks() -> None:
    s = query_shape("WITH recent AS (SELECT id FROM orders WHERE placed_at > :since) "
                    "SELECT c.name FROM customers c JOIN recent r ON r.id = c.id "
                    "WHERE c.id IN (SELECT customer_id FROM vip) "
                    "UNION ALL SELECT name FROM archived ORDER BY 1 LIMIT :n")
    assert [[r.name for r in b.relations] for b in s.blocks] == [
        ["orders"], ["customers", "recent"], ["vip"], ["archived"]]
    assert [r.name for r in s.relations] == ["orders", "customers", "vip", "archived"]
    assert s.blocks[1].relations[1].derived                 # the CTE is no table
    assert s.limit.params == ("n",) and s.read_only


def test_update_from_and_delete_using_read_both_relations() -> None:
    up = query_shape("UPDATE orders o SET status = :s FROM customers c "
                     "WHERE c.id = o.customer_id AND c.email = :e")
    (b,) = up.blocks
    assert [r.alias for r in b.relations] == ["o", "c"] and b.kind == "update"
    assert b.equality == (Ref("c", "email"),)
    assert set(b.joins) == {Ref("c", "id"), Ref("o", "customer_id")}
    assert [(w.relation.name, w.verb) for w in up.writes_to] == [("orders", "UPDATE")]
    de = query_shape("DELETE FROM sessions s USING users u "
                     "WHERE u.id = s.user_id AND u.deleted_at IS NOT NULL")
    assert [r.name for r in de.blocks[0].relations] == ["sessions", "users"]
    assert de.writes and not de.read_only


@pytest.mark.parametrize(("sql", "writes"), [
    ("SELECT 1", False), ("SELECT * FROM t FOR UPDATE SKIP LOCKED", True),
    ("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", True),
    ("UPDATE t SET a = 1", True), ("INSERT INTO t VALUES (1)", True),
])
def test_writes(sql: str, writes: bool) -> None:
    assert query_shape(sql).writes is writes


# ---------------------------------------------------------------- what parameters meet

@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT id FROM customers c WHERE lower(c.email) = lower(:email)",
     {"email": ("=", "c", "lower(c.email)", True, False)}),
    ("SELECT * FROM orders WHERE placed_at >= :since AND placed_at < :since + interval '1 day'",
     {"since": (">=", None, "placed_at", False, False)}),
    ("SELECT id FROM products WHERE attributes @> :f AND name ILIKE '%' || :q || '%'",
     {"f": ("@>", None, "attributes", False, False), "q": ("ILIKE", None, "name", True, True)}),
    ("SELECT * FROM t WHERE id = ANY(:ids) AND x BETWEEN :lo AND :hi AND y IN (:y1, :y2)",
     {"ids": ("ANY", None, "id", False, False), "lo": ("BETWEEN", None, "x", False, False),
      "hi": ("BETWEEN", None, "x", False, False), "y1": ("IN", None, "y", False, False),
      "y2": ("IN", None, "y", False, False)}),
    ("UPDATE orders SET status = :s WHERE id = :id",
     {"s": ("SET", "orders", "status", False, False), "id": ("=", None, "id", False, False)}),
    ("INSERT INTO t (a, b) VALUES (:a, :b)",
     {"a": ("INSERT", "t", "a", False, False), "b": ("INSERT", "t", "b", False, False)}),
    ("SELECT * FROM docs WHERE search @@ plainto_tsquery('english', :q) LIMIT :n",
     {"q": ("@@", None, "search", True, False), "n": ("LIMIT", None, None, False, False)}),
    ("SELECT * FROM t WHERE :since <= placed_at", {"since": (">=", None, "placed_at", False,
                                                            False)}),
])
def test_param_uses(sql: str, expected: dict) -> None:
    uses, _ = param_uses(sql)
    got = {n: (u.op, u.relation, u.expr, u.wrapped, u.wildcards) for n, u in uses.items()}
    assert got == expected


def test_a_comparison_says_more_than_a_limit_and_an_unplaceable_one_is_absent() -> None:
    assert param_uses("SELECT * FROM t WHERE n = :n LIMIT :n")[0]["n"].op == "="
    assert "x" not in param_uses("SELECT :x + 1")[0]


# ---------------------------------------------------------------- one answer to 'see :x'

def test_the_readers_that_disagreed_on_a_quoted_colon_now_agree() -> None:
    """The advisor, the production plans and the benchmarks used to convert ``:name`` each
    their own way: two regexes made ``'see :x'`` a parameter, the scanner did not. They all
    read the pattern through the model now, and say the same."""
    from pgarch_kit.bench.sample_source import sample_source
    from pgarch_kit.lint import lint
    from pgarch_kit.production.caching import cache_plan
    sql = "SELECT id, note FROM notes WHERE note = 'see :x' AND owner_id = :owner"
    design = loads_design(f"""
name: agree
tables:
  - name: notes
    columns:
      - {{name: id, type: bigint, nullable: false}}
      - {{name: owner_id, type: bigint, nullable: false}}
      - {{name: note, type: text}}
    primary_key: [id]
queries:
  - {{name: notes_of_owner, sql: "{sql}", per_second: 50}}
""")
    # the benchmarks: what time_query sends and the sampler draws for
    assert pattern_params(sql).names == ("owner",)
    assert pattern_params(sql).dollar.endswith("note = 'see :x' AND owner_id = $1")
    assert set(param_uses(sql)[0]) == {"owner"}
    assert sample_source(sql).where == "(note = 'see :x')"
    # production: the cache key is made of the pattern's parameters
    (cached,) = cache_plan(design, patterns=["notes_of_owner"]).queries
    assert cached.params == ("owner",)
    # the advisor: the literal is a fixed condition, the parameter an equality to serve
    (b,) = query_shape(sql).blocks
    by_column = {p.ref.column: p for p in b.predicates}
    assert by_column["note"].value == "'see :x'" and not by_column["note"].params
    assert by_column["owner_id"].params == ("owner",)
    (finding,) = lint(design, select=["query-pattern-without-index"], ignore=[]).findings
    assert "equality on note, owner_id" in finding.message and ":x" not in finding.fix


# ---------------------------------------------------------------- index service

SHOP = loads_design("""
name: shop
tables:
  - name: orders
    columns:
      - {name: id, type: bigint, nullable: false}
      - {name: tenant_id, type: bigint, nullable: false}
      - {name: customer_id, type: bigint, nullable: false}
      - {name: status, type: text, nullable: false}
      - {name: total, type: numeric}
      - {name: email, type: text}
      - {name: doc, type: jsonb}
      - {name: placed_at, type: timestamptz, nullable: false}
      - {name: deleted_at, type: timestamptz}
    primary_key: [id]
    intent: {tenant_key: tenant_id}
""")
ORDERS = SHOP.table("orders")


def _ix(*keys: str | IndexKey, **kw) -> Index:
    return Index("ix", tuple(k if isinstance(k, IndexKey) else IndexKey(k) for k in keys), **kw)


def _how(index: Index, sql: str, **kw) -> str | None:
    s = serves(index, ORDERS, sql, **kw)
    return s.how if s is not None else None


def test_leading_equality_serves_and_a_later_key_alone_does_not() -> None:
    assert _how(_ix("customer_id", "status"), "SELECT id FROM orders WHERE customer_id = :c") \
        == "equality on customer_id"
    assert _how(_ix("status", "customer_id"), "SELECT id FROM orders WHERE customer_id = :c") \
        is None                                                  # wrong order


def test_equality_then_range_then_sort() -> None:
    ix = _ix("customer_id", "placed_at")
    assert _how(ix, "SELECT id FROM orders WHERE customer_id = :c AND placed_at >= :s "
                    "ORDER BY placed_at") == "equality on customer_id, then range on placed_at"
    s = serves(ix, ORDERS, "SELECT id FROM orders WHERE customer_id = :c AND placed_at >= :s "
                           "ORDER BY placed_at")
    assert s.sorted and s.matched == 2
    # a range on the first key leaves the second to be filtered, not sought
    assert serves(ix, ORDERS, "SELECT id FROM orders WHERE customer_id > :c AND "
                              "placed_at = :p").matched == 1


def test_sort_order_forward_backward_and_nulls() -> None:
    ix = _ix("customer_id", IndexKey("placed_at", descending=True))   # DESC NULLS FIRST
    base = "SELECT id FROM orders WHERE customer_id = :c ORDER BY placed_at"
    assert _how(ix, base + " DESC") == "equality on customer_id, then ORDER BY placed_at"
    assert _how(ix, base) == "equality on customer_id, then ORDER BY placed_at (read backward)"
    # ASC NULLS FIRST is neither the index's order nor its reverse: a sort step remains
    assert not serves(ix, ORDERS, base + " NULLS FIRST").ordered
    two = _ix("status", "placed_at")
    assert serves(two, ORDERS, "SELECT id FROM orders ORDER BY status DESC, placed_at DESC"
                  ).backward
    mixed = serves(two, ORDERS, "SELECT id FROM orders ORDER BY status, placed_at DESC")
    assert mixed.sort == "status" and not mixed.sorted     # an incremental sort finishes it
    # a sort key fixed by equality drops out of the ORDER BY
    assert serves(two, ORDERS, "SELECT id FROM orders WHERE status = :s "
                               "ORDER BY status DESC, placed_at").sorted


def test_partial_index_counts_only_when_the_query_implies_its_predicate() -> None:
    live = _ix("email", where="deleted_at IS NULL")
    assert _how(live, "SELECT id FROM orders WHERE email = :e AND deleted_at IS NULL") == \
        "equality on email"
    assert _how(live, "SELECT id FROM orders WHERE email = :e") is None
    open_ = _ix("placed_at", where="status = ANY (ARRAY['pending'::text, 'paid'::text])")
    assert _how(open_, "SELECT id FROM orders WHERE status IN ('paid', 'pending') "
                       "ORDER BY placed_at") == \
        "ORDER BY placed_at among rows where " + open_.where
    of_customer = _ix("customer_id", where="status IN ('pending', 'paid')")
    assert serves(of_customer, ORDERS, "SELECT id FROM orders WHERE customer_id = :c "
                                       "AND status = 'paid'") is not None  # narrows the list
    assert serves(of_customer, ORDERS, "SELECT id FROM orders WHERE customer_id = :c "
                                       "AND status = :s") is None          # any status
    not_null = _ix("email", where="email IS NOT NULL")
    assert serves(not_null, ORDERS, "SELECT id FROM orders WHERE email = :e") is not None


def test_expression_keys_match_the_same_expression() -> None:
    ix = _ix(IndexKey("lower(email)", expression=True))
    assert _how(ix, "SELECT id FROM orders WHERE lower(email) = lower(:e)") == \
        "equality on (lower(email))"
    assert _how(ix, "SELECT id FROM orders WHERE email = :e") is None
    path = _ix(IndexKey("(doc ->> 'kind'::text)", expression=True))
    assert serves(path, ORDERS, "SELECT id FROM orders WHERE doc ->> 'kind' = :k") is not None


def test_include_columns_make_it_index_only() -> None:
    sql = "SELECT status, total FROM orders WHERE customer_id = :c"
    assert serves(_ix("customer_id", include=("status", "total")), ORDERS, sql).index_only
    assert not serves(_ix("customer_id", include=("status",)), ORDERS, sql).index_only
    assert not serves(_ix("customer_id", include=("status", "total")), ORDERS,
                      "SELECT * FROM orders WHERE customer_id = :c").index_only


def test_tenant_key_alone_does_not_serve_a_narrower_query() -> None:
    ix = _ix("tenant_id", "id")
    sql = "SELECT id FROM orders WHERE tenant_id = :t AND customer_id = :c"
    assert serves(ix, ORDERS, sql) is not None
    assert serves(ix, ORDERS, sql, tenant_key="tenant_id") is None
    assert serves(_ix("tenant_id", "customer_id"), ORDERS, sql, tenant_key="tenant_id")


def test_a_join_serves_a_joined_relation_not_the_driving_one() -> None:
    design = loads_design("""
name: j
tables:
  - name: customers
    columns: [{name: id, type: bigint, nullable: false}, {name: email, type: text}]
    primary_key: [id]
  - name: orders
    columns: [{name: id, type: bigint, nullable: false}, {name: customer_id, type: bigint}]
    primary_key: [id]
""")
    orders, by_customer = design.table("orders"), _ix("customer_id")
    assert serves(by_customer, orders, "SELECT o.id FROM customers c JOIN orders o "
                                       "ON o.customer_id = c.id WHERE c.email = :e").join
    # orders drives (it is filtered itself): its customer_id index does not serve the join
    assert serves(by_customer, orders, "SELECT o.id FROM orders o JOIN customers c "
                                       "ON c.id = o.customer_id WHERE o.id = :id") is None
    # a correlated subquery compares with the outer row's value: equality
    assert serves(by_customer, orders, "SELECT c.id FROM customers c WHERE EXISTS (SELECT 1 "
                  "FROM orders o WHERE o.customer_id = c.id)").equality == ("customer_id",)


def test_other_methods_answer_their_operators() -> None:
    gin = _ix(IndexKey("doc", opclass="jsonb_path_ops"), method="gin")
    assert _how(gin, "SELECT id FROM orders WHERE doc @> :f") == "@> on doc"
    assert serves(gin, ORDERS, "SELECT id FROM orders WHERE doc ? :k") is None
    assert _how(_ix("doc", method="gin"), "SELECT id FROM orders WHERE doc ? :k") == "? on doc"
    # the value comes from a function in FROM: the index still answers the operator
    assert _how(_ix("doc", method="gin"), "SELECT o.id FROM orders o, "
                "jsonb_build_object('k', :v) AS f WHERE o.doc @> f") == "@> on doc"
    trgm = _ix(IndexKey("email", opclass="gin_trgm_ops"), method="gin")
    assert _how(trgm, "SELECT id FROM orders WHERE email ILIKE '%' || :q || '%'") == \
        "ILIKE on email"
    assert _how(_ix("email", method="hash"), "SELECT id FROM orders WHERE email = :e") == \
        "equality on email"
    assert serves(_ix("email", method="hash"), ORDERS,
                  "SELECT id FROM orders WHERE email > :e") is None

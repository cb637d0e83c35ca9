"""Parameters found in SQL, and the SQL in psycopg's and pgbench's forms (pure)."""
from __future__ import annotations

from pgarch_kit.bench.sqlparams import parse_params


def test_names_in_order_of_first_use_and_both_forms() -> None:
    p = parse_params("SELECT * FROM t WHERE a = :a AND b > :b AND c < :a;")
    assert p.names == ("a", "b")
    assert p.dollar == "SELECT * FROM t WHERE a = $1 AND b > $2 AND c < $1"
    assert p.pgbench == "SELECT * FROM t WHERE a = :a AND b > :b AND c < :a"


def test_literals_casts_comments_and_dollar_quotes_are_not_parameters() -> None:
    sql = ("SELECT x::jsonb, '10:30', \"a:b\", E'it\\'s :no', $$:no$$, $t$:no$t$ "
           "FROM t -- :comment\nWHERE y = :yes /* :block */ AND z := 1")
    p = parse_params(sql)
    assert p.names == ("yes",)
    assert "-- :comment" not in p.pgbench and ":block" not in p.pgbench
    assert p.pgbench.count("\n") == 0  # one line: pgbench reads up to the semicolon


def test_dollar_parameters_are_named_p_n() -> None:
    p = parse_params("SELECT * FROM t WHERE a = $2 AND b = $1")
    assert p.names == ("p2", "p1")
    assert p.dollar == "SELECT * FROM t WHERE a = $1 AND b = $2"
    assert p.pgbench == "SELECT * FROM t WHERE a = :p2 AND b = :p1"


def test_repeated_parameters_get_a_cast_for_pgbench() -> None:
    # pgbench numbers each use apart, so `:since + interval` would be typed interval
    p = parse_params("SELECT 1 FROM t WHERE at >= :since AND at < :since + interval '1 day' "
                     "AND id = :id")
    typed = p.pgbench_typed({"since": "timestamp with time zone", "id": "bigint"})
    assert typed.count(":since::timestamp with time zone") == 2
    assert ":id::" not in typed  # used once: left to PostgreSQL's inference

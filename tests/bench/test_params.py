"""Parameters drawn from the loaded data: real values that the pattern's query finds."""
from __future__ import annotations

from collections import Counter

import numpy as np
import psycopg
import pytest

from pgarch_kit.bench.params import ParamError, prepare_params, zipf_indexes
from pgarch_kit.model import QueryPattern
from pgarch_kit.model.query import pattern_params

from .conftest import shop


def _q(design, name):
    return next(q for q in design.queries if q.name == name)


def _hits(conn, sql: str, draws) -> list[int]:
    cur = psycopg.RawCursor(conn)
    out = []
    for params in draws:
        cur.execute(pattern_params(sql).dollar, params)
        out.append(len(cur.fetchall()))
    return out


def test_lone_integer_key_is_drawn_from_its_dense_range(loaded_shop) -> None:
    with psycopg.connect(loaded_shop.dsn, autocommit=True) as conn:
        s = prepare_params(conn, loaded_shop.design, _q(loaded_shop.design, "customer_by_id"))
        assert s.dense == ("id", 1, 2000) and "existing keys 1..2000" in s.notes[0]
        assert s.pgbench_lines() == ["\\set id random(1, 2000)"]
        assert all(h == 1 for h in _hits(conn, "SELECT 1 FROM customers WHERE id = :id",
                                         s.draw(50, seed=3)))


def test_sampled_values_exist_and_the_query_finds_them(loaded_shop) -> None:
    d = loaded_shop.design
    with psycopg.connect(loaded_shop.dsn, autocommit=True) as conn:
        s = prepare_params(conn, d, _q(d, "customer_by_email"), size=200)
        assert s.size == 200 and s.dense is None and s.types == (("email", "text"),)
        assert all(h == 1 for h in _hits(conn, _q(d, "customer_by_email").sql, s.draw(40)))
        # through a join: the e-mail of a customer who has orders, sampled via the FROM
        s = prepare_params(conn, d, _q(d, "orders_of_customer"), size=200)
        assert min(_hits(conn, _q(d, "orders_of_customer").sql, s.draw(40))) >= 1
        # a time range: a day that holds orders
        s = prepare_params(conn, d, _q(d, "revenue_since"), size=100)
        assert s.types == (("since", "timestamp with time zone"),)
        cur = psycopg.RawCursor(conn)
        for (since,) in s.draw(10):
            cur.execute("SELECT count(*) FROM orders WHERE placed_at >= $1 "
                        "AND placed_at < $1 + interval '1 day'", [since])
            assert cur.fetchone()[0] >= 1


def test_same_seed_same_values_and_kept_table_matches(loaded_shop) -> None:
    d = loaded_shop.design
    with psycopg.connect(loaded_shop.dsn, autocommit=True) as conn:
        a = prepare_params(conn, d, _q(d, "customer_by_email"), size=50, seed=4)
        b = prepare_params(conn, d, _q(d, "customer_by_email"), size=50, seed=4, keep=True)
        assert a.rows == b.rows and a.draw(20, 9) == b.draw(20, 9)
        kept = conn.execute("SELECT email FROM pgarch_bench.q_customer_by_email "
                            "ORDER BY pgarch_n").fetchall()
        assert [r[0] for r in kept] == [r[0] for r in b.rows]
        assert "pgarch_bench.q_customer_by_email WHERE pgarch_n = :pgarch_n \\gset" \
            in b.pgbench_lines()[1]


def test_param_sources_and_values_override_inference(loaded_shop) -> None:
    d = loaded_shop.design
    q = QueryPattern("limited", "SELECT id FROM orders WHERE customer_id = :c LIMIT :n",
                     param_sources=(("c", "orders.customer_id"), ("n", ("5", "10"))))
    with psycopg.connect(loaded_shop.dsn, autocommit=True) as conn:
        s = prepare_params(conn, d, q, size=30)
        assert s.notes == ("c: sampled from orders.customer_id", "n: one of ['5', '10']")
        assert {row[1] for row in s.rows} == {"5", "10"}


def test_zipf_skew_makes_hot_keys(loaded_shop) -> None:
    d = shop(**{"per_second: 100}": "per_second: 100, skew: zipf 1.5}"})
    with psycopg.connect(loaded_shop.dsn, autocommit=True) as conn:
        s = prepare_params(conn, d, _q(d, "customer_by_id"))
    assert s.pgbench_lines() == ["\\set id random_zipfian(1, 2000, 1.5)"]
    counts = Counter(int(p[0]) for p in s.draw(5000, seed=1))
    # P(1) for Zipf(1.5) over 2000 keys is 1/H(2000, 1.5) ~ 0.39
    assert 0.35 < counts[1] / 5000 < 0.43 and counts[1] > counts[2] > counts[10]


def test_zipf_indexes_match_the_distribution() -> None:
    rng = np.random.default_rng(0)
    for n in (100, 3_000_000):  # exact head, and a continuous tail past a million
        k = zipf_indexes(n, 40000, 1.2, rng)
        assert k.min() >= 1 and k.max() <= n
        h = float(np.sum(np.arange(1, n + 1, dtype=float) ** -1.2))
        for key in (1, 2, 10):
            assert abs((k == key).mean() - key ** -1.2 / h) < 0.01
        if n > 1_000_000:  # the tail beyond the exact head is drawn too, in proportion
            tail = float(np.sum(np.arange(1_000_001, n + 1, dtype=float) ** -1.2)) / h
            assert abs((k > 1_000_000).mean() - tail) < 0.01


def test_unplaceable_parameter_names_the_fix(loaded_shop) -> None:
    with psycopg.connect(loaded_shop.dsn, autocommit=True) as conn:
        with pytest.raises(ParamError, match=r":x .*param_sources: \{x: table.column\}"):
            prepare_params(conn, loaded_shop.design, QueryPattern("bad", "SELECT :x + 1"))
        with pytest.raises(ParamError, match="parser rejects"):
            prepare_params(conn, loaded_shop.design,
                           QueryPattern("bad", "SELEC id FROM t WHERE x = :x"))


def test_no_rows_to_draw_from_says_load_first(fresh_db: str) -> None:
    from pgarch_kit.db import apply_sql
    from pgarch_kit.ddl import to_sql
    design = shop()
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_sql(conn, to_sql(design))
        with pytest.raises(ParamError, match="no rows to draw parameters from in customers"):
            prepare_params(conn, design, _q(design, "customer_by_email"))

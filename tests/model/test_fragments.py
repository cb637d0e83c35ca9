"""SQL fragments: what real schemas hold must stay accepted, and each kind takes exactly one
thing (the hostile forms live in tests/hostile/test_fragments.py)."""
from __future__ import annotations

import pytest

from pgarch_kit.model.fragments import KINDS, sql_problem

# (kind, text) that real schemas and the kit's own importer produce
LEGITIMATE = [
    ("expression", "nextval('public.orders_id_seq'::regclass)"),
    ("expression", "now()"),
    ("expression", "'{}'::jsonb"),
    ("expression", "(price * quantity)"),
    ("expression", "status = ANY (ARRAY['new'::text, 'paid'::text])"),
    ("expression", "VALUE ~ '^[A-Z]{2}$'"),
    ("expression", "current_setting('app.tenant_id'::text)::uuid = tenant_id"),
    ("expression", "$$it's$$ || E'\\n'"),
    ("expression", "1 -- a comment that ends with its line\n + 1"),
    ("expression", "(SELECT auth.uid()) = user_id"),
    ("type", "timestamp(3) with time zone"),
    ("type", "character varying(40)[]"),
    ("type", 'app."Status"'),
    ("type", "geometry(Point,4326)"),
    ("collation", '"C"'),
    ("collation", 'pg_catalog."default"'),
    ("opclass", "text_pattern_ops"),
    ("opclass", "public.gist_trgm_ops"),
    ("operator", "&&"),
    ("operator", "OPERATOR(pg_catalog.=)"),
    ("option", "fillfactor=90"),
    ("option", "security_barrier=true"),
    ("partition_bound", "FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')"),
    ("partition_bound", "FOR VALUES IN ('de', 'fr')"),
    ("partition_bound", "FOR VALUES WITH (modulus 4, remainder 1)"),
    ("partition_bound", "DEFAULT"),
    ("signature:function", "integer, text"),
    ("signature:function", "OUT total bigint"),
    ("signature:aggregate", "*"),
    ("signature:aggregate", "double precision ORDER BY anyelement"),
    ("view", "SELECT o.id, sum(o.total) AS total FROM orders o GROUP BY o.id"),
    ("view", "WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t) SELECT n FROM t"),
    ("view", "VALUES (1), (2)"),
    ("pattern", "SELECT * FROM orders WHERE customer_id = :customer_id LIMIT :n"),
    ("pattern", "UPDATE orders SET status = $1 WHERE id = $2;"),
    ("pattern", "WITH moved AS (DELETE FROM jobs WHERE id = :id RETURNING *) "
                "INSERT INTO done SELECT * FROM moved"),
]


@pytest.mark.parametrize(("kind", "text"), LEGITIMATE)
def test_legitimate_fragments_are_accepted(kind: str, text: str) -> None:
    assert sql_problem(kind, text) is None


ROUTINES = [
    ("function", "CREATE OR REPLACE FUNCTION public.add(a integer, b integer)\n RETURNS integer\n"
                 " LANGUAGE sql\n IMMUTABLE\nBEGIN ATOMIC\n SELECT (a + b);\n SELECT 1;\nEND\n"),
    ("function", "CREATE OR REPLACE FUNCTION public.add(a integer, b integer) RETURNS integer "
                 "LANGUAGE sql RETURN a + b"),
    ("function", "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE plpgsql AS $function$\n"
                 "BEGIN\n  -- two statements inside the body are the body's business\n"
                 "  PERFORM 1; RETURN a + b;\nEND\n$function$;\n"),
    ("procedure", "CREATE PROCEDURE public.add(a integer) LANGUAGE sql AS $$ SELECT 1 $$"),
    ("aggregate", "CREATE AGGREGATE public.add(integer) (SFUNC = int4pl, STYPE = integer)"),
]


@pytest.mark.parametrize(("kind", "text"), ROUTINES)
def test_routines_of_their_own_kind_are_accepted(kind: str, text: str) -> None:
    assert sql_problem(kind, text, schema="public", name="add") is None


def test_trigger_with_when_clause_is_accepted() -> None:
    text = ("CREATE TRIGGER stamp BEFORE UPDATE ON app.orders FOR EACH ROW "
            "WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION app.stamp()")
    assert sql_problem("trigger", text, schema="app", name="stamp", table="orders") is None
    found = sql_problem("trigger", text, schema="app", name="stamp", table="customers")
    assert found is not None and "customers" in found[0]


@pytest.mark.parametrize(("kind", "text", "said"), [
    ("expression", "1; SELECT 2", "not one SQL expression"),
    ("expression", "1 UNION SELECT 2", "around it"),
    ("expression", "1 -- NOT NULL", "comment"),
    ("expression", "", "empty"),
    ("view", "SELECT 1 INTO t", "creates a table"),
    ("pattern", "VACUUM orders", "VacuumStmt"),
    ("procedure", "CREATE FUNCTION public.add() RETURNS int LANGUAGE sql RETURN 1",
     "CREATE FUNCTION, not one CREATE PROCEDURE"),
    ("aggregate", "CREATE FUNCTION public.add() RETURNS int LANGUAGE sql RETURN 1",
     "not one CREATE AGGREGATE"),
    ("function", "CREATE FUNCTION app.add() RETURNS int LANGUAGE sql RETURN 1", "app.add"),
])
def test_each_problem_says_what_is_wrong_and_how_to_fix_it(kind: str, text: str,
                                                           said: str) -> None:
    found = sql_problem(kind, text, schema="public", name="add")
    assert found is not None
    message, fix = found
    assert said in message and fix


def test_every_kind_has_a_check() -> None:
    for kind in KINDS:
        assert sql_problem(kind, "") is not None, kind


def test_parses_are_cached() -> None:
    """The studio re-validates on every keystroke: an unchanged fragment is not re-parsed."""
    from pgarch_kit.model.fragments import _text_problem
    text = "lower(email) /* cached */"
    sql_problem("expression", text)
    before = _text_problem.cache_info().hits
    sql_problem("expression", text)
    assert _text_problem.cache_info().hits == before + 1


def test_text_of_the_wrong_type_is_a_problem_not_a_crash() -> None:
    found = sql_problem("expression", ["now()"])
    assert found is not None and "expected SQL text" in found[0]

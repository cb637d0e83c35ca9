"""The generated COPY text is accepted by a real PostgreSQL with every constraint in force.

This is the loader's recipe in miniature (the real loader lives in ``db/``): apply the DDL,
disable user triggers (an audit trigger would add rows of its own), COPY every table in plan
order, apply the deferred foreign keys, reset identity sequences.
"""
from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from pgarch_kit.datagen import batches, plan, update_batches
from pgarch_kit.db.apply import apply_sql
from pgarch_kit.ddl import to_sql

from .conftest import SAMPLES, small_plan


def _table(plan, name):
    t = plan.tables[name].table
    return sql.Identifier(t.schema, t.name)


def _copy_tables(conn, data_plan, batch_rows: int = 50_000) -> None:
    """COPY every table of the plan, in plan order, with the design's constraints in force."""
    for t in data_plan.order:
        cols = sql.SQL(", ").join(map(sql.Identifier, data_plan.copy_columns(t)))
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(_table(data_plan, t), cols)
        with conn.cursor() as cur, cur.copy(stmt) as copy:
            for chunk in batches(data_plan, t, batch_rows=batch_rows):
                copy.write(chunk)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_data_loads_with_constraints(fresh_db: str, name: str) -> None:
    data_plan = small_plan(name)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_sql(conn, to_sql(data_plan.design), source=name)
        for t in data_plan.order:
            conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(
                _table(data_plan, t)))
        _copy_tables(conn, data_plan, batch_rows=2000)
        for upd in data_plan.updates:
            raise AssertionError(f"sample designs have no cycles: {upd}")
        for t in data_plan.order:
            count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
                _table(data_plan, t))).fetchone()[0]
            assert count == data_plan.rows(t)
            for col in data_plan.sequence_columns(t):
                conn.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                             (f"{data_plan.tables[t].table.schema}.{t}", col,
                              data_plan.rows(t)))


def test_cycle_with_deferred_update_loads(fresh_db: str) -> None:
    from .test_plan import _shop
    data_plan = plan(_shop(), seed=2)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_sql(conn, to_sql(data_plan.design), source="cycle")
        _copy_tables(conn, data_plan)
        for upd in data_plan.updates:
            keys = [sql.Identifier(c) for c in upd.key_columns]
            vals = [sql.Identifier(c) for c in upd.columns]
            conn.execute(sql.SQL("CREATE TEMP TABLE tmp AS SELECT {} FROM {} LIMIT 0").format(
                sql.SQL(", ").join(keys + vals), _table(data_plan, upd.table)))
            with conn.cursor() as cur, cur.copy("COPY tmp FROM STDIN") as copy:
                for chunk in update_batches(data_plan, upd):
                    copy.write(chunk)
            conn.execute(sql.SQL("UPDATE {t} SET ({v}) = (SELECT {tv} FROM tmp WHERE {on})"
                                 " WHERE EXISTS (SELECT FROM tmp WHERE {on})").format(
                t=_table(data_plan, upd.table), v=sql.SQL(", ").join(vals),
                tv=sql.SQL(", ").join(sql.SQL("tmp.{}").format(v) for v in vals),
                on=sql.SQL(" AND ").join(sql.SQL("tmp.{k} = {t}.{k}").format(
                    k=k, t=sql.Identifier(upd.table)) for k in keys)))
            filled = conn.execute(sql.SQL("SELECT count({}) FROM {}").format(
                vals[0], _table(data_plan, upd.table))).fetchone()[0]
            assert filled > 0


def test_corpus_shapes_load(fresh_db: str) -> None:
    from .test_shapes import DESIGN
    data_plan = plan(DESIGN, rows={"films": 30, "tags": 4, "film_tags": 500, "lock": 5},
                     seed=4)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_sql(conn, to_sql(DESIGN), source="shapes")
        _copy_tables(conn, data_plan)

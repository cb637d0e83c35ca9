"""Validation refuses a foreign key between two types exactly when PostgreSQL does.

A key from ``integer`` to ``bigint`` (common in Rails apps) is accepted by the server: it is
advice (the advisor's fk-type-mismatch), not an invalid design. The server is the judge here:
each pair is tried on a real database and validation must agree with it.
"""
from __future__ import annotations

import itertools

import psycopg

from pgarch_kit.lint import lint
from pgarch_kit.model import Column, Design, ForeignKey, PrimaryKey, Table
from pgarch_kit.model.validate import validate

TYPES = ("smallint", "integer", "bigint", "numeric", "real", "double precision", "text",
         "character varying(20)", "character(4)", "uuid", "date",
         "timestamp with time zone", "boolean", "integer[]", "bigint[]")


def _design(child: str, parent: str) -> Design:
    return Design(name="fk_types", tables=(
        Table("parent", (Column("k", parent, nullable=False),), primary_key=PrimaryKey(("k",))),
        Table("child", (Column("k", child),),
              foreign_keys=(ForeignKey(("k",), "parent", ("k",)),)),
    ))


def test_validation_agrees_with_the_server(fresh_db: str) -> None:
    verdicts = []
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for child, parent in itertools.product(TYPES, TYPES):
            try:
                with conn.transaction(force_rollback=True):
                    conn.execute(f"CREATE TABLE parent (k {parent} PRIMARY KEY)")
                    conn.execute(f"CREATE TABLE child (k {child} REFERENCES parent)")
                server_ok = True
            except psycopg.errors.DatatypeMismatch:
                server_ok = False
            problems = [p for p in validate(_design(child, parent)) if "foreign_keys" in p.path]
            verdicts.append((child, parent, server_ok, not problems))
    wrong = [v for v in verdicts if v[2] != v[3]]
    assert not wrong, f"(child, parent, server accepts, validation accepts): {wrong}"
    # the matrix has both outcomes, so the comparison cannot pass vacuously
    assert {v[2] for v in verdicts} == {True, False}


def test_an_accepted_mismatch_is_advice() -> None:
    design = _design("integer", "bigint")
    assert validate(design) == []
    assert any(f.rule == "fk-type-mismatch" for f in lint(design))

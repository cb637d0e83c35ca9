"""Grants, owners and default privileges from untrusted files: the kit keeps and applies them
only for the design's own NOLOGIN roles. A schema file cannot make the design grant to a
superuser, hand objects to one, or name the kit's own roles; a design file cannot make a load
grant to a superuser or a login role that exists on the server."""
from __future__ import annotations

import textwrap

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from pgarch_kit.db.deploy import apply_design
from pgarch_kit.db.importer import import_schema
from pgarch_kit.db.load import load
from pgarch_kit.db.sandbox import database_exists, sandbox_name
from pgarch_kit.errors import UnsafeOperationError
from pgarch_kit.model import Column, Design, Grant, Owner, PrimaryKey, Table
from pgarch_kit.model.validate import validate

BASE = "CREATE TABLE account (id bigint PRIMARY KEY, email text NOT NULL);\n"


def test_an_import_keeps_privileges_for_the_designs_roles_only(pg_dsn: str,
                                                                unchanged_server) -> None:
    sql = BASE + textwrap.dedent("""\
        CREATE ROLE intruder SUPERUSER;
        CREATE ROLE kinds_h_app;
        CREATE ROLE kinds_h_owner;
        CREATE FUNCTION steal() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
        ALTER FUNCTION steal() OWNER TO postgres;
        ALTER TABLE account OWNER TO intruder;
        GRANT SELECT, UPDATE ON account TO postgres, intruder, kinds_h_app;
        ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT ALL ON TABLES TO kinds_h_app;
        GRANT CONNECT ON DATABASE postgres TO kinds_h_app;
        GRANT SELECT ON account TO pgarch_sandbox_owner;
        ALTER TABLE account OWNER TO kinds_h_owner;
        """)
    result = import_schema(sql, name="privileges", dsn=pg_dsn)
    assert result.refused == (), result.report()
    d = result.design
    # the superuser the script declares, the server's superuser and the kit's own role: gone
    assert d.roles == ("kinds_h_app", "kinds_h_owner")
    assert [(g.kind, g.name, g.grantee, g.privileges) for g in d.grants] == [
        ("table", "account", "kinds_h_app", ("SELECT", "UPDATE"))]
    assert [(o.kind, o.name, o.role) for o in d.owners] == [("table", "account",
                                                             "kinds_h_owner")]
    assert d.default_privileges == ()
    notes = {s.line: s.reason for s in result.notes}
    assert "postgres" in notes[6] and "intruder" in notes[7]
    assert "'postgres', 'intruder'" in notes[8] and "the rest is" in notes[8]
    assert "postgres" in notes[9] and "server's" in notes[10]
    assert "pgarch_sandbox_owner" in notes[11] and 12 not in notes
    assert validate(d) == []
    unchanged_server()  # no intruder, no placeholder left behind


def _design(role: str, **kw: object) -> Design:
    table = Table("account", (Column("id", "bigint", False),), primary_key=PrimaryKey(("id",)))
    return Design("kinds_hostile_grants", roles=(role,), tables=(table,), **kw)  # type: ignore


def test_a_design_cannot_grant_to_a_superuser_or_a_login_role(pg_dsn: str) -> None:
    for role in ("postgres", "kinds_h_login"):
        design = _design(role, grants=(Grant("table", "account", role, ("SELECT",)),))
        if role != "postgres":
            with psycopg.connect(make_conninfo(pg_dsn, dbname="postgres"),
                                 autocommit=True) as conn:
                conn.execute(f"CREATE ROLE {role} LOGIN")
        try:
            with pytest.raises(UnsafeOperationError, match=role):
                load(design, dsn=None, rows={"account": 10}, progress=False)
            with pytest.raises(UnsafeOperationError, match=role):
                apply_design(design, dsn=pg_dsn)
            # refused before anything was made
            assert not database_exists(sandbox_name(design.name), dsn=pg_dsn)
        finally:
            if role != "postgres":
                with psycopg.connect(make_conninfo(pg_dsn, dbname="postgres"),
                                     autocommit=True) as conn:
                    conn.execute(f"DROP ROLE {role}")


def test_grants_and_owners_name_declared_roles_only() -> None:
    design = _design("app", grants=(Grant("table", "account", "stranger", ("SELECT",)),),
                     owners=(Owner("table", "account", "boss"),))
    found = {(p.path, p.message) for p in validate(design)}
    assert ("grants[0]", "role 'stranger' is not one of the design's roles") in found
    assert ("owners[0]", "role 'boss' is not one of the design's roles") in found
    reserved = validate(_design("pgarch_runner"))
    assert [p.path for p in reserved] == ["roles[0]"] and "reserved" in reserved[0].message


def test_a_load_grants_to_design_roles_and_keeps_the_runner_owner(pg_dsn: str) -> None:
    design = _design("kinds_h_reader",
                     grants=(Grant("table", "account", "kinds_h_reader", ("SELECT",)),),
                     owners=(Owner("table", "account", "kinds_h_reader"),))
    from pgarch_kit.db import drop_sandbox
    result = load(design, rows={"account": 20}, progress=False)
    try:
        with psycopg.connect(result.dsn) as conn:
            owner, can_read = conn.execute(
                "SELECT pg_get_userbyid(relowner), has_table_privilege('kinds_h_reader', oid,"
                " 'SELECT') FROM pg_class WHERE relname = 'account'").fetchone()
    finally:
        drop_sandbox(result.database)
    # the runner that loaded and measures the sandbox keeps owning it (ownership is left out)
    assert (owner, can_read) == ("pgarch_runner", True)

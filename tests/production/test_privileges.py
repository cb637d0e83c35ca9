"""Least privilege with real login roles; pgcrypto where the server has it (PostgreSQL 15)."""
from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.bench.privileges import privilege_matrix
from pgarch_kit.db import apply_sql, drop_sandbox
from pgarch_kit.ddl import to_sql
from pgarch_kit.model.serde import load_design, loads_design
from pgarch_kit.production import privacy_plan
from pgarch_kit.production.privileges import privilege_plan

ROOT = Path(__file__).resolve().parents[2]


def test_every_role_can_do_what_it_should_and_nothing_more(pg_dsn: str) -> None:
    design = privacy_plan(load_design(ROOT / "data" / "designs" / "ecommerce.yaml")).design
    design = replace(design, name=f"test_priv_{secrets.token_hex(3)}")
    plan = privilege_plan(design, prefix=f"t{secrets.token_hex(3)}")
    assert ("customers", "email") in plan.sensitive
    try:
        matrix = privilege_matrix(design, plan)
    finally:
        drop_sandbox(design.name, dsn=pg_dsn)
    assert matrix.ok, str(matrix)
    cells = matrix.cells
    assert cells[("app", "create a table")][1] is False
    assert "permission denied" in cells[("app", "create a table")][2]
    assert cells[("readonly", "read customers.email (sensitive)")][1] is False
    assert cells[("app", "read customers.email (sensitive)")][1] is True
    assert cells[("readonly", "read customers.created_at")][1] is True
    assert "no pgcrypto" in matrix.encryption or "pgcrypto is available" in matrix.encryption
    with psycopg.connect(pg_dsn) as conn:  # the roles were dropped again
        left = conn.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE %s",
                            (plan.prefix + "%",)).fetchone()[0]
    assert left == 0


def test_grants_apply_on_both_servers(fresh_db_any: str) -> None:
    design = load_design(ROOT / "data" / "designs" / "saas.yaml")
    plan = privilege_plan(design, prefix=f"t{secrets.token_hex(3)}")
    with psycopg.connect(fresh_db_any, autocommit=True) as conn:
        apply_sql(conn, to_sql(design, server_version=conn.info.server_version))
        try:
            for statement in plan.statements:
                conn.execute(statement)
            owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'tasks'"
                                 ).fetchone()[0]
            assert owner == plan.owner
        finally:
            for role in (plan.app, plan.readonly, plan.migrator, plan.owner):
                conn.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
                conn.execute(f"DROP OWNED BY {role}")
                conn.execute(f"DROP ROLE {role}")


@pytest.mark.pg15
def test_pgcrypto_encrypts_a_sensitive_column_on_postgresql_15(pg15_dsn: str) -> None:
    from pgarch_kit.db import create_sandbox, server_dsn
    design = loads_design("""
name: hr
tables:
  - name: employees
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: ssn, type: text}
    primary_key: [id]
""")
    plan = privilege_plan(design, prefix="hr")
    assert plan.encrypt == [("employees", "ssn")]
    db = create_sandbox(f"test_crypto_{secrets.token_hex(3)}", dsn=pg15_dsn)
    with psycopg.connect(server_dsn(pg15_dsn, db), autocommit=True) as conn:
        assert conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto'"
                            ).fetchone(), "Debian's PostgreSQL 15 ships pgcrypto"
        assert "pgcrypto is available" in plan.encryption_advice(True)
        apply_sql(conn, to_sql(design, server_version=conn.info.server_version))
        conn.execute("INSERT INTO employees (ssn) VALUES ('123-45-6789')")
        conn.execute("SET app.crypt_key = 'k3y'")
        for statement in plan.encryption_sql("employees", "ssn").splitlines():
            if not statement.startswith("--"):
                conn.execute(statement)
        raw, plain = conn.execute(
            "SELECT ssn_encrypted, pgp_sym_decrypt(ssn_encrypted, current_setting("
            "'app.crypt_key')) FROM employees").fetchone()
        assert plain == "123-45-6789" and b"123-45-6789" not in bytes(raw)
        conn.execute("SET app.crypt_key = 'wrong'")
        with pytest.raises(psycopg.errors.ExternalRoutineInvocationException):
            conn.execute("SELECT pgp_sym_decrypt(ssn_encrypted, current_setting("
                         "'app.crypt_key')) FROM employees")

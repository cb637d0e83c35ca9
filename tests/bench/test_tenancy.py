"""Tenant isolation on a real server, as the application's role: the saas sample's policies
hold in every cell of the matrix, and a broken policy is caught."""
from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import pytest

from pgarch_kit.bench.tenancy import CHECKS, isolation_matrix
from pgarch_kit.db import drop_sandbox
from pgarch_kit.model.serde import load_design
from pgarch_kit.scale.tenancy import tenancy_plan

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def saas(pg_dsn: str):
    design = load_design(ROOT / "data" / "designs" / "saas.yaml")
    design = replace(design, name=f"test_rls_{secrets.token_hex(3)}")
    yield design
    drop_sandbox(design.name, dsn=pg_dsn)


def test_every_tenant_table_is_isolated(saas) -> None:
    plan = tenancy_plan(saas)
    assert plan.keys == {"tenants": "id", "users": "tenant_id", "projects": "tenant_id",
                         "tasks": "tenant_id"}
    assert all(t.rls_forced for t in plan.design.tables if t.name in plan.keys)
    matrix = isolation_matrix(plan, scale=0.01)
    assert set(matrix.cells) == set(plan.keys)
    assert all(set(row) == set(CHECKS) for row in matrix.cells.values())
    assert matrix.ok, str(matrix)
    # the refusals are the policies', and the controls really saw rows
    assert "row-level security" in matrix.cells["tasks"]["insert other"][1]
    assert "row-level security" in matrix.cells["tasks"]["move own to other"][1]
    assert matrix.cells["tasks"]["select own"][1] != "0 rows"
    assert matrix.superuser_sees_other > 0  # as postgres the same rows are visible
    assert "Tenant isolation matrix" in matrix._repr_html_()


def test_a_leaky_policy_is_caught(saas) -> None:
    plan = tenancy_plan(saas)
    tables = []
    for t in plan.design.tables:
        if t.name == "tasks":  # a policy that lets every row through, and checks no writes
            t = replace(t, policies=tuple(replace(p, using="true", with_check=None)
                                          for p in t.policies))
        tables.append(t)
    plan.design = replace(plan.design, tables=tuple(tables))
    matrix = isolation_matrix(plan, scale=0.01)
    assert not matrix.ok
    failed = {f.split(":")[1].strip() for f in matrix.failures() if f.startswith("tasks")}
    assert {"select other", "update other", "delete other", "move own to other"} <= failed
    assert all(not f.startswith(("users", "projects", "tenants")) for f in matrix.failures())


def test_no_tenancy_key_is_said() -> None:
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    plan = tenancy_plan(design)
    assert plan.keys == {} and "no tenancy key" in str(plan)
    with pytest.raises(ValueError, match="no tenancy key"):
        isolation_matrix(plan)


def test_tenancy_ddl_and_grants_apply(fresh_db_any: str) -> None:
    import psycopg

    from pgarch_kit.db import apply_sql
    from pgarch_kit.ddl import to_sql
    plan = tenancy_plan(load_design(ROOT / "data" / "designs" / "saas.yaml"))
    with psycopg.connect(fresh_db_any, autocommit=True) as conn:
        apply_sql(conn, to_sql(plan.design, server_version=conn.info.server_version))
        for statement in plan.grants_sql().splitlines():
            conn.execute(statement)
        forced = conn.execute("SELECT count(*) FROM pg_class WHERE relrowsecurity AND "
                              "relforcerowsecurity AND relname IN ('tenants', 'users', "
                              "'projects', 'tasks')").fetchone()[0]
        checks = conn.execute("SELECT count(*) FROM pg_policies WHERE with_check IS NOT NULL "
                              "AND policyname = 'tenant_isolation'").fetchone()[0]
    assert forced == 4 and checks == 4

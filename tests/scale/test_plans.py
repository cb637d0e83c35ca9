"""Sharding proposals, the runbook and the whole scale plan (pure)."""
from __future__ import annotations

from pathlib import Path

from pgarch_kit.lint import lint
from pgarch_kit.model.serde import load_design
from pgarch_kit.scale import Machine, runbook, scale_plan, sharding_plan

ROOT = Path(__file__).resolve().parents[2]


def _design(name: str):
    return load_design(ROOT / "data" / "designs" / f"{name}.yaml")


def test_sharding_by_tenant_key_is_ready_for_citus() -> None:
    plan = sharding_plan(_design("saas"))
    assert plan.distributed == {"tenants": "id", "users": "tenant_id",
                                "projects": "tenant_id", "tasks": "tenant_id"}
    assert "SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'tenants');" \
        in plan.sql()
    findings = lint(plan.design, select=["citus-distribution-key-missing"]).findings
    assert not findings  # the sample keeps tenant_id in every key and foreign key


def test_sharding_without_tenant_key_finds_the_root_and_the_blockers() -> None:
    plan = sharding_plan(_design("ecommerce"))
    assert plan.root == "orders" and plan.distributed["order_items"] == "order_id"
    assert {"categories", "products", "customers"} <= set(plan.reference)
    sql = plan.sql()
    assert sql.index("create_reference_table") < sql.index("create_distributed_table")
    findings = lint(plan.design, select=["citus-distribution-key-missing"]).findings
    assert {f.table for f in findings} == {"payments"}  # PK (id) and UNIQUE (provider_ref)


def test_runbook_is_sized_to_the_design() -> None:
    book = runbook(_design("timeseries"), size_bytes=200 * 1024 ** 3)
    text = book.markdown()
    assert "wal_keep_size" in text and "recovery_target_time" in text
    assert "pg_stat_replication" in text and "alert when" in text
    assert "route to replicas: daily_chart" in text  # not critical: may read a replica
    assert "keep on the primary: latest_readings_of_device" in text


def test_whole_plan_orders_now_before_later() -> None:
    plan = scale_plan(_design("saas"), Machine(32, 8))
    now, later = plan.must_now(), plan.later()
    assert any("row-level security on 4 tenant tables" in x for x in now)
    assert any(x.startswith("PgBouncer in transaction mode") for x in now)
    assert any("Citus" in x for x in later)
    data = plan.to_dict()
    assert data["tenancy"]["tasks"] == "tenant_id"
    assert data["capacity"]["10x"]["total_bytes"] > data["capacity"]["horizon"]["total_bytes"] \
        > data["capacity"]["now"]["total_bytes"]


def test_a_sql_import_has_unknown_volumes_and_no_must_have_settings(pg_dsn: str) -> None:
    """A schema imported from SQL states no volumes: `pgarch plan` says so and what would size
    it, and its must-haves hold no setting (base: shared_buffers 6016MB was a must-have for a
    432 kB database). Stated volumes size it again: memory settings are a must-have once the
    data outgrows PostgreSQL's default 128 MB cache, and wait below it."""
    from dataclasses import replace

    from cli.test_cli import pgarch
    from corpus import REALWORLD

    from pgarch_kit.db.importer import import_schema_file
    from pgarch_kit.model import TableIntent
    from pgarch_kit.scale.plan import DEFAULT_SHARED_BUFFERS
    r = pgarch("plan", str(REALWORLD / "chinook.sql"), "--ram", "32", "--cores", "8")
    assert r.returncode == 0, r.stderr
    now = r.stdout.split("must have now:")[1].split("nice to have later:")[0]
    assert r.stdout.splitlines()[3].startswith("volumes unknown: no table states")
    assert "growth_per_month" in r.stdout and "pgarch import --dsn" in r.stdout
    for setting in ("shared_buffers", "work_mem", "max_connections", "autovacuum"):
        assert setting not in now, now
    assert "WAL archiving" in now

    design = import_schema_file(REALWORLD / "chinook.sql", dsn=pg_dsn).design
    unknown = scale_plan(design, Machine(32, 8))
    assert not unknown.volumes_known and unknown.to_dict()["volumes"]["known"] is False
    assert any(x.startswith("shared_buffers 8GB") for x in unknown.later())

    def sized(rows: int):
        return scale_plan(replace(design, tables=tuple(
            replace(t, intent=TableIntent(rows=rows)) for t in design.tables)), Machine(32, 8))
    small, big = sized(1_000), sized(2_000_000)
    assert small.capacity_horizon.total_bytes <= DEFAULT_SHARED_BUFFERS \
        < big.capacity_horizon.total_bytes
    assert small.volumes_known and small.volumes_note() is None
    assert not any("shared_buffers" in x for x in small.must_now())
    assert any("shared_buffers" in x and "still fits" in x for x in small.later())
    assert any(x.startswith("shared_buffers 8GB") for x in big.must_now())
    assert any(x.startswith("PgBouncer") for x in big.must_now())
    partly = scale_plan(replace(design, tables=(
        replace(design.tables[0], intent=TableIntent(rows=5_000_000)), *design.tables[1:])),
        Machine(32, 8))
    assert partly.volumes_known and partly.volumes_note().startswith(
        f"{len(design.tables) - 1} of {len(design.tables)} tables state no expected rows")


def test_what_a_pattern_writes_is_read_from_its_parse_not_its_first_word() -> None:
    """A data-modifying WITH starts with WITH and writes; ``SET n=n+1`` in an UPDATE is no
    session SET; a locking read cannot go to a replica; a comment naming a lock takes none."""
    from pgarch_kit.model.serde import loads_design
    from pgarch_kit.scale.pooling import session_features
    design = loads_design("""
name: queue
tables:
  - name: jobs
    columns: [{name: id, type: bigint, nullable: false}, {name: n, type: int}]
    primary_key: [id]
  - name: done
    columns: [{name: id, type: bigint, nullable: false}]
    primary_key: [id]
queries:
  - name: finish
    sql: WITH moved AS (DELETE FROM jobs WHERE id = :id RETURNING id) INSERT INTO done SELECT id FROM moved
    per_second: 100
  - {name: bump, sql: "UPDATE jobs SET n=n+1 WHERE id = :id", per_second: 10}
  - {name: claim, sql: "SELECT id FROM jobs ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"}
  - {name: peek, sql: "SELECT id FROM jobs /* not pg_advisory_lock(1) */ WHERE id = :id"}
""")
    from pgarch_kit.scale.replication import _WAL_PER_ROW
    book = runbook(design, size_bytes=1024 ** 3)
    assert "route to replicas: peek**" in book.markdown()   # not finish, not claim
    assert book.wal_per_day == int((100 + 10) * 86400 * _WAL_PER_ROW)  # both writes count
    assert session_features(design) == []

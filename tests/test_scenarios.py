"""The scenario designs workshops start from (data/designs/library, clinic, marketplace and
iot_fleet): each validates, passes the advisor without an error, loads on the embedded server
with its data verified, enforces the rule it is built to show, and runs every query pattern —
the read patterns finding rows in the generated data."""
from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pgarch_kit.bench import time_patterns
from pgarch_kit.db.load import load
from pgarch_kit.lint import lint
from pgarch_kit.model.serde import load_design
from pgarch_kit.model.validate import validate

DESIGNS = Path(__file__).resolve().parents[1] / "data" / "designs"
# Small loads keep the file fast; telemetry is capped because its intent is 60M rows.
SCENARIOS = {
    "library": {},
    "clinic": {},
    "marketplace": {},
    "iot_fleet": {"telemetry": 40_000},
}
SCALE = 0.002


def _design(name: str):
    return load_design(DESIGNS / f"{name}.yaml")


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_validates_and_has_no_advisor_error(name: str) -> None:
    design = _design(name)
    assert validate(design) == []
    errors = [f for f in lint(design) if f.severity == "error"]
    assert errors == [], "\n".join(f"{f.rule}: {f.message}" for f in errors)
    # every pattern says how often it runs, and every table what it expects to hold
    assert design.queries and all(q.per_second for q in design.queries)
    assert any(q.critical for q in design.queries)
    for t in design.tables:
        if t.partition_of is None:
            assert t.intent.rows and t.intent.growth_per_month, t.name


def _refused(dsn: str, sql: str, error: type[Exception]) -> None:
    """``sql`` fails with ``error`` (in a transaction that is rolled back either way)."""
    with psycopg.connect(dsn) as conn, pytest.raises(error):
        conn.execute(sql)


def _shows_its_rule(name: str, dsn: str) -> None:
    """The constraint the scenario is built to demonstrate holds on the loaded data."""
    if name == "library":  # a copy is on at most one open loan
        _refused(dsn, "INSERT INTO loans (copy_id, member_id, due_at) "
                      "SELECT copy_id, member_id, now() + interval '21 days' FROM loans "
                      "WHERE returned_at IS NULL LIMIT 1", psycopg.errors.UniqueViolation)
    elif name == "clinic":  # no double-booking of a practitioner, cancelled slots are free
        clash = ("INSERT INTO appointments (patient_id, practitioner_id, during, status) "
                 "SELECT patient_id, practitioner_id, during, '{}' FROM appointments "
                 "WHERE status <> 'cancelled' LIMIT 1")
        _refused(dsn, clash.format("booked"), psycopg.errors.ExclusionViolation)
        with psycopg.connect(dsn) as conn:
            assert conn.execute(clash.format("cancelled")).rowcount == 1
            conn.rollback()
    elif name == "marketplace":  # a review's seller is the order's seller
        _refused(dsn, "INSERT INTO reviews (order_id, line_no, seller_id, rating) "
                      "SELECT ol.order_id, ol.line_no, o.seller_id + 1, 5 FROM order_lines ol "
                      "JOIN orders o ON o.id = ol.order_id WHERE NOT EXISTS (SELECT 1 FROM "
                      "reviews r WHERE (r.order_id, r.line_no) = (ol.order_id, ol.line_no)) "
                      "LIMIT 1",
                 psycopg.errors.ForeignKeyViolation)
    elif name == "iot_fleet":  # no row points into another organisation; months route
        _refused(dsn, "INSERT INTO alerts (org_id, device_id, severity, kind, message) "
                      "SELECT org_id + 1, id, 'info', 'offline', 'x' FROM devices LIMIT 1",
                 psycopg.errors.ForeignKeyViolation)
        with psycopg.connect(dsn) as conn:
            part = conn.execute(
                "INSERT INTO telemetry (org_id, device_id, recorded_at, temperature_c, "
                "battery_pct, rssi_dbm) SELECT org_id, id, '2025-06-15 12:00:00.123456+00', "
                "21.5, 80, -60 FROM devices LIMIT 1 RETURNING tableoid::regclass::text"
            ).fetchone()
            assert part == ("telemetry_2025_06",)
            conn.rollback()


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_loads_verifies_and_every_pattern_runs(name: str, fresh_db_any: str) -> None:
    fresh_db = fresh_db_any  # PostgreSQL 18, and 15 where Debian's binaries are installed
    design = _design(name)
    result = load(design, dsn=fresh_db, scale=SCALE, rows=SCENARIOS[name], progress=False)
    assert result.verification is not None and result.verification.ok, str(result.verification)
    _shows_its_rule(name, fresh_db)
    timings = time_patterns(design, dsn=fresh_db, runs=8, warmup=1)
    assert [t.pattern for t in timings] == [q.name for q in design.queries]
    for t in timings:
        assert t.runs == 8 and all(ms > 0 for ms in t.client_ms), t.pattern
        if not t.writes:
            assert t.rows_returned > 0, f"{t.pattern} found no rows in the generated data"

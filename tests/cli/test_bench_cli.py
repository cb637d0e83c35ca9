"""`pgarch time` and `pgarch bench` as a user runs them, on a design seeded by `pgarch seed`."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from pgarch_kit.db import drop_sandbox

from .test_cli import pgarch

DESIGN = """name: {name}
tables:
  - name: items
    columns:
      - {{name: id, type: bigint, identity: always}}
      - {{name: sku, type: text, nullable: false}}
      - {{name: price, type: 'numeric(10,2)', nullable: false}}
    primary_key: [id]
    uniques: [{{columns: [sku]}}]
    intent: {{rows: 3000, growth_per_month: 100}}
queries:
  - {{name: item_by_id, sql: 'SELECT sku FROM items WHERE id = :id', per_second: 50}}
  - {{name: item_by_sku, sql: 'SELECT price FROM items WHERE sku = :sku', per_second: 10}}
"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, pg_dsn: str):
    name = f"test_bench_cli_{secrets.token_hex(3)}"
    path = tmp_path_factory.mktemp("bench") / "items.yaml"
    path.write_text(DESIGN.format(name=name))
    r = pgarch("seed", str(path), "--format", "json")
    assert r.returncode == 0, r.stderr
    yield path
    drop_sandbox(name, dsn=pg_dsn)


def test_time_json(seeded: Path) -> None:
    r = pgarch("time", str(seeded), "--runs", "12", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = {t["pattern"]: t for t in json.loads(r.stdout)}
    assert set(out) == {"item_by_id", "item_by_sku"}
    for t in out.values():
        assert t["runs"] == 12 and 0 < t["median_ms"] <= t["p95_ms"] <= t["p99_ms"]
        assert t["server_calls"] == 12 and t["rows_returned"] == 1.0
        assert "Index" in t["plan"]


def test_time_text_with_plan_and_adhoc_sql(seeded: Path) -> None:
    r = pgarch("time", str(seeded), "--query", "SELECT count(*) FROM items WHERE price > :p",
               "--runs", "5", "--plan")
    assert r.returncode == 0, r.stderr
    assert "adhoc: median" in r.stdout and "Seq Scan on items" in r.stdout
    assert "rows 1 est" in r.stdout or "est /" in r.stdout


def test_bench_json(seeded: Path) -> None:
    r = pgarch("bench", str(seeded), "--clients", "1,2", "--duration", "1", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [run["clients"] for run in out["runs"]] == [1, 2]
    assert all(run["tps"] > 0 and run["failed"] == 0 for run in out["runs"])
    assert out["patterns"] == {"item_by_id": 833, "item_by_sku": 167}
    assert out["pool"]["pool_size"] >= 1 and out["pool"]["target_tps"] == 60


def test_usage_errors(seeded: Path) -> None:
    r = pgarch("bench", str(seeded), "--clients", "1,x")
    assert r.returncode == 2 and "comma-separated" in r.stderr
    r = pgarch("bench", str(seeded), "--duration", "0")
    assert r.returncode == 2 and "whole seconds" in r.stderr
    r = pgarch("time", str(seeded), "--scales", "10k")
    assert r.returncode == 2 and "at least two" in r.stderr
    r = pgarch("time", str(seeded), "--try-indexes")
    assert r.returncode == 2 and "one --query" in r.stderr


def test_time_before_seeding_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "never.yaml"
    path.write_text(DESIGN.format(name=f"test_never_{secrets.token_hex(3)}"))
    r = pgarch("time", str(path))
    assert r.returncode == 1 and "pgarch seed" in r.stderr

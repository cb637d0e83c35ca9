"""A small shop design, loaded once per module into its own sandbox, for the bench tests."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pgarch_kit.model.serde import loads_design

SHOP = """
name: bench_shop
tables:
  - name: customers
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: email, type: text, nullable: false}
      - {name: country, type: text, nullable: false}
      - {name: created_at, type: timestamptz, nullable: false, default: now()}
    primary_key: [id]
    uniques: [{columns: [email]}]
    intent: {rows: 2000, growth_per_month: 100}
  - name: orders
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: customer_id, type: bigint, nullable: false}
      - {name: total, type: 'numeric(12,2)', nullable: false}
      - {name: note, type: text}
      - {name: placed_at, type: timestamptz, nullable: false, default: now()}
    primary_key: [id]
    foreign_keys:
      - {columns: [customer_id], references: {table: customers, columns: [id]}, on_delete: cascade}
    indexes:
      - {name: orders_customer_id, keys: [customer_id]}
    intent: {rows: 20000, growth_per_month: 5000}
queries:
  - {name: customer_by_id, sql: 'SELECT email FROM customers WHERE id = :id', per_second: 100}
  - {name: customer_by_email, sql: 'SELECT id FROM customers WHERE email = :email', per_second: 50}
  - name: orders_of_customer
    sql: SELECT o.id, o.total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = :email
    per_second: 20
  - name: revenue_since
    sql: SELECT sum(total) FROM orders WHERE placed_at >= :since AND placed_at < :since + interval '1 day'
    per_second: 2
"""


@dataclass(frozen=True)
class Loaded:
    design: object
    dsn: str
    dbname: str


def shop(**overrides: str):
    text = SHOP
    for old, new in overrides.items():
        text = text.replace(old, new)
    return loads_design(text)


@pytest.fixture(scope="module")
def loaded_shop(pg_dsn: str) -> Iterator[Loaded]:
    """The shop at 2,000 customers and 20,000 orders in a sandbox of its own."""
    from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
    from pgarch_kit.db.load import load
    design = shop()
    name = create_sandbox(f"pgarch_test_bench_{secrets.token_hex(3)}", dsn=pg_dsn)
    dsn = server_dsn(pg_dsn, name)
    try:
        load(design, dsn=dsn, seed=1, progress=False, verify=False)
        yield Loaded(design, dsn, name)
    finally:
        drop_sandbox(name, dsn=pg_dsn)

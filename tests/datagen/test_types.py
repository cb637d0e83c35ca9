"""A column of (nearly) every type and meaning: values parse as their type and obey checks."""
from __future__ import annotations

import ipaddress
import json
import re
import uuid
from decimal import Decimal

from pgarch_kit.datagen import batches, plan
from pgarch_kit.model import Check, Column, Design, Domain, DomainCheck, PrimaryKey, Table, Unique
from pgarch_kit.model.design import Index, IndexKey

from .conftest import parse_copy

COLUMNS = (
    Column("id", "text", False), Column("email", "text", False), Column("phone", "text"),
    Column("country", "char(2)", False), Column("city", "varchar(12)", False),
    Column("website", "text"), Column("code", "text", False), Column("pct", "percent", False),
    Column("rating", "smallint", False), Column("price", "numeric(5,2)", False),
    Column("weight", "double precision"), Column("tags", "text[]"), Column("ip", "inet"),
    Column("doc", "jsonb", False), Column("search", "tsvector"), Column("ref", "uuid"),
    Column("wait", "interval"), Column("blob", "bytea"), Column("opens", "time"),
    Column("born_on", "date"), Column("created_at", "timestamp", False),
    Column("updated_at", "timestamp", False), Column("slot", "tstzrange", False),
    Column("size", "text", False), Column("note", "varchar(5)", False),
)
TABLE = Table("things", COLUMNS, primary_key=PrimaryKey(("id",)),
              uniques=(Unique(("code",)),),
              indexes=(Index("things_email", (IndexKey("lower(email)", expression=True),),
                             unique=True),),
              checks=(Check("(code ~ '^[A-Z]{2}[0-9]{4}$'::text)"),
                      Check("((rating >= 1) AND (rating <= 5))"),
                      Check("(price <= (100)::numeric)"),
                      Check("(size = ANY (ARRAY['S'::text, 'M'::text, 'L'::text]))"),
                      Check("(updated_at >= created_at)"),
                      Check("(length(note) >= 3)")))
DESIGN = Design("types", domains=(Domain("percent", "integer", checks=(
    DomainCheck("((VALUE >= 0) AND (VALUE <= 100))"),)),), tables=(TABLE,))


def test_every_type_renders_valid_text():
    p = plan(DESIGN, rows={"things": 3000}, seed=5)
    assert p.warnings == []
    rows = parse_copy(b"".join(batches(p, "things", batch_rows=700)), p.copy_columns("things"))
    assert len({r["id"] for r in rows}) == len({r["code"] for r in rows}) == 3000
    assert len({r["email"].lower() for r in rows}) == 3000
    for r in rows:
        assert re.fullmatch(r"[A-Z]{2}", r["country"]) and len(r["city"]) <= 12
        assert re.fullmatch(r"[A-Z]{2}[0-9]{4}", r["code"])
        assert 0 <= int(r["pct"]) <= 100 and 1 <= int(r["rating"]) <= 5
        assert 0 <= Decimal(r["price"]) <= 100 and r["size"] in ("S", "M", "L")
        assert 3 <= len(r["note"]) <= 5
        assert isinstance(json.loads(r["doc"]), dict)
        assert r["updated_at"] >= r["created_at"]
        assert r["slot"].startswith("[") and r["slot"].endswith(")")
        if r["ip"]:
            ipaddress.ip_address(r["ip"])
        if r["ref"]:
            uuid.UUID(r["ref"])
        if r["tags"]:
            assert r["tags"].startswith("{") and r["tags"].endswith("}")
        if r["search"]:
            assert re.fullmatch(r"('\w+':\d+ ?)+", r["search"])
        if r["blob"]:
            assert re.fullmatch(r"\\x[0-9a-f]+", r["blob"])
        if r["opens"]:
            assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{6}", r["opens"])
        if r["website"]:
            assert r["website"].startswith("https://")

"""Helpers for the datagen tests: sample designs planned small, COPY text parsed back."""
from __future__ import annotations

from pathlib import Path

import pytest

from pgarch_kit.datagen import batches, plan
from pgarch_kit.model.serde import load_design

DESIGNS = Path(__file__).resolve().parents[2] / "data" / "designs"
SAMPLES = sorted(p.stem for p in DESIGNS.glob("*.yaml"))
SMALL = {"categories": 40, "metrics": 4000, "customers": 300, "products": 120, "events": 200,
         "bookings": 100, "tenants": 5}


def unescape(field: str) -> str | None:
    if field == "\\N":
        return None
    out, i = [], 0
    while i < len(field):
        ch = field[i]
        if ch == "\\" and i + 1 < len(field):
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(field[i + 1],
                                                                        field[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse_copy(data: bytes, columns: tuple[str, ...]) -> list[dict[str, str | None]]:
    rows = []
    for line in data.decode().split("\n")[:-1]:
        fields = line.split("\t")
        assert len(fields) == len(columns), line
        rows.append(dict(zip(columns, (unescape(f) for f in fields))))
    return rows


def small_plan(name: str, seed: int = 0):
    return plan(load_design(DESIGNS / f"{name}.yaml"), scale=0.002, rows=SMALL, seed=seed)


def generate(data_plan, batch_rows: int = 997) -> dict[str, bytes]:
    return {t: b"".join(batches(data_plan, t, batch_rows=batch_rows)) for t in data_plan.order}


@pytest.fixture(scope="module", params=SAMPLES)
def sample(request):
    """(design name, plan, {table: parsed rows}, {table: bytes}) for each sample design."""
    data_plan = small_plan(request.param)
    raw = generate(data_plan)
    parsed = {t: parse_copy(b, data_plan.copy_columns(t)) for t, b in raw.items()}
    return request.param, data_plan, parsed, raw

"""Sandbox partitions for partitioned tables that have none yet.

Applications such as Hatchet or Trigger.dev create partitions at run time (a function, a
cron job), so the schema alone has parents that accept no row. For a load the plan adds
partitions that cover everything it generates: a RANGE on one time column gets one partition
per quarter of the plan's time range plus a DEFAULT partition (times that follow another
column may fall later); any other RANGE or LIST gets a DEFAULT partition; HASH gets
``MODULUS 4`` partitions. They exist in the sandbox only — the plan lists them, so the
summary says what was added and why.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from ..model.design import Design
from ._columns import resolve

__all__ = ["SandboxPartition", "existing_bounds", "sandbox_partitions"]

_TIMES = {"date", "timestamp without time zone", "timestamp with time zone"}
_HASH_MODULUS = 4
_MAX_RANGES = 12


@dataclass(frozen=True)
class SandboxPartition:
    schema: str
    parent: str
    name: str
    bound: str          # the text after PARTITION OF parent: "DEFAULT", "FOR VALUES …"
    reason: str


def _name(parent: str, suffix: str) -> str:
    base = f"{parent}_pgarch_{suffix}"
    if len(base.encode()) <= 63:
        return base
    digest = hashlib.blake2b(parent.encode(), digest_size=3).hexdigest()
    return f"{parent.encode()[:36].decode(errors='ignore')}_{digest}_pgarch_{suffix}"


def _stamp(micros: int, date: bool, zone: bool) -> str:
    day = np.datetime64(micros, "us")
    if date:
        return str(day.astype("datetime64[D]"))
    return str(day).replace("T", " ") + ("+00" if zone else "")


def sandbox_partitions(design: Design, time_range: tuple[int, int]) -> list[SandboxPartition]:
    """The partitions a load adds: one set per partitioned table that has no partition."""
    has_children = {(t.schema, t.partition_of) for t in design.tables if t.partition_of}
    out: list[SandboxPartition] = []
    for t in design.tables:
        pb = t.partition_by
        if pb is None or (t.schema, t.name) in has_children:
            continue
        why = "the design has no partition of this table (the application makes them)"
        if pb.strategy == "hash":
            out += [SandboxPartition(t.schema, t.name, _name(t.name, f"h{r}"),
                                     f"FOR VALUES WITH (MODULUS {_HASH_MODULUS}, REMAINDER {r})",
                                     why) for r in range(_HASH_MODULUS)]
            continue
        col = t.column(pb.keys[0]) if len(pb.keys) == 1 else None
        base = resolve(col.type, design).type.base if col is not None else ""
        if pb.strategy == "range" and base in _TIMES:
            start, end = time_range
            edges = np.linspace(start, end, _MAX_RANGES // 3 + 1).astype(np.int64)
            date = base == "date"
            if date:
                edges = edges - edges % 86_400_000_000
            edges = np.unique(edges)
            for k in range(len(edges) - 1):
                zone = base == "timestamp with time zone"
                lo, hi = (_stamp(int(e), date, zone) for e in edges[k:k + 2])
                out.append(SandboxPartition(
                    t.schema, t.name, _name(t.name, f"p{k}"),
                    f"FOR VALUES FROM ('{lo}') TO ('{hi}')", why + "; covers the generated "
                    "time range"))
        out.append(SandboxPartition(t.schema, t.name, _name(t.name, "default"), "DEFAULT",
                                    why + "; catches every other key"))
    return out


_IN = re.compile(r"^\s*FOR\s+VALUES\s+IN\s*\((?P<vals>.*)\)\s*$", re.I | re.S)
_FROM = re.compile(r"^\s*FOR\s+VALUES\s+FROM\s*\((?P<lo>.*?)\)\s+TO\s*\((?P<hi>.*)\)\s*$",
                   re.I | re.S)


def existing_bounds(design: Design, t) -> tuple[str | None, tuple[str, ...] | None,
                                                 str | None]:
    """For a partitioned table that has partitions and no DEFAULT one: (key column, the LIST
    values every row must take, or a CHECK-like SQL text for RANGE bounds). Rows outside
    every partition would be refused, so the plan keeps them inside."""
    pb = t.partition_by
    if pb is None or len(pb.keys) != 1 or t.column(pb.keys[0]) is None:
        return None, None, None
    children = [c for c in design.tables if c.partition_of == t.name and c.schema == t.schema]
    bounds = [(c.partition_bound or "").strip() for c in children]
    if not children or any(b.upper() == "DEFAULT" for b in bounds):
        return None, None, None
    key = pb.keys[0]
    if pb.strategy == "list":
        values: list[str] = []
        for b in bounds:
            if (m := _IN.match(b)) is None:
                return None, None, None
            values += [v.strip().split("::")[0].strip("'") for v in m["vals"].split(",")]
        return key, tuple(v for v in values if v.upper() != "NULL"), None
    if pb.strategy == "range":
        alts = []
        for b in bounds:
            if (m := _FROM.match(b)) is None:
                return None, None, None
            parts = []
            if m["lo"].strip().upper() != "MINVALUE":
                parts.append(f"{_quoted(key)} >= {m['lo'].strip()}")
            if m["hi"].strip().upper() != "MAXVALUE":
                parts.append(f"{_quoted(key)} < {m['hi'].strip()}")
            alts.append("(" + " AND ".join(parts or ["true"]) + ")")
        return key, None, " OR ".join(alts)
    return None, None, None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

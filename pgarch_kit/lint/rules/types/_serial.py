"""Which columns are serial-style: a ``nextval('seq'::regclass)`` default on a sequence the
column owns (how a real schema shows ``serial``), or a ``serial`` type in a hand-built design."""
from __future__ import annotations

import re

from pgarch_kit.model import Column, Design, Sequence, Table

__all__ = ["SERIAL_TYPES", "nextval_target", "owned_sequences", "serial_sequence"]

SERIAL_TYPES = {"smallserial": "smallint", "serial2": "smallint", "serial": "integer",
                "serial4": "integer", "bigserial": "bigint", "serial8": "bigint"}

_NEXTVAL = re.compile(r"^\s*nextval\(\s*'((?:[^']|'')+)'(?:\s*::\s*regclass)?\s*\)\s*$",
                      re.IGNORECASE)
_PART = re.compile(r'\s*(?:"((?:[^"]|"")*)"|([^."]+))\s*(?:\.|$)')


def nextval_target(default: str | None) -> tuple[str | None, str] | None:
    """(schema or None, sequence) named by a ``nextval('…'::regclass)`` default."""
    m = _NEXTVAL.match(default or "")
    if not m:
        return None
    text = m.group(1).replace("''", "'")
    parts = [u.strip().lower() if u else q.replace('""', '"')
             for q, u in _PART.findall(text)]
    parts = [p for p in parts if p] or [text]
    return (parts[-2] if len(parts) > 1 else None, parts[-1])


def owned_sequences(design: Design) -> dict[tuple[str, str, str], Sequence]:
    """(schema, table, column) → the sequence OWNED BY that column."""
    return {(s.schema, s.owned_by[0], s.owned_by[1]): s
            for s in design.sequences if s.owned_by}


def serial_sequence(table: Table, column: Column,
                    owned: dict[tuple[str, str, str], Sequence]) -> Sequence | None:
    """The owned sequence behind the column's nextval() default, if the column is serial."""
    target = nextval_target(column.default)
    if target is None:
        return None
    seq = owned.get((table.schema, table.name, column.name))
    if seq is None or seq.name != target[1] or (target[0] or table.schema) != seq.schema:
        return None
    return seq

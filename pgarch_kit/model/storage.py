"""How PostgreSQL stores a value of each type: its width and alignment (``pg_type.typlen`` and
``typalign``), or that it is variable-length (a varlena with a 1- or 4-byte header).

Shared by the advisor (column-order padding) and the capacity planner (row and index sizes);
domains resolve to their base type and enums are 4-byte, 4-aligned (an OID).
"""
from __future__ import annotations

from dataclasses import dataclass

from .design import Design
from .types import parse_type

__all__ = ["FIXED", "Storage", "storage_of"]

# (width, alignment) of the fixed-width built-in types, as pg_type records them.
FIXED: dict[str, tuple[int, int]] = {
    "bigint": (8, 8), "double precision": (8, 8), "timestamp without time zone": (8, 8),
    "timestamp with time zone": (8, 8), "time without time zone": (8, 8), "money": (8, 8),
    "pg_lsn": (8, 8), "interval": (16, 8), "point": (16, 8), "time with time zone": (12, 8),
    "box": (32, 8), "lseg": (32, 8), "line": (24, 8), "circle": (24, 8),
    "integer": (4, 4), "real": (4, 4), "date": (4, 4), "oid": (4, 4), "regclass": (4, 4),
    "regtype": (4, 4), "regproc": (4, 4), "regrole": (4, 4), "macaddr": (6, 4),
    "macaddr8": (8, 4), "smallint": (2, 2), "boolean": (1, 1), '"char"': (1, 1),
    "uuid": (16, 1), "name": (64, 1),
}
# Alignment of the variable-length types in their 4-byte-header form (a short value with a
# 1-byte header is never padded).
_VARLENA_ALIGN = {"double precision": 8, "interval": 8}


@dataclass(frozen=True)
class Storage:
    """``width`` bytes aligned to ``align``; ``width`` is None for a varlena."""

    width: int | None
    align: int
    base: str
    is_array: bool = False

    @property
    def varlena(self) -> bool:
        return self.width is None


def storage_of(type_text: str, design: Design | None = None) -> Storage | None:
    """The storage of a column type (domains and enums of ``design`` resolved); ``None`` for
    a spelling that is not a type (validation reports those)."""
    try:
        ty = parse_type(type_text)
    except (ValueError, TypeError):
        return None
    if design is not None and not ty.is_array:
        for d in design.domains:
            if ty.base in (d.name, f"{d.schema}.{d.name}"):
                inner = storage_of(d.type, design)
                return inner
        if any(ty.base in (e.name, f"{e.schema}.{e.name}") for e in design.enums):
            return Storage(4, 4, ty.base)
    if ty.is_array:
        # arrays are varlenas aligned like their element (int8[] and timestamptz[] to 8)
        element = FIXED.get(ty.base)
        return Storage(None, max(4, element[1]) if element else 4, ty.base, True)
    if ty.base in FIXED:
        width, align = FIXED[ty.base]
        return Storage(width, align, ty.base)
    return Storage(None, _VARLENA_ALIGN.get(ty.base, 4), ty.base)

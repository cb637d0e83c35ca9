"""Range values for range-typed columns: built-in (``daterange``, ``tstzrange`` …) and
user-defined ranges over any subtype the generator can order (``uuidrange`` over uuid).

Row ``i`` gets the ``i``-th slot of a sequence of consecutive, non-overlapping ranges, so an
exclusion constraint ``EXCLUDE USING gist (… WITH =, period WITH &&)`` holds whatever the
other elements are; a date range ends with its month at the latest (a slot's part, still
disjoint). A multirange column holds the row's one range.
"""
from __future__ import annotations

import numpy as np

from ._random import u64, uniform
from .copytext import render_micros, render_uuid

__all__ = ["range_text"]

_DAY = 86_400_000_000
_INTS = ("smallint", "integer", "bigint", "numeric", "real", "double precision")
_TIMES = {"date": "date", "timestamp without time zone": "timestamp",
          "timestamp with time zone": "timestamptz"}


def _join(*parts) -> np.ndarray:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return np.asarray(out)


def _ordered_uuids(idx: np.ndarray, rows: int, salt: int) -> tuple[np.ndarray, np.ndarray]:
    """Two uuids per row, increasing with the row number (uuid order is byte order)."""
    step = np.uint64((1 << 63) // max(rows, 1))
    top = idx.astype(np.uint64) * step * np.uint64(2)
    low = u64(salt, idx)
    lo = render_uuid(np.stack([top, low], axis=1))
    hi = render_uuid(np.stack([top + step, low], axis=1))
    return lo, hi


def range_text(src, idx: np.ndarray, rows: int, time_range: tuple[int, int],
               salt: int) -> np.ndarray:
    """``[lo,hi)`` text for rows ``idx`` of a range column (``src.subtype`` says of what)."""
    sub = src.subtype or {"int4range": "integer", "int8range": "bigint",
                          "numrange": "numeric", "daterange": "date",
                          "tsrange": "timestamp without time zone"}.get(
        src.time_kind, "timestamp with time zone")
    base = sub.split("(")[0]
    if base in _INTS:
        lo = idx.astype(np.int64) * 10
        lo_t, hi_t = lo.astype(np.str_), (lo + 10).astype(np.str_)
    elif base in _TIMES:
        start, end = time_range
        unit = _TIMES[base]
        if unit == "date":
            step = max((end - start) // max(rows, 1) // _DAY, 1) * _DAY
            lo = start + idx * step
            # a period ends with its month at the latest: monthly periods are common, and
            # CHECKs pin them (EXTRACT(month FROM lower(p)) = EXTRACT(month FROM upper(p) - 1))
            days = (lo // _DAY).astype("datetime64[D]")
            month_end = (days.astype("datetime64[M]") + 1).astype("datetime64[D]").astype(
                np.int64) * _DAY
            hi = np.minimum(lo + step, month_end)
        else:
            step = max((end - start) // max(rows, 1), 2)
            lo = start + idx * step
            hi = lo + 1 + (uniform(salt, idx) * (step - 1)).astype(np.int64)
        lo_t, hi_t = render_micros(lo, unit), render_micros(hi, unit)
        lo_t, hi_t = _join('"', lo_t, '"'), _join('"', hi_t, '"')
    elif base == "uuid":
        lo_t, hi_t = _ordered_uuids(idx, rows, salt)
    else:  # text-like subtypes: zero-padded row numbers sort like the numbers
        width = len(str(max(rows, 1))) + 1
        num = np.strings.zfill(idx.astype(np.str_), width)
        lo_t, hi_t = _join('"r', num, 'a"'), _join('"r', num, 'b"')
    text = _join("[", lo_t, ",", hi_t, ")")
    if src.time_kind.endswith("multirange"):
        text = _join("{", text, "}")
    return text

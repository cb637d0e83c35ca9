"""Generators for values built of other values: arrays, composite rows, pgvector vectors,
and plain dates/times inside them.

Array and composite literals quote every element (``{"a b","c"}``, ``("x",2)``), so any
element text is safe whatever it contains. A composite's time attributes are sorted within
the row, so ``(start, end)`` pairs come out in order (evaka's ``timerange``). A vector is
written through a byte matrix: one pass for any dimension, where 1536 string passes made
pgvector columns the slowest of all.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..model.types import PgType
from ._random import randint, u64, uniform
from .copytext import render_micros

__all__ = ["array_of", "composite_of", "times", "vector_of"]

Gen = Callable[[np.ndarray], np.ndarray]
_TIME_KIND = {"date": "date", "timestamp without time zone": "timestamp",
              "timestamp with time zone": "timestamptz", "time without time zone": "time",
              "time with time zone": "time"}
_START, _SPAN = 1_704_067_200_000_000, 730 * 86_400_000_000  # 2024-01-01, two years


def _quoted(items: np.ndarray) -> np.ndarray:
    esc = np.strings.replace(np.strings.replace(items, "\\", "\\\\"), '"', '\\"')
    return np.strings.add(np.strings.add('"', esc), '"')


def _join(parts: list) -> np.ndarray:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return np.asarray(out)


def array_of(element: Gen, salt: int, max_items: int = 4, min_items: int = 0) -> Gen:
    """``{…}`` literals of min_items..max_items quoted elements."""
    max_items = max(max_items, min_items)

    def gen(idx: np.ndarray) -> np.ndarray:
        count = randint(salt, idx, min_items, max_items)
        out = np.full(len(idx), "{", dtype=np.str_)
        for k in range(max_items):
            item = _quoted(np.asarray(element(idx * (max_items + 1) + k), dtype=np.str_))
            out = np.where(k < count, _join([out, "," if k else "", item]), out)
        return np.strings.add(out, "}")
    return gen


def times(typ: PgType, salt: int) -> Gen | None:
    kind = _TIME_KIND.get(typ.base)
    if kind is None:
        return None

    def gen(idx: np.ndarray) -> np.ndarray:
        span = 86_400_000_000 if kind == "time" else _SPAN
        micros = (uniform(salt, idx) * span).astype(np.int64) + (0 if kind == "time"
                                                                  else _START)
        if kind == "date":
            micros -= micros % 86_400_000_000
        return render_micros(micros, kind)
    return gen


def composite_of(attrs: list[tuple[str, PgType, Gen | None]], salt: int) -> Gen:
    """``("v1","v2",…)`` rows; time attributes increase left to right."""
    def gen(idx: np.ndarray) -> np.ndarray:
        stamps = [k for k, (_, typ, _) in enumerate(attrs) if typ.base in _TIME_KIND]
        values: dict[int, np.ndarray] = {}
        if len(stamps) > 1:  # one draw per attribute, sorted along the row
            kinds = {_TIME_KIND[attrs[k][1].base] for k in stamps}
            span = 86_400_000_000 if kinds == {"time"} else _SPAN
            base = 0 if kinds == {"time"} else _START
            draws = np.sort(np.stack([(uniform(salt + k, idx) * span).astype(np.int64)
                                      for k in stamps]), axis=0) + base
            for row, k in enumerate(stamps):
                values[k] = render_micros(draws[row], _TIME_KIND[attrs[k][1].base])
        parts: list = ["("]
        for k, (_, _, g) in enumerate(attrs):
            v = values.get(k)
            if v is None:
                v = g(idx) if g is not None else None
            parts += [("," if k else ""), _quoted(np.asarray(v, dtype=np.str_))
                      if v is not None else ""]
        parts.append(")")
        return _join(parts)
    return gen


def vector_of(dim: int, salt: int) -> Gen:
    """pgvector text ``[0.123,0.456,…]`` of ``dim`` components in [0, 1)."""
    def gen(idx: np.ndarray) -> np.ndarray:
        n = len(idx)
        rows = np.repeat(idx.astype(np.uint64), dim) * np.uint64(dim) + np.tile(
            np.arange(dim, dtype=np.uint64), n)
        milli = (u64(salt, rows) % np.uint64(1000)).astype(np.int64)
        buf = np.empty((n * dim, 6), dtype=np.uint8)
        buf[:, 0] = ord("0")
        buf[:, 1] = ord(".")
        buf[:, 2] = 48 + milli // 100
        buf[:, 3] = 48 + milli // 10 % 10
        buf[:, 4] = 48 + milli % 10
        buf[:, 5] = ord(",")
        flat = buf.reshape(n, dim * 6)
        flat[:, -1] = ord("]")
        body = np.ascontiguousarray(flat).view(f"S{dim * 6}").ravel()
        return np.strings.add("[", body.astype(f"U{dim * 6}"))
    return gen

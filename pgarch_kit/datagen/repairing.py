"""The bridge between a batch of generated rows and :mod:`.multicheck`: the columns a
repaired CHECK reads are seen typed (numbers, microseconds, booleans, text), repaired, and
written back as COPY text — only the columns a repair changed are rendered again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .copytext import render_bool, render_int, render_micros, render_scaled
from .evaluate import ColData, holds
from .multicheck import repair

if TYPE_CHECKING:
    from ._batch import _Rows

__all__ = ["allowed_parents", "repair_rows"]

_INTS = ("smallint", "integer", "bigint")
_TIMES = {"date": "date", "timestamp without time zone": "timestamp",
          "timestamp with time zone": "timestamptz", "time without time zone": "time"}
_DAY = 86_400_000_000


def _kind(typ) -> tuple[str, float]:
    if typ.is_array:
        return "text", 1.0
    if typ.base in _INTS:
        return "num", 1.0
    if typ.base == "numeric":
        scale = min(max(((*typ.params, 0, 0))[1], 0), 6) if typ.params else 2
        return "num", 10.0 ** -scale
    if typ.base in ("real", "double precision"):
        return "num", 0.001
    if typ.base in _TIMES:
        return "time", float(_DAY if typ.base == "date" else 1_000_000)
    if typ.base == "boolean":
        return "bool", 1.0
    return "text", 1.0


def _parse_times(text: np.ndarray, kind: str) -> np.ndarray:
    if kind == "time":
        parts = np.strings.partition(text, ":")
        h = parts[0].astype(np.int64)
        rest = np.strings.partition(parts[2], ":")
        return (h * 3600 + rest[0].astype(np.int64) * 60) * 1_000_000 + (
            rest[2].astype(np.float64) * 1e6).astype(np.int64)
    clean = np.strings.replace(np.strings.slice(text, 0, 26), " ", "T")
    return clean.astype("datetime64[us]").astype(np.int64)


def _typed(rows: _Rows, col: str) -> ColData:
    tp = rows.tp
    c = tp.table.column(col)
    res = tp.resolved_type(col)
    kind, unit = _kind(res)
    text, nulls = rows.values[col], rows.nulls[col]
    safe = np.asarray(text, dtype=np.str_)  # the value under a NULL is kept: it may be revealed
    if kind == "num":
        values = np.where(safe == "", "0", safe).astype(np.float64)
    elif kind == "time":
        if col in rows.micros:
            values = rows.micros[col].copy()
        else:
            filler = "00:00:00" if _TIMES[res.base] == "time" else "2024-01-01"
            values = _parse_times(np.where(safe == "", filler, safe), _TIMES[res.base])
    elif kind == "bool":
        values = safe == "t"
    else:
        values = np.asarray(text, dtype=np.str_).copy()
    choices = tuple(tp.allowed(col) or ())
    # the second pass only writes deferred keys: the rest of the row is loaded already, so
    # a repair may only leave a key NULL
    late = getattr(rows, "second_pass", False)
    src = tp.sources.get(col)
    # a foreign key NULLed by its ratio still holds a real parent's key underneath: a
    # num_nonnulls(a_id, b_id) = 1 repair may reveal it (not a deferred, one-to-one,
    # self- or group-matched key, whose hidden value may not stand)
    fk = tp.table.foreign_keys[src.fk] if src is not None and src.kind == "fk" else None
    revealable = fk is not None and src.fk not in tp.deferred and src.fk not in tp.one_to_one \
        and fk.ref_table != tp.table.name and len(fk.columns) == 1 and not late
    deferred = {k for i in tp.deferred for k in tp.table.foreign_keys[i].columns}
    return ColData(kind, values, nulls.copy(), unit=unit,
                   nullable=c is not None and col not in tp.no_null_cols
                   and (not late or col in deferred),
                   settable=col not in tp.fixed_cols and not late,
                   unique=col in tp.unique_cols,
                   choices=choices, can_unnull=revealable)


def _store(rows: _Rows, col: str, d: ColData) -> None:
    res = rows.tp.resolved_type(col)
    if d.kind == "num":
        if res.base in _INTS:
            text = render_int(np.round(d.values).astype(np.int64))
        elif res.base == "numeric":
            scale = round(-np.log10(d.unit)) if d.unit < 1 else 0
            text = render_scaled(np.round(d.values * 10 ** scale).astype(np.int64), scale)
        else:
            text = np.round(d.values, 6).astype(np.str_)
    elif d.kind == "time":
        kind = _TIMES[res.base]
        values = d.values - d.values % _DAY if kind == "date" else d.values
        rows.micros[col] = values
        text = render_micros(values, kind)
    elif d.kind == "bool":
        text = render_bool(d.values)
    else:
        text = np.asarray(d.values, dtype=np.str_)
    rows.values[col] = np.where(d.nulls, "", text) if d.kind != "text" else text
    rows.nulls[col] = d.nulls
    rows.repaired.add(col)


def repair_rows(rows: _Rows) -> dict[str, np.ndarray]:
    """Repair the batch in place; return {constraint: rows still failing} (empty if none)."""
    tp = rows.tp
    n = len(rows.idx)
    cols = {c: _typed(rows, c) for c in sorted(tp.repair_cols)}
    plans = [p for p in tp.checks if p.tree is not None]
    first = rows.idx == 0
    last = None
    if any(p.exempt_last_of_group for p in plans):
        _, pos, size = rows._group_index().locate(rows.idx)
        last = pos == size - 1
    free = [first if p.exempt_first else last if p.exempt_last_of_group else None
            for p in plans]
    if plans:  # all together: a repair for one CHECK must not undo another's
        repair([p.tree for p in plans], cols, n, rows.salt("repair"), exempt=free,
               idx=rows.idx)
    for c, d in cols.items():
        if d.changed:
            _store(rows, c, d)
    failing = {}
    for k, p in enumerate(plans):
        ok, _ = holds(p.tree, cols, n)
        bad = ~ok
        if free[k] is not None:
            bad &= ~free[k]
        if bad.any():
            failing[p.name] = bad
    return failing


def allowed_parents(typ, keys: np.ndarray, trees: list) -> np.ndarray:
    """Parent rows whose key passes the child's CHECKs on the referencing column
    (``entity_class int REFERENCES entity_class CHECK (entity_class IN (1, 2))``): a foreign
    key value cannot be repaired, so the child only picks among these parents."""
    kind, _ = _kind(typ)
    nulls = np.zeros(len(keys), dtype=bool)
    text = np.asarray(keys, dtype=np.str_)
    if kind == "num":
        values = np.where(text == "", "0", text).astype(np.float64)
    elif kind == "time":
        values = _parse_times(text, _TIMES[typ.base])
    elif kind == "bool":
        values = text == "t"
    else:
        values = text
    data = {"__col__": ColData(kind, values, nulls)}
    keep = np.ones(len(keys), dtype=bool)
    for tree in trees:
        keep &= holds(tree, data, len(keys))[0]
    return np.flatnonzero(keep)

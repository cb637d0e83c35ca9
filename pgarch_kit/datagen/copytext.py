"""Render column batches to PostgreSQL's COPY text format, in bulk.

COPY text is one line per row, columns separated by a tab, ``\\N`` for NULL, and a backslash
escape for backslash, tab, newline and carriage return inside values. Every function works on
whole numpy arrays (``np.strings`` ufuncs run in C), so a batch of 50 000 rows never runs
Python code per row; the final join of columns into lines is C iteration too.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "NULL",
    "escape",
    "render_bool",
    "render_int",
    "render_micros",
    "render_scaled",
    "render_uuid",
    "to_copy",
    "with_nulls",
]

NULL = "\\N"
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_SPECIAL = np.array([ord("\\"), ord("\t"), ord("\n"), ord("\r")], dtype=np.uint32)
_EPOCH = np.datetime64("1970-01-01T00:00:00", "us")


def escape(values: np.ndarray) -> np.ndarray:
    """Escape text values for COPY (backslash first, so the others are not doubled)."""
    out = np.asarray(values, dtype=np.str_)
    if out.size == 0 or out.itemsize == 0:
        return out
    # Most columns hold no special character: a scan of the raw code points (UTF-32) is
    # far cheaper than four replace passes, so only columns that need it pay for them.
    present = np.unique(out.view(np.uint32)[np.isin(out.view(np.uint32), _SPECIAL)])
    for raw, esc in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        if ord(raw) in present:
            out = np.strings.replace(out, raw, esc)
    return out


def with_nulls(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """``\\N`` where ``mask`` is true."""
    if mask is None or not mask.any():
        return values
    return np.where(mask, NULL, values)


def render_int(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).astype(np.str_)


def render_bool(values: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(values, dtype=bool), "t", "f")


def render_scaled(values: np.ndarray, scale: int) -> np.ndarray:
    """A numeric stored as integers times 10**scale: 1234, 2 -> '12.34'."""
    values = np.asarray(values, dtype=np.int64)
    if scale == 0:
        return values.astype(np.str_)
    div = 10 ** scale
    mag = np.abs(values)
    whole = (mag // div).astype(np.str_)
    frac = np.strings.zfill((mag % div).astype(np.str_), scale)
    text = np.strings.add(np.strings.add(whole, "."), frac)
    return np.where(values < 0, np.strings.add("-", text), text)


def render_micros(micros: np.ndarray, kind: str) -> np.ndarray:
    """Microseconds since the epoch as 'timestamp', 'timestamptz', 'date' or 'time' text."""
    stamps = _EPOCH + np.asarray(micros, dtype=np.int64).astype("timedelta64[us]")
    if kind == "date":
        return np.datetime_as_string(stamps, unit="D")
    text = np.strings.replace(np.datetime_as_string(stamps, unit="us"), "T", " ")
    if kind == "time":
        return np.strings.slice(text, 11, None)
    return np.strings.add(text, "+00") if kind == "timestamptz" else text


def render_uuid(words: np.ndarray) -> np.ndarray:
    """UUID text from an (n, 2) uint64 array (version/variant bits already set)."""
    raw = np.ascontiguousarray(words.astype(">u8")).view(np.uint8).reshape(-1, 16)
    hexed = np.empty((len(raw), 32), dtype=np.uint8)
    hexed[:, 0::2] = _HEX[raw >> 4]
    hexed[:, 1::2] = _HEX[raw & 15]
    out = np.full((len(raw), 36), ord("-"), dtype=np.uint8)
    for dst, src in ((0, 0), (9, 8), (14, 12), (19, 16), (24, 20)):
        width = {0: 8, 24: 12}.get(dst, 4)
        out[:, dst:dst + width] = hexed[:, src:src + width]
    return out.view("S36").ravel().astype(np.str_)


def to_copy(columns: Sequence[np.ndarray]) -> bytes:
    """Join rendered, escaped, NULL-substituted columns into COPY text bytes.

    ``map(str.join, zip(...))`` runs entirely in C (no Python bytecode per row) and measured
    about 2.4x faster than chaining ``np.strings.add`` over the columns, which copies every
    growing line once per column."""
    if not columns:
        return b""
    lines = map("\t".join, zip(*(np.asarray(c).tolist() for c in columns)))
    return ("\n".join(lines) + "\n").encode()

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
    codes = out.view(np.uint32)
    special = (codes == 92) | ((codes >= 9) & (codes <= 13))  # \\ and \t \n \v \f \r
    if not special.any():
        return out
    present = np.unique(codes[special])
    for raw, esc in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        if ord(raw) in present:
            out = np.strings.replace(out, raw, esc)
    return out


def with_nulls(values: np.ndarray, mask: np.ndarray | None, *,
               inplace: bool = False) -> np.ndarray:
    """``\\N`` where ``mask`` is true. ``inplace`` writes into ``values`` when it is wide
    enough (a long text column is then not copied once more just for its NULLs)."""
    if mask is None or not mask.any():
        return values
    if inplace and values.dtype.kind == "U" and values.dtype.itemsize >= 8 \
            and values.flags.writeable:
        values[mask] = NULL
        return values
    return np.where(mask, NULL, values)


# Integer-to-text through lookup tables of 4-digit chunks: about twice as fast as numpy's
# astype(str), which was the largest single cost of generating a batch (profiled).
_SMALL = np.array([str(i) for i in range(10_000)])
_PAD4 = np.array([f"{i:04d}" for i in range(10_000)])


def render_int(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.int64)
    if v.size == 0:
        return v.astype(np.str_)
    lo, hi = int(v.min()), int(v.max())
    if lo >= 0 and hi < 10_000:
        return _SMALL[v]
    if lo >= 0 and hi < 100_000_000:
        big = v >= 10_000
        out = _SMALL[np.where(big, 0, v)].astype(np.dtype("U8"))
        high, low = np.divmod(v[big], 10_000)
        out[big] = np.strings.add(_SMALL[high], _PAD4[low])
        return out
    return v.astype(np.str_)  # negative or very large: the general path


def render_bool(values: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(values, dtype=bool), "t", "f")


def render_scaled(values: np.ndarray, scale: int) -> np.ndarray:
    """A numeric stored as integers times 10**scale: 1234, 2 -> '12.34'."""
    values = np.asarray(values, dtype=np.int64)
    if scale == 0:
        return render_int(values)
    div = 10 ** scale
    mag = np.abs(values)
    whole = render_int(mag // div)
    frac = (_PAD4[mag % div] if scale == 4 else np.strings.slice(_PAD4[mag % div], 4 - scale, None)
            if scale < 4 else np.strings.zfill(render_int(mag % div), scale))
    text = np.strings.add(np.strings.add(whole, "."), frac)
    return np.where(values < 0, np.strings.add("-", text), text)


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of days since 1970-01-01 (proleptic Gregorian; H. Hinnant's
    civil_from_days), vectorised."""
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day


def _digits(buf: np.ndarray, col: int, value: np.ndarray, width: int) -> None:
    for k in range(width - 1, -1, -1):
        value, digit = np.divmod(value, 10)
        buf[:, col + k] = 48 + digit


_STAMP_WIDTH = {"date": 10, "timestamp": 26, "timestamptz": 29}


def render_micros(micros: np.ndarray, kind: str) -> np.ndarray:
    """Microseconds since the epoch as 'timestamp', 'timestamptz', 'date' or 'time' text.

    Dates and timestamps (years 1000-9999) are written digit by digit into a byte matrix —
    about a third faster than numpy's datetime_as_string, and the same text."""
    us = np.asarray(micros, dtype=np.int64)
    width = _STAMP_WIDTH.get(kind)
    if width and us.size and -30_610_224_000_000_000 <= us.min() and \
            us.max() < 253_402_300_800_000_000:
        days, rest = np.divmod(us, 86_400_000_000)
        year, month, day = _civil(days)
        buf = np.empty((len(us), width), dtype=np.uint8)
        _digits(buf, 0, year, 4)
        buf[:, 4] = buf[:, 7] = ord("-")
        _digits(buf, 5, month, 2)
        _digits(buf, 8, day, 2)
        if kind != "date":
            secs, frac = np.divmod(rest, 1_000_000)
            hours, rem = np.divmod(secs, 3600)
            minutes, seconds = np.divmod(rem, 60)
            buf[:, 10] = ord(" ")
            buf[:, 13] = buf[:, 16] = ord(":")
            buf[:, 19] = ord(".")
            _digits(buf, 11, hours, 2)
            _digits(buf, 14, minutes, 2)
            _digits(buf, 17, seconds, 2)
            _digits(buf, 20, frac, 6)
            if kind == "timestamptz":
                buf[:, 26:29] = np.frombuffer(b"+00", dtype=np.uint8)
        return buf.view(f"S{width}").ravel().astype(f"U{width}")
    stamps = _EPOCH + us.astype("timedelta64[us]")
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

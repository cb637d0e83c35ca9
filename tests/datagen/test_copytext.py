"""COPY text rendering: escaping, NULLs, numbers, times, uuids."""
from __future__ import annotations

import numpy as np

from pgarch_kit.datagen import escape, to_copy
from pgarch_kit.datagen.copytext import render_micros, render_scaled, render_uuid, with_nulls

from .conftest import parse_copy


def test_escaping_round_trips_tabs_newlines_backslashes():
    values = np.array(["a\tb", "line\nbreak", "back\\slash", "cr\r", "plain", "\\N"])
    data = to_copy([escape(values), np.array(["1", "2", "3", "4", "5", "6"])])
    assert data.count(b"\n") == len(values)
    assert b"a\\tb\t1\n" in data and b"back\\\\slash" in data and b"\\\\N" in data
    rows = parse_copy(data, ("v", "n"))
    assert [r["v"] for r in rows] == values.tolist()


def test_nulls_render_as_backslash_n():
    out = with_nulls(np.array(["x", "y"]), np.array([False, True]))
    assert to_copy([out]) == b"x\n\\N\n"


def test_numbers_times_and_uuids():
    assert render_scaled(np.array([1234, -5, 0, 100]), 2).tolist() == [
        "12.34", "-0.05", "0.00", "1.00"]
    micros = np.array([1_700_000_000_123_456])
    assert render_micros(micros, "timestamptz").tolist() == ["2023-11-14 22:13:20.123456+00"]
    assert render_micros(micros, "timestamp").tolist() == ["2023-11-14 22:13:20.123456"]
    assert render_micros(micros, "date").tolist() == ["2023-11-14"]
    words = np.array([[0x0123456789ABCDEF, 0xFEDCBA9876543210]], dtype=np.uint64)
    assert render_uuid(words).tolist() == ["01234567-89ab-cdef-fedc-ba9876543210"]

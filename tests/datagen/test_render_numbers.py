"""The lookup-table integer renderer writes exactly what str() writes, on every range."""
from __future__ import annotations

import numpy as np
import pytest

from pgarch_kit.datagen.copytext import render_int, render_scaled


@pytest.mark.parametrize("values", [
    np.array([0, 5, 9_999, 10_000, 123_456, 99_999_999, 100_000_000, -5, -12_345]),
    np.arange(0, 25_000),
    np.random.default_rng(3).integers(-10**12, 10**12, 5_000),
    np.array([], dtype=np.int64),
])
def test_render_int_matches_str(values: np.ndarray) -> None:
    assert render_int(values).tolist() == [str(v) for v in values.tolist()]


@pytest.mark.parametrize("scale", [0, 1, 2, 3, 4, 6])
def test_render_scaled_matches_decimal_text(scale: int) -> None:
    values = np.array([0, 5, 1234, -1234, 10**7 + 3, 99, -1])
    want = [(("-" if v < 0 else "") + (f"{abs(v) // 10**scale}.{abs(v) % 10**scale:0{scale}d}"
             if scale else str(abs(v)))) for v in values.tolist()]
    assert render_scaled(values, scale).tolist() == want


@pytest.mark.parametrize("kind", ["date", "timestamp", "timestamptz", "time"])
def test_render_micros_matches_numpy_datetime_text(kind: str) -> None:
    from pgarch_kit.datagen.copytext import render_micros
    rng = np.random.default_rng(5)
    micros = np.concatenate([rng.integers(-2 * 10**18 // 1000, 2 * 10**17, 3_000),
                             np.array([0, 951_782_400_000_000, 4_107_542_399_999_999])])
    stamps = np.datetime64("1970-01-01T00:00:00", "us") + micros.astype("timedelta64[us]")
    if kind == "date":
        want = np.datetime_as_string(stamps, unit="D")
    else:
        want = np.strings.replace(np.datetime_as_string(stamps, unit="us"), "T", " ")
        want = {"time": np.strings.slice(want, 11, None), "timestamptz":
                np.strings.add(want, "+00")}.get(kind, want)
    assert render_micros(micros, kind).tolist() == want.tolist()

"""Counter-based randomness: every draw is a pure function of (salt, row index).

A column's value at row ``i`` never depends on the batch size or on the rows generated before
it, so a child can recompute its parent's key, tenant or creation time at any parent row
without materialising the parent table, and one seed gives identical bytes whatever
``batch_rows`` is. The mixer is splitmix64's finaliser, vectorised over uint64 arrays
(wrap-around multiplication is the point, so overflow warnings are silenced).
"""
from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["salt_of", "u64", "uniform", "randint", "choice"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def salt_of(*parts: object) -> int:
    """A 64-bit salt from any parts (seed, table, column, purpose), stable across runs."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def u64(salt: int, idx: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = idx.astype(np.uint64) * _GOLDEN + np.uint64(salt)
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def uniform(salt: int, idx: np.ndarray) -> np.ndarray:
    """Floats in [0, 1)."""
    return (u64(salt, idx) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def randint(salt: int, idx: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Integers in [lo, hi] (inclusive), int64."""
    span = hi - lo + 1
    out = np.floor(uniform(salt, idx) * span).astype(np.int64)
    return np.minimum(out, span - 1) + lo


def choice(salt: int, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
    return values[randint(salt, idx, 0, len(values) - 1)]

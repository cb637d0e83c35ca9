"""Fan-out distributions: how child rows spread over their parents.

``Uniform()`` gives every parent the same expected number of children, ``Zipf(s)`` makes a
few parents very popular (rank r gets weight 1/r**s; which parents are popular is itself
random, not always the first ids), ``Fixed(k)`` gives parent j exactly the children
``j*k .. j*k+k-1`` (wrapping when the child count is not k times the parent count).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._random import randint, uniform

__all__ = ["Fanout", "Fixed", "Uniform", "Zipf", "GroupIndex", "cap_counts", "draw_parents",
           "group_counts"]


@dataclass(frozen=True)
class Uniform:
    pass


@dataclass(frozen=True)
class Zipf:
    s: float = 1.1


@dataclass(frozen=True)
class Fixed:
    per_parent: int = 1


Fanout = Uniform | Zipf | Fixed


def _weights(dist: Fanout, n_parent: int, salt: int) -> np.ndarray:
    if isinstance(dist, Zipf):
        ranks = np.argsort(uniform(salt, np.arange(n_parent)))  # a random popularity order
        weights = np.empty(n_parent)
        weights[ranks] = 1.0 / np.arange(1, n_parent + 1) ** dist.s
        return weights
    # Uniform: equal expectation, but counts vary a little like real data (0.2x .. 1.8x).
    return 0.2 + 1.6 * uniform(salt, np.arange(n_parent))


def draw_parents(dist: Fanout, idx: np.ndarray, n_parent: int, salt: int,
                 cdf: np.ndarray | None = None) -> np.ndarray:
    """Parent row (0-based) for each child row index; ``cdf`` is the cached Zipf CDF."""
    if isinstance(dist, Fixed):
        return (idx // max(dist.per_parent, 1)) % n_parent
    if isinstance(dist, Zipf):
        if cdf is None:
            cdf = zipf_cdf(dist, n_parent, salt)
        pick = np.searchsorted(cdf, uniform(salt + 1, idx), side="right")
        return np.minimum(pick, n_parent - 1)
    return randint(salt + 1, idx, 0, n_parent - 1)


def zipf_cdf(dist: Zipf, n_parent: int, salt: int) -> np.ndarray:
    w = _weights(dist, n_parent, salt)
    cdf = np.cumsum(w)
    return cdf / cdf[-1]


def group_counts(dist: Fanout, n_child: int, n_parent: int, salt: int) -> np.ndarray:
    """Children per parent summing to ``n_child`` (largest remainders), for layouts that keep
    a parent's children together (``line_no`` = 1..count within each order)."""
    if isinstance(dist, Fixed):
        counts = np.zeros(n_parent, dtype=np.int64)
        full, extra = divmod(n_child, n_parent)
        counts += full
        counts[:extra] += 1
        return counts
    w = _weights(dist, n_parent, salt)
    share = n_child * w / w.sum()
    counts = np.floor(share).astype(np.int64)
    rest = n_child - int(counts.sum())
    if rest:
        counts[np.argsort(-(share - counts), kind="stable")[:rest]] += 1
    return counts


def cap_counts(counts: np.ndarray, cap: int) -> np.ndarray:
    """At most ``cap`` children per parent, the excess moved to parents with room (in
    order), so the total is kept whenever ``cap * len(counts)`` allows it."""
    over = np.maximum(counts - cap, 0)
    counts = np.minimum(counts, cap)
    excess = int(over.sum())
    room = cap - counts
    before = np.cumsum(room) - room
    return counts + np.clip(excess - before, 0, room)


class GroupIndex:
    """Which parent each child row belongs to in a grouped layout (children of a parent are
    consecutive rows), its position in the group and the group's size.

    Small parent tables keep one array of group ends (exact largest-remainder counts). Past
    ``BLOCK`` parents with a Uniform fan-out the ends are never materialised: the weights are
    a pure function of the parent's index, so only one prefix sum per block of parents is
    kept, and a block's ends are recomputed when a batch needs them (a few cached). Memory
    then stays flat however large the parent table grows; each group still gets
    ``floor(n * S(i) / W) - floor(n * S(i-1) / W)`` children (S: prefix sums of weights),
    which adds up to exactly the child count."""

    BLOCK = 1 << 16

    def __init__(self, dist: Fanout, n_child: int, n_parent: int, salt: int,
                 cap: int | None = None) -> None:
        self.n_child, self.n_parent, self.salt = n_child, max(n_parent, 1), salt
        self._blocks: dict[int, np.ndarray] = {}
        if isinstance(dist, Uniform) and cap is None and n_parent > self.BLOCK:
            nb = -(-n_parent // self.BLOCK)
            prefix = np.zeros(nb + 1)
            for b in range(nb):
                prefix[b + 1] = prefix[b] + np.cumsum(self._block_weights(b))[-1]
            self._prefix = prefix
            self._block_end = self._floor_ends(prefix[1:])
            self._block_end[-1] = n_child
            self._ends = None
        else:
            counts = group_counts(dist, n_child, n_parent, salt)
            if cap is not None:
                counts = cap_counts(counts, cap)
            self._ends = np.cumsum(counts)

    def _block_weights(self, b: int) -> np.ndarray:
        lo = b * self.BLOCK
        return 0.2 + 1.6 * uniform(self.salt, np.arange(lo, min(lo + self.BLOCK,
                                                                self.n_parent)))

    def _floor_ends(self, sums: np.ndarray) -> np.ndarray:
        ends = np.floor(self.n_child * (sums / self._prefix[-1])).astype(np.int64)
        return np.minimum(ends, self.n_child)

    def _block(self, b: int) -> np.ndarray:
        ends = self._blocks.get(b)
        if ends is None:
            ends = self._floor_ends(self._prefix[b] + np.cumsum(self._block_weights(b)))
            ends[-1] = self._block_end[b]  # the same float sum as the block table: equal
            if len(self._blocks) >= 8:
                self._blocks.pop(next(iter(self._blocks)))
            self._blocks[b] = ends
        return ends

    def locate(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(parent row, position in its group, group size) for child rows ``idx``."""
        idx = np.asarray(idx, dtype=np.int64)
        if self._ends is not None:
            ends = self._ends
            parent = np.searchsorted(ends, idx, side="right")
            starts = np.where(parent > 0, ends[np.maximum(parent - 1, 0)], 0)
            return parent, idx - starts, ends[np.minimum(parent, len(ends) - 1)] - starts
        parent = np.empty(len(idx), dtype=np.int64)
        starts = np.empty(len(idx), dtype=np.int64)
        sizes = np.empty(len(idx), dtype=np.int64)
        block_of = np.searchsorted(self._block_end, idx, side="right")
        for b in np.unique(block_of):
            rows = block_of == b
            ends = self._block(int(b))
            before = self._block_end[b - 1] if b > 0 else 0
            j = np.searchsorted(ends, idx[rows], side="right")
            start = np.where(j > 0, ends[np.maximum(j - 1, 0)], before)
            parent[rows] = int(b) * self.BLOCK + j
            starts[rows] = start
            sizes[rows] = ends[j] - start
        return parent, idx - starts, sizes

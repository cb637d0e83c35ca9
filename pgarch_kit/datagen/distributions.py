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

__all__ = ["Fanout", "Fixed", "Uniform", "Zipf", "cap_counts", "draw_parents", "group_counts"]


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

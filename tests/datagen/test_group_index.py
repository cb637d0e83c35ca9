"""Grouped layouts over large parent tables: the block-wise index gives every child row a
parent, consecutive positions and exact totals, whatever the batch boundaries — with memory
independent of the number of parents."""
from __future__ import annotations

import numpy as np

from pgarch_kit.datagen.distributions import GroupIndex, Uniform


def test_block_index_is_consistent_and_exact() -> None:
    n_parent, n_child = GroupIndex.BLOCK * 3 + 123, 500_000
    gi = GroupIndex(Uniform(), n_child, n_parent, salt=7)
    assert gi._ends is None, "large parent tables must not materialise per-parent ends"
    whole = gi.locate(np.arange(n_child))
    parts = [gi.locate(np.arange(a, min(a + 48_611, n_child))) for a in range(0, n_child, 48_611)]
    for k in range(3):
        assert np.array_equal(whole[k], np.concatenate([p[k] for p in parts]))
    parent, pos, size = whole
    assert parent.min() >= 0 and parent.max() < n_parent
    assert np.all(np.diff(parent) >= 0)                       # children of a parent together
    assert np.all((pos >= 0) & (pos < size))
    counts = np.bincount(parent, minlength=n_parent)
    assert counts.sum() == n_child
    assert np.array_equal(size, counts[parent])               # group size = rows in the group
    first = np.r_[True, parent[1:] != parent[:-1]]
    assert np.all(pos[first] == 0) and np.all(pos[~first] == pos[np.flatnonzero(~first) - 1] + 1)
    mean = n_child / n_parent
    assert 0.15 * mean < counts.min() + 1 and counts.max() < 2.0 * mean + 2   # 0.2x .. 1.8x


def test_random_lookups_match_sequential_ones() -> None:
    gi = GroupIndex(Uniform(), 300_000, GroupIndex.BLOCK * 2 + 5, salt=3)
    every = gi.locate(np.arange(300_000))
    probe = np.random.default_rng(1).integers(0, 300_000, 5_000)
    got = gi.locate(probe)
    for k in range(3):
        assert np.array_equal(got[k], every[k][probe])

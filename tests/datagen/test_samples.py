"""Every sample design: reproducible bytes, keys unique, references valid, checks honoured."""
from __future__ import annotations

import re

from pgarch_kit.datagen._columns import unique_sets

from .conftest import generate, small_plan


def test_same_seed_same_bytes_other_seed_other_bytes(sample):
    name, _data_plan, _, raw = sample
    assert generate(small_plan(name, seed=0), batch_rows=5000) == raw  # batch size irrelevant
    other = generate(small_plan(name, seed=1))
    assert other != raw
    assert any(other[t] != raw[t] for t in raw)


def test_row_counts_and_columns(sample):
    _, data_plan, parsed, _ = sample
    for t, rows in parsed.items():
        assert len(rows) == data_plan.rows(t) >= 1
        generated = {c.name for c in data_plan.tables[t].table.columns if c.generated}
        assert not generated & set(data_plan.copy_columns(t))


def test_unique_keys_are_unique(sample):
    _, data_plan, parsed, _ = sample
    for t, rows in parsed.items():
        for cols in unique_sets(data_plan.tables[t].table):
            values = [tuple(r[c] for c in cols) for r in rows]
            values = [v for v in values if None not in v]
            assert len(values) == len(set(values)), (t, cols)


def test_foreign_keys_point_at_generated_rows(sample):
    _, data_plan, parsed, _ = sample
    for t in data_plan.order:
        table = data_plan.tables[t].table
        for fk in table.foreign_keys:
            parent = {tuple(r[c] for c in fk.ref_columns) for r in parsed[fk.ref_table]}
            for r in parsed[t]:
                value = tuple(r[c] for c in fk.columns)
                if None not in value:
                    assert value in parent, (t, fk.columns, value)


def test_not_null_columns_have_values_and_enums_hold(sample):
    _, data_plan, parsed, _ = sample
    enums = {e.name: set(e.values) for e in data_plan.design.enums}
    for t, rows in parsed.items():
        for c in data_plan.tables[t].table.columns:
            if c.generated:
                continue
            values = [r[c.name] for r in rows]
            if not c.nullable:
                assert None not in values, (t, c.name)
            if c.type in enums:
                assert {v for v in values if v is not None} <= enums[c.type], (t, c.name)
            m = re.fullmatch(r"character(?: varying)?\((\d+)\)", c.type)
            if m:
                assert all(len(v) <= int(m[1]) for v in values if v is not None), (t, c.name)


def test_children_are_created_after_their_parents(sample):
    _, data_plan, parsed, _ = sample
    for t in data_plan.order:
        tp = data_plan.tables[t]
        for fk in tp.table.foreign_keys:
            parent = data_plan.tables.get(fk.ref_table)
            if not (tp.anchor and parent and parent.anchor and parent is not tp) or \
                    len(fk.columns) != 1:
                continue
            born = {r[fk.ref_columns[0]]: r[parent.anchor] for r in parsed[fk.ref_table]}
            for r in parsed[t]:
                if r[fk.columns[0]] is not None and r[tp.anchor] is not None and \
                        tp.table.foreign_keys.index(fk) == tp.fk_order[0]:
                    assert r[tp.anchor] >= born[r[fk.columns[0]]], (t, r)


def test_sample_designs_plan_without_warnings(sample):
    _, data_plan, _, _ = sample
    assert data_plan.warnings == []

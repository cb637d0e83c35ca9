"""The data plan: how many rows each table gets and where every column's values come from.

``plan(design)`` decides, once and purely from the design: row counts, the load order
(parents first, from :func:`pgarch_kit.model.graph.table_order`), one *source* per column
(key, foreign key, time, value generator, override), null ratios, how each unique key is
made unique by construction, and which foreign keys must wait for a second pass (cycles).
Generating rows is :mod:`._batch`'s job; the plan only holds decisions and warnings.

Keys are functions of the row number: integer keys are 1..n, uuid keys are derived from the
seed and the row number, text keys are ``<prefix>-<n>``. A child therefore picks a parent
*row* and recomputes the parent's key (and creation time, tenant …) at that row, without
the parent table ever being materialised.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..model.design import Design, ForeignKey, Table
from ..model.graph import table_order
from ..model.types import PgType
from ._columns import column_rules, column_type, resolve, unique_sets
from ._random import randint, salt_of
from .checks import ColumnRule
from .constraints import CheckPlan, finite_domain, partial_unique_plans
from .distributions import Fanout, Fixed, Uniform, Zipf
from .exclusions import Slot, plan_exclusions
from .partitions import SandboxPartition, existing_bounds, sandbox_partitions
from .siblings import Siblings, find_siblings
from .strategies import record_constraints, unique_name
from .values import Spec, generator_for
from .vocab import vocabulary

__all__ = ["CheckPlan", "ColumnSource", "DataPlan", "DeferredUpdate", "SandboxPartition",
           "TablePlan", "plan"]

_INTS = ("smallint", "integer", "bigint")
_TIMES = {"timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
          "date": "date", "time without time zone": "time"}
_RANGES = ("tstzrange", "tsrange", "daterange", "int4range", "int8range", "numrange")
_ANCHOR = re.compile(r"created|placed|installed|inserted|registered|joined|occurred|recorded|"
                     r"opened|issued|ordered|logged|sent|received|changed|booked|start", re.I)
_MOSTLY_NULL = re.compile(r"deleted|archived|cancel+ed|closed|revoked|expired", re.I)
Override = Callable[..., object] | Sequence[object]


@dataclass(frozen=True)
class ColumnSource:
    """Where one column's values come from. ``kind``: ``serial`` (1..n), ``uuid``, ``text_key``,
    ``fk`` (``fk`` index into the table's foreign keys), ``position`` (1.. within the group of
    a grouped foreign key, or the k-th allowed value), ``time``, ``range`` (one slot per row,
    any orderable ``subtype``), ``slot`` (a bound of an exclusion's range expression),
    ``value``, ``override``, ``null``. CHECKs across columns are applied afterwards, per
    batch (see :mod:`.constraints`)."""

    kind: str
    null_ratio: float = 0.0
    fk: int | None = None
    time_kind: str = ""
    time_base: str | None = None     # another time column this one follows (>=)
    unique: bool = False
    subtype: str = ""                # range columns: the subtype ("date", "uuid" …)


@dataclass(frozen=True)
class DeferredUpdate:
    """A foreign key written as NULL in the first pass (a cycle or a forward reference):
    the loader applies ``update_batches`` after every table is loaded."""

    table: str
    key_columns: tuple[str, ...]
    columns: tuple[str, ...]
    ref_table: str


@dataclass
class TablePlan:
    table: Table
    rows: int
    sources: dict[str, ColumnSource]
    generators: dict[str, Callable] = field(default_factory=dict)
    fk_order: tuple[int, ...] = ()             # foreign keys in resolution order
    fk_dist: dict[int, Fanout] = field(default_factory=dict)
    grouped_fk: int | None = None              # rows laid out grouped by this FK's parent
    pair_fk: int | None = None                 # junction tables: distinct within a group
    group_cap: int | None = None               # at most this many rows per group
    siblings: Siblings | None = None           # rows in groups pointing at each other
    position_values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # pos -> value
    deferred: frozenset[int] = frozenset()     # foreign keys left NULL in the first pass
    anchor: str | None = None                  # the creation-time column
    checks: list[CheckPlan] = field(default_factory=list)   # strategy of each constraint
    repair_cols: frozenset[str] = frozenset()  # columns the repaired checks read
    fixed_cols: frozenset[str] = frozenset()   # keys and references: never rewritten
    unique_cols: frozenset[str] = frozenset()  # never set to a constant by a repair
    no_null_cols: frozenset[str] = frozenset() # never set NULL by a repair
    one_to_one: dict[int, int] = field(default_factory=dict)  # fk -> offset (UNIQUE fk)
    distinct_fk: dict[int, int] = field(default_factory=dict)  # fk -> fk it must differ from
    fk_filters: dict[int, list] = field(default_factory=dict)  # fk -> CHECKs on its column
    strategies: dict[str, str] = field(default_factory=dict)  # constraint -> how it holds
    types: dict[str, PgType] = field(default_factory=dict)    # resolved (domains unwrapped)
    slots: dict[str, Slot] = field(default_factory=dict)      # exclusion range bounds
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # enum / IN values

    @property
    def name(self) -> str:
        return self.table.name

    def resolved_type(self, col: str) -> PgType:
        return self.types.get(col) or PgType("text")

    def allowed(self, col: str) -> tuple[str, ...] | None:
        return self.choices.get(col)


@dataclass
class DataPlan:
    """Every decision needed to generate a design's data; see :func:`plan`."""

    design: Design
    seed: int
    tables: dict[str, TablePlan]                # in load order (parents first)
    time_range: tuple[int, int]                 # microseconds since the epoch
    warnings: list[str] = field(default_factory=list)
    updates: list[DeferredUpdate] = field(default_factory=list)
    partitions: list[SandboxPartition] = field(default_factory=list)  # made by the loader
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(self.tables)

    def rows(self, table: str) -> int:
        return self.tables[table].rows

    def copy_columns(self, table: str) -> tuple[str, ...]:
        """The columns ``batches`` writes, in order, for ``COPY table (cols) FROM STDIN``.
        Generated columns are left out. Identity and serial keys ARE included with explicit
        values 1..n: the loader uses ``OVERRIDING SYSTEM VALUE`` semantics (COPY accepts
        explicit values even for ``GENERATED ALWAYS``) and must reset the sequences after the
        load (``setval(pg_get_serial_sequence(t, c), max(c))``)."""
        return tuple(c.name for c in self.tables[table].table.columns if c.generated is None)

    def sequence_columns(self, table: str) -> tuple[str, ...]:
        """Identity or serial-default columns whose sequence the loader must reset."""
        t = self.tables[table].table
        return tuple(c.name for c in t.columns if c.identity or (
            c.default or "").startswith("nextval("))


def _key(t: Table, dup: set[str]) -> str:
    return f"{t.schema}.{t.name}" if t.name in dup else t.name


def _lookup(mapping: Mapping[str, object] | None, t: Table, col: str | None = None) -> object:
    if not mapping:
        return None
    names = [t.name, f"{t.schema}.{t.name}"]
    keys = names if col is None else [f"{n}.{col}" for n in names]
    return next((mapping[k] for k in keys if k in mapping), None)


def parse_fanout(text: str) -> Fanout:
    """``uniform``, ``zipf`` / ``zipf 1.3`` or ``fixed 4``, as written in the design file."""
    word, _, arg = str(text).strip().lower().partition(" ")
    try:
        if word == "uniform" and not arg:
            return Uniform()
        if word == "zipf":
            return Zipf(float(arg)) if arg else Zipf()
        if word == "fixed" and arg:
            return Fixed(int(arg))
    except ValueError:
        pass
    raise ValueError(f"fan-out {text!r} is not understood; write 'uniform', 'zipf 1.2' or "
                     f"'fixed 3'")


def plan(design: Design, *, scale: float = 1.0, rows: Mapping[str, int] | None = None,
         seed: int = 0, default_rows: int = 1000,
         overrides: Mapping[str, Override] | None = None,
         fanout: Mapping[str, Fanout] | None = None,
         null_ratios: Mapping[str, float] | None = None,
         time_range: tuple[str, str] = ("2024-01-01", "2026-01-01")) -> DataPlan:
    """Plan the data of ``design``.

    Row counts: ``rows[table]`` > ``intent.rows * scale`` > ``default_rows * scale``, at
    least 1. ``overrides["table.column"]`` is a function of the row-index array returning
    values (None for NULL) or a sequence to draw from. ``fanout["table.fk_column"]`` is a
    :class:`Uniform`, :class:`Zipf` or :class:`Fixed`; ``null_ratios["table.column"]``
    replaces the default (10% for nullable columns). Partitions (``partition_of``) get no
    rows of their own: their data is loaded through the partitioned table.

    The design file's ``generate:`` section supplies the same three settings; arguments
    given here win over it, key by key."""
    spec = design.generate
    overrides = {**{k: list(v) for k, v in spec.values}, **(overrides or {})}
    null_ratios = {**dict(spec.null_ratios), **(null_ratios or {})}
    fanout = {**{k: parse_fanout(v) for k, v in spec.fanout}, **(fanout or {})}
    names = [t.name for t in design.tables]
    dup = {n for n in names if names.count(n) > 1}
    ordered = [t for t in table_order(design) if t.partition_of is None]
    start, end = (int(np.datetime64(x, "us").astype(np.int64)) for x in time_range)
    dp = DataPlan(design, seed, {}, (start, end))
    vocab = vocabulary(seed)
    position = {t.key: i for i, t in enumerate(ordered)}
    # Columns some foreign key points at are never NULL: a NOT NULL child would copy it.
    referenced = {(fk.ref_schema or t.schema, fk.ref_table, c)
                  for t in design.tables for fk in t.foreign_keys for c in fk.ref_columns}
    for t in ordered:
        key = _key(t, dup)
        n = _lookup(rows, t)
        if n is None:
            n = (t.intent.rows or default_rows) * scale
        dp.tables[key] = _table_plan(dp, t, max(1, round(n)), position, vocab, dup,
                                     overrides, fanout, null_ratios, referenced)
    _cap_one_to_one(dp)
    dp.partitions = sandbox_partitions(design, dp.time_range)
    return dp


def _cap_one_to_one(dp: DataPlan) -> None:
    """A UNIQUE foreign key gives each parent at most one child: a NOT NULL one caps the
    table at the parent's rows (a nullable one leaves the extra rows NULL)."""
    for tp in dp.tables.values():
        for i in tp.one_to_one:
            fk = tp.table.foreign_keys[i]
            ref = _ref_key(dp, tp.table, fk)
            cols = [tp.table.column(c) for c in fk.columns]
            if ref is not None and ref != tp.name and not all(c is not None and c.nullable
                                                               for c in cols):
                tp.rows = max(1, min(tp.rows, dp.tables[ref].rows))


def _few_values(design: Design, t: Table, col: str, rules) -> tuple[str, ...] | None:
    """A column's few possible values: an IN list, an enum, a boolean or a small integer
    range from its CHECKs (``indx BETWEEN 1 AND 2``)."""
    rule = rules.get(col, ColumnRule())
    few = finite_domain(design, t, col, rule.allowed)
    if few:
        return few
    if rule.lo is not None and rule.hi is not None and column_type(t.column(col)).base in _INTS:
        lo = int(rule.lo) + (1 if rule.lo_strict and rule.lo == int(rule.lo) else 0)
        hi = int(rule.hi) - (1 if rule.hi_strict and rule.hi == int(rule.hi) else 0)
        if 0 < hi - lo + 1 <= 12:
            return tuple(str(v) for v in range(lo, hi + 1))
    return None


def _ref_key(dp: DataPlan, t: Table, fk: ForeignKey) -> str | None:
    """The plan key of a foreign key's table, when it is planned already."""
    for key in (fk.ref_table, f"{fk.ref_schema or t.schema}.{fk.ref_table}"):
        if key in dp.tables and dp.tables[key].table.name == fk.ref_table:
            return key
    return None


def _implied_parent(dp: DataPlan, column: str) -> int | None:
    """Rows of the table an ``<x>_id`` column names by convention, when already planned."""
    m = re.fullmatch(r"(\w+)_id", column)
    if m is None:
        return None
    for name in (m[1] + "s", m[1] + "es", m[1]):
        if name in dp.tables and dp.tables[name].sources.get("id", None) is not None \
                and dp.tables[name].sources["id"].kind == "serial":
            return dp.tables[name].rows
    return None


def _table_plan(dp: DataPlan, t: Table, n: int, position: dict, vocab, dup: set[str],
                overrides, fanout, null_ratios, referenced: set) -> TablePlan:
    unknown: dict[str, list[str]] = {}
    rules = column_rules(dp.design, t, None, unknown)
    key, listed, tp_bounds = existing_bounds(dp.design, t)
    if listed is not None and rules.get(key, ColumnRule()).allowed is None:
        rules[key] = replace(rules.get(key, ColumnRule()), allowed=listed)  # LIST partitions
    resolved = {c.name: resolve(c.type, dp.design) for c in t.columns}
    pk = set(t.primary_key.columns) if t.primary_key else set()
    sources: dict[str, ColumnSource] = {}
    tp = TablePlan(t, n, sources)
    fk_cols = {c for fk in t.foreign_keys for c in fk.columns}

    def constructible(col: str) -> bool:  # can the plan make this column unique?
        c, r = t.column(col), resolved.get(col)
        return c is not None and col not in fk_cols and r is not None and r.enum is None \
            and r.subtype is None and r.attributes is None and not r.type.is_array \
            and r.type.base not in ("boolean", "json", "jsonb") \
            and rules.get(col, ColumnRule()).allowed is None
    def junction(cols: tuple[str, ...]) -> bool:  # two whole foreign keys: pairs by layout
        return len([fk for fk in t.foreign_keys if set(fk.columns) <= set(cols)]) >= 2
    def group_by(cols: tuple[str, ...]) -> bool:  # one parent's rows kept together
        whole = [i for i, fk in enumerate(t.foreign_keys) if set(fk.columns) == set(cols)]
        if len(whole) != 1 or tp.grouped_fk not in (None, whole[0]):
            return False
        tp.grouped_fk = whole[0]
        return True
    partial_sets, partial_plans = partial_unique_plans(t, constructible, junction, group_by)
    # One-to-one first: a UNIQUE made of one foreign key's columns fixes that key's fan-out,
    # and a wider key containing it (a junction's primary key) is then unique already.
    slots, excl_uniques, excl_notes = plan_exclusions(t)
    slots = {c: s for c, s in slots.items() if c not in fk_cols and t.column(c) is not None}
    tp.slots = slots
    for x, note in zip(t.exclusions, excl_notes):
        tp.strategies[x.name or note.split(":")[0]] = note.split(": ", 1)[-1]
    uniques = sorted(unique_sets(t) + partial_sets + excl_uniques, key=lambda cols: not any(
        set(fk.columns) == set(cols) for fk in t.foreign_keys))
    in_unique = {c for s in uniques for c in s}

    # Foreign keys: widest first, so a composite (tenant_id, owner_id) decides tenant_id
    # and a plain (tenant_id) key that follows is already consistent with it.
    tp.fk_order = tuple(sorted(range(len(t.foreign_keys)),
                               key=lambda i: -len(t.foreign_keys[i].columns)))
    fk_of: dict[str, int] = {}
    for i in tp.fk_order:  # a column shared by several keys belongs to the first resolved
        fk = t.foreign_keys[i]
        for c, rc in zip(fk.columns, fk.ref_columns):
            if c == rc and (fk.ref_schema or t.schema, fk.ref_table) == t.key:
                continue  # (group, other) -> (group, idx) of the same table: group is own
            fk_of.setdefault(c, i)
    sib = find_siblings(t, lambda c: _few_values(dp.design, t, c, rules), unique_sets(t))
    if sib is not None:  # rows in groups that point at each other (partners of a pair)
        tp.siblings = sib
        m = len(sib.values)
        tp.rows = max(m, tp.rows - tp.rows % m)
        for c in (*sib.group, sib.key, sib.other):
            fk_of.pop(c, None)
            sources[c] = ColumnSource("sibling")
        covered = [set(sib.group) | {sib.key}] + [
            set(sib.group) | set(t.foreign_keys[j].columns) for j in sib.distinct_fks]
        uniques = [u for u in uniques if set(u) not in covered and not set(u) <= set(sib.group)]
        tp.strategies[t.foreign_keys[sib.fk].name or "sibling reference"] = (
            f"rows in groups of {m} ({', '.join(sib.group)}), each pointing at the next")
    deferred = set()
    for i, fk in enumerate(t.foreign_keys):
        ref = (fk.ref_schema or t.schema, fk.ref_table)
        tp.fk_dist[i] = _lookup(fanout, t, fk.columns[0]) or Uniform()
        if ref == t.key:
            continue
        if ref not in position or position[ref] >= position[t.key]:
            cols = [t.column(c) for c in fk.columns]
            if ref not in position:
                dp.warnings.append(f"{t.name}: foreign key to {fk.ref_table} outside the plan; "
                                   "its columns are left NULL")
            if all(c is not None and c.nullable for c in cols):
                deferred.add(i)
                if ref in position:
                    dp.updates.append(DeferredUpdate(
                        _key(t, dup), tuple(t.primary_key.columns if t.primary_key else ()),
                        fk.columns, fk.ref_table))
            elif ref in position:
                dp.warnings.append(f"{t.name}: NOT NULL foreign key {fk.columns} to the later "
                                   f"table {fk.ref_table} (cycle): load with the constraint "
                                   "deferred or dropped and re-added")
    tp.deferred = frozenset(deferred)

    # Uniqueness by construction: a set is satisfied when one member is a key column.
    unique_cols: set[str] = set()       # each unique on its own
    done: list[set[str]] = []           # column sets unique together (a position in a group)
    for c in t.columns:
        typ = column_type(c, dp.design)
        single_pk = len(pk) == 1 and c.name in pk
        if c.name in fk_of or c.name in sources:
            continue
        if (c.identity or single_pk or (c.default or "").startswith("nextval(")) and \
                typ.base in _INTS:
            sources[c.name] = ColumnSource("serial")
            unique_cols.add(c.name)
        elif typ.base == "uuid" and not typ.is_array and (c.name in pk or "uuid" in (
                c.default or "")):
            sources[c.name] = ColumnSource("uuid")
            unique_cols.add(c.name)
    make_unique: set[str] = set()
    for cols in uniques:
        rule = rules.get(cols[0], ColumnRule())
        few = finite_domain(dp.design, t, cols[0], rule.allowed) if len(cols) == 1 and \
            cols[0] not in fk_of and cols[0] not in unique_cols else None
        if few is not None:
            # UNIQUE (lock) with CHECK (lock = 'X'), a UNIQUE boolean: one row per value
            tp.rows = min(tp.rows, max(len(few), 1))
            values = np.array(few or ("",), dtype=np.str_)
            sources[cols[0]] = ColumnSource("value")
            tp.generators[cols[0]] = lambda idx, v=values: v[idx % len(v)]
            unique_cols.add(cols[0])
        if set(cols) & (unique_cols | make_unique) or any(d <= set(cols) for d in done):
            continue
        own = [c for c in cols if c not in fk_of and t.column(c) is not None]
        whole = [i for i, fk in enumerate(t.foreign_keys) if set(fk.columns) <= set(cols)]
        if not own and len(whole) == 1:
            # One row per parent (film_embedding.film_id is its key): parent = row number,
            # shifted for a second one-to-one key to the same table (from/to items).
            tp.fk_dist[whole[0]] = Fixed(1)
            same = [j for j in tp.one_to_one if t.foreign_keys[j].ref_table ==
                    t.foreign_keys[whole[0]].ref_table]
            tp.one_to_one[whole[0]] = len(same)
            done.append(set(cols))
            tp.strategies[unique_name(t, cols)] = "one child per parent (one-to-one fan-out)"
            continue
        ints = [c for c in own if column_type(t.column(c)).base in _INTS and constructible(c)]
        # a position counts within one parent: only unique if the key holds all its columns
        fks = [fk_of[c] for c in cols if c in fk_of
               and set(t.foreign_keys[fk_of[c]].columns) <= set(cols)]
        stamps = [c for c in own if column_type(t.column(c)).base in _TIMES
                  and constructible(c)]
        few = [c for c in own if not constructible(c)]
        domain = finite_domain(dp.design, t, few[0], rules.get(few[0], ColumnRule()).allowed) \
            if len(few) == 1 and len(own) == 1 else None
        if fks and domain and tp.grouped_fk in (None, fks[0]) and tp.group_cap is None:
            # (tenant_id, resource enum): each parent takes each value at most once, in turn
            tp.grouped_fk, tp.group_cap = fks[0], len(domain)
            sources[few[0]] = ColumnSource("position")
            tp.position_values[few[0]] = domain
            done.append(set(cols))
            ref = _ref_key(dp, t, t.foreign_keys[fks[0]])
            if ref is not None:
                tp.rows = min(tp.rows, dp.tables[ref].rows * len(domain))
            continue
        own = [c for c in own if constructible(c)]
        if fks and (ints or stamps) and tp.grouped_fk in (None, fks[0]):
            # Children kept together per parent: line_no = 1..k, or increasing times
            # after the parent's creation (a device's readings).
            tp.grouped_fk = fks[0]
            if ints:
                sources[ints[0]] = ColumnSource("position")
                done.append(set(cols))
            else:
                make_unique.add(stamps[0])
            continue
        rank = {"time": 0, "text": 1, "num": 2}
        def kind(c: str) -> str:
            b = column_type(t.column(c)).base
            return "time" if b in _TIMES else "num" if b in (*_INTS, "numeric") else "text"
        pick = sorted(own, key=lambda c: rank[kind(c)])
        if pick:
            make_unique.add(pick[0])
        elif len(set(fks)) >= 2 and tp.grouped_fk is None:
            # A junction table (film_id, category_id): rows grouped by the first parent,
            # the second parent walks on from a random start, so pairs never repeat.
            tp.grouped_fk, tp.pair_fk = fks[0], next(f for f in fks if f != fks[0])
            caps = [dp.tables[r].rows for r in (_ref_key(dp, t, t.foreign_keys[f])
                                                 for f in (fks[0], tp.pair_fk)) if r]
            if len(caps) == 2:
                tp.rows = min(tp.rows, caps[0] * caps[1])
            done.append(set(cols))
        else:
            dp.warnings.append(f"{t.name}: unique key {cols} made only of foreign keys is not "
                               "guaranteed unique; give it a Fixed fan-out or an override")

    times = [c for c in t.columns if c.generated is None and c.name not in fk_of
             and c.name not in slots
             and column_type(c, dp.design).base in _TIMES and not column_type(c).is_array
             and column_type(c, dp.design).base != "time without time zone"]
    anchor = next((c for c in times if _ANCHOR.search(c.name)), None) or next(
        (c for c in times if not c.nullable), times[0] if times else None)
    tp.anchor = anchor.name if anchor else None

    for c in t.columns:
        if c.generated is not None:
            continue
        res = resolved[c.name]
        typ = res.type
        rule = rules.get(c.name, ColumnRule())
        ratio = 0.1 if c.nullable else 0.0
        if _MOSTLY_NULL.search(c.name) and c.nullable:
            ratio = 0.9
        if c.name in pk or rule.not_null or (c.name in fk_cols and c.name in in_unique) \
                or (t.schema, t.name, c.name) in referenced or res.not_null:
            ratio = 0.0
        if rule.always_null and c.nullable:
            ratio = 1.0  # (x IS NULL) OR (...): NULL satisfies the check
        elif rule.always_null:
            dp.warnings.append(f"{t.name}.{c.name}: check '({c.name} IS NULL) OR ...' on a "
                               "NOT NULL column is not enforced by the generator")
        if any(u.nulls_not_distinct and c.name in u.columns for u in t.uniques):
            ratio = 0.0
        user_ratio = _lookup(null_ratios, t, c.name)
        ratio = float(user_ratio) if user_ratio is not None and c.nullable else ratio
        override = _lookup(overrides, t, c.name)
        if override is not None:
            sources[c.name] = ColumnSource("override", ratio)
            tp.generators[c.name] = override
            continue
        if c.name in sources:
            continue
        if c.name in slots:  # an exclusion's range bound: one slot per row, never NULL
            kind = _TIMES.get(typ.base, "num")
            sources[c.name] = ColumnSource("slot", 0.0, time_kind=kind)
            continue
        if c.name in fk_of:
            sources[c.name] = ColumnSource("fk", ratio, fk=fk_of[c.name])
            for op, other in rule.peers:
                fk = t.foreign_keys[fk_of[c.name]]
                j = fk_of.get(other)
                twin = j is not None and j != fk_of[c.name] and len(fk.columns) == 1 and \
                    (t.foreign_keys[j].ref_table, t.foreign_keys[j].ref_columns) == (
                        fk.ref_table, fk.ref_columns)
                if twin and op in ("<>", "!="):
                    # child_id <> head_of_child, both people: the second never equals the first
                    tp.distinct_fk[fk_of[c.name]] = j
                elif not ((fk.ref_table, tuple(fk.ref_columns)) == (t.name, (other,))
                          and op in ("<>", "!=", "<")):
                    dp.warnings.append(f"{t.name}.{c.name}: check {c.name} {op} {other} "
                                       "is not enforced by the generator")
            continue
        if typ.base in _TIMES and not typ.is_array:
            base = None
            peer = next((o for op, o in rule.peers if op in (">", ">=")), None)
            if peer and t.column(peer) is not None:
                base = peer
            elif c is not anchor and anchor is not None:
                base = anchor.name
            sources[c.name] = ColumnSource("time", ratio, time_kind=_TIMES[typ.base],
                                           time_base=base, unique=c.name in make_unique)
            continue
        if res.subtype is not None and not typ.is_array:
            sources[c.name] = ColumnSource("range", ratio, time_kind=typ.base,
                                           subtype=str(res.subtype))
            continue
        allowed = rule.allowed if rule.allowed is not None else res.enum
        spec = Spec(t.name, c.name, typ, rule, salt_of(dp.seed, t.schema, t.name, c.name),
                    vocab, unique=c.name in make_unique,
                    allowed=tuple(allowed) if allowed is not None else None, rows=tp.rows,
                    attributes=res.attributes, subtype=res.subtype)
        implied = _implied_parent(dp, c.name) if typ.base in _INTS else None
        if implied is not None and c.name not in make_unique:
            # order_id without a foreign key (an audit table): still a plausible order id.
            salt, top = salt_of(dp.seed, t.schema, t.name, c.name), implied
            sources[c.name] = ColumnSource("value", ratio)
            tp.generators[c.name] = lambda idx, s=salt, top=top: randint(s, idx, 1, top
                                                                         ).astype(np.str_)
            continue
        if c.name in make_unique and typ.base in (*_INTS, "numeric"):
            sources[c.name] = ColumnSource("serial", ratio)
            continue
        gen = generator_for(spec, dp.warnings)
        if gen is None:
            sources[c.name] = ColumnSource("null", 1.0)
            continue
        sources[c.name] = ColumnSource("value", ratio, unique=spec.unique)
        tp.generators[c.name] = gen
    unique_cols |= {c for d in done for c in d if c not in fk_of}  # repairs: no constants
    rank = {f: k for k, f in enumerate(tp.fk_order)}  # the later key differs from the earlier
    tp.distinct_fk = {max(i, j, key=rank.get): min(i, j, key=rank.get)
                      for i, j in tp.distinct_fk.items()}
    record_constraints(dp, tp, unknown, partial_plans, uniques, make_unique, unique_cols, pk,
                      referenced, resolved, tp_bounds)
    if listed:
        tp.choices[key] = listed
    return tp

"""Capacity: how big every table and index of a design will be at N rows, from how PostgreSQL
lays data out on disk — computed, not guessed.

Heap: 8 kB pages with a 24-byte header; each row a 23-byte tuple header (plus a null bitmap
when the row has a NULL) padded to 8 bytes, then its values, each aligned to its type
(``bigint`` to 8, ``integer`` to 4 …; a short variable-length value has a 1-byte header and no
padding), the whole tuple padded to 8, plus a 4-byte line pointer; pages filled up to the
table's ``fillfactor``. Values that would make a row wider than ~2 kB go to TOAST.

B-tree: 8-byte index tuple headers, keys (and INCLUDE columns) laid out the same way, leaf
pages filled to 90% by ``CREATE INDEX`` and inner pages to 70%; since PostgreSQL 13,
duplicates of a key share one posting-list tuple (6 bytes per extra row), except in unique
indexes, with INCLUDE columns, or for types whose equality is not bitwise (``numeric``,
``citext``, floats, ``jsonb`` …). GIN, GiST and hash sizes are rough (``rough=True``); BRIN is
a few pages per 128 heap pages.

Row counts come from the design's intents (``rows`` + ``growth_per_month`` over a horizon) or
are given; value widths, NULL shares, distinct counts and partial-index shares come from a
:class:`Profile` — measured on a sample of generated rows (:mod:`pgarch_kit.bench.capacity`) or,
without one, from type-based defaults. Pure: no database access.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..model.design import Column, Design, Index, Table
from ..model.storage import Storage, storage_of

__all__ = ["Capacity", "IndexSize", "Profile", "TableSize", "capacity", "padding_saving",
           "row_layout"]

BLCKSZ = 8192
PAGE_HEADER = 24
ITEM_ID = 4
TUPLE_HEADER = 23
BTREE_SPECIAL = 16
BTREE_LEAF_FILL = 0.90
BTREE_INNER_FILL = 0.70
MAX_HEAP_TUPLES = 291
TOAST_THRESHOLD = 2032       # a row wider than this has its widest values compressed/moved
TOAST_CHUNK = 1996
POSTING_LIMIT = 816          # build-time posting lists: ~10% of a page
RANDOM_INSERT_FILL = 0.67    # leaves split about 50/50 under random inserts: ~2/3 full
GROUP_APPEND_FILL = 0.50     # keys rising within each group: left halves stay half full
BUILDS = ("steady", "kit", "create")
BRIN_PAGES_PER_RANGE = 128
# typical stored width (bytes, header included) of variable-length types, without a profile
_DEFAULT_VARLENA = {"text": 24, "character varying": 24, "citext": 24, "character": 9,
                    "numeric": 9, "jsonb": 120, "json": 100, "bytea": 64, "tsvector": 80,
                    "inet": 7, "cidr": 7, "tstzrange": 21, "tsrange": 21, "daterange": 13,
                    "int4range": 13, "int8range": 21, "numrange": 21, "xml": 200}
# B-tree deduplication needs bitwise-equal equality (btequalimage)
_NO_DEDUP = {"numeric", "real", "double precision", "citext", "jsonb", "json", "interval",
             "money", "tsvector", "inet", "cidr", "xml"}


def _maxalign(n: float) -> float:
    return math.ceil(n / 8) * 8


def _padded(n: float, varies: bool) -> float:
    """A tuple padded to 8 bytes. Of a fixed width: exactly. Of varying widths (variable-
    length values) ``n`` is a mean, and the padding averages 3.5 bytes, not MAXALIGN(mean)."""
    return n + 3.5 if varies else _maxalign(n)


def _align(offset: float, a: int) -> float:
    return math.ceil(offset / a) * a


@dataclass(frozen=True)
class Profile:
    """What the data of one table looks like. ``widths``: stored bytes of a non-NULL value
    per column (header included); ``null_frac``: share of NULLs; ``distinct``: distinct
    values per column or tuple of columns (a composite foreign key), for B-tree
    deduplication; ``partial``: share of rows each partial
    index holds, by index name; ``order``: per key, how often an insert lands above every
    earlier key — overall (1: the B-tree grows at its right edge) and within the leading
    column's groups (1: each group grows at its own edge)."""

    rows: int | None = None
    widths: Mapping[str, float] = field(default_factory=dict)
    null_frac: Mapping[str, float] = field(default_factory=dict)
    distinct: Mapping[str | tuple[str, ...], float] = field(default_factory=dict)
    partial: Mapping[str, float] = field(default_factory=dict)
    # per key (a tuple of columns): the share of inserts that land above every earlier key,
    # overall and within the leading column's group
    order: Mapping[tuple[str, ...], tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexSize:
    name: str
    method: str
    bytes: int
    tuple_bytes: float
    rough: bool = False
    note: str = ""


@dataclass(frozen=True)
class TableSize:
    schema: str
    name: str
    rows: int
    row_bytes: float                    # the heap tuple, padded, with its line pointer
    heap_bytes: int
    toast_bytes: int
    extra_bytes: int                    # free-space and visibility maps
    indexes: tuple[IndexSize, ...]

    @property
    def index_bytes(self) -> int:
        return sum(i.bytes for i in self.indexes)

    @property
    def total_bytes(self) -> int:
        """What ``pg_total_relation_size`` reports: heap, TOAST, maps and indexes."""
        return self.heap_bytes + self.toast_bytes + self.extra_bytes + self.index_bytes


@dataclass
class Capacity:
    """Sizes of every table of a design at one volume."""

    design: str
    tables: list[TableSize]
    label: str = ""

    @property
    def total_bytes(self) -> int:
        return sum(t.total_bytes for t in self.tables)

    def table(self, name: str) -> TableSize:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"no table {name!r} in the capacity of {self.design}")

    def frame(self):
        import pandas as pd
        rows = []
        for t in self.tables:
            rows.append({"table": t.name, "rows": t.rows, "row bytes": round(t.row_bytes, 1),
                         "heap": t.heap_bytes, "toast": t.toast_bytes,
                         "indexes": t.index_bytes, "total": t.total_bytes})
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        lines = [f"capacity of {self.design}{' — ' + self.label if self.label else ''}: "
                 f"{human(self.total_bytes)} in all"]
        for t in sorted(self.tables, key=lambda t: -t.total_bytes):
            lines.append(f"  {t.name:<28} {t.rows:>14,} rows  {t.row_bytes:6.1f} B/row  "
                         f"heap {human(t.heap_bytes):>9}  indexes {human(t.index_bytes):>9}"
                         f"  total {human(t.total_bytes):>9}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html
        head = ("table", "rows", "bytes per row", "heap", "indexes", "TOAST + maps", "total")
        th = "".join(f"<th style='text-align:left;padding:2px 8px'>{h}</th>" for h in head)
        body = []
        for t in sorted(self.tables, key=lambda t: -t.total_bytes):
            cells = (t.name, f"{t.rows:,}", f"{t.row_bytes:.1f}", human(t.heap_bytes),
                     human(t.index_bytes), human(t.toast_bytes + t.extra_bytes),
                     human(t.total_bytes))
            body.append("<tr>" + "".join(
                f"<td style='text-align:{'left' if i == 0 else 'right'};padding:2px 8px'>"
                f"{html.escape(c)}</td>" for i, c in enumerate(cells)) + "</tr>")
        label = f"— {html.escape(self.label)} in the largest table " if "rows" in self.label \
            else (f"— {html.escape(self.label)} " if self.label else "")
        cap = (f"<div><b>Capacity of {html.escape(self.design)}</b> {label}— "
               f"{human(self.total_bytes)} in all</div>")
        return (cap + f"<table style='border-collapse:collapse'><thead><tr>{th}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>")


def _count(n: int) -> str:
    """10_000_000 → '10M', 250_000 → '250k'."""
    for div, unit in ((10 ** 9, "G"), (10 ** 6, "M"), (10 ** 3, "k")):
        if n >= div and n % (div // 10) == 0:
            return f"{n / div:g}{unit}"
    return f"{n:,}"


def human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TB"  # pragma: no cover


# --------------------------------------------------------------------------- widths

def _width(col: Column, st: Storage | None, profile: Profile) -> float:
    """Stored bytes of one non-NULL value (header included)."""
    if col.name in profile.widths:
        return float(profile.widths[col.name])
    if st is None:
        return 24.0
    if st.width is not None:
        return float(st.width)
    if st.is_array:
        return 24.0 + 8 * 3
    if st.base == "character varying" or st.base == "character":
        from ..model.types import parse_type
        n = parse_type(col.type).params
        if n:
            return min(float(n[0]), 24.0) + 1
    return float(_DEFAULT_VARLENA.get(st.base, 24))


def _data_bytes(items: list[tuple[float, Storage | None, float]]) -> float:
    """Bytes of values laid out in order: (width, storage, share present). A varlena under
    127 bytes has a 1-byte header and is not padded; a longer one is aligned."""
    offset = 0.0
    for width, st, present in items:
        align = 1
        if st is not None:
            align = st.align if (st.width is not None or width > 127) else 1
        start = _align(offset, align)
        offset = offset + (start - offset + width) * present
    return offset


def row_layout(table: Table, design: Design, profile: Profile | None = None
               ) -> tuple[float, float]:
    """(expected tuple bytes before the final 8-byte padding, share of rows with a NULL)."""
    profile = profile or Profile()
    items, p_no_null = [], 1.0
    for c in table.columns:
        if c.generated and c.generated_kind == "virtual":  # PG 18 virtual columns take no space
            continue
        st = storage_of(c.type, design)
        nf = profile.null_frac.get(c.name, 0.0)
        p_no_null *= 1 - nf
        items.append((_width(c, st, profile), st, 1 - nf))
    natts = len(items)
    with_nulls = _maxalign(TUPLE_HEADER + math.ceil(natts / 8))
    header = (1 - p_no_null) * with_nulls + p_no_null * _maxalign(TUPLE_HEADER)
    return header + _data_bytes(items), 1 - p_no_null


def padding_saving(table: Table, design: Design) -> tuple[int, list[str]]:
    """Bytes per row saved by ordering the fixed-width columns widest alignment first
    (variable-width ones last), and that order."""
    cols = [(c, storage_of(c.type, design)) for c in table.columns]
    fixed = [(c, st) for c, st in cols if st is not None and st.width is not None]
    variable = [c for c, st in cols if st is None or st.width is None]

    def end(order: list) -> float:
        return _data_bytes([(float(st.width), st, 1.0) for _, st in order])
    pk = set(table.primary_key.columns) if table.primary_key else set()
    best = sorted(fixed, key=lambda p: (-p[1].align, -(p[1].width or 0) % 8,
                                        p[0].name not in pk))
    now = end([(c, st) for c, st in cols if st is not None and st.width is not None])
    return int(now - end(best)), [c.name for c, _ in best] + [c.name for c in variable]


# --------------------------------------------------------------------------- heap

def _heap(table: Table, design: Design, rows: int, profile: Profile
          ) -> tuple[float, int, int, int]:
    tuple_bytes, _ = row_layout(table, design, profile)
    toast = 0
    if tuple_bytes > TOAST_THRESHOLD:  # move the widest values out until the row fits
        wide = sorted(((profile.widths.get(c.name, _width(c, storage_of(c.type, design),
                                                           profile)), c) for c in table.columns
                       if (st := storage_of(c.type, design)) is not None and st.varlena),
                      key=lambda x: -x[0])
        for width, _c in wide:
            if tuple_bytes <= TOAST_THRESHOLD:
                break
            tuple_bytes -= width - 18  # an 18-byte TOAST pointer stays in the row
            chunks = math.ceil(width / TOAST_CHUNK)
            toast += math.ceil(rows * chunks / 4) * BLCKSZ
    varies = any((st := storage_of(c.type, design)) is None or st.varlena
                 for c in table.columns)
    tuple_aligned = _padded(tuple_bytes, varies)
    fill = _fillfactor(table.options, 100)
    usable = BLCKSZ - PAGE_HEADER - BLCKSZ * (100 - fill) / 100
    per_page = max(1, min(MAX_HEAP_TUPLES, int(usable // (tuple_aligned + ITEM_ID))))
    pages = math.ceil(rows / per_page) if rows else 0
    # after VACUUM: a free-space map (two upper levels plus a leaf page per ~4,000 heap
    # pages) and a visibility map (a page per 32,672 heap pages)
    maps = (2 + math.ceil(pages / 4069) + math.ceil(pages / 32672)) * BLCKSZ if pages else 0
    has_varlena = any((st := storage_of(c.type, design)) is None or st.varlena
                      for c in table.columns)
    toast += BLCKSZ if has_varlena else 0  # the TOAST table's index metapage
    return tuple_aligned + ITEM_ID, pages * BLCKSZ, toast, maps


def _fillfactor(options: tuple[str, ...], default: int) -> int:
    for o in options:
        key, _, value = o.partition("=")
        if key.strip().lower() == "fillfactor" and value.strip().isdigit():
            return int(value)
    return default


# --------------------------------------------------------------------------- indexes

def _key_items(table: Table, design: Design, index: Index, profile: Profile
               ) -> tuple[list[tuple[float, Storage | None, float]], list[str]]:
    """(layout items, base types) of an index's keys and INCLUDE columns."""
    items, bases = [], []
    names = [(k.column, k.expression) for k in index.keys] + [(c, False) for c in index.include]
    for name, expression in names:
        col = table.column(name) if not expression else _expression_column(table, name)
        if col is None:
            items.append((8.0, None, 1.0))
            bases.append("?")
            continue
        st = storage_of(col.type, design)
        items.append((_width(col, st, profile), st, 1.0))
        bases.append(st.base if st else "?")
    return items, bases


def _expression_column(table: Table, expr: str) -> Column | None:
    """The column an expression key is over (``lower(email)`` → ``email``), for its width."""
    import re
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expr)
    return next((table.column(w) for w in words if table.column(w) is not None), None)


def _truncated_poisson(mean: float) -> float:
    """λ of the zero-truncated Poisson whose mean is ``mean`` (> 1): λ / (1 - e^-λ) = mean."""
    lam = mean
    for _ in range(50):  # Newton on f(λ) = λ - mean (1 - e^-λ)
        f = lam - mean * (1 - math.exp(-lam))
        df = 1 - mean * math.exp(-lam)
        step = f / df if df else 0.0
        lam = max(lam - step, 1e-9)
        if abs(step) < 1e-12:
            break
    return lam


def _groups(keys: float, per_group: float) -> list[tuple[float, float]]:
    """(groups, rows each) for ``keys`` distinct values holding ``per_group`` rows on
    average: a zero-truncated Poisson spread around the mean (some keys once, some many
    times), or the mean itself when it is large."""
    if per_group <= 1.0001:
        return [(keys, 1.0)]
    if per_group > 40:
        return [(keys, per_group)]
    lam = _truncated_poisson(per_group)
    out, k = [], 1
    p = math.exp(-lam) * lam / (1 - math.exp(-lam))  # P(k = 1)
    while k < per_group + 12 * math.sqrt(per_group) + 20:
        out.append((keys * p, float(k)))
        k += 1
        p *= lam / k
    return out


def _btree(rows: float, key_bytes: float, null_rows: float, groups: float | None,
           leaf_fill: float, varies: bool = False) -> tuple[int, float]:
    """(bytes, mean leaf tuple bytes) of a B-tree over ``rows`` entries, ``null_rows`` of them
    NULL; ``groups`` distinct non-NULL keys when duplicates are merged into posting lists
    (None: no deduplication). Leaves hold ``leaf_fill`` of their space."""
    plain = _padded(8 + key_bytes, varies)
    null_tuple = _maxalign(12)                        # header + null bitmap, no key data
    max_tids = max(1, int((POSTING_LIMIT - plain) // 6) + 1)

    def posting(k: float, base: float) -> list[tuple[float, float]]:
        if k < 2:
            return [(1.0, base)]
        lists = math.ceil(k / max_tids)
        return [(lists, _padded(base + 6 * (k / lists), varies))]

    items: list[tuple[float, float]] = []            # (tuples, bytes each)
    present = rows - null_rows
    if groups:
        for count, k in _groups(groups, present / groups):
            items += [(count * n, size) for n, size in posting(k, plain)]
        if null_rows:
            items += [(n, size) for n, size in posting(null_rows, null_tuple)]
    else:
        items += [(present, plain), (null_rows, null_tuple)]
    tuples = sum(n for n, _ in items)
    payload = sum(n * (size + ITEM_ID) for n, size in items)
    leaf_space = (BLCKSZ - PAGE_HEADER - BTREE_SPECIAL) * leaf_fill
    leaves = max(1, math.ceil(payload / max(leaf_space - plain - ITEM_ID, 1))) if rows else 1
    pages, level = leaves, leaves
    inner = max(2, int((BLCKSZ - PAGE_HEADER - BTREE_SPECIAL) * BTREE_INNER_FILL
                       // (plain + ITEM_ID)))
    while level > 1:
        level = math.ceil(level / inner)
        pages += level
    mean = payload / tuples - ITEM_ID if tuples else plain
    return (pages + 1) * BLCKSZ, mean  # + the metapage


def _index(table: Table, design: Design, index: Index, rows: int, heap_pages: int,
           profile: Profile, unique_cols: set[tuple[str, ...]], build: str,
           sorted_build: bool) -> IndexSize:
    share = profile.partial.get(index.name, 1.0 if not index.where else 0.5)
    n = rows * share
    note = "" if not index.where else f"holds {share:.0%} of the rows"
    if index.method == "brin":
        ranges = max(1, math.ceil(heap_pages / BRIN_PAGES_PER_RANGE))
        pages = 2 + math.ceil(ranges / 1360) + math.ceil(ranges * 32 / 8000)
        return IndexSize(index.name, "brin", max(3, pages) * BLCKSZ, 32.0, False, note)
    items, bases = _key_items(table, design, index, profile)
    key_bytes = _data_bytes(items)
    if index.method != "btree":
        # GIN/GiST/hash: roughly the keyed data again, plus a TID per entry
        per = {"gin": key_bytes * 0.6 + 6, "gist": key_bytes + 16, "hash": 16}.get(
            index.method, key_bytes + 8)
        size = max(2, math.ceil(n * per / (BLCKSZ * 0.8))) * BLCKSZ
        return IndexSize(index.name, index.method, size, per, True,
                         note or f"{index.method} sizes are rough (±50%)")
    cols = tuple(k.column for k in index.keys)
    groups = None
    dedup = (not index.unique and not index.include and cols not in unique_cols
             and not any(b in _NO_DEDUP or b == "?" for b in bases))
    if dedup and not any(k.expression for k in index.keys):
        groups = _distinct_keys(cols, profile, n, _type_distinct(table, design))
    # a single-column index keeps its NULLs as key-less tuples (a NULL bitmap, no data)
    null_rows = n * profile.null_frac.get(cols[0], 0.0) if len(cols) == 1 and not \
        index.keys[0].expression else 0.0
    fill = _fillfactor(index.options, 90) / 100
    if not sorted_build:
        pattern = _insert_pattern(table, index, build, profile)
        if pattern != "rightmost":
            # random keys: leaves split 50/50 and settle ~2/3 full; keys rising within each
            # group (a device's readings): a page splits in two and its left half never
            # receives another row
            share, how = ((GROUP_APPEND_FILL, "~1/2") if pattern == "group-append"
                          else (RANDOM_INSERT_FILL, "~2/3"))
            fill = share * fill / 0.9
            note = (note + "; " if note else "") + f"insert order leaves leaves {how} full"
    varies = any(st is None or st.varlena for _w, st, _p in items)
    size, tuple_bytes = _btree(n, key_bytes, null_rows, groups, fill, varies)
    return IndexSize(index.name, "btree", size, tuple_bytes, False, note)


def _type_distinct(table: Table, design: Design) -> dict[str, float]:
    """Distinct values a column's type allows: 2 for a boolean, the values of an enum."""
    out: dict[str, float] = {}
    for c in table.columns:
        st = storage_of(c.type, design)
        if st is None:
            continue
        if st.base == "boolean":
            out[c.name] = 2
        for e in design.enums:
            if st.base in (e.name, f"{e.schema}.{e.name}"):
                out[c.name] = len(e.values)
    return out


def _distinct_keys(cols: tuple[str, ...], profile: Profile, rows: float,
                   by_type: Mapping[str, float]) -> float | None:
    """Distinct values of a key: known column sets (a composite foreign key) taken first,
    the other columns multiplied in, capped at the rows; None when a column is unknown."""
    known = {**by_type, **profile.distinct}
    left, total = set(cols), 1.0
    sets = sorted((k for k in profile.distinct if isinstance(k, tuple)), key=len, reverse=True)
    for key in sets:
        if set(key) <= left:
            total *= profile.distinct[key]
            left -= set(key)
    for c in left:
        if c not in known:
            return None
        total *= known[c]
    return min(rows, total)


def _insert_pattern(table: Table, index: Index, build: str, profile: Profile) -> str:
    """Where inserts land in a B-tree: ``rightmost`` (keys rise: an identity or serial key,
    in steady state a time stamped ``now()``, or measured so), ``group-append`` (keys rise
    within each leading value) or ``random``."""
    cols = tuple(k.column for k in index.keys)
    if cols in profile.order:
        overall, within = profile.order[cols]
        if overall >= 0.9:
            return "rightmost"
        return "group-append" if len(cols) > 1 and within >= 0.9 else "random"
    key = index.keys[0]
    col = table.column(key.column) if not key.expression else None
    if col is None:
        return "random"
    if col.identity or (col.default or "").startswith("nextval("):
        return "rightmost"
    default = (col.default or "").lower()
    stamped = default in ("now()", "current_timestamp", "clock_timestamp()",
                          "statement_timestamp()")
    return "rightmost" if build == "steady" and stamped else "random"


def _implicit_indexes(table: Table) -> list[Index]:
    """The B-trees behind the primary key and unique constraints."""
    from ..model.default_names import constraint_names
    from ..model.design import IndexKey
    out = []
    names = constraint_names(table)
    if table.primary_key is not None and names.primary_key:
        pk = table.primary_key
        out.append(Index(names.primary_key,
                         tuple(IndexKey(c) for c in pk.columns), unique=True,
                         include=pk.include))
    for u, name in zip(table.uniques, names.uniques, strict=True):
        out.append(Index(name,
                         tuple(IndexKey(c) for c in u.columns), unique=True,
                         include=u.include))
    return out


# --------------------------------------------------------------------------- the estimate

def _default_profile(table: Table, design: Design, rows: int) -> Profile:
    """Without measurements: NULLs in 10% of nullable values (the data generator's default),
    foreign keys as many distinct values as their parent has rows (booleans and enums take
    their type's values, as with measurements)."""
    null_frac = {c.name: 0.1 for c in table.columns
                 if c.nullable and not c.identity and c.generated is None}
    distinct: dict[str | tuple[str, ...], float] = {}
    for fk in table.foreign_keys:
        parent = design.table(fk.ref_table, fk.ref_schema or table.schema)
        if parent is not None and parent.intent.rows:
            key = fk.columns[0] if len(fk.columns) == 1 else tuple(fk.columns)
            distinct[key] = min(rows, parent.intent.rows)
    return Profile(rows, {}, null_frac, distinct, {})


def _as_partition(design: Design, t: Table) -> Table:
    """A partition as stored: its parent's columns, keys and indexes (PostgreSQL creates each
    parent index on every partition) when the design declares it without its own."""
    parent = design.table(t.partition_of or "", t.schema)
    if parent is None:
        return t
    return replace(t, columns=t.columns or parent.columns,
                   primary_key=t.primary_key or parent.primary_key,
                   uniques=t.uniques or parent.uniques,
                   indexes=t.indexes or tuple(replace(i, name=f"{t.name}: {i.name}")
                                              for i in parent.indexes),
                   options=t.options or parent.options)


def _intended(design: Design, t: Table, months: int) -> float:
    """Rows from the intent; a partition without one gets an equal share of its parent's."""
    if t.partition_of is not None and t.intent.rows is None and not t.intent.growth_per_month:
        parent = design.table(t.partition_of, t.schema)
        siblings = [x for x in design.tables
                    if x.partition_of == t.partition_of and x.schema == t.schema]
        if parent is not None:
            return _intended(design, parent, months) / max(len(siblings), 1)
    return (t.intent.rows or 0) + months * (t.intent.growth_per_month or 0)


def capacity(design: Design, *, rows: Mapping[str, int] | None = None,
             profiles: Mapping[str, Profile] | None = None, months: int = 0,
             scale: float = 1.0, largest: int | None = None, label: str = "",
             build: str = "steady") -> Capacity:
    """Sizes of every table and index of ``design``. Row counts: ``rows`` (by table), else
    the profile's, else the intent's ``rows`` + ``months`` × ``growth_per_month``, times
    ``scale`` — or, with ``largest``, scaled so the design's biggest table holds that many
    rows (every other table in proportion). ``profiles`` (by table name) describe the data;
    see :class:`Profile`.

    ``build`` says how the B-trees were filled, which sets how full their pages are:
    ``steady`` — maintained by inserts since the table was created (an application's
    database); ``create`` — each built by ``CREATE INDEX`` over existing data (after a bulk
    load or a ``REINDEX``); ``kit`` — the kit's loader: key and unique constraints exist
    during the COPY, the other indexes are built after it."""
    if build not in BUILDS:
        raise ValueError(f"build must be one of {BUILDS}, got {build!r}")
    if largest is not None:
        biggest = max((_intended(design, t, months) for t in design.tables
                       if t.partition_by is None), default=0)
        if biggest <= 0:
            raise ValueError("largest= needs row intents: the design states no volumes")
        scale = largest / biggest
        label = label or f"{_count(largest)} rows"
    out = []
    for t in design.tables:
        if t.partition_by is not None:
            continue  # a partitioned parent holds no rows; its partitions do
        prof = (profiles or {}).get(t.name)
        n = (rows or {}).get(t.name)
        if n is None:
            n = prof.rows if prof is not None and prof.rows is not None else _intended(
                design, t, months)
            n = round(n * scale)
        if t.partition_of is not None:
            t = _as_partition(design, t)
        if prof is None:
            prof = _default_profile(t, design, n)
        row_bytes, heap, toast, maps = _heap(t, design, n, prof)
        unique_cols = {tuple(k.column for k in i.keys)
                       for i in _implicit_indexes(t) + [i for i in t.indexes if i.unique]}
        implicit = _implicit_indexes(t)
        indexes = tuple(
            _index(t, design, i, n, heap // BLCKSZ, prof, unique_cols, build,
                   build == "create" or (build == "kit" and i not in implicit))
            for i in [*implicit, *t.indexes])
        out.append(TableSize(t.schema, t.name, n, row_bytes, heap, toast, maps, indexes))
    return Capacity(design.name, out, label)

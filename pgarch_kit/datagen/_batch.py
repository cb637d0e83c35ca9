"""Generate a table's rows as numpy column batches and render them to COPY text.

A :class:`_Rows` evaluates columns lazily for an array of row indices, caching each one, so
a child asking for its parent's key or creation time at some parent rows computes just that
column (and what it depends on) for just those rows. Everything is vectorised per batch.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._random import randint, salt_of, uniform
from .copytext import escape, render_int, render_micros, to_copy, with_nulls
from .distributions import GroupIndex, Zipf, draw_parents, zipf_cdf
from .plan import DataPlan, DeferredUpdate, TablePlan
from .values import uuid_of

__all__ = ["batches", "update_batches"]

_DAY = 86_400_000_000
# never need escaping ("sibling" is escaped: its group text may be a user type's label)
_SAFE = {"serial", "uuid", "position", "time", "range", "null", "slot"}


class _Rows:
    def __init__(self, dp: DataPlan, tp: TablePlan, idx: np.ndarray) -> None:
        self.dp, self.tp, self.idx = dp, tp, idx
        self.values: dict[str, np.ndarray] = {}
        self.nulls: dict[str, np.ndarray] = {}
        self.micros: dict[str, np.ndarray] = {}
        self.parents: dict[int, np.ndarray] = {}
        self.repairing = False
        self.repaired: set[str] = set()       # columns a repair rewrote (escaped on output)
        self.failing: dict[str, np.ndarray] = {}  # constraint -> rows still failing
        self.checked = False                  # the repair ran on this batch

    def salt(self, *parts: object) -> int:
        t = self.tp.table
        return salt_of(self.dp.seed, t.schema, t.name, *parts)

    def rows_of(self, table: str, idx: np.ndarray) -> _Rows:
        return _Rows(self.dp, self.dp.tables[table], idx)

    def value(self, col: str) -> np.ndarray:
        if col not in self.values:
            self._compute(col)
        # keys and references are never rewritten by a repair: they are final as computed
        # (a self-reference asks for its parent's key without repairing the parent's rows)
        if col in self.tp.repair_cols and col not in self.tp.fixed_cols \
                and not self.repairing and not self.checked:
            self._repair()
        return self.values[col]

    def null(self, col: str) -> np.ndarray:
        self.value(col)
        return self.nulls[col]

    def time(self, col: str) -> np.ndarray:
        self.value(col)
        if col not in self.micros:
            self._compute(col)
        return self.micros[col]

    def _repair(self) -> None:
        """Make the table's repaired CHECKs and partial unique indexes hold on this batch."""
        from .repairing import repair_rows
        self.repairing = True
        try:
            for col in sorted(self.tp.repair_cols):
                if col not in self.values:
                    self._compute(col)
            self.failing = repair_rows(self)
        finally:
            self.repairing = False
            self.checked = True

    def _nulls(self, col: str, ratio: float) -> np.ndarray:
        if ratio <= 0:
            return np.zeros(len(self.idx), dtype=bool)
        return uniform(self.salt(col, "null"), self.idx) < ratio

    def _compute(self, col: str) -> None:
        src = self.tp.sources[col]
        idx, n = self.idx, len(self.idx)
        sib = self.tp.siblings
        if sib is not None and col in sib.same:  # equal within a group: the first row's
            first = idx - idx % len(sib.values)
            if not np.array_equal(first, idx):
                lead = self.rows_of(self.tp.name, first)
                self.values[col], self.nulls[col] = lead.value(col), lead.null(col)
                if col in lead.micros:
                    self.micros[col] = lead.micros[col]
                return
        mask = self._nulls(col, src.null_ratio)
        if src.kind == "serial":
            out = render_int(idx + 1)
        elif src.kind == "uuid":
            out = uuid_of(self.salt(col, "uuid"), idx)
        elif src.kind == "position":
            _, pos = self._grouped()
            domain = self.tp.position_values.get(col)
            out = render_int(pos + 1) if domain is None else np.asarray(domain)[
                pos % len(domain)]
        elif src.kind == "fk":
            self._resolve_fk(src.fk)
            return
        elif src.kind == "time":
            out = self._time(col, src)
        elif src.kind == "range":
            out = self._range(src)
        elif src.kind == "slot":
            out = self._slot(col, src)
        elif src.kind == "sibling":
            out = self._sibling(col)
        elif src.kind == "override":
            out, mask = self._override(col, mask)
        elif src.kind == "null":
            out, mask = np.full(n, "", dtype=np.str_), np.ones(n, dtype=bool)
        else:
            out = self.tp.generators[col](idx)
        self.values[col] = np.asarray(out, dtype=np.str_)
        self.nulls[col] = mask

    def _override(self, col: str, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gen = self.tp.generators[col]
        if callable(gen):
            raw = np.asarray(gen(self.idx), dtype=object)
        else:
            pool = np.asarray(list(gen), dtype=object)
            raw = pool[randint(self.salt(col, "pick"), self.idx, 0, len(pool) - 1)]
        none = np.array([v is None for v in raw.tolist()], dtype=bool)
        text = np.array(["" if v is None else str(v) for v in raw.tolist()], dtype=np.str_)
        return text, mask | none

    # --- foreign keys -----------------------------------------------------------------------

    def _group_index(self) -> GroupIndex:
        tp, dp = self.tp, self.dp
        key = ("groups", tp.name, tp.grouped_fk)
        if key not in dp._cache:
            parent = self._ref_name(tp.table.foreign_keys[tp.grouped_fk])
            cap = tp.group_cap
            if tp.pair_fk is not None:
                pair = self._ref_name(tp.table.foreign_keys[tp.pair_fk])
                cap = dp.rows(pair) if pair in dp.tables else 1
            dp._cache[key] = GroupIndex(tp.fk_dist[tp.grouped_fk], tp.rows, dp.rows(parent),
                                        self.salt("group"), cap)
        return dp._cache[key]

    def _grouped(self) -> tuple[np.ndarray, np.ndarray]:
        parent_idx, pos, _ = self._group_index().locate(self.idx)
        return parent_idx, pos

    def _ref_name(self, fk) -> str:
        schema = fk.ref_schema or self.tp.table.schema
        if fk.ref_table in self.dp.tables:
            return fk.ref_table
        return f"{schema}.{fk.ref_table}"

    def _resolve_fk(self, i: int) -> None:
        tp, dp, idx = self.tp, self.dp, self.idx
        fk = tp.table.foreign_keys[i]
        n = len(idx)
        ref = self._ref_name(fk)
        if n == 0:  # no rows asked for (an empty chain of self-references): nothing to chase
            for c in fk.columns:
                self.values.setdefault(c, np.zeros(0, dtype=np.str_))
                self.nulls.setdefault(c, np.zeros(0, dtype=bool))
            return
        for j in tp.fk_order:  # wider keys first: shared columns come from them
            if j == i:
                break
            if any(c not in self.values for c in tp.table.foreign_keys[j].columns):
                self._resolve_fk(j)
        if ref not in dp.tables:
            for c in fk.columns:
                self.values.setdefault(c, np.full(n, "", dtype=np.str_))
                self.nulls.setdefault(c, np.ones(n, dtype=bool))
            return
        n_parent = dp.rows(ref)
        dist = tp.fk_dist[i]
        salt = self.salt("fk", i)
        if ref == tp.name:  # a column a self-reference maps onto itself is the row's own
            for c, rc in zip(fk.columns, fk.ref_columns):
                if c == rc and tp.sources.get(c) is not None and tp.sources[c].kind != "fk":
                    self.value(c)
        shared = [c for c in fk.columns if c in self.values]
        if tp.grouped_fk == i:
            pidx, _ = self._grouped()
        elif tp.pair_fk == i:
            first, pos = self._grouped()
            pidx = (randint(salt, first, 0, n_parent - 1) + pos) % n_parent
        elif ref == tp.name and not shared:  # self-reference: one of the rows before
            pidx = np.floor(uniform(salt, idx) * idx).astype(np.int64)
        elif shared:
            pidx, found = self._matching(fk, ref, shared, salt)
        else:
            cdf = None
            if isinstance(dist, Zipf):
                cdf = dp._cache.setdefault(("zipf", tp.name, i), zipf_cdf(dist, n_parent, salt))
            pidx = draw_parents(dist, idx, n_parent, salt, cdf)
        if tp.siblings is not None and i in tp.siblings.distinct_fks and n_parent > 1:
            m = len(tp.siblings.values)  # UNIQUE (group, person): consecutive parents
            pidx = (randint(salt + 11, idx // m, 0, n_parent - 1) + idx % m) % n_parent
        if i in tp.fk_filters:  # CHECKs on the key: only parents whose key passes them
            key = ("fk_filter", tp.name, i)
            if key not in dp._cache:
                from .repairing import allowed_parents
                everyone = self.rows_of(ref, np.arange(n_parent)).value(fk.ref_columns[0])
                dp._cache[key] = allowed_parents(tp.resolved_type(fk.columns[0]), everyone,
                                                 tp.fk_filters[i])
            ok = dp._cache[key]
            if len(ok):
                pidx = ok[pidx % len(ok)]
        if i in tp.distinct_fk and n_parent > 1:  # a <> b over the same parents
            j = tp.distinct_fk[i]  # resolved before i (earlier in fk_order)
            if j not in self.parents:
                self.value(tp.table.foreign_keys[j].columns[0])
            pidx = (self.parents[j] + 1 + randint(salt + 7, idx, 0, n_parent - 2)) % n_parent
        if i in tp.one_to_one:  # a UNIQUE foreign key: parent row = row number (+ offset)
            shift = tp.one_to_one[i] * max(n_parent // 2, 1)
            pidx = (idx + shift) % n_parent
        self.parents[i] = pidx
        early = None
        chained = ref == tp.name and any(
            getattr(tp.sources.get(rc), "kind", None) == "fk" for rc in fk.ref_columns)
        if chained:  # the parent's key comes from its own parent: only strictly earlier rows
            early = pidx < idx
            pidx = np.where(early, pidx, 0)
        parent = self.rows_of(ref, pidx if early is None else pidx[early])
        mask = np.zeros(n, dtype=bool)
        if early is not None:
            mask |= ~early
        if i in tp.one_to_one:
            mask |= idx >= n_parent  # more children than parents: the rest stay NULL
        # one draw for the whole key: a composite key is absent as a whole (MATCH SIMPLE),
        # and three independent 10% draws made 27% of the rows orphan-free NULL
        own = [c for c in fk.columns if c not in shared and c in tp.sources]
        if own:
            mask |= self._nulls(own[0], max(tp.sources[c].null_ratio for c in own))
        if ref == tp.name and not shared:
            mask |= idx == 0
        if shared:
            mask |= ~found
        if i in tp.deferred and not getattr(self, "second_pass", False):
            mask |= True
        for c, rc in zip(fk.columns, fk.ref_columns):
            if c in shared:
                continue
            value, null = parent.value(rc), parent.null(rc)
            if early is not None:  # rows without an earlier parent: NULL (the chain's root)
                value = np.where(early, _spread(value, early), "")
                null = np.where(early, _spread(null, early), True)
            self.values[c] = value
            self.nulls[c] = mask | null

    def _matching(self, fk, ref: str, shared: list[str], salt: int
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Parent rows whose shared columns equal this row's (a tenant's own user)."""
        dp = self.dp
        ref_cols = [rc for c, rc in zip(fk.columns, fk.ref_columns) if c in shared]
        key = ("match", ref, tuple(ref_cols))
        if key not in dp._cache:
            everyone = self.rows_of(ref, np.arange(dp.rows(ref)))
            keys = _joined([everyone.value(rc) for rc in ref_cols])
            order = np.argsort(keys, kind="stable")
            dp._cache[key] = (keys[order], order)
        sorted_keys, order = dp._cache[key]
        mine = _joined([self.value(c) for c in shared])
        left = np.searchsorted(sorted_keys, mine, side="left")
        right = np.searchsorted(sorted_keys, mine, side="right")
        count = right - left
        pick = left + np.floor(uniform(salt, self.idx) * count).astype(np.int64)
        found = count > 0
        return order[np.where(found, np.minimum(pick, len(order) - 1), 0)], found

    # --- time -------------------------------------------------------------------------------

    def _anchor_micros(self) -> np.ndarray:
        tp, dp, idx = self.tp, self.dp, self.idx
        start, end = dp.time_range
        pos = dp._cache.setdefault("order", {name: k for k, name in enumerate(dp.order)})
        for i in tp.fk_order:
            fk = tp.table.foreign_keys[i]
            ref = self._ref_name(fk)
            # only a parent loaded earlier: a cycle of NOT NULL keys would chase itself
            if ref in dp.tables and pos[ref] < pos[tp.name] and dp.tables[ref].anchor \
                    and i not in tp.deferred and self.tp.sources.get(fk.columns[0]) is not None:
                self.value(fk.columns[0])
                born = self.rows_of(ref, self.parents[i]).time(dp.tables[ref].anchor)
                return born + (uniform(self.salt("after"), idx) * (end - born)).astype(np.int64)
        step = (end - start) / tp.rows  # root tables: creation time grows with the row number
        return start + ((idx + uniform(self.salt("at"), idx)) * step).astype(np.int64)

    def _time(self, col: str, src) -> np.ndarray:
        start, end = self.dp.time_range
        if src.unique and self.tp.grouped_fk is not None:
            micros = self._grouped_time(col)
        elif src.unique:  # distinct after the type's rounding: a day for dates, 1 s for (0)
            step = max((end - start) // self.tp.rows, self._unit(col))
            step -= step % self._unit(col)
            micros = start + self.idx * step
        elif col == self.tp.anchor:
            micros = self._anchor_micros()
        elif src.time_base is not None:
            base = self.time(src.time_base)
            # at least a second later, so "ends_at > starts_at" holds strictly
            delta = 1_000_000 + uniform(self.salt(col), self.idx) ** 2 * 90 * _DAY
            micros = base + delta.astype(np.int64)
        else:
            micros = start + (uniform(self.salt(col), self.idx) * (end - start)).astype(np.int64)
        if src.time_kind == "date":
            micros = micros - micros % _DAY
        self.micros[col] = micros
        return render_micros(micros, src.time_kind)

    def _grouped_time(self, col: str) -> np.ndarray:
        """Distinct, increasing times within each parent's group, after the parent exists."""
        tp, dp = self.tp, self.dp
        start, end = dp.time_range
        pidx, pos, count = self._group_index().locate(self.idx)
        fk = tp.table.foreign_keys[tp.grouped_fk]
        parent = dp.tables.get(self._ref_name(fk))
        born = np.full(len(pidx), start, dtype=np.int64)
        if parent is not None and parent.anchor and parent is not tp:
            born = self.rows_of(self._ref_name(fk), pidx).time(parent.anchor)
        unit = self._unit(col)  # distinct after rounding: whole days for a date column
        step = np.maximum((end - born) // np.maximum(count, 1), unit)
        step = step - step % unit
        jitter = (uniform(self.salt(col, "jitter"), self.idx) * (step - unit)).astype(np.int64)
        jitter = jitter - jitter % unit
        born = born - born % unit + unit  # rounding never lands two rows on one value
        return born + pos * step + jitter

    def _unit(self, col: str) -> int:
        """The smallest step a time column keeps: a day for a date, 10**(6-p) µs for (p)."""
        typ = self.tp.resolved_type(col)
        if typ.base == "date":
            return _DAY
        return 10 ** (6 - min(typ.params or (6,)))

    def _sibling(self, col: str) -> np.ndarray:
        """Group, key and the next sibling's key of a row in a group of siblings."""
        sib, idx = self.tp.siblings, self.idx
        m = len(sib.values)
        values = np.asarray(sib.values)
        if col == sib.key:
            return values[idx % m]
        if col == sib.other:
            return values[(idx % m + 1) % m]
        group = idx // m
        base = self.tp.resolved_type(col).base
        if base == "uuid":
            return uuid_of(self.salt(col, "group"), group)
        if base in ("smallint", "integer", "bigint", "numeric"):
            return render_int(group + 1)
        return np.strings.add("g-", (group + 1).astype(np.str_))

    def _slot(self, col: str, src) -> np.ndarray:
        """A bound of the row's own slot: rows' ranges never overlap (exclusions)."""
        slot, idx, rows = self.tp.slots[col], self.idx, max(self.tp.rows, 1)
        start, end = self.dp.time_range
        hour = 3_600_000_000
        if slot.role == "day":
            micros = start - start % _DAY + (idx // 24) * _DAY
        elif slot.role in ("tod_lo", "tod_hi"):
            micros = (idx % 24) * hour + (hour // 2 if slot.role == "tod_hi" else 0)
        elif src.time_kind == "num":
            lo = idx * 10
            value = lo if slot.role == "lo" else lo + (9 if slot.inclusive else 10)
            return render_int(value)
        elif src.time_kind == "date":
            k = max(1, (end - start) // _DAY // rows)
            lo = start - start % _DAY + idx * k * _DAY
            micros = lo if slot.role == "lo" else lo + (k - 1 if slot.inclusive else k) * _DAY
        else:
            step = max((end - start) // rows, 2)
            lo = start + idx * step
            micros = lo if slot.role == "lo" else lo + step - (1 if slot.inclusive else 0)
        self.micros[col] = micros
        return render_micros(micros, src.time_kind if src.time_kind != "num" else "timestamp")

    def _range(self, src) -> np.ndarray:
        from .ranges import range_text
        return range_text(src, self.idx, self.tp.rows, self.dp.time_range,
                          self.salt(src.time_kind, "range"))


def _spread(values: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``values`` (one per true entry of ``where``) laid out over all of ``where``."""
    out = np.zeros(len(where), dtype=values.dtype)
    out[where] = values
    return out


def _joined(cols: list[np.ndarray]) -> np.ndarray:
    out = cols[0]
    for c in cols[1:]:
        out = np.strings.add(np.strings.add(out, "\x1f"), c)
    return out


def _render(rows: _Rows, columns: tuple[str, ...]) -> bytes:
    if rows.tp.repair_cols and not rows.checked:  # before any column is read out
        rows._repair()
    out = []
    for col in columns:
        vals = rows.value(col)
        if rows.tp.sources[col].kind not in _SAFE or col in rows.repaired \
                or col in rows.tp.position_values:
            vals = escape(vals)
        # the batch is rendered once and dropped: its arrays may take the NULLs in place,
        # but not an array another column or a cached parent still reads
        mine = vals is not rows.values.get(col)
        out.append(with_nulls(vals, rows.null(col), inplace=mine))
    return to_copy(out)


def batches(plan: DataPlan, table: str, *, batch_rows: int = 50_000) -> Iterator[bytes]:
    """COPY text (``FROM STDIN`` default text format) for ``plan.copy_columns(table)``, in
    batches of ``batch_rows`` rows. The bytes depend only on the plan and its seed, not on
    ``batch_rows``."""
    tp = plan.tables[table]
    columns = plan.copy_columns(table)
    for start in range(0, tp.rows, batch_rows):
        idx = np.arange(start, min(tp.rows, start + batch_rows), dtype=np.int64)
        yield _render(_Rows(plan, tp, idx), columns)


def sample_rows(plan: DataPlan, table: str, n: int, *, runs: int = 20) -> bytes:
    """COPY text of about ``n`` rows: ``runs`` runs of consecutive rows spread evenly over
    the table, in row order — exactly what the full load writes for those rows. Spread, so
    a table whose times grow with the row number is described whole; consecutive within a
    run, so the order rows arrive in (which shapes the B-trees) is seen as it is."""
    tp = plan.tables[table]
    if tp.rows <= 0 or n <= 0:
        return b""
    if n >= tp.rows:
        idx = np.arange(tp.rows, dtype=np.int64)
    else:
        runs = max(1, min(runs, n))
        length = max(1, n // runs)
        starts = np.linspace(0, tp.rows - length, runs).round().astype(np.int64)
        idx = np.unique((starts[:, None] + np.arange(length)[None, :]).ravel())
    return _render(_Rows(plan, tp, idx), plan.copy_columns(table))


def update_batches(plan: DataPlan, update: DeferredUpdate, *, batch_rows: int = 50_000
                   ) -> Iterator[bytes]:
    """COPY text of ``key_columns + columns`` for a deferred foreign key (rows whose value
    is NULL by chance are left out). Load it into a temporary table, then
    ``UPDATE t SET fk = tmp.fk FROM tmp WHERE t.key = tmp.key``."""
    tp = plan.tables[update.table]
    cols = (*update.key_columns, *update.columns)
    for start in range(0, tp.rows, batch_rows):
        idx = np.arange(start, min(tp.rows, start + batch_rows), dtype=np.int64)
        rows = _Rows(plan, tp, idx)
        rows.second_pass = True
        if tp.repair_cols:  # a CHECK may want the key NULL: the update then leaves it so
            rows._repair()
        keep = ~np.any([rows.null(c) for c in update.columns], axis=0)
        if keep.any():
            sub = _Rows(plan, tp, idx[keep])
            sub.second_pass = True
            yield _render(sub, cols)

"""The "Indexes" section: every index of every table (those behind constraints first) by kind
and shape, the operators it answers, the query patterns whose SQL its keys match — the
advisor's rule of thumb, applied to the advisor's own reading of each pattern — the foreign
keys it supports and, with evidence, the plans that read it or skipped it. The scale section
reuses :func:`_table_indexes` and :func:`_serves` to find what can deliver an ORDER BY."""
from __future__ import annotations

from pgarch_kit.model import ForeignKey, Index, IndexKey, Table
from pgarch_kit.model.default_names import constraint_names
from pgarch_kit.model.query import Service, service
from pgarch_kit.model.types import parse_type

from ._context import _code, _cols, _Doc, _label, _ms, _Use

_KIND = {"btree": "B-tree", "hash": "hash", "gin": "GIN", "gist": "GiST", "spgist": "SP-GiST",
         "brin": "BRIN"}


def _key_text(k: IndexKey) -> str:
    text = k.column + (f" {k.opclass}" if k.opclass else "")
    text += " DESC" if k.descending else ""
    if k.nulls_first is not None:
        text += " NULLS FIRST" if k.nulls_first else " NULLS LAST"
    return text


def _table_indexes(t: Table) -> list[tuple[Index, str | None]]:
    """Every index of a table: those behind its constraints (with what they back) first."""
    out: list[tuple[Index, str | None]] = []
    names = constraint_names(t)
    if t.primary_key is not None and names.primary_key:
        pk = t.primary_key
        out.append((Index(names.primary_key, tuple(IndexKey(c) for c in pk.columns),
                          unique=True, include=pk.include), "the primary key"))
    for u, name in zip(t.uniques, names.uniques, strict=True):
        out.append((Index(name, tuple(IndexKey(c) for c in u.columns), unique=True,
                          include=u.include), f"unique constraint {name}"))
    for x, name in zip(t.exclusions, names.exclusions, strict=True):
        keys = tuple(IndexKey(e.expression.strip("()"), expression=e.expression.startswith("("),
                              opclass=e.opclass) for e in x.elements)
        out.append((Index(name, keys, method=x.using, include=x.include, where=x.where),
                    f"exclusion constraint {name}"))
    out += [(i, None) for i in t.indexes]
    return out


def _shape(ix: Index) -> str:
    kind = _KIND.get(ix.method, ix.method)
    traits = [t for t, on in (("unique", ix.unique), ("partial", ix.where),
                              ("covering", ix.include),
                              ("expression", any(k.expression for k in ix.keys))) if on]
    text = f"{' '.join(traits)} {kind}".strip() if traits else kind
    text += f" on ({', '.join(_key_text(k) for k in ix.keys)})"
    if ix.include:
        text += f" INCLUDE ({_cols(ix.include)})"
    if ix.where:
        text += f" WHERE {ix.where}"
    return text


def _serves(ix: Index, use: _Use, tenant_key: str | None = None) -> Service | None:
    """How ``ix`` serves one use of its table (:func:`pgarch_kit.model.query.service`, the
    advisor's own answer)."""
    return service(ix, use.use, tenant_key=tenant_key)


def _answers(ix: Index, t: object) -> str | None:
    """The operators a non-B-tree index can answer, from its method, opclass and the type
    of its first key — what the index is *for* even where no pattern names it."""
    col = t.column(ix.keys[0].column) if isinstance(t, Table) and ix.keys else None
    try:
        base = parse_type(col.type) if col is not None else None
    except ValueError:
        base = None
    opclass = ix.keys[0].opclass or "" if ix.keys else ""
    if ix.method == "hash":
        return "equality (=) only, with a 4-byte hash per row whatever the key's width"
    if ix.method == "brin":
        return ("ranges on a column whose values follow the physical row order, with one "
                "summary per block range instead of one entry per row")
    if ix.method == "gin":
        if opclass == "jsonb_path_ops":
            return "jsonb containment @> (and jsonpath @?, @@), smaller than jsonb_ops"
        if "trgm" in opclass:
            return "LIKE/ILIKE with infix wildcards and similarity (%)"
        if base is not None and base.is_array:
            return "array @>, <@ and && (overlap)"
        if base is not None and base.base == "jsonb":
            return "jsonb @>, ?, ?| and ?& (keys and containment)"
        if base is not None and base.base == "tsvector":
            return "full-text matches (@@)"
        return None
    if ix.method in ("gist", "spgist"):
        return "overlap (&&), containment (@>, <@) and nearest-neighbour (<->) searches"
    return None


def _fk_supported(ix: Index, t: Table) -> list[ForeignKey]:
    if ix.method != "btree" or ix.where:
        return []
    lead = [k.column for k in ix.keys if not k.expression]
    return [fk for fk in t.foreign_keys
            if set(lead[:len(fk.columns)]) == set(fk.columns)]


def _index_line(doc: _Doc, t: Table | object, ix: Index, backs: str | None) -> str:
    key = (getattr(t, "schema", "public"), getattr(t, "name", ""))
    parts = [f"- {_code(ix.name)} — {_shape(ix)}"]
    if (answers := _answers(ix, t)) is not None:
        parts.append(f"answers {answers}")
    if backs:
        parts.append(f"backs {backs}")
    elif ix.unique:
        parts.append(f"enforces uniqueness of ({_cols(_key_text(k) for k in ix.keys)})"
                     + (" among rows matching its WHERE" if ix.where else ""))
    tenant = t.intent.tenant_key if isinstance(t, Table) else None
    served = [(u.pattern.name, s.how) for u in doc.uses.get(key, [])
              if (s := _serves(ix, u, tenant)) is not None]
    served = list(dict.fromkeys(served))
    if served:
        parts.append("serves " + "; ".join(f"{_code(n)} ({how})" for n, how in served))
    fks = _fk_supported(ix, t) if isinstance(t, Table) else []
    if fks:
        parts.append("supports " + "; ".join(
            f"FK ({_cols(fk.columns)}) → {fk.ref_table}: deleting a row of {fk.ref_table} "
            f"finds its rows in {_label(t)} through it" for fk in fks))
    if doc.ev is not None and doc.design.queries:
        used = doc.ev.used_by(ix.name)
        if used:
            parts.append("measured: read by " + "; ".join(
                f"{_code(p.pattern)} (median {_ms(p.median_ms)} ms)" for p in used))
        for name, _ in served:
            p = doc.pattern_ev(name)
            if p is not None and p.measured and p not in used:
                parts.append(f"measured: not read by {_code(name)} at scale {doc.ev.scale:g} — "
                             f"the planner chose {p.plan}")
    if not backs and not ix.unique and not served and not fks and doc.design.queries:
        parts.append("no query pattern, constraint or foreign key uses it: a pattern is "
                     f"missing from {_code('queries:')}, or the index is a candidate to drop")
    return "; ".join(parts) + "."


def _indexes(doc: _Doc) -> list[str]:
    out = ["### Indexes", ""]
    items = [(t, _table_indexes(t)) for t in doc.tables]
    items += [(v, [(i, None) for i in v.indexes]) for v in doc.design.views if v.indexes]
    total = sum(len(ix) for _, ix in items)
    behind = sum(1 for _, ix in items for _, b in ix if b)
    out.append(f"{total} indexes: {behind} behind constraints, {total - behind} declared. "
               + ("Which patterns an index serves is read from each pattern's SQL"
                  + (f"; what the plans read was measured at scale {doc.ev.scale:g} on "
                     f"PostgreSQL {doc.ev.server_version_text}." if doc.ev is not None else ".")
                  if doc.design.queries else
                  f"The design declares no query patterns ({_code('queries:')}), so no index is "
                  "claimed to serve one; only constraints and foreign keys are matched."))
    out.append("")
    for t, ixs in items:
        if not ixs:
            continue
        kind = "materialized view" if not isinstance(t, Table) else "table"
        parts = doc.partitions(t) if isinstance(t, Table) else []
        out.append(f"**{_label(t)}**" + (f" ({kind})" if kind != "table" else "")
                   + (f" — created on each of its {len(parts)} partitions" if parts else ""))
        out.append("")
        out += [_index_line(doc, t, ix, backs) for ix, backs in ixs]
        out.append("")
    missing = [f for f in doc.report.sorted() if f.rule in (
        "fk-without-index", "query-pattern-without-index", "jsonb-queried-without-gin")]
    out += [f"- missing ({f.rule}, {f.where}): {f.message} — {_code(f.fix)}" for f in missing]
    return out + ([""] if missing else [])

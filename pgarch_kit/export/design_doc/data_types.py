"""The "Data types" section: for each column whose type says something, why that type — read
from the type itself and from what the design does with the column (identity or sequence,
default, checks, the key it copies, the patterns that range over or sort by it)."""
from __future__ import annotations

import re

from pgarch_kit.model import Column, Table
from pgarch_kit.model.types import parse_type, short_type

from ._context import _MONTHS, _V4, _V7, _cell, _code, _cols, _Doc, _label

_INT_MAX = {"smallint": 2 ** 15 - 1, "integer": 2 ** 31 - 1, "bigint": 2 ** 63 - 1}
_MONEY = re.compile(r"price|amount|total|cost|fee|balance|salary|charge|tax|discount", re.I)


def _range_use(doc: _Doc, t: Table, c: Column, maximum: int) -> str | None:
    rows = doc.horizon(t)
    if rows is None:
        return None
    pct = 100 * rows / maximum
    share = "under 0.001%" if pct < 0.001 else f"{pct:.3g}%"
    text = f"{rows:,} rows expected after {_MONTHS} months use {share} of its range"
    growth = t.intent.growth_per_month or 0
    if growth and maximum < 2 ** 40:
        years = (maximum - (t.intent.rows or 0)) / growth / 12
        text += ("; at this growth it lasts over 1,000 years" if years > 1000 else
                 f"; at {growth:,} rows a month it runs out in {years:,.0f} years")
    return text


def _type_clause(doc: _Doc, t: Table, c: Column) -> list[str]:
    try:
        pt = parse_type(c.type)
    except ValueError:
        return [f"the kit cannot read {c.type!r} as a type"]
    base, p = pt.base, pt.params
    d = doc.design
    enum = next((e for e in d.enums if base in (e.name, f"{e.schema}.{e.name}")), None)
    domain = next((x for x in d.domains if base in (x.name, f"{x.schema}.{x.name}")), None)
    out: list[str] = []
    if pt.is_array:
        out.append(f"an array of {base}: one value holds many, searchable with GIN, but no "
                   f"foreign key can point from its elements")
    if c.identity:
        out.append(f"identity ({c.identity}): the server numbers rows"
                   + (" and rejects ids supplied by an INSERT" if c.identity == "always" else
                      "; an INSERT may supply its own id, which the sequence does not skip"))
    elif c.default and "nextval(" in c.default:
        out.append("numbered by a sequence default (serial style): the sequence is a separate "
                   "object to grant and to move with the table")
    ref = doc.fk_of(t, c.name)
    if base in _INT_MAX and not pt.is_array:
        if c.identity or (t.primary_key and t.primary_key.columns == (c.name,)):
            usage = _range_use(doc, t, c, _INT_MAX[base])
            out.append(usage or f"up to {_INT_MAX[base]:,}")
        if ref is not None and ref[1] is not None and (rc := ref[1].column(ref[2])):
            same = parse_type(rc.type).base == base if rc.type else False
            out.append(f"{'matches' if same else 'differs from'} {ref[1].name}.{ref[2]} "
                       f"({short_type(rc.type)})")
    elif base == "numeric":
        if len(p) == 2:
            top = f"{10 ** (p[0] - p[1]) - 1:,}" + (f".{'9' * p[1]}" if p[1] else "")
            out.append(f"exact decimal up to {top} with {p[1]} decimal places")
        else:
            out.append("exact decimal of unbounded precision (no scale fixed)")
        if _MONEY.search(c.name):
            out.append("an amount of money: exact sums, unlike float")
    elif base == "timestamp with time zone":
        out.append("an absolute instant (stored as UTC, shown in the session's zone)")
    elif base == "timestamp without time zone":
        out.append("a wall-clock time without zone: the same value is a different instant "
                   "in each zone")
    elif base == "date":
        out.append("a calendar day without time of day")
    elif base == "citext":
        declared = any(e.name == "citext" for e in d.extensions)
        out.append("case-insensitive text: equality and unique indexes ignore case"
                   + ("" if declared else " (the citext extension is not declared)"))
    elif base == "jsonb":
        out.append("binary JSON: parsed once on write, indexable with GIN")
    elif base == "json":
        out.append("JSON kept as text: re-parsed on each access, no GIN index")
    elif enum is not None:
        out.append(f"enum {enum.name} ({', '.join(enum.values)}): 4 bytes, unknown values "
                   f"rejected; a value can be added but not removed")
    elif domain is not None:
        checks = "; ".join(x.expression for x in domain.checks)
        out.append(f"domain {domain.name} over {domain.type}"
                   + (f" checked by {_code(checks)}" if checks else ""))
    elif base == "uuid":
        gen = ("random (v4)" if c.default and _V4.search(c.default) else
               "time-ordered (v7)" if c.default and _V7.search(c.default) else None)
        if gen:
            out.append(f"{gen} uuid from {_code(c.default)}")
        elif ref is not None:
            out.append(f"copies {ref[0].ref_table}.{ref[2]}")
        else:
            out.append("uuid without a default: the application supplies it")
    elif base == "character varying":
        out.append(f"at most {p[0]} characters" if p else "varchar without a limit, as text")
    elif base == "character":
        out.append(f"blank-padded to {p[0] if p else 1} characters")
    elif base == "boolean":
        out.append("true/false" + (", and NULL as a third state" if c.nullable else ""))
    elif base in ("double precision", "real"):
        digits = 15 if base == "double precision" else 6
        out.append(f"binary floating point (~{digits} significant digits): approximate")
    elif base == "tsvector":
        out.append("a pre-parsed full-text document")
    elif base.endswith("range"):
        out.append(f"a {base}: overlap (&&) and containment (@>) operators")
    elif base in ("inet", "cidr"):
        out.append("an IP address or network, validated on input")
    elif base == "money":
        out.append("the money type: fixed two decimals, output depends on lc_monetary")
    elif base == "bytea":
        out.append("raw bytes, stored out of line (TOAST) when large")
    elif base == "interval":
        out.append("a duration (months, days and microseconds kept apart)")
    elif base not in ("text",) and not pt.is_builtin:
        out.append(f"{base}: a user-defined or extension type")
    return out


def _column_facts(doc: _Doc, t: Table, c: Column) -> list[str]:
    out = []
    if c.generated:
        out.append(f"generated ({c.generated_kind}) from {_code(c.generated)}")
    elif c.default and not c.identity and "nextval(" not in c.default \
            and not _V4.search(c.default) and not _V7.search(c.default):
        out.append(f"default {_code(c.default)}")
    if c.name == t.intent.soft_delete:
        out.append("NULL while the row is live: the table's soft-delete marker")
    if c.name == t.intent.tenant_key:
        out.append("the tenant key")
    if t.partition_by is not None and c.name in t.partition_by.keys:
        out.append(f"the {t.partition_by.strategy} partition key")
    word = re.compile(rf"\b{re.escape(c.name)}\b")
    out += [f"CHECK {_code(k.name or k.expression)}" for k in t.checks
            if word.search(k.expression)]
    special = [i.name for i in t.indexes if i.method != "btree"
               and any(k.column == c.name for k in i.keys)]
    if special:
        out.append("indexed by " + ", ".join(_code(n) for n in special))
    sorted_by = sorted({u.pattern.name for u in doc.uses.get(t.key, [])
                        if c.name in u.rng or c.name in u.order})
    if sorted_by:
        out.append("ranged or sorted by " + ", ".join(_code(n) for n in sorted_by))
    if c.comment:
        out.append(f"comment: {c.comment}")
    out += [f"advisor {_code(f.rule)} ({f.severity})"
            for f in doc.findings(_label(t), c.name, ("types",))]
    return out


def _data_types(doc: _Doc) -> list[str]:
    out = ["### Data types", ""]
    if not doc.tables:
        return [*out, "The design has no tables.", ""]
    for t in doc.tables:
        rows, plain = [], []
        for c in t.columns:
            why = _type_clause(doc, t, c)
            facts = _column_facts(doc, t, c)
            if not why and not facts:
                plain.append(c.name)
                continue
            nn = "" if c.nullable and not c.identity else " NOT NULL"
            rows.append(f"| {_cell(c.name)} | {_code(short_type(c.type) + nn)} | "
                        f"{_cell('; '.join(why + facts))} |")
        parts = doc.partitions(t)
        out.append(f"**{_label(t)}**" + (f" (rows in {len(parts)} partitions: "
                                          f"{_cols(p.name for p in parts)})" if parts else ""))
        out.append("")
        if rows:
            out += ["| column | type | why this type |", "|---|---|---|", *rows]
        if plain:
            out += ["", f"Plain {'text' if all(_is_text(t, n) for n in plain) else 'columns'}"
                        f" with nothing more to decide: {_cols(plain)}."]
        out.append("")
    return out


def _is_text(t: Table, name: str) -> bool:
    c = t.column(name)
    return c is not None and c.type == "text"

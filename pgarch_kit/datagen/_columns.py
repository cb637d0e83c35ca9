"""What the design says about each column, read once per table: its type resolved to
something a generator knows (domains unwrapped, enum labels, range subtypes, composite
attributes; quoted and schema-qualified names such as ``"SecretStoreProvider"`` or
``extensions.vector`` matched like PostgreSQL matches them), the rules its CHECKs and domain
checks impose, and the column sets that must be unique (primary key, UNIQUE constraints,
unique indexes on columns or on ``lower(col)``-style expressions).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.design import Column, Design, Table
from ..model.types import EXTENSION_TYPES, PgType, parse_type
from .checks import ColumnRule, parse_check

__all__ = ["Resolved", "column_rules", "column_type", "resolve", "type_name", "unique_sets"]

# built-in range types and their subtypes
RANGES = {"int4range": "integer", "int8range": "bigint", "numrange": "numeric",
          "tsrange": "timestamp without time zone", "tstzrange": "timestamp with time zone",
          "daterange": "date"}
MULTIRANGES = {"int4multirange": "int4range", "int8multirange": "int8range",
               "nummultirange": "numrange", "tsmultirange": "tsrange",
               "tstzmultirange": "tstzrange", "datemultirange": "daterange"}


def type_name(text: str) -> tuple[str | None, str]:
    """(schema or None, name) of a user type spelling, quotes removed: ``"Foo"`` → Foo,
    ``public.foo`` → (public, foo); unquoted parts fold to lower case as PostgreSQL does."""
    parts = re.findall(r'"((?:[^"]|"")*)"|([^."]+)', text.strip())
    names = [q.replace('""', '"') if q else u.strip().lower() for q, u in parts]
    if not names:
        return None, text
    return (names[-2] if len(names) > 1 else None), names[-1]


@dataclass(frozen=True)
class Resolved:
    """A column's type as generators see it."""

    type: PgType                              # the base type (domains unwrapped)
    enum: tuple[str, ...] | None = None       # enum labels
    checks: tuple[str, ...] = ()              # domain CHECKs, in terms of VALUE
    not_null: bool = False                    # a domain says NOT NULL
    subtype: PgType | None = None             # a range type's subtype
    multirange: bool = False
    attributes: tuple[tuple[str, Resolved], ...] | None = None  # a composite's attributes


def _find(items, schema: str | None, name: str):
    for it in items:
        if it.name == name and (schema is None or it.schema == schema):
            return it
    if name != name.lower() or schema is not None:  # written unquoted in the design file
        for it in items:
            if it.name.lower() == name.lower() and (schema is None or it.schema == schema):
                return it
    return None


def _range_types(design: Design) -> list:
    """User-defined range types, whichever field the model keeps them in (name, schema,
    subtype)."""
    out = []
    for attr in ("ranges", "range_types"):
        out += [r for r in getattr(design, attr, ()) or () if hasattr(r, "subtype")]
    return out


def resolve(text: str, design: Design | None, depth: int = 0) -> Resolved:
    """Resolve a type spelling against the design (domains over domains, arrays kept)."""
    try:
        typ = parse_type(text)
    except ValueError:
        return Resolved(PgType("text"))
    if typ.is_builtin or design is None or depth > 8:
        if typ.base in RANGES:
            return Resolved(typ, subtype=parse_type(RANGES[typ.base]))
        if typ.base in MULTIRANGES:
            return Resolved(typ, subtype=parse_type(RANGES[MULTIRANGES[typ.base]]),
                            multirange=True)
        return Resolved(typ)
    schema, name = type_name(typ.base)
    arr = typ.is_array
    if (e := _find(design.enums, schema, name)) is not None:
        return Resolved(PgType("text", (), arr), enum=tuple(e.values))
    if (d := _find(design.domains, schema, name)) is not None:
        inner = resolve(d.type, design, depth + 1)
        base = inner.type if not arr else PgType(inner.type.base, inner.type.params, True)
        checks = () if arr else tuple(c.expression for c in d.checks) + inner.checks
        return Resolved(base, inner.enum, checks, (d.not_null or inner.not_null) and not arr,
                        inner.subtype, inner.multirange, inner.attributes)
    if (r := _find(_range_types(design), schema, name)) is not None:
        return Resolved(PgType(name, (), arr), subtype=parse_type(r.subtype))
    if (c := _find(design.composites, schema, name)) is not None:
        attrs = tuple((a, resolve(t, design, depth + 1)) for a, t in c.attributes)
        return Resolved(PgType(name, (), arr), attributes=attrs)
    if name in EXTENSION_TYPES:  # extensions.vector(1536): the extension's own type
        return Resolved(PgType(name, typ.params, arr))
    return Resolved(typ)


def column_type(c: Column, design: Design | None = None) -> PgType:
    """The column's type; a domain is read as its base type (its checks are rules)."""
    return resolve(c.type, design).type


def column_rules(design: Design, t: Table, warnings: list[str] | None = None,
                 unknown: dict[str, list[str]] | None = None) -> dict[str, ColumnRule]:
    """Per-column rules from the table's CHECKs and its columns' domain checks. Terms not
    understood go to ``unknown`` (check name → terms) for the multi-column planner."""
    rules: dict[str, ColumnRule] = {}
    for chk in t.checks:
        terms = parse_check(chk.expression, rules)
        if terms and unknown is not None:
            unknown[chk.name or chk.expression] = terms
    for c in t.columns:
        for expr in resolve(c.type, design).checks:
            terms = parse_check(expr, rules, value_name=c.name)
            if terms and unknown is not None:
                unknown[f"domain check of {c.name}: {expr}"] = terms
    return rules


def unique_sets(t: Table, *, partial: bool = False) -> list[tuple[str, ...]]:
    """Column sets that must be unique. Partial unique indexes (``WHERE …``) are left out
    unless ``partial``: they bind only the rows their predicate selects."""
    sets = [t.primary_key.columns] if t.primary_key else []
    sets += [u.columns for u in t.uniques]
    for ix in t.indexes:
        if ix.unique and (partial or not ix.where):
            cols = index_columns(ix)
            if cols is not None and all(t.column(c) is not None for c in cols):
                sets.append(cols)
    return sets


def index_columns(ix) -> tuple[str, ...] | None:
    """The columns of an index whose keys are columns or lower()/upper()/btrim() of one."""
    cols = []
    for k in ix.keys:
        text = k.column.strip()
        while text.startswith("(") and text.endswith(")"):  # ((lower(address::text)))
            text = text[1:-1].strip()
        text = re.sub(r"::[\w .\"]+?(?=\)|$)", "", text)  # casts inside
        text = re.sub(r'(?<![\w$])\((\w+|"[^"]+")\)', r"\1", text)  # (address) -> address
        m = re.fullmatch(r'(?:lower|upper|btrim)\(\s*(\w+|"[^"]+")\s*\)|(\w+|"[^"]+")', text)
        if m is None:
            return None
        name = m[1] or m[2]
        cols.append(name[1:-1].replace('""', '"') if name.startswith('"') else name)
    return tuple(cols)

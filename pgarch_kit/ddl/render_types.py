"""Renderers for what tables stand on: roles, schemas, extensions, collations, enum, domain,
composite and range types, sequences. Each function takes one model node and returns
statements (no trailing blank lines); the script decides the order.
"""
from __future__ import annotations

from ..model.design import CompositeType, Domain, EnumType, Extension, Schema, Sequence
from ..model.names import quote_ident
from ..model.objects import Collation, RangeType
from ._common import literal, need_version, ref, rel, statement, wrap

__all__ = [
    "collation_sql",
    "composite_sql",
    "domain_sql",
    "enum_sql",
    "extension_sql",
    "range_sql",
    "role_sql",
    "schema_sql",
    "sequence_owned_by_sql",
    "sequence_sql",
]

# Role specifications that are keywords, not role names; they are never created.
ROLE_KEYWORDS = frozenset({"public", "current_user", "current_role", "session_user"})


def dollar_tag(body: str, base: str = "role") -> str:
    """A dollar-quote tag (``$base$``, ``$base1$`` …) that ``body`` does not contain."""
    tag, n = f"${base}$", 0
    while tag in body:
        n += 1
        tag = f"${base}{n}$"
    return tag


def role_sql(role: str) -> list[str]:
    """CREATE ROLE ... NOLOGIN when missing: roles are cluster-wide, so a second database (or a
    second run) must not fail on a role that exists already."""
    if role in ROLE_KEYWORDS:
        return []
    body = (f"\nBEGIN\n    CREATE ROLE {quote_ident(role)} NOLOGIN;\n"
            "EXCEPTION WHEN duplicate_object THEN NULL;\nEND\n")
    tag = dollar_tag(body)
    return [f"DO {tag}{body}{tag};"]


def schema_sql(schema: Schema) -> list[str]:
    out = []
    if schema.name != "public":
        out.append(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema.name)};")
    if schema.comment is not None:
        out.append(f"COMMENT ON SCHEMA {quote_ident(schema.name)} IS {literal(schema.comment)};")
    return out


def extension_sql(ext: Extension) -> list[str]:
    """CREATE EXTENSION, and its comment where the design changes it (in the same section: only
    the extension's owner, the role that creates it, may comment on it)."""
    where = f" WITH SCHEMA {quote_ident(ext.schema)}" if ext.schema else ""
    out = [f"CREATE EXTENSION IF NOT EXISTS {quote_ident(ext.name)}{where};"]
    if ext.comment is not None:
        out.append(f"COMMENT ON EXTENSION {quote_ident(ext.name)} IS {literal(ext.comment)};")
    return out


def enum_sql(enum: EnumType) -> list[str]:
    values = ", ".join(literal(v) for v in enum.values)
    return [f"CREATE TYPE {rel(enum.schema, enum.name)} AS ENUM ({values});"]


def domain_sql(domain: Domain) -> list[str]:
    parts = [f"CREATE DOMAIN {rel(domain.schema, domain.name)} AS {domain.type}"]
    if domain.collation:
        parts.append(f"COLLATE {ref(domain.collation)}")
    if domain.default is not None:
        parts.append(f"DEFAULT {domain.default}")
    if domain.not_null:
        parts.append("NOT NULL")
    later = []
    for check in domain.checks:
        named = f"CONSTRAINT {quote_ident(check.name)} " if check.name else ""
        if check.not_valid:  # values already stored were never checked: added unchecked
            later.append(f"ALTER DOMAIN {rel(domain.schema, domain.name)}\n    ADD {named}"
                         f"CHECK {wrap(check.expression)} NOT VALID;")
        else:
            parts.append(f"{named}CHECK {wrap(check.expression)}")
    return [statement("\n    ".join(parts)), *later]


def composite_sql(comp: CompositeType) -> list[str]:
    attrs = ",\n    ".join(f"{quote_ident(n)} {t}" for n, t in comp.attributes)
    body = f"(\n    {attrs}\n)" if attrs else "()"
    return [f"CREATE TYPE {rel(comp.schema, comp.name)} AS {body};"]


def sequence_sql(seq: Sequence) -> list[str]:
    """Every option spelled out, so the sequence does not depend on server defaults."""
    lines = [f"CREATE SEQUENCE {rel(seq.schema, seq.name)}",
             f"AS {seq.data_type}",
             f"START WITH {seq.start}",
             f"INCREMENT BY {seq.increment}",
             f"MINVALUE {seq.min_value}" if seq.min_value is not None else "NO MINVALUE",
             f"MAXVALUE {seq.max_value}" if seq.max_value is not None else "NO MAXVALUE",
             f"CACHE {seq.cache}"]
    if seq.cycle:
        lines.append("CYCLE")
    return [statement("\n    ".join(lines))]


def sequence_owned_by_sql(seq: Sequence) -> list[str]:
    """OWNED BY comes after the tables: the owning column must exist."""
    if seq.owned_by is None:
        return []
    table, column = seq.owned_by
    return [(f"ALTER SEQUENCE {rel(seq.schema, seq.name)} OWNED BY "
            f"{rel(seq.schema, table)}.{quote_ident(column)};")]


def collation_sql(coll: Collation, server_version: int = 180000) -> list[str]:
    """CREATE COLLATION with its provider and locale spelled out (the server's default
    provider is libc, but saying it keeps the script independent of that)."""
    opts = [f"provider = {coll.provider}"]
    if coll.provider == "builtin":
        need_version(server_version, 170000, f"the builtin provider of collation {coll.name}")
    if coll.locale is not None:
        opts.append(f"locale = {literal(coll.locale)}")
    if coll.lc_collate is not None:
        opts.append(f"lc_collate = {literal(coll.lc_collate)}")
    if coll.lc_ctype is not None:
        opts.append(f"lc_ctype = {literal(coll.lc_ctype)}")
    if not coll.deterministic:
        opts.append("deterministic = false")
    if coll.rules is not None:
        need_version(server_version, 160000, f"ICU rules of collation {coll.name}")
        opts.append(f"rules = {literal(coll.rules)}")
    return [f"CREATE COLLATION {rel(coll.schema, coll.name)} ({', '.join(opts)});"]


def range_sql(rng: RangeType) -> list[str]:
    """CREATE TYPE … AS RANGE; the multirange type is named with the range's schema, where
    PostgreSQL would put it by default."""
    opts = [f"SUBTYPE = {rng.subtype}"]
    if rng.subtype_opclass:
        opts.append(f"SUBTYPE_OPCLASS = {ref(rng.subtype_opclass)}")
    if rng.collation:
        opts.append(f"COLLATION = {ref(rng.collation)}")
    if rng.canonical:
        opts.append(f"CANONICAL = {ref(rng.canonical)}")
    if rng.subtype_diff:
        opts.append(f"SUBTYPE_DIFF = {ref(rng.subtype_diff)}")
    if rng.multirange:
        multi = (ref(rng.multirange) if "." in rng.multirange or '"' in rng.multirange
                 else rel(rng.schema, rng.multirange))
        opts.append(f"MULTIRANGE_TYPE_NAME = {multi}")
    body = ",\n    ".join(opts)
    return [f"CREATE TYPE {rel(rng.schema, rng.name)} AS RANGE (\n    {body}\n);"]

"""Validation of a design: every problem at once, each with a dotted path and a fix.

:func:`validate` runs a list of small rules over a :class:`Design` and collects
:class:`~pgarch_kit.errors.Problem`s; :func:`check` raises :class:`DesignError` when there are
any. Paths name objects the way a reader finds them: ``orders`` (a table, ``app.orders`` outside
``public``), ``orders.customer_id`` (a column), ``orders.foreign_keys[0]``,
``orders.indexes.orders_by_day``, ``enums.status``. The design file reader maps these paths to
line numbers, so keep them stable.

The rules check what PostgreSQL would reject, and what it would silently accept differently
from what the design says (truncated names, a nullable primary key column made NOT NULL).
Each ``_check_*`` function is one family of rules; ``_RULES`` at the end lists them in order.
"""
from __future__ import annotations

import difflib
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import DesignError, Problem
from .design import (
    FK_ACTIONS,
    INDEX_METHODS,
    Column,
    CompositeType,
    Design,
    Domain,
    EnumType,
    Exclusion,
    Index,
    PrimaryKey,
    QueryPattern,
    RangeType,
    Table,
    Unique,
)
from .fragments import fragment_problems, sql_problem
from .names import MAX_IDENT_BYTES, identifier_problem, shorten
from .types import BUILTIN_TYPES, EXTENSION_TYPES, PgType, parse_type
from .validate_objects import RULES as _OBJECT_RULES

__all__ = ["check", "label", "validate"]

_INTEGERS = ("smallint", "integer", "bigint")
_ROLE_WORDS = frozenset({"public", "current_user", "session_user", "current_role"})


def validate(design: Design) -> list[Problem]:
    """Every problem of ``design`` (an empty list when it is valid)."""
    ctx = _Context.of(design)
    return [problem for rule in _RULES for problem in rule(ctx)]


def check(design: Design) -> Design:
    """Return ``design`` unchanged when valid; raise :class:`DesignError` listing all problems."""
    problems = validate(design)
    if problems:
        raise DesignError(problems, source=f"design {design.name!r}")
    return design


def label(schema: str, name: object) -> str:
    """How paths name a schema object: bare in ``public``, ``schema.name`` elsewhere."""
    return f"{name}" if schema == "public" else f"{schema}.{name}"


def _suggest(name: object, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(name), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------- lookups

@dataclass
class _Context:
    design: Design
    tables: dict[tuple[str, str], Table] = field(default_factory=dict)
    views: set[tuple[str, str]] = field(default_factory=set)
    types: dict[tuple[str, str], EnumType | Domain | CompositeType | RangeType] = field(
        default_factory=dict)
    extensions: set[str] = field(default_factory=set)
    extension_schemas: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, design: Design) -> _Context:
        ctx = cls(design)
        for t in design.tables:
            ctx.tables.setdefault(t.key, t)
        ctx.views = {v.key for v in design.views}
        for typ in (*design.enums, *design.domains, *design.composites, *design.ranges):
            ctx.types.setdefault((typ.schema, typ.name), typ)
        for rg in design.ranges:  # its multirange type stands for the range
            if isinstance(rg.multirange_name, str):
                ctx.types.setdefault((rg.schema, rg.multirange_name), rg)
        ctx.extensions = {e.name for e in design.extensions if isinstance(e.name, str)}
        for e in design.extensions:
            if isinstance(e.schema, str):
                ctx.extension_schemas.setdefault(e.schema, set()).add(e.name)
        return ctx

    def columns(self, table: Table, _seen: frozenset = frozenset()) -> dict[str, Column]:
        """The columns a table really has: a partition declared without columns inherits
        its parent's."""
        if not table.columns and table.partition_of and table.key not in _seen:
            parent = self.tables.get(table.partition_parent)
            if parent is not None:
                return self.columns(parent, _seen | {table.key})
        return {c.name: c for c in table.columns}

    def user_type(self, base: str, schema: str):
        """The design's enum/domain/composite a type name refers to, or ``None``."""
        parts = _split_name(base)
        if parts is None:
            return None
        if len(parts) == 2:
            return self.types.get((parts[0], parts[1]))
        if len(parts) == 1:
            for key in ((schema, parts[0]), ("public", parts[0])):
                if key in self.types:
                    return self.types[key]
            return next((t for (_, n), t in self.types.items() if n == parts[0]), None)
        return None

    def resolve(self, text: str, schema: str, _depth: int = 0) -> PgType | None:
        """The type a column really stores: domains resolved to their base type; user types
        become ``schema.name``. ``None`` when unknown or unreadable."""
        try:
            t = parse_type(text)
        except (ValueError, TypeError):
            return None
        user = self.user_type(t.base, schema)
        if isinstance(user, Domain) and _depth < 10:
            inner = self.resolve(user.type, user.schema, _depth + 1)
            return None if inner is None else PgType(inner.base, inner.params,
                                                     inner.is_array or t.is_array)
        if user is not None:
            return PgType(f"{user.schema}.{user.name}", (), t.is_array)
        return t


def _split_name(text: str) -> list[str] | None:
    """Split a possibly quoted, possibly schema-qualified name as PostgreSQL reads it:
    unquoted parts fold to lower case, ``""`` inside quotes is one quote."""
    parts: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            j, buf = i + 1, []
            while True:
                k = text.find('"', j)
                if k < 0:
                    return None
                buf.append(text[j:k])
                if k + 1 < n and text[k + 1] == '"':
                    buf.append('"')
                    j = k + 2
                    continue
                break
            parts.append("".join(buf))
            i = k + 1
        else:
            k = text.find(".", i)
            k = n if k < 0 else k
            word = text[i:k].strip()
            if not word or '"' in word:
                return None
            parts.append(word.lower())
            i = k
        if i < n:
            if text[i] != ".":
                return None
            i += 1
    return parts or None


# --------------------------------------------------------------------------- names

def _identifiers(d: Design) -> Iterator[tuple[str, object]]:
    """(path, name) for every identifier the design holds."""
    for s in d.schemas:
        yield f"schemas.{s.name}", s.name
    for e in d.extensions:
        yield f"extensions.{e.name}", e.name
        if e.schema is not None:
            yield f"extensions.{e.name}.schema", e.schema
    for i, r in enumerate(d.roles):
        yield f"roles[{i}]", r
    for kind, objs in (("enums", d.enums), ("domains", d.domains),
                       ("composites", d.composites), ("sequences", d.sequences),
                       ("views", d.views), ("routines", d.routines), ("triggers", d.triggers)):
        for o in objs:
            yield f"{kind}.{label(o.schema, o.name)}", o.name
            if o.schema != "public":
                yield f"{kind}.{label(o.schema, o.name)}.schema", o.schema
    for c in d.composites:
        for attr, _ in c.attributes:
            yield f"composites.{label(c.schema, c.name)}.{attr}", attr
    for v in d.views:
        for ix in v.indexes:
            yield f"views.{label(v.schema, v.name)}.indexes.{ix.name}", ix.name
    for t in d.tables:
        tp = label(t.schema, t.name)
        yield tp, t.name
        if t.schema != "public":
            yield f"{tp}.schema", t.schema
        for c in t.columns:
            yield f"{tp}.{c.name}", c.name
            if c.not_null_name is not None:
                yield f"{tp}.{c.name}.not_null_name", c.not_null_name
            if c.identity_options is not None and c.identity_options.sequence is not None:
                yield f"{tp}.{c.name}.identity_options", c.identity_options.sequence
        for ref in t.inherits:
            yield f"{tp}.inherits", ref.name
            if ref.schema is not None:
                yield f"{tp}.inherits", ref.schema
        if t.partition_of_schema is not None:
            yield f"{tp}.partition_of_schema", t.partition_of_schema
        for ix in t.indexes:
            yield f"{tp}.indexes.{ix.name}", ix.name
        for p in t.policies:
            yield f"{tp}.policies.{p.name}", p.name
        for path, con in _constraints(t):
            if con.name is not None:
                yield path, con.name


def _constraints(t: Table) -> Iterator[tuple[str, object]]:
    tp = label(t.schema, t.name)
    if t.primary_key is not None:
        yield f"{tp}.primary_key", t.primary_key
    for kind in ("uniques", "checks", "foreign_keys", "exclusions"):
        for i, con in enumerate(getattr(t, kind)):
            yield f"{tp}.{kind}[{i}]", con


def _check_identifiers(ctx: _Context) -> Iterator[Problem]:
    for path, name in _identifiers(ctx.design):
        found = identifier_problem(name)
        if found:
            yield Problem(path, *found)
    if not isinstance(ctx.design.name, str) or not ctx.design.name.strip():
        yield Problem("name", "the design has no name", "add `name: my_app` at the top")
    for e in ctx.design.enums:
        for value in e.values:
            if not isinstance(value, str) or "\x00" in value:
                yield Problem(f"enums.{label(e.schema, e.name)}", f"enum value {value!r} is "
                              "not text without NUL bytes", "write each value as plain text")
            elif len(value.encode()) > MAX_IDENT_BYTES:
                yield Problem(f"enums.{label(e.schema, e.name)}", f"enum value {value!r} is "
                              f"longer than {MAX_IDENT_BYTES} bytes",
                              f"use a shorter value, for example {shorten(value)!r}")


@functools.lru_cache(maxsize=65536)
def _truncated(name: str) -> str:
    """The name PostgreSQL stores: cut to 63 bytes on a character boundary."""
    return name.encode()[:MAX_IDENT_BYTES].decode(errors="ignore")


def _unique(entries: Iterable[tuple[str, object]], what: str, scope: str = "", *,
            truncate: bool = True) -> Iterator[Problem]:
    """Duplicates, and names that become equal once PostgreSQL truncates them (``truncate``:
    the entries are identifiers, not composite keys such as a routine's signature)."""
    seen: dict[str, tuple[str, str]] = {}
    for path, name in entries:
        if not isinstance(name, str):
            continue
        key = _truncated(name) if truncate else name
        if key not in seen:
            seen[key] = (path, name)
            continue
        first_path, first = seen[key]
        if first == name:
            yield Problem(path, f"duplicate {what} name {name!r}{scope} (also at "
                          f"{first_path})",
                          "rename one of them or remove the duplicate")
        else:
            yield Problem(path, f"{what} names {first!r} and {name!r}{scope} collide: "
                          f"PostgreSQL truncates both to {key!r}",
                          f"use names that differ in their first {MAX_IDENT_BYTES} bytes, "
                          f"for example {shorten(name)!r}")


def _check_namespaces(ctx: _Context) -> Iterator[Problem]:
    d = ctx.design
    relations: dict[str, list] = defaultdict(list)
    types: dict[str, list] = defaultdict(list)
    for t in d.tables:
        tp = label(t.schema, t.name)
        relations[t.schema].append((tp, t.name))
        types[t.schema].append((tp, t.name))  # every table also has a row type
        for ix in t.indexes:
            relations[t.schema].append((f"{tp}.indexes.{ix.name}", ix.name))
        for path, con in _constraints(t):
            if isinstance(con, (PrimaryKey, Unique, Exclusion)) and con.name is not None:
                relations[t.schema].append((path, con.name))  # backed by an index
        for c in t.columns:
            if c.identity_options is not None and c.identity_options.sequence is not None:
                relations[t.schema].append((f"{tp}.{c.name}.identity_options",
                                            c.identity_options.sequence))
        yield from _unique(((f"{tp}.{c.name}", c.name) for c in t.columns), "column")
        yield from _unique([*((p, c.name) for p, c in _constraints(t)),
                            *((f"{tp}.{c.name}.not_null_name", c.not_null_name)
                              for c in t.columns if c.not_null_name is not None)],
                           "constraint")
        yield from _unique(((f"{tp}.policies.{p.name}", p.name) for p in t.policies), "policy")
    for v in d.views:
        vp = f"views.{label(v.schema, v.name)}"
        relations[v.schema].append((vp, v.name))
        types[v.schema].append((vp, v.name))
        for ix in v.indexes:
            relations[v.schema].append((f"{vp}.indexes.{ix.name}", ix.name))
    for s in d.sequences:
        relations[s.schema].append((f"sequences.{label(s.schema, s.name)}", s.name))
    for kind in ("enums", "domains", "composites", "ranges"):
        for o in getattr(d, kind):
            types[o.schema].append((f"{kind}.{label(o.schema, o.name)}", o.name))
    for rg in d.ranges:
        types[rg.schema].append((f"ranges.{label(rg.schema, rg.name)}.multirange",
                                 rg.multirange_name))
    for schema in sorted(relations):
        yield from _unique(relations[schema], "relation", f" in schema {schema!r} (tables, "
                           "views, sequences and indexes share one namespace)")
    for schema in sorted(types):
        yield from _unique(types[schema], "type", f" in schema {schema!r} (enums, domains, "
                           "composite, range and multirange types and the row types of tables "
                           "and views share one namespace)")
    for e in d.enums:
        ep = f"enums.{label(e.schema, e.name)}"
        yield from _unique(((ep, v) for v in e.values), "enum value")
        if not e.values:
            yield Problem(ep, "enum has no values", "list its values: `values: [new, done]`")
    for c in d.composites:
        cp = f"composites.{label(c.schema, c.name)}"
        yield from _unique(((f"{cp}.{a}", a) for a, _ in c.attributes), "attribute")
        names = [a for a, _ in c.attributes]
        for a, _ in c.attribute_comments:
            if a not in names:
                yield Problem(f"{cp}.attribute_comments", f"comment on attribute {a!r}, "
                              "which the type does not have",
                              "name one of its attributes" + _suggest(a, names))
    by_table: dict[tuple[str, str], list] = defaultdict(list)
    for tr in d.triggers:
        by_table[(tr.schema, tr.table)].append((f"triggers.{label(tr.schema, tr.name)}",
                                                tr.name))
    for key, entries in by_table.items():
        yield from _unique(entries, f"trigger on {label(*key)}")
    yield from _unique(((f"schemas.{s.name}", s.name) for s in d.schemas), "schema")
    yield from _unique(((f"extensions.{e.name}", e.name) for e in d.extensions), "extension")
    yield from _unique(((f"roles[{i}]", r) for i, r in enumerate(d.roles)), "role")
    yield from _unique(((f"queries.{q.name}", q.name) for q in d.queries), "query")
    # overloads differ by their argument list, which is no identifier: only the name part is
    # truncated to 63 bytes before comparing
    routines = [(f"routines.{label(r.schema, r.name)}",
                 f"{r.schema}.{_truncated(r.name)}({r.signature})") for r in d.routines]
    yield from _unique(routines, "routine (name and signature)", truncate=False)


# --------------------------------------------------------------------------- types

def _type_problem(ctx: _Context, text: object, schema: str) -> tuple[str, str] | None:
    """Why a type spelling is not usable in this design, and the fix."""
    if not isinstance(text, str):
        return f"type must be text, got {text!r}", "write a type such as `type: bigint`"
    # the renderers paste the type after the column name: it must be one type and nothing else
    not_one = sql_problem("type", text)
    if not_one is not None:
        return f"type {text!r}: {not_one[0]}", not_one[1]
    try:
        t = parse_type(text)
    except ValueError as exc:
        return (f"cannot read type {text!r}: {exc}",
                "write a type such as bigint, text, numeric(12,2) or timestamptz")
    if t.base in BUILTIN_TYPES:
        return _modifier_problem(t)
    if ctx.user_type(t.base, schema) is not None:
        return None
    parts = _split_name(t.base)
    ext = EXTENSION_TYPES.get(parts[-1] if parts else t.base.lower())
    if parts and len(parts) == 2 and parts[0] in ctx.extension_schemas:
        # an extension installed in that schema (WITH SCHEMA extensions) may provide it
        if ext is None or ext in ctx.extension_schemas[parts[0]]:
            return None
    if ext is not None and (parts is None or len(parts) == 1):
        if ext in ctx.extensions:
            return None
        message = f"type {t.base!r} comes from the {ext} extension, not declared in the design"
        return message, f"add `extensions: [{ext}]` to the design"
    names = [n for _, n in ctx.types] + sorted(BUILTIN_TYPES)
    parts = _split_name(t.base)
    if parts and len(parts) == 1 and any(n.lower() == parts[0] and n != parts[0]
                                         for _, n in ctx.types):
        match = next(n for _, n in ctx.types if n.lower() == parts[0])
        return (f"unknown type {t.base!r}: unquoted names fold to lower case",
                f"quote the mixed-case name: '\"{match}\"'")
    fix = ("use a built-in type, declare it under enums/domains/composites/ranges, or declare "
           "the extension that provides it")
    return f"unknown type {t.base!r}", fix + _suggest(t.base, names)


def _modifier_problem(t: PgType) -> tuple[str, str] | None:
    if t.base == "numeric" and t.params:
        if len(t.params) > 2:
            return "numeric takes at most (precision, scale)", "write numeric(12,2)"
        precision, scale = t.params[0], (t.params[1] if len(t.params) == 2 else 0)
        if not 1 <= precision <= 1000:
            return (f"numeric precision {precision} is outside 1..1000",
                    "write numeric(12,2) or plain numeric")
        if scale > precision:
            return (f"numeric({precision},{scale}) has a scale larger than its precision",
                    f"make the precision at least the scale: numeric({scale + 10},{scale})")
    lengthy = ("character varying", "character", "bit", "bit varying")
    if t.base in lengthy and t.params and (len(t.params) != 1 or t.params[0] < 1):
        short = {"character varying": "varchar", "character": "char"}.get(t.base, t.base)
        return (f"{short}({','.join(map(str, t.params))}) is not a valid length",
                f"use a length of at least 1, e.g. {short}(40), or text")
    return None


def _check_types(ctx: _Context) -> Iterator[Problem]:
    d = ctx.design
    for t in d.tables:
        tp = label(t.schema, t.name)
        for c in t.columns:
            found = _type_problem(ctx, c.type, t.schema)
            if found:
                yield Problem(f"{tp}.{c.name}", *found)
    for dom in d.domains:
        found = _type_problem(ctx, dom.type, dom.schema)
        if found:
            yield Problem(f"domains.{label(dom.schema, dom.name)}", *found)
    for comp in d.composites:
        for attr, typ in comp.attributes:
            found = _type_problem(ctx, typ, comp.schema)
            if found:
                yield Problem(f"composites.{label(comp.schema, comp.name)}.{attr}", *found)
    for s in d.sequences:
        if s.data_type not in _INTEGERS:
            yield Problem(f"sequences.{label(s.schema, s.name)}",
                          f"sequence type {s.data_type!r} is not an integer type",
                          "use smallint, integer or bigint")
        if s.increment == 0:
            yield Problem(f"sequences.{label(s.schema, s.name)}", "increment is 0",
                          "use a non-zero increment such as 1")


def _check_columns(ctx: _Context) -> Iterator[Problem]:
    for t in ctx.design.tables:
        for c in t.columns:
            path = f"{label(t.schema, t.name)}.{c.name}"
            if c.identity is not None:
                if c.identity not in ("always", "by default"):
                    yield Problem(path, f"identity {c.identity!r} is not 'always' or "
                                  "'by default'", "write `identity: always`")
                resolved = ctx.resolve(c.type, t.schema) if isinstance(c.type, str) else None
                if resolved is not None and (resolved.base not in _INTEGERS
                                             or resolved.is_array):
                    yield Problem(path, f"identity column has type {c.type!r}; identity needs "
                                  "smallint, integer or bigint", "make the column bigint")
                if c.default is not None:
                    yield Problem(path, "column has both an identity and a default",
                                  "drop the default: the identity supplies the values")
                if c.generated is not None:
                    yield Problem(path, "column is both identity and generated",
                                  "keep only one of identity and generated")
                if c.nullable:
                    yield Problem(path, "identity column is nullable; PostgreSQL makes "
                                  "identity columns NOT NULL", "set `nullable: false`")
            if c.generated is not None and c.default is not None:
                yield Problem(path, "generated column has a default",
                              "drop the default: a generated column computes its value")
            if c.generated_kind not in ("stored", "virtual"):
                yield Problem(path, f"generated_kind {c.generated_kind!r} is unknown",
                              "use 'stored' or 'virtual'")
            yield from _column_details(t, c, path)


def _whole(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def _column_details(t: Table, c: Column, path: str) -> Iterator[Problem]:
    """Identity sequence options that PostgreSQL would refuse, NOT NULL constraint details on
    a nullable column, ``inherited`` without a parent. (Storage, compression and statistics
    words and numbers are checked with the other pasted words, in ``fragments``.)"""
    opts = c.identity_options
    if opts is not None:
        if c.identity is None:
            yield Problem(f"{path}.identity_options", "identity options on a column that is "
                          "not an identity", "set `identity: always` (or `by default`), or "
                          "drop identity_options")
        if not all(_whole(getattr(opts, a)) for a in ("start", "increment", "min_value",
                                                        "max_value", "cache")):
            return  # reported with the pasted words (fragments)
        if opts.increment == 0:
            yield Problem(f"{path}.identity_options", "increment is 0",
                          "use a non-zero increment such as 1")
        if opts.cache < 1:
            yield Problem(f"{path}.identity_options", f"cache {opts.cache} is below 1",
                          "use a cache of at least 1")
        if opts.min_value is not None and opts.max_value is not None \
                and opts.min_value >= opts.max_value:
            yield Problem(f"{path}.identity_options", f"min_value {opts.min_value} is not "
                          f"below max_value {opts.max_value}", "make min_value < max_value")
    if c.nullable and (c.not_null_name is not None or c.not_null_no_inherit
                       or c.not_null_not_valid or c.not_null_comment is not None):
        yield Problem(f"{path}.nullable", "the column is nullable but has NOT NULL constraint "
                      "details (not_null_name, not_null_no_inherit, not_null_not_valid or "
                      "not_null_comment)", "set `nullable: false`, or drop those details")
    if c.inherited and not t.inherits:
        yield Problem(f"{path}.inherited", "the column is marked inherited but the table "
                      "inherits from no table", "list the parent under `inherits`, or drop "
                      "`inherited`")


# --------------------------------------------------------------------------- keys and refs

def _missing(path: str, names: Iterable[object], columns: dict[str, Column],
             what: str) -> Iterator[Problem]:
    for name in names:
        if name not in columns:
            yield Problem(path, f"{what} column {name!r} does not exist",
                          f"use an existing column{_suggest(name, columns)} or add it")


def _simple_key(key: str) -> bool:
    """Partition/exclusion keys may be column names or parenthesised expressions."""
    return not key.lstrip().startswith("(")


def _check_keys(ctx: _Context) -> Iterator[Problem]:
    for t in ctx.design.tables:
        tp = label(t.schema, t.name)
        cols = ctx.columns(t)
        pk = t.primary_key
        if pk is not None:
            if not pk.columns:
                yield Problem(f"{tp}.primary_key", "primary key has no columns",
                              "list its columns: `primary_key: [id]`")
            yield from _missing(f"{tp}.primary_key", pk.columns, cols, "primary key")
            yield from _missing(f"{tp}.primary_key", pk.include, cols, "INCLUDE")
            if pk.without_overlaps and len(pk.columns) < 2:
                yield Problem(f"{tp}.primary_key", "WITHOUT OVERLAPS needs at least two "
                              "columns (the last is the range)", "add the key column(s) before "
                              "the range column")
            for name in pk.columns:
                col = cols.get(name)
                if col is not None and col.nullable:
                    yield Problem(f"{tp}.{name}", "primary key column is nullable; PostgreSQL "
                                  "would silently make it NOT NULL",
                                  "set `nullable: false` on the column")
        for i, u in enumerate(t.uniques):
            if not u.columns:
                yield Problem(f"{tp}.uniques[{i}]", "unique constraint has no columns",
                              "list its columns")
            yield from _missing(f"{tp}.uniques[{i}]", u.columns, cols, "unique")
            if u.without_overlaps and len(u.columns) < 2:
                yield Problem(f"{tp}.uniques[{i}]", "WITHOUT OVERLAPS needs at least two "
                              "columns (the last is the range)", "add the key column(s) before "
                              "the range column")
            yield from _missing(f"{tp}.uniques[{i}]", u.include, cols, "INCLUDE")
        for i, ex in enumerate(t.exclusions):
            plain = [e.expression for e in ex.elements if _simple_key(e.expression)]
            yield from _missing(f"{tp}.exclusions[{i}]", plain, cols, "exclusion")
            yield from _missing(f"{tp}.exclusions[{i}]", ex.include, cols, "INCLUDE")
        for ix in t.indexes:
            path = f"{tp}.indexes.{ix.name}"
            if not ix.keys:
                yield Problem(path, "index has no keys", "list its columns: `keys: [email]`")
            plain = [k.column for k in ix.keys if not k.expression]
            yield from _missing(path, plain, cols, "index key")
            yield from _key_statistics(path, ix)
            yield from _missing(path, ix.include, cols, "INCLUDE")
            yield from _index_method(ctx, path, ix.method)
    for v in ctx.design.views:
        for ix in v.indexes:
            path = f"views.{label(v.schema, v.name)}.indexes.{ix.name}"
            yield from _index_method(ctx, path, ix.method)
            yield from _key_statistics(path, ix)
            if not v.materialized:
                yield Problem(path, "only materialized views can have indexes",
                              "set `materialized: true` or move the index to a table")


def _key_statistics(path: str, ix: Index) -> Iterator[Problem]:
    for j, k in enumerate(ix.keys):
        if k.statistics is not None and not k.expression:
            yield Problem(f"{path}.keys[{j}]", f"statistics on key {k.column!r}: PostgreSQL "
                          "keeps a statistics target only for expression keys of an index",
                          "set it on the table column instead, or drop it")


# Index access methods that extensions bring (pgvector's ANN indexes, contrib's bloom).
EXTENSION_INDEX_METHODS = {"hnsw": "vector", "ivfflat": "vector", "bloom": "bloom"}


def _index_method(ctx: _Context, path: str, method: str) -> Iterator[Problem]:
    if method in INDEX_METHODS:
        return
    declared = {e.name for e in ctx.design.extensions}
    needs = EXTENSION_INDEX_METHODS.get(method)
    if needs is not None and needs in declared:
        return
    if needs is not None:
        yield Problem(path, f"index method {method!r} comes from the {needs!r} extension, "
                            "which the design does not declare",
                      f"add `extensions: [{needs}]` to the design")
        return
    choices = (*INDEX_METHODS, *EXTENSION_INDEX_METHODS)
    yield Problem(path, f"index method {method!r} is unknown",
                  f"use one of {', '.join(INDEX_METHODS)} (or an extension's: "
                  f"{', '.join(EXTENSION_INDEX_METHODS)})" + _suggest(method, choices))


def _unique_sets(ctx: _Context, table: Table) -> list[frozenset[str]]:
    """Column sets a foreign key may reference: PK, unique constraints, plain unique indexes."""
    sets = []
    if table.primary_key is not None:
        sets.append(frozenset(table.primary_key.columns))
    sets += [frozenset(u.columns) for u in table.uniques]
    sets += [frozenset(k.column for k in ix.keys) for ix in table.indexes
             if ix.unique and ix.where is None and all(not k.expression for k in ix.keys)]
    return sets


def _temporal_key(table: Table, columns: tuple[str, ...]) -> bool:
    keys = [k for k in (table.primary_key, *table.uniques) if k is not None]
    return any(k.without_overlaps and tuple(k.columns) == tuple(columns) for k in keys)


def _check_foreign_keys(ctx: _Context) -> Iterator[Problem]:
    for t in ctx.design.tables:
        cols = ctx.columns(t)
        for i, chk in enumerate(t.checks):
            if chk.not_valid and not chk.enforced:
                yield Problem(f"{label(t.schema, t.name)}.checks[{i}]", "a NOT ENFORCED check "
                              "is never validated, so NOT VALID says nothing more",
                              "drop `not_valid`")
        for i, fk in enumerate(t.foreign_keys):
            path = f"{label(t.schema, t.name)}.foreign_keys[{i}]"
            if fk.not_valid and not fk.enforced:
                yield Problem(path, "a NOT ENFORCED foreign key is never validated, so NOT "
                              "VALID says nothing more", "drop `not_valid`")
            for attr, value in (("on_delete", fk.on_delete), ("on_update", fk.on_update)):
                if value not in FK_ACTIONS:
                    yield Problem(path, f"{attr} {value!r} is not a foreign key action",
                                  f"use one of {', '.join(FK_ACTIONS)}")
            if fk.match not in ("SIMPLE", "FULL"):
                yield Problem(path, f"match {fk.match!r} is unknown", "use SIMPLE or FULL")
            yield from _missing(path, fk.columns, cols, "foreign key")
            schema = fk.ref_schema or t.schema
            target = ctx.tables.get((schema, fk.ref_table))
            if target is None:
                names = [n for (s, n) in ctx.tables if s == schema]
                yield Problem(path, f"references table {label(schema, fk.ref_table)!r}, "
                              "which the design does not have",
                              f"add the table or reference an existing one"
                              f"{_suggest(fk.ref_table, names)}")
                continue
            ref_cols = ctx.columns(target)
            yield from _missing(path, fk.ref_columns, ref_cols,
                                f"referenced ({label(schema, fk.ref_table)})")
            if len(fk.columns) != len(fk.ref_columns) or not fk.columns:
                yield Problem(path, f"{len(fk.columns)} referencing column(s) but "
                              f"{len(fk.ref_columns)} referenced", "list the same number of "
                              "columns on both sides, in matching order")
                continue
            for mine, theirs in zip(fk.columns, fk.ref_columns):
                if mine in cols and theirs in ref_cols:
                    a = ctx.resolve(cols[mine].type, t.schema)
                    b = ctx.resolve(ref_cols[theirs].type, target.schema)
                    if a is not None and b is not None and not _fk_comparable(a, b):
                        yield Problem(path, f"column {mine!r} is {cols[mine].type} but "
                                      f"{label(schema, fk.ref_table)}.{theirs} is "
                                      f"{ref_cols[theirs].type}: PostgreSQL has no equality "
                                      f"between them, so it refuses the key",
                                      f"make {mine!r} {ref_cols[theirs].type}")
            if fk.period and not _temporal_key(target, fk.ref_columns):
                yield Problem(path, f"a PERIOD foreign key must reference a key declared "
                              f"WITHOUT OVERLAPS on exactly {list(fk.ref_columns)} (range "
                              f"last) of {label(schema, fk.ref_table)}",
                              "declare the referenced primary key or unique constraint "
                              "WITHOUT OVERLAPS, or drop `period`")
            if frozenset(fk.ref_columns) not in _unique_sets(ctx, target) and all(
                    c in ref_cols for c in fk.ref_columns):
                yield Problem(path, f"referenced columns {list(fk.ref_columns)} of "
                              f"{label(schema, fk.ref_table)} are not its primary key, a "
                              "unique constraint or a unique index",
                              "reference the primary key, or add a unique constraint on "
                              "exactly those columns")


# Type families whose members PostgreSQL compares across types in a foreign key: the
# parent's btree operator family has cross-type equality (integers, floats, date/time), or
# the child's type casts implicitly to the parent's (the string types, integer -> numeric).
# Other differences are refused by the server ("incompatible types"). A mismatch inside a
# family is a design smell, not an invalid design: the advisor's fk-type-mismatch says so.
_FK_FAMILIES = (
    frozenset(_INTEGERS),
    frozenset({"real", "double precision"}),
    frozenset({"text", "character varying", "character", "name"}),
    frozenset({"date", "timestamp without time zone", "timestamp with time zone"}),
)  # tests/db/test_fk_types.py checks these tables against a real server
# (child, parent) pairs across families that still work through an implicit cast
_FK_IMPLICIT = {(i, p) for i in _INTEGERS for p in ("numeric", "real", "double precision")}
_FK_IMPLICIT |= {("numeric", "real"), ("numeric", "double precision"), ("real", "double precision")}


def _fk_comparable(child: PgType, parent: PgType) -> bool:
    """Whether PostgreSQL accepts a foreign key from ``child``'s type to ``parent``'s."""
    a, b = child.base, parent.base
    if child.is_array or parent.is_array:  # arrays compare only with their own type
        return child.is_array == parent.is_array and a == b
    return (a == b or (a, b) in _FK_IMPLICIT
            or any(a in fam and b in fam for fam in _FK_FAMILIES))


def _check_partitions(ctx: _Context) -> Iterator[Problem]:
    for t in ctx.design.tables:
        tp = label(t.schema, t.name)
        if t.partition_of is not None:
            parent_key = t.partition_parent
            parent = ctx.tables.get(parent_key)
            if parent is None:
                yield Problem(f"{tp}.partition_of", f"parent table "
                              f"{label(*parent_key)!r} does not exist",
                              "add the parent table (give `partition_of_schema` when it is in "
                              "another schema)"
                              + _suggest(t.partition_of, [n for s, n in ctx.tables
                                                          if s == parent_key[0]]))
            elif parent.partition_by is None:
                yield Problem(f"{tp}.partition_of", f"parent {t.partition_of!r} is not "
                              "partitioned", f"give {t.partition_of!r} a `partition_by`")
            if not t.partition_bound:
                yield Problem(f"{tp}.partition_bound", "partition has no bound",
                              "add e.g. `partition_bound: FOR VALUES FROM ('2025-01-01') TO "
                              "('2025-02-01')` or `DEFAULT`")
        elif t.partition_bound is not None:
            yield Problem(f"{tp}.partition_bound", "a bound without `partition_of`",
                          "name the parent in `partition_of` or drop the bound")
        if t.partition_of_schema is not None and t.partition_of is None:
            yield Problem(f"{tp}.partition_of_schema", "a parent schema without "
                          "`partition_of`", "name the parent in `partition_of`")
        pb = t.partition_by
        if pb is None:
            continue
        if pb.strategy not in ("range", "list", "hash"):
            yield Problem(f"{tp}.partition_by", f"strategy {pb.strategy!r} is unknown",
                          "use range, list or hash")
        if not pb.keys:
            yield Problem(f"{tp}.partition_by", "partition key is empty",
                          "list the key columns: `keys: [created_at]`")
        simple = [k for k in pb.keys if _simple_key(k)]
        cols = ctx.columns(t)
        yield from _missing(f"{tp}.partition_by", simple, cols, "partition key")
        keyed = [("primary_key", t.primary_key.columns)] if t.primary_key else []
        keyed += [(f"uniques[{i}]", u.columns) for i, u in enumerate(t.uniques)]
        keyed += [(f"indexes.{ix.name}", [k.column for k in ix.keys if not k.expression])
                  for ix in t.indexes if ix.unique]
        for where, columns in keyed:
            lacking = [k for k in simple if k not in columns]
            if lacking:
                yield Problem(f"{tp}.{where}", f"unique key of a partitioned table lacks "
                              f"partition key column(s) {lacking}",
                              f"add {', '.join(lacking)} to the key: PostgreSQL enforces "
                              "uniqueness only per partition")


def _inherits_from(ctx: _Context, parents: Iterable[tuple[str, str]],
                   key: tuple[str, str]) -> bool:
    """Whether ``key`` is among ``parents`` or their ancestors."""
    seen: set[tuple[str, str]] = set()
    todo = list(parents)
    while todo:
        k = todo.pop()
        if k == key:
            return True
        if k not in seen:
            seen.add(k)
            cur = ctx.tables.get(k)
            if cur is not None:
                todo += cur.parent_keys
    return False


def _check_inheritance(ctx: _Context) -> Iterator[Problem]:
    """INHERITS parents exist, are not partitioned, make no loop; a partition inherits
    nothing else; columns marked inherited exist in a parent."""
    for t in ctx.design.tables:
        if not t.inherits:
            continue
        tp = label(t.schema, t.name)
        if t.partition_of is not None:
            yield Problem(f"{tp}.inherits", "a partition cannot inherit from other tables",
                          "drop `inherits` or `partition_of`")
        parent_cols: set[str] = set()
        for key in t.parent_keys:
            parent = ctx.tables.get(key)
            if parent is None:
                yield Problem(f"{tp}.inherits", f"parent table {label(*key)!r} does not exist",
                              "add the parent table or fix the name" + _suggest(
                                  key[1], [n for s, n in ctx.tables if s == key[0]]))
                continue
            if parent.partition_by is not None or parent.partition_of is not None:
                yield Problem(f"{tp}.inherits", f"{label(*key)!r} is partitioned or a "
                              "partition: PostgreSQL does not let other tables inherit from it",
                              "inherit from an ordinary table")
            parent_cols |= set(ctx.columns(parent))
        if _inherits_from(ctx, t.parent_keys, t.key):
            yield Problem(f"{tp}.inherits", "the table inherits from itself through its "
                          "parents (an inheritance loop)", "remove the parent that closes the "
                          "loop")
        if len(set(t.parent_keys)) != len(t.parent_keys):
            yield Problem(f"{tp}.inherits", "a parent is listed twice", "list it once")
        for c in t.columns:
            if c.inherited and parent_cols and c.name not in parent_cols:
                yield Problem(f"{tp}.{c.name}.inherited", "the column is marked inherited but "
                              "no parent has it", "drop `inherited` (the table declares it)")


def _check_references(ctx: _Context) -> Iterator[Problem]:
    d = ctx.design
    roles = set(d.roles) | _ROLE_WORDS
    for t in d.tables:
        tp = label(t.schema, t.name)
        cols = ctx.columns(t)
        for p in t.policies:
            path = f"{tp}.policies.{p.name}"
            if p.command not in ("ALL", "SELECT", "INSERT", "UPDATE", "DELETE"):
                yield Problem(path, f"command {p.command!r} is unknown",
                              "use ALL, SELECT, INSERT, UPDATE or DELETE")
            for role in p.roles:
                if role not in roles:
                    yield Problem(path, f"role {role!r} is not declared",
                                  f"add it to `roles: [{role}]` at the top of the design")
        intent = t.intent
        for attr in ("soft_delete", "tenant_key"):
            name = getattr(intent, attr)
            if name is not None and name not in cols:
                yield Problem(f"{tp}.intent.{attr}", f"{attr} column {name!r} does not exist",
                              f"add the column or name an existing one{_suggest(name, cols)}")
        for attr in ("rows", "growth_per_month", "retention_months"):
            value = getattr(intent, attr)
            if value is not None and (not isinstance(value, int) or value < 0):
                yield Problem(f"{tp}.intent.{attr}", f"{attr} must be a whole number ≥ 0, "
                              f"got {value!r}", f"write e.g. `{attr}: 100000`")
    for s in d.sequences:
        if s.owned_by is None:
            continue
        path = f"sequences.{label(s.schema, s.name)}"
        table_name, column = s.owned_by
        owner = ctx.tables.get((s.schema, table_name))
        if owner is None:
            yield Problem(path, f"owned_by table {table_name!r} does not exist",
                          "name a table in the sequence's schema")
        elif column not in ctx.columns(owner):
            yield Problem(path, f"owned_by column {table_name}.{column} does not exist",
                          f"name an existing column{_suggest(column, ctx.columns(owner))}")
    for tr in d.triggers:
        if (tr.schema, tr.table) not in ctx.tables and (tr.schema, tr.table) not in ctx.views:
            yield Problem(f"triggers.{label(tr.schema, tr.name)}", f"trigger is on "
                          f"{label(tr.schema, tr.table)!r}, which is not a table or view of "
                          "the design", "add the table or fix `table:`"
                          + _suggest(tr.table, [n for _, n in ctx.tables]))
    for q in d.queries:
        if not isinstance(q.sql, str) or not q.sql.strip():
            yield Problem(f"queries.{q.name}", "query has no SQL", "add `sql: SELECT …`")
        if q.per_second is not None and q.per_second < 0:
            yield Problem(f"queries.{q.name}", "per_second is negative",
                          "write how many times per second it runs, e.g. 50")
        yield from _check_query_draws(ctx, q)


def _check_fragments(ctx: _Context) -> Iterator[Problem]:
    """Every SQL fragment is exactly one expression or statement of its kind
    (:mod:`pgarch_kit.model.fragments`)."""
    return fragment_problems(ctx.design)


def _check_privacy(ctx: _Context) -> Iterator[Problem]:
    """The privacy section names real tables and columns, known categories and modes."""
    from .design import ERASE_MODES, PRIVACY_CATEGORIES
    spec = ctx.design.privacy
    names = {n for _, n in ctx.tables}

    def column(path: str, ref: str) -> Iterator[Problem]:
        table_name, _, col = ref.rpartition(".")
        t = next((t for (s, n), t in ctx.tables.items() if n == table_name), None)
        if t is None:
            yield Problem(path, f"{ref!r} names no table of the design",
                          "write table.column" + _suggest(table_name, names))
        elif col not in ctx.columns(t):
            yield Problem(path, f"table {table_name!r} has no column {col!r}",
                          "name an existing column" + _suggest(col, ctx.columns(t)))
    if spec.subject is not None and spec.subject not in names:
        yield Problem("privacy.subject", f"subject table {spec.subject!r} does not exist",
                      "name the table whose rows are the data subjects"
                      + _suggest(spec.subject, names))
    for ref, category in spec.personal:
        yield from column(f"privacy.personal.{ref}", ref)
        if category not in PRIVACY_CATEGORIES:
            yield Problem(f"privacy.personal.{ref}", f"unknown category {category!r}",
                          f"use one of {', '.join(PRIVACY_CATEGORIES)}")
    for ref in spec.not_personal:
        yield from column("privacy.not_personal", ref)
    for table_name, mode in spec.erase:
        if table_name not in names:
            yield Problem(f"privacy.erase.{table_name}", f"table {table_name!r} does not exist",
                          "name a table of the design" + _suggest(table_name, names))
        if mode not in ERASE_MODES:
            yield Problem(f"privacy.erase.{table_name}", f"unknown mode {mode!r}",
                          f"use one of {', '.join(ERASE_MODES)}")


_SKEW = re.compile(r"^\s*(uniform|zipf(\s+[0-9]*\.?[0-9]+)?)\s*$", re.IGNORECASE)


def _check_query_draws(ctx: _Context, q: QueryPattern) -> Iterator[Problem]:
    """``param_sources`` name real columns, and ``skew`` is one the benchmarks can draw."""
    path = f"queries.{q.name}"
    for param, source in q.param_sources:
        if q.params and param not in q.params:
            yield Problem(f"{path}.param_sources.{param}", f"{param!r} is not one of the "
                          f"query's params {list(q.params)}", "list it under params, or fix "
                          "the name" + _suggest(param, q.params))
        if isinstance(source, str):
            table_name, _, column = source.rpartition(".")
            schema, _, table_name = table_name.rpartition(".")
            table = ctx.tables.get((schema or "public", table_name))
            if table is None:
                yield Problem(f"{path}.param_sources.{param}", f"{source!r} names no table "
                              "of the design", "write table.column (schema.table.column "
                              "outside public), or a list of values"
                              + _suggest(table_name, [n for _, n in ctx.tables]))
            elif column not in ctx.columns(table):
                yield Problem(f"{path}.param_sources.{param}", f"table {table_name!r} has no "
                              f"column {column!r}", "name an existing column"
                              + _suggest(column, ctx.columns(table)))
    if q.skew is not None:
        m = _SKEW.match(q.skew)
        exponent = float(m.group(2)) if m and m.group(2) else None
        if m is None or (exponent is not None and exponent <= 1.0):
            yield Problem(f"{path}.skew", f"unknown skew {q.skew!r}", "write `uniform` or "
                          "`zipf S` with S above 1 (e.g. zipf 1.1: a few hot keys dominate)")


_RULES: tuple[Callable[[_Context], Iterator[Problem]], ...] = (
    _check_identifiers, _check_namespaces, _check_types, _check_columns, _check_keys,
    _check_foreign_keys, _check_partitions, _check_inheritance, _check_references,
    _check_privacy, _check_fragments, *_OBJECT_RULES,
)

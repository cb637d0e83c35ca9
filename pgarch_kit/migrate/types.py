"""Steps for what tables stand on: roles, schemas, extensions, enums, domains, composite types
and sequences.

Everything new is created first (before the tables and columns that use it) and everything
gone is dropped last (after them), in reverse order of creation: routines' and columns' types
before the extensions that provide them, schemas last. Drops never CASCADE: an object the new
design no longer lists but something still uses stops the migration instead of taking that
something with it. They say ``IF EXISTS`` (a resumed migration passes them): these objects are
named in the design itself, unlike the constraint names the plan drops without it.

PostgreSQL facts the forms rely on:

* ``ALTER TYPE … ADD VALUE`` is instant but cannot be undone: there is no ``DROP VALUE``.
  Removing a value means rebuilding the type (a new type, every column using it rewritten);
  an enum nothing uses is simply dropped and recreated;
* ``ALTER DOMAIN … ADD CONSTRAINT … NOT VALID`` checks new values only, at once;
  ``VALIDATE CONSTRAINT`` then scans every column using the domain (PostgreSQL 18 and earlier
  hold a SHARE lock on those tables meanwhile: reads go on, writes wait). ``SET NOT NULL``
  scans the same way; defaults and ``DROP NOT NULL`` are catalog-only;
* ``ALTER TYPE … ADD/DROP ATTRIBUTE`` is catalog-only even when a column stores the type
  (a dropped attribute's values are gone); changing an attribute's type is refused by
  PostgreSQL while a column stores the type;
* ``ALTER SEQUENCE`` changes options in place (the current value is kept).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from pgarch_kit.ddl._common import literal, rel
from pgarch_kit.ddl.render_details import domain_comments_sql
from pgarch_kit.ddl.render_types import (
    composite_sql,
    dollar_tag,
    domain_sql,
    enum_sql,
    extension_sql,
    role_sql,
    schema_sql,
    sequence_sql,
)
from pgarch_kit.model.design import (
    CompositeType,
    Design,
    Domain,
    DomainCheck,
    EnumType,
    Sequence,
)
from pgarch_kit.model.names import derive_name, quote_ident

from .comments import comment_stmt
from .plan import MigrationError, Step

__all__ = ["TypeSteps", "type_steps"]

T = TypeVar("T")


@dataclass
class TypeSteps:
    """``first``: creations and changes, before any table; ``late``: sequence ownership, once
    the owning columns exist; ``last``: drops, after every table and column."""

    first: list[Step] = field(default_factory=list)
    late: list[Step] = field(default_factory=list)
    last: list[Step] = field(default_factory=list)


def _by_key(items: Iterable[T], key: Callable[[T], object]) -> dict[object, T]:
    return {key(x): x for x in items}


def _key(x: EnumType | Domain | CompositeType | Sequence) -> tuple[str, str]:
    return (x.schema, x.name)


def _pairs(old: Iterable[T], new: Iterable[T], key: Callable[[T], object]
           ) -> tuple[list[T], list[tuple[T, T]], list[T]]:
    """(only in new, in both as (old, new), only in old), each in its design's order."""
    a, b = _by_key(old, key), _by_key(new, key)
    return ([x for k, x in b.items() if k not in a], [(a[k], x) for k, x in b.items() if k in a],
            [x for k, x in a.items() if k not in b])


def type_steps(old: Design, new: Design) -> TypeSteps:
    out = TypeSteps()
    _roles(old, new, out)
    _schemas(old, new, out)
    _extensions(old, new, out)
    _enums(old, new, out)
    _domains(old, new, out)
    _composites(old, new, out)
    _sequences(old, new, out)
    # drops run in reverse order of creation: schemas last
    out.last.reverse()
    return out


def _roles(old: Design, new: Design, out: TypeSteps) -> None:
    for role in new.roles:
        if role not in old.roles and (stmts := role_sql(role)):
            out.first.append(Step(
                f"role {role} (if missing)", tuple(stmts), (),
                why="roles are cluster-wide: created NOLOGIN when missing, never dropped "
                    "(other databases may use them)"))


def _schemas(old: Design, new: Design, out: TypeSteps) -> None:
    added, _, gone = _pairs(old.schemas, new.schemas, lambda s: s.name)
    for s in added:
        if s.name == "public":
            continue
        out.first.append(Step(f"schema {s.name}", tuple(schema_sql(s)),
                              (f"DROP SCHEMA IF EXISTS {quote_ident(s.name)};",)))
    for s in gone:
        if s.name == "public":
            continue
        out.last.append(Step(
            f"drop schema {s.name}", (f"DROP SCHEMA IF EXISTS {quote_ident(s.name)};",),
            tuple(schema_sql(s)), phase="contract",
            why="without CASCADE: it fails if the schema still holds an object the new "
                "design does not list, instead of dropping that object"))


def _extensions(old: Design, new: Design, out: TypeSteps) -> None:
    added, both, gone = _pairs(old.extensions, new.extensions, lambda e: e.name)
    for e in added:
        out.first.append(Step(f"extension {e.name}", tuple(extension_sql(e)),
                              (f"DROP EXTENSION IF EXISTS {quote_ident(e.name)};",)))
    for o, e in both:
        if o.schema != e.schema and o.schema and e.schema:
            out.first.append(Step(
                f"extension {e.name}: schema {o.schema} -> {e.schema}",
                (f"ALTER EXTENSION {quote_ident(e.name)} SET SCHEMA {quote_ident(e.schema)};",),
                (f"ALTER EXTENSION {quote_ident(e.name)} SET SCHEMA {quote_ident(o.schema)};",),
                why="moves the extension's objects; columns keep using them (by OID)"))
    for e in gone:
        out.last.append(Step(
            f"drop extension {e.name}", (f"DROP EXTENSION IF EXISTS {quote_ident(e.name)};",),
            tuple(extension_sql(e)), phase="contract",
            why="without CASCADE: it fails while a column or routine still uses the "
                "extension's types or functions"))


def _used_types(d: Design) -> set[str]:
    """Type names (as columns, domains, attributes and routine signatures spell them)."""
    names: set[str] = set()
    for t in d.tables:
        names |= {c.type.removesuffix("[]") for c in t.columns}
    names |= {x.type.removesuffix("[]") for x in d.domains}
    names |= {typ.removesuffix("[]") for c in d.composites for _, typ in c.attributes}
    return names


def _mentions(d: Design, schema: str, name: str) -> bool:
    spelled = {name, f"{schema}.{name}", rel(schema, name)}
    return bool(spelled & _used_types(d)) or any(
        name in r.signature or name in r.definition for r in d.routines)


def _enums(old: Design, new: Design, out: TypeSteps) -> None:
    added, both, gone = _pairs(old.enums, new.enums, _key)
    for e in added:
        out.first.append(Step(f"enum {e.name}", (*enum_sql(e), *_comment("TYPE", e)),
                              (_drop_type(e),)))
    for o, e in both:
        if o.values == e.values:
            continue
        removed = [v for v in o.values if v not in e.values]
        kept = [v for v in e.values if v in o.values]
        if removed or kept != [v for v in o.values if v in e.values]:
            if _mentions(old, o.schema, o.name):
                raise MigrationError(
                    f"enum {e.name}: values {removed or 'reordered'} — PostgreSQL cannot drop "
                    f"an enum value (nor move one); it needs a rebuild (a new type, every column "
                    f"using it rewritten with USING col::text::new_type, the old type dropped "
                    f"and the new one renamed), which locks and rewrites those tables. Keep "
                    f"the values in this version (and stop writing them), or write that "
                    f"rebuild by hand")
            out.first.append(Step(
                f"enum {e.name}: rebuilt with values {list(e.values)}",
                (_drop_type(o), *enum_sql(e), *_comment("TYPE", e)),
                (_drop_type(e), *enum_sql(o), *_comment("TYPE", o)),
                why="nothing uses the type, so it is dropped and created again"))
            continue
        for i, v in enumerate(e.values):
            if v in o.values:
                continue
            after = next((e.values[j] for j in range(i - 1, -1, -1)
                          if e.values[j] in o.values), None)
            where = f" AFTER {literal(after)}" if after else (
                f" BEFORE {literal(o.values[0])}" if o.values else "")
            out.first.append(Step(
                f"enum {e.name}: add value {v!r}",
                (f"ALTER TYPE {rel(e.schema, e.name)} ADD VALUE IF NOT EXISTS "
                 f"{literal(v)}{where};",), (), transactional=False,
                why="ADD VALUE is instant; the new value cannot be used in the same "
                    "transaction, so it runs on its own",
                loses_data=f"nothing now, but the down script cannot remove {v!r} from "
                           f"{e.name} (PostgreSQL has no DROP VALUE)"))
    for o in gone:
        out.last.append(Step(f"drop enum {o.name}", (_drop_type(o),),
                             (*enum_sql(o), *_comment("TYPE", o)), phase="contract"))


def _drop_type(x: EnumType | CompositeType) -> str:
    return f"DROP TYPE IF EXISTS {rel(x.schema, x.name)};"


def _comment(kind: str, x: EnumType | Domain | CompositeType | Sequence) -> list[str]:
    out = [] if x.comment is None else [comment_stmt(kind, rel(x.schema, x.name), x.comment)]
    if isinstance(x, Domain):
        out += domain_comments_sql(x)
    if isinstance(x, CompositeType):
        out += [comment_stmt("COLUMN", f"{rel(x.schema, x.name)}.{quote_ident(a)}", text)
                for a, text in x.attribute_comments]
    return out


def _check_name(d: Domain, c: DomainCheck) -> str:
    return c.name or derive_name(d.name, "check")


def _check_comment(d: Domain, cname: str, comment: str | None) -> tuple[str, ...]:
    if comment is None:
        return ()
    return (comment_stmt("CONSTRAINT", f"{quote_ident(cname)} ON DOMAIN {rel(d.schema, d.name)}",
                         comment),)


def _bare_check(c: DomainCheck) -> DomainCheck:
    """What dropping and adding a domain check again is needed for: NOT VALID (validated in
    place) and the comment aside."""
    return replace(c, not_valid=False, comment=None)


def _domains(old: Design, new: Design, out: TypeSteps) -> None:
    added, both, gone = _pairs(old.domains, new.domains, _key)
    for d in added:
        out.first.append(Step(f"domain {d.name}", (*domain_sql(d), *_comment("DOMAIN", d)),
                              (f"DROP DOMAIN IF EXISTS {rel(d.schema, d.name)};",)))
    for o, d in both:
        _alter_domain(o, d, out)
    for o in gone:
        out.last.append(Step(f"drop domain {o.name}",
                             (f"DROP DOMAIN IF EXISTS {rel(o.schema, o.name)};",),
                             (*domain_sql(o), *_comment("DOMAIN", o)), phase="contract"))


def _alter_domain(o: Domain, d: Domain, out: TypeSteps) -> None:
    name = rel(d.schema, d.name)
    if (o.type, o.collation) != (d.type, d.collation):
        raise MigrationError(
            f"domain {d.name}: its base type or collation changed ({o.type} -> {d.type}). "
            f"A domain cannot change type in place: declare a new domain, move the columns to "
            f"it (a type change the plan does with a kept-in-sync copy), and drop this one in "
            f"a later version")

    def default(x: Domain) -> str:
        return (f"ALTER DOMAIN {name} SET DEFAULT {x.default};" if x.default is not None
                else f"ALTER DOMAIN {name} DROP DEFAULT;")
    if o.default != d.default:
        out.first.append(Step(f"domain {d.name}: default {o.default or 'none'} -> "
                              f"{d.default or 'none'}", (default(d),), (default(o),),
                              why="a default applies to new rows only: catalog-only"))
    old_checks = {_check_name(o, c): c for c in o.checks}
    new_checks = {_check_name(d, c): c for c in d.checks}
    kept = {k for k, c in new_checks.items()
            if k in old_checks and _bare_check(old_checks[k]) == _bare_check(c)}
    for cname in kept:  # the same check: NOT VALID and the comment change in place
        prev, c = old_checks[cname], new_checks[cname]
        q = quote_ident(cname)
        validate = f"ALTER DOMAIN {name} VALIDATE CONSTRAINT {q};"
        unvalidated = (f"ALTER DOMAIN {name} DROP CONSTRAINT {q};",
                       f"ALTER DOMAIN {name} ADD CONSTRAINT {q} CHECK ({c.expression}) "
                       f"NOT VALID;", *_check_comment(d, cname, prev.comment))
        if prev.not_valid and not c.not_valid:
            out.first.append(Step(f"domain {d.name}: validate {cname}", (validate,),
                                  unvalidated, why=_VALIDATE))
        elif c.not_valid and not prev.not_valid:
            out.first.append(Step(f"domain {d.name}: {cname} NOT VALID", unvalidated,
                                  (validate,), why="PostgreSQL cannot unvalidate: dropped and "
                                  "added back NOT VALID, which scans nothing"))
        if prev.comment != c.comment:
            target = f"{q} ON DOMAIN {name}"
            out.first.append(Step(f"domain {d.name}: comment on {cname}",
                                  (comment_stmt("CONSTRAINT", target, c.comment),),
                                  (comment_stmt("CONSTRAINT", target, prev.comment),),
                                  why="catalog-only"))
    for cname, c in old_checks.items():
        if cname in kept:
            continue
        q = quote_ident(cname)
        if not c.not_valid:
            out.first.append(Step(f"(undo only) validate {cname} of domain {d.name}", (),
                                  (f"ALTER DOMAIN {name} VALIDATE CONSTRAINT {q};",),
                                  why=_VALIDATE))
        out.first.append(Step(
            f"domain {d.name}: drop check {cname}",
            (f"ALTER DOMAIN {name} DROP CONSTRAINT {q};",),
            (f"ALTER DOMAIN {name} ADD CONSTRAINT {q} CHECK ({c.expression}) NOT VALID;",
             *_check_comment(o, cname, c.comment)),
            why="dropping a check is catalog-only"))
    for cname, c in new_checks.items():
        if cname in kept:
            continue
        q = quote_ident(cname)
        out.first.append(Step(
            f"domain {d.name}: check {cname} (NOT VALID)",
            (f"ALTER DOMAIN {name} ADD CONSTRAINT {q} CHECK ({c.expression}) NOT VALID;",
             *_check_comment(d, cname, c.comment)),
            (f"ALTER DOMAIN {name} DROP CONSTRAINT IF EXISTS {q};",),
            why="NOT VALID: new values are checked at once, stored ones are not scanned"))
        if not c.not_valid:  # the design keeps it NOT VALID: never validated
            out.first.append(Step(f"domain {d.name}: validate {cname}",
                                  (f"ALTER DOMAIN {name} VALIDATE CONSTRAINT {q};",), (),
                                  why=_VALIDATE))
    if o.not_null != d.not_null:
        set_, drop = (f"ALTER DOMAIN {name} SET NOT NULL;", f"ALTER DOMAIN {name} DROP NOT NULL;")
        out.first.append(Step(
            f"domain {d.name}: {'SET' if d.not_null else 'DROP'} NOT NULL",
            (set_,) if d.not_null else (drop,), (drop,) if d.not_null else (set_,),
            why=("scans every column using the domain (writes to those tables wait) and fails "
                 "if one holds NULL" if d.not_null else "catalog-only")))


_VALIDATE = ("scans every column using the domain; reads go on, writes to those tables wait "
             "for the scan on PostgreSQL 18 and earlier (a SHARE lock)")


def _composites(old: Design, new: Design, out: TypeSteps) -> None:
    added, both, gone = _pairs(old.composites, new.composites, _key)
    for c in added:
        out.first.append(Step(f"composite type {c.name}",
                              (*composite_sql(c), *_comment("TYPE", c)),
                              (f"DROP TYPE IF EXISTS {rel(c.schema, c.name)};",)))
    for o, c in both:
        rebuilt = False
        if o.attributes != c.attributes:
            steps = _alter_composite(old, o, c)
            rebuilt = any("DROP TYPE" in " ".join(x.up) for x in steps)
            out.first += steps
        if not rebuilt and o.attribute_comments != c.attribute_comments:
            out.first += _attribute_comments(o, c)
    for o in gone:
        out.last.append(Step(f"drop composite type {o.name}",
                             (_drop_type(o),),
                             (*composite_sql(o), *_comment("TYPE", o)), phase="contract"))


def _attribute_comments(o: CompositeType, c: CompositeType) -> list[Step]:
    """COMMENT ON COLUMN type.attribute for the attributes whose comment changed."""
    before, after = dict(o.attribute_comments), dict(c.attribute_comments)
    names = [a for a, _ in c.attributes if a in dict(o.attributes)]
    up, down = [], []
    for a in names:
        if before.get(a) != after.get(a):
            target = f"{rel(c.schema, c.name)}.{quote_ident(a)}"
            up.append(comment_stmt("COLUMN", target, after.get(a)))
            down.append(comment_stmt("COLUMN", target, before.get(a)))
    return [Step(f"composite type {c.name}: attribute comments", tuple(up), tuple(down),
                 why="catalog-only")] if up else []


def _alter_composite(old: Design, o: CompositeType, c: CompositeType) -> list[Step]:
    name = rel(c.schema, c.name)
    if not _mentions(old, o.schema, o.name):
        return [Step(f"composite type {c.name}: attributes changed",
                     (f"DROP TYPE IF EXISTS {name};", *composite_sql(c), *_comment("TYPE", c)),
                     (f"DROP TYPE IF EXISTS {name};", *composite_sql(o), *_comment("TYPE", o)),
                     why="nothing uses the type, so it is dropped and created again")]
    old_types, new_types = dict(o.attributes), dict(c.attributes)
    gone = [(n, t) for n, t in o.attributes if n not in new_types]
    added = [(n, t) for n, t in c.attributes if n not in old_types]
    changed = [n for n, t in c.attributes if n in old_types and old_types[n] != t]
    kept = [a for a in o.attributes if a[0] in new_types]
    if changed or [*kept, *added] != list(c.attributes):
        what = f"the type of {', '.join(changed)}" if changed else "the attribute order"
        raise MigrationError(
            f"composite type {c.name}: {what} changed while something uses the type. "
            f"PostgreSQL only appends and drops attributes in place (and refuses a type "
            f"change while a column stores the type): add a new attribute instead, or "
            f"declare a new type and move its users to it")
    steps = []
    for n, t in added:
        steps.append(Step(f"composite type {c.name}: add attribute {n}",
                          (f"ALTER TYPE {name} ADD ATTRIBUTE {quote_ident(n)} {t};",),
                          (f"ALTER TYPE {name} DROP ATTRIBUTE IF EXISTS {quote_ident(n)};",),
                          why="catalog-only: stored values read the new attribute as NULL"))
    for n, t in gone:
        steps.append(Step(f"composite type {c.name}: drop attribute {n}",
                          (f"ALTER TYPE {name} DROP ATTRIBUTE {quote_ident(n)};",),
                          (f"ALTER TYPE {name} ADD ATTRIBUTE {quote_ident(n)} {t};",),
                          why="catalog-only",
                          loses_data=f"the {n} values stored in columns of type {c.name} (the "
                                     f"down script adds the attribute back, empty)"))
    return steps


def _alter_sequence(seq: Sequence, to: Sequence) -> str:
    parts = []
    if seq.data_type != to.data_type:
        parts.append(f"AS {to.data_type}")
    if seq.start != to.start:
        parts.append(f"START WITH {to.start}")
    if seq.increment != to.increment:
        parts.append(f"INCREMENT BY {to.increment}")
    if seq.min_value != to.min_value or seq.data_type != to.data_type:
        parts.append(f"MINVALUE {to.min_value}" if to.min_value is not None else "NO MINVALUE")
    if seq.max_value != to.max_value or seq.data_type != to.data_type:
        parts.append(f"MAXVALUE {to.max_value}" if to.max_value is not None else "NO MAXVALUE")
    if seq.cache != to.cache:
        parts.append(f"CACHE {to.cache}")
    if seq.cycle != to.cycle:
        parts.append("CYCLE" if to.cycle else "NO CYCLE")
    return f"ALTER SEQUENCE {rel(to.schema, to.name)} {' '.join(parts)};"


def _owned_by(seq: Sequence) -> tuple[str, ...]:
    name = rel(seq.schema, seq.name)
    if seq.owned_by is None:
        return (f"ALTER SEQUENCE {name} OWNED BY NONE;",)
    table = rel(seq.schema, seq.owned_by[0])
    # OWNED BY needs the sequence and the table to have one owner (a serial column's sequence
    # has its table's): the migration may run as another role than the one that made the table
    body = (f"\nBEGIN\n  EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', {literal(name)}::regclass,"
            f"\n    (SELECT pg_catalog.pg_get_userbyid(relowner) FROM pg_catalog.pg_class"
            f"\n     WHERE oid = {literal(table)}::regclass));\nEND\n")
    tag = dollar_tag(body, "owner")
    return (f"DO {tag}{body}{tag};",
            f"ALTER SEQUENCE {name} OWNED BY {table}.{quote_ident(seq.owned_by[1])};")


def _sequences(old: Design, new: Design, out: TypeSteps) -> None:
    added, both, gone = _pairs(old.sequences, new.sequences, _key)
    for s in added:
        create = sequence_sql(s)[0].replace("CREATE SEQUENCE ", "CREATE SEQUENCE IF NOT EXISTS ",
                                            1)
        out.first.append(Step(f"sequence {s.name}", (create, *_comment("SEQUENCE", s)),
                              (f"DROP SEQUENCE IF EXISTS {rel(s.schema, s.name)};",)))
        if s.owned_by is not None:
            out.late.append(Step(f"sequence {s.name} owned by {'.'.join(s.owned_by)}",
                                 _owned_by(s), (),
                                 why="dropping the column will drop the sequence with it; the "
                                     "sequence takes the table's owner first, as PostgreSQL "
                                     "requires"))
    for o, s in both:
        bare_o = (o.data_type, o.start, o.increment, o.min_value, o.max_value, o.cache, o.cycle)
        bare_s = (s.data_type, s.start, s.increment, s.min_value, s.max_value, s.cache, s.cycle)
        if bare_o != bare_s:
            out.first.append(Step(f"sequence {s.name}: options", (_alter_sequence(o, s),),
                                  (_alter_sequence(s, o),),
                                  why="options change in place; the current value is kept "
                                      "(it fails if the value is outside a new range)"))
        if o.owned_by != s.owned_by:
            out.late.append(Step(f"sequence {s.name}: owned by "
                                 f"{'.'.join(s.owned_by) if s.owned_by else 'nothing'}",
                                 _owned_by(s), _owned_by(o), why="catalog-only"))
    for o in gone:
        if o.owned_by is not None:
            # detached first, so dropping its column does not take it before the drop below
            out.late.append(Step(f"sequence {o.name}: owned by nothing",
                                 _owned_by(Sequence(o.name, o.schema)), _owned_by(o),
                                 why="catalog-only"))
        create = sequence_sql(o)[0].replace("CREATE SEQUENCE ", "CREATE SEQUENCE IF NOT EXISTS ",
                                            1)
        out.last.append(Step(f"drop sequence {o.name}",
                             (f"DROP SEQUENCE IF EXISTS {rel(o.schema, o.name)};",),
                             (create, *_comment("SEQUENCE", o)), phase="contract",
                             why="without CASCADE: it fails while a default still calls it",
                             loses_data=f"the current value of {o.name} (the down script "
                                        f"recreates it at its start value)"))

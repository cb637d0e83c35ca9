"""Validation rules for collations, range types, text search objects, casts, rules and
privileges (see :mod:`pgarch_kit.model.validate` for the conventions: every problem with a
path and a fix; errors only for what PostgreSQL would reject, or what the kit will not do).

The kit refuses one thing PostgreSQL allows: granting to, or making objects owned by, a role
the design does not declare — the kit makes the declared roles itself (``NOLOGIN``), and a
design file is untrusted, so it may not hand a sandbox's objects to whatever role the server
happens to have.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import Problem
from .names import identifier_problem
from .objects import CAST_CONTEXTS, CAST_METHODS, COLLATION_PROVIDERS
from .privileges import DEFAULT_PRIVILEGE_OBJECTS, GRANT_KINDS, OWNER_KINDS, PRIVILEGES

if TYPE_CHECKING:
    from .validate import _Context

__all__ = ["RULES"]

# Token types of PostgreSQL's default text search parser (SELECT alias FROM
# ts_token_type('default')); a mapping for any other name is refused by the server.
DEFAULT_PARSER_TOKENS = frozenset("""
asciiword word numword asciihword hword numhword hword_asciipart hword_part hword_numpart
email protocol url host url_path file sfloat float int uint version tag entity blank
""".split())


def _label(schema: str, name: object) -> str:
    return f"{name}" if schema == "public" else f"{schema}.{name}"


def _names(path: str, *names: tuple[str, object]) -> Iterator[Problem]:
    for where, name in names:
        found = identifier_problem(name)
        if found:
            yield Problem(f"{path}{where}", *found)


def _duplicates(entries: list[tuple[str, object]], what: str) -> Iterator[Problem]:
    seen: dict[object, str] = {}
    for path, key in entries:
        if key in seen:
            yield Problem(path, f"duplicate {what} (also at {seen[key]})",
                          "remove one of them")
        else:
            seen[key] = path


# --------------------------------------------------------------------------- collations

def _check_collations(ctx: _Context) -> Iterator[Problem]:
    entries = []
    for c in ctx.design.collations:
        path = f"collations.{_label(c.schema, c.name)}"
        entries.append((path, (c.schema, c.name)))
        yield from _names(path, ("", c.name), (".schema", c.schema))
        if c.provider not in COLLATION_PROVIDERS:
            yield Problem(path, f"provider {c.provider!r} is unknown",
                          f"use one of {', '.join(COLLATION_PROVIDERS)}")
            continue
        if c.provider == "libc":
            if c.locale is None and (c.lc_collate is None or c.lc_ctype is None):
                yield Problem(path, "a libc collation needs a locale (or both lc_collate "
                              "and lc_ctype)", "add e.g. `locale: C.UTF-8`")
        else:
            if c.locale is None:
                yield Problem(path, f"an {c.provider} collation needs a locale",
                              "add e.g. `locale: und-u-ks-level2`" if c.provider == "icu"
                              else "add e.g. `locale: C.UTF-8`")
            if c.lc_collate is not None or c.lc_ctype is not None:
                yield Problem(path, "lc_collate and lc_ctype belong to libc collations",
                              "use `locale:` instead")
        if not c.deterministic and c.provider != "icu":
            yield Problem(path, "only ICU collations can be nondeterministic",
                          "use `provider: icu`, or drop `deterministic: false`")
        if c.rules is not None and c.provider != "icu":
            yield Problem(path, "tailoring rules belong to ICU collations",
                          "use `provider: icu`, or drop `rules`")
        for attr in ("locale", "lc_collate", "lc_ctype", "rules"):
            value = getattr(c, attr)
            if value is not None and (not isinstance(value, str) or "\x00" in value):
                yield Problem(path, f"{attr} must be text without NUL bytes", "fix the value")
    yield from _duplicates(entries, "collation")
    yield from _collation_uses(ctx)


def _collation_uses(ctx: _Context) -> Iterator[Problem]:
    """A collation named with a schema of the design must be one of its collations."""
    d = ctx.design
    mine = {(c.schema, c.name) for c in d.collations}
    schemas = {s.name for s in d.schemas} | {"public"}
    uses: list[tuple[str, object]] = []
    for t in d.tables:
        tp = _label(t.schema, t.name)
        uses += [(f"{tp}.{c.name}.collation", c.collation) for c in t.columns]
        for ix in t.indexes:
            uses += [(f"{tp}.indexes.{ix.name}.keys[{j}].collation", k.collation)
                     for j, k in enumerate(ix.keys)]
    uses += [(f"domains.{_label(x.schema, x.name)}.collation", x.collation) for x in d.domains]
    uses += [(f"ranges.{_label(x.schema, x.name)}.collation", x.collation) for x in d.ranges]
    for path, text in uses:
        if not isinstance(text, str) or '"' in text or "." not in text:
            continue
        schema, _, name = text.rpartition(".")
        if schema in schemas and (schema, name) not in mine:
            yield Problem(path, f"collation {text!r} is not one of the design's collations",
                          "add it under `collations:` or name an existing one")


# --------------------------------------------------------------------------- range types

def _check_ranges(ctx: _Context) -> Iterator[Problem]:
    from .validate import _type_problem
    for rg in ctx.design.ranges:
        path = f"ranges.{_label(rg.schema, rg.name)}"
        yield from _names(path, ("", rg.name), (".schema", rg.schema))
        if rg.multirange is not None:
            yield from _names(path, (".multirange", rg.multirange.rpartition(".")[2]
                                     if isinstance(rg.multirange, str) else rg.multirange))
        found = _type_problem(ctx, rg.subtype, rg.schema)
        if found:
            yield Problem(f"{path}.subtype", *found)
        elif ctx.user_type(str(rg.subtype).removesuffix("[]"), rg.schema) is rg:
            yield Problem(f"{path}.subtype", "a range type cannot be its own subtype",
                          "use a base type such as uuid or timestamptz")
        for attr in ("canonical", "subtype_diff"):
            value = getattr(rg, attr)
            if value is not None and (not isinstance(value, str) or not value.strip()
                                      or "\x00" in value or "(" in value):
                yield Problem(f"{path}.{attr}", f"{attr} must be a function name",
                              "write the name only, e.g. float8mi or app.time_diff")


# --------------------------------------------------------------------------- text search

def _check_text_search(ctx: _Context) -> Iterator[Problem]:
    d = ctx.design
    entries = []
    for td in d.text_search_dictionaries:
        path = f"text_search_dictionaries.{_label(td.schema, td.name)}"
        entries.append((path, ("dictionary", td.schema, td.name)))
        yield from _names(path, ("", td.name), (".schema", td.schema))
        if not isinstance(td.template, str) or not td.template.strip() or \
                "\x00" in td.template:
            yield Problem(f"{path}.template", "template must be a name",
                          "write e.g. snowball, simple or unaccent")
        for key, value in td.options:
            yield from _names(f"{path}.options", ("", key))
            if not isinstance(value, str) or "\x00" in value:
                yield Problem(f"{path}.options.{key}", "an option value must be text",
                              "write e.g. `language: english`")
    for cfg in d.text_search_configurations:
        path = f"text_search_configurations.{_label(cfg.schema, cfg.name)}"
        entries.append((path, ("configuration", cfg.schema, cfg.name)))
        yield from _names(path, ("", cfg.name), (".schema", cfg.schema),
                          (".parser", str(cfg.parser).rpartition(".")[2]))
        tokens = [tok for tok, _ in cfg.mappings]
        yield from _duplicates([(f"{path}.mappings.{t}", t) for t in tokens], "token mapping")
        for tok, dicts in cfg.mappings:
            yield from _names(f"{path}.mappings", ("", tok))
            if cfg.parser in ("default", "pg_catalog.default") and \
                    tok not in DEFAULT_PARSER_TOKENS:
                yield Problem(f"{path}.mappings.{tok}", f"the default parser has no token "
                              f"type {tok!r}", "use one of "
                              + ", ".join(sorted(DEFAULT_PARSER_TOKENS)))
            if not dicts:
                yield Problem(f"{path}.mappings.{tok}", "a mapping needs a dictionary",
                              "write e.g. [simple]")
            for name in dicts:
                if not isinstance(name, str) or not name.strip() or "\x00" in name:
                    yield Problem(f"{path}.mappings.{tok}", f"{name!r} is not a dictionary "
                                  "name", "write e.g. english_stem or simple")
    yield from _duplicates(entries, "text search object")


# --------------------------------------------------------------------------- casts and rules

def _check_casts(ctx: _Context) -> Iterator[Problem]:
    from .validate import _type_problem
    entries = []
    for i, c in enumerate(ctx.design.casts):
        path = f"casts[{i}]"
        entries.append((path, (c.source, c.target)))
        for attr in ("source", "target"):
            found = _type_problem(ctx, getattr(c, attr), "public")
            if found:
                yield Problem(f"{path}.{attr}", *found)
        if c.source == c.target:
            yield Problem(path, "source and target are the same type",
                          "a cast needs two different types")
        if c.method not in CAST_METHODS:
            yield Problem(path, f"method {c.method!r} is unknown",
                          f"use one of {', '.join(CAST_METHODS)}")
        if c.context not in CAST_CONTEXTS:
            yield Problem(path, f"context {c.context!r} is unknown",
                          f"use one of {', '.join(CAST_CONTEXTS)}")
        if c.method == "function" and (not isinstance(c.function, str) or c.signature is None
                                       or not c.function.strip()):
            yield Problem(path, "a cast through a function needs `function` and "
                          "`signature`", "write e.g. {function: to_status, signature: text}")
        if c.method != "function" and (c.function is not None or c.signature is not None):
            yield Problem(path, f"a {c.method} cast has no function",
                          "drop `function` and `signature`, or use `method: function`")
    yield from _duplicates(entries, "cast")


def _check_rules(ctx: _Context) -> Iterator[Problem]:
    entries = []
    for ru in ctx.design.rules:
        path = f"rules.{_label(ru.schema, ru.name)}"
        entries.append((path, (ru.schema, ru.table, ru.name)))
        yield from _names(path, ("", ru.name), (".table", ru.table))
        if ru.name == "_RETURN":
            yield Problem(path, "_RETURN rules are views", "declare the view under `views:`")
        if (ru.schema, ru.table) not in ctx.tables and (ru.schema, ru.table) not in ctx.views:
            yield Problem(path, f"rule is on {_label(ru.schema, ru.table)!r}, which is not a "
                          "table or view of the design", "add the table or fix `table:`")
        if ru.enabled not in ("O", "D", "R", "A"):
            yield Problem(path, f"enabled {ru.enabled!r} is unknown", "use O, D, R or A")
    yield from _duplicates(entries, "rule on that table")


# --------------------------------------------------------------------------- privileges

class _Objects:
    """What grants and owners may name: the design's objects, by kind."""

    def __init__(self, ctx: _Context) -> None:
        d = ctx.design
        self.schemas = {s.name for s in d.schemas} | {"public"}
        self.relations = {t.key: "table" for t in d.tables}
        for v in d.views:
            self.relations[v.key] = "materialized view" if v.materialized else "view"
        self.columns = {t.key: set(ctx.columns(t)) for t in d.tables}
        self.sequences = {(s.schema, s.name) for s in d.sequences}
        self.identity_schemas = {t.schema for t in d.tables
                                 if any(c.identity for c in t.columns)}
        self.routines = {(r.schema, r.name, r.signature): r.kind for r in d.routines}
        self.types = {(x.schema, x.name) for x in (*d.enums, *d.domains, *d.composites,
                                                   *d.ranges)}
        self.types |= {(x.schema, x.multirange_name) for x in d.ranges}
        self.other = {"collation": {(x.schema, x.name) for x in d.collations},
                      "text search configuration": {(x.schema, x.name)
                                                    for x in d.text_search_configurations},
                      "text search dictionary": {(x.schema, x.name)
                                                 for x in d.text_search_dictionaries}}

    def missing(self, kind: str, schema: str, name: str, signature: str | None,
                column: str | None) -> str | None:
        """Why the object is not in the design (``None`` when it is)."""
        what = f"{kind} {_label(schema, name)}"
        if kind == "schema":
            return None if name in self.schemas else f"schema {name}"
        if kind in ("table", "column"):
            if (schema, name) not in self.relations:
                return f"table or view {_label(schema, name)}"
            cols = self.columns.get((schema, name))
            if kind == "column" and cols is not None and column not in cols:
                return f"column {_label(schema, name)}.{column}"
            return None
        if kind in ("view", "materialized view"):
            return None if self.relations.get((schema, name)) == kind else what
        if kind == "sequence":
            # sequences of identity columns are PostgreSQL's, not listed in the design
            if (schema, name) in self.sequences or schema in self.identity_schemas:
                return None
            return what
        if kind in ("routine", "function", "procedure", "aggregate"):
            found = self.routines.get((schema, name, signature))
            if found is None or kind not in ("routine", found):
                return f"{kind} {_label(schema, name)}({signature})"
            return None
        if kind == "type":
            return None if (schema, name) in self.types else what
        return None if (schema, name) in self.other.get(kind, set()) else what


def _role_problem(ctx: _Context, role: object, public_ok: bool) -> tuple[str, str] | None:
    roles = set(ctx.design.roles)
    if public_ok and role == "public":
        return None
    if not isinstance(role, str) or role not in roles:
        return (f"role {role!r} is not one of the design's roles",
                f"add it to `roles: [{role}]` at the top of the design: the kit grants to, and "
                "makes objects owned by, only the roles it creates for the design")
    return None


def _privilege_problem(kind: str, privileges: object) -> tuple[str, str] | None:
    allowed = PRIVILEGES.get(kind, ())
    if not isinstance(privileges, tuple) or not privileges:
        return "no privileges listed", f"list some of {', '.join(allowed)}"
    wrong = [p for p in privileges if p not in allowed]
    if wrong:
        return (f"{', '.join(map(str, wrong))} cannot be granted on a {kind}",
                f"use {', '.join(allowed)}")
    return None


def _check_roles(ctx: _Context) -> Iterator[Problem]:
    for i, role in enumerate(ctx.design.roles):
        if isinstance(role, str) and role.startswith("pg_"):
            yield Problem(f"roles[{i}]", f"role name {role!r} is reserved: PostgreSQL names "
                          "its own roles pg_…", "use another name")
        elif isinstance(role, str) and role.startswith("pgarch_"):
            yield Problem(f"roles[{i}]", f"role name {role!r} is reserved: the kit names its "
                          "own roles (the sandboxes' owner, the runner) pgarch_…",
                          "use another name")


def _check_grants(ctx: _Context) -> Iterator[Problem]:
    if not ctx.design.grants:
        return
    objects = _Objects(ctx)
    for i, g in enumerate(ctx.design.grants):
        path = f"grants[{i}]"
        if g.kind not in GRANT_KINDS:
            yield Problem(path, f"kind {g.kind!r} is unknown",
                          f"use one of {', '.join(GRANT_KINDS)}")
            continue
        for found in (_role_problem(ctx, g.grantee, True),
                      _privilege_problem(g.kind, g.privileges)):
            if found:
                yield Problem(path, *found)
        if (g.kind == "column") != (g.column is not None):
            yield Problem(path, "`column` goes with kind column only",
                          "write {kind: column, name: orders, column: total, …}")
        if (g.kind == "routine") != (g.signature is not None):
            yield Problem(path, "`signature` goes with kind routine only",
                          "write the routine's argument types, e.g. `signature: integer`")
        if g.revoke and g.grant_option:
            yield Problem(path, "a revoke has no grant option", "drop `grant_option`")
        gone = objects.missing(g.kind, g.schema, g.name, g.signature, g.column)
        if gone:
            yield Problem(path, f"the design has no {gone}", "grant on an object of the "
                          "design, or add the object")


def _check_default_privileges(ctx: _Context) -> Iterator[Problem]:
    if not ctx.design.default_privileges:
        return
    objects = _Objects(ctx)
    for i, dp in enumerate(ctx.design.default_privileges):
        path = f"default_privileges[{i}]"
        kind = DEFAULT_PRIVILEGE_OBJECTS.get(dp.objects)
        if kind is None:
            yield Problem(path, f"objects {dp.objects!r} is unknown",
                          f"use one of {', '.join(DEFAULT_PRIVILEGE_OBJECTS)}")
            continue
        for found in (_role_problem(ctx, dp.grantee, True),
                      None if dp.role is None else _role_problem(ctx, dp.role, False),
                      _privilege_problem(kind, dp.privileges)):
            if found:
                yield Problem(path, *found)
        if dp.schema is not None:
            if dp.objects == "schemas":
                yield Problem(path, "default privileges on schemas apply to the whole "
                              "database", "drop `schema`")
            elif dp.schema not in objects.schemas:
                yield Problem(path, f"the design has no schema {dp.schema}",
                              "add the schema or fix `schema:`")


def _check_owners(ctx: _Context) -> Iterator[Problem]:
    if not ctx.design.owners:
        return
    objects = _Objects(ctx)
    entries = []
    for i, o in enumerate(ctx.design.owners):
        path = f"owners[{i}]"
        if o.kind not in OWNER_KINDS:
            yield Problem(path, f"kind {o.kind!r} is unknown",
                          f"use one of {', '.join(OWNER_KINDS)}")
            continue
        entries.append((path, o.target))
        found = _role_problem(ctx, o.role, False)
        if found:
            yield Problem(path, *found)
        gone = objects.missing(o.kind, o.schema, o.name, o.signature, None)
        if gone:
            yield Problem(path, f"the design has no {gone}", "name an object of the design")
    yield from _duplicates(entries, "owner of that object")


RULES = (_check_collations, _check_ranges, _check_text_search, _check_casts, _check_rules,
         _check_roles, _check_grants, _check_default_privileges, _check_owners)

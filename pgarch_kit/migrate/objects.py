"""Migration steps for collations, range types, text search objects, casts, rules, grants,
default privileges and owners (the builder in :mod:`pgarch_kit.migrate.diff` places them).

Where each kind goes, and why:

* new roles first (made ``NOLOGIN`` when missing, never dropped: a role belongs to the whole
  server); then collations (columns, domains and ranges name them), text search objects and range
  types after the extensions and types they build on; each dropped in the contract phase,
  after the tables that used it are gone;
* rules dropped before the table changes (a rule names columns) and created after them;
* casts created after the routines they call, dropped before those routines are;
* grants, owners and default privileges after every object exists; a grant or owner of an
  object the new design drops is given back by the down script after it recreates the
  object (an undo-only step before the drop).

PostgreSQL cannot change a collation's provider or locale, a range type's subtype or
options, a dictionary's template or a configuration's parser in place: such a change is a
:class:`~pgarch_kit.migrate.plan.MigrationError` that says how to do it in two versions.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from pgarch_kit.ddl._common import literal, rel
from pgarch_kit.ddl.render_objects import cast_sql, comment_sql, rule_comment_sql, rule_sql
from pgarch_kit.ddl.render_privileges import (
    default_privilege_sql,
    grant_sql,
    owner_sql,
    owner_target_sql,
    ungrant_sql,
)
from pgarch_kit.ddl.render_search import (
    ts_configuration_sql,
    ts_dictionary_sql,
    ts_mapping_sql,
)
from pgarch_kit.ddl.render_types import collation_sql, range_sql
from pgarch_kit.model.design import Design
from pgarch_kit.model.names import quote_ident
from pgarch_kit.model.objects import TextSearchConfiguration, TextSearchDictionary
from pgarch_kit.model.privileges import Grant

from .plan import MigrationError, Step

__all__ = ["ObjectSteps", "object_steps", "privileges_on"]


@dataclass
class ObjectSteps:
    first: list[Step] = field(default_factory=list)      # before everything (collations)
    pre: list[Step] = field(default_factory=list)        # after extensions and types
    casts: list[Step] = field(default_factory=list)      # after the routines they call,
    #                                                      before routines and views using them
    late: list[Step] = field(default_factory=list)       # after tables, routines, views
    contract_first: list[Step] = field(default_factory=list)  # before the contract drops
    contract: list[Step] = field(default_factory=list)   # after them


def _by(items: Iterable[Any], key: Callable[[Any], Any]) -> dict[Any, Any]:
    return {key(x): x for x in items}


def _named(x: Any) -> tuple[str, str]:
    return (x.schema, x.name)


def _changed(what: str, name: str, how: str) -> MigrationError:
    return MigrationError(f"{what} {name}: {how} changed, which PostgreSQL cannot alter in "
                          f"place. Add a new {what} under another name in this version, move "
                          f"its users to it, and drop the old one in the next")


def _comment_step(kind: str, target: str, old: str | None, new: str | None) -> Step:
    def sql(text: str | None) -> tuple[str, ...]:
        return tuple(comment_sql(kind, target, text)) if text is not None else (
            f"COMMENT ON {kind} {target} IS NULL;",)
    return Step(f"comment on {kind.lower()} {target}", sql(new), sql(old))


def _simple_kind(out: ObjectSteps, old: Iterable[Any], new: Iterable[Any], *, what: str,
                 kind: str, create: Callable[[Any], list[str]], drop: str,
                 bucket: list[Step], fixed: Callable[[Any], Any]) -> None:
    """Add, drop, or re-comment objects that cannot be altered otherwise (``fixed`` is what
    must not change)."""
    before, after = _by(old, _named), _by(new, _named)
    for key, x in after.items():
        target = rel(*key)
        o = before.get(key)
        if o is None:
            bucket.append(Step(f"{what} {x.name}", (*create(x), *comment_sql(
                kind, target, x.comment)), (f"DROP {drop} IF EXISTS {target};",)))
        elif fixed(o) != fixed(x):
            raise _changed(what, x.name, "its definition")
        elif o.comment != x.comment:
            out.late.append(_comment_step(kind, target, o.comment, x.comment))
    for key, o in before.items():
        if key not in after:
            out.contract.append(Step(f"drop {what} {o.name}",
                                     (f"DROP {drop} IF EXISTS {rel(*key)};",),
                                     (*create(o), *comment_sql(kind, rel(*key), o.comment)),
                                     phase="contract"))


def _dictionaries(out: ObjectSteps, old: Design, new: Design) -> None:
    before, after = _by(old.text_search_dictionaries, _named), \
        _by(new.text_search_dictionaries, _named)
    for key, d in after.items():
        o = before.get(key)
        target = rel(*key)
        if o is None:
            out.pre.append(Step(f"text search dictionary {d.name}", tuple(ts_dictionary_sql(d)),
                                (f"DROP TEXT SEARCH DICTIONARY IF EXISTS {target};",)))
            continue
        if o.template != d.template:
            raise _changed("text search dictionary", d.name, "the template")
        if o.options != d.options:
            out.pre.append(Step(f"options of text search dictionary {d.name}",
                                (_dict_options(d, o),), (_dict_options(o, d),),
                                why="new options apply to text parsed from now on"))
        if o.comment != d.comment:
            out.late.append(_comment_step("TEXT SEARCH DICTIONARY", target, o.comment,
                                          d.comment))
    for key, o in before.items():
        if key not in after:
            out.contract.append(Step(f"drop text search dictionary {o.name}",
                                     (f"DROP TEXT SEARCH DICTIONARY IF EXISTS {rel(*key)};",),
                                     tuple(ts_dictionary_sql(o)), phase="contract"))


def _dict_options(d: TextSearchDictionary, other: TextSearchDictionary) -> str:
    """``ALTER … (opt = 'v', gone)``: an option named without a value is removed."""
    keys = {k for k, _ in d.options}
    parts = [f"{quote_ident(k)} = {literal(v)}" for k, v in d.options]
    parts += [quote_ident(k) for k, _ in other.options if k not in keys]
    return f"ALTER TEXT SEARCH DICTIONARY {rel(d.schema, d.name)} ({', '.join(parts)});"


def _mapping_changes(c: TextSearchConfiguration, other: TextSearchConfiguration
                     ) -> tuple[str, ...]:
    """The statements that turn ``other``'s mappings into ``c``'s."""
    mine, theirs = dict(c.mappings), dict(other.mappings)
    out = [f"ALTER TEXT SEARCH CONFIGURATION {rel(c.schema, c.name)} DROP MAPPING FOR "
           f"{quote_ident(tok)};" for tok in theirs if tok not in mine]
    for tok, dicts in c.mappings:
        if tok not in theirs:
            out.append(ts_mapping_sql(c, tok, dicts))
        elif theirs[tok] != dicts:
            out.append(ts_mapping_sql(c, tok, dicts, verb="ALTER"))
    return tuple(out)


def _configurations(out: ObjectSteps, old: Design, new: Design) -> None:
    before, after = _by(old.text_search_configurations, _named), \
        _by(new.text_search_configurations, _named)
    for key, c in after.items():
        o = before.get(key)
        target = rel(*key)
        if o is None:
            out.pre.append(Step(f"text search configuration {c.name}",
                                tuple(ts_configuration_sql(c)),
                                (f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {target};",)))
            continue
        if o.parser != c.parser:
            raise _changed("text search configuration", c.name, "the parser")
        if o.mappings != c.mappings:
            out.pre.append(Step(f"mappings of text search configuration {c.name}",
                                _mapping_changes(c, o), _mapping_changes(o, c),
                                why="stored tsvectors keep what the old mappings made: "
                                    "recompute them if they must match"))
        if o.comment != c.comment:
            out.late.append(_comment_step("TEXT SEARCH CONFIGURATION", target, o.comment,
                                          c.comment))
    for key, o in before.items():
        if key not in after:
            out.contract.insert(0, Step(
                f"drop text search configuration {o.name}",
                (f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {rel(*key)};",),
                tuple(ts_configuration_sql(o)), phase="contract"))


def _casts(out: ObjectSteps, old: Design, new: Design) -> None:
    def key(c: Any) -> tuple[str, str]:
        return (c.source, c.target)

    def drop(c: Any) -> str:
        return f"DROP CAST IF EXISTS ({c.source} AS {c.target});"
    before, after = _by(old.casts, key), _by(new.casts, key)
    for k, c in after.items():
        o = before.get(k)
        if o == c:
            continue
        label = f"cast {c.label}"
        target = f"({c.source} AS {c.target})"
        if o is None:
            out.casts.append(Step(label, (*cast_sql(c), *comment_sql("CAST", target,
                                                                    c.comment)), (drop(c),)))
        elif replace(o, comment=None) == replace(c, comment=None):
            out.casts.append(_comment_step("CAST", target, o.comment, c.comment))
        else:
            out.casts.append(Step(f"{label} (recreated)", (drop(o), *cast_sql(c)),
                                 (drop(c), *cast_sql(o))))
    for k, o in before.items():
        if k not in after:
            out.contract_first.append(Step(f"drop cast {o.label}", (drop(o),),
                                           tuple(cast_sql(o)), phase="contract"))


def _rules(out: ObjectSteps, old: Design, new: Design) -> None:
    def key(r: Any) -> tuple[str, str, str]:
        return (r.schema, r.table, r.name)

    def drop(r: Any) -> str:
        return f"DROP RULE IF EXISTS {quote_ident(r.name)} ON {rel(r.schema, r.table)};"
    before, after = _by(old.rules, key), _by(new.rules, key)
    # a rule over (or writing to) a table whose columns change would block the change, as a
    # view would: it is dropped before and made again after, like the views
    touched = {t.name for t in old.tables
               if (n := new.table(t.name, t.schema)) is None or n.columns != t.columns}
    redo = {k for k, o in before.items() if k in after and any(
        re.search(rf"\b{re.escape(name)}\b", o.definition) for name in touched)}
    for k, o in before.items():
        if after.get(k) != o or k in redo:
            out.pre.append(Step(f"drop rule {o.name} on {o.table}", (drop(o),),
                                (*rule_sql(o), *rule_comment_sql(o)),
                                why="a rule names columns: it goes before the tables change"))
    for k, r in after.items():
        if before.get(k) != r or k in redo:
            out.late.append(Step(f"rule {r.name} on {r.table}",
                                 (*rule_sql(r), *rule_comment_sql(r)), (drop(r),)))


def privileges_on(design: Design, kind: str, schema: str, name: str,
                  server_version: int) -> list[str]:
    """Grants and the owner of one relation (``kind`` table, view or materialized view), to
    give back to it when a migration recreates it."""
    out = [s for g in design.grants if g.kind in ("table", "column")
           and (g.schema, g.name) == (schema, name) for s in grant_sql(g, server_version)]
    out += [s for o in design.owners if o.kind == kind and (o.schema, o.name) == (schema, name)
            for s in owner_sql(o)]
    return out


def _exists(design: Design, kind: str, schema: str, name: str,
            signature: str | None) -> bool:
    """Whether ``design`` still has the object a grant or owner is about."""
    if kind == "schema":
        return name == "public" or any(s.name == name for s in design.schemas)
    if kind in ("table", "column", "view", "materialized view"):
        return design.table(name, schema) is not None or any(
            v.key == (schema, name) for v in design.views)
    if kind == "sequence":
        return any((s.schema, s.name) == (schema, name) for s in design.sequences) or any(
            t.schema == schema for t in design.tables)
    if kind in ("routine", "function", "procedure", "aggregate"):
        return any((r.schema, r.name, r.signature) == (schema, name, signature)
                   for r in design.routines)
    groups = {"type": (*design.enums, *design.domains, *design.composites, *design.ranges),
              "collation": design.collations,
              "text search configuration": design.text_search_configurations,
              "text search dictionary": design.text_search_dictionaries}
    return any((x.schema, x.name) == (schema, name) for x in groups.get(kind, ()))


def _grants(out: ObjectSteps, old: Design, new: Design, v: int) -> None:
    """Grants that go first (revoking a table privilege also takes the column privileges of
    the same name), then those that come."""
    have, want = set(old.grants), set(new.grants)
    for g in old.grants:
        if g in want:
            continue
        if _exists(new, g.kind, g.schema, g.name, g.signature):
            out.late.append(Step(f"undo {_grant_title(g)}", tuple(ungrant_sql(g, v)),
                                 tuple(grant_sql(g, v))))
        else:  # the object goes: its down script recreates it, then this gives the grant back
            out.contract_first.append(Step(f"(undo only) {_grant_title(g)}", (),
                                           tuple(grant_sql(g, v)), phase="contract"))
    for g in new.grants:
        if g not in have:
            out.late.append(Step(_grant_title(g), tuple(grant_sql(g, v)),
                                 tuple(ungrant_sql(g, v))))


def _grant_title(g: Grant) -> str:
    what = ", ".join(g.privileges)
    on = g.name if g.kind == "schema" else rel(g.schema, g.name)
    verb = "revoke" if g.revoke else "grant"
    return f"{verb} {what} on {g.kind} {on} {'from' if g.revoke else 'to'} {g.grantee}"


def _owners(out: ObjectSteps, old: Design, new: Design) -> None:
    before, after = _by(old.owners, lambda o: o.target), _by(new.owners, lambda o: o.target)
    for k, o in after.items():
        prev = before.get(k)
        if prev == o:
            continue
        out.late.append(Step(f"owner of {owner_target_sql(o).lower()}: {o.role}",
                             tuple(owner_sql(o)),
                             tuple(owner_sql(prev) if prev else owner_sql(o, "current_user"))))
    for k, prev in before.items():
        if k in after:
            continue
        if _exists(new, prev.kind, prev.schema, prev.name, prev.signature):
            out.late.append(Step(f"owner of {owner_target_sql(prev).lower()}: whoever runs the "
                                 "migration", tuple(owner_sql(prev, "current_user")),
                                 tuple(owner_sql(prev))))
        else:
            out.contract_first.append(Step(f"(undo only) owner of "
                                           f"{owner_target_sql(prev).lower()}", (),
                                           tuple(owner_sql(prev)), phase="contract"))


def _default_privileges(out: ObjectSteps, old: Design, new: Design, v: int) -> None:
    """Revokes first: an entry that changed (SELECT -> SELECT, INSERT) is the old one undone
    and the new one granted, and undoing after granting would take back what was just given."""
    have, want = set(old.default_privileges), set(new.default_privileges)
    for dp in old.default_privileges:
        if dp not in want:
            out.late.append(Step(f"undo default privileges on {dp.objects} for {dp.grantee}",
                                 tuple(default_privilege_sql(dp, v, undo=True)),
                                 tuple(default_privilege_sql(dp, v))))
    for dp in new.default_privileges:
        if dp not in have:
            out.late.append(Step(f"default privileges on {dp.objects} for {dp.grantee}",
                                 tuple(default_privilege_sql(dp, v)),
                                 tuple(default_privilege_sql(dp, v, undo=True)),
                                 why="shapes objects made from now on; existing ones keep "
                                     "their privileges"))


def object_steps(old: Design, new: Design, server_version: int) -> ObjectSteps:
    """The steps for the kinds this module covers (see the module documentation)."""
    out, colls = ObjectSteps(), ObjectSteps()
    # roles: migrate.types makes them (cluster-wide, made if missing, never dropped)
    _simple_kind(colls, old.collations, new.collations, what="collation", kind="COLLATION",
                 create=lambda c: collation_sql(c, server_version), drop="COLLATION",
                 bucket=colls.first, fixed=lambda c: replace(c, comment=None))
    out.first += colls.first
    out.late += colls.late
    _dictionaries(out, old, new)
    _configurations(out, old, new)
    _simple_kind(out, old.ranges, new.ranges, what="range type", kind="TYPE",
                 create=range_sql, drop="TYPE", bucket=out.pre,
                 fixed=lambda r: replace(r, comment=None))
    _rules(out, old, new)
    _casts(out, old, new)
    _grants(out, old, new, server_version)
    _owners(out, old, new)
    _default_privileges(out, old, new, server_version)
    out.contract += colls.contract  # after the ranges, domains and columns that used them
    return out


"""Comment changes on objects that both versions have and the migration does not recreate.

A comment is catalog-only (``COMMENT ON`` takes a SHARE UPDATE EXCLUSIVE lock for a moment),
so each change is one small step whose undo sets the old text back (``IS NULL`` removes one).
Objects the plan creates or recreates carry their comments in their own step; table and column
comments are handled with their table (:mod:`.diff`). Objects compare here without their
comments, so a comment-only change never rebuilds an index or recreates a view.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from pgarch_kit.ddl._common import literal, rel
from pgarch_kit.model.design import Design, Index, Routine, Trigger, View
from pgarch_kit.model.names import quote_ident

from .plan import Step

__all__ = ["bare", "comment_stmt", "comment_steps", "routine_target", "trigger_target"]


def comment_stmt(kind: str, target: str, text: str | None) -> str:
    return f"COMMENT ON {kind} {target} IS {'NULL' if text is None else literal(text)};"


def bare(x: Index | View | Routine | Trigger) -> object:
    """``x`` without its comments, for telling a definition change from a comment change."""
    if isinstance(x, View):
        return replace(x, comment=None, column_comments=(),
                       indexes=tuple(replace(i, comment=None) for i in x.indexes))
    return replace(x, comment=None)


def routine_target(r: Routine) -> tuple[str, str]:
    return r.kind.upper(), f"{rel(r.schema, r.name)}({r.signature})"


def trigger_target(t: Trigger) -> str:
    return f"{quote_ident(t.name)} ON {rel(t.schema, t.table)}"


def view_comments(v: View, other: View | None = None) -> list[str]:
    """Every comment of ``v`` (its own, its columns', its indexes'), with ``IS NULL`` for what
    only ``other`` has, so applying them moves ``other``'s comments to ``v``'s."""
    kind = "MATERIALIZED VIEW" if v.materialized else "VIEW"
    name = rel(v.schema, v.name)
    out = []
    if v.comment is not None or (other and other.comment is not None):
        out.append(comment_stmt(kind, name, v.comment))
    mine = dict(v.column_comments)
    theirs = dict(other.column_comments) if other else {}
    for col in [*mine, *(c for c in theirs if c not in mine)]:
        out.append(comment_stmt("COLUMN", f"{name}.{quote_ident(col)}", mine.get(col)))
    theirs_idx = {i.name: i.comment for i in other.indexes} if other else {}
    for i in v.indexes:
        if i.comment is not None or theirs_idx.get(i.name) is not None:
            out.append(comment_stmt("INDEX", rel(v.schema, i.name), i.comment))
    return out


def _changes(old: Design, new: Design) -> Iterator[tuple[str, str, str, str | None, str | None]]:
    """(title, kind, target, old text, new text) for every changed comment."""
    schemas = {s.name: s for s in old.schemas}
    for s in new.schemas:
        if (o := schemas.get(s.name)) is not None:
            yield f"schema {s.name}", "SCHEMA", quote_ident(s.name), o.comment, s.comment
    for attr, kind in (("enums", "TYPE"), ("domains", "DOMAIN"), ("composites", "TYPE"),
                       ("sequences", "SEQUENCE")):
        have = {(x.schema, x.name): x for x in getattr(old, attr)}
        for x in getattr(new, attr):
            if (o := have.get((x.schema, x.name))) is not None:
                yield f"{kind.lower()} {x.name}", kind, rel(x.schema, x.name), o.comment, x.comment
    for t in new.tables:
        ot = old.table(t.name, t.schema)
        if ot is None:
            continue
        have_idx = {i.name: i for i in ot.indexes}
        for i in t.indexes:
            o = have_idx.get(i.name)
            # not rebuilt (storage options are set in place): the comment stays unless changed
            if o is not None and replace(o, comment=None, options=()) == replace(
                    i, comment=None, options=()):
                yield f"index {i.name}", "INDEX", rel(t.schema, i.name), o.comment, i.comment
    have_r = {(r.schema, r.name, r.signature): r for r in old.routines}
    for r in new.routines:
        o = have_r.get((r.schema, r.name, r.signature))
        if o is not None and bare(o) == bare(r):
            kind, target = routine_target(r)
            yield f"{r.kind} {r.name}", kind, target, o.comment, r.comment
    have_t = {(t.schema, t.table, t.name): t for t in old.triggers}
    for tr in new.triggers:
        o = have_t.get((tr.schema, tr.table, tr.name))
        if o is not None and bare(o) == bare(tr):
            yield f"trigger {tr.name}", "TRIGGER", trigger_target(tr), o.comment, tr.comment


def comment_steps(old: Design, new: Design,
                  recreated: frozenset[tuple[str, str]] = frozenset()) -> list[Step]:
    """Steps for the changed comments; ``recreated`` views (schema, name) carry their own."""
    steps = [Step(f"comment on {title}", (comment_stmt(kind, target, b),),
                  (comment_stmt(kind, target, a),), why="catalog-only")
             for title, kind, target, a, b in _changes(old, new) if a != b]
    have_v = {(v.schema, v.name): v for v in old.views}
    for v in new.views:
        o = have_v.get((v.schema, v.name))
        if o is not None and bare(o) == bare(v) and o != v and v.key not in recreated:
            steps.append(Step(f"comments on {v.name}", tuple(view_comments(v, o)),
                              tuple(view_comments(o, v)), why="catalog-only"))
    return steps

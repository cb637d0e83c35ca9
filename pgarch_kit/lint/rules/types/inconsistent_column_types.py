"""inconsistent-column-types: one column name, types that do not compare across tables."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident
from pgarch_kit.model.types import PgType

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, typed_columns

# Names whose meaning is local to each table: a differing type there is not a mismatch.
GENERIC = frozenset({"id", "name", "title", "description", "value", "data", "type", "kind",
                     "code", "status", "state", "label", "key", "note", "notes", "comment",
                     "position", "payload", "metadata", "version", "level"})
# Types that compare with each other through one B-tree operator family (cross-type
# operators, or a binary-compatible cast): a join between them still uses the indexes.
_FAMILY = {"smallint": "integer", "integer": "integer", "bigint": "integer",
           "text": "text", "character varying": "text", "name": "text",
           "real": "float", "double precision": "float"}


def _joined(ctx: LintContext, name: str, odd: list, same: list) -> str | None:
    """A view, routine or query pattern of the design that equates the column across an odd
    table and a table of the common type (``a.col = b.col``): evidence the mismatch is joined
    on, not only a shared name."""
    eq = re.compile(rf'\.\s*"?{re.escape(name)}"?\s*=\s*[\w"]+\s*\.\s*"?{re.escape(name)}\b')
    sources = [(f"view {v.name}", v.query) for v in ctx.design.views]
    sources += [(f"routine {r.name}", r.definition) for r in ctx.design.routines]
    sources += [(f"query pattern {q.name}", q.sql) for q in ctx.design.queries]
    for where, sql in sources:
        if not sql or not eq.search(sql):
            continue
        names = set(re.findall(r'[\w]+', sql))
        if any(t.name in names for t, _ in odd) and any(t.name in names for t, _ in same):
            return where
    return None


def _family(base: str, enums: set[str]) -> str:
    if base in enums:
        return "enum"  # two enums of one name are two vocabularies, not a mismatch
    return _FAMILY.get(base, base)


class InconsistentColumnTypes(Rule):
    """What: the same column name (``user_id``, ``workspace_id``) with types in different
    tables that do not compare directly — ``uuid`` in one table, ``text`` in another. Types
    that share an index operator family are left alone (``integer``/``bigint``,
    ``text``/``varchar`` — type modifiers too), and so are two enum types (each is its own
    vocabulary) and names whose meaning is local to each table (``id``, ``name``, ``status``,
    ``value``, ``code`` …). A warning where the design's own SQL joins the differing columns
    (a view, routine or query pattern with ``a.col = b.col`` over the two kinds of table);
    otherwise info — a shared name is weak evidence, as often two meanings (a client's text
    transaction id, a local bigint one) as one key typed twice. One finding per column name,
    naming the tables that differ from the most common type. Needs only the design; joins
    in application code it cannot see.

    Why: a join or comparison between the columns needs a cast, and an index on the cast
    side is not used; a text copy of a uuid or integer key also accepts values no row has,
    and often hides a foreign key that was never declared.

    Fix: align the types, usually to the referenced key's type:
    ``ALTER TABLE t ALTER COLUMN c TYPE <common type> USING c::<common type>`` (fails,
    without changing anything, if a value does not convert — clean those first).

    References: pg-index-health columns_with_inconsistent_types (proposed there).
    """

    code = "PGA014"
    slug = "inconsistent-column-types"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        enums = {e.name for e in ctx.design.enums} | {f"{e.schema}.{e.name}"
                                                      for e in ctx.design.enums}
        groups: dict[str, list] = {}
        for t, c, ty in typed_columns(ctx):
            if c.name.lower() in GENERIC:
                continue
            kind = (_family(ty.base, enums), ty.is_array)
            groups.setdefault(c.name, []).append((t, c, kind, ty))
        for name, members in groups.items():
            kinds = Counter(k for _, _, k, _ in members)
            if len(kinds) < 2:
                continue
            common = kinds.most_common(1)[0][0]
            target = next(str(PgType(ty.base, (), ty.is_array))
                          for _, _, k, ty in members if k == common)
            odd = [(t, c) for t, c, k, _ in members if k != common]
            same = [(t, c) for t, c, k, _ in members if k == common]
            joined = _joined(ctx, name, odd, same)
            shown = ", ".join(f"{label(t)} ({c.type})" for t, c in odd[:5])
            more = f" and {len(odd) - 5} more" if len(odd) > 5 else ""
            why = (f"{joined} joins on it, and the cast keeps the index on the cast side from "
                   f"being used" if joined else
                   "a join or comparison across them needs a cast that keeps an index from "
                   "being used, and a shared name may hide a foreign key never declared "
                   "(or two meanings of one name)")
            yield self.finding(
                odd[0][0], name,
                f"{name} is {target} in {kinds[common]} table(s) but differs in {shown}{more}: "
                f"{why}",
                " ".join(alter_type(t, c.name, target, f"{quote_ident(c.name)}::{target}")
                         for t, c in odd),
                severity=None if joined else "info")

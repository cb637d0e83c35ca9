"""inconsistent-column-types: one column name, several types across tables."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, typed_columns

# Names whose meaning is local to each table: a differing type there is not a mismatch.
GENERIC = frozenset({"id", "name", "title", "description", "value", "data", "type", "kind",
                     "code", "status", "state", "label", "key", "note", "notes", "comment",
                     "position", "payload", "metadata", "version", "level"})


class InconsistentColumnTypes(Rule):
    """What: the same column name (``user_id``, ``created_at``) with different types in
    different tables. Type modifiers are ignored (``varchar(20)`` vs ``varchar(40)`` is the
    same type for joins), and so are names whose meaning is local to each table (``id``,
    ``name``, ``status``, ``value``, ``code`` …). One finding per column name, naming the
    tables that differ from the most common type.

    Why: joins and comparisons between the columns need casts that defeat indexes, a
    narrower copy of a key overflows first, and it often hides a foreign key that was never
    declared or an application bug.

    Fix: align the types, usually to the referenced key's type:
    ``ALTER TABLE t ALTER COLUMN c TYPE <common type>``.

    References: pg-index-health columns_with_inconsistent_types (proposed there).
    """

    code = "PGA014"
    slug = "inconsistent-column-types"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        groups: dict[str, list] = {}
        for t, c, ty in typed_columns(ctx):
            if c.name.lower() in GENERIC:
                continue
            kind = (ty.base, ty.is_array)
            groups.setdefault(c.name, []).append((t, c, kind))
        for name, members in groups.items():
            kinds = Counter(k for _, _, k in members)
            if len(kinds) < 2:
                continue
            common = kinds.most_common(1)[0][0]
            odd = [(t, c) for t, c, k in members if k != common]
            shown = ", ".join(f"{label(t)} ({c.type})" for t, c in odd[:5])
            more = f" and {len(odd) - 5} more" if len(odd) > 5 else ""
            target = common[0] + ("[]" if common[1] else "")
            yield self.finding(
                odd[0][0], name,
                f"{name} is {target} in {kinds[common]} table(s) but differs in {shown}{more}: "
                f"joins on it need casts that defeat indexes and can hide a missing foreign key",
                " ".join(alter_type(t, c.name, target) for t, c in odd))

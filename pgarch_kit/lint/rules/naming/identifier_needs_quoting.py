"""identifier-needs-quoting: names that only work double-quoted (upper case, reserved words,
special characters) — per name where they break the design's habits, once per design where
quoted mixed case is its convention."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.names import COLUMN_NAME_KEYWORDS, is_plain_identifier

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._objects import Named, named_objects, suggest_name, where_label

_TYPE_OR_ROUTINE = {"type", "domain", "function", "procedure", "aggregate"}
# PostgreSQL reads these unquoted as written: ``$`` is allowed after the first character.
_UNQUOTED_OK = re.compile(r"^[a-z_][a-z0-9_$]*$")
_MIXED_CASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
# Quoted mixed case on at least this share of the names a designer picks (tables, columns,
# views, types, routines, schemas: index, constraint and sequence names are mostly derived
# from them) is the design's convention — an ORM's, typically: Prisma, Entity Framework.
_CONVENTION_SHARE = 0.2
_CONVENTION_MIN = 5
_CHOSEN = {"schema", "table", "column", "view", "type", "domain", "function", "procedure",
           "aggregate"}


def design_names(ctx: LintContext) -> list[Named]:
    """The design's names, without those of migration tools' bookkeeping tables."""
    def own(obj: Named) -> bool:
        return not (isinstance(obj.where, Table) and ctx.is_framework_table(obj.where))
    return ctx.memo("own_named_objects",
                    lambda: [o for o in ctx.memo("named_objects",
                                                 lambda: list(named_objects(ctx.design)))
                             if own(o)])


def _problem(obj: Named) -> str | None:
    """Why ``obj``'s name needs quotes: "reserved", "mixed" (case), "special", or None."""
    name = obj.name
    if is_plain_identifier(name):
        return None
    if _UNQUOTED_OK.match(name):
        if name in COLUMN_NAME_KEYWORDS and obj.kind not in _TYPE_OR_ROUTINE:
            return None  # json, timestamp …: usable unquoted as relation and column names
        return "reserved" if "$" not in name else None
    return "mixed" if _MIXED_CASE.match(name) else "special"


_WHY = {"reserved": "is a reserved word",
        "mixed": "has upper-case letters, which PostgreSQL folds to lower case unless quoted",
        "special": "has characters outside lower-case letters, digits, _ and $ (or starts "
                   "with a digit)"}


def _plural(kind: str) -> str:
    return kind + ("es" if kind.endswith(("x", "s")) else "s")


class IdentifierNeedsQuoting(Rule):
    """What: a schema, table, column, index, constraint, view, type, sequence or routine
    whose name only works double-quoted: a reserved keyword (``user``, ``order``,
    ``group``), upper-case letters, or other characters (spaces, hyphens, a leading digit,
    letters outside ASCII). "Column name" keywords such as ``json`` or ``timestamp`` work
    unquoted as table and column names, and ``$`` after the first character is legal
    unquoted, so neither is reported. Migration tools' bookkeeping tables are skipped.

    Quoted mixed case on a fifth or more of the names a designer picks (tables, columns,
    views, types, routines; at least five) is the design's convention (an ORM's, typically
    — Prisma, Entity Framework): a choice with a cost, not a slip, so one
    design-wide info finding says so; reserved words and special characters are still
    reported name by name. Where mixed case is rare, each such name breaks the design's own
    convention and is a warning.

    Why: every query must double-quote the name exactly. An unquoted ``Orders`` is folded to
    ``orders`` and fails; an unquoted ``user`` means ``current_user``, and ``order`` is a
    syntax error — mistakes that surface in application code, not in the schema.

    Fix: ``ALTER TABLE "Orders" RENAME TO orders;`` (``app_user`` for a reserved ``user``),
    behind a compatibility view while clients move; for a mixed-case convention, keep it and
    quote in hand-written SQL, or map the ORM's names to snake_case (Prisma ``@@map`` /
    ``@map``, EF ``ToTable``/``HasColumnName``) when the clients can follow.

    References: PostgreSQL wiki "Don't Do This" (upper case names); schemalint name-casing;
    pglinter B005, B010.
    """

    code = "PGA049"
    slug = "identifier-needs-quoting"
    category = "naming"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        names = design_names(ctx)
        flagged = [(o, p) for o in names if (p := _problem(o))]
        mixed = [o for o, p in flagged if p == "mixed"]
        chosen = sum(1 for o in names if o.kind in _CHOSEN)
        chosen_mixed = sum(1 for o in mixed if o.kind in _CHOSEN)
        convention = chosen_mixed >= max(_CONVENTION_MIN, _CONVENTION_SHARE * chosen)
        if convention and mixed:
            kinds: dict[str, int] = {}
            for o in mixed:
                kinds[o.kind] = kinds.get(o.kind, 0) + 1
            counted = ", ".join(f"{n} {_plural(k) if n > 1 else k}" for k, n in kinds.items())
            examples = ", ".join(list(dict.fromkeys(f'"{o.name}"' for o in mixed))[:4])
            yield self.finding(
                None, None,
                f"quoted mixed case is this design's naming convention ({counted} of its "
                f"{len(names)} names, e.g. {examples}): a choice with a cost — every "
                f"hand-written query, psql session and reporting tool must double-quote them "
                f"exactly, or they fold to lower case and fail",
                "keep the convention and quote these names in hand-written SQL; or map them "
                "to snake_case in the ORM (Prisma @@map/@map, EF ToTable/HasColumnName) and "
                "rename behind views when the clients can follow", severity="info")
        for obj, problem in flagged:
            if problem == "mixed" and convention:
                continue
            yield self.finding(
                where_label(obj.where), obj.column,
                f"{obj.kind} name {obj.name!r} {_WHY[problem]}, so every query must "
                f"double-quote it exactly or fail (or silently mean something else)",
                obj.rename(suggest_name(obj.name)))

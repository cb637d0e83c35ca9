"""unqualified-object-name: routine bodies that name tables without a schema (opt-in)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..security._sql import pinned_search_path, routine_body, routine_ref

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
# A table reference after FROM/JOIN/UPDATE/INTO/TABLE/TRUNCATE, optionally schema-qualified.
_REF = re.compile(rf"\b(?:from|join|update|into|table|truncate)\s+(?:only\s+)?"
                  rf"({_IDENT})(\s*\.\s*{_IDENT})?(?![A-Za-z0-9_$])", re.IGNORECASE)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


class UnqualifiedObjectName(Rule):
    """What: opt-in (setting ``require_schema_qualified: true``). Function and procedure
    bodies that refer to one of the design's tables without a schema
    (``DELETE FROM notes``) while the routine doesn't pin its own ``search_path`` — or pins
    it to the empty string, where the unqualified name can't resolve at all. The design's
    own DDL is always generated schema-qualified, and views, policies and defaults bind
    tables by OID when they are created, so routine bodies — parsed anew at call time with
    the caller's ``search_path`` — are where the risk is real. Only names of tables in the
    design count, so CTEs and function calls are not mistaken for tables.

    Why: the name resolves through whatever ``search_path`` the caller has, so the wrong
    object can be read or written — or a planted one in a writable schema.

    Fix: write ``schema.table`` in the body (or pin ``SET search_path`` on the routine).

    References: squawk require-table-schema (opt-in there too).
    """

    code = "PGA053"
    slug = "unqualified-object-name"
    category = "naming"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        if not ctx.setting("require_schema_qualified"):
            return
        tables: dict[str, str] = {}
        for t in ctx.design.tables:
            tables.setdefault(t.name, t.schema)
        for r in ctx.design.routines:
            path = pinned_search_path(r)
            if path is not None and path.strip("'\" ") != "":
                continue
            seen: set[str] = set()
            for m in _REF.finditer(routine_body(r)):
                name = _unquote(m.group(1))
                if m.group(2) or name not in tables or name in seen:
                    continue
                seen.add(name)
                where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
                yield self.finding(
                    where, None,
                    f"{r.kind} {r.name} refers to table {name} without a schema, so it "
                    f"resolves through the caller's search_path and can hit the wrong object",
                    f"-- in the body of {routine_ref(r)}: write {tables[name]}.{name}")

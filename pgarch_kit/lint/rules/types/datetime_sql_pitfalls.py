"""datetime-sql-pitfalls: CURRENT_TIME, POSIX offsets, inclusive BETWEEN on timestamps and
NOT IN (subquery) inside the SQL a design stores (views, defaults, checks, policies)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule
from ._common import typed_columns

# String literals, dollar-quoted bodies and comments are blanked before the keyword checks,
# so a message like 'use CURRENT_TIME' never matches.
_LITERAL = re.compile(r"(?:[eE])?'(?:[^']|'')*'|\$(\w*)\$.*?\$\1\$|--[^\n]*|/\*.*?\*/", re.S)
_CURRENT_TIME = re.compile(r"\bCURRENT_TIME\b", re.I)
_ZONE = re.compile(r"\bAT\s+TIME\s+ZONE\s+'(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d\d)?'"
                   r"|\btimezone\(\s*'(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d\d)?'", re.I)
_NOT_IN = re.compile(r"\bNOT\s+IN\s*\(\s*SELECT\b"
                     r"|\bNOT\s*\(\s*[\w.\"]+\s+IN\s*\(\s*SELECT\b", re.I)
# x BETWEEN a AND b as written, and as PostgreSQL prints it back: (x >= a) AND (x <= b)
_BETWEEN = re.compile(r"([\w.\"]+)\s+(?:NOT\s+)?BETWEEN\s+(?:SYMMETRIC\s+)?(.{1,200}?)\s+AND\b",
                      re.I | re.S)
_EXPANDED = re.compile(r"\(\s*([\w.\"]+)\s*>=\s*[^()]*(?:\([^()]*\)[^()]*)*\)\s*AND\s*\(\s*\1\s*<=",
                       re.I)
_TIMEY = re.compile(r"::\s*timestamp|\bnow\(\)|\bCURRENT_TIMESTAMP\b|\bLOCALTIMESTAMP\b|"
                    r"\binterval\b|\bclock_timestamp\(\)|\bdate_trunc\(", re.I)

_ADVICE = {
    "CURRENT_TIME": ("CURRENT_TIME returns timetz, a time with an offset but no date",
                     "use now() / CURRENT_TIMESTAMP, or LOCALTIME for a time of day"),
    "zone": ("a '+05:00'-style zone is read as POSIX, so its sign is inverted",
             "use an IANA zone name: AT TIME ZONE 'Asia/Karachi'"),
    "BETWEEN": ("BETWEEN on timestamps includes both ends, so boundary rows count twice",
                "write c >= a AND c < b (a half-open range)"),
    "NOT IN": ("NOT IN (subquery) returns no rows as soon as the subquery yields a NULL",
               "use NOT EXISTS (SELECT 1 … WHERE …)"),
}


def _ident(text: str) -> str:
    return text.rsplit(".", 1)[-1].strip('"').lower()


def pitfalls(sql: str, time_columns: set[str]) -> list[str]:
    """The pitfalls in one SQL expression or query, in a fixed order."""
    raw = sql
    code = _LITERAL.sub(lambda m: " '' ", sql)
    found = []
    if _CURRENT_TIME.search(code):
        found.append("CURRENT_TIME")
    if _ZONE.search(raw):
        found.append("zone")
    between = False
    for m in _BETWEEN.finditer(code):
        if _ident(m.group(1)) in time_columns or _TIMEY.search(m.group(0)):
            between = True
    for m in _EXPANDED.finditer(code):
        if _ident(m.group(1)) in time_columns:
            between = True
    if between:
        found.append("BETWEEN")
    if _NOT_IN.search(code):
        found.append("NOT IN")
    return found


class DatetimeSqlPitfalls(Rule):
    """What: in view queries, column defaults, table and domain CHECKs and policy expressions:
    ``CURRENT_TIME``, zones written as offsets (``AT TIME ZONE '+05:00'``), ``BETWEEN`` on
    timestamp columns (also in the ``(c >= a) AND (c <= b)`` form PostgreSQL prints it back as)
    and ``NOT IN (SELECT …)``. The checks are textual; string literals and comments are skipped,
    and BETWEEN counts only on columns typed timestamp/timestamptz somewhere in the design or
    with timestamp-looking bounds. Needs only the design (the SQL it stores).

    Why: ``CURRENT_TIME`` returns ``timetz``; offset strings are POSIX, so ``'+05:00'`` means
    five hours *west*; an inclusive upper bound double-counts rows exactly at midnight in two
    consecutive ranges; ``NOT IN`` returns no rows at all once the subquery yields a NULL.

    Fix: ``now()``/``LOCALTIMESTAMP``, IANA zone names, ``c >= a AND c < b`` and
    ``NOT EXISTS (…)``.

    References: PostgreSQL wiki Don't Do This (four items).
    """

    code = "PGA017"
    slug = "datetime-sql-pitfalls"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        time_columns = {c.name.lower() for _, c, ty in typed_columns(ctx)
                        if ty.base.startswith("timestamp")}
        for t in ctx.tables:
            for c in t.columns:
                for sql in (c.default, c.generated):
                    if sql:
                        yield from self._report(label(t), c.name, f"the default of {c.name}",
                                                sql, time_columns)
            for chk in t.checks:
                yield from self._report(label(t), None, f"check {chk.name or chk.expression}",
                                        chk.expression, time_columns)
            for p in t.policies:
                for sql in (p.using, p.with_check):
                    if sql:
                        yield from self._report(label(t), None, f"policy {p.name}", sql,
                                                time_columns)
        for v in ctx.design.views:
            where = v.name if v.schema == "public" else f"{v.schema}.{v.name}"
            yield from self._report(where, None, f"view {where}", v.query, time_columns)
        for d in ctx.design.domains:
            where = d.name if d.schema == "public" else f"{d.schema}.{d.name}"
            for chk in d.checks:
                yield from self._report(where, None, f"domain check of {where}",
                                        chk.expression, time_columns)

    def _report(self, where: str, column: str | None, what: str, sql: str,
                time_columns: set[str]) -> Iterator[Finding]:
        for kind in pitfalls(sql, time_columns):
            why, fix = _ADVICE[kind]
            yield self.finding(where, column, f"{what}: {why}", fix)

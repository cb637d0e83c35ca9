"""char-n-type: blank-padded character(n) columns holding text of varying length."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Column, Table
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, sql_table, typed_columns

# Words that name free text, whose values vary in length (checked per word of the name).
_FREE_TEXT = frozenset({"name", "title", "comment", "comments", "description", "desc", "note",
                        "notes", "address", "street", "city", "email", "url", "message",
                        "remark", "remarks", "text", "body", "subject", "summary"})
_SHAPE = re.compile(r"\b(length|char_length|character_length|octet_length)\s*\(|~|"
                    r"\bSIMILAR\b|\bLIKE\b|\bIN\s*\(", re.IGNORECASE)


def _words(name: str) -> set[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return {w.lower() for w in re.split(r"[_\W]+", spaced) if w}


def _pinned(table: Table, column: Column) -> bool:
    """A CHECK fixes the column's length or format, so every value fills the n."""
    name = re.compile(rf'(?<![\w"]){re.escape(column.name)}(?![\w"])|"{re.escape(column.name)}"')
    return any(name.search(ch.expression) and _SHAPE.search(ch.expression)
               for ch in table.checks)


class CharNType(Rule):
    """What: columns typed ``char(n)`` / ``character(n)`` / ``bpchar`` (arrays included; the
    one-byte internal type ``"char"`` is a different type) that may hold values shorter than
    ``n``. A warning when the name says free text (``name``, ``title``, ``comment``,
    ``address``, ``email`` …: values of varying length, every one padded); info for other
    ``char(n)`` — a fixed-format code (ISO currency, IATA airport) fills its ``n`` and is
    fine. Not reported: ``char(1)`` and columns a CHECK pins to a length or format
    (``CHECK (length(c) = 3)``, ``CHECK (c ~ '^[A-Z]{3}$')``). Needs only the design.

    Why: values are blank-padded to n, trailing spaces are ignored in some comparisons and
    kept in others, so equality with ``text`` values surprises users and clients receive
    padded strings. It is no faster than ``text`` and does not even reject values shorter
    than n.

    Fix: ``ALTER TABLE t ALTER COLUMN c TYPE text`` (a rewrite; the cast strips the padding)
    plus ``CHECK (char_length(c) <= n)``, exactly the limit ``char(n)`` enforced — or
    ``= n`` for a code whose every value has exactly n characters.

    References: PostgreSQL wiki Don't Do This; squawk ban-char-field; pg-index-health
    columns_with_char_type.
    """

    code = "PGA003"
    slug = "char-n-type"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t, c, ty in typed_columns(ctx):
            if ty.base != "character":
                continue
            n = ty.params[0] if ty.params else 1
            if n <= 1 or _pinned(t, c):
                continue
            # a small reference table others point at (countries, regions) holds a few rows
            # that a spec or a standard fixed: worth knowing, not worth a migration
            reference = t.key in ctx.referenced and len(t.columns) <= 5
            free = bool(_words(c.name) & _FREE_TEXT) and n >= 4 and not reference
            fix = alter_type(t, c.name, "text[]" if ty.is_array else "text")
            if not ty.is_array:  # <= n is exactly what char(n) enforced: no writer breaks
                fix += (f" ALTER TABLE {sql_table(t)} ADD CHECK "
                        f"(char_length({quote_ident(c.name)}) <= {n}) NOT VALID;")
                if not free:
                    fix += f" -- = {n} instead if every value has exactly {n} characters"
            if free:
                message = (f"{c.name} is {c.type} but holds free text: every shorter value is "
                           f"blank-padded to {n}, and trailing spaces compare inconsistently "
                           f"with text")
            else:
                message = (f"{c.name} is {c.type}: fine for a code whose every value has "
                           f"exactly {n} characters; shorter values are blank-padded and "
                           f"compare inconsistently with text — say which with a CHECK")
            yield self.finding(t, c.name, message, fix, severity=None if free else "info")

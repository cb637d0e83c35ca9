"""identifier-truncated: a name the script spells longer than 63 bytes."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import MAX_IDENT_BYTES

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


def _value(token_text: str) -> str:
    """The identifier a token stands for: quoted as written, unquoted folded to lower case
    (PostgreSQL folds ASCII letters only)."""
    if token_text.startswith('"'):
        return token_text[1:-1].replace('""', '"')
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in token_text)


def _cut(name: str) -> str:
    """The first 63 bytes of a name, as PostgreSQL keeps them (never half a character)."""
    out = name.encode("utf-8")[:MAX_IDENT_BYTES]
    return out.decode("utf-8", "ignore")


class IdentifierTruncated(Rule):
    """What: an identifier in the script — a table, column, index, constraint or any other
    name, quoted or not — longer than 63 bytes. A name of exactly 63 bytes is kept whole and
    is not reported. (The parser has already cut such names in the statements it returns, so
    this rule reads the script's tokens.)

    Why: PostgreSQL truncates it to 63 bytes (NAMEDATALEN - 1) with only a NOTICE: the object
    is not called what the migration says, code or later migrations spelling the full name
    miss it, and two long names sharing their first 63 bytes collide.

    Fix: choose a name of at most 63 bytes (UTF-8: letters outside ASCII take 2–4 bytes).

    References: squawk identifier-too-long.
    """

    code = "PGA117"
    slug = "identifier-truncated"
    category = "naming"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        from pglast.parser import scan
        mig = ctx.migration
        seen: set[str] = set()
        for tok in scan(mig.sql):
            if tok.name != "IDENT":
                continue
            name = _value(mig.sql[tok.start:tok.end + 1])
            size = len(name.encode("utf-8"))
            if size <= MAX_IDENT_BYTES or name in seen:
                continue
            seen.add(name)
            line = mig.sql.count("\n", 0, tok.start) + 1
            kept = _cut(name)
            yield self.finding(
                None, None,
                f"line {line}: the name {name[:24]}… is {size} bytes: PostgreSQL keeps only "
                f"its first {MAX_IDENT_BYTES} (…{kept[-12:]}), so the object is not called "
                f"what the script says",
                f"use a name of at most {MAX_IDENT_BYTES} bytes", line=line)

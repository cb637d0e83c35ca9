"""Checking proposed fixes against the design before they are shown: PostgreSQL refuses
``ALTER COLUMN … TYPE`` on a column a view or materialized view selects ("cannot alter type
of a column used by a view or rule"), so such a fix says which views to drop and recreate
around it — found by the fifth hand-review round on a real schema."""
from __future__ import annotations

import re
from dataclasses import replace

from pgarch_kit.model import Design
from pgarch_kit.model.names import qualified
from pgarch_kit.model.query import query_shape

from .finding import Finding

__all__ = ["with_view_notes"]

_ALTER_TYPE = re.compile(
    r'ALTER TABLE\s+((?:"(?:[^"]|"")+"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[\w$]+))?)\s+'
    r'ALTER COLUMN\s+("(?:[^"]|"")+"|[\w$]+)\s+TYPE\b', re.I)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def _dependents(design: Design) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(schema, table) → the views naming it, with each view's SQL lower-cased."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for v in design.views:
        shape = query_shape(v.query)
        for r in shape.relations:
            if not r.derived:
                out.setdefault((r.schema or "public", r.name), []).append(
                    (qualified(v.schema, v.name), v.query))
    return out


def with_view_notes(design: Design, findings: list[Finding]) -> list[Finding]:
    """The findings, with a note on every fix that changes the type of a column a view of
    the design selects (the column's name in the view's text counts: over-naming a view is
    harmless, missing one makes the fix fail)."""
    if not design.views:
        return findings
    deps = _dependents(design)
    out = []
    for f in findings:
        names = []
        for m in _ALTER_TYPE.finditer(f.fix or ""):
            parts = [_unquote(p.strip()) for p in re.split(r'\s*\.\s*(?=(?:[^"]*"[^"]*")*[^"]*$)',
                                                           m.group(1))]
            key = (parts[0], parts[1]) if len(parts) == 2 else ("public", parts[0])
            column = _unquote(m.group(2))
            word = re.compile(rf'(?<![\w$]){re.escape(column)}(?![\w$])', re.I)
            names += [name for name, sql in deps.get(key, []) if word.search(sql)
                      and name not in names]
        if names:
            one = len(names) == 1
            f = replace(f, fix=(
                f"{f.fix} -- {', '.join(names)} select{'s' if one else ''} this column: "
                f"PostgreSQL refuses the type change while {'it exists' if one else 'they exist'}"
                f", so drop {'it' if one else 'them'} and recreate {'it' if one else 'them'} in "
                f"the same transaction"))
        out.append(f)
    return out

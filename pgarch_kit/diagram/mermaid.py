"""Mermaid ``erDiagram`` text of a design, for Markdown renderers (GitHub, GitLab, docs).

Mermaid identifiers are much narrower than PostgreSQL's, so entity names, attribute names and
types are sanitised to ``[A-Za-z0-9_]``: ``numeric(12,2)`` becomes ``numeric_12_2``,
``timestamp with time zone`` is shown short as ``timestamptz``, arrays end in ``_array``.
An entity whose name had to change keeps the real name as its alias (``e["real name"]``) and
an attribute as its comment, so nothing is lost. Partitions fold into their root, as in the
DOT diagram; relationships use the crow's-foot rule of :mod:`.crowsfoot`, written child
first (``orders }o--|| customers``), solid when identifying (FK within the child's PK).
"""
from __future__ import annotations

import re

from pgarch_kit._escape import one_line
from pgarch_kit.model.design import Design, Table
from pgarch_kit.model.types import short_type

from .crowsfoot import MERMAID_LEFT, MERMAID_RIGHT, cardinality, fk_is_identifying
from .labels import column_markers
from .subset import drawn_fks, folded_tables

__all__ = ["mermaid_name", "to_mermaid"]

_BAD = re.compile(r"[^A-Za-z0-9_]+")


def mermaid_name(text: str) -> str:
    """``text`` reduced to a Mermaid-safe identifier (never empty, never leading digit)."""
    out = _BAD.sub("_", text).strip("_") or "x"
    return f"_{out}" if out[0].isdigit() else out


def _type(text: str) -> str:
    try:
        short = short_type(text)
    except (ValueError, TypeError):
        short = text
    if short.endswith("[]"):
        short = short[:-2] + "_array"
    return mermaid_name(short)


def _quoted(text: str) -> str:
    # Mermaid strings have no escape for a double quote; any line break (\r, \u2028 … as well
    # as \n) would end the statement and make the rest Mermaid of the design's choosing. HTML
    # in a label is Mermaid's to sanitise (its default securityLevel "strict" does).
    return '"' + one_line(text).replace('"', "'") + '"'


def _entity_names(tables: list[Table]) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for t in tables:
        base = mermaid_name(t.name if t.schema == "public" else f"{t.schema}_{t.name}")
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name.lower())
        names[t.key] = name
    return names


def to_mermaid(design: Design) -> str:
    """The design as Mermaid ``erDiagram`` text: entities with typed attributes and
    PK/FK/UK markers, and crow's-foot relationships."""
    tables = folded_tables(design)
    by_key = {t.key: t for t in tables}
    names = _entity_names(tables)
    lines = ["erDiagram"]
    for t in tables:
        real = t.name if t.schema == "public" else f"{t.schema}.{t.name}"
        alias = "" if names[t.key] == real else f"[{_quoted(real)}]"
        lines.append(f"    {names[t.key]}{alias} {{")
        for col in t.columns:
            marks = [{"UQ": "UK"}.get(m, m) for m in column_markers(t, col)
                     if m in ("PK", "FK", "UQ")]
            attr = mermaid_name(col.name)
            parts = [_type(col.type), attr]
            if marks:
                parts.append(", ".join(marks))
            if attr != col.name:
                parts.append(_quoted(col.name))
            lines.append("        " + " ".join(parts))
        lines.append("    }")
    for _declared_on, fk, child, parent in drawn_fks(design):
        table = by_key[child]  # the root: a partition's FK is drawn on its parent
        child_end, parent_end = cardinality(design, table, fk)
        line = "--" if fk_is_identifying(table, fk) else ".."
        label = _quoted(", ".join(fk.columns))
        lines.append(f"    {names[child]} {MERMAID_LEFT[child_end]}{line}"
                     f"{MERMAID_RIGHT[parent_end]} {names[parent]} : {label}")
    return "\n".join(lines) + "\n"

"""HTML-like Graphviz labels for table, enum, view and legend nodes.

Every name, type and value goes through :func:`esc` before it enters a label, so a table
called ``<b>&"x"`` shows as written and cannot break the DOT text. Marker text is plain ASCII
(PK, FK, UQ, IX, GEN, NN) rather than emoji, which many fonts and PNG renderers lack.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from pgarch_kit.model.design import Column, EnumType, Table, View
from pgarch_kit.model.types import short_type

__all__ = [
    "FONT",
    "MARKER_ROWS",
    "column_markers",
    "dot_string",
    "enum_label",
    "esc",
    "key_columns",
    "legend",
    "schema_colour",
    "table_label",
    "view_label",
]

FONT = "Helvetica,Arial,sans-serif"
GREY = "#6b7280"
BORDER = "#94a3b8"
# Soft header colours, one per schema in order of appearance (public first).
_PALETTE = ("#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#ede9fe", "#cffafe", "#fee2e2",
            "#e5e7eb")
MAX_ENUM_VALUES = 12

# Column markers explained by every legend; each notation adds its own rows (.notation).
MARKER_ROWS: tuple[tuple[str, str], ...] = (
    ("PK", "primary key"), ("FK", "foreign key"), ("UQ", "unique"),
    ("IX", "leads an index"), ("GEN", "generated column"),
    ("NN", "NOT NULL (blank: nullable)"),
)


def legend(rows: tuple[tuple[str, str], ...]) -> str:
    """The HTML-like label of the legend node: one row per (mark, meaning); both are
    already-escaped label text."""
    return (
        '<<TABLE BORDER="1" COLOR="' + BORDER + '" CELLBORDER="0" CELLSPACING="0" '
        'CELLPADDING="3">'
        '<TR><TD COLSPAN="2" ALIGN="LEFT" BGCOLOR="#f1f5f9"><B>Legend</B></TD></TR>'
        + "".join(f'<TR><TD ALIGN="LEFT"><B>{m}</B></TD><TD ALIGN="LEFT">{text}</TD></TR>'
                  for m, text in rows)
        + "</TABLE>>"
    )


_CONTROL = {i: f"\\x{i:02x}" for i in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t"}


def esc(text: object) -> str:
    """Escape text for an HTML-like label (see :func:`_esc`)."""
    return _esc(text if isinstance(text, (str, int, float)) else str(text))


@functools.lru_cache(maxsize=65536)  # pure, and called for every name and type drawn
def _esc(text: object) -> str:
    """Escape text for an HTML-like label (``& < > " '``); control characters such as a
    newline inside a name are shown as ``\\n`` rather than silently becoming a space."""
    return (str(text).translate(_CONTROL).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;"))


def dot_string(text: str) -> str:
    """A double-quoted DOT string (for tooltips): backslashes and quotes escaped, newlines
    kept as ``\\n`` (Graphviz reads backslash sequences in these strings)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "")
    return '"' + body.replace("\n", "\\n") + '"'


def schema_colour(schemas: list[str], schema: str) -> str:
    return _PALETTE[schemas.index(schema) % len(_PALETTE)] if schema in schemas else _PALETTE[0]


def _type(col: Column) -> str:
    try:
        text = short_type(col.type)
    except (ValueError, TypeError):
        text = col.type
    return text if len(text) <= 32 else text[:31] + "…"


@dataclass(frozen=True)
class _Keys:
    pk: frozenset[str]
    fk: frozenset[str]
    uq: frozenset[str]
    ix: frozenset[str]
    lead: frozenset[str]  # leading columns of the PK and unique keys: already indexed


def _keys(table: Table) -> _Keys:
    pk = frozenset(table.primary_key.columns) if table.primary_key else frozenset()
    fk = frozenset(c for f in table.foreign_keys for c in f.columns)
    uq = {c for u in table.uniques for c in u.columns}
    lead = {u.columns[0] for u in table.uniques if u.columns}
    if table.primary_key and table.primary_key.columns:
        lead.add(table.primary_key.columns[0])
    ix: set[str] = set()
    for index in table.indexes:
        cols = [k.column for k in index.keys if not k.expression]
        if index.unique and index.where is None and len(cols) == len(index.keys):
            uq.update(cols)
            lead.add(cols[0])
        elif index.keys and not index.keys[0].expression:
            ix.add(index.keys[0].column)  # the leading column is what lookups can use
    return _Keys(pk, fk, frozenset(uq), frozenset(ix), frozenset(lead))


def column_markers(table: Table, col: Column, keys: _Keys | None = None) -> list[str]:
    """The markers of one column, in a fixed order: PK FK UQ IX GEN."""
    k = keys or _keys(table)
    marks = [m for m, hit in (("PK", col.name in k.pk), ("FK", col.name in k.fk),
                              ("UQ", col.name in k.uq and col.name not in k.pk),
                              # a key's leading column is indexed by the key itself; a later
                              # key column (genre_id in PK (book_id, genre_id)) is not
                              ("IX", col.name in k.ix and col.name not in k.lead))
             if hit]
    if col.generated is not None:
        marks.append("GEN")
    return marks


def key_columns(table: Table) -> set[str]:
    """Columns shown at the "keys" detail level: primary, foreign and unique key columns."""
    k = _keys(table)
    return set(k.pk | k.fk | k.uq)


def _small(text: str, colour: str) -> str:
    # Graphviz rejects an empty <FONT></FONT>, so an empty cell gets no font element.
    return f'<FONT POINT-SIZE="8" COLOR="{colour}">{text}</FONT>' if text else ""


def table_label(table: Table, *, colour: str, detail: str, title: str,
                partitions: int = 0, findings: int | None = None,
                size: str | None = None) -> str:
    """The HTML-like label of a table node. Rows carry ports ``l<i>`` (left cell) and
    ``r<i>`` (right cell), ``i`` being the column's position in the table."""
    k = _keys(table)
    shown = key_columns(table) if detail == "keys" else {c.name for c in table.columns}
    head = f'<B>{esc(title)}</B>'
    rows = ['<<TABLE BORDER="1" COLOR="' + BORDER + '" CELLBORDER="0" CELLSPACING="0" '
            'CELLPADDING="3">']
    if findings:
        noun = "finding" if findings == 1 else "findings"
        rows.append(f'<TR><TD COLSPAN="3" ALIGN="LEFT" BGCOLOR="{colour}">{head}</TD>'
                    f'<TD BGCOLOR="#dc2626" TOOLTIP="{findings} advisor {noun}">'
                    f'<FONT COLOR="white"><B> {findings} </B></FONT></TD></TR>')
    else:
        rows.append(f'<TR><TD COLSPAN="4" ALIGN="LEFT" BGCOLOR="{colour}">{head}</TD></TR>')
    if size:
        rows.append(f'<TR><TD COLSPAN="4" ALIGN="LEFT" BGCOLOR="{colour}">'
                    f'<FONT POINT-SIZE="9" COLOR="#374151">{esc(size)}</FONT></TD></TR>')
    hidden = drawn = 0
    for i, col in enumerate(table.columns, start=1):
        if col.name not in shown:
            hidden += 1
            continue
        drawn += 1
        marks = " ".join(column_markers(table, col, k))
        name = esc(col.name)
        if col.name in k.pk:
            name = f"<B>{name}</B>"
        nn = "NN" if not col.nullable or col.name in k.pk else ""
        rows.append(
            f'<TR><TD PORT="l{i}" ALIGN="LEFT">{_small(marks, "#1d4ed8")}</TD>'
            f'<TD ALIGN="LEFT">{name}</TD>'
            f'<TD ALIGN="LEFT"><FONT COLOR="{GREY}">{esc(_type(col))}</FONT></TD>'
            f'<TD PORT="r{i}" ALIGN="LEFT">{_small(nn, GREY)}</TD></TR>')
    notes = []
    if hidden:
        notes.append(f"+ {hidden} more column{'s' if hidden != 1 else ''}")
    if partitions:
        pb = table.partition_by
        how = f" ({pb.strategy} on {', '.join(pb.keys)})" if pb else ""
        notes.append(f"{partitions} partition{'s' if partitions != 1 else ''}{how}")
    for note in notes:
        rows.append(f'<TR><TD COLSPAN="4" ALIGN="LEFT"><I><FONT POINT-SIZE="9" '
                    f'COLOR="{GREY}">{esc(note)}</FONT></I></TD></TR>')
    if not drawn and not notes:  # a table without columns still gets a body
        rows.append(f'<TR><TD COLSPAN="4"><I><FONT POINT-SIZE="9" COLOR="{GREY}">'
                    'no columns</FONT></I></TD></TR>')
    rows.append("</TABLE>>")
    return "".join(rows)


def enum_label(enum: EnumType, *, colour: str, title: str) -> str:
    values = list(enum.values[:MAX_ENUM_VALUES])
    rows = ['<<TABLE BORDER="1" COLOR="' + BORDER + '" STYLE="ROUNDED" CELLBORDER="0" '
            'CELLSPACING="0" CELLPADDING="3">',
            f'<TR><TD ALIGN="LEFT" BGCOLOR="{colour}"><FONT COLOR="{GREY}">enum</FONT> '
            f'<B>{esc(title)}</B></TD></TR>']
    rows += [f'<TR><TD ALIGN="LEFT">{esc(v)}</TD></TR>' for v in values]
    if len(enum.values) > MAX_ENUM_VALUES:
        more = len(enum.values) - MAX_ENUM_VALUES
        rows.append(f'<TR><TD ALIGN="LEFT"><I><FONT COLOR="{GREY}">… {more} more</FONT>'
                    '</I></TD></TR>')
    rows.append("</TABLE>>")
    return "".join(rows)


def view_label(view: View, *, title: str) -> str:
    kind = "materialized view" if view.materialized else "view"
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
            f'<TR><TD ALIGN="LEFT"><B>{esc(title)}</B></TD></TR>'
            f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="{GREY}">{kind}</FONT></TD>'
            f'</TR></TABLE>>')

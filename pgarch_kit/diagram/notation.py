"""How a relationship's ends are drawn: crow's-foot glyphs, or plain arrows with 1/N labels.

Both notations read the same :func:`~.crowsfoot.cardinality` and lay the tables out the
same way (edges are still declared parent → child, so switching notation moves no table):

* ``"crowsfoot"`` (the default) puts a Graphviz arrowhead on each end (:data:`ARROWHEADS`).
* ``"simple"``, for beginners, draws one arrow from the child (the table holding the foreign
  key) to the parent (``dir=back``: the arrow's point is at the edge's tail) and writes a
  word at each end. The parent end says whether the FK may be NULL: ``1`` or ``0..1``. The
  child end says only *how many*: ``N``, or ``1`` when the FK is unique (one-to-one). It
  never says ``0..``: no schema constraint makes a parent have children, so "none" is always
  possible there and spelling it out on every edge would only add noise for a beginner.
"""
from __future__ import annotations

from .crowsfoot import ARROWHEADS, Cardinality
from .errors import DiagramError
from .labels import MARKER_ROWS, legend

__all__ = [
    "LABEL_COLOUR", "NOTATIONS", "check_notation", "draw_ends", "edge_defaults",
    "notation_legend", "simple_labels",
]

NOTATIONS = ("crowsfoot", "simple")

# The defaults that style a simple-notation edge's end labels: a brown, slightly larger
# number set off from the line, so "1" does not read as a tick mark or part of the arrow.
LABEL_COLOUR = "#9a3412"
_SIMPLE_EDGE = (f'labelfontsize=11, labelfontcolor="{LABEL_COLOUR}", labeldistance=1.8, '
                "labelangle=35")
# Labels at a row's corner (see draw_ends) sit closer to their line and further out: an edge
# leaving a corner steeply would otherwise put its label on the table's border.
_CORNER_ANGLE, _CORNER_DISTANCE = 20, 2.4

_SIMPLE_ROWS = (
    ("—&gt;", "foreign key: from the table holding it to the table it references"),
    ("N —&gt; 1", "many rows point to one row (one-to-many)"),
    ("1 —&gt; 1", "at most one row points to each row (one-to-one: a unique FK)"),
    ("N —&gt; 0..1", "the foreign key may be NULL (the reference is optional)"),
)
_CROWSFOOT_ROWS = (
    ("|—|", "exactly one (tee)"), ("o—|", "zero or one (circle = optional)"),
    ("&gt;o—", "zero or many (crow's foot = many)"),
)


def check_notation(notation: str) -> None:
    if notation not in NOTATIONS:
        raise DiagramError(
            f"notation must be one of {', '.join(NOTATIONS)}, not {notation!r}")


def simple_labels(child_end: Cardinality, parent_end: Cardinality) -> tuple[str, str]:
    """``(child label, parent label)`` of the simple notation, e.g. ``("N", "1")``."""
    child = "N" if child_end in ("zero_or_many", "one_or_many") else "1"
    parent = {"exactly_one": "1", "zero_or_one": "0..1"}.get(parent_end, "N")
    return child, parent


End = tuple[str, str, Cardinality, Cardinality]  # (tail, head, child end, parent end)


def draw_ends(notation: str, edges: list[End]) -> list[tuple[str, str, str]]:
    """``(tail, head, attributes)`` drawing the ends of each edge of one diagram; edges run
    parent -> child, and ``tail``/``head`` are node ids with an optional ``:port:compass``.

    Crow's foot: the glyph pair, endpoints untouched. Simple: edges that meet at one row port
    (a key referenced by several tables, ``rankdir`` LR or RL) start at the same point, so
    their labels would stack there — "1" over "1" reads as a smudge, "1" over "0..1" as
    nonsense. Each label is therefore written once per point, and when one port carries two
    different labels each group of edges moves to its own corner of the row (``ne``/``se``)
    with its label outside the line, so every arrow can be read to its label. Ends without a
    port (TB/BT, undrawn columns, self-references) are spread by Graphviz and keep their own.
    """
    check_notation(notation)
    if notation != "simple":
        return [(t, h, f"arrowtail={ARROWHEADS[p]}, arrowhead={ARROWHEADS[c]}")
                for t, h, c, p in edges]
    labelled = [(t, h, *simple_labels(c, p)) for t, h, c, p in edges]
    at_port: dict[str, list[str]] = {}  # port -> its distinct labels, in order
    for t, h, child, parent in labelled:
        for end, text in ((t, parent), (h, child)):
            if ":" in end and text not in at_port.setdefault(end, []):
                at_port[end].append(text)

    written: set[tuple[str, str]] = set()

    def place(end: str, text: str) -> tuple[str, bool, int | None]:
        """(end to draw to, write the label?, labelangle or None)."""
        if ":" not in end:
            return end, True, None
        texts, angle = at_port[end], None
        if len(texts) > 1:  # at most 2: parent ends carry 1 or 0..1, child ends N or 1
            node, port, compass = end.split(":")
            corner = "n" if texts.index(text) == 0 else "s"
            end = f"{node}:{port}:{corner}{compass}"
            # counter-clockwise from the line: up on the right side (e), down on the left
            angle = (_CORNER_ANGLE if corner == "n" else -_CORNER_ANGLE) * (
                1 if compass == "e" else -1)
        fresh = (end, text) not in written
        written.add((end, text))
        return end, fresh, angle

    out = []
    for t, h, child, parent in labelled:
        t, show_tail, tail_angle = place(t, parent)
        h, show_head, head_angle = place(h, child)
        attrs = ["dir=back", "arrowtail=normal", "arrowhead=none"]
        if show_tail:
            attrs.append(f'taillabel="{parent}"')
        if show_head:
            attrs.append(f'headlabel="{child}"')
        # one labelangle (and distance) serves both ends of an edge: the tail's corner wins
        angle = tail_angle if tail_angle is not None else head_angle
        if angle is not None:
            attrs.append(f"labelangle={angle}, labeldistance={_CORNER_DISTANCE}")
        out.append((t, h, ", ".join(attrs)))
    return out


def edge_defaults(notation: str) -> str:
    """Extra attributes for the graph's ``edge [...]`` defaults ("" for crow's foot)."""
    return ", " + _SIMPLE_EDGE if notation == "simple" else ""


def notation_legend(notation: str) -> str:
    """The legend node's label: the column markers, then the notation's own key."""
    rows = _SIMPLE_ROWS if notation == "simple" else _CROWSFOOT_ROWS
    return legend((*MARKER_ROWS, *rows))

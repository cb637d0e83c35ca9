"""ER diagrams of a design: DOT text built as pure code, rendered by Graphviz to SVG/PNG,
and Mermaid ``erDiagram`` text.

    d = diagram(design, detail="keys", focus="orders", depth=2)
    d               # shows inline SVG in a notebook
    d.save("er.svg")  # or .png, .dot, .mmd
    diagram(design, notation="simple")  # arrows with 1/N labels instead of crow's feet

Crow's-foot marks follow :func:`cardinality` (see :mod:`pgarch_kit.diagram.crowsfoot`); the
simple notation writes the same cardinality as 1/N words (:mod:`pgarch_kit.diagram.notation`).
Graphviz is needed only to render; building DOT or Mermaid text needs nothing.
"""
from __future__ import annotations

from .crowsfoot import ARROWHEADS, Cardinality, cardinality
from .dot import DETAILS, DIRECTIONS, NOTATIONS, to_dot
from .errors import DiagramError, GraphvizNotFoundError, GraphvizRenderError
from .mermaid import to_mermaid
from .render import Diagram, diagram, render, render_svg
from .subset import neighbourhood

__all__ = [
    # building
    "to_dot", "to_mermaid", "cardinality", "neighbourhood",
    "ARROWHEADS", "Cardinality", "DETAILS", "DIRECTIONS", "NOTATIONS",
    # rendering and display
    "render", "render_svg", "diagram", "Diagram",
    # errors
    "DiagramError", "GraphvizNotFoundError", "GraphvizRenderError",
]

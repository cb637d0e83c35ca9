"""The studio's live panels: diagram, DDL, findings and the inline error line.

Each panel shows what a library function returns — :func:`pgarch_kit.diagram.to_dot` and
``render_svg``, :func:`pgarch_kit.ddl.to_sql`, the studio's finding sources — and holds the
last text it showed (``dot``, ``ddl``, ``findings``) so tests and notebooks can read it.
:meth:`Panels.show` computes each of them exactly once per design. The diagram tab has its
own options row (the notation toggle): changing an option redraws only the diagram.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as w

from ..model.design import Design

__all__ = ["NOTATION_CHOICES", "FindingSource", "Panels", "render_dot", "advisor_findings"]

FindingSource = Callable[[Design], Iterable[Any]]
# The toggle's (label, to_dot notation) pairs; the diagram package checks the values.
NOTATION_CHOICES = (("crow's foot", "crowsfoot"), ("simple (1/N)", "simple"))


def advisor_findings(design: Design) -> list[Any]:
    """The design advisor's findings (pgarch_kit.lint), most serious first."""
    from ..lint import lint
    return lint(design).sorted()


def render_dot(design: Design, findings: dict[str, int] | None = None,
               notation: str = "crowsfoot") -> tuple[str | None, str]:
    """(DOT text or ``None``, HTML to show). The diagram package is imported at call time:
    without it (or without Graphviz) the panel shows a placeholder, never an exception."""
    try:
        from ..diagram import render_svg, to_dot
    except ImportError:
        return None, ("<p><i>Diagram not available: pgarch_kit.diagram is not installed."
                      "</i></p>")
    try:
        dot = to_dot(design, findings=findings or None, notation=notation)
    except Exception as exc:  # a diagram bug must not break editing
        return None, f"<p><i>Diagram failed: {html.escape(str(exc))}</i></p>"
    try:
        svg = render_svg(dot)
    except Exception as exc:  # e.g. Graphviz's dot binary missing: show the DOT text
        return dot, (f"<p><i>Cannot render the diagram ({html.escape(str(exc))}); "
                     f"DOT text:</i></p><pre>{html.escape(dot)}</pre>")
    return dot, f'<div style="overflow:auto">{svg}</div>'


def _ddl(design: Design) -> tuple[str, str]:
    from ..ddl import to_sql
    try:
        text = to_sql(design)
    except Exception as exc:  # DdlError: show why instead of the script
        return "", f"<p style='color:#b00'>Cannot render DDL: {html.escape(str(exc))}</p>"
    return text, f"<pre style='font-size:12px'>{html.escape(text)}</pre>"


_SEVERITY_COLOUR = {"error": "#b91c1c", "warning": "#b45309", "info": "#1d4ed8"}


def _finding_item(item: Any) -> str:
    """One line per finding: advisor findings show severity, place, rule, why and fix."""
    from ..lint import Finding
    if isinstance(item, Finding):
        return (f"<li><b style='color:{_SEVERITY_COLOUR[item.severity]}'>{item.severity}</b> "
                f"<code>{html.escape(item.where)}</code> <code>{html.escape(item.rule)}</code>: "
                f"{html.escape(item.message)}<br><small>fix: <code>{html.escape(item.fix)}"
                f"</code></small></li>")
    return f"<li>{html.escape(str(item))}</li>"


def _findings_html(items: list[Any]) -> str:
    if not items:
        return ("<p style='color:#070'>No findings: the design is valid and the advisor is "
                "happy.</p>")
    rows = "".join(_finding_item(item) for item in items)
    return f"<p>{len(items)} finding(s):</p><ul>{rows}</ul>"


class Panels:
    """The output side of the studio. ``error`` is the inline error line."""

    def __init__(self) -> None:
        self.diagram = w.HTML("<p><i>No tables yet.</i></p>")
        self.notation = w.ToggleButtons(options=list(NOTATION_CHOICES), value="crowsfoot",
                                        description="Notation",
                                        tooltips=["crow's-foot marks at both ends",
                                                  "arrows to the referenced table, 1/N labels"])
        self.notation.observe(lambda _: self.redraw(), names="value")
        self.diagram_options = w.HBox([self.notation])
        self._drawn: tuple[Design, dict[str, int]] | None = None  # what redraw() draws
        self.ddl_view = w.HTML()
        self.findings_view = w.HTML()
        self.error = w.HTML()
        self.status = w.HTML()
        self.dot: str | None = None
        self.ddl: str = ""
        self.findings: list[Any] = []
        self.box = w.Tab(children=[w.VBox([self.diagram_options, self.diagram]),
                                   self.ddl_view, self.findings_view])
        for i, title in enumerate(("Diagram", "DDL", "Findings")):
            self.box.set_title(i, title)

    def show(self, design: Design, sources: Iterable[FindingSource]) -> None:
        """Recompute every panel for ``design`` (one call of each function)."""
        found: list[Any] = []
        for source in sources:
            try:
                found.extend(source(design))
            except Exception as exc:  # one broken advisor rule must not hide the rest
                found.append(f"finding source {getattr(source, '__name__', source)!r} "
                             f"failed: {exc}")
        self.findings = found
        self.findings_view.value = _findings_html(found)
        badges: dict[str, int] = {}
        for item in found:
            table = getattr(item, "table", None)
            if isinstance(table, str):
                badges[table] = badges.get(table, 0) + 1
        self._drawn = (design, badges)
        self.redraw()
        self.ddl, self.ddl_view.value = _ddl(design)

    def redraw(self) -> None:
        """Draw the last shown design again with the current diagram options."""
        if self._drawn is not None:
            design, badges = self._drawn
            self.dot, self.diagram.value = render_dot(design, badges,
                                                      notation=self.notation.value)

    def show_error(self, message: str | None, problems: Iterable[Any] = ()) -> None:
        """Show (or with ``None`` clear) the inline error and the problems behind it."""
        if message is None:
            self.error.value = ""
            return
        items = "".join(f"<li>{html.escape(str(p))}</li>" for p in problems)
        self.error.value = (f"<div style='color:#b00'><b>Not applied:</b> "
                            f"{html.escape(message)}{'<ul>' + items + '</ul>' if items else ''}"
                            "</div>")

    def show_status(self, message: str) -> None:
        self.status.value = f"<span style='color:#555'>{html.escape(message)}</span>"

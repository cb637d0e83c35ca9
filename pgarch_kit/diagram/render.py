"""Rendering DOT text with Graphviz, and the :class:`Diagram` display object.

Graphviz runs as the ``dot`` program in a subprocess (the python ``graphviz`` package would
only wrap the same call). A missing ``dot`` raises :class:`GraphvizNotFoundError`, which says
how to install it. ``Diagram`` shows itself as inline SVG (``_repr_svg_``/``_repr_html_``), so
the picture appears in notebooks and in nbconvert-exported HTML without any JavaScript.

A design with :data:`~.areas.OVERVIEW_AT` or more tables is not drawn whole (nobody can read
it): ``diagram(design)`` is then the overview of its subject areas (:mod:`.areas`,
:mod:`.overview`), ``.area(name)`` one area's diagram, and ``save("er.svg")`` writes the
overview to ``er.svg`` and each area to ``er-<area>.svg`` beside it. A focus table, an
``area=`` or ``overview_at=None`` draws a single diagram as before.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from pgarch_kit.errors import PgArchError
from pgarch_kit.model.design import Design

from .areas import MAX_AREA_TABLES, OVERVIEW_AT, SubjectAreas, subject_areas
from .dot import to_dot
from .errors import DiagramError, GraphvizNotFoundError, GraphvizRenderError
from .mermaid import to_mermaid
from .overview import overview_dot
from .subset import folded_tables

__all__ = ["FORMATS", "SAVE_SUFFIXES", "Diagram", "area_path", "diagram", "render",
           "render_svg"]

FORMATS = ("svg", "png")
SAVE_SUFFIXES = (".svg", ".png", ".dot", ".gv", ".mmd")
_TIMEOUT = 300  # seconds; the largest corpus schema lays out in a few seconds


def _dot_program() -> str:
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError()
    return exe


def render(dot_text: str, fmt: str = "svg") -> bytes:
    """Lay out ``dot_text`` with Graphviz's ``dot`` and return the ``svg`` or ``png`` bytes."""
    if fmt not in FORMATS:
        raise DiagramError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    # cairo gives antialiased PNGs; dpi 110 keeps big schemas legible without huge files.
    args = [_dot_program(), "-Tsvg" if fmt == "svg" else "-Tpng:cairo"]
    if fmt == "png":
        args.append("-Gdpi=110")
    try:
        proc = subprocess.run(args, input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise GraphvizRenderError(f"Graphviz took longer than {_TIMEOUT} s; draw a subset "
                                  "(focus=..., depth=...) or detail='keys'") from exc
    if proc.returncode != 0 or not proc.stdout:
        raise GraphvizRenderError(f"Graphviz `dot` failed (exit {proc.returncode})",
                                  proc.stderr.decode("utf-8", "replace"))
    return proc.stdout


def render_svg(dot_text: str) -> str:
    """The diagram as SVG text."""
    return render(dot_text, "svg").decode("utf-8")


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)


def area_path(path: str | os.PathLike[str], slug: str) -> Path:
    """Where an area's diagram goes beside the overview at ``path``: ``er.svg`` →
    ``er-<slug>.svg`` (slugs are file-name safe, see :class:`~.areas.Area`)."""
    target = Path(path)
    return target.with_name(f"{target.stem}-{slug}{target.suffix}")


class Diagram:
    """An ER diagram of a design: ``.dot`` (the DOT text), ``.svg()``, ``.png()``,
    ``.mermaid()``, ``save(path)``; shows itself inline in notebooks.

    For a large design (``overview_at`` tables or more, no focus or area asked for) it is
    the overview of the design's subject areas: ``.areas`` holds them, ``.area(name)`` draws
    one, and ``save`` writes the overview and every area's diagram."""

    def __init__(self, design: Design, *, overview_at: int | None = OVERVIEW_AT,
                 max_area_tables: int = MAX_AREA_TABLES, **options: Any) -> None:
        self.design = design
        self.options = dict(options)
        self.max_area_tables = max_area_tables
        self.areas: SubjectAreas | None = options.get("areas")
        large = overview_at is not None and len(folded_tables(design)) >= overview_at
        self.is_overview = (large and options.get("focus") is None
                            and options.get("area") is None)
        if self.is_overview or (options.get("area") is not None and self.areas is None):
            self.areas = subject_areas(design, max_tables=max_area_tables)
        if self.is_overview:
            assert self.areas is not None
            self.dot = overview_dot(design, self.areas)
        else:
            self.dot = to_dot(design, **{**options, "areas": self.areas})
        self._svg: str | None = None

    def area(self, name: str, **options: Any) -> Diagram:
        """The diagram of one subject area (its slug or name) with this diagram's options,
        overridden by ``options``."""
        areas = self.areas or subject_areas(self.design, max_tables=self.max_area_tables)
        opts = {k: v for k, v in self.options.items() if k not in ("focus", "depth", "area")}
        return Diagram(self.design, max_area_tables=self.max_area_tables,
                       **{**opts, **options, "area": name, "areas": areas})

    def svg(self) -> str:
        """SVG text, rendered once and cached."""
        if self._svg is None:
            self._svg = render_svg(self.dot)
        return self._svg

    def png(self) -> bytes:
        return render(self.dot, "png")

    def mermaid(self) -> str:
        """Mermaid ``erDiagram`` text of the same design (the whole design: Mermaid has no
        subsets or detail levels)."""
        return to_mermaid(self.design)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the diagram atomically; the format follows the suffix
        (.svg, .png, .dot/.gv, .mmd). An overview also writes each area's diagram beside
        it (:func:`area_path`); SVG boxes link to those files. Mermaid has no overview, so
        ``.mmd`` is always the whole design."""
        target = Path(path)
        suffix = target.suffix.lower()
        if not self.is_overview or suffix == ".mmd" or suffix not in SAVE_SUFFIXES:
            return self._save_one(target)
        assert self.areas is not None
        links = ({a.slug: area_path(target, a.slug).name for a in self.areas.areas}
                 if suffix == ".svg" else None)
        for a in self.areas.areas:
            extra = {"hrefs": links} if links else {}
            self.area(a.slug, **extra)._save_one(area_path(target, a.slug))
        if links:
            from pgarch_kit._fileio import atomic_write_text
            return atomic_write_text(
                target, render_svg(overview_dot(self.design, self.areas, hrefs=links)))
        return self._save_one(target)

    def _save_one(self, target: Path) -> Path:
        from pgarch_kit._fileio import atomic_write_bytes, atomic_write_text
        suffix = target.suffix.lower()
        if suffix == ".svg":
            return atomic_write_text(target, self.svg())
        if suffix == ".png":
            return atomic_write_bytes(target, self.png())
        if suffix in (".dot", ".gv"):
            return atomic_write_text(target, self.dot)
        if suffix == ".mmd":
            return atomic_write_text(target, self.mermaid())
        raise DiagramError(f"{target.name}: cannot tell the format from {suffix or 'no suffix'!r}"
                           f"; use one of {', '.join(SAVE_SUFFIXES)}")

    def _repr_svg_(self) -> str | None:
        try:
            return _PROLOG.sub("", self.svg(), count=1)
        except PgArchError:
            return None  # the notebook falls back to _repr_html_, which explains why

    def _repr_html_(self) -> str:
        try:
            svg = _PROLOG.sub("", self.svg(), count=1)
        except PgArchError as exc:
            # Without Graphviz a notebook still shows something useful: the reason and fix.
            return f"<pre style='white-space:pre-wrap'>{html.escape(str(exc))}</pre>"
        # Inline SVG in a scrolling box: large schemas stay at a legible size.
        return ('<div style="max-width:100%;overflow:auto;border:1px solid #e2e8f0;'
                f'padding:4px">{svg}</div>' + self._note_html())

    def _note_html(self) -> str:
        """Under an overview: how to see an area, or the whole design."""
        if not self.is_overview or self.areas is None:
            return ""
        first = self.areas.areas[0].slug if self.areas.areas else "NAME"
        slugs = ", ".join(f"<code>{html.escape(a.slug)}</code>" for a in self.areas.areas)
        return (f'<p style="font-size:90%">{len(folded_tables(self.design))} tables: this '
                f"is the overview of their {len(self.areas.areas)} subject areas. See one "
                f'with <code>pk.er_diagram(design, area="{html.escape(first)}")</code> or '
                f'this diagram\'s <code>.area("{html.escape(first)}")</code>; '
                '<code>.save("er.svg")</code> writes the overview and every area\'s diagram '
                '(<code>er-AREA.svg</code>); <code>pk.er_diagram(design, overview_at=None)'
                f"</code> draws all tables in one picture. Areas: {slugs}.</p>")

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in sorted(self.options.items())
                         if k != "areas")
        kind = (f"overview of {len(self.areas.areas)} areas "
                if self.is_overview and self.areas is not None else "")
        return f"<Diagram {kind}of {self.design.name!r}{', ' + opts if opts else ''}>"


def diagram(design: Design, *, overview_at: int | None = OVERVIEW_AT,
            max_area_tables: int = MAX_AREA_TABLES, **options: Any) -> Diagram:
    """A :class:`Diagram` of ``design``; ``options`` are those of :func:`to_dot` (``detail``,
    ``direction``, ``focus``, ``depth``, ``findings``, ``sizes``, ``legend``, ``views``,
    ``notation``, ``area``): ``diagram(design, notation="simple")`` draws arrows with 1/N
    labels. With ``overview_at`` tables or more (``None``: never) and no ``focus`` or
    ``area``, the diagram is the overview of the design's subject areas of at most about
    ``max_area_tables`` tables each; ``diagram(design, area="orders")`` draws one of them."""
    return Diagram(design, overview_at=overview_at, max_area_tables=max_area_tables,
                   **options)

"""Rendering DOT text with Graphviz, and the :class:`Diagram` display object.

Graphviz runs as the ``dot`` program in a subprocess (the python ``graphviz`` package would
only wrap the same call). A missing ``dot`` raises :class:`GraphvizNotFoundError`, which says
how to install it. ``Diagram`` shows itself as inline SVG (``_repr_svg_``/``_repr_html_``), so
the picture appears in notebooks and in nbconvert-exported HTML without any JavaScript.
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

from .dot import to_dot
from .errors import DiagramError, GraphvizNotFoundError, GraphvizRenderError
from .mermaid import to_mermaid

__all__ = ["FORMATS", "SAVE_SUFFIXES", "Diagram", "diagram", "render", "render_svg"]

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


class Diagram:
    """An ER diagram of a design: ``.dot`` (the DOT text), ``.svg()``, ``.png()``,
    ``.mermaid()``, ``save(path)``; shows itself inline in notebooks."""

    def __init__(self, design: Design, **options: Any) -> None:
        self.design = design
        self.options = dict(options)
        self.dot = to_dot(design, **options)
        self._svg: str | None = None

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
        (.svg, .png, .dot/.gv, .mmd)."""
        from pgarch_kit._fileio import atomic_write_bytes, atomic_write_text
        target = Path(path)
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
                f'padding:4px">{svg}</div>')

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in sorted(self.options.items()))
        return f"<Diagram of {self.design.name!r}{', ' + opts if opts else ''}>"


def diagram(design: Design, **options: Any) -> Diagram:
    """A :class:`Diagram` of ``design``; ``options`` are those of :func:`to_dot` (``detail``,
    ``direction``, ``focus``, ``depth``, ``findings``, ``sizes``, ``legend``, ``views``,
    ``notation``): ``diagram(design, notation="simple")`` draws arrows with 1/N labels."""
    return Diagram(design, **options)

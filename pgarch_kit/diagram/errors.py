"""Errors of the diagram package, rooted in :class:`pgarch_kit.errors.PgArchError`.

They live here rather than in the kit's ``errors`` module because only diagrams raise them;
both are also ``ValueError``/``RuntimeError`` so generic callers can catch them idiomatically.
"""
from __future__ import annotations

from pgarch_kit.errors import PgArchError

__all__ = ["DiagramError", "GraphvizNotFoundError", "GraphvizRenderError"]


class DiagramError(PgArchError, ValueError):
    """A bad diagram option: an unknown table to focus on, detail level, direction or file
    type. The message names the valid choices."""


class GraphvizNotFoundError(PgArchError, RuntimeError):
    """Graphviz's ``dot`` program is not installed, so DOT text cannot become SVG or PNG."""

    def __init__(self) -> None:
        super().__init__(
            "Graphviz's `dot` program was not found on PATH, so the diagram cannot be rendered "
            "— fix: install Graphviz (Debian/Ubuntu: `sudo apt-get install graphviz`; macOS: "
            "`brew install graphviz`; conda: `conda install -c conda-forge graphviz`), or save "
            "the DOT text (.dot) or Mermaid text (.mmd) instead, which need no Graphviz")


class GraphvizRenderError(PgArchError, RuntimeError):
    """``dot`` ran but failed; carries its stderr."""

    def __init__(self, message: str, stderr: str = "") -> None:
        self.stderr = stderr
        super().__init__(f"{message}: {stderr.strip()[:500]}" if stderr else message)

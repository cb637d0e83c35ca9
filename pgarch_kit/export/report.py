"""The combined HTML report of one design: one page, a table of contents, every result as
static HTML, inline SVG or inline PNG — readable offline and without any widget JavaScript.

The report is built as a notebook whose outputs are the kit's own objects rendered in this
process (the diagram's SVG, the advisor's and the plans' ``_repr_html_``, the plot's PNG bytes,
the design document's Markdown) and exported with nbconvert, the same exporter the notebook
reports use. Building it in-process rather than in a kernel means the measurements taken for
DESIGN.md are the ones shown, not a second run with different numbers.
"""
from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pgarch_kit._escape import md_text
from pgarch_kit._fileio import atomic_write_text

__all__ = ["Section", "report_html", "write_report"]


class Section:
    """A titled part of the report: Markdown text and/or rich outputs (objects with
    ``_repr_html_``/``_repr_svg_``, PNG bytes, or a ``str`` shown as preformatted text)."""

    def __init__(self, title: str, markdown: str = "", outputs: list[Any] | None = None,
                 level: int = 2) -> None:
        self.title, self.markdown, self.outputs, self.level = title, markdown, outputs or [], level

    @property
    def anchor(self) -> str:
        return "sec-" + re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")


def _output(obj: Any) -> dict:
    import nbformat
    if isinstance(obj, bytes):  # a PNG
        data = {"image/png": base64.b64encode(obj).decode("ascii"), "text/plain": "<plot>"}
    elif isinstance(obj, str):
        data = {"text/html": f"<pre>{html.escape(obj)}</pre>", "text/plain": obj}
    elif hasattr(obj, "_repr_html_"):  # before SVG: the diagram's HTML inlines its <svg>
        data = {"text/html": obj._repr_html_(), "text/plain": str(obj)}
    elif hasattr(obj, "_repr_svg_") and (svg := obj._repr_svg_()):
        data = {"image/svg+xml": svg, "text/plain": "<diagram>"}
    else:
        data = {"text/plain": str(obj)}
    return nbformat.v4.new_output("display_data", data=data)


def demote(markdown: str, by: int = 1) -> str:
    """Headings one level deeper (the report's own sections are level 2)."""
    return re.sub(r"^(#{1,5}) ", lambda m: "#" * (len(m.group(1)) + by) + " ", markdown,
                  flags=re.M)


def report_notebook(title: str, intro: str, sections: list[Section]) -> Any:
    """A notebook whose cells carry the sections' text and outputs, with a linked TOC.
    ``title`` and the section titles are text (escaped here); ``intro`` and the sections'
    Markdown are the caller's markup, with any design text in them already escaped."""
    import nbformat
    toc = "\n".join(f"{'  ' * (s.level - 2)}- [{md_text(s.title)}](#{s.anchor})"
                    for s in sections)
    cells = [nbformat.v4.new_markdown_cell(
        f"# {md_text(title)}\n\n{intro}\n\n**Contents**\n\n{toc}")]
    for s in sections:
        head = f'<a id="{s.anchor}"></a>\n\n{"#" * s.level} {md_text(s.title)}'
        cells.append(nbformat.v4.new_markdown_cell(
            head + (f"\n\n{s.markdown}" if s.markdown else "")))
        if s.outputs:
            cell = nbformat.v4.new_code_cell("", metadata={"tags": ["hide-input"]})
            cell.outputs = [_output(o) for o in s.outputs]
            cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["title"] = title
    return nb


# nbconvert's lab template loads require.js, MathJax, the widget manager and mermaid.js from
# CDNs; a report is read offline, may hold untrusted names, and must not call anywhere. These
# blocks are emptied (the kit's outputs are static HTML, SVG and PNG and need none of them).
_INERT_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def inert_html(nb: Any, *, hide_input: set[str] | None = None,
               remove_cell: set[str] | None = None, prompts: bool = True) -> str:
    """``nb`` as one self-contained HTML page that loads nothing: images embedded, no script
    from a CDN. Cells tagged in ``hide_input`` show only their outputs, those in
    ``remove_cell`` not at all. Raises ExportError if the page would still fetch a remote URL
    (a Markdown image in a notebook the kit did not write, say), naming it."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from pgarch_kit._escape import remote_fetches
    from pgarch_kit.errors import ExportError
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = set(hide_input or ())
    c.TagRemovePreprocessor.remove_cell_tags = set(remove_cell or ())
    if not prompts:
        c.HTMLExporter.exclude_input_prompt = True
        c.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=c, embed_images=True, template_file="pgarch_inert.html.j2",
                            extra_loaders=[DictLoader({"pgarch_inert.html.j2": _INERT_TEMPLATE})])
    body, _ = exporter.from_notebook_node(nb)
    if fetched := remote_fetches(body):
        raise ExportError(f"the HTML page would load {', '.join(fetched[:3])} from the network "
                          "when opened; a report must load nothing: remove the remote image or "
                          "script from the notebook (or embed it)")
    return body


def report_html(nb: Any) -> str:
    """The notebook as one self-contained HTML page: inputs tagged ``hide-input`` left out,
    images embedded, nothing loaded from the network."""
    return inert_html(nb, hide_input={"hide-input"}, prompts=False)


def write_report(path: str | Path, title: str, intro: str, sections: list[Section]) -> Path:
    """Build and write the report atomically."""
    return atomic_write_text(Path(path), report_html(report_notebook(title, intro, sections)))


def lazy(fn: Callable[[], Any]) -> Any:
    """Call ``fn``; a kit error becomes a visible note in the report instead of no report."""
    from pgarch_kit.errors import PgArchError
    try:
        return fn()
    except PgArchError as exc:
        return f"not available: {exc}"


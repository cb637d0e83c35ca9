"""One HTML table builder for the benchmark results: text left, numbers right, optional row
highlight — with inline styles, because an exported report's CSS (nbconvert right-aligns every
cell) must not decide how a result reads."""
from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["table"]

_CELL = "padding:2px 8px;vertical-align:top;text-align:{}"


def _numeric(value: object) -> bool:
    text = str(value).replace(",", "").replace("×", "").replace("%", "").strip()
    try:
        float(text.split()[0] if text else "x")
    except ValueError:
        return False
    return True


def table(head: Sequence[str], rows: Sequence[Sequence[object]], *,
          highlight: Sequence[str | None] | None = None, code: Sequence[int] = ()) -> str:
    """``rows`` of cells (escaped here); ``highlight[i]`` is a background colour for row i;
    columns listed in ``code`` are shown as code."""
    th = "".join(f"<th style='{_CELL.format('left')}'>{html.escape(h)}</th>" for h in head)
    body = []
    for i, row in enumerate(rows):
        colour = highlight[i] if highlight and i < len(highlight) else None
        style = f" style='background:{colour}'" if colour else ""
        cells = []
        for j, value in enumerate(row):
            text = "" if value is None else str(value)
            inner = f"<code>{html.escape(text)}</code>" if j in code else html.escape(text)
            align = "right" if _numeric(text) and j not in code else "left"
            cells.append(f"<td style='{_CELL.format(align)}'>{inner}</td>")
        body.append(f"<tr{style}>{''.join(cells)}</tr>")
    return (f"<table style='border-collapse:collapse'><thead><tr>{th}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")

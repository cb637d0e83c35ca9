"""Run the kit's notebooks headless and write each as a stand-alone HTML report.

This is what ``make demo`` and the notebook tests do: a notebook that fails to execute is an
error that names the notebook and the failing cell, never a silently half-written report.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NotebookRun", "run_notebook", "run_notebooks", "notebook_paths"]


@dataclass(frozen=True)
class NotebookRun:
    notebook: Path
    html: Path | None
    seconds: float


def notebook_paths(folder: str | Path) -> list[Path]:
    """The numbered notebooks of a folder, in lesson order."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def run_notebook(path: str | Path, out_dir: str | Path | None = None, *,
                 timeout: int = 900, cwd: str | Path | None = None) -> NotebookRun:
    """Execute ``path`` in a fresh kernel (working directory: its folder) and, when ``out_dir``
    is given, write ``<name>.html`` there atomically. Raises ``nbclient`` 's
    ``CellExecutionError`` naming the failing cell when a cell fails."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    path = Path(path)
    started = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    client.execute()
    html_path = None
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        body, _ = HTMLExporter(embed_images=True).from_notebook_node(nb)
        html_path = out / f"{path.stem}.html"
        tmp = html_path.with_suffix(".html.tmp")
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, html_path)
    return NotebookRun(path, html_path, time.perf_counter() - started)


def run_notebooks(folder: str | Path, out_dir: str | Path | None = None, *,
                  progress: bool = True) -> list[NotebookRun]:
    """Execute every numbered notebook in ``folder`` in order, with a progress bar."""
    paths = notebook_paths(folder)
    runs = []
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(paths, desc="notebooks", unit="nb")
    for p in (bar if bar is not None else paths):
        if bar is not None:
            bar.set_postfix_str(p.name)
        runs.append(run_notebook(p, out_dir))
    return runs

"""Run the kit's notebooks headless and write each as a stand-alone HTML report.

This is what ``make demo`` and the notebook tests do: a notebook that fails to execute is an
error that names the notebook and the failing cell, never a silently half-written report.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pgarch_kit._fileio import atomic_write_text
from pgarch_kit.errors import NotebookError

__all__ = ["NotebookRun", "notebook_paths", "run_notebook", "run_notebooks"]


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
    is given, write ``<name>.html`` there atomically. A failing cell raises NotebookError
    naming the notebook and the cell (and ``<name>.error.html`` is written for inspection)."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    started = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    # IPC (Unix socket) transport: the kernel is reachable from this machine's user only,
    # and ipykernel does not warn about unencrypted TCP.
    sockets = tempfile.TemporaryDirectory(prefix="pgarch-kernel-")
    km = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets.name}/kernel")
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    try:
        client.execute(cleanup_kc=True)
    except CellExecutionError as exc:
        saved = _write_html(nb, out_dir, f"{path.stem}.error") if out_dir is not None else None
        where = f"; the partly executed notebook is in {saved}" if saved else ""
        cell = _failing_cell(nb)
        raise NotebookError(f"{path.name}: cell {cell} failed with {exc.ename}: "
                            f"{exc.evalue}{where}") from None
    finally:
        sockets.cleanup()
    html_path = None
    if out_dir is not None:
        html_path = _write_html(nb, out_dir, path.stem)
        (Path(out_dir) / f"{path.stem}.error.html").unlink(missing_ok=True)  # stale failure
    return NotebookRun(path, html_path, time.perf_counter() - started)


def _failing_cell(nb: object) -> str:
    """The 1-based number of the first code cell with an error output."""
    code = [c for c in nb.cells if c.cell_type == "code"]  # type: ignore[attr-defined]
    for i, cell in enumerate(code, 1):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return f"#{i} (code cell)"
    return "?"


def _write_html(nb: object, out_dir: str | Path, stem: str) -> Path:
    """The report: images embedded; a cell tagged ``hide-input`` shows only its output and
    one tagged ``remove-cell`` not at all (set-up code a reader need not see); no script
    from a CDN, nothing fetched when opened."""
    from .report import inert_html
    body = inert_html(nb, hide_input={"hide-input"}, remove_cell={"remove-cell"})
    return atomic_write_text(Path(out_dir) / f"{stem}.html", body)


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

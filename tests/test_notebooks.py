"""Every notebook in notebooks/ runs headless against the real server and exports HTML."""
from __future__ import annotations

from pathlib import Path

import pytest

from pgarch_kit.export.notebooks import notebook_paths, run_notebook

NOTEBOOKS = notebook_paths(Path(__file__).resolve().parents[1] / "notebooks")


def test_there_are_notebooks() -> None:
    assert any(p.name.startswith("01_start_coding_today") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, executed_notebook) -> None:
    run = executed_notebook(path)
    html = run.html.read_text(encoding="utf-8")
    assert "Traceback" not in html
    assert html.count("jp-OutputArea-output") >= 3  # cells produced output


def test_failing_notebook_names_the_cell(tmp_path: Path) -> None:
    import nbformat

    from pgarch_kit.errors import NotebookError
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(NotebookError, match=r"99_broken.ipynb: cell #2 .*ZeroDivisionError"):
        run_notebook(path, tmp_path / "out")
    assert (tmp_path / "out" / "99_broken.error.html").exists()
    assert not (tmp_path / "out" / "99_broken.html").exists()


def test_report_hides_what_the_notebook_marks(tmp_path: Path) -> None:
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("secret_setup = 'hidden-source-1'",
                                          metadata={"tags": ["remove-cell"]}),
                nbformat.v4.new_code_cell("print('shown-' + 'output')  # hidden-source-2",
                                          metadata={"tags": ["hide-input"]}),
                nbformat.v4.new_code_cell("1 + 1  # visible-source")]
    path = tmp_path / "98_tags.ipynb"
    nbformat.write(nb, path)
    html = run_notebook(path, tmp_path / "out").html.read_text(encoding="utf-8")
    assert "hidden-source-1" not in html and "hidden-source-2" not in html
    assert "shown-output" in html and "visible-source" in html

"""L5: execute notebooks headless and export reports (nbconvert lives only here)."""
from .notebooks import NotebookRun, run_notebook, run_notebooks

__all__ = ["NotebookRun", "run_notebook", "run_notebooks"]

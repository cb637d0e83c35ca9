"""L4: results that display themselves — plots and tables for notebooks and reports; no I/O."""
from .plots import Plot, load_speed_plot

__all__ = ["Plot", "load_speed_plot"]

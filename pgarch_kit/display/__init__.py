"""L4: results that display themselves — plots and tables for notebooks and reports; no I/O."""
from .bench_plots import (
    capacity_plot,
    index_advice_plot,
    load_test_plot,
    replica_lag_plot,
    scaling_plot,
)
from .plots import Plot, load_speed_plot
from .production_plots import cache_plot, hot_plot

__all__ = ["Plot", "cache_plot", "capacity_plot", "hot_plot", "index_advice_plot",
           "load_speed_plot", "load_test_plot", "replica_lag_plot", "scaling_plot"]

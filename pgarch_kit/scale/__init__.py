"""L2: plans for scale — capacity, configuration and pooling, partitioning, tenancy, history
and audit, replication, sharding — pure functions of the design (and of measurements passed
in). The evidence that they hold on a real server lives in :mod:`pgarch_kit.bench`."""
from .capacity import Capacity, IndexSize, Profile, TableSize, capacity, padding_saving
from .config import ConfigPlan, Machine, Setting, Workload, configure
from .pooling import PoolingPlan, pgbouncer_plan, session_features

__all__ = [
    # capacity
    "capacity", "Capacity", "TableSize", "IndexSize", "Profile", "padding_saving",
    # configuration and pooling
    "configure", "ConfigPlan", "Machine", "Workload", "Setting",
    "pgbouncer_plan", "PoolingPlan", "session_features",
]

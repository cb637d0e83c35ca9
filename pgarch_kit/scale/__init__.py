"""L2: plans for scale — capacity, configuration and pooling, partitioning, tenancy, history
and audit, replication, sharding — pure functions of the design (and of measurements passed
in). The evidence that they hold on a real server lives in :mod:`pgarch_kit.bench`."""
from .capacity import Capacity, IndexSize, Profile, TableSize, capacity, padding_saving
from .config import ConfigPlan, Machine, Setting, Workload, configure
from .history import HistoryPlan, history_plan
from .partitioning import PartitionPlan, partition_plan, partitioned_design
from .plan import ScalePlan, scale_plan
from .pooling import PoolingPlan, pgbouncer_plan, session_features
from .replication import MONITORING, Runbook, runbook
from .sharding import ShardingPlan, sharding_plan
from .tenancy import TenancyPlan, tenancy_plan, tenant_key

__all__ = [
    # the whole plan
    "scale_plan", "ScalePlan",
    # capacity
    "capacity", "Capacity", "TableSize", "IndexSize", "Profile", "padding_saving",
    # configuration and pooling
    "configure", "ConfigPlan", "Machine", "Workload", "Setting",
    "pgbouncer_plan", "PoolingPlan", "session_features",
    # partitioning, tenancy, history
    "partition_plan", "partitioned_design", "PartitionPlan",
    "tenancy_plan", "TenancyPlan", "tenant_key", "history_plan", "HistoryPlan",
    # operations and sharding
    "runbook", "Runbook", "MONITORING", "sharding_plan", "ShardingPlan",
]

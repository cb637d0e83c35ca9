"""L2: plans for scale — capacity, configuration and pooling, partitioning, tenancy, history
and audit, replication, sharding — pure functions of the design (and of measurements passed
in). The evidence that they hold on a real server lives in :mod:`pgarch_kit.bench`."""
from .capacity import Capacity, IndexSize, Profile, TableSize, capacity, padding_saving

__all__ = ["Capacity", "IndexSize", "Profile", "TableSize", "capacity", "padding_saving"]

"""L3: query timings, scaling curves, measured index advice and pgbench load tests.

With ``db/`` the only layer that talks to PostgreSQL; it also drives ``pgbench``. The pure
parts (:mod:`.sqlparams`, :mod:`.uses`, :mod:`.candidates`, :mod:`.stats`) need no server.
"""
from .candidates import Candidate, candidates
from .capacity import CapacityCheck, capacity_check
from .indexes import IndexAdvice, Trial, index_advice
from .loadtest import LoadTest, PoolAdvice, load_test
from .params import ParamError, ParamSampler, prepare_params
from .partitions import PartitionEvidence, partition_evidence
from .pgbench import PgbenchRun, Script, run_pgbench
from .replica import ReplicaLag, replica_lag
from .scaling import Curve, ScalingCurves, expected_rows, scaling
from .settings import SettingsTrial, try_settings
from .stats import Growth, fit_growth
from .target import BenchError
from .tenancy import IsolationMatrix, isolation_matrix
from .timing import BUDGET_MS, Timing, Timings, time_pattern, time_patterns, time_query

__all__ = [
    # timing
    "time_pattern", "time_patterns", "time_query", "Timing", "Timings", "BUDGET_MS",
    # parameters
    "prepare_params", "ParamSampler", "ParamError",
    # scaling curves
    "scaling", "ScalingCurves", "Curve", "expected_rows", "fit_growth", "Growth",
    # index advice
    "index_advice", "IndexAdvice", "Trial", "candidates", "Candidate",
    # load tests
    "load_test", "LoadTest", "PoolAdvice", "run_pgbench", "PgbenchRun", "Script",
    # scale evidence: capacity, settings, partitions, tenancy, replicas
    "capacity_check", "CapacityCheck", "try_settings", "SettingsTrial",
    "partition_evidence", "PartitionEvidence", "isolation_matrix", "IsolationMatrix",
    "replica_lag", "ReplicaLag",
    # errors
    "BenchError",
]

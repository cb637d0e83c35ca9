"""L3: query timings, scaling curves, measured index advice and pgbench load tests.

With ``db/`` the only layer that talks to PostgreSQL; it also drives ``pgbench``. The pure
parts (:mod:`.sample_source`, :mod:`.candidates`, :mod:`.stats`) need no server; what they know
of a pattern's SQL comes from :mod:`pgarch_kit.model.query`.
"""
from .caching import (
                          CacheTrial,
                          MatviewTrial,
                          SummaryTrial,
                          cache_trial,
                          matview_trial,
                          summary_trial,
)
from .candidates import Candidate, candidates
from .capacity import CapacityCheck, capacity_check
from .compliance import ErasureCheck, erasure_check
from .concurrency import (
                          HotTrial,
                          OptimisticCheck,
                          QueueCheck,
                          SingletonCheck,
                          hot_trial,
                          job_queue_check,
                          optimistic_check,
                          singleton_check,
)
from .indexes import IndexAdvice, Trial, index_advice
from .isolation import WriteSkewDemo, write_skew_demo
from .loadtest import LoadTest, PoolAdvice, load_test
from .params import ParamError, ParamSampler, prepare_params
from .partitions import PartitionEvidence, partition_evidence
from .pgbench import PgbenchRun, Script, run_pgbench
from .privileges import PrivilegeMatrix, privilege_matrix
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
    # production evidence: caching, concurrency, isolation, compliance, privileges
    "matview_trial", "MatviewTrial", "summary_trial", "SummaryTrial", "cache_trial",
    "CacheTrial", "job_queue_check", "QueueCheck", "singleton_check", "SingletonCheck",
    "optimistic_check", "OptimisticCheck", "hot_trial", "HotTrial", "write_skew_demo",
    "WriteSkewDemo", "erasure_check", "ErasureCheck", "privilege_matrix", "PrivilegeMatrix",
    # errors
    "BenchError",
]

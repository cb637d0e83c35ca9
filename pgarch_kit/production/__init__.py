"""L2: production concerns — caching, concurrency, isolation, compliance and least privilege
— generated from the design as SQL and plans, pure. The evidence that each holds on real
servers (PostgreSQL, Redis) lives in :mod:`pgarch_kit.bench`."""
from .caching import (
                      CachedQuery,
                      CachePlan,
                      CachingPlan,
                      MatviewPlan,
                      SummaryPlan,
                      cache_plan,
                      caching_plan,
                      matview_plans,
                      summary_plans,
)
from .compliance import ErasureStep, PrivacyPlan, personal_columns, privacy_plan
from .concurrency import (
                      JOB_QUEUE_DDL,
                      OPTIMISTIC,
                      SINGLETON,
                      HotAdvice,
                      hot_advice,
                      job_queue_scripts,
                      optimistic_scripts,
                      singleton_script,
)
from .isolation import (
                      RETRY_LOOP,
                      Invariant,
                      IsolationAdvice,
                      IsolationPlan,
                      isolation_plan,
                      suggest_invariants,
)
from .privileges import PrivilegePlan, privilege_plan

__all__ = [
    # caching
    "caching_plan", "CachingPlan", "cache_plan", "CachePlan", "CachedQuery", "matview_plans",
    "MatviewPlan", "summary_plans", "SummaryPlan",
    # concurrency
    "hot_advice", "HotAdvice", "job_queue_scripts", "JOB_QUEUE_DDL", "singleton_script",
    "SINGLETON", "optimistic_scripts", "OPTIMISTIC",
    # isolation
    "isolation_plan", "IsolationPlan", "IsolationAdvice", "Invariant", "suggest_invariants",
    "RETRY_LOOP",
    # compliance and least privilege
    "privacy_plan", "PrivacyPlan", "ErasureStep", "personal_columns", "privilege_plan",
    "PrivilegePlan",
]

"""L2: production concerns — caching, concurrency, isolation, compliance and least privilege
— generated from the design as SQL and plans, pure. The evidence that each holds on real
servers (PostgreSQL, Redis) lives in :mod:`pgarch_kit.bench`."""
from .compliance import ErasureStep, PrivacyPlan, personal_columns, privacy_plan

__all__ = ["ErasureStep", "PrivacyPlan", "personal_columns", "privacy_plan"]

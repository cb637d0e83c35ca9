"""Advisor rules of catalog section 'security' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .extension_in_public import ExtensionInPublic
from .function_search_path_mutable import FunctionSearchPathMutable
from .insecure_auth_method import InsecureAuthMethod
from .multiple_permissive_policies import MultiplePermissivePolicies
from .object_exposed_to_api_roles import ObjectExposedToApiRoles
from .outdated_extension import OutdatedExtension
from .rls_disabled_exposed_table import RlsDisabledExposedTable
from .rls_initplan_function_call import RlsInitplanFunctionCall
from .rls_not_forced import RlsNotForced
from .rls_policy_always_true import RlsPolicyAlwaysTrue
from .rls_policy_state_mismatch import RlsPolicyStateMismatch
from .rls_trusts_user_claims import RlsTrustsUserClaims
from .schema_privileges_unsafe import SchemaPrivilegesUnsafe
from .security_definer_function_callable import SecurityDefinerFunctionCallable
from .security_definer_view import SecurityDefinerView
from .sensitive_columns_unprotected import SensitiveColumnsUnprotected

RULES: list[type] = [
    RlsDisabledExposedTable, RlsNotForced, RlsPolicyStateMismatch, MultiplePermissivePolicies,
    RlsInitplanFunctionCall, RlsPolicyAlwaysTrue, RlsTrustsUserClaims, SecurityDefinerView,
    FunctionSearchPathMutable, SecurityDefinerFunctionCallable, ExtensionInPublic,
    SensitiveColumnsUnprotected, ObjectExposedToApiRoles, SchemaPrivilegesUnsafe,
    InsecureAuthMethod, OutdatedExtension,
]

"""sensitive-columns-unprotected: credential or PII columns in exposed tables without RLS."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._exposure import exposure

# Whole words of a snake_case name (``password_hash`` matches, ``spinner`` does not).
_WORDS = (r"ssn|social_security(_number)?|passwd|password|pwd|secret|api_key|private_key|"
          r"access_token|refresh_token|card_number|credit_card|cc_number|cvv|cvc|iban|"
          r"bank_account|account_number|routing_number|tax_id|taxid|national_id|passport|"
          r"passport_number|driver_license|drivers_license|date_of_birth|dob")
_SENSITIVE = re.compile(rf"(?:^|_)(?:{_WORDS})(?:$|_)", re.IGNORECASE)


class SensitiveColumnsUnprotected(Rule):
    """What: a column whose snake_case name contains a credential or PII word — ``ssn``,
    ``password``/``passwd``, ``secret``, ``api_key``, ``access_token``, ``card_number``,
    ``cvv``, ``iban``, ``tax_id``, ``passport``, ``date_of_birth`` and the like, matched as
    whole words so ``password_hash`` counts and ``spinner`` doesn't — in a table an API
    exposes whose row level security is off. One finding per column. Exposure (declared in
    ``exposed_schemas`` or inferred from the API's roles, settings and grants) is judged as
    for rls-disabled-exposed-table; without it the rule is silent.

    Why: anyone the API lets read the table reads the sensitive data of every row.

    Fix: ``ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;`` with policies, move the data to a
    private schema, or ``REVOKE SELECT (col) …`` from the API roles.

    References: Supabase splinter sensitive_columns_exposed.
    """

    code = "PGA065"
    slug = "sensitive-columns-unprotected"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        api = exposure(ctx)
        for t in ctx.tables:
            if t.rls_enabled or not api.exposes(t.schema, t.name):
                continue
            for c in t.columns:
                # refresh_token_id is a reference to a token row, not the secret itself
                if _SENSITIVE.search(c.name) and not c.name.lower().endswith("_id"):
                    yield self.finding(
                        t, c.name,
                        f"column {c.name} looks like credentials or personal data, and table "
                        f"{t.name} in exposed schema {t.schema} ({api.how()}) has no row "
                        f"level security, so it leaks to anyone who can read the table",
                        f"ALTER TABLE {qualified(t.schema, t.name)} ENABLE ROW LEVEL SECURITY;")

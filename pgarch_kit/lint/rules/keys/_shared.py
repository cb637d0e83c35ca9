"""What a key column *is*, as the key rules and tenant-key-not-leading need to know: an
identifier (generated, referenced, opaque or random — meant to be unique everywhere and never
to change) or a natural value people type and edit (a name, an e-mail, a title).

Judged from the column's definition and name only; every heuristic errs on the side of
"identifier", so rules built on it stay quiet when unsure.
"""
from __future__ import annotations

import re

from pgarch_kit.model import Table

from ...context import LintContext

__all__ = ["identifier_column", "random_token", "short_code", "editable_name", "person_facing",
           "referencing_fks"]

_GENERATED = re.compile(
    r"\b(nextval|gen_random_uuid|uuid_generate_v\d\w*|uuidv[47]|gen_random_bytes|md5|sha\d+|"
    r"digest|encode|random|ulid\w*|cuid\w*|nanoid\w*|gen_\w*id|generate_\w*id)\s*\(", re.I)
# Names of random or derived values: tokens, session ids, API keys, hashes, nonces.
_TOKEN = re.compile(r"(^|_)(token|session|hash|digest|sha\d*|md5|nonce|secret|salt|"
                    r"api_?key|key|signature|fingerprint|checksum|jti)(s)?($|_)")
_ID_NAME = re.compile(r"(^(id|uid|uuid|guid|oid|ulid|cuid)$)|(_(id|uid|uuid|guid|ulid|ref)$)|"
                      r"([a-z0-9](Id|ID|Uid|UUID)$)")
# Values people type and edit: renaming one cascades into every referencing row.
_EDITABLE = re.compile(r"(^|_)(name|names|email|e_mail|mail|title|label|description|desc|"
                       r"path|slug|username|login|phone|url|uri|address|caption|text)($|_)",
                       re.I)
# Person-facing values that do change (people move, rename, retitle): a key change is likely.
# A bare ``name`` is left out: package, queue and blueprint names are technical identifiers.
_PERSON_FACING = re.compile(r"(^|_)(email|e_mail|mail|username|user_name|login|title|label|"
                            r"display_name|full_name|first_name|last_name|phone|"
                            r"address|caption)($|_)", re.I)
_CODE_TYPES = re.compile(r"^(character|char|bpchar|character varying|varchar)\s*\(\s*[1-3]\s*\)$",
                         re.I)


def _snake(name: str) -> str:
    """``apiKeyHash`` → ``api_key_hash``: names compared word by word."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def random_token(table: Table, column: str) -> bool:
    """A random or derived value (session id, API key, hash, nonce): its name says so, or
    its default generates it (``gen_random_uuid()::text``, ``md5(random()::text)``…)."""
    col = table.column(column)
    if col is None:
        return False
    if _TOKEN.search(_snake(column)) or _GENERATED.search(col.default or ""):
        return True
    checks = " ".join(c.expression for c in table.checks if column in c.expression)
    return bool(re.search(r"\b(token|hash|sha\d*|md5|digest|hex)\b|\[0-9a-f\]|\\\\x", checks,
                          re.I))


def short_code(table: Table, column: str) -> bool:
    """A short fixed code: ``char(2)``/``char(3)``/``varchar(3)`` — ISO country, currency and
    language codes, IATA airports; the textbook good natural key."""
    col = table.column(column)
    return col is not None and bool(_CODE_TYPES.match(col.type.strip()))


def editable_name(column: str) -> bool:
    """A name, e-mail, title, label, path… — a value users edit."""
    return bool(_EDITABLE.search(_snake(column)))


def person_facing(column: str) -> bool:
    """An e-mail, username, title, label, display name, phone, path… — a value people see and
    change, unlike a technical ``name`` (a queue's, a package's) that code writes verbatim."""
    return bool(_PERSON_FACING.search(_snake(column)))


def identifier_column(ctx: LintContext, table: Table, column: str) -> bool:
    """True when ``column`` holds identifiers rather than natural values: generated (identity,
    sequence or uuid default), of type uuid, a foreign key column, a random token, or named
    like an id (``id``, ``…_id``, ``…Id``, ``uuid``) — opaque ids (cuid, Stripe's ``cus_…``)
    are unique everywhere by construction."""
    col = table.column(column)
    if col is None:
        return True  # an expression key or an unknown column: do not judge it
    if col.identity or _GENERATED.search(col.default or ""):
        return True
    if ctx.base_type(col.type) == "uuid":
        return True
    if any(column in fk.columns for fk in table.foreign_keys):
        return True
    return bool(_ID_NAME.search(column)) or random_token(table, column)


def referencing_fks(ctx: LintContext, table: Table) -> list[tuple[Table, object]]:
    """Every (table, foreign key) of the design that references ``table``."""
    return ctx.memo("referencing_fks", lambda: _index_fks(ctx)).get(table.key, [])


def _index_fks(ctx: LintContext) -> dict[tuple[str, str], list[tuple[Table, object]]]:
    out: dict[tuple[str, str], list[tuple[Table, object]]] = {}
    for t in ctx.design.tables:
        for fk in t.foreign_keys:
            out.setdefault((fk.ref_schema or t.schema, fk.ref_table), []).append((t, fk))
    return out

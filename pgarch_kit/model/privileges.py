"""Who may do what: grants on schemas, tables, columns, sequences, routines and types; default
privileges for objects made later; and owners.

A design lists privileges *relative to PostgreSQL's defaults*, as people write them: a
``Grant`` adds privileges, a ``Grant`` with ``revoke=True`` takes away one PostgreSQL gives
by default (``EXECUTE`` on routines and ``USAGE`` on types to ``public``, ``USAGE`` on schema
``public``). The owner's own privileges are not listed: the owner is whoever runs the DDL,
unless an :class:`Owner` names one of the design's roles.

Grantees, owners and ``FOR ROLE`` roles are design roles (``Design.roles``, made ``NOLOGIN``
by the kit when missing) or ``public``: the kit never grants to, or makes objects owned by,
a role the design does not declare (see README, "Security model").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEFAULT_PRIVILEGE_OBJECTS",
    "GRANT_KINDS",
    "OWNER_KINDS",
    "PRIVILEGES",
    "DefaultPrivilege",
    "Grant",
    "Owner",
]

# privileges each kind of object takes, in PostgreSQL's order
PRIVILEGES: dict[str, tuple[str, ...]] = {
    "schema": ("USAGE", "CREATE"),
    "table": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER",
              "MAINTAIN"),
    "column": ("SELECT", "INSERT", "UPDATE", "REFERENCES"),
    "sequence": ("USAGE", "SELECT", "UPDATE"),
    "routine": ("EXECUTE",),
    "type": ("USAGE",),
}
GRANT_KINDS = tuple(PRIVILEGES)
# ALTER DEFAULT PRIVILEGES … ON <objects>: the kind of object each applies to
DEFAULT_PRIVILEGE_OBJECTS = {"tables": "table", "sequences": "sequence",
                             "functions": "routine", "types": "type", "schemas": "schema"}
OWNER_KINDS = ("schema", "table", "view", "materialized view", "sequence", "function",
               "procedure", "aggregate", "type", "collation", "text search configuration",
               "text search dictionary")

_ORDER = {p: i for i, p in enumerate(("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE",
                                      "REFERENCES", "TRIGGER", "MAINTAIN", "USAGE", "CREATE",
                                      "EXECUTE"))}


def _privileges(value: object) -> tuple:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (list, tuple)):
        return value  # type: ignore[return-value]  # validation reports it
    items = [p.strip().upper() if isinstance(p, str) else p for p in value]
    unique = list(dict.fromkeys(items))
    return tuple(sorted(unique, key=lambda p: (_ORDER.get(p, 99) if isinstance(p, str) else 99,
                                               str(p))))


@dataclass(frozen=True)
class Grant:
    """``GRANT privileges ON kind name TO grantee`` (``revoke``: ``REVOKE … FROM``)."""

    kind: Literal["schema", "table", "column", "sequence", "routine", "type"]
    name: str                           # the object (a schema's own name for kind schema)
    grantee: str                        # a design role, or "public"
    privileges: tuple[str, ...]
    schema: str = "public"              # the object's schema (unused for kind schema)
    signature: str | None = None        # routines: identity argument list, e.g. "integer"
    column: str | None = None           # kind column: the table's column
    grant_option: bool = False
    revoke: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "privileges", _privileges(self.privileges))


@dataclass(frozen=True)
class DefaultPrivilege:
    """``ALTER DEFAULT PRIVILEGES [FOR ROLE role] [IN SCHEMA schema] GRANT … ON objects TO
    grantee``: privileges objects get when they are made later. ``role`` ``None`` is the role
    that runs the DDL; ``schema`` ``None`` is the whole database (only there can ``revoke``
    take away a built-in default, such as ``EXECUTE`` on functions for ``public``)."""

    objects: Literal["tables", "sequences", "functions", "types", "schemas"]
    grantee: str
    privileges: tuple[str, ...]
    role: str | None = None
    schema: str | None = None
    grant_option: bool = False
    revoke: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "privileges", _privileges(self.privileges))


@dataclass(frozen=True)
class Owner:
    """``ALTER kind name OWNER TO role``: an object owned by one of the design's roles."""

    kind: Literal["schema", "table", "view", "materialized view", "sequence", "function",
                  "procedure", "aggregate", "type", "collation", "text search configuration",
                  "text search dictionary"]
    name: str
    role: str
    schema: str = "public"              # unused for kind schema
    signature: str | None = None        # functions, procedures, aggregates

    @property
    def target(self) -> tuple:
        """A key naming the object (an object has one owner)."""
        return (self.kind, None if self.kind == "schema" else self.schema, self.name,
                self.signature)

"""Which extensions the kit itself creates: those that act only inside their database.

Creating an extension runs its install script as the server's superuser, and some extensions
exist precisely to reach outside the database (dblink and postgres_fdw open connections to
other databases, file_fdw and adminpack read and write server files, untrusted languages run
programs). A design or an imported schema is untrusted, so the kit creates an extension for it
only from this list; anything else is the user's to create, by hand, where they choose.
"""
from __future__ import annotations

from pgarch_kit.errors import UnsafeOperationError

__all__ = ["ALLOWED_EXTENSIONS", "check_extensions"]

ALLOWED_EXTENSIONS = frozenset("""
amcheck autoinc bloom btree_gin btree_gist citext cube dict_int dict_xsyn earthdistance
fuzzystrmatch hstore hypopg insert_username intagg intarray isn lo ltree moddatetime pg_buffercache
pg_freespacemap pg_partman pg_prewarm pg_stat_statements pg_trgm pg_visibility pgcrypto
pgrowlocks pgstattuple plpgsql postgis postgis_raster postgis_topology refint seg tablefunc tcn
tsm_system_rows tsm_system_time unaccent uuid-ossp vector
""".split())


def check_extensions(design: object, action: str) -> None:
    """Raise UnsafeOperationError before ``action`` when the design asks the kit to create an
    extension that is not on :data:`ALLOWED_EXTENSIONS`."""
    names = [e.name for e in getattr(design, "extensions", ())]
    unsafe = sorted(n for n in names if n not in ALLOWED_EXTENSIONS)
    if unsafe:
        raise UnsafeOperationError(
            f"refusing to {action}: the design asks for extension(s) {', '.join(unsafe)}, which "
            f"the kit does not create (they can reach outside the database: other servers, "
            f"server files or programs). Remove them from the design's `extensions:`, or, if "
            f"you trust them, create them yourself in the sandbox (CREATE EXTENSION ...) and "
            f"leave them out of the design")

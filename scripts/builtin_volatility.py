"""Write pgarch_kit/lint/rules/migration/stable_builtins.txt: the names of PostgreSQL's
built-in functions that are never VOLATILE (every overload IMMUTABLE or STABLE), read from
the embedded server's pg_proc. add-column-volatile-default treats a DEFAULT as rewrite-free
only when every function it calls is one of these, or a function the design or the script
declares non-volatile; an unknown function counts as volatile.

Run: PYTHONPATH=. python scripts/builtin_volatility.py   (re-run when the server's major
version changes; the file says which version it was read from).
"""
from __future__ import annotations

from pathlib import Path

import psycopg

from pgarch_kit.db import server_dsn

OUT = Path(__file__).resolve().parents[1] / "pgarch_kit/lint/rules/migration/stable_builtins.txt"

# Functions a DEFAULT can call: plain functions of pg_catalog, without the internal, trigger
# and handler types that only the server's machinery calls (type I/O, planner support,
# selectivity estimators, index access methods).
QUERY = """
SELECT p.proname
  FROM pg_proc p
 WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
   AND p.prorettype NOT IN ('internal'::regtype, 'trigger'::regtype, 'event_trigger'::regtype,
                            'language_handler'::regtype, 'fdw_handler'::regtype,
                            'index_am_handler'::regtype, 'tsm_handler'::regtype,
                            'table_am_handler'::regtype, 'cstring'::regtype)
   AND NOT ('internal'::regtype = ANY (p.proargtypes::oid[]))
   AND NOT ('cstring'::regtype = ANY (p.proargtypes::oid[]))
 GROUP BY p.proname
HAVING bool_and(p.provolatile <> 'v')
 ORDER BY 1
"""


def main() -> None:
    with psycopg.connect(server_dsn(), autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        rows = [r[0] for r in conn.execute(QUERY)]
    head = (f"# Built-in functions that are never VOLATILE, from pg_proc of PostgreSQL {version}\n"
            f"# (scripts/builtin_volatility.py writes this file; {len(rows)} names)\n")
    OUT.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(rows)} names")


if __name__ == "__main__":
    main()

"""sql-ascii-encoding: a database without encoding validation."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import live_rows

_QUERY = """
SELECT datname, pg_encoding_to_char(encoding)
FROM pg_database WHERE datname = current_database()
"""


class SqlAsciiEncoding(Rule):
    """What: the database (on a live connection: the current database) uses the ``SQL_ASCII``
    encoding. A design file does not record the database encoding, so the design alone gives no
    finding; the live check reads ``pg_database``. Needs: a live database.

    Why: ``SQL_ASCII`` means "no encoding": bytes are stored unvalidated and unconverted, so
    clients in different encodings mix their text in one column and the data can no longer
    be recovered or converted reliably; ``upper()``, collation and length are wrong for
    non-ASCII text.

    Fix: create a new database ``CREATE DATABASE app ENCODING 'UTF8' TEMPLATE template0`` and
    migrate the data into it, cleaning invalid byte sequences on the way.

    References: PostgreSQL wiki Don't Do This ("Don't use SQL_ASCII").
    """

    code = "PGA016"
    slug = "sql-ascii-encoding"
    category = "types"
    severity = "warning"
    mode = "S/L"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        return iter(())  # the design holds no encoding

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        row = next(iter(live_rows(ctx, _QUERY)), None)
        if row is None or row[1] != "SQL_ASCII":
            return
        yield self.finding(
            None, None,
            f"database {row[0]} uses SQL_ASCII: nothing validates or converts text, so mixed "
            f"encodings pile up and cannot be recovered",
            f"CREATE DATABASE {quote_ident(derive_name(row[0], suffix='utf8'))} ENCODING 'UTF8' "
            f"TEMPLATE template0; -- then migrate the data into it")

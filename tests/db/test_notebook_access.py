"""What a notebook gets with no set-up: pandas.read_sql and JupySQL's ``%sql engine`` on the
kit's engine, against the real server."""
from __future__ import annotations

import pandas as pd

import pgarch_kit as pk


def test_pandas_read_sql_on_the_engine(fresh_db: str) -> None:
    from pgarch_kit.db import dsn_dbname
    with pk.connect(dsn_dbname(fresh_db)) as conn:
        conn.execute("CREATE TABLE t (id int, label text); INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    df = pd.read_sql("SELECT id, label FROM t ORDER BY id", pk.engine(dsn_dbname(fresh_db)))
    assert df.to_dict("list") == {"id": [1, 2], "label": ["a", "b"]}


def test_jupysql_magic_on_the_engine(pg_dsn: str, monkeypatch) -> None:
    from IPython.testing.globalipapp import start_ipython
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    ip = start_ipython()
    ip.user_ns["engine"] = pk.engine()
    ip.run_line_magic("load_ext", "sql")
    ip.run_line_magic("sql", "engine")
    result = ip.run_line_magic("sql", "SELECT 41 + 1 AS answer")
    assert result.DataFrame().to_dict("list") == {"answer": [42]}

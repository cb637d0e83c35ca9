"""Data statements in a schema file: the import keeps the schema and skips the data.

Dumps and seed files carry rows as ``COPY … FROM stdin`` blocks (LedgerSMB's base schema has
one) and as INSERTs. The COPY block cannot run without psql streaming it, and its rows are not
part of a design: the import skips it with a note naming its line, instead of refusing the file.
"""
from __future__ import annotations

from pgarch_kit.db.apply import strip_copy_data
from pgarch_kit.db.importer import import_schema

SCRIPT = """CREATE TABLE defaults (setting_key text PRIMARY KEY, value text);
COPY defaults FROM stdin WITH DELIMITER '|';
timeout|90 minutes
quote|it's; DROP TABLE defaults; -- not SQL, data
\\.

COPY public.defaults (setting_key, value) FROM STDIN;
a\tb
\\.
CREATE TABLE after_data (id int PRIMARY KEY);
INSERT INTO defaults VALUES ('x', 'y');
"""


def test_copy_blocks_are_blanked_keeping_lines() -> None:
    text, blocks = strip_copy_data(SCRIPT)
    assert [line for line, _ in blocks] == [2, 7]
    assert blocks[0][1].startswith("COPY defaults FROM stdin")
    assert text.count("\n") == SCRIPT.count("\n")
    assert "DROP TABLE" not in text and "timeout" not in text
    assert "CREATE TABLE after_data" in text and "INSERT INTO defaults" in text


def test_import_skips_the_data_with_a_note(pg_dsn: str) -> None:
    result = import_schema(SCRIPT, name="data", dsn=pg_dsn)
    assert result.refused == ()
    assert {t.name for t in result.design.tables} == {"defaults", "after_data"}
    data_notes = [n for n in result.notes if "table data" in n.reason]
    assert [n.line for n in data_notes] == [2, 7]
    assert "skipped 2 statement(s)" in result.report()

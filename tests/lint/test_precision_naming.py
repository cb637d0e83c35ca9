"""Issue 17's false-positive classes in the naming and degenerate-table rules, on fragments of
our own: a consistent naming convention is a choice noted once, not thousands of warnings;
strays from the design's own convention still warn; designs without foreign keys are not
full of "leftovers"; migration tools' bookkeeping tables are nobody's design."""
from __future__ import annotations

from pgarch_kit.lint import lint
from pgarch_kit.model.serde import loads_design


def _found(text: str, *rules: str):
    return lint(loads_design(text, check=False), select=list(rules), ignore=[]).findings


def _orm_tables(n: int) -> str:
    """``n`` tables named the way an ORM such as Prisma names them: PascalCase tables,
    camelCase columns, a reserved word among them."""
    out = []
    for i in range(n):
        out.append(f"""
  - name: Widget{i}
    columns:
      - {{name: id, type: uuid, nullable: false}}
      - {{name: createdAt, type: timestamptz, nullable: false}}
      - {{name: ownerId, type: uuid}}
      - {{name: {'order' if i == 0 else 'label'}, type: text}}
    primary_key: [id]""")
    return "".join(out)


ORM_DESIGN = "name: orm\ntables:" + _orm_tables(6)


def test_a_mixed_case_convention_is_noted_once() -> None:
    found = _found(ORM_DESIGN, "identifier-needs-quoting")
    notes = [f for f in found if f.table is None]
    assert len(notes) == 1 and notes[0].severity == "info"
    assert "convention" in notes[0].message and '"Widget0"' in notes[0].message
    # the reserved word still needs quoting whatever the convention: warned on its own
    assert [(f.table, f.column, f.severity) for f in found if f.table] == \
        [("Widget0", "order", "warning")]


def test_a_stray_from_a_lower_case_convention_warns() -> None:
    snake = "".join(f"""
  - name: item_{i}
    columns: [{{name: id, type: bigint, identity: always}}, {{name: label, type: text}}]
    primary_key: [id]""" for i in range(8))
    text = "name: shop\ntables:" + snake + """
  - name: ImportBatch
    columns: [{name: id, type: bigint, identity: always}, {name: fileName, type: text}]
    primary_key: [id]
"""
    found = _found(text, "identifier-needs-quoting")
    assert {(f.table, f.column, f.severity) for f in found} == {
        ("ImportBatch", None, "warning"), ("ImportBatch", "fileName", "warning")}


def test_dollar_names_need_no_quotes() -> None:
    text = """
name: dollars
tables:
  - name: absence
    columns: [{name: id, type: bigint, nullable: false}, {name: child_id, type: bigint}]
    primary_key: {columns: [id], name: pk$absence}
    indexes: [{name: idx$absence_child, keys: [child_id]}]
"""
    assert _found(text, "identifier-needs-quoting") == ()


def test_naming_convention_of_its_own_is_one_note() -> None:
    found = _found(ORM_DESIGN, "naming-convention")
    assert len(found) == 1 and found[0].table is None
    assert "tables its own way" in found[0].message and "columns its own way" in found[0].message
    declared = _found(ORM_DESIGN + "\nlint: {settings: {naming_pattern: '^[a-z][a-z0-9_]*$'}}\n",
                      "naming-convention")
    assert len(declared) > 10 and all(f.table for f in declared)   # a house rule: each name


NO_FK_DESIGN = "name: events\ntables:" + "".join(f"""
  - name: stream_{i}
    columns:
      - {{name: id, type: bigint, identity: always}}
      - {{name: room_id, type: text, nullable: false}}
    primary_key: [id]""" for i in range(6)) + """
  - name: room
    columns: [{name: id, type: text, nullable: false}, {name: name, type: text}]
    primary_key: [id]
  - name: stream_position
    columns: [{name: pos, type: bigint}]
"""


def test_a_design_without_foreign_keys_has_no_leftovers() -> None:
    found = _found(NO_FK_DESIGN, "degenerate-table")
    assert [f.table for f in found] == [None, "stream_position"]
    assert "8 of 8 tables take part in no foreign key" in found[0].message
    assert "no foreign key in or out" not in found[1].message   # it has one column


FRAMEWORK = """
name: rails_app
tables:
  - name: users
    comment: People who sign in.
    columns: [{name: id, type: bigint, identity: always}, {name: email, type: text}]
    primary_key: [id]
  - name: posts
    comment: What users write.
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: user_id, type: bigint, nullable: false}
    primary_key: [id]
    foreign_keys: [{columns: [user_id], references: {table: users, columns: [id]}}]
  - name: schema_migrations
    columns: [{name: version, type: "character varying", nullable: false}]
    primary_key: [version]
  - name: ar_internal_metadata
    columns:
      - {name: key, type: "character varying", nullable: false}
      - {name: value, type: "character varying"}
      - {name: created_at, type: timestamp(6) without time zone, nullable: false}
    primary_key: [key]
  - name: DATABASECHANGELOG
    columns: [{name: ID, type: "character varying(255)", nullable: false}, {name: AUTHOR, type: text}]
  - name: __EFMigrationsHistory
    columns: [{name: MigrationId, type: "character varying(150)", nullable: false}]
    primary_key: [MigrationId]
"""


def test_framework_tables_are_nobodys_design() -> None:
    tool_tables = {"schema_migrations", "ar_internal_metadata", "DATABASECHANGELOG",
                   "__EFMigrationsHistory"}
    found = _found(FRAMEWORK, "degenerate-table", "missing-comment", "identifier-needs-quoting",
                   "naming-convention", "table-without-primary-key", "pk-natural-or-text-key",
                   "all-columns-nullable", "timestamp-without-tz")
    assert not {f.table for f in found} & tool_tables, [(f.rule, f.table) for f in found]
    from pgarch_kit.lint.context import FRAMEWORK_TABLES  # the one list other rules share
    assert {"schema_migrations", "__efmigrationshistory", "databasechangeloglock",
            "flyway_schema_history", "django_migrations", "alembic_version"} <= FRAMEWORK_TABLES


def test_a_linked_table_named_like_a_tool_table_is_judged() -> None:
    """Only bookkeeping is skipped: a ``migrations`` table that takes part in the model (here,
    bird migrations referencing species) is the designer's and is judged as usual."""
    text = """
name: birds
tables:
  - name: species
    columns: [{name: id, type: bigint, identity: always}, {name: name, type: text},
              {name: created_at, type: timestamptz}, {name: updated_at, type: timestamptz}]
    primary_key: [id]
  - name: migrations
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: species_id, type: bigint, nullable: false}
      - {name: started, type: timestamp}
    primary_key: [id]
    foreign_keys: [{columns: [species_id], references: {table: species, columns: [id]}}]
"""
    found = _found(text, "timestamp-without-tz")
    assert [(f.table, f.column) for f in found] == [("migrations", "started")]

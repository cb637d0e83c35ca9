"""Personal data: where it is, how a data subject is forgotten, what they can ask to see.

Columns are tagged personal by their names and types (``email``, ``full_name``, ``phone``,
``line1``, ``birth_date``, an ``inet`` …) plus what the design's ``privacy:`` section declares
(and minus what it untags). From the data-subject table (``privacy.subject``, else the table
with the most identity and contact data that others reference) the kit follows the
foreign-key graph to every table that holds a subject's rows, and decides per table what a
right-to-be-forgotten request does:

* the subject's own row is **anonymised** in place — personal columns replaced by values that
  still satisfy their constraints (``erased-<id>@invalid.example`` for a unique e-mail with an
  ``@`` check) — so rows kept for a legal reason (orders, invoices) keep a valid key;
* rows that exist only to describe the subject (an address book) are **deleted**, unless a
  foreign key would refuse it — then anonymised;
* rows without personal columns are **kept** (an order's lines carry no personal data once
  the customer row is anonymised).

The result is a procedure ``forget_<subject>(id)``, a function ``export_<subject>(id)``
returning every row about the subject as JSON (the subject-access request), and a retention
table. Pure: :mod:`pgarch_kit.bench.compliance` erases a subject on loaded data and checks
that nothing personal is left and nothing else was touched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..errors import PgArchError
from ..model.design import Column, Design, ForeignKey, Routine, Table
from ..model.names import quote_ident
from ..model.types import parse_type

__all__ = ["ErasureStep", "PrivacyPlan", "personal_columns", "privacy_plan"]

_RULES: tuple[tuple[str, str], ...] = (
    (r"^(e_?mail|email_address|contact_email)$", "contact"),
    (r"^(phone|phone_number|mobile|telephone|fax)$", "contact"),
    (r"^(full_name|first_name|last_name|given_name|family_name|surname|display_name|"
     r"middle_name|maiden_name)$", "identity"),
    (r"^(line[12]|address(_line)?[12]?|street|street_address|house_number)$", "address"),
    (r"^(birth_?date|date_of_birth|dob|birthday)$", "birth"),
    (r"^(ssn|national_id|passport(_number)?|tax_id|social_security_number|"
     r"driver_license)$", "government_id"),
    (r"^(iban|card_number|account_number|bank_account)$", "financial"),
    (r"^(lat|lon|lng|latitude|longitude|geo|geolocation)$", "location"),
    (r"^(ip|ip_address|last_ip|user_agent)$", "online_id"),
    (r"^(password|password_hash|passwd|secret|api_key)$", "credentials"),
)
_PERSON_TABLE = re.compile(r"customer|user|person|people|member|employee|patient|contact|"
                           r"client|account|profile|student", re.I)
_ADDRESS_ONLY = ("city", "postal_code", "zip", "zip_code", "postcode", "region", "state")


def _infer(t: Table, c: Column) -> str | None:
    name = c.name.lower()
    for pattern, category in _RULES:
        if re.match(pattern, name):
            return category
    if name == "name" and _PERSON_TABLE.search(t.name):
        return "identity"
    if name in _ADDRESS_ONLY and any(col.name in ("line1", "street", "address", "address_line1")
                                     for col in t.columns):
        return "address"
    if parse_type(c.type).base == "inet":
        return "online_id"
    return None


def personal_columns(design: Design) -> dict[tuple[str, str], tuple[str, str]]:
    """(table, column) -> (category, "inferred" | "declared") for every personal column."""
    spec = design.privacy
    untagged = set(spec.not_personal)
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for t in design.tables:
        if t.partition_of is not None:
            continue
        for c in t.columns:
            if f"{t.name}.{c.name}" in untagged:
                continue
            category = _infer(t, c)
            if category:
                out[(t.name, c.name)] = (category, "inferred")
    for ref, category in spec.personal:
        table, _, col = ref.rpartition(".")
        out[(table, col)] = (category, "declared")
    return out


@dataclass(frozen=True)
class ErasureStep:
    table: str
    mode: str                          # delete | anonymise | keep
    path: tuple[ForeignKey, ...]       # from this table up to the subject table
    columns: tuple[str, ...]           # personal columns (anonymised, or gone with the row)
    reason: str


@dataclass
class PrivacyPlan:
    design: Design                     # with forget_/export_ routines added
    subject: str | None
    tags: dict[tuple[str, str], tuple[str, str]]
    steps: list[ErasureStep] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)   # personal data the FK graph misses
    retention: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def procedure(self) -> str:
        return f"forget_{self.subject}"

    @property
    def export_function(self) -> str:
        return f"export_{self.subject}"

    def __str__(self) -> str:
        lines = [f"personal data: {len(self.tags)} columns; data subject: {self.subject}"]
        for (t, c), (cat, how) in self.tags.items():
            lines.append(f"  {t}.{c}: {cat} ({how})")
        lines.append(f"right to be forgotten — CALL {self.procedure}(id):")
        lines += [f"  {s.table}: {s.mode} — {s.reason}" for s in self.steps]
        lines += [f"  ! {u}" for u in self.unlinked]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html
        tags = "".join(f"<tr><td>{html.escape(t)}.{html.escape(c)}</td><td>{html.escape(cat)}"
                       f"</td><td>{how}</td></tr>" for (t, c), (cat, how) in self.tags.items())
        steps = "".join(f"<tr><td>{html.escape(s.table)}</td><td><b>{s.mode}</b></td>"
                        f"<td>{html.escape(s.reason)}</td></tr>" for s in self.steps)
        warn = "".join(f"<li>{html.escape(u)}</li>" for u in self.unlinked)
        return (f"<div><b>Personal data</b> — data subject: "
                f"<code>{html.escape(str(self.subject))}</code></div>"
                f"<table><tr><th>column</th><th>category</th><th>tagged</th></tr>{tags}</table>"
                f"<div><b>CALL {self.procedure}(id)</b></div>"
                f"<table><tr><th>table</th><th>erasure</th><th>why</th></tr>{steps}</table>"
                + (f"<ul>{warn}</ul>" if warn else ""))


def _subject(design: Design, tags: dict[tuple[str, str], tuple[str, str]]) -> str | None:
    if design.privacy.subject:
        t = design.table(design.privacy.subject)
        if t is None or t.primary_key is None:
            raise PgArchError(
                f"privacy.subject {design.privacy.subject!r}: "
                + ("no such table" if t is None else "the table has no primary key")
                + " — the erasure procedure finds a subject's rows by its key; name a table "
                  "with a primary key (the people the personal data is about)")
        return design.privacy.subject
    scores = {}
    for t in design.tables:
        if t.primary_key is None:  # rows cannot be named one by one: not a subject
            continue
        personal = sum(1 for (tn, _), (cat, _) in tags.items()
                       if tn == t.name and cat in ("identity", "contact"))
        referenced = sum(1 for o in design.tables for fk in o.foreign_keys
                         if fk.ref_table == t.name and o.name != t.name)
        if personal:
            scores[t.name] = (personal, referenced)
    return max(scores, key=lambda n: scores[n]) if scores else None


def _paths(design: Design, subject: str) -> dict[str, tuple[ForeignKey, ...]]:
    """Each table that reaches the subject through foreign keys, with the shortest chain
    (this table's FK first)."""
    paths: dict[str, tuple[ForeignKey, ...]] = {subject: ()}
    frontier = [subject]
    while frontier:
        nxt = []
        for t in design.tables:
            if t.name in paths or t.partition_of is not None:
                continue
            for fk in t.foreign_keys:
                if fk.ref_table in frontier:
                    paths[t.name] = (fk, *paths[fk.ref_table])
                    nxt.append(t.name)
                    break
        frontier = nxt
    return paths


def _anonymous_value(t: Table, c: Column, design: Design) -> str:
    """A value for ``c`` that says nothing about the subject and still satisfies the table's
    constraints (NOT NULL, unique, an ``@`` check, a length limit)."""
    if c.nullable and not (t.primary_key and c.name in t.primary_key.columns):
        return "NULL"
    base = parse_type(c.type).base
    unique = any(c.name in u.columns for u in t.uniques) or any(
        i.unique and any(k.column == c.name for k in i.keys) for i in t.indexes)
    pk = t.primary_key.columns[0] if t.primary_key else None
    emailish = "email" in c.name.lower() or any(
        "@" in ch.expression and c.name in ch.expression for ch in t.checks)
    if base in ("text", "character varying", "citext", "character"):
        suffix = f" || t0.{quote_ident(pk)}::text" if unique and pk else ""
        text = (f"'erased-'{suffix} || '@invalid.example'" if emailish else
                f"'erased'{suffix}" if suffix else "'erased'")
        limit = parse_type(c.type).params
        return f"left({text}, {limit[0]})" if limit else text
    if base in ("date", "timestamp with time zone", "timestamp without time zone"):
        return "'1900-01-01'"
    if base == "inet":
        return "'0.0.0.0'"
    if base in ("jsonb", "json"):
        return "'{}'"
    if base == "bytea":
        return "''::bytea"
    return "DEFAULT" if c.default else "0"


def _join(path: tuple[ForeignKey, ...], design: Design, start: str) -> tuple[str, str]:
    """(FROM/USING list, WHERE) linking ``start`` (alias t0) to the subject (alias tN) along
    ``path``; the WHERE ends in the subject's primary key = subject_id."""
    aliases, conds = [], []
    current = design.table(start)
    for i, fk in enumerate(path):
        parent = design.table(fk.ref_table)
        assert parent is not None and current is not None
        aliases.append(f"{quote_ident(parent.schema)}.{quote_ident(parent.name)} AS t{i + 1}")
        conds += [f"t{i}.{quote_ident(c)} = t{i + 1}.{quote_ident(rc)}"
                  for c, rc in zip(fk.columns, fk.ref_columns)]
        current = parent
    assert current is not None and current.primary_key is not None
    conds.append(f"t{len(path)}.{quote_ident(current.primary_key.columns[0])} = subject_id")
    return ", ".join(aliases), " AND ".join(conds)


def _blocked_delete(design: Design, t: Table) -> str | None:
    """A foreign key that would refuse deleting rows of ``t`` (RESTRICT / NO ACTION)."""
    for o in design.tables:
        for fk in o.foreign_keys:
            if fk.ref_table == t.name and fk.on_delete.upper() in ("RESTRICT", "NO ACTION"):
                return f"{o.name}.({', '.join(fk.columns)})"
    return None


def privacy_plan(design: Design) -> PrivacyPlan:
    """Tags, erasure steps, the forget/export routines and a retention table (see above)."""
    tags = personal_columns(design)
    subject = _subject(design, tags)
    plan = PrivacyPlan(design, subject, tags)
    if subject is None or design.table(subject) is None:
        plan.unlinked.append("no data-subject table: set privacy.subject in the design")
        return plan
    subject_table = design.table(subject)
    assert subject_table is not None
    declared = dict(design.privacy.erase)
    paths = _paths(design, subject)
    for t in design.tables:
        cols = tuple(c for (tn, c) in tags if tn == t.name)
        if t.name not in paths:
            if cols:
                plan.unlinked.append(f"{t.name} holds personal data ({', '.join(cols)}) but no "
                                     f"foreign key leads from it to {subject}: erase it by "
                                     f"hand, or add the key")
            continue
        if t.name == subject:
            mode = declared.get(t.name, "anonymise")
            reason = ("the subject's own row: personal columns replaced, the key kept so rows "
                      "kept for other duties stay valid") if mode == "anonymise" else \
                "declared in privacy.erase"
        elif t.name in declared:
            mode, reason = declared[t.name], "declared in privacy.erase"
        elif not cols:
            mode, reason = "keep", "no personal columns: nothing to erase once the subject is"
        elif len(cols) * 2 >= len([c for c in t.columns if c.name not in
                                   {x for fk in t.foreign_keys for x in fk.columns}]):
            blocker = _blocked_delete(design, t)
            mode, reason = (("anonymise", f"mostly personal, but {blocker} would refuse a "
                             f"delete") if blocker else
                            ("delete", "its rows only describe the subject"))
        else:
            mode, reason = "anonymise", "mixed: personal columns replaced, the rest kept"
        plan.steps.append(ErasureStep(t.name, mode, paths[t.name], cols, reason))
    plan.steps.sort(key=lambda s: -len(s.path))  # children before parents
    plan.retention = _retention(design, tags, subject)
    routines = [Routine(plan.procedure, _signature(subject_table), _forget_sql(design, plan),
                        kind="procedure"),
                Routine(plan.export_function, _signature(subject_table),
                        _export_sql(design, plan))]
    plan.design = replace(design, routines=(*design.routines, *routines))
    return plan


def _signature(t: Table) -> str:
    pk = t.primary_key.columns[0] if t.primary_key else "id"
    col = t.column(pk)
    return f"subject_id {col.type if col else 'bigint'}"


def _forget_sql(design: Design, plan: PrivacyPlan) -> str:
    subject = design.table(plan.subject or "")
    assert subject is not None
    body = []
    for s in plan.steps:
        t = design.table(s.table)
        assert t is not None
        rel = f"{quote_ident(t.schema)}.{quote_ident(t.name)} AS t0"
        using, where = _join(s.path, design, t.name)
        if s.mode == "delete":
            body.append(f"    DELETE FROM {rel}" + (f" USING {using}" if using else "")
                        + f" WHERE {where};")
        elif s.mode == "anonymise" and s.columns:
            sets = ", ".join(f"{quote_ident(c)} = "
                             f"{_anonymous_value(t, t.column(c), design)}"  # type: ignore[arg-type]
                             for c in s.columns)
            soft = t.intent.soft_delete if t.name == subject.name else None
            if soft and soft not in s.columns:
                sets += f", {quote_ident(soft)} = coalesce(t0.{quote_ident(soft)}, now())"
            body.append(f"    UPDATE {rel} SET {sets}" + (f" FROM {using}" if using else "")
                        + f" WHERE {where};")
    sig = _signature(subject)
    return (f"CREATE PROCEDURE {quote_ident(plan.procedure)}({sig})\nLANGUAGE plpgsql\n"
            f"AS $$\nBEGIN\n" + "\n".join(body) + "\nEND\n$$")


def _export_sql(design: Design, plan: PrivacyPlan) -> str:
    subject = design.table(plan.subject or "")
    assert subject is not None
    parts = []
    for s in sorted(plan.steps, key=lambda s: len(s.path)):
        t = design.table(s.table)
        assert t is not None
        rel = f"{quote_ident(t.schema)}.{quote_ident(t.name)} AS t0"
        using, where = _join(s.path, design, t.name)
        source = rel + (f", {using}" if using else "")
        parts.append(f"'{s.table}', (SELECT coalesce(jsonb_agg(to_jsonb(t0)), '[]') FROM "
                     f"{source} WHERE {where})")
    sig = _signature(subject)
    return (f"CREATE FUNCTION {quote_ident(plan.export_function)}({sig}) RETURNS jsonb\n"
            f"LANGUAGE sql STABLE\nAS $$\n    SELECT jsonb_build_object(\n        "
            + ",\n        ".join(parts) + ")\n$$")


def _retention(design: Design, tags: dict, subject: str) -> list[tuple[str, str, str]]:
    out = []
    for t in design.tables:
        if t.partition_of is not None:
            continue
        personal = any(tn == t.name for tn, _ in tags)
        if t.intent.retention_months:
            rule = (f"{t.intent.retention_months} months", "partition drop or archival "
                    "procedure (see the scale plan)")
        elif personal:
            rule = ("while the subject is active", f"erased with the subject "
                    f"(CALL forget_{subject})")
        else:
            rule = ("as long as the business needs it", "no personal data")
        out.append((t.name, *rule))
    return out

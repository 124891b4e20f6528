"""Bulk inserts of many rows at once: COPY on PostgreSQL, ``bulk_create`` elsewhere.

A scan that opens thousands of alerts writes the alerts, their links and their outbox rows in
its transaction; ``bulk_create`` on PostgreSQL spends most of that time turning the values
into arrays in Python. COPY streams the same rows instead. Like ``bulk_create``: field
defaults and ``auto_now`` apply, no signals, no ``full_clean``; values go to the database as
the model holds them (JSON encoded with the field's encoder), so it suits models of plain
fields — the alert and outbox tables it is used for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction

# below this many rows the plain INSERT is as fast and simpler
COPY_THRESHOLD = 200


class JSONText(str):
    """A JSON field's value already encoded: :func:`copy_rows` sends it as it is."""


def _reader(field: models.Field) -> Callable[[models.Model], Any]:
    """How to get a field's value for COPY: JSON as text, ``auto_now`` stamped, else as is."""
    if isinstance(field, models.JSONField):
        attname, encoder = field.attname, field.encoder

        def json_text(obj):
            value = getattr(obj, attname)
            return None if value is None else json.dumps(value, cls=encoder)

        return json_text
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, add=True)
    attname = field.attname
    return lambda obj: getattr(obj, attname)


def bulk_insert(model: type[models.Model], objs: list[models.Model]) -> list[models.Model]:
    """Insert ``objs`` (new instances of ``model``); they get their primary keys."""
    if connection.vendor != "postgresql" or len(objs) < COPY_THRESHOLD:
        return model.objects.bulk_create(objs, batch_size=1000)
    meta = model._meta
    missing = [obj for obj in objs if obj.pk is None]
    for obj, pk in zip(missing, reserve_ids(model, len(missing)), strict=True):
        obj.pk = pk
    with connection.cursor() as cursor:
        fields = list(meta.concrete_fields)
        readers = [_reader(f) for f in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([read(obj) for read in readers])
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def analyze_tables(*models_: type[models.Model]) -> None:
    """Refresh the planner's statistics of these tables after a bulk load (PostgreSQL only).

    Autovacuum analyzes a table only some time after a large change; until then a query on
    freshly loaded rows is planned on stale or no statistics.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys of ``model``, for rows whose children are written first.

    PostgreSQL: drawn from the table's sequence. Elsewhere (SQLite, where the caller's
    transaction holds the only write lock): the ids after the current largest.
    """
    meta = model._meta
    if not count:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the sequence is looked up once, not once a row (pg_get_serial_sequence reads
            # the catalogue: per row it cost more than nextval itself)
            cursor.execute(
                "SELECT nextval(seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass seq) s,"
                " generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
        return list(range(top + 1, top + 1 + count))


def copy_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> None:
    """Insert plain value tuples (``columns`` are field attnames, the primary key included)
    without building model instances: COPY on PostgreSQL, ``bulk_create`` elsewhere.

    For loads of millions of rows, where a model instance per row costs more than the
    database's work. ``rows`` may be a generator: on PostgreSQL each row is sent as it comes,
    so a load never holds its rows twice. JSON fields take Python values (encoded here with
    the field's encoder) or :class:`JSONText`; fields left out get their defaults; no
    signals, no validation.
    """
    meta = model._meta
    fields = [meta.get_field(c) for c in columns]  # attnames resolve too
    if connection.vendor != "postgresql":
        objs = [
            model(
                **{
                    c: json.loads(v) if isinstance(v, JSONText) else v
                    for c, v in zip(columns, row, strict=True)
                }
            )
            for row in rows
        ]
        if objs:
            model.objects.bulk_create(objs, batch_size=1000)
        return
    missing = [f for f in meta.concrete_fields if f not in fields]
    defaults = tuple(_reader(f)(model()) for f in missing)
    encoders = [(i, f.encoder) for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in [*fields, *missing])
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy,
    ):
        write = copy.write_row
        for row in rows:
            if encoders:
                row = list(row)
                for i, encoder in encoders:
                    if row[i] is not None and not isinstance(row[i], JSONText):
                        row[i] = json.dumps(row[i], cls=encoder)
            write((*row, *defaults))


class IdBlock:
    """New primary keys of one model, handed out here instead of one ``nextval`` a row.

    Made by :func:`sequences_held`, which keeps every other writer off the sequence until
    the transaction ends, so the ids after its first one are this load's alone.
    """

    def __init__(self, first: int) -> None:
        self.first = self.next = first

    def take(self, count: int) -> range:
        ids = range(self.next, self.next + count)
        self.next += count
        return ids


@contextmanager
def sequences_held(*models_: type[models.Model]) -> Iterator[dict[type[models.Model], IdBlock]]:
    """Primary keys for a bulk load of these models, drawn without a ``nextval`` per row.

    PostgreSQL: ``ALTER SEQUENCE`` (a no-op change) takes the sequence's lock, which every
    ``nextval`` of another session waits for until this transaction ends; the ids follow
    the sequence's next value, and the sequence is set past the last one used on the way
    out. For offline loads only: inserts of these models elsewhere wait for the load.
    Elsewhere (SQLite, where the caller's transaction holds the only write lock): the ids
    after the current largest.
    """
    assert transaction.get_connection().in_atomic_block, "hold sequences inside the load"
    blocks, sequences = {}, {}
    with connection.cursor() as cursor:
        for model in models_:
            if connection.vendor != "postgresql":
                top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
                blocks[model] = IdBlock(top + 1)
                continue
            meta = model._meta
            cursor.execute(
                "SELECT s.seqrelid::regclass::text, s.seqincrement FROM pg_sequence s"
                " WHERE s.seqrelid = pg_get_serial_sequence(%s, %s)::regclass",
                [meta.db_table, meta.pk.column],
            )
            sequence, increment = cursor.fetchone()
            assert increment == 1, f"{sequence} counts in steps of {increment}"
            cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
            cursor.execute("SELECT nextval(%s::regclass)", [sequence])
            blocks[model], sequences[model] = IdBlock(cursor.fetchone()[0]), sequence
    yield blocks
    with connection.cursor() as cursor:
        for model, sequence in sequences.items():
            block = blocks[model]
            if block.next > block.first + 1:  # nextval drew the first one already
                cursor.execute("SELECT setval(%s::regclass, %s)", [sequence, block.next - 1])


@contextmanager
def indexes_deferred(*models_: type[models.Model]) -> Iterator[None]:
    """Drop these tables' indexes and constraints for a bulk load and build them again after.

    Building an index once over loaded rows is many times cheaper than updating a dozen
    B-tree and trigram indexes row by row, and adding a foreign key checks every row in one
    join instead of a trigger query a row. Dropped: the plain indexes, the foreign keys of
    these tables, and the primary keys and unique constraints that no other table's foreign
    key rests on (those stay and are checked row by row). Each comes back under its name and
    definition, and PostgreSQL checks the loaded rows as it adds a constraint: a duplicate or
    a dangling reference fails the load, as it would have row by row. PostgreSQL only, and
    inside the load's transaction (DDL is transactional: a failed load leaves everything as
    it was); the tables are locked until the load commits.
    """
    if connection.vendor != "postgresql":
        yield
        return
    assert transaction.get_connection().in_atomic_block, "defer indexes inside the load"
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [tables],
        )
        indexes = cursor.fetchall()
        # keys first, foreign keys last (a foreign key needs the key it references)
        cursor.execute(
            """SELECT c.conrelid::regclass::text, quote_ident(c.conname),
                pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.conrelid = ANY(%s::regclass[])
            AND (c.contype = 'f' OR c.contype IN ('p', 'u') AND NOT EXISTS (
                SELECT 1 FROM pg_constraint f
                WHERE f.contype = 'f' AND f.conindid = c.conindid
                AND NOT f.conrelid = ANY(%s::regclass[])))
            ORDER BY c.contype = 'f', c.conrelid::regclass::text, c.conname""",
            [tables, tables],
        )
        constraints = cursor.fetchall()
        for table, name, _definition in reversed(constraints):
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    keys = [c for c in constraints if not c[2].startswith("FOREIGN KEY")]
    foreign_keys = constraints[len(keys) :]
    with connection.cursor() as cursor:
        # other deferred trigger events (none of these tables' foreign keys: they are
        # dropped) run now: an index cannot be built on a table with pending trigger events
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        # sorts for index builds in memory (the session's default is 64 MB)
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")

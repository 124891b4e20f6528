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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction

# below this many rows the plain INSERT is as fast and simpler
COPY_THRESHOLD = 200


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
    with connection.cursor() as cursor:
        missing = [obj for obj in objs if obj.pk is None]
        if missing:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(missing)],
            )
            for obj, (pk,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = pk
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
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
        return list(range(top + 1, top + 1 + count))


def copy_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """Insert plain value tuples (``columns`` are field attnames, the primary key included)
    without building model instances: COPY on PostgreSQL, ``bulk_create`` elsewhere.

    For loads of millions of rows, where a model instance per row costs more than the
    database's work. JSON fields take Python values (encoded here with the field's encoder);
    fields left out get their defaults; no signals, no validation.
    """
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(c) for c in columns]  # attnames resolve too
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=1000
        )
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
        for row in rows:
            if encoders:
                row = list(row)
                for i, encoder in encoders:
                    if row[i] is not None:
                        row[i] = json.dumps(row[i], cls=encoder)
            copy.write_row((*row, *defaults))


@contextmanager
def indexes_deferred(*models_: type[models.Model]) -> Iterator[None]:
    """Drop these tables' plain indexes for a bulk load and build them again after it.

    Building an index once over loaded rows is many times cheaper than updating a dozen
    B-tree and trigram indexes row by row. PostgreSQL only, and inside the load's
    transaction (DDL is transactional: a failed load leaves the indexes as they were);
    indexes that back a constraint (primary keys, unique) stay, so the load is still checked.
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
        deferred = cursor.fetchall()
        for name, _definition in deferred:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        # the loaded rows' deferred foreign-key checks run now: an index cannot be built
        # on a table with pending trigger events
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in deferred:
            cursor.execute(definition)

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
from collections.abc import Callable
from typing import Any

from django.db import connection, models

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

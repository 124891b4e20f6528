"""Model instances from one fixed SQL statement, for the few reads every request makes.

Building a query through the ORM (``Q`` objects, joins, compiling) costs more CPU than the
database spends answering a lookup by an indexed key; for the reads on every API call
(authentication, a conflict check's index rows) the statement is written once here and its
rows become full instances with ``Model.from_db``, each value passed through the database
converters the ORM's compiler applies (SQLite's dates come back as text, JSON as a string),
so the instances are what the ORM's own query would build, on every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from django.db import connections, models


def _quote(name: str) -> str:
    return connections["default"].ops.quote_name(name)


@cache
def select_list(model: type[models.Model], alias: str) -> str:
    """Every concrete column of ``model`` under ``alias``, in ``from_db``'s order."""
    return ", ".join(f"{alias}.{_quote(f.column)}" for f in model._meta.concrete_fields)


def table(model: type[models.Model], alias: str) -> str:
    return f"{_quote(model._meta.db_table)} {alias}"


def column(model: type[models.Model], alias: str, field: str) -> str:
    name = model._meta.pk.column if field == "pk" else model._meta.get_field(field).column
    return f"{alias}.{_quote(name)}"


def placeholders(count: int) -> str:
    """``%s, %s, …`` for an ``IN`` list of ``count`` values."""
    return ", ".join(["%s"] * count)


_FieldConverters = tuple[object, tuple[Callable, ...]]


@cache
def _converters(db: str, model: type[models.Model]) -> tuple[_FieldConverters, ...]:
    """Per concrete field of ``model``: its column expression and what the ORM's compiler
    calls on the field's raw value (none for most fields on PostgreSQL)."""
    connection = connections[db]
    converters = []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        found = (*connection.ops.get_db_converters(col), *field.get_db_converters(connection))
        converters.append((col, found))
    return tuple(converters)


def instances(
    db: str, row: Sequence, model_types: Sequence[type[models.Model]]
) -> list[models.Model]:
    """One instance per model of a row selected as ``select_list`` of each, in that order."""
    connection = connections[db]
    built = []
    start = 0
    for model in model_types:
        fields = model._meta.concrete_fields
        values = list(row[start : start + len(fields)])
        for index, (col, converters) in enumerate(_converters(db, model)):
            for converter in converters:
                values[index] = converter(values[index], col, connection)
        built.append(model.from_db(db, [f.attname for f in fields], values))
        start += len(fields)
    return built

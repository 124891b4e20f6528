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
def _fields(model: type[models.Model], names: tuple[str, ...] | None) -> tuple:
    concrete = model._meta.concrete_fields
    return tuple(concrete) if names is None else tuple(f for f in concrete if f.name in names)


@cache
def select_list(model: type[models.Model], alias: str, names: tuple[str, ...] | None = None) -> str:
    """Every concrete column of ``model`` under ``alias`` (or only the fields ``names``), in
    ``from_db``'s order."""
    return ", ".join(f"{alias}.{_quote(f.column)}" for f in _fields(model, names))


@cache
def _converters(
    db: str, model: type[models.Model], names: tuple[str, ...] | None
) -> tuple[_FieldConverters, ...]:
    """Per field read of ``model``: its column expression and what the ORM's compiler
    calls on the field's raw value (none for most fields on PostgreSQL)."""
    connection = connections[db]
    converters = []
    for field in _fields(model, names):
        col = field.get_col(model._meta.db_table)
        found = (*connection.ops.get_db_converters(col), *field.get_db_converters(connection))
        converters.append((col, found))
    return tuple(converters)


def instances(
    db: str,
    row: Sequence,
    model_types: Sequence[type[models.Model]],
    names: Sequence[tuple[str, ...] | None] = (),
) -> list[models.Model]:
    """One instance per model of a row selected as ``select_list`` of each, in that order;
    ``names[i]``, when given, the fields selected of the i-th model (the others deferred,
    as ``QuerySet.only`` leaves them)."""
    connection = connections[db]
    built = []
    start = 0
    for index, model in enumerate(model_types):
        read = names[index] if index < len(names) else None
        fields = _fields(model, read)
        values = list(row[start : start + len(fields)])
        for at, (col, converters) in enumerate(_converters(db, model, read)):
            for converter in converters:
                values[at] = converter(values[at], col, connection)
        built.append(model.from_db(db, [f.attname for f in fields], values))
        start += len(fields)
    return built

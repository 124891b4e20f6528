"""Model instances from one fixed SQL statement, for the few reads every request makes.

Building a query through the ORM (``Q`` objects, joins, compiling) costs more CPU than the
database spends answering a lookup by an indexed key; for the reads on every API call
(authentication, a conflict check's index rows) the statement is written once here and its
rows become full instances with ``Model.from_db``, as the ORM's own would be.

PostgreSQL only: psycopg gives every column these models use as its Python value. On other
backends (SQLite gives dates as text) callers keep their ORM query.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connections, models


def raw_rows_supported(db: str) -> bool:
    return connections[db].vendor == "postgresql"


@cache
def select_list(model: type[models.Model], alias: str) -> str:
    """Every concrete column of ``model`` under ``alias``, in ``from_db``'s order.

    Refuses a model with a field that converts what the database returns (a JSON field,
    say): its raw value is not the field's value.
    """
    converting = [f.name for f in model._meta.concrete_fields if hasattr(f, "from_db_value")]
    if converting:
        raise TypeError(f"{model.__name__} fields {converting} convert their database values")
    quote = connections["default"].ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def table(model: type[models.Model], alias: str) -> str:
    return f"{connections['default'].ops.quote_name(model._meta.db_table)} {alias}"


def column(model: type[models.Model], alias: str, field: str) -> str:
    name = model._meta.pk.column if field == "pk" else model._meta.get_field(field).column
    return f"{alias}.{connections['default'].ops.quote_name(name)}"


def instances(
    db: str, row: Sequence, model_types: Sequence[type[models.Model]]
) -> list[models.Model]:
    """One instance per model of a row selected as ``select_list`` of each, in that order."""
    built = []
    start = 0
    for model in model_types:
        fields = model._meta.concrete_fields
        stop = start + len(fields)
        built.append(model.from_db(db, [f.attname for f in fields], row[start:stop]))
        start = stop
    return built

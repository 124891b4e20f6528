"""Writing identity keys: the index rows behind conflicts and priority, and their look-alikes.

Every writer of :class:`IdentityKeyEntry` goes through ``identity_keys_create`` so the
look-alike index (:class:`LookalikeVariant`) is filled in the same transaction: a search run
a moment after a registration commits finds it as a similar match too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.constants import OnConflict

from registry.models import IdentityKeyEntry, LookalikeVariant
from registry.selectors.similar import MAX_INDEXED_LENGTH, lookalike_hashes
from registry.services.bulk import COPY_THRESHOLD

LOAD_CHUNK = 50_000  # folded keys per COPY batch of a bulk load


def _variant_rows(keys: Iterable[tuple[str, str]]) -> list[tuple[int, str]]:
    rows = {
        (variant, folded)
        for scheme, folded in set(keys)
        if len(folded) <= MAX_INDEXED_LENGTH
        for variant in lookalike_hashes(scheme, folded)
    }
    # one order for every writer: two registrations adding the same new key wait on each
    # other's row instead of each holding one the other needs (no deadlock)
    return sorted(rows)


def _copy_rows(rows: list[tuple[int, str]]) -> None:
    """A bulk load: COPY into a scratch table, then insert what the index lacks."""
    table = connection.ops.quote_name(LookalikeVariant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE lookalike_load (variant bigint, folded varchar(200))"
            " ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY lookalike_load (variant, folded) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} (variant, folded) SELECT variant, folded FROM lookalike_load"  # noqa: S608
            " ORDER BY variant, folded ON CONFLICT DO NOTHING"
        )
        cursor.execute("DROP TABLE lookalike_load")


def _insert_rows(rows: list[tuple[int, str]]) -> None:
    """The rows in one statement on PostgreSQL (a registration's ~14 rows per key were one
    statement each: a round trip each); elsewhere one statement run for every row
    (``bulk_create`` would cut them into many on SQLite)."""
    ops = connection.ops
    table = ops.quote_name(LookalikeVariant._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # inserted in the one order every writer uses, as _copy_rows does
            cursor.execute(
                f"INSERT INTO {table} (variant, folded) SELECT variant, folded"  # noqa: S608
                " FROM unnest(%s::bigint[], %s::varchar[]) AS t (variant, folded)"
                " ORDER BY variant, folded ON CONFLICT DO NOTHING",
                [[variant for variant, _f in rows], [folded for _v, folded in rows]],
            )
            return
        insert = ops.insert_statement(on_conflict=OnConflict.IGNORE)
        suffix = ops.on_conflict_suffix_sql([], OnConflict.IGNORE, None, None)
        cursor.executemany(f"{insert} {table} (variant, folded) VALUES (%s, %s) {suffix}", rows)


@transaction.atomic(savepoint=False)  # part of the caller's transaction: no savepoint round trips
def lookalike_index_add(*, keys: Iterable[tuple[str, str]]) -> None:
    """Put ``(scheme, folded)`` keys into the look-alike index; keys already there are kept.

    Keys whose folded value is longer than any searched look-alike can reach are left out.
    """
    keys = list(keys)
    for start in range(0, len(keys), LOAD_CHUNK):
        rows = _variant_rows(keys[start : start + LOAD_CHUNK])
        if connection.vendor == "postgresql" and len(rows) >= COPY_THRESHOLD:
            _copy_rows(rows)
        elif rows:
            _insert_rows(rows)


@transaction.atomic(savepoint=False)  # part of the caller's transaction: no savepoint round trips
def identity_keys_create(
    *, entries: list[IdentityKeyEntry], lookalikes_indexed: bool = False
) -> list[IdentityKeyEntry]:
    """Insert new identity key rows and index their folded values as look-alikes.

    ``lookalikes_indexed``: the caller already put these keys into the look-alike index in
    this transaction (registration does, before its serial step under the ledger head).
    """
    created = IdentityKeyEntry.objects.bulk_create(entries, batch_size=1000)
    if not lookalikes_indexed:
        lookalike_index_add(keys=((e.scheme, e.folded) for e in entries))
    return created

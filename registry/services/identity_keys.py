"""Writing identity keys: the index rows behind conflicts and priority, and their look-alikes.

Every writer of :class:`IdentityKeyEntry` goes through ``identity_keys_create`` so the
look-alike index (:class:`LookalikeVariant`) is filled in the same transaction: a search run
a moment after a registration commits finds it as a similar match too.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import struct
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.constants import OnConflict

from collateral.kinds.base import IdentityKey
from registry.models import IdentityKeyEntry, LookalikeVariant
from registry.selectors.similar import (
    MAX_INDEXED_LENGTH,
    fold_lookalikes,
    lookalike_digests,
    lookalike_hashes,
)
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


def identity_keys_lookalikes_add(keys: Iterable[IdentityKey]) -> None:
    """Put these identity keys' look-alike rows into the index, as a write's first step after
    its key locks and before the ledger head: a row another registration wrote first (and
    that waits for the head) would deadlock with a write holding the head; before the head,
    the index also costs the serial step nothing."""
    lookalike_index_add(keys=((key.scheme, fold_lookalikes(key.value)) for key in keys))


# COPY's binary format: signature, flags, header extension; a row is its field count, then
# each field's length and bytes; -1 as a field count ends the data
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_BINARY_TRAILER = struct.pack("!h", -1)
_VARIANT_FIELD = struct.pack("!hi", 2, 8)  # two fields, the first a bigint's 8 bytes


class LookalikeLoad:
    """The look-alike index of a bulk load into an empty index, written by binary COPY.

    For ``seed_registry``: an empty index cannot conflict with the rows loaded, and the load
    itself gives each ``(scheme, folded)`` once (a value met again, or under another scheme
    with a colliding hash, adds only the rows it lacks), so rows go straight into the table
    without a scratch table, a sort or ``ON CONFLICT``. Each ``(variant, folded)`` row is
    the one :func:`lookalike_index_add` would write: its hash's 8 bytes are the ``bigint``
    itself in COPY's binary format. Rows come in no particular order: the load builds the
    primary key afterwards (``indexes_deferred``), which checks they are distinct.

    Hashing the variants is the load's largest share of Python, and nothing in it needs the
    database: a second process (forked, where the platform forks) hashes one batch while
    this one plans and COPYs the next; the data of each batch comes back as bytes and is
    COPYed here, in the load's transaction. Use it as a context manager (which stops the
    process) and call :meth:`finish` to COPY the last batch.
    """

    def __init__(self) -> None:
        assert connection.vendor == "postgresql", "a binary COPY load"
        assert not LookalikeVariant.objects.exists(), "the index must be empty"
        self.schemes: dict[str, tuple[str, ...]] = {}  # folded value -> schemes indexed
        self.worker: multiprocessing.process.BaseProcess | None = None
        self.pending = False  # a batch sent to the worker and not COPYed yet

    def __enter__(self) -> LookalikeLoad:
        if "fork" in multiprocessing.get_all_start_methods():
            # forked, the worker has everything imported and never touches the connection
            self.pipe, child = multiprocessing.Pipe()
            self.worker = multiprocessing.get_context("fork").Process(
                target=self._serve, args=(child,), daemon=True
            )
            self.worker.start()
            child.close()
        return self

    def __exit__(self, *exc) -> None:
        if self.worker is not None:
            with contextlib.suppress(OSError):
                self.pipe.send(None)
            self.pipe.close()
            self.worker.join(timeout=10)
            if self.worker.is_alive():
                self.worker.terminate()
            self.worker = None

    def _serve(self, pipe) -> None:
        """The worker: batches of keys in, their COPY data (or the error) out."""
        while (keys := pipe.recv()) is not None:
            try:
                pipe.send(self.rows(keys))
            except Exception as error:  # handed to the loading process, which raises it
                pipe.send(error)

    def rows(self, keys: Iterable[tuple[str, str]]) -> bytes:
        """The binary COPY data (header to trailer) of the keys not indexed yet."""
        out = [_BINARY_HEADER]
        schemes = self.schemes
        for scheme, folded in keys:
            known = schemes.get(folded, ())
            if scheme in known or len(folded) > MAX_INDEXED_LENGTH:
                continue
            schemes[folded] = (*known, scheme)
            digests = lookalike_digests(scheme, folded)
            for other in known:  # the same folded value under another scheme
                digests -= lookalike_digests(other, folded)
            encoded = folded.encode()
            tail = struct.pack("!i", len(encoded)) + encoded
            for digest in digests:
                out += (_VARIANT_FIELD, digest, tail)
        out.append(_BINARY_TRAILER)
        return b"".join(out)

    def add(self, keys: Iterable[tuple[str, str]]) -> None:
        """Index ``(scheme, folded)`` keys of the load (with a worker: the previous batch's
        rows are COPYed now, these keys' with the next call or :meth:`finish`)."""
        if self.worker is None:
            self._write(self.rows(keys))
            return
        keys = list(keys)
        self.finish()  # first: the worker sends nothing more until it has the next batch
        self.pipe.send(keys)
        self.pending = True

    def finish(self) -> None:
        """COPY what the worker has still to hand back."""
        if self.pending:
            self.pending = False
            data = self.pipe.recv()
            if isinstance(data, Exception):
                raise data
            self._write(data)

    @staticmethod
    def _write(data: bytes) -> None:
        table = connection.ops.quote_name(LookalikeVariant._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {table} (variant, folded) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.write(data)


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

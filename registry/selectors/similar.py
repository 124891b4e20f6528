"""Look-alike identifiers: the altered receipt or certificate number that slips past a search.

Two values are *similar* when, after folding characters that read alike (the Unicode UTS #39
skeleton, then O/0, I/L/1, Z/2, S/5, B/8), they are equal or one edit apart. Similar matches
are shown to the searcher and never counted as duplicates.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import F, Lookup, Q, Value

from collateral.identifiers import LOOKALIKE_DIGITS, normalize_text
from collateral.kinds.base import IdentityKey
from collateral.text import skeleton
from registry.models import IdentityKeyEntry, LookalikeVariant


@lru_cache(maxsize=65536)
def fold_lookalikes(value: str) -> str:
    """Fold characters that are easily confused or altered into one representative.

    The Unicode UTS #39 skeleton of the cleaned, upper-cased value (Cyrillic ``А`` reads as
    Latin ``A``, ``0`` as ``O``), then the registry's own folds of characters altered by hand.
    A pure function of its text, so it is memoized: a search compares every candidate
    with the searched keys, and the skeleton is the costly part of that.
    """
    return skeleton(normalize_text(value).upper()).upper().translate(LOOKALIKE_DIGITS)


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one substitution, insertion or deletion."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


# No registry number is this long: a longer searched value is not looked up as a look-alike,
# so stored values one longer than this are the longest that can ever be found.
MAX_SIMILAR_LENGTH = 64
MAX_INDEXED_LENGTH = MAX_SIMILAR_LENGTH + 1
CHUNK = 900  # bound parameters per query (SQLite's limit is 999)


def deletion_variants(folded: str) -> set[str]:
    """``folded`` and every string one deletion away from it: its deletion neighbourhood.

    Two strings are within one substitution, insertion or deletion only if their
    neighbourhoods intersect (the converse does not hold: ``AB`` and ``BA`` share ``A``),
    so the neighbourhood finds every look-alike and ``within_one_edit`` keeps the true ones.
    """
    return {folded} | {folded[:i] + folded[i + 1 :] for i in range(len(folded))}


def variant_digest(scheme: str, variant: str) -> bytes:
    """The 8 bytes of one variant's hash: a ``bigint``'s big-endian two's complement."""
    return hashlib.blake2b(f"{scheme}\x1f{variant}".encode(), digest_size=8).digest()


def lookalike_digests(scheme: str, folded: str) -> set[bytes]:
    """:func:`lookalike_hashes` as their 8 bytes each (what a binary COPY sends)."""
    return {variant_digest(scheme, variant) for variant in deletion_variants(folded)}


def lookalike_hashes(scheme: str, folded: str) -> set[int]:
    """The look-alike index keys of a folded value: its neighbourhood, hashed per scheme."""
    return {int.from_bytes(d, "big", signed=True) for d in lookalike_digests(scheme, folded)}


def is_similar(candidate: str, key: IdentityKey) -> bool:
    return candidate != key.value and within_one_edit(
        fold_lookalikes(candidate), fold_lookalikes(key.value)
    )


# What a search reads of a matching index row (its order, its key, its registration): a
# search looks at dozens of look-alike candidates, and their other dates cost more to read.
MATCH_FIELDS = (
    "id",
    "scheme",
    "value",
    "folded",
    "registration",
    "effective_at",
    "effective_sequence",
)


def similar_entries(keys: list[IdentityKey], *, live: Q | None = None) -> list[IdentityKeyEntry]:
    """Index rows whose value is similar (not equal) to one of ``keys``, with only
    ``MATCH_FIELDS`` loaded; ``live`` narrows the rows looked at (e.g. to live entries)."""
    return exact_and_similar_entries(keys, live=live)[1]


def exact_and_similar_entries(
    keys: list[IdentityKey], *, exact: Q | None = None, live: Q | None = None
) -> tuple[list[IdentityKeyEntry], list[IdentityKeyEntry]]:
    """The index rows matching ``exact``, and those whose value is similar (not equal) to
    one of ``keys``: one round trip, each list in priority order (effective time, ledger
    sequence, id), with only ``MATCH_FIELDS`` loaded. A row may be in both lists.

    One query per ~900 probes (a search has a handful of keys, each ~len+1 probes): the
    look-alike index gives the folded values that share a deletion variant with a searched
    one, the (scheme, folded) index their entries, and ``within_one_edit`` the true matches;
    the first query also reads the ``exact`` rows (``UNION ALL``, each part tagged), where
    a search used to spend a second query compiled and sent on its own. ``live`` narrows
    the rows looked at in both.
    """
    live = live if live is not None else Q()
    folded_keys = [(key, fold_lookalikes(key.value)) for key in keys]
    hashes: set[int] = set()
    for key, folded in folded_keys:
        if len(folded) <= MAX_SIMILAR_LENGTH:
            hashes |= lookalike_hashes(key.scheme, folded)
    schemes = {key.scheme for key in keys}
    probes = sorted(hashes)
    # rows come back as plain values (dozens of candidates per search share a deletion
    # variant, few are one edit away); only the rows kept become model instances
    columns = [f.attname for f in IdentityKeyEntry._meta.concrete_fields if f.name in MATCH_FIELDS]
    scheme_at, value_at, folded_at = (columns.index(c) for c in ("scheme", "value", "folded"))
    exact_found: dict[int, IdentityKeyEntry] = {}
    similar_found: dict[int, IdentityKeyEntry] = {}
    chunks = [probes[start : start + CHUNK] for start in range(0, len(probes), CHUNK)]
    for index in range(max(len(chunks), 1 if exact is not None else 0)):
        parts = []
        if index < len(chunks):
            parts.append(
                IdentityKeyEntry.objects.filter(live, _neighbours_q(schemes, chunks[index]))
                .annotate(exact_part=Value(False))
                .values_list(*columns, "exact_part")
            )
        if index == 0 and exact is not None:
            parts.append(
                IdentityKeyEntry.objects.filter(live, exact)
                .annotate(exact_part=Value(True))
                .values_list(*columns, "exact_part")
            )
        query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for *row, exact_part in query:
            if exact_part:
                found = exact_found
            elif any(
                key.scheme == row[scheme_at]
                and key.value != row[value_at]
                and within_one_edit(row[folded_at], folded)
                for key, folded in folded_keys
            ):
                found = similar_found
            else:
                continue
            entry = IdentityKeyEntry.from_db(query.db, columns, row)
            found[entry.pk] = entry
    return _by_priority(exact_found), _by_priority(similar_found)


def _neighbours_q(schemes: set[str], probes: list[int]) -> Q:
    """Index rows of ``schemes`` whose folded value has one of the look-alike ``probes``.

    On PostgreSQL the folded values are an array built first (``= ANY(ARRAY(SELECT …))``, an
    InitPlan), so the rows are always read through the (scheme, folded) index: as an ``IN``
    subquery the planner misjudged how many folded values a long probe list gives (238
    estimated, 15 read) and hashed every row of the schemes instead — 12–17 ms for a
    search that needs 1.
    """
    neighbours = LookalikeVariant.objects.filter(variant__in=probes).values("folded")
    if connections[neighbours.db].vendor != "postgresql":
        return Q(scheme__in=schemes, folded__in=neighbours)
    return Q(scheme__in=schemes) & Q(_AnyOf(F("folded"), ArraySubquery(neighbours)))


class _AnyOf(Lookup):
    """``lhs = ANY(rhs)``: the value is one of an array's elements (PostgreSQL)."""

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def _by_priority(found: dict[int, IdentityKeyEntry]) -> list[IdentityKeyEntry]:
    return sorted(found.values(), key=lambda e: (e.effective_at, e.effective_sequence, e.pk))

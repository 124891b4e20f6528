"""Look-alike identifiers: the altered receipt or certificate number that slips past a search.

Two values are *similar* when, after folding characters that read alike (O/0, I/L/1, Z/2,
S/5, B/8), they are equal or one edit apart. Similar matches are shown to the searcher and
never counted as duplicates.
"""

from __future__ import annotations

from django.contrib.postgres.search import TrigramDistance
from django.db import connection
from django.db.models import Q

from collateral.kinds.base import IdentityKey
from registry.models import IdentityKeyEntry

_FOLD = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"}
)


def fold_lookalikes(value: str) -> str:
    """Fold characters that are easily confused or altered into one representative."""
    return value.upper().translate(_FOLD)


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


# Nearest values looked at per searched key on PostgreSQL. Values one edit away share all but
# at most three trigrams, so they come first in trigram distance; 50 leaves ample room.
NEAREST = 50


def _candidates_postgres(key: IdentityKey, live: Q) -> list[int]:
    """Ids of the values nearest to ``key`` by trigram distance (GiST index, KNN order)."""
    folded = fold_lookalikes(key.value)
    return list(
        IdentityKeyEntry.objects.filter(live)
        .exclude(value=key.value)
        .alias(distance=TrigramDistance("folded", folded))
        .order_by("distance")
        .values_list("id", flat=True)[:NEAREST]
    )


def _candidates_q(key: IdentityKey) -> Q:
    """One edit leaves the first or the last half of a string intact: a prefix-or-suffix
    match finds every candidate (a scan, acceptable on the development database)."""
    folded = fold_lookalikes(key.value)
    half = max(len(folded) // 2, 1)
    return Q(scheme=key.scheme) & (
        Q(folded__startswith=folded[:half]) | Q(folded__endswith=folded[-half:])
    )


def is_similar(candidate: str, key: IdentityKey) -> bool:
    return candidate != key.value and within_one_edit(
        fold_lookalikes(candidate), fold_lookalikes(key.value)
    )


def similar_entries(keys: list[IdentityKey], *, live: Q | None = None) -> list[IdentityKeyEntry]:
    """Index rows whose value is similar (not equal) to one of ``keys``.

    ``live`` narrows the rows looked at (e.g. to live entries) before the nearest are taken.
    """
    if not keys:
        return []
    live = live if live is not None else Q()
    if connection.vendor == "postgresql":
        # Keys of several schemes often share one value (a number that could be a trademark
        # or a copyright): one nearest-neighbour query per distinct value.
        distinct = {fold_lookalikes(k.value): k for k in keys}.values()
        ids = {pk for key in distinct for pk in _candidates_postgres(key, live)}
        candidates = IdentityKeyEntry.objects.filter(pk__in=ids)
    else:
        q = Q()
        for key in keys:
            q |= _candidates_q(key)
        candidates = IdentityKeyEntry.objects.filter(live & q)
    return [
        entry
        for entry in candidates
        if any(is_similar(entry.value, k) for k in keys if k.scheme == entry.scheme)
    ]

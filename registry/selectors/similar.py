"""Look-alike identifiers: the altered receipt or certificate number that slips past a search.

Two values are *similar* when, after folding characters that read alike (O/0, I/L/1, Z/2,
S/5, B/8), they are equal or one edit apart. Similar matches are shown to the searcher and
never counted as duplicates.
"""

from __future__ import annotations

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


def similar_entries_q(key: IdentityKey) -> Q:
    """Candidate rows for values similar to ``key``, narrowed by an index on each backend.

    One edit leaves either the first or the last half of the string intact, so on SQLite a
    prefix-or-suffix match finds every candidate; on PostgreSQL the trigram index on the
    folded value does (one edit changes at most three trigrams).
    """
    folded = fold_lookalikes(key.value)
    if connection.vendor == "postgresql":
        return Q(scheme=key.scheme, folded__trigram_similar=folded)
    half = max(len(folded) // 2, 1)
    return Q(scheme=key.scheme) & (
        Q(folded__startswith=folded[:half]) | Q(folded__endswith=folded[-half:])
    )


def is_similar(candidate: str, key: IdentityKey) -> bool:
    return candidate != key.value and within_one_edit(
        fold_lookalikes(candidate), fold_lookalikes(key.value)
    )


def similar_entries(keys: list[IdentityKey]) -> list[IdentityKeyEntry]:
    """Index rows whose value is similar (not equal) to one of ``keys``."""
    if not keys:
        return []
    q = Q()
    for key in keys:
        q |= similar_entries_q(key)
    candidates = IdentityKeyEntry.objects.filter(q).select_related("registration")
    return [
        e for e in candidates if any(is_similar(e.value, k) for k in keys if k.scheme == e.scheme)
    ]

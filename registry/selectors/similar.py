"""Look-alike identifiers: the altered receipt or certificate number that slips past a search.

Two values are *similar* when, after folding characters that read alike (the Unicode UTS #39
skeleton, then O/0, I/L/1, Z/2, S/5, B/8), they are equal or one edit apart. Similar matches
are shown to the searcher and never counted as duplicates.
"""

from __future__ import annotations

from django.db.models import Q

from collateral.identifiers import normalize_text
from collateral.kinds.base import IdentityKey
from collateral.text import skeleton
from registry.models import IdentityKeyEntry

_FOLD = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"}
)


def fold_lookalikes(value: str) -> str:
    """Fold characters that are easily confused or altered into one representative.

    The Unicode UTS #39 skeleton of the cleaned, upper-cased value (Cyrillic ``А`` reads as
    Latin ``A``, ``0`` as ``O``), then the registry's own folds of characters altered by hand.
    """
    return skeleton(normalize_text(value).upper()).upper().translate(_FOLD)


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


# What folded identifiers are made of: digits, the letters folding keeps, separators.
_ALPHABET = frozenset("0123456789ACEFGHJKMNPRTUVWXY-:./()")
CHUNK = 2000
MAX_SIMILAR_LENGTH = 64


def one_edit_variants(folded: str) -> set[str]:
    """Every string one substitution, insertion or deletion away from ``folded`` (and itself).

    The alphabet is what identifiers are written with plus the characters of ``folded``, so
    the set is a few hundred to two thousand strings: looked up in the (scheme, folded) index,
    that finds every look-alike exactly, whatever prefix the registry's numbers share.
    """
    alphabet = _ALPHABET | set(folded)
    variants = {folded}
    for i in range(len(folded) + 1):
        head, tail = folded[:i], folded[i:]
        variants.update(head + c + tail for c in alphabet)
        if tail:
            variants.add(head + tail[1:])
            variants.update(head + c + tail[1:] for c in alphabet)
    return variants


def is_similar(candidate: str, key: IdentityKey) -> bool:
    return candidate != key.value and within_one_edit(
        fold_lookalikes(candidate), fold_lookalikes(key.value)
    )


def similar_entries(keys: list[IdentityKey], *, live: Q | None = None) -> list[IdentityKeyEntry]:
    """Index rows whose value is similar (not equal) to one of ``keys``.

    ``live`` narrows the rows looked at (e.g. to live entries).
    """
    live = live if live is not None else Q()
    schemes_by_variant: dict[str, set[str]] = {}
    for key in keys:
        folded = fold_lookalikes(key.value)
        if len(folded) > MAX_SIMILAR_LENGTH:
            continue  # no registry number is this long; variants would only cost memory
        for variant in one_edit_variants(folded):
            schemes_by_variant.setdefault(variant, set()).add(key.scheme)
    schemes = {key.scheme for key in keys}
    variants = sorted(schemes_by_variant)
    found: list[IdentityKeyEntry] = []
    for start in range(0, len(variants), CHUNK):
        found.extend(
            IdentityKeyEntry.objects.filter(
                live, scheme__in=schemes, folded__in=variants[start : start + CHUNK]
            )
        )
    return [
        entry
        for entry in found
        if any(is_similar(entry.value, k) for k in keys if k.scheme == entry.scheme)
    ]

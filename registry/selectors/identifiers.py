"""The registry's door to identifier resolution: typed text → keys → index rows.

Every query that takes a typed identifier (search, priority, conflict checks, certificates)
resolves it here, so they all agree on what the text can denote.
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Reverse
from django.db.models.lookups import StartsWith

from collateral.resolution import LookupKey, UnresolvedIdentifier, resolve_identifier
from registry.exceptions import InvalidInput
from registry.models import IdentityKeyEntry


def identifier_resolve(
    *, identifier: str, kind: str = "", scheme: str = "", lookalikes: bool = False
) -> list[LookupKey]:
    """The keys ``identifier`` may denote; a 400 naming the accepted schemes if it fits none.
    ``lookalikes``: also those of text with a key's form whose check fails (searches only)."""
    try:
        return resolve_identifier(identifier, kind=kind, scheme=scheme, lookalikes=lookalikes)
    except UnresolvedIdentifier as exc:
        raise InvalidInput(extra={exc.field: [exc.message]}) from None


def lookup_q(keys: list[LookupKey]) -> Q:
    """Index rows holding any of ``keys`` (a partial key: any value ending with it)."""
    condition = Q(pk__in=[])
    for key in keys:
        if key.partial:
            # "ends with" as "the reversed value starts with": on PostgreSQL an index on
            # (scheme, reverse(value)) answers it (migration 0008), not a scan of the scheme.
            condition |= Q(scheme=key.scheme) & Q(StartsWith(Reverse("value"), key.value[::-1]))
        else:
            condition |= Q(scheme=key.scheme, value=key.value)
    return condition


def matching_lookup(entry: IdentityKeyEntry, keys: list[LookupKey]) -> LookupKey | None:
    """The first of ``keys`` an index row matches exactly, if any."""
    for key in keys:
        if key.scheme == entry.scheme and key.matches(entry.value):
            return key
    return None

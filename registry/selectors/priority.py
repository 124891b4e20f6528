"""Reads over the identity index: who ranks where on which collateral."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.db import connections
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from collateral.kinds.base import IdentityKey
from registry.exceptions import InvalidInput
from registry.models import IdentityKeyEntry, Organization, Registration
from registry.selectors import rows
from registry.selectors.as_of import entries_live_at_q, live_at
from registry.selectors.identifiers import identifier_resolve, lookup_q

# Keeps each IN list well under every backend's bound-parameter limit.
CHUNK = 900


@dataclass
class Conflict:
    """A prior active registration sharing identity keys with the collateral in question."""

    registration: Registration
    effective_at: datetime
    rank: int
    matched: list[IdentityKey] = field(default_factory=list)


@dataclass(frozen=True)
class RankedEntry:
    rank: int
    registration: Registration
    effective_at: datetime
    sequence: int


def live_entries_q(now: datetime) -> Q:
    return Q(released_at__isnull=True, expires_at__gt=now)


def live_entries_for_keys(
    keys: Iterable[IdentityKey], *, now: datetime | None = None
) -> list[IdentityKeyEntry]:
    """Every live index row on any of ``keys``, with its registration and secured party:
    one indexed query per chunk of keys, each an OR of one ``scheme = … AND value IN (…)``
    per scheme (a conflict check's items of several kinds are one query, not one per
    scheme)."""
    now = now or timezone.now()
    ordered = sorted({(key.scheme, key.value) for key in keys})
    entries: list[IdentityKeyEntry] = []
    for start in range(0, len(ordered), CHUNK):
        by_scheme: dict[str, list[str]] = defaultdict(list)
        for scheme, value in ordered[start : start + CHUNK]:
            by_scheme[scheme].append(value)
        entries.extend(_live_entries(by_scheme, now))
    return entries


def _live_entries(by_scheme: dict[str, list[str]], now: datetime) -> list[IdentityKeyEntry]:
    """The query ``live_entries_q(now)`` and the keys make, with registration and secured
    party, as one fixed statement (``registry.selectors.rows``): compiling it through the
    ORM cost more CPU than the rest of a conflict check's lookup."""
    db = IdentityKeyEntry.objects.db
    connection = connections[db]
    schemes = sorted(by_scheme)
    entry = IdentityKeyEntry
    on_keys = " OR ".join(
        f"({rows.column(entry, 'e', 'scheme')} = %s"
        f" AND {rows.column(entry, 'e', 'value')} IN ({rows.placeholders(len(by_scheme[s]))}))"
        for s in schemes
    )
    params: list = [connection.ops.adapt_datetimefield_value(now)]
    for scheme in schemes:
        params += [scheme, *by_scheme[scheme]]
    models = (IdentityKeyEntry, Registration, Organization)
    built = []
    with connection.cursor() as cursor:
        cursor.execute(f"{_live_entries_sql()} AND ({on_keys})", params)
        for row in cursor.fetchall():
            found, registration, secured_party = rows.instances(db, row, models)
            registration.secured_party = secured_party
            found.registration = registration
            built.append(found)
    return built


@cache
def _live_entries_sql() -> str:
    """``live_entries_q``'s rule (not released, expiring after the moment given), joined."""
    entry, registration, party = IdentityKeyEntry, Registration, Organization
    return (
        f"SELECT {rows.select_list(entry, 'e')}, {rows.select_list(registration, 'r')},"  # noqa: S608 - names from the models
        f" {rows.select_list(party, 'o')}"
        f" FROM {rows.table(entry, 'e')}"
        f" INNER JOIN {rows.table(registration, 'r')}"
        f" ON {rows.column(registration, 'r', 'pk')} = {rows.column(entry, 'e', 'registration')}"
        f" INNER JOIN {rows.table(party, 'o')}"
        f" ON {rows.column(party, 'o', 'pk')} = {rows.column(registration, 'r', 'secured_party')}"
        f" WHERE {rows.column(entry, 'e', 'released_at')} IS NULL"
        f" AND {rows.column(entry, 'e', 'expires_at')} > %s"
    )


def rank_entries(entries: Iterable[IdentityKeyEntry]) -> dict[IdentityKey, list[RankedEntry]]:
    """Per key, the entries by effective time, the ledger sequence breaking ties."""
    grouped: dict[IdentityKey, list[IdentityKeyEntry]] = defaultdict(list)
    for entry in entries:
        grouped[IdentityKey(entry.scheme, entry.value)].append(entry)
    ranked: dict[IdentityKey, list[RankedEntry]] = {}
    for key, group in grouped.items():
        group.sort(key=lambda e: (e.effective_at, e.effective_sequence, e.pk))
        ranked[key] = [
            RankedEntry(i, e.registration, e.effective_at, e.effective_sequence)
            for i, e in enumerate(group, start=1)
        ]
    return ranked


def conflicts_for_keys(
    keys: Iterable[IdentityKey],
    *,
    exclude_registration_id: int | None = None,
    now: datetime | None = None,
) -> list[Conflict]:
    """Active registrations holding any of ``keys``, best priority first.

    Each conflict carries the keys it matched and its best rank among them.
    """
    return conflicts_from_entries(
        live_entries_for_keys(set(keys), now=now), exclude_registration_id=exclude_registration_id
    )


def conflicts_from_entries(
    entries: Iterable[IdentityKeyEntry],
    *,
    exclude_registration_id: int | None = None,
    now: datetime | None = None,
) -> list[Conflict]:
    """The conflicts ``live_entries_for_keys`` rows make, best priority first; with ``now``,
    only rows still live at that moment count (rows read a moment before it)."""
    if now is not None:
        entries = [e for e in entries if e.released_at is None and e.expires_at > now]
    ranked = rank_entries(entries)
    conflicts: dict[int, Conflict] = {}
    for key in sorted(ranked):
        for entry in ranked[key]:
            registration = entry.registration
            if registration.pk == exclude_registration_id:
                continue
            conflict = conflicts.get(registration.pk)
            if conflict is None:
                conflict = conflicts[registration.pk] = Conflict(
                    registration, entry.effective_at, entry.rank
                )
            elif entry.rank < conflict.rank:
                conflict.rank, conflict.effective_at = entry.rank, entry.effective_at
            conflict.matched.append(key)
    return sorted(conflicts.values(), key=lambda c: (c.effective_at, c.rank, c.registration.number))


def priority_ranking(
    key: IdentityKey, *, now: datetime | None = None, as_of: datetime | None = None
) -> list[RankedEntry]:
    """The active registrations on one identity key, rank 1 first (as it stood at ``as_of``)."""
    if as_of is None:
        return rank_entries(live_entries_for_keys([key], now=now)).get(key, [])
    entries = list(
        IdentityKeyEntry.objects.filter(
            entries_live_at_q(as_of), scheme=key.scheme, value=key.value
        ).select_related("registration__secured_party")
    )
    return rank_entries(live_at(entries, as_of)).get(key, [])


@dataclass
class PriorityAnswer:
    """The key a priority query ranked on and its ranking."""

    kind: str
    scheme: str
    identifier: str
    ranking: list[RankedEntry]
    as_of: datetime | None = None


def priority_query(
    *, identifier: str, kind: str, scheme: str = "", as_of: datetime | None = None
) -> PriorityAnswer:
    """Resolve ``identifier`` to the key it denotes (a unit number by its form, a bare receipt
    number to the one stored receipt it names) and rank the registrations on it."""
    key = identifier_resolve(identifier=identifier, kind=kind, scheme=scheme)[0]
    identity_key = key.identity_key
    if key.partial:
        values = sorted(
            set(IdentityKeyEntry.objects.filter(lookup_q([key])).values_list("value", flat=True))
        )
        if len(values) > 1:
            raise InvalidInput(
                extra={
                    "identifier": [
                        _(
                            "Receipt number %(number)s is registered under several issuers "
                            "(%(keys)s): give it as ISSUER:NUMBER."
                        )
                        % {"number": key.shown_value, "keys": ", ".join(values)}
                    ]
                }
            )
        if not values:
            return PriorityAnswer(kind, key.scheme, key.shown_value, [], as_of)
        identity_key = IdentityKey(key.scheme, values[0])
    ranking = priority_ranking(identity_key, as_of=as_of)
    return PriorityAnswer(kind, identity_key.scheme, identity_key.value, ranking, as_of)


def conflicts_for_identifiers(
    identifiers: list[dict[str, str]], *, now: datetime | None = None
) -> list[Conflict]:
    """Active registrations on typed identifiers (``{"identifier", "kind"?, "scheme"?}``),
    resolved as a search resolves them; a bare receipt number checks every issuer's."""
    now = now or timezone.now()
    keys: set[IdentityKey] = set()
    for typed in identifiers:
        for key in identifier_resolve(
            identifier=typed["identifier"],
            kind=typed.get("kind", ""),
            scheme=typed.get("scheme", ""),
        ):
            if key.partial:
                stored = IdentityKeyEntry.objects.filter(lookup_q([key]), live_entries_q(now))
                keys.update(IdentityKey(s, v) for s, v in stored.values_list("scheme", "value"))
            else:
                keys.add(key.identity_key)
    return conflicts_for_keys(keys, now=now)

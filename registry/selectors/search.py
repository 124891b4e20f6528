"""Search of the public notices: by identifier, by grantor ID, by grantor name."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import TrigramWordDistance
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
from django.utils import timezone

from collateral.choices import GrantorIdType
from collateral.grantors import mask_id_number, normalize_id_number, normalize_uscc
from collateral.identifiers import IdentifierError, fold_identifier, normalize_text
from collateral.kinds.base import IdentityKey
from collateral.resolution import LookupKey
from registry.choices import MatchType
from registry.models import IdentityKeyEntry, Registration, SearchLog
from registry.selectors.as_of import (
    entries_current_at_q,
    entries_live_at_q,
    live_at,
    registrations_active_at,
    registrations_as_of,
)
from registry.selectors.explain import explain_field_match, explain_key_match
from registry.selectors.identifiers import identifier_resolve, lookup_q, matching_lookup
from registry.selectors.priority import live_entries_q
from registry.selectors.registrations import registrations_with_items
from registry.selectors.similar import is_similar, similar_entries

MAX_RESULTS = 200
GRANTOR_NAME_MIN_SIMILARITY = 0.3


@dataclass
class SearchHit:
    """One registration found, how it matched, on which keys, and why (``explanations``)."""

    registration: Registration
    match: str
    matched: list[IdentityKey] = field(default_factory=list)
    explanations: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SearchQuery:
    """What was searched for; the fields of ``GET search/`` and of a search certificate.

    ``as_of`` asks for the registry as it stood at that moment; ``purpose`` is why the
    searcher searched (recorded in the search log, not part of what is matched).
    """

    identifier: str = ""
    kind: str = ""
    scheme: str = ""
    grantor_id: str = ""
    grantor_name: str = ""
    registration_number: str = ""
    include_inactive: bool = False
    as_of: datetime | None = None
    purpose: str = ""

    def as_dict(self) -> dict:
        data = {
            k: v
            for k, v in self.__dict__.items()
            if v not in ("", None) and k not in ("purpose", "as_of")
        }
        data["include_inactive"] = self.include_inactive
        if self.as_of is not None:
            data["as_of"] = self.as_of.isoformat()
        return data


def _normalize(text: str) -> str:
    """As registration normalizes names: NFKC, invisible characters dropped, spaces folded."""
    return normalize_text(text)


def _load(registration_ids: list[int], as_of: datetime | None) -> dict[int, Registration]:
    if as_of is not None:
        return registrations_as_of(registration_ids, as_of)
    rows = registrations_with_items(Registration.objects.filter(pk__in=registration_ids))
    return {r.pk: r for r in rows}


def _exact_entries(query: SearchQuery, keys: list[LookupKey], now: datetime) -> list:
    exact = IdentityKeyEntry.objects.filter(lookup_q(keys))
    at = query.as_of
    if at is not None:
        exact = exact.filter(
            entries_current_at_q(at) if query.include_inactive else entries_live_at_q(at)
        )
    elif query.include_inactive:
        exact = exact.filter(item__removed_at__isnull=True)  # items current, any status
    else:
        exact = exact.filter(live_entries_q(now))
    rows = list(exact.order_by("effective_at", "effective_sequence", "id")[: MAX_RESULTS * 4])
    if at is not None and not query.include_inactive:
        rows = live_at(rows, at)
    return rows


def _similar_entries(query: SearchQuery, keys: list[LookupKey], now: datetime) -> list:
    full_keys = [k.identity_key for k in keys if not k.partial]
    at = query.as_of
    if at is not None:
        live = entries_current_at_q(at) if query.include_inactive else entries_live_at_q(at)
    else:
        live = Q(item__removed_at__isnull=True) if query.include_inactive else live_entries_q(now)
    rows = similar_entries(full_keys, live=live)
    if at is not None and not query.include_inactive:
        rows = live_at(rows, at)
    rows.sort(key=lambda e: (e.effective_at, e.effective_sequence, e.pk))
    return rows


def _search_identifier(query: SearchQuery, now: datetime) -> list[SearchHit]:
    keys = identifier_resolve(identifier=query.identifier, kind=query.kind, scheme=query.scheme)
    exact_rows = _exact_entries(query, keys, now)
    similar_rows = _similar_entries(query, keys, now)
    registrations = _load([e.registration_id for e in exact_rows + similar_rows], query.as_of)
    ordered: dict[int, SearchHit] = {}
    for rows, match in ((exact_rows, MatchType.EXACT), (similar_rows, MatchType.SIMILAR)):
        for entry in rows:
            registration = registrations.get(entry.registration_id)
            if registration is None:
                continue
            hit = ordered.get(entry.registration_id)
            if hit is None:
                hit = ordered[entry.registration_id] = SearchHit(registration, match)
            if hit.match != match:
                continue
            stored = IdentityKey(entry.scheme, entry.value)
            if stored not in hit.matched:
                hit.matched.append(stored)
            key = matching_lookup(entry, keys) or _similar_key(entry, keys)
            if key is not None:
                hit.explanations.append(explain_key_match(key, entry.value))
    return list(ordered.values())[:MAX_RESULTS]


def _similar_key(entry: IdentityKeyEntry, keys: list[LookupKey]) -> LookupKey | None:
    for key in keys:
        if (
            not key.partial
            and key.scheme == entry.scheme
            and is_similar(entry.value, key.identity_key)
        ):
            return key
    return None


def _search_registration_number(query: SearchQuery, now: datetime) -> list[SearchHit]:
    number = fold_identifier(query.registration_number)
    pk = Registration.objects.filter(number=number).values_list("pk", flat=True).first()
    registration = _load([pk], query.as_of).get(pk) if pk is not None else None
    if registration is None:
        return []
    if not query.include_inactive and not registration.is_active(query.as_of or now):
        return []
    explanation = explain_field_match(
        field="registration_number", query=number, stored=registration.number, how="exact"
    )
    return [SearchHit(registration, MatchType.EXACT, explanations=[explanation])]


def grantor_id_candidates(text: str) -> set[str]:
    """The stored forms a typed grantor ID may have: as a USCC, a resident ID, or as typed."""
    candidates = {_normalize(text).upper()}
    for id_type in (GrantorIdType.USCC, GrantorIdType.RESIDENT_ID):
        with contextlib.suppress(IdentifierError):
            candidates.add(normalize_id_number(id_type, text))
    # an early pilot USCC registered over its failed check character, with an override
    with contextlib.suppress(IdentifierError):
        candidates.add(normalize_uscc(text, verify_check_character=False))
    return {c for c in candidates if c}


def _scoped(query: SearchQuery, now: datetime) -> tuple[QuerySet[Registration], list[int] | None]:
    """Registrations a grantor search looks at, and (as of a moment) the ids active then."""
    qs = Registration.objects.all()
    if query.as_of is not None:
        qs = qs.filter(registered_at__lte=query.as_of)
        return qs, None if query.include_inactive else registrations_active_at(qs, query.as_of)
    return (qs if query.include_inactive else qs.active(now)), None


def _grantor_hit(registration: Registration, match: str, field_name: str, typed: str) -> SearchHit:
    if field_name == "grantor_name":
        stored = registration.grantor_name
    else:  # shown masked, as the notice shows it to other lenders
        stored = mask_id_number(registration.grantor_id_type, registration.grantor_id_number)
    how = "exact" if match == MatchType.EXACT else "similar_name"
    return SearchHit(
        registration,
        match,
        explanations=[explain_field_match(field=field_name, query=typed, stored=stored, how=how)],
    )


def _search_grantor_id(query: SearchQuery, now: datetime) -> list[SearchHit]:
    qs, active_ids = _scoped(query, now)
    qs = qs.alias(id_upper=Upper("grantor_id_number")).filter(
        id_upper__in=grantor_id_candidates(query.grantor_id)
    )
    if active_ids is not None:
        qs = qs.filter(pk__in=active_ids)
    ids = list(qs.order_by("registered_at", "id").values_list("id", flat=True)[:MAX_RESULTS])
    loaded = _load(ids, query.as_of)
    typed = _normalize(query.grantor_id).upper()
    return [_grantor_hit(loaded[pk], MatchType.EXACT, "grantor_id", typed) for pk in ids]


def _search_grantor_name(query: SearchQuery, now: datetime) -> list[SearchHit]:
    """Registrations of this grantor name first (oldest first), then look-alike names.

    On PostgreSQL the look-alikes are the nearest by trigram word distance (GiST index, KNN
    order), so a name shared by thousands of registrations costs no sort of all of them; a
    name inside a longer one ("绿谷农业" in "杭州绿谷农业有限公司") is near by word similarity.
    """
    name = _normalize(query.grantor_name)
    qs, active_ids = _scoped(query, now)
    if active_ids is not None:
        qs = qs.filter(pk__in=active_ids)
    exact_ids = list(
        qs.filter(grantor_name=name)
        .order_by("registered_at", "id")
        .values_list("id", flat=True)[:MAX_RESULTS]
    )
    room = MAX_RESULTS - len(exact_ids)
    similar_ids: list[int] = []
    if room and connection.vendor == "postgresql":
        nearest = (
            qs.exclude(grantor_name=name)
            .annotate(distance=TrigramWordDistance(name, "grantor_name"))
            .order_by("distance")
            .values_list("id", "distance")[:room]
        )
        similar_ids = [
            pk for pk, distance in nearest if distance <= 1 - GRANTOR_NAME_MIN_SIMILARITY
        ]
    elif room:
        similar_ids = list(
            qs.exclude(grantor_name=name)
            .filter(grantor_name__icontains=name)
            .order_by("registered_at", "id")
            .values_list("id", flat=True)[:room]
        )
    loaded = _load(exact_ids + similar_ids, query.as_of)
    return [_grantor_hit(loaded[pk], MatchType.EXACT, "grantor_name", name) for pk in exact_ids] + [
        _grantor_hit(loaded[pk], MatchType.SIMILAR, "grantor_name", name) for pk in similar_ids
    ]


def search_registrations(query: SearchQuery, *, now: datetime | None = None) -> list[SearchHit]:
    """Notices matching the query, exact matches first, each group best priority first."""
    now = now or timezone.now()
    if query.registration_number:
        return _search_registration_number(query, now)
    if query.identifier:
        return _search_identifier(query, now)
    if query.grantor_id:
        return _search_grantor_id(query, now)
    if query.grantor_name:
        return _search_grantor_name(query, now)
    return []


def search_log_of(*, organization, purpose: str = "") -> QuerySet[SearchLog]:
    """An organization's own search log, newest first (optionally of one purpose)."""
    log = SearchLog.objects.filter(organization=organization)
    if purpose:
        log = log.filter(purpose=purpose)
    return log.order_by("-created_at", "-id")

"""Search of the public notices: by identifier, by grantor ID, by grantor name."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.search import TrigramWordDistance
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from collateral.choices import GrantorIdType
from collateral.grantors import normalize_id_number, normalize_uscc
from collateral.identifiers import IdentifierError, normalize_text
from collateral.kinds.base import IdentityKey, all_kinds, get_kind
from registry.choices import MatchType
from registry.models import IdentityKeyEntry, Registration
from registry.selectors.priority import live_entries_q
from registry.selectors.registrations import registrations_with_items
from registry.selectors.similar import similar_entries

MAX_RESULTS = 200
MAX_KEY_LENGTH = 200  # IdentityKeyEntry.value; longer text can match nothing
GRANTOR_NAME_MIN_SIMILARITY = 0.3


@dataclass
class SearchHit:
    """One registration found, how it matched and on which keys."""

    registration: Registration
    match: str
    matched: list[IdentityKey] = field(default_factory=list)


@dataclass(frozen=True)
class SearchQuery:
    """What was searched for; the fields of ``GET search/`` and of a search certificate."""

    identifier: str = ""
    kind: str = ""
    grantor_id: str = ""
    grantor_name: str = ""
    include_inactive: bool = False

    def as_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if v not in ("", None)}
        data["include_inactive"] = self.include_inactive
        return data


def lookup_keys(identifier: str, kind: str = "") -> list[IdentityKey]:
    """The identity keys an identifier typed by a user may denote (for one kind or all)."""
    kinds = [get_kind(kind)] if kind else list(all_kinds().values())
    keys: list[IdentityKey] = []
    for k in kinds:
        keys.extend(
            key
            for key in k.lookup_keys(identifier)
            if key not in keys and len(key.value) <= MAX_KEY_LENGTH
        )
    return keys


def _normalize(text: str) -> str:
    """As registration normalizes names: NFKC, invisible characters dropped, spaces folded."""
    return normalize_text(text)


def _load(registration_ids: list[int]) -> dict[int, Registration]:
    rows = registrations_with_items(Registration.objects.filter(pk__in=registration_ids))
    return {r.pk: r for r in rows}


def _search_identifier(query: SearchQuery, now: datetime) -> list[SearchHit]:
    keys = lookup_keys(query.identifier, query.kind)
    if not keys:
        return []
    exact_q = Q()
    for key in keys:
        exact_q |= Q(scheme=key.scheme, value=key.value)
    exact = IdentityKeyEntry.objects.filter(exact_q)
    if not query.include_inactive:
        exact = exact.filter(live_entries_q(now))
    ordered: dict[int, SearchHit] = {}
    exact_rows = list(exact.order_by("effective_at", "effective_sequence", "id")[:MAX_RESULTS])
    similar_rows = similar_entries(
        keys, live=None if query.include_inactive else live_entries_q(now)
    )
    similar_rows.sort(key=lambda e: (e.effective_at, e.effective_sequence, e.pk))
    registrations = _load([e.registration_id for e in exact_rows + similar_rows])
    for rows, match in ((exact_rows, MatchType.EXACT), (similar_rows, MatchType.SIMILAR)):
        for entry in rows:
            hit = ordered.get(entry.registration_id)
            if hit is None:
                hit = ordered[entry.registration_id] = SearchHit(
                    registrations[entry.registration_id], match
                )
            if hit.match == match:
                hit.matched.append(IdentityKey(entry.scheme, entry.value))
    return list(ordered.values())[:MAX_RESULTS]


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


def _search_grantor_id(query: SearchQuery, now: datetime) -> list[SearchHit]:
    qs = Registration.objects.alias(id_upper=Upper("grantor_id_number")).filter(
        id_upper__in=grantor_id_candidates(query.grantor_id)
    )
    if not query.include_inactive:
        qs = qs.active(now)
    qs = registrations_with_items(qs).order_by("registered_at", "id")[:MAX_RESULTS]
    return [SearchHit(r, MatchType.EXACT) for r in qs]


def _search_grantor_name(query: SearchQuery, now: datetime) -> list[SearchHit]:
    """Registrations of this grantor name first (oldest first), then look-alike names.

    On PostgreSQL the look-alikes are the nearest by trigram word distance (GiST index, KNN
    order), so a name shared by thousands of registrations costs no sort of all of them; a
    name inside a longer one ("绿谷农业" in "杭州绿谷农业有限公司") is near by word similarity.
    """
    name = _normalize(query.grantor_name)
    qs = Registration.objects.all()
    if not query.include_inactive:
        qs = qs.active(now)
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
    loaded = _load(exact_ids + similar_ids)
    return [SearchHit(loaded[pk], MatchType.EXACT) for pk in exact_ids] + [
        SearchHit(loaded[pk], MatchType.SIMILAR) for pk in similar_ids
    ]


def search_registrations(query: SearchQuery, *, now: datetime | None = None) -> list[SearchHit]:
    """Notices matching the query, exact matches first, each group best priority first."""
    now = now or timezone.now()
    if query.identifier:
        return _search_identifier(query, now)
    if query.grantor_id:
        return _search_grantor_id(query, now)
    if query.grantor_name:
        return _search_grantor_name(query, now)
    return []

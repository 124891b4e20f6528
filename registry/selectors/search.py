"""Search of the public notices: by identifier, by grantor ID, by grantor name."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import TrigramWordDistance
from django.db import connections
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
from registry.selectors.registrations import notices_by_id
from registry.selectors.similar import MATCH_FIELDS, is_similar, similar_entries

# Chinese company names share most of their trigrams (…农业有限公司): at 0.3 a seeded
# registry of 26,000 names found 13,000 "similar" to each, noise to an officer; at 0.5 a
# changed character (农业→农叶, 0.57) or an added word (…发展有限公司, 0.6) still matches,
# and a name inside a longer one is found by containment instead.
GRANTOR_NAME_MIN_SIMILARITY = 0.5


@dataclass
class SearchHit:
    """One registration found, how it matched, on which keys, and why (``explanations``)."""

    registration: Registration
    match: str
    matched: list[IdentityKey] = field(default_factory=list)
    explanations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Found:
    """A hit before its registration is loaded: the order and the count need only ids."""

    registration_id: int
    match: str
    matched: list[IdentityKey] = field(default_factory=list)
    explanations: list[dict[str, Any]] = field(default_factory=list)


class SearchResults:
    """Every match of a search, in its final order; registrations load per slice.

    Nothing is cut: ``len()`` is the total and any page can be read (``results[50:100]``),
    so the API pages over it (a Django ``Paginator`` takes it as it takes a queryset) and a
    certificate reads all of it. Only the registrations of the slice asked for are loaded.
    """

    def __init__(self, found: list[_Found], as_of: datetime | None) -> None:
        self._found = found
        self._as_of = as_of

    def __len__(self) -> int:
        return len(self._found)

    def count(self) -> int:
        return len(self._found)

    def count_of(self, match: str) -> int:
        """How many results matched this way (``exact`` or ``similar``)."""
        return sum(1 for f in self._found if f.match == match)

    def _hits(self, found: list[_Found]) -> list[SearchHit]:
        loaded = _load([f.registration_id for f in found], self._as_of)
        return [
            SearchHit(loaded[f.registration_id], f.match, f.matched, f.explanations)
            for f in found
            if f.registration_id in loaded
        ]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._hits(self._found[index])
        return self._hits([self._found[index]])[0]

    def __iter__(self):
        return iter(self._hits(self._found))

    def __bool__(self) -> bool:
        return bool(self._found)


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
    return notices_by_id(registration_ids)


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
    rows = list(exact.only(*MATCH_FIELDS).order_by("effective_at", "effective_sequence", "id"))
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


def _search_identifier(query: SearchQuery, now: datetime) -> list[_Found]:
    keys = identifier_resolve(identifier=query.identifier, kind=query.kind, scheme=query.scheme)
    exact_rows = _exact_entries(query, keys, now)
    similar_rows = _similar_entries(query, keys, now)
    ordered: dict[int, _Found] = {}
    for rows, match in ((exact_rows, MatchType.EXACT), (similar_rows, MatchType.SIMILAR)):
        for entry in rows:
            found = ordered.get(entry.registration_id)
            if found is None:
                found = ordered[entry.registration_id] = _Found(entry.registration_id, match)
            if found.match != match:
                continue
            stored = IdentityKey(entry.scheme, entry.value)
            if stored not in found.matched:
                found.matched.append(stored)
            key = matching_lookup(entry, keys) or _similar_key(entry, keys)
            if key is not None:
                found.explanations.append(explain_key_match(key, entry.value))
    return list(ordered.values())


def _similar_key(entry: IdentityKeyEntry, keys: list[LookupKey]) -> LookupKey | None:
    for key in keys:
        if (
            not key.partial
            and key.scheme == entry.scheme
            and is_similar(entry.value, key.identity_key)
        ):
            return key
    return None


def _search_registration_number(query: SearchQuery, now: datetime) -> list[_Found]:
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
    return [_Found(pk, MatchType.EXACT, explanations=[explanation])]


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


def _grantor_found(registration: Registration, match: str, field_name: str, typed: str) -> _Found:
    if field_name == "grantor_name":
        stored = registration.grantor_name
    else:  # shown masked, as the notice shows it to other lenders
        stored = mask_id_number(registration.grantor_id_type, registration.grantor_id_number)
    how = "exact" if match == MatchType.EXACT else "similar_name"
    return _Found(
        registration.pk,
        match,
        explanations=[explain_field_match(field=field_name, query=typed, stored=stored, how=how)],
    )


_GRANTOR_FIELDS = ("id", "grantor_name", "grantor_id_type", "grantor_id_number")


def _search_grantor_id(query: SearchQuery, now: datetime) -> list[_Found]:
    qs, active_ids = _scoped(query, now)
    qs = qs.alias(id_upper=Upper("grantor_id_number")).filter(
        id_upper__in=grantor_id_candidates(query.grantor_id)
    )
    if active_ids is not None:
        qs = qs.filter(pk__in=active_ids)
    typed = _normalize(query.grantor_id).upper()
    rows = qs.order_by("registered_at", "id").only(*_GRANTOR_FIELDS)
    return [_grantor_found(r, MatchType.EXACT, "grantor_id", typed) for r in rows]


def _similar_names(qs: QuerySet[Registration], name: str) -> list[Registration]:
    """Registrations under a look-alike name, nearest first (then by priority), all of them.

    On PostgreSQL the trigram word-similarity operator (``<%``, GiST index) finds every name
    at least ``GRANTOR_NAME_MIN_SIMILARITY`` alike, and containment every name the typed one
    is part of ("绿谷农业" in "杭州绿谷农业有限公司"); the threshold is set on the connection
    that runs it.
    """
    others = qs.exclude(grantor_name=name).only(*_GRANTOR_FIELDS)
    if connections[others.db].vendor != "postgresql":
        return list(others.filter(grantor_name__icontains=name).order_by("registered_at", "id"))
    with connections[others.db].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
            [str(GRANTOR_NAME_MIN_SIMILARITY)],
        )
    return list(
        others.filter(Q(grantor_name__trigram_word_similar=name) | Q(grantor_name__contains=name))
        .annotate(distance=TrigramWordDistance(name, "grantor_name"))
        .order_by("distance", "registered_at", "id")
    )


def _search_grantor_name(query: SearchQuery, now: datetime) -> list[_Found]:
    """Registrations of this grantor name first (oldest first), then look-alike names."""
    name = _normalize(query.grantor_name)
    qs, active_ids = _scoped(query, now)
    if active_ids is not None:
        qs = qs.filter(pk__in=active_ids)
    exact = qs.filter(grantor_name=name).order_by("registered_at", "id").only(*_GRANTOR_FIELDS)
    return [_grantor_found(r, MatchType.EXACT, "grantor_name", name) for r in exact] + [
        _grantor_found(r, MatchType.SIMILAR, "grantor_name", name) for r in _similar_names(qs, name)
    ]


def _search_found(query: SearchQuery, now: datetime) -> list[_Found]:
    if query.registration_number:
        return _search_registration_number(query, now)
    if query.identifier:
        return _search_identifier(query, now)
    if query.grantor_id:
        return _search_grantor_id(query, now)
    if query.grantor_name:
        return _search_grantor_name(query, now)
    return []


def search_registrations(query: SearchQuery, *, now: datetime | None = None) -> SearchResults:
    """Every notice matching the query, exact matches first, each group best priority first
    (look-alike grantor names: nearest first). Nothing is cut; read it by slices."""
    return SearchResults(_search_found(query, now or timezone.now()), query.as_of)


def search_log_of(*, organization, purpose: str = "") -> QuerySet[SearchLog]:
    """An organization's own search log, newest first (optionally of one purpose)."""
    log = SearchLog.objects.filter(organization=organization)
    if purpose:
        log = log.filter(purpose=purpose)
    return log.order_by("-created_at", "-id")

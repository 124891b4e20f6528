"""Search of the public notices: by identifier, by grantor ID, by grantor name."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import TrigramWordDistance
from django.db import connections
from django.db.models import Count, Q, QuerySet, Window
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
from registry.selectors.similar import exact_and_similar_entries, is_similar

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


class _Listed:
    """Results found whole in Python (identifier, registration number), in their order."""

    def __init__(self, found: list[_Found]) -> None:
        self._found = found

    def __len__(self) -> int:
        return len(self._found)

    def count_of(self, match: str) -> int:
        return sum(1 for f in self._found if f.match == match)

    def found(self, start: int, stop: int) -> list[_Found]:
        return self._found[start:stop]

    def hit(self, found: _Found, registration: Registration) -> SearchHit:
        return SearchHit(registration, found.match, found.matched, found.explanations)

    def similar_among(self, numbers: set[str]) -> _Listed:
        """Exact results, and only the similar ones registered under these numbers."""
        similar = [f.registration_id for f in self._found if f.match == MatchType.SIMILAR]
        kept = set(
            Registration.objects.filter(pk__in=similar, number__in=numbers).values_list(
                "pk", flat=True
            )
        )
        return _Listed(
            [f for f in self._found if f.match == MatchType.EXACT or f.registration_id in kept]
        )


# How many ids of a grantor group are read with its count: the largest page the API serves,
# so counting and showing the first pages (the usual request) cost one query per group.
SEARCH_HEAD_IDS = 200


class _Queried:
    """One group of results (all ``match``) as an ordered queryset: counted with ``COUNT``
    (a window over the group, in the query that reads its first ``SEARCH_HEAD_IDS`` ids),
    further pages read with ``LIMIT``/``OFFSET``; ``explain`` says why a registration
    matched, once it is loaded."""

    def __init__(
        self,
        match: str,
        queryset: QuerySet[Registration],
        explain: Callable[[Registration], dict[str, Any]],
    ) -> None:
        self.match = match
        self._queryset = queryset
        self._explain = explain
        self._count: int | None = None
        self._head: list[int] = []

    def _head_read(self) -> int:
        if self._count is None:
            counted = self._queryset.annotate(search_total=Window(Count("*")))
            rows = list(counted.values_list("pk", "search_total")[:SEARCH_HEAD_IDS])
            self._head = [pk for pk, _total in rows]
            self._count = rows[0][1] if rows else 0
        return self._count

    def __len__(self) -> int:
        return self._head_read()

    def count_of(self, match: str) -> int:
        return len(self) if match == self.match else 0

    def found(self, start: int, stop: int) -> list[_Found]:
        count = self._head_read()
        if stop <= len(self._head) or len(self._head) == count:
            ids = self._head[start:stop]
        else:
            ids = list(self._queryset.values_list("pk", flat=True)[start:stop])
        return [_Found(pk, self.match) for pk in ids]

    def hit(self, found: _Found, registration: Registration) -> SearchHit:
        return SearchHit(registration, self.match, explanations=[self._explain(registration)])

    def similar_among(self, numbers: set[str]) -> _Queried:
        if self.match != MatchType.SIMILAR:
            return self
        return _Queried(self.match, self._queryset.filter(number__in=numbers), self._explain)


_Group = _Listed | _Queried


class SearchResults:
    """Every match of a search, in its final order; registrations load per slice.

    Nothing is cut: ``len()`` is the total and any page can be read (``results[50:100]``),
    so the API pages over it (a Django ``Paginator`` takes it as it takes a queryset) and a
    certificate reads all of it. Only the registrations of the slice asked for are loaded;
    grantor searches count in SQL and read only the slice's ids.
    """

    def __init__(self, groups: list[_Group], as_of: datetime | None) -> None:
        self._groups = groups
        self._as_of = as_of

    def __len__(self) -> int:
        return sum(len(group) for group in self._groups)

    def count(self) -> int:
        return len(self)

    def count_of(self, match: str) -> int:
        """How many results matched this way (``exact`` or ``similar``)."""
        return sum(group.count_of(match) for group in self._groups)

    def _slice(self, start: int, stop: int) -> list[SearchHit]:
        parts: list[tuple[_Group, list[_Found]]] = []
        offset = 0
        for group in self._groups:
            if offset >= stop:
                break
            size = len(group)
            low, high = max(start - offset, 0), min(stop - offset, size)
            if low < high:
                parts.append((group, group.found(low, high)))
            offset += size
        loaded = _load([f.registration_id for _, found in parts for f in found], self._as_of)
        return [
            group.hit(f, loaded[f.registration_id])
            for group, found in parts
            for f in found
            if f.registration_id in loaded
        ]

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("search results are read by contiguous slices")
            return self._slice(start, stop)
        position = index + len(self) if index < 0 else index
        hits = self._slice(position, position + 1) if position >= 0 else []
        if not hits:
            raise IndexError("search result index out of range")
        return hits[0]

    def __iter__(self):
        return iter(self._slice(0, len(self)))

    def __bool__(self) -> bool:
        return len(self) > 0

    def similar_among(self, numbers: set[str]) -> SearchResults:
        """The exact results, and only those similar ones registered under ``numbers``
        (what a certificate lists when the searcher selected some), read as these are."""
        return SearchResults([group.similar_among(numbers) for group in self._groups], self._as_of)


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


def _identifier_entries(
    query: SearchQuery, keys: list[LookupKey], now: datetime
) -> tuple[list[IdentityKeyEntry], list[IdentityKeyEntry]]:
    """The index rows on ``keys`` and those similar to its full keys, each in priority
    order: one query (``exact_and_similar_entries``), plus one for the expiry at ``as_of``."""
    at = query.as_of
    if at is not None:
        live = entries_current_at_q(at) if query.include_inactive else entries_live_at_q(at)
    elif query.include_inactive:
        live = Q(item__removed_at__isnull=True)  # items current, any status
    else:
        live = live_entries_q(now)
    full_keys = [k.identity_key for k in keys if not k.partial]
    exact_rows, similar_rows = exact_and_similar_entries(full_keys, exact=lookup_q(keys), live=live)
    if at is not None and not query.include_inactive:
        kept = {e.pk for e in live_at([*exact_rows, *similar_rows], at)}
        exact_rows = [e for e in exact_rows if e.pk in kept]
        similar_rows = [e for e in similar_rows if e.pk in kept]
    return exact_rows, similar_rows


def _search_identifier(query: SearchQuery, now: datetime) -> list[_Found]:
    # an altered number keeps its scheme's look-alikes in view even when its check fails
    keys = identifier_resolve(
        identifier=query.identifier, kind=query.kind, scheme=query.scheme, lookalikes=True
    )
    exact_rows, similar_rows = _identifier_entries(query, keys, now)
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


def _scoped(query: SearchQuery, now: datetime, matching: QuerySet) -> QuerySet[Registration]:
    """``matching`` narrowed to what a grantor search looks at: active now, or registered by
    ``as_of`` (and, unless inactive ones are asked for, active then)."""
    if query.as_of is None:
        return matching if query.include_inactive else matching.active(now)
    matching = matching.filter(registered_at__lte=query.as_of)
    if query.include_inactive:
        return matching
    return matching.filter(pk__in=registrations_active_at(matching, query.as_of))


def _grantor_group(
    match: str, queryset: QuerySet[Registration], field_name: str, typed: str, *ordering: Any
) -> _Queried:
    how = "exact" if match == MatchType.EXACT else "similar_name"

    def explain(registration: Registration) -> dict[str, Any]:
        if field_name == "grantor_name":
            stored = registration.grantor_name
        else:  # shown masked, as the notice shows it to other lenders
            stored = mask_id_number(registration.grantor_id_type, registration.grantor_id_number)
        return explain_field_match(field=field_name, query=typed, stored=stored, how=how)

    return _Queried(match, queryset.order_by(*ordering, "registered_at", "id"), explain)


def _search_grantor_id(query: SearchQuery, now: datetime) -> list[_Group]:
    matching = Registration.objects.alias(id_upper=Upper("grantor_id_number")).filter(
        id_upper__in=grantor_id_candidates(query.grantor_id)
    )
    typed = _normalize(query.grantor_id).upper()
    return [_grantor_group(MatchType.EXACT, _scoped(query, now, matching), "grantor_id", typed)]


def _similar_names(name: str) -> tuple[QuerySet[Registration], tuple[Any, ...]]:
    """Registrations under a look-alike name, and their order: nearest first on PostgreSQL.

    There the trigram word-similarity operator (``%>``, trigram index) finds every name at
    least ``GRANTOR_NAME_MIN_SIMILARITY`` alike, and containment every name the typed one is
    part of ("绿谷农业" in "杭州绿谷农业有限公司"); the threshold is set on the connection
    that runs it. Elsewhere (SQLite) containment alone, by priority.
    """
    others = Registration.objects.exclude(grantor_name=name)
    connection = connections[others.db]
    if connection.vendor != "postgresql":
        return others.filter(grantor_name__icontains=name), ()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
            [str(GRANTOR_NAME_MIN_SIMILARITY)],
        )
    similar = others.filter(
        Q(grantor_name__trigram_word_similar=name) | Q(grantor_name__contains=name)
    ).alias(distance=TrigramWordDistance(name, "grantor_name"))
    return similar, ("distance",)


def _search_grantor_name(query: SearchQuery, now: datetime) -> list[_Group]:
    """Registrations of this grantor name first (oldest first), then look-alike names."""
    name = _normalize(query.grantor_name)
    exact = _scoped(query, now, Registration.objects.filter(grantor_name=name))
    similar, nearest_first = _similar_names(name)
    return [
        _grantor_group(MatchType.EXACT, exact, "grantor_name", name),
        _grantor_group(
            MatchType.SIMILAR, _scoped(query, now, similar), "grantor_name", name, *nearest_first
        ),
    ]


def _search_groups(query: SearchQuery, now: datetime) -> list[_Group]:
    if query.registration_number:
        return [_Listed(_search_registration_number(query, now))]
    if query.identifier:
        return [_Listed(_search_identifier(query, now))]
    if query.grantor_id:
        return _search_grantor_id(query, now)
    if query.grantor_name:
        return _search_grantor_name(query, now)
    return []


def search_registrations(query: SearchQuery, *, now: datetime | None = None) -> SearchResults:
    """Every notice matching the query, exact matches first, each group best priority first
    (look-alike grantor names: nearest first). Nothing is cut; read it by slices."""
    return SearchResults(_search_groups(query, now or timezone.now()), query.as_of)


def search_log_of(*, organization, purpose: str = "") -> QuerySet[SearchLog]:
    """An organization's own search log, newest first (optionally of one purpose)."""
    log = SearchLog.objects.filter(organization=organization)
    if purpose:
        log = log.filter(purpose=purpose)
    return log.order_by("-created_at", "-id")

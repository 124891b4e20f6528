"""Searches that leave a trace in the search log (certificates: services/certificates.py).

A grantor-ID search of a resident ID is also an attempt at a personal number: the search log
counts them (in the database, so a Redis outage lifts nothing), a caller past its quota is
refused with ``GrantorIdQuotaExceeded``, and runs that look like someone recovering a masked
ID raise a :class:`~registry.models.SearchEnumerationAlert` (docs/reliability.md, finding 3).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from collateral.grantors import normalize_resident_id
from collateral.identifiers import IdentifierError
from registry.actors import Actor
from registry.choices import EnumerationSignal, SearchCriterion
from registry.exceptions import GrantorIdQuotaExceeded
from registry.models import SearchEnumerationAlert, SearchLog
from registry.selectors.search import SearchQuery, SearchResults, search_registrations

# pg_advisory_xact_lock(namespace, organization id): one organization's resident-ID searches
# are counted and logged one at a time, so concurrent requests cannot all pass a full quota.
_LOCK_NAMESPACE = 0x52535131  # "RSQ1"


def _criterion(query: SearchQuery) -> str:
    for criterion in SearchCriterion.values:
        if getattr(query, criterion):
            return criterion
    return ""


def resident_id_searched(query: SearchQuery) -> str | None:
    """The resident ID a grantor-ID search asks for, or None (a USCC, a name, …)."""
    if not query.grantor_id:
        return None
    with contextlib.suppress(IdentifierError):
        return normalize_resident_id(query.grantor_id)
    return None


def _pattern(resident_id: str) -> str:
    """Region code and last 4 characters: what masks before this release showed."""
    return resident_id[:6] + resident_id[-4:]


def _resident_id_log(organization_id: int, since: datetime) -> QuerySet[SearchLog]:
    # the primary, never a lagging replica: a quota read there would let searches through
    return (
        SearchLog.objects.using(DEFAULT_DB_ALIAS)
        .filter(organization_id=organization_id, created_at__gt=since)
        .exclude(resident_id_pattern="")
    )


def _organization_lock(organization_id: int) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":  # SQLite serializes writers already
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, organization_id]
            )


def resident_id_quota_check(*, actor: Actor, now: datetime) -> None:
    """Refuse (429 with ``Retry-After``) a resident-ID search past the caller's quotas: per
    API key or user, and per organization (``RESIDENT_ID_SEARCH_QUOTA_PER_*``)."""
    quotas = (
        (settings.RESIDENT_ID_SEARCH_QUOTA_PER_ACTOR, actor.label),
        (settings.RESIDENT_ID_SEARCH_QUOTA_PER_ORGANIZATION, None),
    )
    for (limit, window), label in quotas:
        log = _resident_id_log(actor.organization.pk, now - timedelta(seconds=window))
        if label is not None:
            log = log.filter(actor=label)
        # the limit-th newest counted search: while it is in the window, the quota is full
        full_since = log.order_by("-created_at").values_list("created_at", flat=True)[
            limit - 1 : limit
        ]
        for counted_at in full_since:
            retry_after = (counted_at + timedelta(seconds=window) - now).total_seconds()
            raise GrantorIdQuotaExceeded(retry_after=retry_after)


def _alert_raise(
    *, organization_id: int, signal: str, subject: str, rows: QuerySet[SearchLog], now: datetime
) -> None:
    """Open, or grow in place, the one unresolved alert of this signal and subject."""
    count = rows.count()
    actors = sorted(set(rows.values_list("actor", flat=True)))
    alert = (
        SearchEnumerationAlert.objects.using(DEFAULT_DB_ALIAS)
        .filter(
            organization_id=organization_id,
            signal=signal,
            subject_key=subject,
            resolved_at__isnull=True,
        )
        .first()
    )
    if alert is None:
        first = rows.order_by("created_at").values_list("created_at", flat=True).first()
        SearchEnumerationAlert.objects.using(DEFAULT_DB_ALIAS).create(
            organization_id=organization_id,
            signal=signal,
            subject_key=subject,
            actors=actors,
            search_count=count,
            first_seen_at=first or now,
            last_seen_at=now,
        )
        return
    alert.search_count = max(alert.search_count, count)
    alert.actors = sorted(set(alert.actors) | set(actors))
    alert.last_seen_at = now
    alert.save(update_fields=["search_count", "actors", "last_seen_at"])


def _after_last_resolution(
    rows: QuerySet[SearchLog], *, organization_id: int, signal: str, subject: str
) -> QuerySet[SearchLog]:
    """Only the searches after the operator last resolved this signal and subject: a resolved
    alert does not come straight back for the searches it already covered."""
    resolved = (
        SearchEnumerationAlert.objects.using(DEFAULT_DB_ALIAS)
        .filter(organization_id=organization_id, signal=signal, subject_key=subject)
        .exclude(resolved_at__isnull=True)
        .order_by("-resolved_at")
        .values_list("resolved_at", flat=True)
        .first()
    )
    return rows if resolved is None else rows.filter(created_at__gt=resolved)


def enumeration_check(*, organization_id: int, pattern: str, now: datetime) -> None:
    """After a resident-ID search is logged: alert on many misses, or on many distinct
    resident IDs sharing one pattern, within ``ENUMERATION_WINDOW_SECONDS`` (and since the
    operator last resolved that alert)."""
    log = _resident_id_log(
        organization_id, now - timedelta(seconds=settings.ENUMERATION_WINDOW_SECONDS)
    )
    signal, subject = EnumerationSignal.MISSES, "misses"
    misses = _after_last_resolution(
        log.filter(result_count=0), organization_id=organization_id, signal=signal, subject=subject
    )
    if misses.count() >= settings.ENUMERATION_MAX_MISSES:
        _alert_raise(
            organization_id=organization_id, signal=signal, subject=subject, rows=misses, now=now
        )
    signal, subject = EnumerationSignal.SHARED_PATTERN, pattern[:6] + "*" * 8 + pattern[6:]
    shared = _after_last_resolution(
        log.filter(resident_id_pattern=pattern),
        organization_id=organization_id,
        signal=signal,
        subject=subject,
    )
    distinct = {
        resident_id_searched(SearchQuery(grantor_id=q.get("grantor_id", "")))
        for q in shared.values_list("query", flat=True)
    }
    if len(distinct) >= settings.ENUMERATION_MAX_SHARED_PATTERN:
        _alert_raise(
            organization_id=organization_id, signal=signal, subject=subject, rows=shared, now=now
        )


def _log(actor: Actor, query: SearchQuery, results: SearchResults, pattern: str = "") -> None:
    SearchLog.objects.using(DEFAULT_DB_ALIAS).create(
        organization=actor.organization,
        actor=actor.label,
        query=query.as_dict(),
        purpose=query.purpose,
        result_count=len(results),
        criterion=_criterion(query),
        resident_id_pattern=pattern,
    )


def search_perform(
    *,
    actor: Actor,
    query: SearchQuery,
    shown: Callable[[SearchResults], object] | None = None,
) -> SearchResults:
    """Run a search and record who searched for what and how many notices it found (all of
    them: ``result_count`` is the total, whatever page is then shown).

    A resident-ID search is first counted against the caller's quotas (refused past them,
    nothing logged) and then checked for enumeration patterns. ``shown`` (the API's
    paginator) reads the part of the results the caller will show before anything is
    logged: when it refuses (a page past the last) the search leaves no log row and uses no
    quota.
    """
    resident_id = resident_id_searched(query)
    if resident_id is None:
        results = search_registrations(query)
        if shown is not None:
            shown(results)
        _log(actor, query, results)
        return results
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        _organization_lock(actor.organization.pk)
        now = timezone.now()
        resident_id_quota_check(actor=actor, now=now)
        results = search_registrations(query)
        if shown is not None:
            shown(results)
        _log(actor, query, results, _pattern(resident_id))
        enumeration_check(
            organization_id=actor.organization.pk, pattern=_pattern(resident_id), now=now
        )
    return results

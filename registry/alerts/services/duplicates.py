"""Duplicate pledges: the same identity key live in more than one registration.

Two ways in, one truth. The hourly full scan groups every live identity-index row in one
streamed query; the incremental check, queued after each registration, amendment, discharge
or expiry commits, looks at just the keys of the registrations that changed and their
neighbours. Both compute the same :class:`AlertSpec` set for what they look at and hand it
to :func:`alerts_reconcile`, so they agree on what is open (``tests/alerts`` checks it).

A *colliding set* is the set of registrations live on one key; keys with the same set share
one alert per secured party involved (DESIGN §3: "once per set of colliding registrations").
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Aggregate, CharField, Exists, F, Max, Min, OuterRef, QuerySet
from django.utils import timezone

from collateral.kinds.base import IdentityKey
from registry.alerts.choices import UNRESOLVED, AlertKind, AlertSeverity
from registry.alerts.models import Alert
from registry.alerts.services.alerts import AlertSpec, alerts_lock, alerts_reconcile
from registry.alerts.services.duplicate_scan import (
    MESSAGE_KEYS,
    SUBJECT_MAX,
    duplicate_specs_stage,
)
from registry.alerts.services.staged import (
    alerts_reconcile_staged,
    stage_create,
    stage_ready,
    staged_unmatched,
)
from registry.jobs import JobResult
from registry.models import IdentityKeyEntry, Organization, Registration
from registry.selectors.priority import CHUNK, live_entries_q
from registry.services.bulk import bulk_insert

logger = logging.getLogger("registry.jobs")

KIND = AlertKind.DUPLICATE_PLEDGE
RESOLUTION = "collision_ended"
MESSAGE_CODE = "duplicate_pledge"


class _RegistrationIds(Aggregate):
    """The grouped registration ids: ARRAY_AGG on PostgreSQL, GROUP_CONCAT elsewhere."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="ARRAY_AGG", **extra_context)


def _ids(value) -> tuple[int, ...]:
    if isinstance(value, str):
        value = value.split(",")
    return tuple(sorted({int(v) for v in value}))


def colliding_keys(
    entries: QuerySet[IdentityKeyEntry], *, stream: bool = True
) -> Iterator[tuple[IdentityKey, tuple]]:
    """Keys held by more than one registration among ``entries``, with those registrations.

    One grouped query: ``GROUP BY scheme, value HAVING MIN(registration_id) <
    MAX(registration_id)`` (that is, more than one distinct registration, but computable by a
    hash aggregate without sorting for COUNT(DISTINCT)). ``stream``: through a server-side
    cursor (a full scan); the incremental check's few rows are fetched at once instead.
    """
    rows = (
        entries.order_by()
        .values("scheme", "value")
        .annotate(
            low=Min("registration_id"),
            high=Max("registration_id"),
            registration_ids=_RegistrationIds("registration_id"),
        )
        .filter(low__lt=F("high"))
        .values_list("scheme", "value", "registration_ids")
    )
    for scheme, value, registration_ids in rows.iterator(chunk_size=5000) if stream else rows:
        yield IdentityKey(scheme, value), _ids(registration_ids)


def _subject_key(numbers: list[str]) -> str:
    joined = ",".join(numbers)
    if len(joined) <= SUBJECT_MAX - 4:
        return f"dup:{joined}"
    return "dup:sha256:" + hashlib.sha256(joined.encode()).hexdigest()


def _specs(collisions: dict[tuple[int, ...], list[IdentityKey]]) -> list[AlertSpec]:
    """One alert per secured party involved in each colliding set."""
    registration_ids = sorted({rid for ids in collisions for rid in ids})
    registrations: dict[int, tuple[str, int]] = {}
    for start in range(0, len(registration_ids), CHUNK):
        registrations.update(
            (pk, (number, party))
            for pk, number, party in Registration.objects.filter(
                pk__in=registration_ids[start : start + CHUNK]
            ).values_list("pk", "number", "secured_party_id")
        )
    codes = dict(
        Organization.objects.filter(
            pk__in={party for _n, party in registrations.values()}
        ).values_list("pk", "code")
    )
    specs: list[AlertSpec] = []
    for ids, keys in collisions.items():
        members = sorted((registrations[i][0], i, registrations[i][1]) for i in ids)
        numbers = [number for number, _i, _p in members]
        keys = sorted(keys)
        details = {
            "registrations": [
                {"registration_number": number, "secured_party": codes[party]}
                for number, _i, party in members
            ],
            "keys": [k.as_dict() for k in keys],
        }
        shown = ", ".join(f"{k.scheme} {k.value}" for k in keys[:MESSAGE_KEYS])
        if len(keys) > MESSAGE_KEYS:
            shown += f" (+{len(keys) - MESSAGE_KEYS})"
        for party in sorted({p for _n, _i, p in members}):
            own_number, own_id, _p = next(m for m in members if m[2] == party)
            specs.append(
                AlertSpec(
                    organization_id=party,
                    kind=KIND,
                    subject_key=_subject_key(numbers),
                    registration_id=own_id,
                    severity=AlertSeverity.CRITICAL,
                    message_code=MESSAGE_CODE,
                    message_params={
                        "number": own_number,
                        "keys": shown,
                        "others": ", ".join(n for n in numbers if n != own_number),
                    },
                    details=details,
                    related_registration_ids=tuple(i for _n, i, _p in members),
                )
            )
    return specs


def _collisions(
    rows: Iterable[tuple[IdentityKey, tuple[int, ...]]],
) -> dict[tuple[int, ...], list[IdentityKey]]:
    collisions: dict[tuple[int, ...], list[IdentityKey]] = defaultdict(list)
    for key, ids in rows:
        collisions[ids].append(key)
    return collisions


def _carry_over(specs: list[AlertSpec], existing: QuerySet[Alert], now: datetime) -> int:
    """Let each unresolved alert follow its colliding set as the set grows or shrinks.

    A set's subject names its members, so a third pledge of the same collateral makes a new
    subject. Matched here to the party's unresolved alert whose registrations overlap most,
    that alert is renamed to the new subject in place — same row, same acknowledgement, no
    notification — and :func:`alerts_reconcile` then only refreshes its details. An alert is
    opened (and notified) only for a party that joins a set, and resolved (and notified) only
    when its party leaves it or the set ends. Returns how many alerts were carried over.
    """
    through = Alert.related_registrations.through
    unresolved = existing.filter(kind=KIND, status__in=UNRESOLVED)
    current: dict[int, tuple[int, str, set[int]]] = {}
    for pk, organization_id, subject in unresolved.values_list(
        "pk", "organization_id", "subject_key"
    ):
        current[pk] = (organization_id, subject, set())
    for start in range(0, len(current), CHUNK):
        chunk = list(current)[start : start + CHUNK]
        for alert_id, registration_id in through.objects.filter(alert_id__in=chunk).values_list(
            "alert_id", "registration_id"
        ):
            current[alert_id][2].add(registration_id)
    taken_subjects = {(org, subject) for org, subject, _ids in current.values()}
    wanted = {spec.key for spec in specs}
    # candidates: a spec with no alert of its own subject, an alert whose subject is not wanted
    free_alerts = {pk: row for pk, row in current.items() if (row[0], row[1]) not in wanted}
    pairs: list[tuple[int, int, AlertSpec]] = []
    for spec in specs:
        if spec.key in taken_subjects:
            continue
        members = set(spec.related_registration_ids)
        for pk, (org, _subject, ids) in free_alerts.items():
            overlap = len(members & ids)
            if org == spec.organization_id and overlap:
                pairs.append((-overlap, pk, spec))
    pairs.sort(key=lambda p: (p[0], p[1], p[2].subject_key))
    moved: dict[int, AlertSpec] = {}
    used_specs: set[tuple[int, str]] = set()
    for _overlap, pk, spec in pairs:
        if pk in moved or spec.key in used_specs:
            continue
        moved[pk] = spec
        used_specs.add(spec.key)
    if not moved:
        return 0
    # two steps, so that alerts trading subjects never meet on the unique constraint
    for pk in moved:
        Alert.objects.filter(pk=pk).update(subject_key=f"moving:{pk}")
    for pk, spec in moved.items():
        Alert.objects.filter(pk=pk).update(
            subject_key=spec.subject_key, registration_id=spec.registration_id, updated_at=now
        )
    through.objects.filter(alert_id__in=list(moved)).delete()
    bulk_insert(
        through,
        [
            through(alert_id=pk, registration_id=rid)
            for pk, spec in moved.items()
            for rid in spec.related_registration_ids
        ],
    )
    return len(moved)


@transaction.atomic
def duplicate_pledges_scan(*, now: datetime | None = None) -> JobResult:
    """The full scan: every live key in one grouped pass; reconcile every alert.

    On PostgreSQL the pass, the specs and the reconciliation stay in the database
    (:mod:`registry.alerts.services.duplicate_scan`); elsewhere the grouped query is streamed
    into Python. Both build the same alerts as the incremental check.
    """
    result = JobResult("duplicate_pledges")
    alerts_lock(KIND)
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        stage_create()
        counts = duplicate_specs_stage(
            now=now, severity=AlertSeverity.CRITICAL, message_code=MESSAGE_CODE
        )
        stage_ready()
        result.scanned, result.found = counts["scanned"], counts["sets"]
        result.extra["colliding_keys"] = counts["keys"]
        new, free = staged_unmatched(KIND)
        result.extra["carried_over"] = (
            _carry_over(new, Alert.objects.filter(pk__in=free), now) if new and free else 0
        )
        result.add(alerts_reconcile_staged(kind=KIND, resolution=RESOLUTION, now=now))
        return result.finish()
    live = IdentityKeyEntry.objects.filter(live_entries_q(now))
    collisions = _collisions(colliding_keys(live))
    specs = _specs(collisions)
    result.scanned = live.count()
    result.found = len(collisions)
    result.extra["colliding_keys"] = sum(len(keys) for keys in collisions.values())
    result.extra["carried_over"] = _carry_over(specs, Alert.objects.all(), now)
    result.add(
        alerts_reconcile(
            kind=KIND, specs=specs, existing=Alert.objects.all(), resolution=RESOLUTION, now=now
        )
    )
    return result.finish()


def _on_keys_of(registration_ids: list[int], *, live_only: bool, now: datetime) -> Exists:
    """An index row whose key is (live, if ``live_only``) among these registrations' keys."""
    held = IdentityKeyEntry.objects.filter(
        registration_id__in=registration_ids, scheme=OuterRef("scheme"), value=OuterRef("value")
    )
    return Exists(held.filter(live_entries_q(now)) if live_only else held)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


@transaction.atomic
def duplicate_pledges_check(*, registration_ids: Iterable[int], now=None) -> JobResult:
    """The incremental check after ``registration_ids`` changed (new, amended, ended).

    Scope: the changed registrations plus every registration live on any key they hold or
    held (their neighbours). Every colliding set that contains a member of the scope is
    recomputed in full — all of a set's keys are held by each member — and so are the alerts
    linked to the scope. Sets outside it did not change.
    """
    result = JobResult("duplicate_pledges_check")
    alerts_lock(KIND)
    now = now or timezone.now()
    changed = sorted(set(registration_ids))
    # the neighbours: registrations live on any key the changed ones hold or held (one
    # query per chunk, the keys matched in the database rather than read out and sent back)
    scope = set(changed)
    for chunk in _chunks(changed):
        scope.update(
            IdentityKeyEntry.objects.filter(
                live_entries_q(now), _on_keys_of(chunk, live_only=False, now=now)
            ).values_list("registration_id", flat=True)
        )
    # every live key of the scope, grouped; a scope of one registration cannot collide
    found: dict[IdentityKey, tuple[int, ...]] = {}
    for chunk in _chunks(sorted(scope)) if len(scope) > 1 else ():
        live_on_scope = IdentityKeyEntry.objects.filter(
            live_entries_q(now), _on_keys_of(chunk, live_only=True, now=now)
        )
        found.update(colliding_keys(live_on_scope, stream=False))
    collisions = _collisions(found.items())
    # scanned: the registrations looked at (their live keys are grouped in the database)
    result.scanned, result.found = len(scope), len(collisions)
    result.extra["scope"] = len(scope)
    result.extra["colliding_keys"] = len(found)
    existing_ids: set[int] = set()
    for chunk in _chunks(sorted(scope)):
        existing_ids.update(
            Alert.objects.filter(kind=KIND, related_registrations__in=chunk).values_list(
                "pk", flat=True
            )
        )
    existing = Alert.objects.filter(pk__in=sorted(existing_ids))
    # Only sets touching the scope may be opened here (all found ones do, by construction).
    specs = [s for s in _specs(collisions) if scope.intersection(s.related_registration_ids)]
    result.extra["carried_over"] = _carry_over(specs, existing, now)
    result.add(
        alerts_reconcile(kind=KIND, specs=specs, existing=existing, resolution=RESOLUTION, now=now)
    )
    return result.finish()

"""Reconciling a full scan's alerts inside PostgreSQL: the specs staged in a temporary table.

:func:`alerts_reconcile` compares every unresolved alert of a kind with its spec in Python: at a
million identity keys that is tens of thousands of JSON documents decoded, compared and most
of them found unchanged. A full scan on PostgreSQL instead writes its specs with one
``INSERT … SELECT`` into :data:`STAGE` and :func:`alerts_reconcile_staged` makes the table agree
with three set-based statements — refresh what changed, resolve what is no longer wanted, open
what is missing (with its related registrations) — and brings into Python only the alerts
opened or resolved, for their outbox rows. The rules are those of :func:`alerts_reconcile`:
same counts, same outbox rows, and a second run changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from registry.alerts.choices import UNRESOLVED, AlertStatus, NotificationEvent
from registry.alerts.models import Alert
from registry.alerts.services.alerts import AlertSpec, ReconcileCounts
from registry.alerts.services.notifications import OutboxAlert, notifications_enqueue

STAGE = "alert_stage"
# the columns a scan fills, in this order
STAGE_COLUMNS = (
    "organization_id",
    "subject_key",
    "registration_id",
    "item_id",
    "severity",
    "message_code",
    "message_params",
    "details",
    "related",
)

_ALERT = Alert._meta.db_table
_RELATED = Alert.related_registrations.through._meta.db_table
_UNRESOLVED = [str(s) for s in UNRESOLVED]

# A reconciliation that opens or resolves at least this many alerts refreshes the planner's
# statistics of the alert tables before it commits: the next scan's anti-joins against
# them are planned on what is there. Without it, the hourly scan right after a first one
# that opened ~14,000 alerts ran on statistics saying the table was empty (an
# organization-only merge join, 6-8 s at 1,000,000 keys); autovacuum gets there later.
ANALYZE_AFTER_CHANGED = 1000


def stage_create() -> None:
    """An empty :data:`STAGE`, dropped at commit (and replaced if this transaction has one)."""
    assert transaction.get_connection().in_atomic_block, "stage inside the scan's transaction"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {STAGE} (
                organization_id bigint NOT NULL,
                subject_key varchar(255) NOT NULL,
                registration_id bigint NOT NULL,
                item_id bigint,
                severity varchar(10) NOT NULL,
                message_code varchar(60) NOT NULL,
                message_params jsonb NOT NULL,
                details jsonb NOT NULL,
                related bigint[] NOT NULL DEFAULT '{{}}'
            ) ON COMMIT DROP"""
        )


def stage_specs(specs: Iterable[AlertSpec]) -> None:
    """Stream specs a scan computed in Python into the stage (COPY)."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy,
    ):
        for spec in specs:
            copy.write_row(
                (
                    spec.organization_id,
                    spec.subject_key,
                    spec.registration_id,
                    spec.item_id,
                    spec.severity,
                    spec.message_code,
                    json.dumps(spec.message_params, cls=DjangoJSONEncoder),
                    json.dumps(spec.details, cls=DjangoJSONEncoder),
                    list(spec.related_registration_ids),
                )
            )


def stage_ready() -> None:
    """Index the filled stage on the alerts' subject (one spec per subject, so unique).

    Not analyzed: ANALYZE would cost more than the scan's remaining statements, and the
    planner's estimate from the table's size is enough for their anti-joins."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNIQUE INDEX ON {STAGE} (organization_id, subject_key)")


def staged_unmatched(kind: str) -> tuple[list[AlertSpec], list[int]]:
    """The unresolved alerts of ``kind`` whose subject is not staged and, if there are any,
    the staged specs with no unresolved alert of their subject: the candidates for carrying
    an alert over. With no such alert there is nothing to carry over, and the specs (a first
    scan's are every alert it opens) are not read out."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT a.id FROM {_ALERT} a WHERE a.kind = %s AND a.status = ANY(%s)
            AND NOT EXISTS (SELECT 1 FROM {STAGE} w
                WHERE w.organization_id = a.organization_id AND w.subject_key = a.subject_key)""",  # noqa: S608
            [kind, _UNRESOLVED],
        )
        free = [pk for (pk,) in cursor.fetchall()]
        if not free:
            return [], []
        cursor.execute(
            f"""SELECT {", ".join(f"w.{c}" for c in STAGE_COLUMNS)} FROM {STAGE} w
            WHERE NOT EXISTS (
                SELECT 1 FROM {_ALERT} a WHERE a.kind = %s AND a.status = ANY(%s)
                AND a.organization_id = w.organization_id AND a.subject_key = w.subject_key)""",  # noqa: S608
            [kind, _UNRESOLVED],
        )
        new = [_spec(kind, row) for row in cursor.fetchall()]
    return new, free


def _spec(kind: str, row: tuple) -> AlertSpec:
    org, subject, registration_id, item_id, severity, code, params, details, related = row
    return AlertSpec(
        organization_id=org,
        kind=kind,
        subject_key=subject,
        registration_id=registration_id,
        item_id=item_id,
        severity=severity,
        message_code=code,
        message_params=_decoded(params),
        details=_decoded(details),
        related_registration_ids=tuple(related),
    )


def _decoded(value):
    """jsonb as Django's psycopg setup reads it raw (text), decoded."""
    return json.loads(value) if isinstance(value, str) else value


def alerts_reconcile_staged(*, kind: str, resolution: str, now: datetime) -> ReconcileCounts:
    """Make every unresolved alert of ``kind`` match :data:`STAGE` (the whole kind: full scans).

    Callers hold :func:`alerts_lock` for ``kind`` and staged in this transaction.
    """
    match = "a.organization_id = w.organization_id AND a.subject_key = w.subject_key"
    with connection.cursor() as cursor:
        # jsonb compares by value, so a refreshed alert is one whose content really changed
        cursor.execute(
            f"""UPDATE {_ALERT} a SET severity = w.severity, message_code = w.message_code,
                message_params = w.message_params, details = w.details, updated_at = %s
            FROM {STAGE} w
            WHERE a.kind = %s AND a.status = ANY(%s) AND {match}
            AND (a.severity, a.message_code, a.message_params, a.details)
                IS DISTINCT FROM (w.severity, w.message_code, w.message_params, w.details)""",  # noqa: S608
            [now, kind, _UNRESOLVED],
        )
        updated = cursor.rowcount
        cursor.execute(
            f"""UPDATE {_ALERT} a SET status = %s, resolved_at = %s, resolution = %s,
                updated_at = %s
            WHERE a.kind = %s AND a.status = ANY(%s)
            AND NOT EXISTS (SELECT 1 FROM {STAGE} w WHERE {match})
            RETURNING a.id, a.organization_id""",  # noqa: S608
            [AlertStatus.RESOLVED, now, resolution, now, kind, _UNRESOLVED],
        )
        resolved = cursor.fetchall()
        cursor.execute(
            f"""WITH opened AS (
                INSERT INTO {_ALERT} (organization_id, kind, registration_id, item_id,
                    subject_key, severity, message_code, message_params, details, status,
                    acknowledged_at, acknowledged_by, acknowledged_by_user_id, resolved_at,
                    resolution, created_at, updated_at)
                SELECT w.organization_id, %s, w.registration_id, w.item_id, w.subject_key,
                    w.severity, w.message_code, w.message_params, w.details, %s,
                    NULL, '', NULL, NULL, '', %s, %s
                FROM {STAGE} w
                WHERE NOT EXISTS (SELECT 1 FROM {_ALERT} a
                    WHERE a.kind = %s AND a.status = ANY(%s) AND {match})
                ORDER BY w.organization_id, w.subject_key
                RETURNING id, organization_id, subject_key
            ), linked AS (
                INSERT INTO {_RELATED} (alert_id, registration_id)
                SELECT o.id, r.registration_id
                FROM opened o JOIN {STAGE} w
                    ON w.organization_id = o.organization_id AND w.subject_key = o.subject_key
                CROSS JOIN LATERAL unnest(w.related) AS r(registration_id)
            )
            SELECT id, organization_id FROM opened ORDER BY id""",  # noqa: S608
            [kind, AlertStatus.OPEN, now, now, kind, _UNRESOLVED],
        )
        opened = cursor.fetchall()
        if len(opened) + len(resolved) >= ANALYZE_AFTER_CHANGED:
            cursor.execute(f"ANALYZE {_ALERT}, {_RELATED}")
    notifications_enqueue(
        alerts=[OutboxAlert(pk, kind, org) for pk, org in opened],
        event=NotificationEvent.OPENED,
        now=now,
    )
    notifications_enqueue(
        alerts=[OutboxAlert(pk, kind, org) for pk, org in resolved],
        event=NotificationEvent.RESOLVED,
        now=now,
    )
    return ReconcileCounts(opened=len(opened), resolved=len(resolved), updated=updated)

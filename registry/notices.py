"""The public notice of a registration as JSON: one builder for the API and the certificates.

A search result, a search certificate and a registration certificate all show the same
notice; building it here (not in an API serializer) lets the certificate services sign it
without reaching up into the API layer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from rest_framework.fields import DateTimeField

from collateral.grantors import mask_id_number
from registry.models import CollateralItem, Objection, Organization, Registration
from registry.models.legal import STANDING

_TIMESTAMP = DateTimeField()
_TIMESTAMP_UTC = DateTimeField(default_timezone=UTC)


def timestamp(value: datetime | None) -> str | None:
    """An aware time as the API writes it (ISO 8601 in the service's time zone).

    A moment before the zone had a standard offset (Shanghai's local mean time until 1901,
    +08:05:43) is written in UTC instead: RFC 3339 offsets are whole minutes."""
    if value is None:
        return None
    local = timezone.localtime(value)
    if local.utcoffset().seconds % 60:
        return _TIMESTAMP_UTC.to_representation(value)
    # what DRF's DateTimeField writes (``_TIMESTAMP``) without converting a second time: a
    # page of notices writes hundreds of these
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def item_document(item: CollateralItem) -> dict[str, Any]:
    """One stored item: its id and kind, its kind's fields, identifiers, effective time."""
    keys = getattr(item, "key_list", None)
    if keys is None:
        keys = list(item.identity_keys.order_by("id"))
    return {
        "id": item.pk,
        "kind": item.kind,
        **item.attributes,
        "external_registration": item.external_registration,
        "identifiers": [{"scheme": k.scheme, "value": k.value} for k in keys],
        "effective_at": timestamp(item.effective_at),
    }


def objection_document(objection: Objection, *, now: datetime) -> dict[str, Any]:
    """What any lender may read of an objection, as it stood at ``now``: who objected, for
    whom, when, until when, and the case if one was accepted (never grounds or evidence)."""
    status = objection.status_at(now) or objection.status
    case = objection.case_recorded_at is not None and objection.case_recorded_at <= now
    return {
        "id": objection.pk,
        "status": status,
        "objector": {"code": objection.objector.code, "name": objection.objector.name},
        "on_behalf_of_grantor": objection.on_behalf_of_grantor,
        "filed_at": timestamp(objection.filed_at),
        "lapses_at": timestamp(objection.lapses_at) if status == "open" else None,
        "case": (
            {
                "number": objection.case_number,
                "body_type": objection.case_body_type,
                "body": objection.case_body,
                "accepted_on": objection.case_accepted_on.isoformat(),
            }
            if case
            else None
        ),
    }


def standing_objections(registration: Registration, *, now: datetime) -> list[dict[str, Any]]:
    """The objections that stood against ``registration`` at ``now``, oldest first."""
    objections = getattr(registration, "objection_list", None)
    if objections is None:
        objections = list(
            registration.objections.select_related("objector").order_by("filed_at", "id")
        )
    return [objection_document(o, now=now) for o in objections if o.status_at(now) in STANDING]


def notice_document(
    registration: Registration, *, organization: Organization | None, now: datetime
) -> dict[str, Any]:
    """The notice fields any lender may read; the grantor's resident ID masked unless
    ``organization`` is the secured party. ``now`` is the moment the status is read at."""
    owner = organization is not None and organization.pk == registration.secured_party_id
    id_number = registration.grantor_id_number
    if not owner:
        id_number = mask_id_number(registration.grantor_id_type, id_number)
    items = getattr(registration, "current_items", None)
    if items is None:
        items = list(registration.items.filter(removed_at__isnull=True))
    events = getattr(registration, "event_list", None)
    if events is None:
        events = list(registration.events.order_by("sequence"))
    return {
        "registration_number": registration.number,
        "status": registration.current_status(now),
        "registered_at": timestamp(registration.registered_at),
        "expires_at": timestamp(registration.expires_at),
        "discharged_at": timestamp(registration.discharged_at),
        "secured_party": {
            "code": registration.secured_party.code,
            "name": registration.secured_party.name,
        },
        "grantor": {
            "name": registration.grantor_name,
            "id_type": registration.grantor_id_type,
            "id_number": id_number,
            # False: registered with a recorded override of the USCC check character
            "id_verified": registration.grantor_id_verified,
            **(
                {"check_override_reason": registration.grantor_id_override_reason}
                if owner and not registration.grantor_id_verified
                else {}
            ),
        },
        "collateral": [item_document(item) for item in items],
        "events": [
            {"sequence": e.sequence, "event": e.event, "occurred_at": timestamp(e.occurred_at)}
            for e in events
        ],
        "objections": standing_objections(registration, now=now),
    }


def search_result_document(hit: Any, *, organization: Organization | None, now: datetime) -> dict:
    """A search hit: the notice, ``match`` (exact/similar), ``matched`` keys and why."""
    return {
        **notice_document(hit.registration, organization=organization, now=now),
        "match": hit.match,
        "matched": [k.as_dict() for k in hit.matched],
        "match_details": hit.explanations,
    }

"""Writes of an organization's alert preferences."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from registry.actors import Actor
from registry.exceptions import InvalidInput
from registry.models import AlertSettings


@transaction.atomic
def alert_settings_update(*, actor: Actor, expiring_thresholds: list[int]) -> AlertSettings:
    """Set the days before expiry at which the organization is alerted (e.g. 30, 7, 1)."""
    settings, _created = AlertSettings.objects.select_for_update().get_or_create(
        organization=actor.organization
    )
    settings.expiring_thresholds = sorted(set(expiring_thresholds), reverse=True)
    try:
        settings.full_clean(exclude=["organization"])
    except ValidationError as exc:
        raise InvalidInput(
            extra={k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        ) from exc
    settings.save()
    return settings

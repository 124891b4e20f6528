"""Writes for organizations and API keys."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from registry.choices import Role
from registry.models import ApiKey, Organization


@transaction.atomic
def organization_ensure(*, code: str, name: str) -> tuple[Organization, bool]:
    """Create the lender ``code`` or update its name; running it twice changes nothing."""
    code = code.strip().upper()
    organization = Organization(code=code, name=name.strip())
    organization.full_clean(validate_unique=False)
    organization, created = Organization.objects.select_for_update().get_or_create(
        code=code, defaults={"name": organization.name}
    )
    if not created and organization.name != name.strip():
        organization.name = name.strip()
        organization.save(update_fields=["name"])
    return organization, created


@transaction.atomic
def api_key_create(
    *, organization: Organization, name: str = "", role: str = Role.OFFICER
) -> tuple[ApiKey, str]:
    """Issue a key; the raw key is returned once and only its digest is kept."""
    while True:
        prefix = secrets.token_hex(ApiKey.PREFIX_LENGTH // 2)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    raw_key = f"cr_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        role=role,
        prefix=prefix,
        key_hash=ApiKey.hash_key(raw_key),
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key at once; revoking twice keeps the first time."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db()
    return api_key

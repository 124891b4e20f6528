"""Writes for organizations and API keys."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.choices import Role
from registry.exceptions import InvalidInput, NotFound
from registry.models import ApiKey, Organization, User


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


@transaction.atomic
def user_create(
    *, organization: Organization, username: str, password: str, role: str = Role.VIEWER
) -> User:
    """A console login of ``organization`` with ``role``; the password is checked by the
    project's password validators (raises ``InvalidInput`` naming the field)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if role not in Role.values:
        raise InvalidInput(extra={"role": [_("Unknown role.")]})
    user = User(username=username.strip(), organization=organization, role=role)
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update({k: [str(m) for m in v] for k, v in exc.message_dict.items()})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = [str(m) for m in exc.messages]
    if errors:
        raise InvalidInput(extra=errors)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def user_update(*, organization: Organization, user_id: int, role: str, is_active: bool) -> User:
    """Change a user's role or lock the login; only within ``organization``."""
    user = User.objects.select_for_update().filter(pk=user_id, organization=organization).first()
    if user is None:
        raise NotFound()
    if role not in Role.values:
        raise InvalidInput(extra={"role": [_("Unknown role.")]})
    user.role, user.is_active = role, is_active
    user.save(update_fields=["role", "is_active"])
    return user

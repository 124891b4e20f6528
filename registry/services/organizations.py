"""Writes for organizations, their users and their API keys; each change is audited."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.actors import Actor
from registry.choices import AuditAction, Role
from registry.exceptions import InvalidInput, NotFound
from registry.models import ApiKey, Organization, User
from registry.services.audit import audit_record


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


def _api_key_view(api_key: ApiKey) -> dict:
    return {"prefix": api_key.prefix, "name": api_key.name, "role": api_key.role}


@transaction.atomic
def api_key_create(
    *,
    actor: Actor,
    organization: Organization | None = None,
    name: str = "",
    role: str = Role.OFFICER,
) -> tuple[ApiKey, str]:
    """Issue a key for ``organization`` (default: the actor's); the raw key is returned once
    and only its digest is kept."""
    organization = organization or actor.organization
    if role not in Role.values:
        raise InvalidInput(extra={"role": [_("Unknown role.")]})
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
    audit_record(
        actor_label=actor.label,
        organization=organization,
        action=AuditAction.API_KEY_CREATED,
        target=api_key,
        after=_api_key_view(api_key),
    )
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, actor: Actor, api_key_id: int) -> ApiKey:
    """Revoke one of the actor's organization's keys at once; revoking twice keeps the first
    time (and writes no second audit row)."""
    api_key = (
        ApiKey.objects.select_for_update()
        .filter(pk=api_key_id, organization=actor.organization)
        .first()
    )
    if api_key is None:
        raise NotFound()
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(
            actor_label=actor.label,
            organization=api_key.organization,
            action=AuditAction.API_KEY_REVOKED,
            target=api_key,
            before=_api_key_view(api_key),
            after={"revoked_at": api_key.revoked_at},
        )
    return api_key


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    role: str = Role.VIEWER,
    email: str = "",
    organization: Organization | None = None,
) -> User:
    """A console login of ``organization`` (default: the actor's) with ``role``; the password
    is checked by the project's password validators (``InvalidInput`` names the field)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    organization = organization or actor.organization
    if role not in Role.values:
        raise InvalidInput(extra={"role": [_("Unknown role.")]})
    user = User(username=username.strip(), email=email, organization=organization, role=role)
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
    audit_record(
        actor_label=actor.label,
        organization=organization,
        action=AuditAction.USER_CREATED,
        target=user,
        after={"username": user.username, "role": role},
    )
    return user


@transaction.atomic
def user_update(*, actor: Actor, user_id: int, role: str, is_active: bool = True) -> User:
    """Change the role of one of the actor's organization's users, or lock the login."""
    if role not in Role.values:
        raise InvalidInput(extra={"role": [_("Unknown role.")]})
    user = (
        User.objects.select_for_update().filter(pk=user_id, organization=actor.organization).first()
    )
    if user is None:
        raise NotFound()
    before = {"role": user.role, "is_active": user.is_active}
    after = {"role": role, "is_active": is_active}
    if before != after:
        user.role, user.is_active = role, is_active
        user.save(update_fields=["role", "is_active"])
        audit_record(
            actor_label=actor.label,
            organization=user.organization,
            action=AuditAction.USER_ROLE_CHANGED,
            target=user,
            before=before,
            after=after,
        )
    return user

"""Who is acting: a console user or a bank's API key, always on behalf of one organization."""

from __future__ import annotations

from dataclasses import dataclass

from registry.choices import Role
from registry.models import ApiKey, Organization, User


@dataclass(frozen=True)
class Actor:
    """The caller of a service: the organization it acts for and a label for the ledger."""

    organization: Organization
    label: str
    can_write: bool = True
    is_admin: bool = False
    user: User | None = None
    api_key: ApiKey | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(
            organization=user.organization,
            label=f"user:{user.get_username()}",
            can_write=user.can_write,
            is_admin=user.role == Role.ADMIN,
            user=user,
        )

    @classmethod
    def for_api_key(cls, api_key: ApiKey) -> Actor:
        return cls(
            organization=api_key.organization,
            label=f"api_key:{api_key.prefix}",
            can_write=api_key.can_write,
            is_admin=api_key.role == Role.ADMIN,
            api_key=api_key,
        )

    @classmethod
    def system(cls, organization: Organization) -> Actor:
        return cls(organization=organization, label="system")

    @classmethod
    def command(cls, organization: Organization, name: str) -> Actor:
        """An operator's management command acting for ``organization``."""
        return cls(organization=organization, label=f"command:{name}", is_admin=True)


class ApiKeyUser:
    """What ``request.user`` is for a request authenticated by an API key."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.organization = api_key.organization
        self.pk = None

    def __str__(self) -> str:
        return f"api_key:{self.api_key.prefix}"


def actor_from_request(request) -> Actor | None:
    """The acting organization of an authenticated request, or None if it has none."""
    user = request.user
    if isinstance(user, ApiKeyUser):
        return Actor.for_api_key(user.api_key)
    if getattr(user, "is_authenticated", False) and getattr(user, "organization_id", None):
        return Actor.for_user(user)
    return None

"""DRF authentication by ``Authorization: Bearer <api key>``."""

from __future__ import annotations

import hmac
from datetime import timedelta
from functools import cache

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from registry.actors import ApiKeyUser
from registry.models import ApiKey, Organization
from registry.selectors import rows

# Recording every use would turn each read into a write; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def parse_api_key(raw_key: str) -> str | None:
    """The lookup prefix of a key shaped ``cr_<prefix>_<secret>``, or None."""
    parts = raw_key.split("_", 2)
    if len(parts) != 3 or parts[0] != "cr" or len(parts[1]) != ApiKey.PREFIX_LENGTH:
        return None
    return parts[1]


@cache
def _key_sql() -> str:
    """The one statement authentication runs: a key by its (unique) prefix, with its
    organization."""
    return (
        f"SELECT {rows.select_list(ApiKey, 'k')}, {rows.select_list(Organization, 'o')}"  # noqa: S608 - names from the models
        f" FROM {rows.table(ApiKey, 'k')} INNER JOIN {rows.table(Organization, 'o')}"
        f" ON {rows.column(Organization, 'o', 'pk')} = {rows.column(ApiKey, 'k', 'organization')}"
        f" WHERE {rows.column(ApiKey, 'k', 'prefix')} = %s"
    )


def _api_key(prefix: str) -> ApiKey | None:
    """The key with this prefix and its organization, read from the database every time
    (a revocation holds from the next request, in every process).

    One fixed statement (``registry.selectors.rows``): building the same query through the
    ORM cost more CPU than everything else authentication does.
    """
    db = ApiKey.objects.db
    with connections[db].cursor() as cursor:
        cursor.execute(_key_sql(), [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key, organization = rows.instances(db, row, (ApiKey, Organization))
    api_key.organization = organization
    return api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, raw_key = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw_key = raw_key.strip()
        prefix = parse_api_key(raw_key)
        if prefix is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        api_key = _api_key(prefix)
        if (
            api_key is None
            or not hmac.compare_digest(api_key.key_hash, ApiKey.hash_key(raw_key))
            or not api_key.is_active
        ):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'

"""Domain errors raised by services; ``api.exception_handlers`` maps them to HTTP once."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class RegistryError(Exception):
    """Base of the registry's own errors. ``status_code`` is the HTTP status they map to."""

    status_code = 400
    default_code = "error"
    default_message = _("The request could not be carried out.")

    def __init__(self, message: Any = None, *, code: str | None = None, extra: Any = None):
        self.message = message if message is not None else self.default_message
        self.code = code or self.default_code
        self.extra = extra or {}
        super().__init__(str(self.message))


class InvalidInput(RegistryError):
    """Field errors found by a service (cross-entity rules); ``extra`` is DRF's error shape."""

    status_code = 400
    default_code = "invalid"


class PermissionDenied(RegistryError):
    status_code = 403
    default_code = "permission_denied"
    default_message = _("Only the secured party may change this registration.")


class NotFound(RegistryError):
    status_code = 404
    default_code = "not_found"
    default_message = _("Not found.")


class InvalidState(RegistryError):
    """The registration is expired or discharged: nothing may change it."""

    status_code = 409
    default_code = "invalid_state"


class ConflictRejected(RegistryError):
    """``on_conflict=reject`` and prior active registrations share identity keys."""

    status_code = 409
    default_code = "conflict"
    default_message = _("Prior active registrations exist on this collateral; nothing was written.")


class IdempotencyKeyReused(RegistryError):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used with a different request body.")


class TooManyAttempts(RegistryError):
    """Too many wrong verification codes from one client: wait before trying again."""

    status_code = 429
    default_code = "too_many_attempts"
    default_message = _("Too many attempts; try again later.")


class TooManyResults(RegistryError):
    """A search certificate must list every result; this search has more than it may hold."""

    status_code = 422
    default_code = "too_many_results"
    default_message = _("This search has too many results for a certificate; narrow it.")


class GrantorIdQuotaExceeded(RegistryError):
    """Too many grantor-ID searches of resident IDs in the window (enumeration defence).

    ``retry_after`` is the number of seconds until the oldest counted search leaves it."""

    status_code = 429
    default_code = "grantor_id_quota"
    default_message = _(
        "Too many searches by resident ID in a short time; try again later or search by "
        "another criterion."
    )

    def __init__(self, message=None, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))

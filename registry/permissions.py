"""Who may call the API: members of an organization; writes need the officer or admin role."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from registry.actors import actor_from_request


class IsOrganizationMember(permissions.BasePermission):
    message = _("You must act for an organization; writing needs the officer or admin role.")

    def has_permission(self, request, view) -> bool:
        actor = actor_from_request(request)
        if actor is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        # Search certificates and conflict checks are reads, even though they are POSTs.
        if getattr(view, "read_only_post", False):
            return True
        return actor.can_write


class WritesNeedAdmin(permissions.BasePermission):
    """Policy-level settings (haircuts, thresholds) are changed by an organization's admins."""

    message = _("Changing this setting needs the admin role.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        actor = actor_from_request(request)
        return actor is not None and actor.is_admin

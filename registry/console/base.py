"""What every console model admin shares: organization scoping, roles, error display."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from unfold.admin import ModelAdmin

from registry.console.site import can_write, is_member, is_org_admin
from registry.exceptions import InvalidInput, RegistryError


class ConsoleModelAdmin(ModelAdmin):
    """Rows of the signed-in user's organization only; read-only unless a subclass allows.

    ``organization_lookup`` is the path from the model to the organization owning the row.
    Viewers read; writes (actions, forms) need the officer or admin role, and pages marked
    ``admin_only`` are for the organization's admins alone.
    """

    organization_lookup = "organization"
    admin_only = False
    list_per_page = 50

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not is_member(request):
            return queryset.none()
        return queryset.filter(**{f"{self.organization_lookup}_id": request.user.organization_id})

    def _allowed(self, request) -> bool:
        return is_org_admin(request) if self.admin_only else is_member(request)

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_write_permission(self, request) -> bool:
        """For ``@admin.action(permissions=["write"])``: officers and admins."""
        return can_write(request) and self._allowed(request)


def flatten_errors(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [msg for value in detail.values() for msg in flatten_errors(value)]
    if isinstance(detail, list | tuple):
        return [msg for value in detail for msg in flatten_errors(value)]
    return [str(detail)]


def add_service_errors(form: forms.Form, exc: RegistryError, *, aliases=None) -> None:
    """Put a service's field errors beside the form's fields (others on top of the form)."""
    aliases = aliases or {}
    if isinstance(exc, InvalidInput) and isinstance(exc.extra, dict) and exc.extra:
        for name, detail in exc.extra.items():
            target = aliases.get(name, name)
            field_name = target if target in form.fields else None
            for message in flatten_errors(detail):
                form.add_error(field_name, message)
    else:
        form.add_error(None, str(exc.message))


def report(request, exc: RegistryError) -> None:
    messages.error(request, " ".join(flatten_errors(exc.extra)) or str(exc.message))

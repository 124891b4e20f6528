"""The organization's own administration in the console: users and roles, API keys.
For the organization's admins only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import display
from registry.choices import Role
from registry.console.base import ConsoleModelAdmin, add_service_errors
from registry.console.site import NavItem, console_site, is_org_admin, require_admin
from registry.exceptions import RegistryError
from registry.models import ApiKey, User
from registry.services.organizations import api_key_create, api_key_revoke, user_create, user_update


class UserCreateForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("username"), max_length=150)
    password = forms.CharField(label=gettext_lazy("password"), widget=forms.PasswordInput)
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=Role.choices, initial=Role.VIEWER)


class UserChangeForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=Role.choices)
    is_active = forms.BooleanField(label=gettext_lazy("may sign in"), required=False)


@admin.register(User, site=console_site)
class UserConsoleAdmin(ConsoleModelAdmin):
    admin_only = True
    list_display = ["username", "role_shown", "is_active", "last_login_shown"]
    list_display_links = None
    search_fields = ["username"]
    ordering = ["username"]

    @admin.display(description=gettext_lazy("role"))
    def role_shown(self, obj):
        return display.role_label(obj.role)

    @admin.display(description=gettext_lazy("last login"))
    def last_login_shown(self, obj):
        return display.local_datetime(obj.last_login)

    def get_list_display(self, request):
        return ["username_link", *self.list_display[1:]]

    @admin.display(description=gettext_lazy("username"), ordering="username")
    def username_link(self, obj):
        from django.utils.html import format_html

        url = reverse("console:registry_user_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.username)

    def has_add_permission(self, request) -> bool:
        return is_org_admin(request)

    def add_view(self, request, form_url="", extra_context=None):
        actor = require_admin(request)
        form = UserCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user = user_create(actor=actor, **form.cleaned_data)
            except RegistryError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Created the login %(name)s.") % {"name": user.username}
                )
                return HttpResponseRedirect(reverse("console:registry_user_changelist"))
        return self._form_page(request, form, _("Add a user"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        actor = require_admin(request)
        user = self.get_queryset(request).filter(pk=_int(object_id)).first()
        if user is None:
            raise Http404
        form = UserChangeForm(
            request.POST or None, initial={"role": user.role, "is_active": user.is_active}
        )
        if request.method == "POST" and form.is_valid():
            try:
                user_update(actor=actor, user_id=user.pk, **form.cleaned_data)
            except RegistryError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": user.username})
                return HttpResponseRedirect(reverse("console:registry_user_changelist"))
        return self._form_page(request, form, _("User %(name)s") % {"name": user.username})

    def _form_page(self, request, form, title):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "back_url": reverse("console:registry_user_changelist"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "console/simple_form.html", context)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100, required=False)
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=Role.choices, initial=Role.OFFICER)


@admin.register(ApiKey, site=console_site)
class ApiKeyConsoleAdmin(ConsoleModelAdmin):
    """The organization's API keys: a new key is shown once; revoking is immediate."""

    admin_only = True
    list_display = ["prefix_shown", "name", "role_shown", "created", "last_used", "revoked"]
    list_display_links = None
    actions = ["revoke"]
    ordering = ["-created_at"]

    @admin.display(description=gettext_lazy("prefix"))
    def prefix_shown(self, obj):
        return f"cr_{obj.prefix}_…"

    @admin.display(description=gettext_lazy("role"))
    def role_shown(self, obj):
        return display.role_label(obj.role)

    @admin.display(description=gettext_lazy("created at"))
    def created(self, obj):
        return display.local_datetime(obj.created_at)

    @admin.display(description=gettext_lazy("last used at"))
    def last_used(self, obj):
        return display.local_datetime(obj.last_used_at)

    @admin.display(description=gettext_lazy("revoked at"))
    def revoked(self, obj):
        return display.local_datetime(obj.revoked_at)

    def has_add_permission(self, request) -> bool:
        return is_org_admin(request)

    def has_write_permission(self, request) -> bool:
        return is_org_admin(request)

    @admin.action(description=gettext_lazy("Revoke the selected keys"), permissions=["write"])
    def revoke(self, request, queryset):
        actor = require_admin(request)
        for api_key in queryset:
            api_key_revoke(actor=actor, api_key_id=api_key.pk)
        messages.success(request, _("Revoked %(count)s keys.") % {"count": queryset.count()})

    def add_view(self, request, form_url="", extra_context=None):
        actor = require_admin(request)
        form = ApiKeyForm(request.POST or None)
        raw_key = None
        if request.method == "POST" and form.is_valid():
            _api_key, raw_key = api_key_create(actor=actor, **form.cleaned_data)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Issue an API key"),
            "form": form,
            "raw_key": raw_key,
            "back_url": reverse("console:registry_apikey_changelist"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "console/api_key_form.html", context)


ORGANIZATION = gettext_lazy("Organization")
console_site.add_navigation(
    NavItem(
        ORGANIZATION, gettext_lazy("Users"), "registry_user_changelist", "group", 80, is_org_admin
    )
)
console_site.add_navigation(
    NavItem(
        ORGANIZATION,
        gettext_lazy("API keys"),
        "registry_apikey_changelist",
        "key",
        81,
        is_org_admin,
    )
)

"""The lender console: a dedicated admin site for lenders' staff at ``/console/``.

Separate from the operator's ``/admin/``. Every page is scoped to the signed-in user's
organization and honours the user's role (viewer reads; officer also registers, values,
acknowledges and imports; admin also manages users, API keys, webhooks and the haircut
policy). Apps contribute their own pages from their own console modules: model admins with
``@console_site.register``, extra views with :meth:`LenderConsoleSite.add_view`, sidebar
entries with :meth:`LenderConsoleSite.add_navigation`, dashboard panels and sections of the
registration page — so this module never imports the apps that build on the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from unfold.forms import AuthenticationForm
from unfold.sites import UnfoldAdminSite

from registry.actors import Actor
from registry.choices import Role


def is_member(request: HttpRequest) -> bool:
    """An active user of a lender; the platform operator (no organization) uses /admin/."""
    user = request.user
    return bool(user.is_active and user.is_authenticated and getattr(user, "organization_id", None))


def can_write(request: HttpRequest) -> bool:
    return is_member(request) and request.user.role in (Role.OFFICER, Role.ADMIN)


def is_org_admin(request: HttpRequest) -> bool:
    return is_member(request) and request.user.role == Role.ADMIN


def console_actor(request: HttpRequest) -> Actor:
    """The acting user for the services, so every write lands in the ledger as this user."""
    if not is_member(request):
        raise PermissionDenied
    return Actor.for_user(request.user)


def require_write(request: HttpRequest) -> Actor:
    if not can_write(request):
        raise PermissionDenied
    return console_actor(request)


def require_admin(request: HttpRequest) -> Actor:
    if not is_org_admin(request):
        raise PermissionDenied
    return console_actor(request)


class ConsoleAuthenticationForm(AuthenticationForm):
    """Signs in lenders' staff: any active user of an organization (not Django's is_staff)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Enter the username and password of a console login."),
        "no_organization": _(
            "This login belongs to no lender: the platform operator uses /admin/."
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        if not user.is_active:
            raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
        if not getattr(user, "organization_id", None):
            raise forms.ValidationError(
                self.error_messages["no_organization"], code="no_organization"
            )


@dataclass(frozen=True)
class NavItem:
    """One sidebar link; ``permission`` (request → bool) hides it from who may not use it."""

    group: Any
    title: Any
    url_name: str
    icon: str = "circle"
    order: int = 100
    permission: Callable[[HttpRequest], bool] = is_member


@dataclass
class Section:
    """A block of a page contributed by an app: a template and a context builder."""

    template: str
    context: Callable[..., dict[str, Any] | None]
    order: int = 100


@dataclass
class ExportSheet:
    """One table of the portfolio export, contributed by the app that owns its rows."""

    code: str
    title: Any
    headers: Callable[[], list[str]]
    rows: Callable[[Any], list[list[Any]]]
    order: int = 100


@dataclass
class ConsoleHooks:
    views: list[tuple[str, Callable, str]] = field(default_factory=list)
    navigation: list[NavItem] = field(default_factory=list)
    dashboard: list[Section] = field(default_factory=list)
    registration_sections: list[Section] = field(default_factory=list)
    item_actions: list[Callable] = field(default_factory=list)
    export_sheets: list[ExportSheet] = field(default_factory=list)


class LenderConsoleSite(UnfoldAdminSite):
    """The admin site for lenders' staff (credit officers, viewers, lender admins)."""

    settings_name = "CONSOLE_UNFOLD"
    site_title = _("Collateral Registry")
    site_header = _("Collateral Registry")
    index_title = _("Dashboard")
    index_template = "console/dashboard.html"
    final_catch_all_view = False

    def __init__(self, name: str = "console") -> None:
        super().__init__(name)
        self.login_form = ConsoleAuthenticationForm
        self.hooks = ConsoleHooks()

    # --- what apps contribute ---------------------------------------------------------

    def add_view(self, route: str, view: Callable, name: str) -> None:
        """A page of the console at ``/console/<route>``, for signed-in members only."""
        self.hooks.views.append((route, view, name))

    def add_navigation(self, item: NavItem) -> None:
        self.hooks.navigation.append(item)

    def add_dashboard_panel(self, section: Section) -> None:
        self.hooks.dashboard.append(section)

    def add_registration_section(self, section: Section) -> None:
        self.hooks.registration_sections.append(section)

    def add_item_action(self, action: Callable) -> None:
        """``action(request, item)`` → list of ``(label, url)`` shown on an item's row."""
        self.hooks.item_actions.append(action)

    def add_export_sheet(self, sheet: ExportSheet) -> None:
        self.hooks.export_sheets.append(sheet)

    # --- the admin site -----------------------------------------------------------------

    def has_permission(self, request: HttpRequest) -> bool:
        return is_member(request)

    def extra_urls(self) -> list:
        return [
            path(route, self.admin_view(view), name=name) for route, view, name in self.hooks.views
        ]

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        context.update(
            console_can_write=can_write(request),
            console_is_admin=is_org_admin(request),
            console_organization=getattr(request.user, "organization", None),
        )
        return context

    def render_sections(self, request, sections: list[Section], **kwargs) -> list[dict]:
        rendered = []
        for section in sorted(sections, key=lambda s: s.order):
            context = section.context(request, **kwargs)
            if context is not None:
                rendered.append({"template": section.template, "context": context})
        return rendered

    def index(self, request, extra_context=None):
        context = {
            **self.each_context(request),
            "title": self.index_title,
            "panels": self.render_sections(request, self.hooks.dashboard),
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, self.index_template, context)


console_site = LenderConsoleSite()


def sidebar_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    """The console's sidebar (unfold's ``SIDEBAR.navigation``): the entries this user may use."""
    groups: dict[str, dict[str, Any]] = {}
    items = sorted(console_site.hooks.navigation, key=lambda n: n.order)
    for item in items:
        if not item.permission(request):
            continue
        group = groups.setdefault(
            str(item.group), {"title": item.group, "separator": True, "items": []}
        )
        group["items"].append(
            {
                "title": item.title,
                "icon": item.icon,
                "link": reverse(f"{console_site.name}:{item.url_name}"),
            }
        )
    return list(groups.values())

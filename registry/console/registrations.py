"""Console pages of registrations: the list, the registration page, register, amend,
extend and discharge. Every write calls the same service as the API, as the signed-in user.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collateral.kinds.base import IdentityKey, kind_choices
from registry import display
from registry.choices import OnConflict, RegistrationStatus
from registry.console.base import ConsoleModelAdmin, add_service_errors
from registry.console.forms import AmendForm, ExtendForm, ItemFormsets, RegistrationForm
from registry.console.site import can_write, console_site, require_write
from registry.exceptions import InvalidInput, RegistryError
from registry.items import grantor_validate, items_validate
from registry.models import CollateralItem, Registration
from registry.selectors.priority import conflicts_for_keys, live_entries_for_keys, rank_entries
from registry.selectors.registrations import registration_history, registrations_with_items
from registry.services import registrations as services

GRANTOR_ALIASES = {
    "name": "grantor_name",
    "id_type": "grantor_id_type",
    "id_number": "grantor_id_number",
    "period": "period_years",
    "years": "period_years",
    "months": "period_months",
}


class StatusFilter(admin.SimpleListFilter):
    """Status as derived on read (an expired registration needs no job to show as expired)."""

    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return RegistrationStatus.choices

    def queryset(self, request, queryset):
        if self.value() in RegistrationStatus.values:
            return queryset.with_status(self.value())
        return queryset


class KindFilter(admin.SimpleListFilter):
    title = gettext_lazy("collateral kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kind_choices()

    def queryset(self, request, queryset):
        if self.value():
            items = CollateralItem.objects.filter(kind=self.value(), removed_at__isnull=True)
            return queryset.filter(pk__in=items.values("registration_id"))
        return queryset


class ExpiringFilter(admin.SimpleListFilter):
    title = gettext_lazy("expiring")
    parameter_name = "expiring_within"

    def lookups(self, request, model_admin):
        return [("7", gettext_lazy("within 7 days")), ("30", gettext_lazy("within 30 days"))]

    def queryset(self, request, queryset):
        if self.value() in ("7", "30"):
            now = timezone.now()
            return queryset.active(now).filter(
                expires_at__lte=now + timedelta(days=int(self.value()))
            )
        return queryset


def _registration_url(registration: Registration) -> str:
    return reverse("console:registry_registration_change", args=[registration.pk])


def notice_url(number: str) -> str:
    return reverse("console:notice", args=[number])


def registration_link(registration: Registration, organization_id: int | None) -> str:
    """The registration page for one's own, the public notice for another lender's."""
    if registration.secured_party_id == organization_id:
        return _registration_url(registration)
    return notice_url(registration.number)


def event_summary(event, own: bool) -> str:
    """A ledger event's payload in words (for the secured party; others see the type only)."""
    if not own:
        return ""
    payload = event.payload or {}
    parts: list[str] = []
    if event.event == "registered":
        parts.append(
            _("%(count)s collateral items") % {"count": len(payload.get("collateral", []))}
        )
    if payload.get("added"):
        parts.append(_("%(count)s items added") % {"count": len(payload["added"])})
    if payload.get("removed"):
        parts.append(_("%(count)s items removed") % {"count": len(payload["removed"])})
    changes = payload.get("changes") or {}
    if "description" in changes:
        parts.append(_("description changed"))
    if "secured_amount" in changes:
        parts.append(
            _("secured amount %(old)s → %(new)s")
            % {
                "old": display.money(changes["secured_amount"]["from"]),
                "new": display.money(changes["secured_amount"]["to"]),
            }
        )
    expires = payload.get("expires_at")
    if event.event == "extended" and isinstance(expires, dict):
        parts.append(_("now expires on %(date)s") % {"date": str(expires.get("to", ""))[:10]})
    if payload.get("conflicts"):
        parts.append(_("%(count)s conflicts reported") % {"count": len(payload["conflicts"])})
    return "; ".join(parts)


def actor_shown(label: str) -> str:
    kind, _sep, name = label.partition(":")
    if kind == "user":
        return name
    if kind == "api_key":
        return _("API key %(prefix)s") % {"prefix": name}
    return _("System") if label in ("system", "seed_demo") else label


@admin.register(Registration, site=console_site)
class RegistrationConsoleAdmin(ConsoleModelAdmin):
    """The organization's registrations; each opens the registration page."""

    organization_lookup = "secured_party"
    list_display = [
        "number_link",
        "grantor_name",
        "collateral_shown",
        "status_shown",
        "registered_shown",
        "expires_shown",
        "amount_shown",
        "loan_reference",
    ]
    list_display_links = None
    list_filter = [StatusFilter, KindFilter, ExpiringFilter]
    search_fields = ["number", "grantor_name", "grantor_id_number", "loan_reference"]
    ordering = ["-registered_at", "-id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                models.Prefetch(
                    "items",
                    queryset=CollateralItem.objects.filter(removed_at__isnull=True),
                    to_attr="current_items",
                )
            )
        )

    @admin.display(description=gettext_lazy("registration number"), ordering="number")
    def number_link(self, obj):
        return format_html('<a href="{}">{}</a>', _registration_url(obj), obj.number)

    @admin.display(description=gettext_lazy("collateral"))
    def collateral_shown(self, obj):
        kinds = sorted({display.kind_label(item.kind) for item in obj.current_items})
        return "、".join(kinds)

    @admin.display(description=gettext_lazy("status"))
    def status_shown(self, obj):
        return display.status_label(obj.current_status())

    @admin.display(description=gettext_lazy("registered at"), ordering="registered_at")
    def registered_shown(self, obj):
        return display.local_datetime(obj.registered_at)

    @admin.display(description=gettext_lazy("expires at"), ordering="expires_at")
    def expires_shown(self, obj):
        return display.local_datetime(obj.expires_at)

    @admin.display(description=gettext_lazy("secured amount"), ordering="secured_amount")
    def amount_shown(self, obj):
        return display.money(obj.secured_amount, obj.currency)

    def has_add_permission(self, request) -> bool:
        return can_write(request)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/amend/", wrap(self.amend_view), name="registry_registration_amend"),
            path("<int:pk>/extend/", wrap(self.extend_view), name="registry_registration_extend"),
            path(
                "<int:pk>/discharge/",
                wrap(self.discharge_view),
                name="registry_registration_discharge",
            ),
            *super().get_urls(),
        ]

    # --- the registration page --------------------------------------------------------

    def _own(self, request, pk) -> Registration:
        """One of the user's organization's registrations, or 404 (never another lender's)."""
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise Http404 from None
        own = Registration.objects.filter(secured_party_id=request.user.organization_id)
        return get_object_or_404(registrations_with_items(own), pk=pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        registration = self._own(request, object_id)
        organization_id = request.user.organization_id
        items = registration.current_items
        keys = {IdentityKey(k.scheme, k.value) for item in items for k in item.key_list}
        ranked = rank_entries(live_entries_for_keys(keys))
        item_rows = []
        for item in items:
            view = display.item_view(item)
            ranks = []
            for label, value, scheme in view.identifiers:
                ranking = ranked.get(IdentityKey(scheme, value), [])
                rank = next((r.rank for r in ranking if r.registration.pk == registration.pk), None)
                ranks.append({"label": label, "value": value, "rank": rank, "of": len(ranking)})
            actions = [
                action for hook in console_site.hooks.item_actions for action in hook(request, item)
            ]
            item_rows.append({"view": view, "ranks": ranks, "actions": actions})
        conflicts = [
            {
                "conflict": c,
                "url": registration_link(c.registration, organization_id),
                "matched": [(display.scheme_label(k.scheme), k.value) for k in c.matched],
                "ahead": c.effective_at < registration.registered_at,
            }
            for c in conflicts_for_keys(keys, exclude_registration_id=registration.pk)
        ]
        history = [
            {
                "event": event,
                "actor": actor_shown(event.actor),
                "summary": event_summary(event, own=True),
            }
            for event in registration_history(
                number=registration.number, organization=registration.secured_party
            ).events
        ]
        active = registration.is_active()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Registration %(number)s") % {"number": registration.number},
            "registration": registration,
            "status": registration.current_status(),
            "grantor_id": display.grantor_id_shown(registration, organization_id),
            "items": item_rows,
            "conflicts": conflicts,
            "history": history,
            "sections": console_site.render_sections(
                request, console_site.hooks.registration_sections, registration=registration
            ),
            "can_change": can_write(request) and active,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "console/registration_detail.html", context)

    # --- register -----------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        actor = require_write(request)
        form = RegistrationForm(request.POST or None)
        items = ItemFormsets(request.POST or None)
        conflicts = None
        if request.method == "POST" and form.is_valid() & items.is_valid():
            raw_items, item_forms = items.raw_items()
            try:
                grantor = grantor_validate(form.grantor())
                period = services.Period(
                    years=form.cleaned_data.get("period_years") or 0,
                    months=form.cleaned_data.get("period_months") or 0,
                )
                if not raw_items:
                    raise InvalidInput(
                        extra={"collateral": [_("Add at least one collateral item.")]}
                    )
                validated = items_validate(raw_items)
                keys = {key for item in validated for key in item.keys}
                if "check" in request.POST:
                    # the dry run: the API's conflict check, nothing written
                    conflicts = conflicts_for_keys(keys)
                else:
                    result = services.registration_create(
                        actor=actor,
                        grantor=grantor,
                        items=validated,
                        period=period,
                        secured_amount=form.cleaned_data.get("secured_amount"),
                        currency=form.cleaned_data["currency"],
                        loan_reference=form.cleaned_data.get("loan_reference", ""),
                        description=form.cleaned_data.get("description", ""),
                        on_conflict=OnConflict.ACCEPT,
                    )
                    self._report_registered(request, result)
                    return HttpResponseRedirect(_registration_url(result.registration))
            except RegistryError as exc:
                _attach_errors(form, item_forms, exc)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Register a pledge"),
            "form": form,
            "item_formsets": items,
            "conflicts": _conflict_rows(conflicts, request.user.organization_id),
            "checked": conflicts is not None,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "console/registration_form.html", context)

    def _report_registered(self, request, result) -> None:
        number = result.registration.number
        if result.conflicts:
            messages.warning(
                request,
                _(
                    "Registered %(number)s. Prior registrations hold some of this collateral: "
                    "%(others)s — see the conflicts below."
                )
                % {
                    "number": number,
                    "others": ", ".join(c.registration.number for c in result.conflicts),
                },
            )
        else:
            messages.success(request, _("Registered %(number)s.") % {"number": number})

    # --- amend, extend, discharge -------------------------------------------------------

    def amend_view(self, request, pk):
        actor = require_write(request)
        registration = self._own(request, pk)
        choices = [
            (str(item.pk), display.item_view(item).summary) for item in registration.current_items
        ]
        form = AmendForm(
            request.POST or None,
            item_choices=choices,
            initial={
                "description": registration.description,
                "secured_amount": registration.secured_amount,
            },
        )
        items = ItemFormsets(request.POST or None, prefix="add")
        if request.method == "POST" and form.is_valid() & items.is_valid():
            raw_items, item_forms = items.raw_items()
            try:
                validated = (
                    items_validate(raw_items, field="add_collateral", min_items=0)
                    if raw_items
                    else []
                )
                result = services.registration_amend(
                    actor=actor,
                    number=registration.number,
                    add_items=validated,
                    remove_item_ids=[int(pk) for pk in form.cleaned_data["remove_items"]],
                    description=form.cleaned_data["description"],
                    secured_amount=form.cleaned_data["secured_amount"],
                )
                self._report_amended(request, result)
                return HttpResponseRedirect(_registration_url(registration))
            except RegistryError as exc:
                _attach_errors(form, item_forms, exc, list_field="add_collateral")
        return self._action_page(
            request,
            registration,
            "console/registration_amend.html",
            _("Amend %(number)s") % {"number": registration.number},
            form=form,
            item_formsets=items,
        )

    def _report_amended(self, request, result) -> None:
        messages.success(request, _("Amended %(number)s.") % {"number": result.registration.number})
        if result.conflicts:
            messages.warning(
                request,
                _("Prior registrations hold added collateral: %(others)s.")
                % {"others": ", ".join(c.registration.number for c in result.conflicts)},
            )

    def extend_view(self, request, pk):
        actor = require_write(request)
        registration = self._own(request, pk)
        form = ExtendForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                period = services.Period(
                    years=form.cleaned_data.get("period_years") or 0,
                    months=form.cleaned_data.get("period_months") or 0,
                )
                extended = services.registration_extend(
                    actor=actor, number=registration.number, period=period
                )
                messages.success(
                    request,
                    _("Extended %(number)s; it now expires at %(expires)s.")
                    % {
                        "number": extended.number,
                        "expires": display.local_datetime(extended.expires_at),
                    },
                )
                return HttpResponseRedirect(_registration_url(registration))
            except RegistryError as exc:
                add_service_errors(form, exc, aliases=GRANTOR_ALIASES)
        return self._action_page(
            request,
            registration,
            "console/registration_extend.html",
            _("Extend %(number)s") % {"number": registration.number},
            form=form,
        )

    def discharge_view(self, request, pk):
        actor = require_write(request)
        registration = self._own(request, pk)
        error = None
        if request.method == "POST":
            try:
                services.registration_discharge(actor=actor, number=registration.number)
                messages.success(
                    request, _("Discharged %(number)s.") % {"number": registration.number}
                )
                return HttpResponseRedirect(_registration_url(registration))
            except RegistryError as exc:
                error = str(exc.message)
        return self._action_page(
            request,
            registration,
            "console/registration_discharge.html",
            _("Discharge %(number)s") % {"number": registration.number},
            error=error,
        )

    def _action_page(self, request, registration, template, title, **extra: Any):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "registration": registration,
            "back_url": _registration_url(registration),
            "opts": self.model._meta,
            **extra,
        }
        return TemplateResponse(request, template, context)


def _conflict_rows(conflicts, organization_id):
    if conflicts is None:
        return None
    return [
        {
            "conflict": c,
            "url": registration_link(c.registration, organization_id),
            "matched": [(display.scheme_label(k.scheme), k.value) for k in c.matched],
        }
        for c in conflicts
    ]


def _attach_errors(form, item_forms, exc: RegistryError, *, list_field: str = "collateral"):
    """Field errors beside their fields: the grantor's and period's on the form, each item's
    on its own item form (the service reports them by position, as the API does)."""
    extra = exc.extra if isinstance(exc, InvalidInput) and isinstance(exc.extra, dict) else {}
    item_errors = extra.get(list_field)
    if isinstance(item_errors, list) and item_errors and isinstance(item_errors[0], dict):
        for item_form, errors in zip(item_forms, item_errors, strict=False):
            for name, detail in (errors or {}).items():
                target = name if name in item_form.fields else None
                for message in _messages(detail):
                    item_form.add_error(target, message)
        rest = {k: v for k, v in extra.items() if k != list_field}
        if rest:
            add_service_errors(form, InvalidInput(extra=rest), aliases=GRANTOR_ALIASES)
        return
    if "grantor" in extra and isinstance(extra["grantor"], dict):
        extra = {**extra.pop("grantor"), **extra}
        exc = InvalidInput(extra=extra)
    add_service_errors(form, exc, aliases=GRANTOR_ALIASES)


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [
            f"{key + 1 if isinstance(key, int) else key}: {m}"
            for key, value in detail.items()
            for m in _messages(value)
        ]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]

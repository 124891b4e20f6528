"""The console's alert pages: the inbox (acknowledge one or many), webhooks with their
delivery log, alert settings; the dashboard's alert panels and the alerts of a registration.

Part of the alerts app; registered on the lender console when Django discovers ``console`` modules.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import display
from registry.alerts.choices import AlertKind, AlertSeverity, AlertStatus, NotificationEvent
from registry.alerts.models import Alert, Webhook, alert_message
from registry.alerts.selectors import alerts_of, webhook_deliveries, webhook_get
from registry.alerts.services.alerts import alert_acknowledge, alert_settings_set
from registry.alerts.services.webhooks import webhook_subscribe, webhook_unsubscribe
from registry.console.base import ConsoleModelAdmin, add_service_errors, report
from registry.console.registrations import registration_link
from registry.console.site import (
    ExportSheet,
    NavItem,
    Section,
    console_site,
    is_org_admin,
    require_admin,
    require_write,
)
from registry.exceptions import RegistryError


def alert_message_shown(alert: Alert) -> str:
    """The alert's message in the reader's language (schemes by their labels)."""
    return alert_message(alert.message_code, alert.message_params)


def _inbox_url(**params) -> str:
    query = "&".join(f"{k}__exact={v}" for k, v in params.items())
    return reverse("console:alerts_alert_changelist") + (f"?{query}" if query else "")


@admin.register(Alert, site=console_site)
class AlertInboxAdmin(ConsoleModelAdmin):
    """The organization's alerts, by their message; officers acknowledge them."""

    list_display = [
        "message_shown",
        "kind_shown",
        "severity_shown",
        "status_shown",
        "registrations_shown",
        "created_shown",
    ]
    list_display_links = None
    list_filter = ["kind", "status"]
    actions = ["acknowledge"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("registration")
            .prefetch_related("related_registrations")
        )

    @admin.display(description=gettext_lazy("message"))
    def message_shown(self, obj):
        return alert_message_shown(obj)

    @admin.display(description=gettext_lazy("kind"))
    def kind_shown(self, obj):
        return display.choice_label(AlertKind, obj.kind)

    @admin.display(description=gettext_lazy("severity"))
    def severity_shown(self, obj):
        return display.choice_label(AlertSeverity, obj.severity)

    @admin.display(description=gettext_lazy("status"))
    def status_shown(self, obj):
        return display.choice_label(AlertStatus, obj.status)

    @admin.display(description=gettext_lazy("registrations involved"))
    def registrations_shown(self, obj):
        registrations = {obj.registration.pk: obj.registration}
        registrations.update((r.pk, r) for r in obj.related_registrations.all())
        organization_id = obj.organization_id
        return format_html_join(
            " ",
            '<a href="{}">{}</a>',
            (
                (registration_link(r, organization_id), r.number)
                for r in sorted(registrations.values(), key=lambda r: r.number)
            ),
        )

    @admin.display(description=gettext_lazy("raised at"), ordering="created_at")
    def created_shown(self, obj):
        return display.local_datetime(obj.created_at)

    @admin.action(
        description=gettext_lazy("Acknowledge the selected alerts"), permissions=["write"]
    )
    def acknowledge(self, request, queryset):
        actor = require_write(request)
        done = 0
        for alert in queryset:
            try:
                alert_acknowledge(actor=actor, alert_id=alert.pk)
                done += 1
            except RegistryError as exc:
                report(request, exc)
        messages.success(request, _("Acknowledged %(count)s alerts.") % {"count": done})


class WebhookForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("alert kinds"),
        choices=AlertKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every kind."),
    )


@admin.register(Webhook, site=console_site)
class WebhookConsoleAdmin(ConsoleModelAdmin):
    """Webhook subscriptions; the secret is shown once; each opens its delivery log."""

    admin_only = True
    list_display = ["url_link", "kinds_shown", "secret_hint", "created_shown", "unsubscribed"]
    list_display_links = None
    actions = ["unsubscribe"]
    ordering = ["-created_at"]

    @admin.display(description=gettext_lazy("URL"))
    def url_link(self, obj):
        url = reverse("console:alerts_webhook_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.url)

    @admin.display(description=gettext_lazy("alert kinds"))
    def kinds_shown(self, obj):
        return "、".join(display.choice_label(AlertKind, k) for k in obj.event_types)

    @admin.display(description=gettext_lazy("created at"))
    def created_shown(self, obj):
        return display.local_datetime(obj.created_at)

    @admin.display(description=gettext_lazy("unsubscribed at"))
    def unsubscribed(self, obj):
        return display.local_datetime(obj.deleted_at)

    def has_add_permission(self, request) -> bool:
        return is_org_admin(request)

    def has_write_permission(self, request) -> bool:
        return is_org_admin(request)

    @admin.action(
        description=gettext_lazy("Unsubscribe the selected webhooks"), permissions=["write"]
    )
    def unsubscribe(self, request, queryset):
        actor = require_admin(request)
        for webhook in queryset.filter(deleted_at__isnull=True):
            webhook_unsubscribe(actor=actor, webhook_id=webhook.pk)
        messages.success(request, _("Unsubscribed."))

    def add_view(self, request, form_url="", extra_context=None):
        actor = require_admin(request)
        form = WebhookForm(request.POST or None)
        secret = None
        if request.method == "POST" and form.is_valid():
            try:
                _webhook, secret = webhook_subscribe(actor=actor, **form.cleaned_data)
            except RegistryError as exc:
                add_service_errors(form, exc)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Subscribe a webhook"),
            "form": form,
            "secret": secret,
            "back_url": reverse("console:alerts_webhook_changelist"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "console/webhook_form.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        actor = require_admin(request)
        try:
            webhook = webhook_get(
                organization=actor.organization, webhook_id=int(object_id), include_deleted=True
            )
        except (RegistryError, ValueError):
            raise Http404 from None
        deliveries = [
            {
                "delivery": d,
                "event": display.choice_label(NotificationEvent, d.event),
                "at": display.local_datetime(d.attempted_at),
                "next": display.local_datetime(d.next_attempt_at),
            }
            for d in webhook_deliveries(webhook=webhook)[:200]
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Webhook %(url)s") % {"url": webhook.url},
            "webhook": webhook,
            "kinds": [display.choice_label(AlertKind, k) for k in webhook.event_types],
            "deliveries": deliveries,
            "back_url": reverse("console:alerts_webhook_changelist"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "console/webhook_detail.html", context)


class AlertSettingsForm(forms.Form):
    expiring_thresholds = forms.CharField(
        label=gettext_lazy("Alert before expiry (days)"),
        help_text=gettext_lazy("Comma-separated days before expiry, e.g. 30, 7, 1."),
    )

    def clean_expiring_thresholds(self):
        text = self.cleaned_data["expiring_thresholds"].replace("，", ",")
        try:
            return [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Give whole numbers of days.")) from None


def alert_settings_view(request):
    actor = require_admin(request)
    current = getattr(actor.organization, "alert_settings", None)
    thresholds = current.expiring_thresholds if current else [30, 7, 1]
    form = AlertSettingsForm(
        request.POST or None,
        initial={"expiring_thresholds": ", ".join(str(t) for t in thresholds)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            alert_settings_set(actor=actor, **form.cleaned_data)
        except RegistryError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Alert settings saved."))
            return HttpResponseRedirect(reverse("console:alert_settings"))
    context = {
        **console_site.each_context(request),
        "title": _("Alert settings"),
        "form": form,
        "back_url": reverse("console:index"),
    }
    return TemplateResponse(request, "console/simple_form.html", context)


def _open_alerts_panel(request) -> dict:
    counts = dict(
        alerts_of(organization=request.user.organization)
        .filter(status=AlertStatus.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return {
        "title": _("Open alerts by kind"),
        "count": sum(counts.values()),
        "url": _inbox_url(status=AlertStatus.OPEN),
        "rows": [
            {
                "label": label,
                "detail": counts.get(kind, 0),
                "url": _inbox_url(kind=kind, status=AlertStatus.OPEN),
            }
            for kind, label in AlertKind.choices
        ],
    }


def _shortfalls_panel(request) -> dict:
    shortfalls = (
        alerts_of(organization=request.user.organization)
        .filter(kind=AlertKind.COVERAGE_SHORTFALL)
        .exclude(status=AlertStatus.RESOLVED)
    )
    return {
        "title": _("Coverage shortfalls"),
        "count": shortfalls.count(),
        "url": _inbox_url(kind=AlertKind.COVERAGE_SHORTFALL),
        "rows": [
            {
                "label": a.registration.number,
                "detail": alert_message_shown(a),
                "url": registration_link(a.registration, a.organization_id),
            }
            for a in shortfalls[:5]
        ],
    }


def _registration_alerts(request, registration) -> dict | None:
    alerts = (
        alerts_of(organization=request.user.organization)
        .filter(registration=registration)
        .exclude(status=AlertStatus.RESOLVED)
    )
    return {
        "alerts": [
            {
                "message": alert_message_shown(a),
                "kind": display.choice_label(AlertKind, a.kind),
                "status": display.choice_label(AlertStatus, a.status),
            }
            for a in alerts
        ],
        "inbox_url": _inbox_url(),
    }


def _alert_headers() -> list[str]:
    return [_("raised at"), _("kind"), _("severity"), _("status"), _("registration"), _("message")]


def _alert_rows(organization) -> list[list]:
    return [
        [
            display.local_datetime(a.created_at),
            display.choice_label(AlertKind, a.kind),
            display.choice_label(AlertSeverity, a.severity),
            display.choice_label(AlertStatus, a.status),
            a.registration.number,
            alert_message_shown(a),
        ]
        for a in alerts_of(organization=organization)
    ]


console_site.add_view("alert-settings/", alert_settings_view, "alert_settings")
console_site.add_dashboard_panel(Section("console/panel_list.html", _open_alerts_panel, order=10))
console_site.add_dashboard_panel(Section("console/panel_list.html", _shortfalls_panel, order=30))
console_site.add_registration_section(
    Section("console/section_alerts.html", _registration_alerts, order=50)
)
console_site.add_export_sheet(
    ExportSheet("alerts", gettext_lazy("Alerts"), _alert_headers, _alert_rows, 40)
)
WORK = gettext_lazy("Daily work")
ORGANIZATION = gettext_lazy("Organization")
console_site.add_navigation(
    NavItem(WORK, gettext_lazy("Alerts"), "alerts_alert_changelist", "notifications", 30)
)
console_site.add_navigation(
    NavItem(
        ORGANIZATION,
        gettext_lazy("Webhooks"),
        "alerts_webhook_changelist",
        "webhook",
        82,
        is_org_admin,
    )
)
console_site.add_navigation(
    NavItem(
        ORGANIZATION, gettext_lazy("Alert settings"), "alert_settings", "tune", 84, is_org_admin
    )
)

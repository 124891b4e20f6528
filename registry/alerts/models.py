"""Alerts, their delivery outbox (e-mail and webhooks) and the webhook subscriptions.

An :class:`Alert` is what a scheduled or incremental check found; a :class:`Notification` is
one message about it still to send (or sent) on one channel to one recipient, written in the
same transaction as the alert; a :class:`WebhookDelivery` is one HTTP attempt of a webhook
notification.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from collateral.kinds.base import all_kinds
from registry.alerts.choices import (
    UNRESOLVED,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    NotificationChannel,
    NotificationEvent,
    NotificationStatus,
)
from registry.models import CollateralItem, Organization, Registration, User

DEFAULT_EXPIRING_THRESHOLDS = (30, 7, 1)

# Rendered on read in the reader's language; parameters are plain strings and numbers.
MESSAGES = {
    "duplicate_pledge": _(
        "Collateral of registration %(number)s (%(keys)s) is also pledged under "
        "registration %(others)s."
    ),
    "expiring": ngettext_lazy(
        "Registration %(number)s expires within %(threshold)s day, on %(expires_on)s.",
        "Registration %(number)s expires within %(threshold)s days, on %(expires_on)s.",
        "threshold",
    ),
    "stale_valuation.missing": _(
        "Collateral item %(item)s of registration %(number)s has no valuation."
    ),
    "stale_valuation.outdated": _(
        "The valuation of collateral item %(item)s of registration %(number)s, made on "
        "%(valued_on)s, is out of date."
    ),
    "stale_valuation": _(
        "The valuation of collateral item %(item)s of registration %(number)s needs "
        "renewing (%(reason)s)."
    ),
    "coverage_shortfall": _(
        "Coverage of registration %(number)s is %(ratio)s, below the threshold of "
        "%(threshold)s; the shortfall is %(shortfall)s %(currency)s."
    ),
    "objection": _(
        "%(objector)s filed an objection to registration %(number)s on %(filed_on)s; unless "
        "a court or arbitration case is recorded it lapses on %(lapses_on)s."
    ),
    "objection.case_pending": _(
        "The objection of %(objector)s to registration %(number)s stands: case %(case)s "
        "was accepted by %(body)s."
    ),
    "grantor_watch.registered": _(
        "%(secured_party)s registered %(number)s naming the watched grantor %(grantor)s."
    ),
    "grantor_watch.amended": _(
        "Registration %(number)s of %(secured_party)s naming the watched grantor %(grantor)s "
        "was amended."
    ),
    "grantor_watch.extended": _(
        "Registration %(number)s of %(secured_party)s naming the watched grantor %(grantor)s "
        "was extended."
    ),
    "grantor_watch.transferred": _(
        "Registration %(number)s naming the watched grantor %(grantor)s is now held by "
        "%(secured_party)s."
    ),
    "grantor_watch.discharged": _(
        "Registration %(number)s of %(secured_party)s naming the watched grantor %(grantor)s "
        "was discharged."
    ),
}


@lru_cache(maxsize=1)
def _scheme_labels() -> tuple[re.Pattern, dict[str, Any]]:
    """Every identity-key scheme's code, as one pattern, and its (lazy) label."""
    labels = {code: label for kind in all_kinds().values() for code, label in kind.schemes.items()}
    return re.compile(r"\b(" + "|".join(map(re.escape, labels)) + r")\b"), labels


def _schemes_named(value: Any) -> Any:
    """A stored parameter with identity-key schemes by their labels in the active language
    (a duplicate pledge's keys are stored by code: ``cn_patent 201710000001.X``)."""
    if not isinstance(value, str):
        return value
    pattern, labels = _scheme_labels()
    return pattern.sub(lambda m: str(labels[m.group(1)]), value)


def alert_message(code: str, params: dict[str, Any]) -> str:
    """The message of an alert in the active language, as a person reads it (schemes by
    their labels, not their codes) in the console, the API, e-mail and webhooks; never
    fails on a bad template."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    params = {name: _schemes_named(value) for name, value in (params or {}).items()}
    try:
        return str(template % params)  # a plural message picks its form from the params
    except (KeyError, TypeError, ValueError):
        return str(template) or code


def default_expiring_thresholds() -> list[int]:
    return list(DEFAULT_EXPIRING_THRESHOLDS)


class AlertSettings(models.Model):
    """Per-organization alert preferences; an organization without a row gets the defaults."""

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="alert_settings",
    )
    expiring_thresholds = models.JSONField(
        _("expiring thresholds (days)"),
        default=default_expiring_thresholds,
        help_text=_("Days before expiry at which an alert is raised, e.g. [30, 7, 1]."),
    )

    class Meta:
        db_table = "registry_alertsettings"  # kept from the registry app
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return f"{self.organization.code}: {self.expiring_thresholds}"

    def clean(self) -> None:
        thresholds = self.expiring_thresholds
        if (
            not isinstance(thresholds, list)
            or not 1 <= len(thresholds) <= 10
            or not all(isinstance(t, int) and 1 <= t <= 365 for t in thresholds)
            or len(set(thresholds)) != len(thresholds)
        ):
            raise ValidationError(
                {"expiring_thresholds": _("Give 1–10 distinct whole numbers of days, 1–365.")}
            )


class Alert(models.Model):
    """Something a lender must look at: a duplicate pledge, an expiry, a stale valuation or a
    coverage shortfall, about one subject.

    ``subject_key`` names the subject stably (the colliding registrations, the registration and
    threshold, the item), so a scan that runs twice finds the alert it raised the first time.
    The database allows one unresolved (open or acknowledged) alert per organization, kind and
    subject. The message is stored as a code and parameters and rendered in the reader's
    language.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    related_registrations = models.ManyToManyField(
        Registration,
        verbose_name=_("registrations involved"),
        related_name="+",
        blank=True,
        db_table="registry_alert_related_registrations",
        help_text=_("For a duplicate pledge: every registration of the colliding set."),
    )
    item = models.ForeignKey(
        CollateralItem,
        verbose_name=_("collateral item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
    )
    subject_key = models.CharField(_("subject"), max_length=255)
    severity = models.CharField(_("severity"), max_length=10, choices=AlertSeverity.choices)
    message_code = models.CharField(_("message code"), max_length=60)
    message_params = models.JSONField(
        _("message parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.CharField(_("acknowledged by"), max_length=100, blank=True)
    acknowledged_by_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "registry_alert"  # kept from the registry app
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "subject_key"],
                condition=models.Q(status__in=UNRESOLVED),
                name="alert_one_unresolved_per_subject",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AlertStatus.RESOLVED)
                | models.Q(resolved_at__isnull=False),
                name="alert_resolved_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "status", "-created_at"], name="alert_org_status_idx"
            ),
            models.Index(
                fields=["kind", "subject_key"],
                name="alert_unresolved_kind_idx",
                condition=models.Q(status__in=UNRESOLVED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_key} ({self.status})"

    @property
    def message(self) -> str:
        """The message in the active language (zh-hans or en)."""
        return alert_message(self.message_code, self.message_params)


class Webhook(models.Model):
    """A lender's subscription: alerts of the chosen kinds are POSTed, HMAC-signed, to ``url``.

    The signing secret is shown once when the subscription is made. HMAC needs the secret
    itself, so it cannot be hashed like an API key; it is kept encrypted (Fernet, with a key
    from the settings, not the database) and never returned again.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="webhooks",
    )
    url = models.URLField(_("URL"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list)
    secret_encrypted = models.TextField(_("encrypted secret"))
    secret_hint = models.CharField(_("secret hint"), max_length=16)
    created_by = models.CharField(_("created by"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        db_table = "registry_webhook"  # kept from the registry app
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organization.code} → {self.url}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None


class Notification(models.Model):
    """The outbox: one message about one alert, on one channel, to one recipient.

    Written in the alert's transaction, so an alert is never raised without its messages nor
    the other way round. A sender claims a row with a conditional UPDATE (pending → sending,
    with its own ``claim_token``) before sending, so two senders never send one row twice.
    """

    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True)
    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="notifications"
    )
    event = models.CharField(_("event"), max_length=20, choices=NotificationEvent.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    webhook = models.ForeignKey(
        Webhook, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    payload = models.JSONField(_("payload"), null=True, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        db_table = "registry_notification"  # kept from the registry app
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "event", "channel", "recipient"],
                name="notification_once_per_recipient",
            )
        ]
        indexes = [
            models.Index(
                fields=["channel", "next_attempt_at"],
                name="notification_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.channel} → {self.recipient} ({self.status})"


class WebhookDelivery(models.Model):
    """One HTTP attempt to deliver a webhook notification, successful or not."""

    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.PROTECT, related_name="deliveries"
    )
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    attempt = models.PositiveIntegerField(_("attempt"))
    event = models.CharField(_("event"), max_length=20, choices=NotificationEvent.choices)
    success = models.BooleanField(_("success"), default=False)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.TextField(_("error"), blank=True)
    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        db_table = "registry_webhookdelivery"  # kept from the registry app
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-attempted_at", "-id"]
        indexes = [
            models.Index(fields=["webhook", "-attempted_at"], name="webhook_delivery_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} #{self.attempt} {self.status_code or self.error[:30]}"


class GrantorWatch(models.Model):
    """An organization watching a grantor ID: every registration, amendment or discharge that
    names it raises a ``grantor_watch`` alert for the watcher. Private to its owner."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="grantor_watches",
    )
    id_type = models.CharField(_("ID type"), max_length=20)
    id_number = models.CharField(_("ID number"), max_length=64)
    created_by = models.CharField(_("created by"), max_length=100)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("grantor watch")
        verbose_name_plural = _("grantor watches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "id_type", "id_number"], name="grantor_watch_once"
            )
        ]
        indexes = [models.Index(fields=["id_type", "id_number"], name="grantor_watch_id_idx")]

    def __str__(self) -> str:
        return f"{self.organization_id} watches {self.id_type}:{self.id_number}"

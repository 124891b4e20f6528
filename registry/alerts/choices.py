"""Enumerations of the alerts app (values are stored, labels shown)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    DUPLICATE_PLEDGE = "duplicate_pledge", _("Duplicate pledge")
    EXPIRING = "expiring", _("Expiring registration")
    STALE_VALUATION = "stale_valuation", _("Stale valuation")
    COVERAGE_SHORTFALL = "coverage_shortfall", _("Coverage shortfall")
    OBJECTION = "objection", _("Objection to a registration")
    GRANTOR_WATCH = "grantor_watch", _("Watched grantor")


class WatchedIdType(models.TextChoices):
    """The grantor IDs a watch may name (the values of ``collateral``'s grantor ID types)."""

    USCC = "uscc", _("Unified social credit code")
    RESIDENT_ID = "resident_id", _("Resident ID")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertSeverity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail, immediate")
    DIGEST = "digest", _("E-mail, daily digest")
    WEBHOOK = "webhook", _("Webhook")


class NotificationEvent(models.TextChoices):
    OPENED = "alert.opened", _("Alert opened")
    RESOLVED = "alert.resolved", _("Alert resolved")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")

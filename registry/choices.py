"""Enumerations of the registry app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    OFFICER = "officer", _("Officer")
    VIEWER = "viewer", _("Viewer")


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    DISCHARGED = "discharged", _("Discharged")


class LedgerEventType(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    AMENDED = "amended", _("Amended")
    EXTENDED = "extended", _("Extended")
    DISCHARGED = "discharged", _("Discharged")
    EXPIRED = "expired", _("Expired")


class OnConflict(models.TextChoices):
    ACCEPT = "accept", _("Register and report conflicts")
    REJECT = "reject", _("Reject if any conflict")


class MatchType(models.TextChoices):
    EXACT = "exact", _("Exact")
    SIMILAR = "similar", _("Similar")

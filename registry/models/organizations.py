"""Lenders, their users and their API keys."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import Role


class Organization(models.Model):
    """A lender (bank, microlender, guarantee company): the secured party of registrations."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9_]{2,20}$", _("Use 2–20 upper-case letters, digits or underscores.")
            )
        ],
    )
    name = models.CharField(_("name"), max_length=200)
    notification_email = models.EmailField(_("notification e-mail"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class User(AbstractUser):
    """A console user; belongs to one organization (the platform operator is a superuser)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def can_write(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICER)


class ApiKey(models.Model):
    """A bank system's credential. Only a SHA-256 digest and a lookup prefix are stored.

    The key is 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    """

    PREFIX_LENGTH = 8

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.OFFICER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organization.code} {self.prefix}…"

    @staticmethod
    def hash_key(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICER)

"""Registrations (登记), their collateral items and the identity index behind priority."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import RegistrationStatus
from registry.models.organizations import Organization


def active_q(now: datetime | None = None, prefix: str = "") -> models.Q:
    """Active as derived on read: not discharged and not past ``expires_at``. ``prefix``
    reaches a registration from another model, e.g. ``"registration__"`` from an item."""
    return models.Q(
        **{
            f"{prefix}status": RegistrationStatus.ACTIVE,
            f"{prefix}expires_at__gt": now or timezone.now(),
        }
    )


class RegistrationQuerySet(models.QuerySet):
    def active(self, now: datetime | None = None) -> RegistrationQuerySet:
        return self.filter(active_q(now))

    def with_status(self, status: str, now: datetime | None = None) -> RegistrationQuerySet:
        """Filter by the status as derived on read (expiry needs no job to have run)."""
        now = now or timezone.now()
        if status == RegistrationStatus.ACTIVE:
            return self.active(now)
        if status == RegistrationStatus.EXPIRED:
            return self.filter(
                models.Q(status=RegistrationStatus.EXPIRED)
                | models.Q(status=RegistrationStatus.ACTIVE, expires_at__lte=now)
            )
        return self.filter(status=status)


class Registration(models.Model):
    """A public notice that a secured party holds a pledge over listed collateral.

    ``status`` as stored may lag behind the clock (``active`` past ``expires_at`` until the
    daily job flips it); read :attr:`current_status`, which is always right.
    """

    number = models.CharField(_("registration number"), max_length=13, unique=True)
    secured_party = models.ForeignKey(
        Organization,
        verbose_name=_("secured party"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    grantor_name = models.CharField(_("grantor name"), max_length=200)
    grantor_id_type = models.CharField(_("grantor ID type"), max_length=20)
    grantor_id_number = models.CharField(_("grantor ID number"), max_length=64, db_index=True)
    # False only for a USCC registered over a failed check character with a recorded override
    grantor_id_verified = models.BooleanField(_("grantor ID verified"), default=True)
    grantor_id_override_reason = models.CharField(
        _("grantor ID check override reason"), max_length=500, blank=True
    )
    registered_at = models.DateTimeField(_("registered at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.ACTIVE,
    )
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    secured_amount = models.DecimalField(
        _("secured amount"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    loan_reference = models.CharField(_("loan reference"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["secured_party", "-registered_at"], name="reg_party_time_idx"),
            models.Index(fields=["grantor_name"], name="reg_grantor_name_idx"),
            # grantor-ID search compares upper-cased (passport numbers are typed either way)
            models.Index(Upper("grantor_id_number"), name="reg_grantor_id_upper_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("registered_at")),
                name="registration_expires_after_registered",
            ),
            models.CheckConstraint(
                condition=models.Q(secured_amount__isnull=True) | models.Q(secured_amount__gte=0),
                name="registration_secured_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(grantor_id_verified=True)
                | ~models.Q(grantor_id_override_reason=""),
                name="registration_unverified_grantor_id_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def current_status(self, now: datetime | None = None) -> str:
        if self.status == RegistrationStatus.ACTIVE and self.expires_at <= (now or timezone.now()):
            return RegistrationStatus.EXPIRED
        return self.status

    def is_active(self, now: datetime | None = None) -> bool:
        return self.current_status(now) == RegistrationStatus.ACTIVE


class CollateralItem(models.Model):
    """One item of collateral as registered; ``attributes`` hold its kind's normalized fields.

    Items are never deleted: an amendment that removes one stamps ``removed_at``, so the
    history of what was pledged (and, for livestock, which tags were swapped) stays readable.
    """

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.PROTECT, related_name="items"
    )
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    attributes = models.JSONField(_("attributes"))
    external_registration = models.JSONField(_("external registration"), null=True, blank=True)
    effective_at = models.DateTimeField(_("effective at"))
    effective_sequence = models.BigIntegerField(_("effective ledger sequence"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("collateral item")
        verbose_name_plural = _("collateral items")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class IdentityKeyEntry(models.Model):
    """One identity key of one collateral item: the index behind conflicts and priority.

    ``expires_at`` copies the registration's and ``released_at`` is stamped when the item
    is removed or the registration discharged, so "live" rows are found from this table
    alone: ``released_at IS NULL AND expires_at > now``.
    """

    scheme = models.CharField(_("scheme"), max_length=40)
    value = models.CharField(_("value"), max_length=200)
    # look-alike characters folded (O→0, I/L→1, Z→2, S→5, B→8) for "similar" search
    folded = models.CharField(_("folded value"), max_length=200)
    item = models.ForeignKey(CollateralItem, on_delete=models.PROTECT, related_name="identity_keys")
    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="identity_keys"
    )
    effective_at = models.DateTimeField(_("effective at"))
    effective_sequence = models.BigIntegerField(_("effective ledger sequence"))
    expires_at = models.DateTimeField(_("expires at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity key")
        verbose_name_plural = _("identity keys")
        indexes = [
            models.Index(fields=["scheme", "value"], name="idkey_scheme_value_idx"),
            models.Index(fields=["scheme", "folded"], name="idkey_scheme_folded_idx"),
            models.Index(
                fields=["scheme", "value", "expires_at"],
                name="idkey_live_idx",
                condition=models.Q(released_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class Counter(models.Model):
    """A gap-free sequence per series and year (registration and certificate numbers).

    Incremented under ``select_for_update`` inside the writing transaction, so numbers are
    never reused and a rolled-back write leaves no gap.
    """

    series = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="counter_series_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_value}"

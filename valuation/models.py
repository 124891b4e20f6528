"""Valuations of collateral, commodity prices and versioned haircut policies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import CollateralItem, Organization
from valuation.choices import Unit, ValuationMethod

currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 code, e.g. CNY."))

# No valuation or price is dated before this day, and no figure is computed as of one: date
# arithmetic (price windows, day ends in Asia/Shanghai) stays far from year 1.
EARLIEST_DATE = date(1900, 1, 1)


def too_early(day: date | None) -> ValidationError | None:
    if day is not None and day < EARLIEST_DATE:
        return ValidationError(
            _("The date cannot be before %(date)s.") % {"date": EARLIEST_DATE.isoformat()},
            code="date_too_early",
        )
    return None


class ValuationQuerySet(models.QuerySet):
    def latest_first(self) -> ValuationQuerySet:
        """Newest first: the latest valuation is the one with the greatest (valued_on, id)."""
        return self.order_by("-valued_on", "-id")


class Valuation(models.Model):
    """What one organization says one collateral item is worth on a day.

    Valuations are history: never updated or deleted. The latest (greatest ``valued_on``,
    then ``id``) is the one that counts; older ones reproduce past figures.
    """

    item = models.ForeignKey(
        CollateralItem,
        verbose_name=_("collateral item"),
        on_delete=models.PROTECT,
        related_name="valuations",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="valuations",
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=2)
    currency = models.CharField(
        _("currency"), max_length=3, default="CNY", validators=[currency_validator]
    )
    method = models.CharField(_("method"), max_length=20, choices=ValuationMethod.choices)
    valued_on = models.DateField(_("valued on"))
    appraiser = models.CharField(_("appraiser"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # the price a commodity_index valuation was computed from
    commodity_price = models.ForeignKey(
        "CommodityPrice",
        verbose_name=_("commodity price"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="valuations",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=100)

    objects = ValuationQuerySet.as_manager()

    class Meta:
        verbose_name = _("valuation")
        verbose_name_plural = _("valuations")
        ordering = ["-valued_on", "-id"]
        indexes = [
            models.Index(
                fields=["item", "organization", "-valued_on", "-id"],
                name="valuation_item_latest_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="valuation_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.value} {self.currency} ({self.valued_on})"

    def clean(self) -> None:
        errors = {}
        if self.valued_on and self.valued_on > timezone.localdate():
            errors["valued_on"] = ValidationError(
                _("The valuation date cannot be in the future."), code="future_date"
            )
        elif early := too_early(self.valued_on):
            errors["valued_on"] = early
        if self.method == ValuationMethod.APPRAISAL and not self.appraiser.strip():
            errors["appraiser"] = ValidationError(
                _("Name the appraiser of an appraisal."), code="required"
            )
        if errors:
            raise ValidationError(errors)


class CommodityPrice(models.Model):
    """An organization's price of a commodity per unit on a day (its own price feed).

    One row per (organization, commodity, unit, day): a later batch for the same day
    replaces the price. ``commodity`` is stored normalized (NFKC, trimmed, lower-case).
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="commodity_prices",
    )
    commodity = models.CharField(_("commodity"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    price = models.DecimalField(_("price"), max_digits=20, decimal_places=6)
    currency = models.CharField(
        _("currency"), max_length=3, default="CNY", validators=[currency_validator]
    )
    as_of = models.DateField(_("as of"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.CharField(_("recorded by"), max_length=100)

    class Meta:
        verbose_name = _("commodity price")
        verbose_name_plural = _("commodity prices")
        ordering = ["-as_of", "commodity", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "commodity", "unit", "as_of"],
                name="commodity_price_one_per_day",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gt=0), name="commodity_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commodity} {self.price} {self.currency}/{self.unit} ({self.as_of})"

    def clean(self) -> None:
        if self.as_of and self.as_of > timezone.localdate():
            raise ValidationError(
                {"as_of": _("The price date cannot be in the future.")}, code="future_date"
            )
        if early := too_early(self.as_of):
            raise ValidationError({"as_of": early})


class HaircutPolicy(models.Model):
    """One version of an organization's haircut policy (or, without one, the platform's).

    Versions are never edited: a change is a new version, effective from when it was made,
    so any past lendable value can be recomputed with the version in force then. Without
    a row the platform default in code applies (version 0, ``valuation.policies``).
    ``rules`` is the full, validated policy document (see ``HaircutRulesSerializer``).
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="haircut_policies",
        help_text=_("Empty for a platform default version."),
    )
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateTimeField(_("effective from"))
    rules = models.JSONField(_("rules"))
    threshold = models.DecimalField(
        _("coverage threshold"), max_digits=8, decimal_places=4, default=Decimal("1.0")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=100)

    class Meta:
        verbose_name = _("haircut policy")
        verbose_name_plural = _("haircut policies")
        ordering = ["organization_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version"], name="haircut_policy_org_version_unique"
            ),
            # NULLs are distinct in a unique constraint, so the platform's versions need their own
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(organization__isnull=True),
                name="haircut_policy_platform_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="haircut_policy_version_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(threshold__gt=0), name="haircut_policy_threshold_positive"
            ),
        ]

    def __str__(self) -> str:
        owner = self.organization.code if self.organization_id else _("platform")
        return f"{owner} v{self.version}"

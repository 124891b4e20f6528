"""The registry's legal edges: objections (异议登记) and transfers to another secured party."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import CaseBodyType, ObjectionStatus, RulingOutcome, TransferStatus
from registry.models.organizations import Organization
from registry.models.registrations import Registration

# statuses in which an objection still stands (an ``open`` one only until it lapses)
STANDING = (ObjectionStatus.OPEN, ObjectionStatus.CASE_PENDING)


def standing_objections_q(now: datetime | None = None, prefix: str = "") -> models.Q:
    """Objections that stand as derived on read: a case is pending, or it is open and its
    lapse time has not come (the daily job need not have run)."""
    return models.Q(**{f"{prefix}status": ObjectionStatus.CASE_PENDING}) | models.Q(
        **{f"{prefix}status": ObjectionStatus.OPEN, f"{prefix}lapses_at__gt": now or timezone.now()}
    )


class Objection(models.Model):
    """An interested party's objection to a registration, for itself or for the grantor.

    It stands until the objector withdraws it, it lapses (``lapses_at``, unless a court or
    arbitration case acceptance was recorded first) or the operator records a ruling. Every
    step is a ledger event of the registration. Grounds and evidence are seen by the objector
    and the secured party; the notice shows that it stands, who objected and when.
    """

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    objector = models.ForeignKey(
        Organization,
        verbose_name=_("objector"),
        on_delete=models.PROTECT,
        related_name="objections_filed",
    )
    filed_by = models.CharField(_("filed by"), max_length=100)
    grounds = models.TextField(_("grounds"))
    evidence = models.CharField(_("evidence reference"), max_length=500, blank=True)
    # the grantor's ID when the objector acts for the grantor (normalized as grantors are)
    grantor_id_type = models.CharField(_("grantor ID type"), max_length=20, blank=True)
    grantor_id_number = models.CharField(_("grantor ID number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    filed_at = models.DateTimeField(_("filed at"))
    lapses_at = models.DateTimeField(_("lapses at"))
    case_number = models.CharField(_("case number"), max_length=100, blank=True)
    case_body_type = models.CharField(
        _("case body type"), max_length=15, choices=CaseBodyType.choices, blank=True
    )
    case_body = models.CharField(_("court or arbitration body"), max_length=200, blank=True)
    case_accepted_on = models.DateField(_("case accepted on"), null=True, blank=True)
    case_recorded_at = models.DateTimeField(_("case recorded at"), null=True, blank=True)
    ruling_reference = models.CharField(_("ruling reference"), max_length=100, blank=True)
    ruling_outcome = models.CharField(
        _("ruling outcome"), max_length=15, choices=RulingOutcome.choices, blank=True
    )
    ruling_note = models.TextField(_("ruling note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["filed_at", "id"]
        indexes = [
            models.Index(
                fields=["lapses_at"],
                name="objection_lapse_due_idx",
                condition=models.Q(status="open"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lapses_at__gt=models.F("filed_at")),
                name="objection_lapses_after_filing",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="case_pending") | ~models.Q(case_number=""),
                name="objection_case_pending_has_case",
            ),
        ]

    def __str__(self) -> str:
        return f"objection #{self.pk} to {self.registration_id}"

    @property
    def on_behalf_of_grantor(self) -> bool:
        return bool(self.grantor_id_number)

    def status_at(self, at: datetime) -> str | None:
        """The status as it stood at ``at`` (None: not yet filed), derived from the row's
        times, so a lapse needs no job to have run and a past notice reads as it did then."""
        if self.filed_at > at:
            return None
        if self.closed_at is not None and self.closed_at <= at:
            return self.status
        if self.case_recorded_at is not None and self.case_recorded_at <= at:
            return ObjectionStatus.CASE_PENDING
        if self.lapses_at <= at:
            return ObjectionStatus.LAPSED
        return ObjectionStatus.OPEN

    def current_status(self, now: datetime | None = None) -> str:
        return self.status_at(now or timezone.now()) or self.status


class TransferOffer(models.Model):
    """The secured party's offer to pass a registration — or chosen items of it, split off
    into a new registration — to another organization, which accepts or declines in time.

    ``item_ids`` empty: the whole registration. ``result`` is the registration the receiver
    holds after acceptance (the same one, or the split-off).
    """

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.PROTECT,
        related_name="transfer_offers",
    )
    from_organization = models.ForeignKey(
        Organization,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="transfers_offered",
    )
    to_organization = models.ForeignKey(
        Organization,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        related_name="transfers_received",
    )
    item_ids = models.JSONField(_("items split off"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    offered_by = models.CharField(_("offered by"), max_length=100)
    offered_at = models.DateTimeField(_("offered at"))
    expires_at = models.DateTimeField(_("offer expires at"))
    decided_by = models.CharField(_("decided by"), max_length=100, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    result = models.ForeignKey(
        Registration,
        verbose_name=_("registration transferred"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("transfer offer")
        verbose_name_plural = _("transfer offers")
        ordering = ["-offered_at", "-id"]
        constraints = [
            # one open offer per registration: what the receiver accepts is never ambiguous
            models.UniqueConstraint(
                fields=["registration"],
                condition=models.Q(status="pending"),
                name="transfer_one_pending_per_registration",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_organization=models.F("to_organization")),
                name="transfer_to_another_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer #{self.pk} of {self.registration_id}"

    def current_status(self, now: datetime | None = None) -> str:
        if self.status == TransferStatus.PENDING and self.expires_at <= (now or timezone.now()):
            return TransferStatus.EXPIRED
        return self.status

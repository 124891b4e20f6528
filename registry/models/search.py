"""Records of searches and the signed search certificates (查询证明)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import CertificateFormat, EnumerationSignal, SearchCriterion, SearchPurpose
from registry.models.ledger import LedgerEvent
from registry.models.organizations import Organization
from registry.models.registrations import Registration


class SearchLog(models.Model):
    """Who searched for what and how much they found: a lender's diligence is auditable."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    actor = models.CharField(_("actor"), max_length=100)
    query = models.JSONField(_("query"))
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=SearchPurpose.choices, blank=True
    )
    result_count = models.PositiveIntegerField(_("result count"))
    criterion = models.CharField(
        _("criterion"), max_length=24, choices=SearchCriterion.choices, blank=True
    )
    # For a grantor-ID search of a resident ID: its region code and last 4 characters, the
    # pattern an older mask showed. Quotas count these rows; repeats of one pattern alarm.
    resident_id_pattern = models.CharField(_("resident ID pattern"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("search log entry")
        verbose_name_plural = _("search log")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["organization", "created_at"],
                condition=~models.Q(resident_id_pattern=""),
                name="searchlog_resident_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.created_at:%Y-%m-%d %H:%M}"


class SearchEnumerationAlert(models.Model):
    """Resident-ID searches of one organization that look like recovering masked IDs.

    For the platform operator (superusers; lenders' staff do not see them): one unresolved alert per
    organization, signal and subject (the shared pattern, or ``misses``), which grows in
    place as more such searches come (``search_count``, ``last_seen_at``), like the alerts
    app's alerts. Raising it twice for the same searches changes nothing.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    signal = models.CharField(_("signal"), max_length=20, choices=EnumerationSignal.choices)
    subject_key = models.CharField(_("subject"), max_length=40)
    actors = models.JSONField(_("searched by"), default=list)
    search_count = models.PositiveIntegerField(_("searches in the window"))
    first_seen_at = models.DateTimeField(_("first seen at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.CharField(_("acknowledged by"), max_length=100, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("search enumeration alert")
        verbose_name_plural = _("search enumeration alerts")
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "signal", "subject_key"],
                condition=models.Q(resolved_at__isnull=True),
                name="enumeration_alert_one_unresolved",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.signal} {self.subject_key}"


class SearchCertificate(models.Model):
    """A stored, signed snapshot of one search; never changed after it is issued.

    From format 2 on, ``document`` is the certificate exactly as the API returns it, minus
    ``digest`` and ``signature``: what is signed is what anyone holding it can re-hash.
    Format-1 certificates keep their fields and their recipe (see ``docs/certificates.md``).
    """

    number = models.CharField(_("certificate number"), max_length=16, unique=True)
    format_version = models.PositiveSmallIntegerField(
        _("format version"), choices=CertificateFormat.choices, default=CertificateFormat.V1
    )
    document = models.JSONField(_("document"), null=True, blank=True)
    as_of = models.DateTimeField(_("as of"), null=True, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=24, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="search_certificates"
    )
    actor = models.CharField(_("actor"), max_length=100)
    issued_at = models.DateTimeField(_("issued at"))
    query = models.JSONField(_("query"))
    results = models.JSONField(_("results"), encoder=DjangoJSONEncoder)
    digest = models.CharField(_("digest"), max_length=64)
    signature = models.TextField(_("signature"))
    key_id = models.CharField(_("signing key id"), max_length=64)

    class Meta:
        verbose_name = _("search certificate")
        verbose_name_plural = _("search certificates")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number


class IdempotencyRecord(models.Model):
    """The stored response to a POST made with an ``Idempotency-Key`` (kept ≥ 24 hours)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="idempotency_org_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.key}"


class RegistrationCertificate(models.Model):
    """The signed certificate (登记证明) of one registration event; never changed.

    ``document`` is the certificate as the API returns it, minus ``digest`` and ``signature``
    (format 2, the same recipe as search certificates).
    """

    number = models.CharField(_("certificate number"), max_length=16, unique=True)
    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="certificates"
    )
    event = models.OneToOneField(LedgerEvent, on_delete=models.PROTECT, related_name="certificate")
    issued_at = models.DateTimeField(_("issued at"))
    format_version = models.PositiveSmallIntegerField(
        _("format version"), choices=CertificateFormat.choices, default=CertificateFormat.V2
    )
    document = models.JSONField(_("document"))
    digest = models.CharField(_("digest"), max_length=64)
    signature = models.TextField(_("signature"))
    key_id = models.CharField(_("signing key id"), max_length=64)
    verification_code = models.CharField(_("verification code"), max_length=24)

    class Meta:
        verbose_name = _("registration certificate")
        verbose_name_plural = _("registration certificates")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

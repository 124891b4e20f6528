"""Records of searches and the signed search certificates (查询证明)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.organizations import Organization


class SearchLog(models.Model):
    """Who searched for what and how much they found: a lender's diligence is auditable."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    actor = models.CharField(_("actor"), max_length=100)
    query = models.JSONField(_("query"))
    result_count = models.PositiveIntegerField(_("result count"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("search log entry")
        verbose_name_plural = _("search log")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.actor} {self.created_at:%Y-%m-%d %H:%M}"


class SearchCertificate(models.Model):
    """A stored, signed snapshot of one search; never changed after it is issued."""

    number = models.CharField(_("certificate number"), max_length=16, unique=True)
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

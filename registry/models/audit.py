"""The audit trail of configuration changes (API keys, webhooks, users' roles, policies).

Registrations have the ledger; everything else a lender or the operator changes that widens
or narrows access, or changes figures, leaves one row here: who, when, what, before/after.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import AuditAction
from registry.models.organizations import Organization


class AuditRecord(models.Model):
    """One configuration change; rows are only ever added."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_records",
        help_text=_("Whose configuration changed (empty: the platform's)."),
    )
    actor = models.CharField(_("actor"), max_length=100)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    target_type = models.CharField(_("target type"), max_length=40)
    target_id = models.CharField(_("target id"), max_length=64)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-occurred_at"], name="audit_org_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor} {self.action}"

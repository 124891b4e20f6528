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
    OBJECTION_FILED = "objection_filed", _("Objection filed")
    OBJECTION_WITHDRAWN = "objection_withdrawn", _("Objection withdrawn")
    OBJECTION_CASE_RECORDED = "objection_case_recorded", _("Objection: case accepted")
    OBJECTION_LAPSED = "objection_lapsed", _("Objection lapsed")
    OBJECTION_RULED = "objection_ruled", _("Objection ruled on")
    COURT_ORDERED_AMENDMENT = "court_ordered_amendment", _("Amended by court order")
    COURT_ORDERED_DISCHARGE = "court_ordered_discharge", _("Discharged by court order")
    TRANSFERRED = "transferred", _("Transferred to another secured party")
    SPLIT_OFF = "split_off", _("Items split off and transferred")


class ObjectionStatus(models.TextChoices):
    """``open`` lapses by itself after the lapse period; ``case_pending`` stays until withdrawn
    or ruled on (a court or arbitration body accepted a case)."""

    OPEN = "open", _("Open")
    CASE_PENDING = "case_pending", _("Case pending")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed")
    RULED = "ruled", _("Ruled on")


class RulingOutcome(models.TextChoices):
    DISMISSED = "dismissed", _("Objection dismissed; registration unchanged")
    AMENDMENT = "amendment", _("Amendment ordered")
    DISCHARGE = "discharge", _("Discharge ordered")


class CaseBodyType(models.TextChoices):
    COURT = "court", _("Court")
    ARBITRATION = "arbitration", _("Arbitration commission")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class OnConflict(models.TextChoices):
    ACCEPT = "accept", _("Register and report conflicts")
    REJECT = "reject", _("Reject if any conflict")


class MatchType(models.TextChoices):
    EXACT = "exact", _("Exact")
    SIMILAR = "similar", _("Similar")


class AuditAction(models.TextChoices):
    """Configuration changes written to the audit trail."""

    API_KEY_CREATED = "api_key.created", _("API key issued")
    API_KEY_REVOKED = "api_key.revoked", _("API key revoked")
    USER_CREATED = "user.created", _("User created")
    USER_ROLE_CHANGED = "user.role_changed", _("User role changed")
    WEBHOOK_SUBSCRIBED = "webhook.subscribed", _("Webhook subscribed")
    WEBHOOK_UNSUBSCRIBED = "webhook.unsubscribed", _("Webhook unsubscribed")
    HAIRCUT_POLICY_CREATED = "haircut_policy.created", _("Haircut policy version made")
    ALERT_SETTINGS_CHANGED = "alert_settings.changed", _("Alert settings changed")


class SearchCriterion(models.TextChoices):
    """What a search looked by (one per search), stored so searches can be counted by it."""

    IDENTIFIER = "identifier", _("Collateral identifier")
    GRANTOR_ID = "grantor_id", _("Grantor ID")
    GRANTOR_NAME = "grantor_name", _("Grantor name")
    REGISTRATION_NUMBER = "registration_number", _("Registration number")


class EnumerationSignal(models.TextChoices):
    """Why a run of resident-ID searches looks like someone recovering masked IDs."""

    MISSES = "misses", _("Many resident-ID searches that found nothing")
    SHARED_PATTERN = "shared_pattern", _("Many resident IDs sharing one masked pattern")


class SearchPurpose(models.TextChoices):
    """Why a search was made (查询原因), as the unified registry asks its searchers."""

    PRE_LENDING = "pre_lending", _("Before lending or accepting collateral")
    POST_LENDING = "post_lending", _("Monitoring an existing loan")
    PURCHASE = "purchase", _("Buying or taking a transfer of the collateral")
    LITIGATION = "litigation", _("Litigation, arbitration or enforcement")
    DUE_DILIGENCE = "due_diligence", _("Due diligence or audit")
    OTHER = "other", _("Other")


class CertificateFormat(models.IntegerChoices):
    """How a certificate's digest is computed; old certificates keep their format."""

    V1 = 1, _("v1: sorted-key JSON of the stored fields")
    V2 = 2, _("v2: RFC 8785 JSON of the certificate as returned")

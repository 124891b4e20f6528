from registry.models.alerts import (
    Alert,
    AlertSettings,
    Notification,
    Webhook,
    WebhookDelivery,
)
from registry.models.ledger import LedgerEvent, LedgerHead
from registry.models.organizations import ApiKey, Organization, User
from registry.models.registrations import CollateralItem, Counter, IdentityKeyEntry, Registration
from registry.models.search import (
    IdempotencyRecord,
    RegistrationCertificate,
    SearchCertificate,
    SearchLog,
)

__all__ = [
    "Alert",
    "AlertSettings",
    "ApiKey",
    "CollateralItem",
    "Counter",
    "IdempotencyRecord",
    "IdentityKeyEntry",
    "LedgerEvent",
    "LedgerHead",
    "Notification",
    "Organization",
    "Registration",
    "RegistrationCertificate",
    "SearchCertificate",
    "SearchLog",
    "User",
    "Webhook",
    "WebhookDelivery",
]

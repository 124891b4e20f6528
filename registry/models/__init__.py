from registry.models.audit import AuditRecord
from registry.models.ledger import LedgerEvent, LedgerHead
from registry.models.legal import Objection, TransferOffer
from registry.models.lookalike import LookalikeVariant
from registry.models.organizations import ApiKey, Organization, User
from registry.models.registrations import CollateralItem, Counter, IdentityKeyEntry, Registration
from registry.models.search import (
    IdempotencyRecord,
    RegistrationCertificate,
    SearchCertificate,
    SearchEnumerationAlert,
    SearchLog,
)

__all__ = [
    "ApiKey",
    "AuditRecord",
    "CollateralItem",
    "Counter",
    "IdempotencyRecord",
    "IdentityKeyEntry",
    "LedgerEvent",
    "LedgerHead",
    "LookalikeVariant",
    "Objection",
    "Organization",
    "Registration",
    "RegistrationCertificate",
    "SearchCertificate",
    "SearchEnumerationAlert",
    "SearchLog",
    "TransferOffer",
    "User",
]

"""Examples shown in the OpenAPI schema for search, priority and certificates."""

from drf_spectacular.utils import OpenApiExample

_NOTICE = {
    "registration_number": "2026-00000815",
    "status": "active",
    "registered_at": "2026-03-02T10:15:00+08:00",
    "expires_at": "2029-03-02T10:15:00+08:00",
    "discharged_at": None,
    "secured_party": {"code": "BANKA", "name": "Bank A"},
    "grantor": {"name": "青岛港贸易有限公司", "id_type": "uscc", "id_number": "91370200MA3C12345X"},
    "collateral": [
        {
            "id": 41,
            "kind": "warehouse_receipt",
            "issuer_code": "QDPORT",
            "receipt_number": "WR-2026-000815",
            "commodity": "copper",
            "quantity": "25.5000",
            "unit": "t",
            "identifiers": [{"scheme": "warehouse_receipt", "value": "QDPORT:WR-2026-000815"}],
            "effective_at": "2026-03-02T10:15:00+08:00",
        }
    ],
    "events": [{"sequence": 12, "event": "registered", "occurred_at": "2026-03-02T10:15:00+08:00"}],
}

_SEARCH_PAGE = OpenApiExample(
    "A receipt number as printed, found under its issuer, and a look-alike",
    value={
        "count": 2,
        "next": None,
        "previous": None,
        "as_of": None,
        "results": [
            {
                **_NOTICE,
                "match": "exact",
                "matched": [{"scheme": "warehouse_receipt", "value": "QDPORT:WR-2026-000815"}],
                "match_details": [
                    {
                        "scheme": "warehouse_receipt",
                        "query": "WR-2026-000815",
                        "stored": "QDPORT:WR-2026-000815",
                        "how": "exact",
                        "partial": True,
                    }
                ],
            },
            {
                **_NOTICE,
                "registration_number": "2026-00000816",
                "match": "similar",
                "matched": [{"scheme": "warehouse_receipt", "value": "QDPORT:WR-2026-0O0816"}],
                "match_details": [
                    {
                        "scheme": "warehouse_receipt",
                        "query": "WR-2026-000815",
                        "stored": "QDPORT:WR-2026-0O0816",
                        "how": "one_edit",
                        "edit": {
                            "operation": "substitution",
                            "position": 21,
                            "query": "5",
                            "stored": "6",
                        },
                        "folded": [{"position": 17, "query": "0", "stored": "O"}],
                    }
                ],
            },
        ],
    },
    response_only=True,
)
# One result each: the schema generator puts it in a page (count, next, previous, as_of).
SEARCH_RESPONSE_EXAMPLES = [
    OpenApiExample(
        "A receipt number as printed, found under its issuer",
        value=_SEARCH_PAGE.value["results"][0],
        response_only=True,
    ),
    OpenApiExample(
        "A look-alike of it, altered by one character",
        value=_SEARCH_PAGE.value["results"][1],
        response_only=True,
    ),
]

PRIORITY_EXAMPLE = OpenApiExample(
    "A forest unit number, recognised by its form",
    value={
        "kind": "forest_right",
        "identifier": "330106001002GB00012L00000001",
        "scheme": "forest_unit",
        "as_of": None,
        "ranking": [
            {
                "rank": 1,
                "registration_number": "2026-00000102",
                "secured_party": {"code": "BANKA", "name": "Bank A"},
                "effective_at": "2026-01-05T09:00:00+08:00",
            }
        ],
    },
    response_only=True,
)

_SIGNED = {
    "verification_code": "7KQ2-M9XD-4HTR-W3NP",
    "algorithm": "Ed25519 over SHA-256 of RFC 8785 JSON without digest and signature",
    "key_id": "3f1c9a0e5b7d2c4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e",
    "digest": "9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f",
    "signature": (
        "m0x3Vb9kTQ1t5c7Qx8p0cJm2yq5b0dQ9Lk3sT6u8w1eZr4nH7fV2aB5cD8eF1gH3iJ6kL9mN2oP5qR8sT1uV4w=="
    ),
}

CERTIFICATE_EXAMPLE = OpenApiExample(
    "An as-of search certificate with one similar result selected",
    value={
        "format_version": 2,
        "certificate_type": "search",
        "certificate_number": "SC-2026-00000042",
        "organization": {"code": "BANKB", "name": "Bank B"},
        "issued_at": "2026-12-01T20:30:00+08:00",
        "as_of": "2026-06-30T23:59:59+08:00",
        "query": {"identifier": "WR-2026-000815", "include_inactive": False},
        "purpose": "pre_lending",
        "selected": ["2026-00000816"],
        "results": [{**_NOTICE, "match": "exact", "matched": [], "match_details": []}],
        "verification_url": "/verify/SC-2026-00000042?code=7KQ2-M9XD-4HTR-W3NP",
        **_SIGNED,
    },
    response_only=True,
)

REGISTRATION_CERTIFICATE_EXAMPLE = OpenApiExample(
    "The certificate of an extension",
    value={
        "format_version": 2,
        "certificate_type": "registration",
        "certificate_number": "RC-2026-00000107",
        "issued_at": "2026-09-01T10:00:00+08:00",
        "event": {
            "sequence": 311,
            "event": "extended",
            "occurred_at": "2026-09-01T10:00:00+08:00",
            "hash": "5d0c0b7e3f1a9c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d",
        },
        "registration": _NOTICE,
        "verification_url": "/verify/RC-2026-00000107?code=7KQ2-M9XD-4HTR-W3NP",
        **_SIGNED,
    },
    response_only=True,
)

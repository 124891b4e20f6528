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

SEARCH_RESPONSE_EXAMPLE = OpenApiExample(
    "A receipt number as printed, found under its issuer, and a look-alike",
    value={
        "count": 2,
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

"""OpenAPI: the Bearer API-key scheme, strict request objects, and every error status.

The error statuses are added once, here, by a postprocessing hook rather than repeated on
each view: which of them an operation can answer follows from its shape (a body, a path
parameter, an ``Idempotency-Key``, a write on a registration), and every error body is one of
two shapes — field errors nested like the request (400), or ``{"detail", "code"}``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "registry.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "cr_<prefix>_<secret>",
            "description": "An API key issued with `manage.py create_api_key CODE`.",
        }


class StrictSerializerExtension(OpenApiSerializerExtension):
    """A request object refuses keys it does not know (400), so its schema says so."""

    target_class = "collateral.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        for name, field in self.target.fields.items():
            # a list that refuses to be empty (``allow_empty=False``) says so
            if getattr(field, "allow_empty", True) is False and name in schema["properties"]:
                schema["properties"][name].setdefault("minItems", 1)
        if direction == "request":
            # rules across fields the serializer's validate() enforces (one of years or months…)
            schema.update(getattr(self.target, "schema_rules", {}))
        return schema


class DecimalFieldExtension(OpenApiSerializerFieldExtension):
    """A decimal string as DRF reads it: at least one digit, and no sign when it can't be < 0.

    drf-spectacular's pattern (``^-?\\d{0,18}(?:\\.\\d{0,2})?$``) admits ``""`` and ``"-"``,
    which the field refuses.
    """

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        if schema.get("type") != "string" or not field.max_whole_digits:
            return schema
        whole, places = field.max_whole_digits, field.decimal_places
        number = rf"\d{{1,{whole}}}"
        if places:
            number = rf"(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})"
        sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
        schema["pattern"] = f"^{sign}{number}$"
        if direction != "request":
            return schema
        # the field reads a JSON number as well (a client's Decimal encodes as one): say so
        as_number: dict = {"type": "number", "exclusiveMaximum": True, "maximum": 10**whole}
        if field.min_value is not None:
            as_number["minimum"] = float(field.min_value)
        if field.max_value is not None:
            as_number.update(maximum=float(field.max_value), exclusiveMaximum=False)
        nullable = {"nullable": True} if schema.pop("nullable", False) else {}
        described = {k: schema.pop(k) for k in ("description", "title") if k in schema}
        return {"oneOf": [schema, as_number], **nullable, **described}


class CollateralListFieldExtension(OpenApiSerializerFieldExtension):
    """The item list with the bounds the field enforces (1–500, or 0–500 for amendments)."""

    target_class = "registry.api.serializers.collateral.CollateralListField"

    def map_serializer_field(self, auto_schema, direction):
        from registry.api.serializers.collateral import ITEM_INPUT_SCHEMA
        from registry.items import MAX_ITEMS

        schema = auto_schema._map_serializer_field(ITEM_INPUT_SCHEMA, direction)
        return {**schema, "minItems": self.target.min_items, "maxItems": MAX_ITEMS}


ERROR = {"$ref": "#/components/schemas/Error"}
FIELD_ERRORS = {"$ref": "#/components/schemas/FieldErrors"}
ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "Every error that is not a field error.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
        },
        "required": ["detail", "code"],
        # a 409 conflict adds ``conflicts``; a 409 invalid state may add ``status``
        "additionalProperties": True,
    },
    "FieldErrors": {
        "type": "object",
        "description": "Field errors nested like the request: "
        '`{"grantor": {"id_number": ["..."]}}`; or, for a body that is not JSON or nests '
        "too deep, an Error (`parse_error`, `too_deep`).",
        "additionalProperties": True,
    },
}
DESCRIPTIONS = {
    "400": "Invalid input: field errors (nothing was written).",
    "401": "Missing, wrong or revoked API key (`not_authenticated`, `authentication_failed`).",
    "403": "The key's role or organization may not do this (`permission_denied`).",
    "404": "No such object visible to the caller (`not_found`).",
    "409": "Expired or discharged (`invalid_state`), or `conflict` with `conflicts`.",
    "413": "The body is larger than the limit (`request_too_large`); it was not read.",
    "414": "The path and query are longer than the limit (`uri_too_long`).",
    "415": "The body is not JSON (`unsupported_media_type`).",
    "422": "The Idempotency-Key was used with another body (`idempotency_key_reused`), or a "
    "search certificate would list more results than it may (`too_many_results`).",
    "429": "Rate limit reached (`throttled`), or the quota of grantor-ID searches of resident "
    "IDs (`grantor_id_quota`); see Retry-After.",
    "503": "The database is briefly unavailable (`unavailable`); retry after Retry-After.",
}
WRITES = {"post", "put", "patch", "delete"}


def _codes(path: str, method: str, operation: dict[str, Any]) -> set[str]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    codes = {"401", "403", "414", "429", "503"}
    if has_body or any(p.get("in") == "query" for p in parameters):
        codes.add("400")
    if any(p.get("in") == "query" and p.get("name") == "page" for p in parameters):
        codes.add("404")  # a page past the last
    if has_body:
        codes |= {"413", "415"}
    if "{" in path:
        codes.add("404")
    if any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
        codes |= {"400", "422"}  # a malformed key; a key reused with another body
    if path == "/api/v1/search/":
        codes.add("404")  # a page past the end
    if method == "post" and path == "/api/v1/search-certificates/":
        codes.add("422")  # too many results for a certificate
    if method in WRITES and "{" in path:
        codes.add("409")  # the object's state forbids it (invalid_state)
    if method == "post" and path == "/api/v1/registrations/":
        codes.add("409")  # on_conflict=reject
    return codes


# registry.filters.MAX_UTC_OFFSET: a time in a query ends with Z or an offset within ±14:00
REAL_UTC_OFFSET = r"(?:[Zz]|[+-](?:0\d|1[0-3]):?[0-5]\d|[+-]14:?00)$"
# registry.filters.moment_out_of_range: and its year, as given, lies within 2–9998
STORABLE_YEAR = r"^(?:000[2-9]|00[1-9]\d|0[1-9]\d\d|[1-8]\d{3}|9[0-8]\d\d|99[0-8]\d|999[0-8])-"
STORABLE_TIME = f"{STORABLE_YEAR}.*{REAL_UTC_OFFSET}"


def _refuse_empty_query_values(operation: dict[str, Any]) -> None:
    """A query parameter given empty is a 400 (``?kind=``), so a string one has minLength 1;
    a time must carry a real UTC offset and a storable year."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "query" and schema.get("type") == "string":
            schema.setdefault("minLength", 1)
            if schema.get("format") == "date-time":
                schema.setdefault("pattern", STORABLE_TIME)


def document_error_responses(result, generator, request, public):
    """Add every error status an operation can answer, where a view did not describe it."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            _refuse_empty_query_values(operation)
            if "requestBody" in operation:
                # every body is read by a serializer: an absent one is an empty, invalid object
                operation["requestBody"]["required"] = True
            responses = operation.setdefault("responses", {})
            declared = {code for code in responses if code in DESCRIPTIONS}  # e.g. {409: None}
            for code in sorted(_codes(path, method, operation) | declared):
                schema = FIELD_ERRORS if code == "400" else ERROR
                existing = responses.get(code) or {}
                shown = existing.get("content", {}).get("application/json", {}).get("schema")
                if shown in (None, {"type": "object"}):  # absent, or a bare object
                    responses[code] = {
                        "description": DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": schema}},
                    }
    return result

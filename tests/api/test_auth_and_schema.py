"""API keys, the API root, the management commands and the OpenAPI document."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from collateral.kinds.base import all_kinds
from registry.models import ApiKey, Organization
from registry.services.organizations import api_key_revoke
from tests.factories import actor_for, ip_item, registration_payload

pytestmark = pytest.mark.django_db


def _key_from_command(code: str) -> str:
    out = io.StringIO()
    call_command("create_api_key", code, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_commands_issue_a_working_key_and_lender_creation_is_idempotent():
    call_command("create_lender", "BANKA", "Bank A", stdout=io.StringIO())
    call_command("create_lender", "banka", "Bank A", stdout=io.StringIO())
    assert Organization.objects.filter(code="BANKA").count() == 1
    raw = _key_from_command("BANKA")
    stored = ApiKey.objects.get()
    assert raw not in (stored.key_hash, stored.prefix) and stored.key_hash == ApiKey.hash_key(raw)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = client.get("/api/v1/").json()
    assert body["organization"] == {"code": "BANKA", "name": "Bank A"}
    stored.refresh_from_db()
    assert stored.last_used_at is not None

    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION=f"Bearer {raw[:-1]}x")
    assert wrong.get("/api/v1/").status_code == 401
    assert APIClient().get("/api/v1/").status_code == 401

    api_key_revoke(actor=actor_for(stored.organization), api_key_id=stored.pk)
    assert client.get("/api/v1/").status_code == 401


def test_create_api_key_for_unknown_lender_fails_cleanly():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="create_lender"):
        call_command("create_api_key", "NOPE", stdout=io.StringIO())


def test_bad_lender_code_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_lender", "bank a!", "x", stdout=io.StringIO())


@pytest.mark.parametrize("page_size_items", [1, 8])
def test_list_query_count_is_fixed(client_a, page_size_items):
    for _ in range(page_size_items):
        client_a.post(
            "/api/v1/registrations/",
            registration_payload(ip_item(), ip_item()),
            format="json",
        )
    with CaptureQueriesContext(connection) as queries:
        response = client_a.get("/api/v1/registrations/")
    assert response.json()["count"] == page_size_items
    # auth (key), count, page, items, identity keys, events, standing objections
    assert len(queries) == 7, [q["sql"] for q in queries]


def test_schema_describes_the_contract():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = set(schema["paths"])
    for path in [
        "/api/v1/registrations/",
        "/api/v1/registrations/{number}/",
        "/api/v1/registrations/{number}/amendments/",
        "/api/v1/registrations/{number}/extensions/",
        "/api/v1/registrations/{number}/discharge/",
        "/api/v1/registrations/{number}/history/",
        "/api/v1/search/",
        "/api/v1/conflict-checks/",
        "/api/v1/priority/",
        "/api/v1/search-certificates/",
        "/api/v1/search-certificates/{number}/",
        "/api/v1/search-certificates/{number}/verify/",
        "/api/v1/search-certificates/public-key/",
        "/api/v1/registrations/{number}/objections/",
        "/api/v1/registrations/{number}/objections/{id}/withdraw/",
        "/api/v1/registrations/{number}/objections/{id}/case/",
        "/api/v1/registrations/{number}/transfers/",
        "/api/v1/transfers/",
        "/api/v1/transfers/{id}/accept/",
        "/api/v1/transfers/{id}/decline/",
        "/api/v1/grantor-watches/",
        "/api/v1/grantor-watches/{id}/",
    ]:
        assert path in paths, path
    components = schema["components"]["schemas"]
    assert components["ObjectionCreateRequest"]["required"] == ["grounds"]
    assert components["TransferCreateRequest"]["required"] == ["to"]
    assert "objections" in components["Registration"]["properties"]
    mapping = components["CollateralItemInputRequest"]["discriminator"]["mapping"]
    assert set(mapping) == set(all_kinds())
    assert "number" in components["IpItemInputRequest"]["properties"]
    assert "ear_tags" in components["LivestockItem"]["properties"]
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_schema_and_docs_are_served(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_error_status_is_documented_on_every_operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert {"Error", "FieldErrors"} <= set(schema["components"]["schemas"])
    for path, method, operation in _operations(schema):
        documented = set(operation["responses"])
        expected = {"401", "403", "429", "503"}
        if "requestBody" in operation:
            expected |= {"400", "413", "415"}
        if "{" in path:
            expected.add("404")
        assert expected <= documented, (method, path, expected - documented)
        for code in documented - {"200", "201", "204"}:
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"] != {"type": "object"}, (method, path, code)
    create = schema["paths"]["/api/v1/registrations/"]["post"]["responses"]
    assert {"400", "409", "413", "422"} <= set(create)
    discharge = schema["paths"]["/api/v1/registrations/{number}/discharge/"]["post"]
    assert {"404", "409", "422"} <= set(discharge["responses"])


def test_conflicts_appear_exactly_where_the_schema_says():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]
    plain = components["schemas"]["Registration"]
    written = components["schemas"]["RegistrationWriteResult"]
    assert "conflicts" not in plain["properties"]
    assert "conflicts" in written["required"]
    request = components["schemas"]["RegistrationCreateRequest"]
    assert request["additionalProperties"] is False


def test_responses_carry_conflicts_only_on_writes(client_a):
    created = client_a.post("/api/v1/registrations/", registration_payload(), format="json")
    assert created.status_code == 201 and created.json()["conflicts"] == []
    number = created.json()["registration_number"]
    assert "conflicts" not in client_a.get(f"/api/v1/registrations/{number}/").json()
    listed = client_a.get("/api/v1/registrations/").json()["results"]
    assert all("conflicts" not in r for r in listed)
    amended = client_a.post(
        f"/api/v1/registrations/{number}/amendments/", {"description": "x"}, format="json"
    )
    assert amended.status_code == 200 and "conflicts" in amended.json()
    discharged = client_a.post(f"/api/v1/registrations/{number}/discharge/")
    assert discharged.status_code == 200 and "conflicts" not in discharged.json()


# --- the schema as tight as validation (issue 12, finding 9; found by `make fuzz`) ---------


def _components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def test_decimal_strings_need_a_digit_and_amounts_that_cannot_be_negative_have_no_sign():
    components = _components()
    as_string, as_number = components["ValuationCreateRequest"]["properties"]["value"]["oneOf"]
    pattern = re.compile(as_string["pattern"])
    assert not pattern.match("") and not pattern.match("-") and not pattern.match("-5")
    assert pattern.match("5") and pattern.match("5.25") and pattern.match(".5")
    assert as_number["type"] == "number"  # a JSON number is read too (a client's Decimal)
    amount = components["RegistrationCreateRequest"]["properties"]["secured_amount"]
    assert not re.match(amount["oneOf"][0]["pattern"], "")
    assert amount["oneOf"][1]["minimum"] == 0


def test_the_schema_states_item_bounds_period_choice_and_id_length():
    components = _components()
    create = components["RegistrationCreateRequest"]
    assert create["properties"]["collateral"]["minItems"] == 1
    assert create["properties"]["collateral"]["maxItems"] == 500
    assert create["oneOf"] == [{"required": ["period_years"]}, {"required": ["period_months"]}]
    assert components["ExtensionRequest"]["oneOf"] == [
        {"required": ["years"]},
        {"required": ["months"]},
    ]
    grantor = components["GrantorRequest"]["anyOf"][0]["properties"]
    assert grantor["id_number"] == {"minLength": 18}
    assert components["GrantorWatchCreateRequest"]["anyOf"][0]["properties"]["id_number"] == {
        "minLength": 18
    }
    assert "anyOf" in components["AmendmentRequest"]
    assert "oneOf" in components["ConflictCheckRequest"]


def test_string_query_parameters_are_non_empty_and_page_numbers_start_at_one():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/registrations/"]["get"]["parameters"]
    }
    assert parameters["kind"]["schema"]["minLength"] == 1
    assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1}
    assert "404" in schema["paths"]["/api/v1/registrations/"]["get"]["responses"]
    assert "409" in schema["paths"]["/api/v1/transfers/{id}/accept/"]["post"]["responses"]
    assert parameters["kind"]["schema"]["enum"] == sorted(all_kinds())
    assert re.search(parameters["expires_before"]["schema"]["pattern"], "2026-06-01T00:00:00+14:00")
    assert not re.search(
        parameters["expires_before"]["schema"]["pattern"], "2026-06-01T00:00+16:00"
    )
    watch = schema["paths"]["/api/v1/grantor-watches/"]["post"]["responses"]["409"]
    assert watch["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    [key] = schema["paths"]["/api/v1/registrations/"]["post"]["parameters"]
    assert key["schema"] == {"type": "string", "maxLength": 255, "pattern": "^[ -~]*$"}

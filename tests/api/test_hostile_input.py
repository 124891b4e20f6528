"""Hostile input (issue 12): a clear 4xx in the API's error shape, nothing written, no 500."""

from __future__ import annotations

import io
import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from registry.api.parsers import BoundedJSONParser, RequestTooLarge
from registry.models import LedgerEvent, Registration
from tests.factories import ip_item, registration_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/registrations/"


@pytest.fixture
def unchanged():
    """Asserts, after the test body, that no registration or ledger event was written."""
    before = (Registration.objects.count(), LedgerEvent.objects.count())
    yield
    assert (Registration.objects.count(), LedgerEvent.objects.count()) == before


def _post(client, url, body: str):
    return client.post(url, body, content_type="application/json")


def test_an_address_longer_than_the_limit_is_a_json_414(client_a, unchanged):
    long_query = "x" * 5000
    response = client_a.get(f"/api/v1/registrations/?kind={long_query}")
    assert response.status_code == 414
    assert response.json()["code"] == "uri_too_long"
    response = client_a.post(
        f"/api/v1/registrations/?x={long_query}",
        registration_payload(ip_item()),
        format="json",
    )
    assert response.status_code == 414
    assert client_a.get("/api/v1/registrations/?kind=" + "x" * 100).status_code == 400


def test_gunicorn_passes_request_lines_up_to_its_maximum():
    """So that an address between the API's limit and gunicorn's is the API's JSON 414."""
    from pathlib import Path

    config: dict = {}
    exec(Path("gunicorn.conf.py").read_text(), config)  # noqa: S102 - the project's own file
    assert config["limit_request_line"] == 8190


def test_a_twenty_megabyte_body_is_413_before_parsing(client_a, unchanged):
    payload = registration_payload()
    payload["padding"] = "x" * (20 * 1024 * 1024)
    response = _post(client_a, URL, json.dumps(payload))
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_body_without_content_length_stops_being_read_past_the_limit(settings):
    settings.API_MAX_BODY_BYTES = 1000
    stream = io.BytesIO(b'{"a": "' + b"x" * 5000 + b'"}')
    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(stream, parser_context={})
    assert stream.tell() == 1001  # read one byte past the limit, not the whole body


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [40, 1_000, 100_000])
@pytest.mark.parametrize(
    "url",
    [URL, "/api/v1/conflict-checks/", "/api/v1/webhooks/", "/api/v1/commodity-prices/"],
)
def test_deeply_nested_json_is_a_400(client_a, unchanged, url, depth):
    body = '{"grantor": ' + _nested(depth) + "}"
    response = _post(client_a, url, body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "too_deep"


def test_deep_json_on_amendment_and_policy_is_a_400(client_a, admin_a):
    number = client_a.post(URL, registration_payload(), format="json").json()
    number = number["registration_number"]
    counts = (Registration.objects.count(), LedgerEvent.objects.count())
    amend = _post(
        client_a, f"{URL}{number}/amendments/", '{"add_collateral": ' + _nested(5000) + "}"
    )
    policy = admin_a.put(
        "/api/v1/haircut-policy/",
        '{"base_haircuts": ' + _nested(5000) + "}",
        content_type="application/json",
    )
    assert amend.status_code == 400 and policy.status_code == 400
    assert (Registration.objects.count(), LedgerEvent.objects.count()) == counts


def test_nesting_of_real_requests_is_accepted(client_a):
    response = client_a.post(URL, registration_payload(), format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "moment",
    [
        "2026-06-01T00:00:00+16:00",
        "2026-06-01T00:00:00-15:30",
        "2026-06-01T00:00:00+23:59",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59Z",
    ],
)
def test_offsets_and_years_beyond_real_ones_are_a_400(client_a, moment):
    response = client_a.get(URL, {"expires_before": moment})
    assert response.status_code == 400, response.content
    assert "expires_before" in response.json()


@pytest.mark.parametrize(
    "moment",
    [
        "0001-12-31T23:00:00Z",
        "0002-01-01T00:00:00Z",
        "0010-06-01T00:00:00Z",
        "0999-06-01T00:00:00Z",
        "1000-06-01T00:00:00+08:00",
        "2026-06-01T00:00:00+14:00",
        "2026-06-01T00:00:00+14:01",
        "9899-06-01T00:00:00Z",
        "9989-06-01T00:00:00Z",
        "9998-12-31T23:59:59-12:00",
        "9999-01-01T00:00:00Z",
    ],
)
def test_the_schema_pattern_of_a_time_admits_what_the_server_accepts(client_a, moment):
    """What schemathesis (and a bank's generated client) may send as schema-valid, the server
    accepts, and what the server refuses the pattern refuses (years 2–9998, offsets ±14:00)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    [parameter] = [
        p
        for p in schema["paths"]["/api/v1/registrations/"]["get"]["parameters"]
        if p["name"] == "expires_before"
    ]
    accepted = client_a.get(URL, {"expires_before": moment}).status_code == 200
    assert bool(re.search(parameter["schema"]["pattern"], moment)) == accepted, moment


def test_real_extreme_offsets_are_accepted(client_a):
    for moment in ("2026-06-01T00:00:00+14:00", "2026-06-01T00:00:00-12:00"):
        assert client_a.get(URL, {"expires_before": moment}).status_code == 200


def test_an_unknown_field_is_a_400_naming_it(client_a, unchanged):
    response = client_a.post(URL, {**registration_payload(), "secured_amt": "10"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"secured_amt": ["Unknown field; did you mean secured_amount?"]}


def test_an_unknown_grantor_field_is_named_within_the_grantor(client_a, unchanged):
    payload = registration_payload()
    payload["grantor"]["id_nubmer"] = "x"
    response = client_a.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["grantor"]["id_nubmer"] == ["Unknown field; did you mean id_number?"]


def test_an_unknown_field_with_other_errors_names_both(client_a, unchanged):
    payload = {**registration_payload(), "period_years": 0, "colateral": []}
    body = client_a.post(URL, payload, format="json").json()
    assert set(body) >= {"period_years", "colateral"}


def test_an_amendment_with_add_names_add_collateral(client_a):
    number = client_a.post(URL, registration_payload(), format="json").json()
    number = number["registration_number"]
    events = LedgerEvent.objects.count()
    response = client_a.post(f"{URL}{number}/amendments/", {"add": [ip_item()]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"add": ["Unknown field; did you mean add_collateral?"]}
    assert LedgerEvent.objects.count() == events


def test_unknown_fields_of_webhooks_and_valuations_are_refused(client_a):
    webhook = client_a.post(
        "/api/v1/webhooks/", {"url": "https://example.com/h", "secret": "s"}, format="json"
    )
    assert webhook.status_code == 400 and "secret" in webhook.json()


def test_a_policy_read_and_sent_back_unchanged_is_accepted(admin_a):
    document = admin_a.get("/api/v1/haircut-policy/").json()
    response = admin_a.put("/api/v1/haircut-policy/", document, format="json")
    assert response.status_code in (200, 201), response.json()
    written = response.json()
    assert written["base_haircuts"] == document["base_haircuts"]
    assert written["version"] != document["version"]  # read-only keys ignored, not applied


def test_a_policy_with_a_typo_is_refused(admin_a):
    response = admin_a.put("/api/v1/haircut-policy/", {"treshold": "1.2"}, format="json")
    assert response.status_code == 400
    assert "treshold" in response.json()


@pytest.mark.parametrize(
    "credentials",
    [None, "Bearer nonsense", "Bearer cr_abcdefgh_wrong"],
    ids=["none", "bad", "wrong"],
)
def test_401_bodies_carry_a_code(credentials):
    client = APIClient()
    if credentials:
        client.credentials(HTTP_AUTHORIZATION=credentials)
    response = client.get(URL)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] in ("not_authenticated", "authentication_failed")


def test_every_non_field_error_has_detail_and_code(client_a, viewer_a):
    forbidden = viewer_a.post(URL, registration_payload(), format="json")
    missing = client_a.get(f"{URL}2026-99999999/")
    method = client_a.delete(URL)
    media = client_a.post(URL, "a=1", content_type="application/x-www-form-urlencoded")
    malformed = _post(client_a, URL, "{nope")
    for response, status in (
        (forbidden, 403),
        (missing, 404),
        (method, 405),
        (media, 415),
        (malformed, 400),
    ):
        assert response.status_code == status
        assert {"detail", "code"} <= set(response.json()), response.json()


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/registrations/x/y/z/", "/api/v2/"])
def test_unmatched_api_paths_answer_json_404(client_a, path):
    response = client_a.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


# --- the search request (issue 12, Build 1: strict search) -----------------------------------

SEARCH = "/api/v1/search/"


@pytest.fixture
def nothing_logged():
    from registry.models import SearchCertificate, SearchLog

    yield
    assert not SearchLog.objects.exists() and not SearchCertificate.objects.exists()


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"identifier": ""}, "identifier", "blank"),
        ({"grantor_id": ""}, "grantor_id", "blank"),
        ({"grantor_name": "张三", "kind": ""}, "kind", ""),
        ({"identifier": "ZL2017", "identifer": "x"}, "identifer", "did you mean identifier"),
        ({"identifier": "ZL2017", "secured_amt": "1"}, "secured_amt", "Unknown field"),
        ({"identifier": "ZL2017", "as_of": "2026-06-01T00:00:00+16:00"}, "as_of", "UTC offset"),
        ({"identifier": "ZL2017", "as_of": "0001-01-01T00:00:00+14:00"}, "as_of", "years"),
        ({"identifier": "ZL2017", "as_of": "9999-12-31T00:00:00Z"}, "as_of", ""),
        ({"identifier": "ZL2017", "as_of": "yesterday"}, "as_of", ""),
        ({"identifier": "ZL2017", "page_size": "0"}, "page_size", ""),
        ({"identifier": "ZL2017", "page": "x"}, "page", ""),
    ],
)
def test_search_parameters_are_strict(client_a, unchanged, nothing_logged, params, field, text):
    response = client_a.get(SEARCH, params)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert field in body, body
    assert text.lower() in " ".join(body[field]).lower()


def test_a_repeated_search_parameter_is_refused(client_a, unchanged, nothing_logged):
    response = client_a.get(f"{SEARCH}?identifier=ZL1&identifier=ZL2")
    assert response.status_code == 400 and "identifier" in response.json()


def test_a_certificate_body_is_as_strict(client_a, unchanged, nothing_logged):
    for body, field in [
        ({"identifier": ""}, "identifier"),
        ({"identifier": "ZL2017", "page": 2}, "page"),
        ({"identifier": "ZL2017", "grantor": "x"}, "grantor"),
        ({"grantor_id": "x", "as_of": "2026-06-01T00:00:00+16:00"}, "as_of"),
    ]:
        response = client_a.post("/api/v1/search-certificates/", body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())


def test_strict_search_still_takes_every_documented_parameter(client_a):
    response = client_a.get(
        SEARCH,
        {
            "identifier": "201710601862.3",
            "kind": "ip",
            "include_inactive": "true",
            "as_of": "2026-01-01T00:00:00+08:00",
            "purpose": "pre_lending",
            "page": "1",
            "page_size": "10",
            "format": "json",
        },
    )
    assert response.status_code == 200, response.json()


# --- found by `make fuzz` (Build 2): what the schema promises, the server does ------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/registrations/?kind=",
        "/api/v1/registrations/?status=&kind=ip",
        "/api/v1/alerts/?status=",
        "/api/v1/commodity-prices/?commodity=",
        "/api/v1/transfers/?direction=",
        "/api/v1/search-log/?purpose=",
    ],
)
def test_an_empty_list_filter_is_a_400_naming_it(client_a, url):
    response = client_a.get(url)
    assert response.status_code == 400
    empty = [
        name for name, value in (p.split("=") for p in url.split("?")[1].split("&")) if not value
    ]
    assert sorted(response.json()) == sorted(empty)


@pytest.mark.parametrize("page", ["0", "-3", "abc", "1.5", "²"])
def test_a_page_that_is_not_a_whole_number_from_one_is_a_400(client_a, page):
    response = client_a.get(f"/api/v1/registrations/?page={page}")
    assert response.status_code == 400
    assert list(response.json()) == ["page"]


def test_a_page_past_the_last_is_a_json_404(client_a):
    response = client_a.get("/api/v1/registrations/?page=99")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/registrations/{number}/objections/", {"grounds": "x", "evidnce": "typo"}),
        ("/api/v1/registrations/{number}/transfers/", {"to": "BANKB", "items": [1]}),
        (
            "/api/v1/grantor-watches/",
            {"id_type": "uscc", "id_number": "91440300MA5F000007", "x": 1},
        ),
    ],
)
def test_legal_and_watch_requests_refuse_unknown_fields(client_a, client_b, url, body):
    number = client_a.post(URL, registration_payload(), format="json").json()["registration_number"]
    client = client_b if "objections" in url else client_a
    response = client.post(url.format(number=number), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) & {"evidnce", "items", "x"}


def test_an_unknown_search_log_purpose_is_a_400(client_a):
    response = client_a.get("/api/v1/search-log/?purpose=AAA")
    assert response.status_code == 400
    assert list(response.json()) == ["purpose"]


def test_an_invalid_item_before_a_valid_one_of_the_same_kind_is_a_400(client_a, unchanged):
    # found by `make fuzz`: the valid item's validated data was read from an invalid batch
    bad = ip_item(number="not a patent")
    response = client_a.post(URL, registration_payload(bad, ip_item()), format="json")
    assert response.status_code == 400
    assert response.json()["collateral"][0] and response.json()["collateral"][1] == {}


@pytest.mark.parametrize("query", ["as_of=", "policy_version="])
def test_an_empty_figures_parameter_is_a_400_naming_it(client_a, query):
    number = client_a.post(URL, registration_payload(), format="json").json()["registration_number"]
    response = client_a.get(f"/api/v1/registrations/{number}/coverage/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [query.rstrip("=")]


def test_an_empty_secured_amount_is_refused_not_read_as_null(client_a):
    number = client_a.post(URL, registration_payload(), format="json").json()["registration_number"]
    response = client_a.post(f"{URL}{number}/amendments/", {"secured_amount": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["secured_amount"]


def test_empty_priority_parameters_are_a_400_naming_them(client_a):
    response = client_a.get("/api/v1/priority/?identifier=X1&scheme=&as_of=")
    assert response.status_code == 400
    assert sorted(response.json()) == ["as_of", "scheme"]


def test_unknown_and_repeated_priority_parameters_are_a_400_naming_them(client_a):
    """As in a search: a misspelt parameter (``?schme=``) silently ignored would rank on
    another key than the one meant."""
    base = "/api/v1/priority/?kind=ip&identifier=201710601862.3"
    response = client_a.get(base + "&schme=cn_patent", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"schme": ["Unknown field; did you mean scheme?"]}
    response = client_a.get(base + "&identifier=201710601862.3", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"identifier": ["Give this parameter once."]}
    assert client_a.get(base).status_code == 200


@pytest.mark.parametrize(
    ("path", "name", "given"),
    [("/api/v1/transfers/?direction=sideways", "direction", "sideways"),
     ("/api/v1/search-log/?purpose=curiosity", "purpose", "curiosity")],
)  # fmt: skip
def test_a_list_parameter_outside_its_choices_says_what_was_given_and_what_may_be(
    client_a, path, name, given
):
    response = client_a.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    [message] = response.json()[name]
    assert message.startswith(f"“{given}” is not one of: ")
    chinese = client_a.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").json()[name][0]
    assert chinese.startswith(f"“{given}”不是可选值之一：")


def test_an_empty_haircut_policy_parameter_is_a_400(client_a):
    response = client_a.get("/api/v1/haircut-policy/?platform=")
    assert response.status_code == 400
    assert list(response.json()) == ["platform"]


def test_a_moment_before_standard_time_is_written_with_a_whole_minute_offset(client_a):
    """Shanghai's local mean time (+08:05:43, before 1901) is no RFC 3339 offset: such a
    moment comes back in UTC (found by make fuzz on priority's as_of)."""
    import re

    response = client_a.get(
        "/api/v1/priority/",
        {"kind": "ip", "identifier": "201710601862.3", "as_of": "0055-08-31T04:20:23Z"},
    )
    assert response.status_code == 200, response.json()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", response.json()["as_of"]
    ), response.json()["as_of"]


def test_size_limits_answer_in_the_callers_language(client_a):
    response = client_a.get("/api/v1/registrations/?kind=" + "x" * 5000, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 414
    assert response.json()["detail"] == "The address is longer than 4096 bytes."
    response = client_a.get(
        "/api/v1/registrations/?kind=" + "x" * 5000, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.json()["detail"] == "请求地址超过 4096 字节。"


def test_a_number_where_text_belongs_is_a_400_naming_it(client_a, unchanged):
    """DRF reads ``"description": 0`` as ``"0"``; the schema says string (found by make fuzz)."""
    payload = registration_payload(ip_item())
    payload["description"] = 0
    payload["grantor"]["name"] = 12
    response = client_a.post("/api/v1/registrations/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "description" in body and "name" in body["grantor"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search-certificates/%00/",
        "/api/v1/search-certificates/SC%00/verify/",
        "/api/v1/search-certificates/%00/print/",
        "/api/v1/registration-certificates/%00/",
        "/api/v1/registration-certificates/%00/verify/",
        "/api/v1/registrations/%00/",
        "/api/v1/registrations/%1F/objections/",
        "/api/v1/verify/%00/?code=x",
        "/verify/%00?code=x",
        "/console/notices/%00/",
    ],
)
def test_a_control_character_in_the_address_is_a_json_404(client_a, path):
    """A NUL in a path value reached PostgreSQL, which refuses it in any text: a 500. No
    number has a control character, so nothing is there (404, as the schema documents)."""
    response = client_a.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Nothing is found at an address with a control character, such as a NUL byte.",
        "code": "not_found",
    }
    chinese = client_a.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 404
    assert chinese.json()["detail"] != response.json()["detail"]


def test_a_certificate_number_without_control_characters_is_still_a_404(client_a):
    assert client_a.get("/api/v1/search-certificates/SC-NOPE/").status_code == 404


def test_a_body_that_is_not_json_says_where_in_the_callers_language(client_a, unchanged):
    response = _post(client_a, URL, '{"grantor": {name: 1}}')
    assert response.status_code == 400
    english = client_a.post(
        URL, '{"grantor": {name: 1}}', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["detail"] == (
        "The body is not valid JSON: the error is at line 1, column 14."
    )
    chinese = client_a.post(
        URL, "{\n  oops", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert chinese.status_code == 400
    assert "第 2 行" in chinese.json()["detail"] and "Expecting" not in chinese.json()["detail"]
    undecodable = client_a.post(
        URL, b'{"a": "\xff"}', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert undecodable.status_code == 400
    assert undecodable.json()["detail"] == "The body is not valid utf-8 text."


def test_an_item_without_its_kind_is_asked_for_it(client_a, unchanged):
    item = ip_item()
    del item["kind"]
    response = client_a.post(
        URL, registration_payload(item), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    [message] = response.json()["collateral"][0]["kind"]
    assert message.startswith("Give the collateral kind: one of ")
    item["kind"] = "vehicle"
    response = client_a.post(
        URL, registration_payload(item), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["collateral"][0]["kind"][0].startswith("Unknown collateral kind")

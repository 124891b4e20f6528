"""An altered number whose check (check character, year, code list) no longer fits is still
found as a look-alike of the number it was altered from, like a receipt one edit away."""

import pytest
from stdnum.cn import uscc as uscc_mod

from tests.api.test_receivables import receivable
from tests.api.test_search_evidence import register
from tests.factories import (
    ear_tag,
    forest_item,
    ip_item,
    livestock_item,
    patent_number,
    receipt_item,
)

pytestmark = pytest.mark.django_db


def altered(number: str, position: int, character: str) -> str:
    """``number`` with the character at ``position`` (0-based) replaced."""
    assert number[position] != character
    return number[:position] + character + number[position + 1 :]


def search(client, identifier, **params):
    response = client.get("/api/v1/search/", {"identifier": identifier, **params})
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_patent_number_one_digit_altered_is_found_as_similar(client_a, client_b):
    number = "201710601862.3"
    pledged = register(client_a, ip_item(number))
    for typed in ("201710601862.4", "ZL201710601862.4", "2017106018624"):
        body = search(client_b, typed, kind="ip")
        [result] = body["results"]
        assert result["registration_number"] == pledged["registration_number"]
        assert result["match"] == "similar"
        assert result["matched"] == [{"scheme": "cn_patent", "value": number}]
        [detail] = result["match_details"]
        assert detail["how"] == "one_edit" and detail["scheme"] == "cn_patent"
        assert detail["query"] == "201710601862.4" and detail["stored"] == number
        assert detail["edit"] == {
            "operation": "substitution",
            "position": 14,
            "query": "4",
            "stored": "3",
        }
    # without a kind too, and narrowed to the patent scheme (which used to be a 400)
    assert search(client_b, "201710601862.4")["results"][0]["match"] == "similar"
    assert search(client_b, "201710601862.4", scheme="cn_patent")["count"] == 1


def test_an_altered_digit_breaking_the_check_character_anywhere_is_found(client_a, client_b):
    number = patent_number()
    register(client_a, ip_item(number))
    # a serial digit, the type digit (4 is no patent type) and a year digit (2097 is no year)
    for position, character in ((9, "0" if number[9] != "0" else "1"), (4, "4"), (2, "9")):
        typed = altered(number, position, character)
        [result] = search(client_b, typed, kind="ip")["results"]
        assert result["match"] == "similar", typed
        assert result["match_details"][0]["how"] == "one_edit"


def test_a_patent_number_with_a_letter_for_a_digit_is_a_lookalike(client_a, client_b):
    number = "201710601862.3"
    register(client_a, ip_item(number))
    [result] = search(client_b, "2O171O6O1862.3", kind="ip")["results"]
    [detail] = result["match_details"]
    assert result["match"] == "similar" and detail["how"] == "lookalike"
    assert detail["stored"] == number


def test_priority_and_conflict_checks_of_an_altered_patent_number_are_unchanged(client_a, client_b):
    """They answer on exact keys only, as for every kind: a number whose check character
    fails can hold no registration, so they answer as before (the copyright reading the text
    also has; a 400 where it has none), never on the look-alike key."""
    register(client_a, ip_item("201710601862.3"))
    priority = client_b.get(
        "/api/v1/priority/", {"kind": "ip", "identifier": "201710601862.4"}
    ).json()
    assert priority["scheme"] == "cn_copyright" and priority["ranking"] == []
    bare = client_b.get("/api/v1/priority/", {"kind": "ip", "identifier": "2017106018624"})
    assert bare.status_code == 400 and "cn_patent" in bare.json()["identifier"][0]
    narrowed = client_b.get(
        "/api/v1/priority/",
        {"kind": "ip", "identifier": "201710601862.4", "scheme": "cn_patent"},
    )
    assert narrowed.status_code == 400
    check = client_b.post(
        "/api/v1/conflict-checks/",
        {"identifiers": [{"identifier": "201710601862.4", "kind": "ip"}]},
        format="json",
    )
    assert check.status_code == 200 and check.json()["conflicts"] == []


def test_a_search_for_text_that_cannot_be_a_patent_is_still_a_400(client_b):
    for typed in ("20171060186.3X", "2017106018.3"):
        response = client_b.get("/api/v1/search/", {"identifier": typed, "scheme": "cn_patent"})
        assert response.status_code == 400, typed
        assert "cn_patent" in response.json()["identifier"][0]


def test_an_ear_tag_with_an_altered_species_or_county_code_is_found(client_a, client_b):
    tag = ear_tag()  # pig, county 330106
    register(client_a, livestock_item([tag]))
    for typed in (altered(tag, 0, "4"), altered(tag, 1, "9")):  # species 4, province 93
        [result] = search(client_b, typed, kind="livestock")["results"]
        assert result["match"] == "similar", typed
        assert result["matched"] == [{"scheme": "ear_tag", "value": tag}]
        assert result["match_details"][0]["how"] == "one_edit"


def test_a_forest_unit_number_with_an_altered_county_code_is_found(client_a, client_b):
    item = forest_item()
    register(client_a, item)
    typed = altered(item["unit_number"], 0, "9")  # province 93 does not exist
    [result] = search(client_b, typed, kind="forest_right")["results"]
    assert result["match"] == "similar"
    assert result["matched"] == [{"scheme": "forest_unit", "value": item["unit_number"]}]


def test_a_receivable_contract_with_an_altered_debtor_code_is_found(client_a, client_b):
    body = "91330106MA2B12345"
    code = body + uscc_mod.calc_check_digit(body)
    debtor = {"name": "杭州绿谷农业有限公司", "id_type": "uscc", "id_number": code}
    register(client_a, receivable(debtor=debtor, contract_number="HT-2026-001"))
    typed = altered(code, 10, "3") + ":HT-2026-001"
    [result] = search(client_b, typed, kind="receivable")["results"]
    assert result["match"] == "similar"
    assert result["matched"] == [{"scheme": "receivable_contract", "value": f"{code}:HT-2026-001"}]


def test_a_sequential_number_finds_exactly_its_one_edit_neighbours_in_priority_order(
    client_a, client_b
):
    """Sequential receipts share deletion variants by the dozen, and a number typed without
    a kind is looked up in every scheme it could be: the look-alike step must still return
    each neighbour one edit away, once, in priority order, and none two edits away."""
    pledged = {
        n: register(client_a, receipt_item(f"WR0000{n}"))["registration_number"]
        for n in (7001, 7002, 7003, 7004, 7005, 7006, 7113)
    }
    body = search(client_b, "SHFE01:WR00007003")
    assert [(r["registration_number"], r["match"]) for r in body["results"]] == [
        (pledged[7003], "exact"),
        *((pledged[n], "similar") for n in (7001, 7002, 7004, 7005, 7006)),
    ]
    assert body["count"] == 6
    assert all(r["match_details"][0]["how"] == "one_edit" for r in body["results"][1:])

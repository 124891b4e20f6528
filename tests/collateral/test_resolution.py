"""Identifier resolution: every key a typed identifier can denote, or an error naming schemes."""

import pytest

from collateral.resolution import LookupKey, UnresolvedIdentifier, resolve_identifier
from tests.factories import ear_tag, patent_number

UNIT = "330106001002GB00012L00000001"


def test_a_bare_receipt_number_is_a_partial_key_under_any_issuer():
    keys = resolve_identifier("wr-2026-000815", kind="warehouse_receipt")
    assert keys == [LookupKey("warehouse_receipt", "warehouse_receipt", ":WR-2026-000815", True)]
    assert keys[0].matches("QDPORT:WR-2026-000815")
    assert not keys[0].matches("QDPORT:XWR-2026-000815")


def test_a_unit_number_is_recognised_by_its_form_and_comes_first():
    keys = resolve_identifier(UNIT.lower(), kind="forest_right")
    assert keys[0] == LookupKey("forest_right", "forest_unit", UNIT)


def test_without_kind_every_kind_is_tried():
    number = patent_number()
    schemes = {k.scheme for k in resolve_identifier(f"ZL{number}")}
    assert "cn_patent" in schemes


@pytest.mark.parametrize("kind", ["ip", "livestock"])
def test_text_fitting_no_scheme_of_the_kind_names_its_schemes(kind):
    with pytest.raises(UnresolvedIdentifier) as error:
        resolve_identifier("not-a-number" if kind == "livestock" else ear_tag(), kind=kind)
    assert error.value.field == "identifier"
    from collateral.kinds.base import get_kind

    for scheme in get_kind(kind).schemes:
        assert scheme in error.value.message


def test_digits_alone_are_no_copyright_number():
    schemes = [k.scheme for k in resolve_identifier("12345678", kind="ip")]
    assert schemes == ["cn_trademark"]


def test_scheme_narrows_and_must_belong_to_the_kind():
    assert {k.scheme for k in resolve_identifier(ear_tag(), scheme="ear_tag")} == {"ear_tag"}
    with pytest.raises(UnresolvedIdentifier) as error:
        resolve_identifier(ear_tag(), kind="ip", scheme="ear_tag")
    assert error.value.field == "scheme"
    with pytest.raises(UnresolvedIdentifier):
        resolve_identifier("x", scheme="nope")


def test_a_patent_number_failing_its_check_is_a_patent_key_only_for_a_lookalike_search():
    """Priority queries and conflict checks answer on keys that can be registered; a search,
    which also shows look-alikes, compares the altered number with the stored patents."""
    altered = "ZL201710601862.4"  # 201710601862.3 with another check character
    assert "cn_patent" not in {k.scheme for k in resolve_identifier(altered, kind="ip")}
    keys = resolve_identifier(altered, kind="ip", lookalikes=True)
    assert LookupKey("ip", "cn_patent", "201710601862.4") in keys
    assert keys[0].scheme == "cn_copyright"  # the kind's own readings come first
    with pytest.raises(UnresolvedIdentifier):
        resolve_identifier(altered, scheme="cn_patent")
    assert resolve_identifier(altered, scheme="cn_patent", lookalikes=True) == [
        LookupKey("ip", "cn_patent", "201710601862.4")
    ]


def test_a_valid_key_has_no_lookalike_reading_beside_it():
    number = patent_number()
    assert resolve_identifier(number, kind="ip", lookalikes=True) == resolve_identifier(
        number, kind="ip"
    )
    tag = ear_tag()
    assert resolve_identifier(tag, kind="livestock", lookalikes=True) == resolve_identifier(
        tag, kind="livestock"
    )


def test_text_without_the_form_of_a_patent_number_stays_unresolved_as_one():
    for text in ("20171060186.3", "201710601862", "2019SR0123456", "ZL2017106018X2.3"):
        with pytest.raises(UnresolvedIdentifier):
            resolve_identifier(text, scheme="cn_patent", lookalikes=True)

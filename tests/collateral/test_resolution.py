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

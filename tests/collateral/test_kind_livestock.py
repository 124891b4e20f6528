"""The ``livestock`` kind: tags fit the species and scheme, no tag twice, head count."""

import pytest

from collateral.kinds.base import IdentityKey, get_kind

LIVESTOCK = get_kind("livestock")
PIG_TAGS = ["133010600000001", "133010600000002", "133010600000003"]


def item(**fields):
    return {"species": "pig", "ear_tags": PIG_TAGS, "farm": "Linan  Hog Farm", **fields}


def test_tagged_herd_is_stored_normalized(validate_item):
    attributes, errors = validate_item(
        "livestock", item(ear_tags=["1 330106 00000001", "1-330106-00000002", "133010600000003"])
    )
    assert errors is None
    assert attributes == {
        "species": "pig",
        "ear_tags": PIG_TAGS,
        "tag_scheme": "national",
        "head_count": 3,
        "farm": "Linan Hog Farm",
        "insurance_policy": None,
    }
    assert LIVESTOCK.identity_keys(attributes) == [IdentityKey("ear_tag", t) for t in PIG_TAGS]
    assert LIVESTOCK.describe(attributes) == "Livestock: 3 head of pig at Linan Hog Farm"


def test_head_count_equal_to_tags_is_accepted(validate_item):
    attributes, _ = validate_item("livestock", item(head_count=3, insurance_policy="PICC-1"))
    assert attributes["head_count"] == 3
    assert attributes["insurance_policy"] == "PICC-1"


def test_head_count_must_equal_the_number_of_tags(validate_item):
    _, errors = validate_item("livestock", item(head_count=4))
    assert errors == {
        "head_count": ["Head count is 4 but the number of ear tags is 3: they must be equal."]
    }


def test_untagged_herd_needs_a_head_count(validate_item):
    attributes, errors = validate_item("livestock", item(ear_tags=[], head_count=120))
    assert errors is None
    assert attributes["ear_tags"] == []
    assert LIVESTOCK.identity_keys(attributes) == []
    _, errors = validate_item("livestock", {"species": "pig", "farm": "F"})
    assert errors == {"head_count": ["Give the ear tags or, for an untagged herd, a head count."]}


def test_species_mismatch_is_an_error_at_the_tag(validate_item):
    _, errors = validate_item("livestock", item(species="cattle"))
    assert set(errors["ear_tags"]) == {0, 1, 2}
    [message] = errors["ear_tags"][0]
    assert message.code == "species_code"
    assert message == (
        "Ear tag 133010600000001 has species code 1 (first digit), "
        "but a Cattle tag has species code 2."
    )


def test_breeding_sow_tags_have_species_code_7(validate_item):
    attributes, _ = validate_item(
        "livestock", item(species="breeding_sow", ear_tags=["744030400000001"])
    )
    assert attributes["ear_tags"] == ["744030400000001"]
    _, errors = validate_item("livestock", item(species="breeding_sow"))
    assert errors["ear_tags"][0][0].code == "species_code"


def test_sheep_and_goats_share_species_code_3(validate_item):
    for species in ("sheep", "goat"):
        _, errors = validate_item("livestock", item(species=species, ear_tags=["365010200000001"]))
        assert errors is None


def test_duplicate_tag_is_refused(validate_item):
    _, errors = validate_item("livestock", item(ear_tags=["133010600000001", "1 330106 00000001"]))
    assert errors == {
        "ear_tags": {1: ["Ear tag 133010600000001 is given twice: each tag identifies one animal."]}
    }
    assert errors["ear_tags"][1][0].code == "duplicate_tag"


def test_every_bad_tag_is_reported_at_its_index(validate_item):
    _, errors = validate_item("livestock", item(ear_tags=["1330106", "133010600000001", "x"]))
    assert errors["ear_tags"][0][0].code == "length"
    assert errors["ear_tags"][2][0].code == "format"
    assert 1 not in errors["ear_tags"]


def test_iso11784_tags(validate_item):
    attributes, errors = validate_item(
        "livestock",
        item(species="cattle", tag_scheme="iso11784", ear_tags=["156 000012345678"]),
    )
    assert errors is None
    assert attributes["ear_tags"] == ["156000012345678"]
    assert LIVESTOCK.identity_keys(attributes) == [IdentityKey("ear_tag", "ISO:156000012345678")]


def test_iso11784_country_code_error(validate_item):
    _, errors = validate_item(
        "livestock", item(tag_scheme="iso11784", ear_tags=["999000000000001"])
    )
    assert errors["ear_tags"][0][0].code == "country_code"


def test_unknown_species_and_scheme(validate_item):
    _, errors = validate_item("livestock", item(species="horse", tag_scheme="barcode"))
    assert set(errors) == {"species", "tag_scheme"}


def test_lookup_keys_of_a_tag_cover_both_schemes():
    # 250 (France) is a country code and 500230 a county: the text can be either tag
    assert LIVESTOCK.lookup_keys("2 500230 00000001") == [
        IdentityKey("ear_tag", "250023000000001"),
        IdentityKey("ear_tag", "ISO:250023000000001"),
    ]
    # 215 is no ISO 3166 country: only the national tag
    assert LIVESTOCK.lookup_keys("2 150102 00000001") == [IdentityKey("ear_tag", "215010200000001")]
    assert LIVESTOCK.lookup_keys("iso:156000012345678") == [
        IdentityKey("ear_tag", "ISO:156000012345678")
    ]


@pytest.mark.parametrize("text", ["", "12", "abc", "ISO:", "999000000000001x"])
def test_lookup_keys_of_non_tags_are_empty(text):
    assert LIVESTOCK.lookup_keys(text) == []

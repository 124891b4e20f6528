"""The console's search page counts every match and shows them a page at a time (finding 4)."""

from __future__ import annotations

import pytest
from django.test import Client

from registry.models import User
from tests.api.test_search_complete import GRANTOR, clone, register
from tests.factories import ip_item

pytestmark = pytest.mark.django_db

PAGE = "/console/registry-search/"


@pytest.fixture
def officer_b(bank_b):
    client = Client()
    client.force_login(User.objects.create_user("officer_x", password="pw", organization=bank_b))
    return client


def test_the_search_page_shows_the_total_and_pages(client_a, officer_b):
    first = register(client_a, grantor=GRANTOR)
    numbers = clone(first["registration_number"], 119)  # 120 in all
    query = {"q": GRANTOR["name"], "mode": "grantor_name"}
    page_one = officer_b.get(PAGE, query).content.decode()
    assert "120 registrations found" in page_one
    assert "Page 1 of 3" in page_one and "page=2" in page_one
    assert numbers[0] in page_one and numbers[50] not in page_one
    page_three = officer_b.get(PAGE, {**query, "page": 3}).content.decode()
    assert "120 registrations found" in page_three and "Page 3 of 3" in page_three
    assert numbers[-1] in page_three and numbers[0] not in page_three


def test_a_too_large_certificate_from_the_console_gives_the_reason(client_a, officer_b, settings):
    first = register(client_a, grantor=GRANTOR)
    clone(first["registration_number"], 5)
    settings.SEARCH_CERTIFICATE_MAX_RESULTS = 3
    response = officer_b.post(
        "/console/registry-search/certificate/",
        {"q": GRANTOR["name"], "mode": "grantor_name"},
        follow=True,
    )
    assert response.status_code == 200
    assert "a search certificate lists at most 3" in response.content.decode()


def test_a_patent_number_with_a_wrong_check_character_finds_the_pledged_one(client_a, officer_b):
    """The console's box goes through the same search: an altered patent number (its check
    character no longer fits) is shown as similar to the pledged one."""
    pledged = register(client_a, ip_item("201710601862.3"))
    page = officer_b.get(PAGE, {"q": "ZL201710601862.4"}).content.decode()
    assert "1 registration found" in page, page
    assert pledged["registration_number"] in page
    assert "201710601862.3" in page and "Similar" in page

"""Issue 12 finding 3: masked resident IDs cannot be recovered by searching for candidates.

The mask leaves too little to guess, grantor-ID searches of resident IDs have quotas counted
in the database, and enumeration patterns raise an alert for the platform operator."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from stdnum.cn import ric

from registry.choices import EnumerationSignal
from registry.models import SearchEnumerationAlert, SearchLog, User
from tests.api.test_faults import redis_down  # noqa: F401 (a fixture)
from tests.factories import ip_item, person_grantor, registration_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/search/"


def candidates(prefix: str = "110105", sequence: str = "002", check: str = "X", n: int = 30):
    """Resident IDs an attacker would try against ``110105********002X``: birth dates whose
    check character is the one shown."""
    day = datetime.date(1949, 1, 1)
    found = []
    while len(found) < n:
        body = f"{prefix}{day:%Y%m%d}{sequence}"
        if ric.calc_check_digit(body + "0") == check:
            found.append(body + check)
        day += datetime.timedelta(days=1)
    return found


@pytest.fixture
def victim(client_a):
    person = person_grantor()  # 11010519491231002X
    response = client_a.post(
        "/api/v1/registrations/", registration_payload(ip_item(), grantor=person), format="json"
    )
    assert response.status_code == 201
    return person


def test_other_lenders_see_only_the_province_and_the_check_character(client_b, victim):
    body = client_b.get(URL, {"grantor_name": victim["name"]}).json()
    shown = body["results"][0]["grantor"]["id_number"]
    assert shown == "11" + "*" * 15 + "X"
    details = body["results"][0]["match_details"]
    assert victim["id_number"] not in str(body) or details[0]["query"] == victim["name"]


def test_a_scripted_enumeration_trips_the_quota_and_the_alert(client_b, victim, settings):
    settings.RESIDENT_ID_SEARCH_QUOTA_PER_ACTOR = (25, 3600)
    statuses = []
    for candidate in candidates(n=30):
        response = client_b.get(URL, {"grantor_id": candidate})
        statuses.append(response.status_code)
        if response.status_code == 429:
            refused = response
    assert statuses[:25] == [200] * 25 and set(statuses[25:]) == {429}
    body = refused.json()
    assert body["code"] == "grantor_id_quota" and body["detail"]
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    assert SearchLog.objects.exclude(resident_id_pattern="").count() == 25  # refused: no row
    alerts = {a.signal: a for a in SearchEnumerationAlert.objects.all()}
    assert set(alerts) == {EnumerationSignal.MISSES, EnumerationSignal.SHARED_PATTERN}
    assert alerts[EnumerationSignal.SHARED_PATTERN].subject_key == "110105********002X"
    assert alerts[EnumerationSignal.MISSES].organization.code == "BANKB"
    assert alerts[EnumerationSignal.MISSES].search_count >= 20


def test_the_alert_is_one_per_subject_and_grows_in_place(client_b, victim):
    for candidate in candidates(n=24):
        assert client_b.get(URL, {"grantor_id": candidate}).status_code == 200
    misses = SearchEnumerationAlert.objects.get(signal=EnumerationSignal.MISSES)
    first_count = misses.search_count
    for candidate in candidates(prefix="110101", n=3):
        client_b.get(URL, {"grantor_id": candidate})
    assert SearchEnumerationAlert.objects.filter(signal=EnumerationSignal.MISSES).count() == 1
    misses.refresh_from_db()
    assert misses.search_count == first_count + 3
    assert (
        SearchEnumerationAlert.objects.filter(signal=EnumerationSignal.SHARED_PATTERN).count() == 1
    )


def test_a_resolved_alert_does_not_come_straight_back(client_b, victim):
    """Resolving covers the searches seen so far; only new ones can raise it again."""
    from django.utils import timezone

    for candidate in candidates(n=24):
        client_b.get(URL, {"grantor_id": candidate})
    SearchEnumerationAlert.objects.update(resolved_at=timezone.now())
    client_b.get(URL, {"grantor_id": candidates(prefix="110101", n=1)[0]})
    assert not SearchEnumerationAlert.objects.filter(resolved_at__isnull=True).exists()
    for candidate in candidates(prefix="110102", n=24):
        client_b.get(URL, {"grantor_id": candidate})
    assert SearchEnumerationAlert.objects.filter(
        signal=EnumerationSignal.MISSES, resolved_at__isnull=True
    ).exists()


def test_a_normal_lenders_few_searches_trip_nothing(client_b, victim):
    for candidate in [victim["id_number"], *candidates(prefix="330106", n=4)]:
        assert client_b.get(URL, {"grantor_id": candidate}).status_code == 200
    assert not SearchEnumerationAlert.objects.exists()


def test_the_organization_quota_spans_its_keys(client_b, victim, settings, bank_b):
    from tests.conftest import _client_for

    settings.RESIDENT_ID_SEARCH_QUOTA_PER_ORGANIZATION = (6, 86400)
    other_key = _client_for(bank_b)
    ids = candidates(prefix="330106", n=8)
    for candidate in ids[:3]:
        assert client_b.get(URL, {"grantor_id": candidate}).status_code == 200
    for candidate in ids[3:6]:
        assert other_key.get(URL, {"grantor_id": candidate}).status_code == 200
    assert other_key.get(URL, {"grantor_id": ids[6]}).status_code == 429
    assert client_b.get(URL, {"grantor_id": ids[6]}).status_code == 429
    # a USCC or a name is not a personal number: not counted
    assert client_b.get(URL, {"grantor_name": "张三"}).status_code == 200
    assert (
        client_b.post("/api/v1/search-certificates/", {"grantor_id": ids[7]}, format="json").json()[
            "code"
        ]
        == "grantor_id_quota"
    )


def test_the_quota_holds_while_redis_is_down(client_b, victim, settings, redis_down):  # noqa: F811
    settings.RESIDENT_ID_SEARCH_QUOTA_PER_ACTOR = (3, 3600)
    for candidate in candidates(prefix="330106", n=3):
        assert client_b.get(URL, {"grantor_id": candidate}).status_code == 200
    assert client_b.get(URL, {"grantor_id": victim["id_number"]}).status_code == 429


def test_console_searches_count_and_are_refused_with_the_reason(victim, bank_b, settings):
    settings.RESIDENT_ID_SEARCH_QUOTA_PER_ORGANIZATION = (2, 86400)
    user = User.objects.create_user("officer_x", password="pw", organization=bank_b)
    client = Client()
    client.force_login(user)
    ids = candidates(prefix="330106", n=3)
    for candidate in ids[:2]:
        page = client.get("/console/registry-search/", {"q": candidate, "mode": "grantor_id"})
        assert page.status_code == 200
    refused = client.get("/console/registry-search/", {"q": ids[2], "mode": "grantor_id"})
    assert refused.status_code == 200
    assert "Too many searches by resident ID" in refused.content.decode()
    assert SearchLog.objects.filter(actor="user:officer_x").count() == 2


def test_the_operator_sees_enumeration_alerts_and_lenders_do_not(client_b, victim, bank_a):
    for candidate in candidates(n=20):
        client_b.get(URL, {"grantor_id": candidate})
    assert SearchEnumerationAlert.objects.exists()
    operator = User.objects.create_superuser("operator", "op@example.com", "pw")
    client = Client()
    client.force_login(operator)
    page = client.get("/admin/registry/searchenumerationalert/")
    assert page.status_code == 200 and "110105********002X" in page.content.decode()
    staff = User.objects.create_user("admin_x", password="pw", organization=bank_a, is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/registry/searchenumerationalert/").status_code in (302, 403)


def test_a_page_past_the_last_uses_no_quota_and_logs_nothing(client_b, victim, settings):
    settings.RESIDENT_ID_SEARCH_QUOTA_PER_ACTOR = (2, 3600)
    past = client_b.get(URL, {"grantor_id": victim["id_number"], "page": 2})
    assert past.status_code == 404
    assert not SearchLog.objects.exists()
    for _ in range(2):  # both searches of the quota are still there
        assert client_b.get(URL, {"grantor_id": victim["id_number"]}).status_code == 200
    assert client_b.get(URL, {"grantor_id": victim["id_number"]}).status_code == 429
    assert SearchLog.objects.count() == 2

"""Registration periods run on the service's calendar (Asia/Shanghai), whatever the hour."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from django.core.serializers.json import DjangoJSONEncoder

from registry.models import Registration
from registry.selectors.as_of import _period_end, expiry_as_of
from tests.factories import ip_item, registration_payload

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _register(client, clock, at: datetime, **period) -> dict:
    clock.now = at.astimezone(UTC)
    payload = registration_payload(ip_item(), **period)
    del payload["period_years"]
    payload.update(period)
    response = client.post("/api/v1/registrations/", payload, format="json")
    assert response.status_code == 201, response.data
    return response.json()


@pytest.mark.parametrize(
    ("registered", "period", "expires"),
    [
        # early morning in Shanghai is the day before in UTC: the month must still be
        # Shanghai's (the UTC calendar gave 1 May 04:00)
        ("2027-03-31T04:00", {"period_months": 1}, "2027-04-30T04:00"),
        ("2027-03-31T09:00", {"period_months": 1}, "2027-04-30T09:00"),
        # 29 February, 01:00 in Shanghai: a year later is 28 February (UTC gave 1 March)
        ("2028-02-29T01:00", {"period_years": 1}, "2029-02-28T01:00"),
        ("2027-01-31T07:59", {"period_months": 1}, "2027-02-28T07:59"),
    ],
)
def test_a_period_ends_on_the_same_shanghai_date_whatever_the_hour(
    client_a, clock, registered, period, expires
):
    at = datetime.fromisoformat(registered).replace(tzinfo=SHANGHAI)
    body = _register(client_a, clock, at, **period)
    expected = datetime.fromisoformat(expires).replace(tzinfo=SHANGHAI)
    assert datetime.fromisoformat(body["expires_at"]) == expected
    assert body["expires_at"].startswith(expires)  # shown in Shanghai time
    registration = Registration.objects.get(number=body["registration_number"])
    # as of any later moment the ledger gives the same expiry back
    assert expiry_as_of([registration.pk], clock.now) == {registration.pk: expected}


def test_an_extension_runs_on_the_shanghai_calendar_too(client_a, clock):
    at = datetime(2027, 1, 31, 5, 0, tzinfo=SHANGHAI)
    body = _register(client_a, clock, at, period_months=1)  # 28 February 05:00
    number = body["registration_number"]
    clock.move(days=1)
    response = client_a.post(
        f"/api/v1/registrations/{number}/extensions/", {"months": 1}, format="json"
    )
    assert response.status_code == 200, response.data
    expected = datetime(2027, 3, 28, 5, 0, tzinfo=SHANGHAI)
    assert datetime.fromisoformat(response.json()["expires_at"]) == expected
    registration = Registration.objects.get(number=number)
    assert expiry_as_of([registration.pk], clock.now) == {registration.pk: expected}


def test_an_expiry_recorded_on_the_utc_calendar_before_is_read_back_as_recorded():
    """Registrations made before periods moved onto Shanghai's calendar keep the expiry
    they were given: the ledger's recorded expiry (to the millisecond, as its payloads keep
    times) tells which calendar computed it, and as-of answers recompute it that way."""
    registered = datetime(2027, 3, 31, 4, 0, 0, 123456, tzinfo=SHANGHAI).astimezone(UTC)
    month = relativedelta(months=1)
    utc_rule = registered + month  # 1 May 04:00 in Shanghai
    shanghai_rule = datetime(2027, 4, 30, 4, 0, 0, 123456, tzinfo=SHANGHAI)
    assert utc_rule != shanghai_rule
    recorded_then = DjangoJSONEncoder().default(utc_rule)
    recorded_now = DjangoJSONEncoder().default(shanghai_rule.astimezone(UTC))
    assert recorded_then.endswith(".123Z")
    assert _period_end(registered, month, recorded_then) == utc_rule
    assert _period_end(registered, month, recorded_now) == shanghai_rule
    # where both calendars agree nothing is guessed
    ordinary = datetime(2027, 3, 15, 4, 0, tzinfo=SHANGHAI)
    expected = datetime(2027, 4, 15, 4, 0, tzinfo=SHANGHAI)
    assert _period_end(ordinary, month, "1999-01-01T00:00:00Z") == expected

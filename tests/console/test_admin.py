"""The operator console (Django admin) renders, in both languages, over real data."""

import io

import pytest
from django.core.management import call_command

from registry.models import Registration, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client):
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(username="operator"))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/registry/registration/",
        "/admin/registry/ledgerevent/",
        "/admin/registry/organization/",
        "/admin/registry/apikey/",
        "/admin/django_celery_beat/periodictask/",
    ],
)
def test_console_pages_render(console, path):
    assert console.get(path).status_code == 200


def test_registration_detail_and_language_switch(console):
    registration = Registration.objects.order_by("id").first()
    page = console.get(f"/admin/registry/registration/{registration.pk}/change/")
    assert page.status_code == 200
    assert registration.number in page.content.decode()
    console.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/"})
    assert "登记" in console.get("/admin/").content.decode()


def test_seed_demo_builds_a_readable_registry(console):
    from collateral.kinds.base import IdentityKey
    from registry.management.commands import seed_demo
    from registry.selectors.ledger import ledger_verify
    from registry.selectors.priority import conflicts_for_keys

    assert Registration.objects.count() == 5
    kinds = set(Registration.objects.values_list("items__kind", flat=True).distinct())
    demo = [seed_demo.PATENT, seed_demo.RECEIPT, seed_demo.PIGS, seed_demo.FOREST, seed_demo.CATTLE]
    assert kinds == {item["kind"] for item in demo}
    assert len(conflicts_for_keys([IdentityKey("cn_patent", "201710601862.3")])) == 2
    soon = [r for r in Registration.objects.all() if (r.expires_at - r.registered_at).days < 40]
    assert len(soon) == 1
    assert ledger_verify().ok


def test_lender_staff_see_only_their_own_rows_and_no_platform_settings(client):
    from django.contrib.auth.models import Permission

    call_command("seed_demo", stdout=io.StringIO())
    bank_b = Registration.objects.filter(secured_party__code="BANKB").first().secured_party
    staff = User.objects.create_user("staff_b", password="x", is_staff=True)
    staff.organization = bank_b
    staff.save()
    staff.user_permissions.set(
        Permission.objects.filter(
            codename__in=[
                "view_registration",
                "view_ledgerevent",
                "view_user",
                "change_user",
                "view_apikey",
            ]
        )
    )
    client.force_login(staff)
    listing = client.get("/admin/registry/registration/").content.decode()
    own = Registration.objects.filter(secured_party=bank_b)
    others = Registration.objects.exclude(secured_party=bank_b)
    assert all(r.number in listing for r in own)
    assert not any(r.number in listing for r in others)
    other = others.first()
    assert client.get(f"/admin/registry/registration/{other.pk}/change/").status_code == 302
    ledger = client.get("/admin/registry/ledgerevent/").content.decode()
    assert other.number not in ledger
    assert client.get("/admin/registry/user/").status_code == 403
    assert client.get("/admin/registry/apikey/").status_code == 403


def test_operator_records_a_ruling_in_the_console(client, actor_a, actor_b):
    from datetime import date

    from registry.models import LedgerEvent
    from registry.services.objections import objection_case_record, objection_file
    from tests.registry.test_services import create

    registration = create(actor_a).registration
    objection = objection_file(actor=actor_b, number=registration.number, grounds="x")
    operator = User.objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(operator)
    for page in [
        "/admin/registry/objection/",
        "/admin/registry/transferoffer/",
        "/admin/alerts/grantorwatch/",
        f"/admin/registry/objection/{objection.pk}/change/",
    ]:
        assert client.get(page).status_code == 200, page
    url = f"/admin/registry/objection/{objection.pk}/ruling/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"outcome": "discharge", "reference": "R-1"})
    assert refused.status_code == 200 and "case acceptance" in refused.content.decode()
    objection_case_record(
        actor=actor_b,
        number=registration.number,
        objection_id=objection.pk,
        case_number="C-1",
        body_type="court",
        body="Court",
        accepted_on=date(2026, 1, 1),
    )
    done = client.post(url, {"outcome": "discharge", "reference": "R-1"})
    assert done.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "discharged"
    assert LedgerEvent.objects.get(event="court_ordered_discharge").actor == "operator:operator"

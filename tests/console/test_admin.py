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

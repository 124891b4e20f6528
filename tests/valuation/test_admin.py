"""The admin writes through the services and shows staff only their organization's rows."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from tests.factories import UserFactory, receipt_item
from tests.valuation.conftest import days_ago, items_of, register, trademark_item
from valuation.models import CommodityPrice, HaircutPolicy, Valuation
from valuation.services import haircut_policy_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_a(client, bank_a):
    user = UserFactory(organization=bank_a, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="valuation"))
    client.force_login(user)
    return client


def test_admin_adds_a_valuation_through_the_service(staff_a, actor_a):
    (item,) = items_of(register(actor_a, trademark_item()))
    response = staff_a.post(
        "/admin/valuation/valuation/add/",
        {
            "item": item.pk,
            "value": "1000.00",
            "currency": "CNY",
            "method": "market_price",
            "valued_on": str(days_ago(1)),
            "appraiser": "",
            "notes": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    valuation = Valuation.objects.get()
    assert valuation.organization == actor_a.organization
    assert valuation.created_by.startswith("user:")
    assert staff_a.get(f"/admin/valuation/valuation/{valuation.pk}/change/").status_code == 200


def test_admin_refuses_a_valuation_the_service_would_refuse(staff_a, actor_a):
    (item,) = items_of(register(actor_a, trademark_item()))
    response = staff_a.post(
        "/admin/valuation/valuation/add/",
        {
            "item": item.pk,
            "value": "1000.00",
            "currency": "USD",
            "method": "market_price",
            "valued_on": str(days_ago(0)),
        },
    )
    assert response.status_code == 200
    assert "registration" in response.context["adminform"].form.errors["currency"][0]
    assert not Valuation.objects.exists()


def test_admin_price_marks_to_market(staff_a, actor_a):
    (receipt,) = items_of(register(actor_a, receipt_item(quantity="2")))
    response = staff_a.post(
        "/admin/valuation/commodityprice/add/",
        {
            "commodity": "Copper",
            "unit": "t",
            "price": "10",
            "currency": "CNY",
            "as_of": str(days_ago(0)),
        },
    )
    assert response.status_code == 302
    assert CommodityPrice.objects.get().commodity == "copper"
    assert Valuation.objects.get(item=receipt).value == Decimal("20.00")


def test_admin_price_warns_of_a_receipt_value_too_large(staff_a, actor_a):
    (receipt,) = items_of(register(actor_a, receipt_item(quantity="99999999999999.9999")))
    response = staff_a.post(
        "/admin/valuation/commodityprice/add/",
        {
            "commodity": "copper",
            "unit": "t",
            "price": "99999999.999999",
            "currency": "CNY",
            "as_of": str(days_ago(0)),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert CommodityPrice.objects.get().price == Decimal("99999999.999999")
    assert not Valuation.objects.filter(item=receipt).exists()
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1 and str(receipt.pk) in warnings[0]
    assert "999999999999999999.99" in warnings[0]


def test_admin_policy_is_a_new_version_never_an_edit(staff_a, bank_a, bank_b):
    rules = {"base_haircuts": {"ip": {"trademark": 45}}}
    response = staff_a.post(
        "/admin/valuation/haircutpolicy/add/", {"threshold": "1.1", "rules": json.dumps(rules)}
    )
    assert response.status_code == 302
    policy = HaircutPolicy.objects.get()
    assert (policy.organization, policy.version) == (bank_a, 1)
    assert policy.rules["base_haircuts"]["ip"]["trademark"] == "45.00"
    change = staff_a.post(f"/admin/valuation/haircutpolicy/{policy.pk}/change/", {})
    assert change.status_code == 403
    bad = staff_a.post(
        "/admin/valuation/haircutpolicy/add/",
        {"threshold": "1", "rules": json.dumps({"adjustments": {"x": {}}})},
    )
    assert bad.status_code == 200 and HaircutPolicy.objects.count() == 1

    haircut_policy_create(organization=bank_b, rules={}, created_by="test")
    listed = staff_a.get("/admin/valuation/haircutpolicy/")
    assert [p.organization for p in listed.context["cl"].result_list] == [bank_a]


def test_admin_pages_render(staff_a, actor_a):
    haircut_policy_create(organization=actor_a.organization, rules={}, created_by="test")
    for page in ("valuation/", "commodityprice/", "haircutpolicy/", "haircutpolicy/add/"):
        assert staff_a.get(f"/admin/valuation/{page}").status_code == 200, page
    policy = HaircutPolicy.objects.get()
    assert staff_a.get(f"/admin/valuation/haircutpolicy/{policy.pk}/change/").status_code == 200

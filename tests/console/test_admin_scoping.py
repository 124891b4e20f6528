"""Admin list filters offer only what the staff user may see (issue 12, finding 13)."""

import pytest
from django.contrib.auth.models import Permission

from registry.alerts.services.duplicates import duplicate_pledges_check
from registry.services.organizations import organization_ensure
from tests.alerts.conftest import register
from tests.factories import UserFactory, actor_for, ip_item, patent_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_a(client, bank_a, bank_b):
    # a third lender that holds rows of its own, with a name that must not leak
    hidden = organization_ensure(code="HIDDEN", name="Hidden Lender Ltd")[0]
    number = patent_number()
    register(actor_for(bank_a), ip_item(number))
    register(actor_for(bank_b), ip_item(number))
    third = register(actor_for(hidden), ip_item(number))
    duplicate_pledges_check(registration_ids=[third.pk])
    user = UserFactory(organization=bank_a, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["registry", "alerts", "valuation"])
    )
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/registry/registration/",
        "/admin/alerts/alert/",
        "/admin/alerts/webhook/",
        "/admin/registry/searchlog/",
        "/admin/valuation/valuation/",
        "/admin/valuation/haircutpolicy/",
        "/admin/registry/registrationcertificate/",  # was a 500: no organization_id to filter
    ],
)
def test_list_filters_name_no_other_lender(staff_a, path):
    response = staff_a.get(path)
    assert response.status_code == 200, path
    page = response.content.decode()
    assert "Hidden Lender Ltd" not in page
    assert "Bank B" not in page

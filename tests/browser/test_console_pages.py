"""Every console page opens in the browser, in Chinese, with no code shown; a screenshot each."""

from __future__ import annotations

import pytest

from registry.alerts.services.webhooks import webhook_subscribe
from registry.models import Registration
from tests.factories import actor_for

pytestmark = pytest.mark.django_db(transaction=True)

# internal codes a person must never read on a page
CODES = [
    "invention_patent",
    "warehouse_receipt",
    "duplicate_pledge",
    "uscc",
    "cn_patent",
    "ear_tag",
]


def test_every_page_as_an_organization_admin(console, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    own = Registration.objects.filter(secured_party__code="BANKA", items__kind="ip").first()
    other = Registration.objects.filter(secured_party__code="BANKB").order_by("-id").first()
    webhook, _secret = webhook_subscribe(
        actor=actor_for(own.secured_party), url="http://127.0.0.1:9/hook", event_types=[]
    )
    item = own.items.first()
    pages = {
        "dashboard": "/console/",
        "registrations": "/console/registry/registration/",
        "registration": f"/console/registry/registration/{own.pk}/change/",
        "amend": f"/console/registry/registration/{own.pk}/amend/",
        "extend": f"/console/registry/registration/{own.pk}/extend/",
        "discharge": f"/console/registry/registration/{own.pk}/discharge/",
        "notice-of-another-lender": f"/console/notices/{other.number}/",
        "search-grantor-name": "/console/registry-search/?q=绿谷农业",
        "alerts": "/console/alerts/alert/",
        "valuations": "/console/valuation/valuation/",
        "valuation-add": f"/console/valuation/valuation/add/?item={item.pk}",
        "haircut-policy": "/console/haircut-policy/",
        "import": "/console/portfolio/import/",
        "export": "/console/portfolio/export/",
        "users": "/console/registry/user/",
        "user-add": "/console/registry/user/add/",
        "api-keys": "/console/registry/apikey/",
        "api-key-add": "/console/registry/apikey/add/",
        "webhooks": "/console/alerts/webhook/",
        "webhook-deliveries": f"/console/alerts/webhook/{webhook.pk}/change/",
        "webhook-add": "/console/alerts/webhook/add/",
        "alert-settings": "/console/alert-settings/",
    }
    console.login("admin_a")
    for name, path in pages.items():
        page = console.go(path)
        assert page.url.endswith(path.split("?")[0]) or "?" in path, name
        console.shot(name)
        # the upload page's guide to the file's columns names them as the file must
        text = page.evaluate(
            "() => { document.querySelector('#columns')?.remove(); return document.body.innerText }"
        )
        for code in CODES:
            assert code not in text, (name, code)

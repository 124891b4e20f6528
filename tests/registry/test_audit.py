"""Every change of an API key, webhook, user role, haircut policy or alert settings leaves an
audit record with its actor and time; a refused change leaves none."""

import pytest

from registry.alerts.services.alerts import alert_settings_set
from registry.exceptions import InvalidInput, NotFound
from registry.models import AuditRecord, User
from registry.services.organizations import (
    api_key_create,
    api_key_revoke,
    user_create,
    user_update,
)
from tests.factories import actor_for

pytestmark = pytest.mark.django_db


def actions(organization):
    return list(
        AuditRecord.objects.filter(organization=organization)
        .order_by("id")
        .values_list("action", "actor")
    )


def test_api_keys_issued_and_revoked_are_audited_once(bank_a, bank_b):
    actor = actor_for(bank_a)
    key, _raw = api_key_create(actor=actor, name="core banking", role="viewer")
    api_key_revoke(actor=actor, api_key_id=key.pk)
    api_key_revoke(actor=actor, api_key_id=key.pk)  # twice: no second record
    assert actions(bank_a) == [
        ("api_key.created", "test:BANKA"),
        ("api_key.revoked", "test:BANKA"),
    ]
    record = AuditRecord.objects.filter(action="api_key.created").get()
    assert record.after == {"prefix": key.prefix, "name": "core banking", "role": "viewer"}
    assert "key_hash" not in str(record.after)


def test_another_lender_cannot_revoke_a_key(bank_a, bank_b):
    key, _raw = api_key_create(actor=actor_for(bank_a))
    with pytest.raises(NotFound):
        api_key_revoke(actor=actor_for(bank_b), api_key_id=key.pk)
    assert not actions(bank_b)


def test_users_and_role_changes_are_audited(bank_a):
    actor = actor_for(bank_a)
    user = user_create(
        actor=actor, username="li.officer", role="viewer", password="Lv9-registry-pw"
    )
    user_update(actor=actor, user_id=user.pk, role="officer")
    user_update(actor=actor, user_id=user.pk, role="officer")
    assert [a for a, _ in actions(bank_a)] == ["user.created", "user.role_changed"]
    change = AuditRecord.objects.get(action="user.role_changed")
    assert change.before["role"] == "viewer" and change.after["role"] == "officer"
    assert User.objects.get(pk=user.pk).check_password("Lv9-registry-pw")


def test_unknown_role_writes_nothing(bank_a):
    with pytest.raises(InvalidInput):
        user_create(actor=actor_for(bank_a), username="x", role="boss", password="y" * 12)
    assert not User.objects.filter(username="x").exists() and not actions(bank_a)


def test_webhooks_and_policy_over_the_api_are_audited(bank_a, client_a, admin_a, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    response = client_a.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook"}, format="json")
    assert response.status_code == 201
    assert client_a.delete(f"/api/v1/webhooks/{response.data['id']}/").status_code == 204
    assert admin_a.put("/api/v1/haircut-policy/", {}, format="json").status_code == 200
    recorded = [a for a, _ in actions(bank_a) if not a.startswith("api_key")]
    assert recorded == ["webhook.subscribed", "webhook.unsubscribed", "haircut_policy.created"]
    assert AuditRecord.objects.get(action="haircut_policy.created").after["version"] == 1


def test_alert_settings_changes_are_audited_and_validated(bank_a):
    actor = actor_for(bank_a)
    alert_settings_set(actor=actor, expiring_thresholds=[60, 14])
    with pytest.raises(InvalidInput):
        alert_settings_set(actor=actor, expiring_thresholds=[0])
    record = AuditRecord.objects.get(action="alert_settings.changed")
    assert record.before == {"expiring_thresholds": [30, 7, 1]}
    assert record.after == {"expiring_thresholds": [60, 14]}

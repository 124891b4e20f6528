"""Transfers to another secured party: priority unchanged, private fields follow the holder,
the old holder keeps its history, concurrent transfer and amendment never half-applied."""

import threading

import pytest
from django.db import connection, connections

from collateral.kinds.base import IdentityKey
from registry.exceptions import InvalidInput, InvalidState, NotFound, PermissionDenied
from registry.items import items_validate
from registry.jobs import all_jobs
from registry.models import IdentityKeyEntry, LedgerEvent, Registration, TransferOffer
from registry.selectors.ledger import ledger_verify
from registry.selectors.priority import priority_ranking
from registry.services.registrations import registration_amend
from registry.services.transfers import (
    transfer_accept,
    transfer_decline,
    transfer_offer,
    transfer_offers_expire,
)
from tests.factories import actor_for, ip_item, patent_number, registration_payload
from tests.registry.test_services import create

pytestmark = pytest.mark.django_db


def ranking(number: str) -> list[tuple[str, str, object, int]]:
    return [
        (r.registration.number, r.registration.secured_party.code, r.effective_at, r.sequence)
        for r in priority_ranking(IdentityKey("cn_patent", number))
    ]


def test_whole_transfer_keeps_priority_and_moves_the_private_fields(
    actor_a, actor_b, actor_c, client_a, client_b
):
    patent = patent_number()
    registration = create(actor_a, ip_item(patent), secured_amount=500).registration
    create(actor_c, ip_item(patent))  # a junior pledge of the same patent
    before = ranking(patent)
    offer = transfer_offer(actor=actor_a, number=registration.number, to="BANKB")
    assert Registration.objects.get(pk=registration.pk).secured_party.code == "BANKA"
    transfer_accept(actor=actor_b, transfer_id=offer.pk)

    after = ranking(patent)
    assert [(n, e, s) for n, _p, e, s in after] == [(n, e, s) for n, _p, e, s in before]
    assert [p for _n, p, _e, _s in after] == ["BANKB", "BANKC"]
    url = f"/api/v1/registrations/{registration.number}/"
    assert client_b.get(url).json()["secured_amount"] == "500.00"
    assert "secured_amount" not in client_a.get(url).json()

    registration_amend(actor=actor_b, number=registration.number, description="now ours")
    with pytest.raises(PermissionDenied):
        registration_amend(actor=actor_a, number=registration.number, description="still ours?")
    old = client_a.get(f"{url}history/").json()
    new = client_b.get(f"{url}history/").json()
    assert [e["event"] for e in old] == ["registered", "transferred", "amended"]
    # the old holder reads the events up to the transfer in full, none after
    assert [e["payload"] is not None for e in old] == [True, True, False]
    assert all(e["payload"] is not None for e in new)
    assert new[1]["payload"] == {"transfer": offer.pk, "from": "BANKA", "to": "BANKB"}
    assert ledger_verify().ok


def test_split_off_items_keep_their_effective_times(actor_a, actor_b, actor_c, client_b):
    moved, kept = patent_number(), patent_number()
    registration = create(actor_a, ip_item(moved), ip_item(kept)).registration
    create(actor_c, ip_item(moved))
    item = registration.items.get(attributes__number=moved)
    before = ranking(moved)
    offer = transfer_offer(
        actor=actor_a, number=registration.number, to="BANKB", item_ids=[item.pk]
    )
    accepted = transfer_accept(actor=actor_b, transfer_id=offer.pk)
    split = accepted.result
    assert split.pk != registration.pk and split.secured_party.code == "BANKB"
    assert split.grantor_id_number == registration.grantor_id_number
    assert split.expires_at == registration.expires_at

    after = ranking(moved)
    assert [(e, s) for _n, _p, e, s in after] == [(e, s) for _n, _p, e, s in before]
    assert [(n, p) for n, p, _e, _s in after] == [(split.number, "BANKB"), (before[1][0], "BANKC")]
    assert ranking(kept)[0][0] == registration.number
    assert [i.attributes["number"] for i in registration.items.filter(removed_at__isnull=True)] == [
        kept
    ]
    assert list(
        LedgerEvent.objects.filter(registration=registration).values_list("event", flat=True)
    ) == ["registered", "split_off"]
    history = client_b.get(f"/api/v1/registrations/{split.number}/history/").json()
    assert [e["event"] for e in history] == ["transferred"]
    assert history[0]["payload"]["split_from"] == registration.number
    assert ledger_verify().ok


def test_offer_rules_decline_and_expiry(clock, actor_a, actor_b, actor_c, settings):
    registration = create(actor_a, ip_item(), ip_item()).registration
    ids = list(registration.items.values_list("pk", flat=True))
    with pytest.raises(InvalidInput) as refused:
        transfer_offer(actor=actor_a, number=registration.number, to="NOBODY")
    assert "to" in refused.value.extra
    with pytest.raises(InvalidInput):
        transfer_offer(actor=actor_a, number=registration.number, to="BANKA")
    with pytest.raises(InvalidInput) as refused:
        transfer_offer(actor=actor_a, number=registration.number, to="BANKB", item_ids=[999999])
    assert "item_ids" in refused.value.extra
    with pytest.raises(InvalidInput):  # every item: that is the whole registration
        transfer_offer(actor=actor_a, number=registration.number, to="BANKB", item_ids=ids)
    with pytest.raises(PermissionDenied):
        transfer_offer(actor=actor_b, number=registration.number, to="BANKC")

    offer = transfer_offer(actor=actor_a, number=registration.number, to="BANKB")
    with pytest.raises(InvalidState):
        transfer_offer(actor=actor_a, number=registration.number, to="BANKC")
    with pytest.raises(NotFound):
        transfer_accept(actor=actor_c, transfer_id=offer.pk)
    with pytest.raises(PermissionDenied):
        transfer_accept(actor=actor_a, transfer_id=offer.pk)
    transfer_decline(actor=actor_b, transfer_id=offer.pk)
    with pytest.raises(InvalidState):
        transfer_accept(actor=actor_b, transfer_id=offer.pk)

    settings.TRANSFER_OFFER_DAYS = 3
    offer = transfer_offer(actor=actor_a, number=registration.number, to="BANKC")
    clock.move(days=3)
    with pytest.raises(InvalidState):
        transfer_accept(actor=actor_c, transfer_id=offer.pk)
    assert transfer_offers_expire() == 1
    assert all_jobs()["transfer_offers_expire"].run().changed == 0
    assert TransferOffer.objects.get(pk=offer.pk).status == "expired"
    # an offer past its time no longer blocks a new one
    transfer_offer(actor=actor_a, number=registration.number, to="BANKB")
    assert Registration.objects.get(pk=registration.pk).secured_party.code == "BANKA"


def test_transfers_over_http(client_a, client_b, client_c):
    created = client_a.post(
        "/api/v1/registrations/", registration_payload(ip_item(), ip_item()), format="json"
    ).json()
    number = created["registration_number"]
    url = f"/api/v1/registrations/{number}/transfers/"
    assert client_a.post(url, {}, format="json").json() == {"to": ["This field is required."]}
    assert client_a.post(url, {"to": "NOPE"}, format="json").status_code == 400
    assert client_b.post(url, {"to": "BANKC"}, format="json").status_code == 403
    item_id = created["collateral"][0]["id"]
    response = client_a.post(url, {"to": "BANKB", "item_ids": [item_id]}, format="json")
    assert response.status_code == 201, response.data
    offer = response.json()
    assert offer["status"] == "pending" and offer["item_ids"] == [item_id]
    assert [
        o["id"] for o in client_b.get("/api/v1/transfers/?direction=incoming").json()["results"]
    ] == [offer["id"]]
    assert client_b.get("/api/v1/transfers/?direction=outgoing").json()["count"] == 0
    assert client_a.get("/api/v1/transfers/?direction=outgoing").json()["count"] == 1
    assert client_c.get("/api/v1/transfers/").json()["count"] == 0
    assert client_a.get("/api/v1/transfers/?direction=sideways").status_code == 400
    assert client_c.post(f"/api/v1/transfers/{offer['id']}/accept/").status_code == 404
    accepted = client_b.post(f"/api/v1/transfers/{offer['id']}/accept/")
    assert accepted.status_code == 200, accepted.data
    split = accepted.json()["result_registration_number"]
    assert split and split != number
    mine = client_b.get(f"/api/v1/registrations/{split}/").json()
    assert mine["secured_party"]["code"] == "BANKB" and "loan_reference" in mine
    assert mine["collateral"][0]["effective_at"] == created["collateral"][0]["effective_at"]
    assert client_b.post(f"/api/v1/transfers/{offer['id']}/decline/").status_code == 409


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks"
)


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_split_transfer_and_amendment_never_half_apply(bank_a, bank_b, attempt):
    actor_a, actor_b = actor_for(bank_a), actor_for(bank_b)
    moved, kept = patent_number(), patent_number()
    registration = create(actor_a, ip_item(moved), ip_item(kept)).registration
    item = registration.items.get(attributes__number=moved)
    offer = transfer_offer(
        actor=actor_a, number=registration.number, to="BANKB", item_ids=[item.pk]
    )
    accept, amend = _race(
        lambda: transfer_accept(actor=actor_b, transfer_id=offer.pk),
        lambda: registration_amend(
            actor=actor_a,
            number=registration.number,
            remove_item_ids=[item.pk],
            add_items=items_validate([ip_item()]),
        ),
    )
    won = [not isinstance(o, Exception) for o in (accept, amend)]
    assert won.count(True) == 1, (accept, amend)
    offer.refresh_from_db()
    live = set(
        IdentityKeyEntry.objects.filter(value=moved, released_at__isnull=True).values_list(
            "registration_id", flat=True
        )
    )
    if won[0]:  # the transfer won; the amendment changed nothing at all
        assert isinstance(amend, InvalidInput)
        assert offer.status == "accepted"
        assert live == {offer.result_id}
        assert registration.items.filter(removed_at__isnull=True).count() == 1
    else:  # the amendment won; the offer still pends and cannot be accepted
        assert isinstance(accept, InvalidState)
        assert offer.status == "pending"
        assert live == set()
        assert registration.items.filter(removed_at__isnull=True).count() == 2
        assert Registration.objects.count() == 1
    assert ledger_verify().ok


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_whole_transfer_and_amendment_serialize(bank_a, bank_b):
    actor_a, actor_b = actor_for(bank_a), actor_for(bank_b)
    registration = create(actor_a, ip_item()).registration
    offer = transfer_offer(actor=actor_a, number=registration.number, to="BANKB")
    accept, amend = _race(
        lambda: transfer_accept(actor=actor_b, transfer_id=offer.pk),
        lambda: registration_amend(actor=actor_a, number=registration.number, secured_amount=123),
    )
    assert not isinstance(accept, Exception), accept
    registration.refresh_from_db()
    assert registration.secured_party_id == bank_b.pk
    events = list(
        LedgerEvent.objects.filter(registration=registration)
        .order_by("sequence")
        .values_list("event", flat=True)
    )
    if isinstance(amend, Exception):  # came second: the registration was no longer A's
        assert isinstance(amend, PermissionDenied)
        assert events == ["registered", "transferred"] and registration.secured_amount is None
    else:  # came first: the amendment is wholly in, before the transfer
        assert events == ["registered", "amended", "transferred"]
        assert registration.secured_amount == 123
    assert ledger_verify().ok

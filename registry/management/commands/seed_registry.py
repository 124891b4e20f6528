"""A synthetic registry at scale, for benchmarks: bulk inserts (COPY on PostgreSQL).

Registrations of the four kinds in a realistic mix, a known share of items pledged again
(duplicates), some discharged, a few percent expiring within the month. The rows are written
directly, not through the services, but as the services would write them: numbers from the
per-year counters, one ``registered`` (and ``discharged``) ledger event each, in time order,
with the hash chain computed here — ``verify_ledger`` passes afterwards.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import random
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import uscc

from collateral.identifiers import patent_check_character
from collateral.kinds.base import get_kind
from registry.choices import LedgerEventType, RegistrationStatus
from registry.models import (
    CollateralItem,
    Counter,
    IdentityKeyEntry,
    LedgerEvent,
    LookalikeVariant,
    Registration,
)
from registry.models.ledger import canonical_json
from registry.periods import calendar_add
from registry.selectors.similar import fold_lookalikes
from registry.services.bulk import (
    JSONText,
    analyze_tables,
    copy_rows,
    indexes_deferred,
    sequences_held,
)
from registry.services.identity_keys import LookalikeLoad, lookalike_index_add
from registry.services.ledger import ledger_lock
from registry.services.organizations import organization_ensure

_JSON = DjangoJSONEncoder()
KIND_WEIGHTS = {"ip": 30, "warehouse_receipt": 30, "livestock": 25, "forest_right": 15}
ITEMS_PER_REGISTRATION = ((1, 60), (2, 25), (3, 10), (5, 5))
# random.choices's own cumulative sums of those weights, taken once (the same draws)
_KINDS, _KIND_CUM_WEIGHTS = list(KIND_WEIGHTS), list(itertools.accumulate(KIND_WEIGHTS.values()))
_SIZES = [size for size, _weight in ITEMS_PER_REGISTRATION]
_SIZE_CUM_WEIGHTS = list(itertools.accumulate(weight for _size, weight in ITEMS_PER_REGISTRATION))
DISCHARGED_SHARE = 0.04
EXPIRING_SHARE = 0.03  # expire within the next month; the others later
POOL_SIZE = 20_000  # items remembered as candidates for a duplicate pledge


_CITIES = ["杭州", "宁波", "温州", "湖州", "嘉兴", "绍兴", "金华", "台州", "丽水", "衢州", "舟山"]
_WORDS = [
    "绿谷",
    "东方",
    "恒信",
    "华泰",
    "永安",
    "新峰",
    "金源",
    "瑞丰",
    "天成",
    "宏达",
    "海润",
    "嘉禾",
    "鑫隆",
    "远航",
    "明珠",
    "安吉",
    "富春",
    "鼎盛",
    "云帆",
    "青松",
]
_TRADES = ["农业", "科技", "物流", "贸易", "实业", "食品", "材料"]


def _grantor_name(i: int) -> str:
    """Distinct, varied company names: city, two words, trade (30,800 before a number)."""
    city, i = _CITIES[i % len(_CITIES)], i // len(_CITIES)
    first, i = _WORDS[i % len(_WORDS)], i // len(_WORDS)
    second, i = _WORDS[i % len(_WORDS)], i // len(_WORDS)
    trade, i = _TRADES[i % len(_TRADES)], i // len(_TRADES)
    return f"{city}{first}{second}{trade}{i or ''}有限公司"


def _payload_text(canonical_text: str) -> JSONText:
    """The payload's JSON inside a ledger row's canonical text, encoded once for both.

    The content's keys are sorted: ``actor``, ``event`` and ``occurred_at`` (strings, in
    which JSON escapes every quote) come before ``payload``, and ``registration`` and
    ``sequence`` after it, so the first ``,"payload":`` and the last ``,"registration":``
    bound exactly the payload's canonical JSON.
    """
    start = canonical_text.index(',"payload":') + len(',"payload":')
    return JSONText(canonical_text[start : canonical_text.rindex(',"registration":')])


def _months_until(start: datetime, moment: datetime) -> int:
    """The fewest whole months (at least 1) after which ``start`` has passed ``moment``."""
    months = max(1, (moment.year - start.year) * 12 + moment.month - start.month)
    while calendar_add(start, relativedelta(months=months)) <= moment:
        months += 1
    return months


# The columns seeding writes, in the order of its rows (the rest take their defaults).
_REGISTRATION_COLUMNS = [
    "id",
    "number",
    "secured_party_id",
    "grantor_name",
    "grantor_id_type",
    "grantor_id_number",
    "registered_at",
    "expires_at",
    "status",
    "discharged_at",
    "secured_amount",
    "currency",
    "loan_reference",
    "description",
    "updated_at",
]
_ITEM_COLUMNS = [
    "id",
    "registration_id",
    "kind",
    "attributes",
    "external_registration",
    "effective_at",
    "effective_sequence",
    "removed_at",
]
_KEY_COLUMNS = [
    "id",
    "scheme",
    "value",
    "folded",
    "item_id",
    "registration_id",
    "effective_at",
    "effective_sequence",
    "expires_at",
    "released_at",
]
_EVENT_COLUMNS = [
    "id",
    "sequence",
    "registration_id",
    "event",
    "actor",
    "occurred_at",
    "payload",
    "prev_hash",
    "hash",
]


class _Generator:
    """Deterministic synthetic collateral; identifiers are valid and normalized."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serial = 0
        self.pool: list[tuple[str, dict[str, Any], list]] = []

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def fresh(self, kind: str) -> dict[str, Any]:
        n, rng = self._next(), self.rng
        if kind == "ip":
            digits = f"{2010 + n // 10**7}1{n % 10**7:07d}"
            number = f"{digits}.{patent_check_character(digits)}"
            return {
                "ip_type": "invention_patent",
                "number": number,
                "title": f"Synthetic invention {n}",
                "right_expires_on": None,
                "jurisdiction": "CN",
            }
        if kind == "warehouse_receipt":
            return {
                "issuer_code": f"WH{n % 40:02d}",
                "receipt_number": f"WR{n:010d}",
                "commodity": rng.choice(["copper", "aluminium", "soybean", "rubber", "steel"]),
                "quantity": f"{rng.randint(5, 500)}.0000",
                "unit": "t",
                "warehouse": f"PORT-{n % 97:02d}",
                "lot": f"L{n:09d}",
                "issued_on": "2026-01-10",
                "expires_on": "2027-01-10",
                "platform": None,
            }
        if kind == "livestock":
            tags = [f"1330106{self._next():08d}" for _ in range(rng.randint(1, 8))]
            return {
                "species": "pig",
                "ear_tags": tags,
                "tag_scheme": "national",
                "head_count": len(tags),
                "farm": f"Farm {n % 500}",
                "insurance_policy": f"PICC-{n}" if rng.random() < 0.7 else None,
            }
        return {
            "certificate_number": f"浙(2021)安吉县不动产权第{n % 10**7:07d}号{n // 10**7 or ''}",
            "unit_number": f"330523{n % 1000:03d}002JL{n % 10**5:05d}L{n:08d}",
            "parcel": f"Parcel {n}",
            "location": "Anji, Zhejiang",
            "area_hectares": f"{rng.randint(1, 90)}.5000",
            "species": "Moso bamboo",
            "stock_volume_m3": None,
            "stand_age": rng.choice(["young", "middle", "mature"]),
            "right_expires_on": None,
        }

    def item(self, duplicate_rate: float) -> tuple[str, dict[str, Any], list]:
        """(kind, attributes, holders); ``holders`` is shared by every pledge of the item."""
        if self.pool and self.rng.random() < duplicate_rate:
            return self.rng.choice(self.pool)
        kind = self.rng.choices(_KINDS, cum_weights=_KIND_CUM_WEIGHTS)[0]
        entry = (kind, self.fresh(kind), [])
        if len(self.pool) < POOL_SIZE:
            self.pool.append(entry)
        else:
            self.pool[self.rng.randrange(POOL_SIZE)] = entry
        return entry


class Command(BaseCommand):
    help = "Seed a synthetic registry at scale (bulk inserts; the ledger chain stays valid)."

    def add_arguments(self, parser):
        parser.add_argument("--registrations", type=int, default=0)
        parser.add_argument("--keys", type=int, default=0, help="Stop at about this many keys.")
        parser.add_argument("--duplicate-rate", type=float, default=0.02)
        parser.add_argument("--organizations", type=int, default=5)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, **options):
        if not (options["registrations"] or options["keys"]):
            raise CommandError("Give --registrations N or --keys K.")
        started = time.monotonic()
        tables = [Registration, CollateralItem, IdentityKeyEntry, LedgerEvent]
        # The load makes millions of objects and no reference cycles (reference counting
        # frees them): the cycle collector would only walk them again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            counts = self._load_all(tables, options)
        finally:
            if collecting:
                gc.enable()
        # A bulk load leaves the planner without statistics (autovacuum comes later): without
        # them the conflict check picks the wrong index and reads 1,000 times more rows.
        analyze_tables(*tables, LookalikeVariant)
        counts["seconds"] = round(time.monotonic() - started, 1)
        if options["verbosity"]:
            self.stdout.write(
                "Seeded {registrations} registrations, {items} items, {keys} identity keys "
                "({duplicates} items pledged again, {discharged} discharged) "
                "in {seconds}s.".format(**counts)
            )

    def _load_all(self, tables: list, options: dict) -> dict:
        with transaction.atomic():
            # Into an empty or small registry the indexes and constraints are built once
            # after the load; into a large one, kept (rebuilding them would cost more than
            # the load). Either way the tables are locked until the seed commits: seeding is
            # an offline job.
            planned = options["registrations"] or options["keys"] // 3
            small = Registration.objects.count() <= planned
            # an empty look-alike index is loaded by plain COPY, its key built afterwards
            direct = (
                small
                and connection.vendor == "postgresql"
                and not LookalikeVariant.objects.exists()
            )
            deferred = [*tables, LookalikeVariant] if direct else tables
            with (
                indexes_deferred(*deferred) if small else nullcontext(),
                LookalikeLoad() if direct else nullcontext() as self.lookalikes,
            ):
                return self._seed(**options)

    def _seed(self, *, registrations, keys, duplicate_rate, organizations, seed, batch_size, **_):
        rng = random.Random(seed)
        self.parties = []
        for i in range(1, organizations + 1):
            party = organization_ensure(code=f"SEED{i:02d}", name=f"Synthetic lender {i:02d}")[0]
            if not party.notification_email:
                party.notification_email = f"alerts@{party.code.lower()}.example.com"
                party.save(update_fields=["notification_email"])
            self.parties.append(party)
        total = registrations or max(keys // 3, 1)  # about 3.3 keys per registration
        # most grantors pledge a few times: about one grantor for every four registrations
        self.grantors = []
        for i in range(max(200, total // 4)):
            body = f"9133010600{i:07d}"
            self.grantors.append((_grantor_name(i), body + uscc.calc_check_digit(body)))

        head = ledger_lock()
        # after the ledger head, as every other writer of these rows takes them: no deadlock
        with sequences_held(Registration, CollateralItem, IdentityKeyEntry, LedgerEvent) as ids:
            self.ids = ids
            return self._load(head, rng, total, registrations, keys, duplicate_rate, batch_size)

    def _load(self, head, rng, total, registrations, keys, duplicate_rate, batch_size) -> dict:
        now = timezone.now()
        start = now - timedelta(days=730)
        if head.last_occurred_at and head.last_occurred_at > start:
            start = head.last_occurred_at
        step = (now - start) / (total + 1)
        self.rng, self.now = rng, now
        self.generator = _Generator(rng)
        self.counters: dict[int, Counter] = {}
        self.discharges: list[tuple[datetime, int, dict]] = []  # a heap, by time
        self.pushed = itertools.count()  # ties in time go in the order they came (not by id())
        self.chain = {"sequence": head.last_sequence, "hash": head.last_hash, "time": start}
        counts = dict.fromkeys(("registrations", "items", "keys", "duplicates", "discharged"), 0)
        moment, done = start, False
        while not done:
            batch = []
            while len(batch) < batch_size:
                if (registrations and counts["registrations"] >= registrations) or (
                    keys and counts["keys"] >= keys
                ):
                    done = True
                    break
                moment = min(moment + step * rng.uniform(0.5, 1.5), now)
                batch.append(self._plan(moment, duplicate_rate, counts))
            self._write(batch, final=done)
        if self.lookalikes:
            self.lookalikes.finish()
        for counter in self.counters.values():
            counter.save(update_fields=["last_value"])
        head.last_sequence, head.last_hash = self.chain["sequence"], self.chain["hash"]
        head.last_occurred_at = self.chain["time"]
        head.save(update_fields=["last_sequence", "last_hash", "last_occurred_at"])
        return counts

    def _plan(self, registered_at: datetime, duplicate_rate: float, counts: dict) -> dict:
        rng, now = self.rng, self.now
        size = rng.choices(_SIZES, cum_weights=_SIZE_CUM_WEIGHTS)[0]
        items, seen = [], set()
        for _i in range(size):
            kind, attributes, holders = self.generator.item(duplicate_rate)
            item_keys = get_kind(kind).identity_keys(attributes)
            if seen.intersection(item_keys):
                continue
            seen.update(item_keys)
            counts["duplicates"] += bool(holders)
            items.append((kind, attributes, item_keys, holders))
        if rng.random() < EXPIRING_SHARE:
            # the shortest whole-month period still running now: it ends within about a
            # month, spread over the days, so the 30-, 7- and 1-day thresholds are crossed
            months = _months_until(registered_at, now)
        else:
            months = _months_until(registered_at, now + timedelta(days=31))
            months = min(months + rng.randint(0, 46), 360)
        discharged_at = None
        if rng.random() < DISCHARGED_SHARE:
            discharged_at = registered_at + (now - registered_at) * rng.uniform(0.05, 0.95)
            counts["discharged"] += 1
        counts["registrations"] += 1
        counts["items"] += len(items)
        counts["keys"] += len(seen)
        party = rng.choice(self.parties)
        return {
            "registered_at": registered_at,
            "expires_at": calendar_add(registered_at, relativedelta(months=months)),
            "months": months,
            "discharged_at": discharged_at,
            "items": items,
            "party": party,
            "grantor": rng.choice(self.grantors),
            "amount": Decimal(rng.randint(10, 5000) * 10000),
        }

    def _number(self, moment: datetime) -> str:
        year = timezone.localtime(moment).year
        if year not in self.counters:
            Counter.objects.get_or_create(series="registration", year=year)
            self.counters[year] = Counter.objects.select_for_update().get(
                series="registration", year=year
            )
        self.counters[year].last_value += 1
        return f"{year}-{self.counters[year].last_value:08d}"

    def _order(self, batch: list[dict], final: bool) -> list[tuple[str, dict]]:
        """The batch's ledger events in time order, with the discharges falling due."""
        events: list[tuple[str, dict]] = []
        for plan in batch:
            while self.discharges and self.discharges[0][0] < plan["registered_at"]:
                events.append(("discharged", heapq.heappop(self.discharges)[2]))
            events.append(("registered", plan))
            if plan["discharged_at"]:
                heapq.heappush(self.discharges, (plan["discharged_at"], next(self.pushed), plan))
        while final and self.discharges:
            events.append(("discharged", heapq.heappop(self.discharges)[2]))
        sequence = self.chain["sequence"]
        for event, plan in events:
            sequence += 1
            if event == "registered":
                plan["sequence"] = sequence
                plan["number"] = self._number(plan["registered_at"])
        return events

    def _write(self, batch: list[dict], final: bool) -> None:
        """One batch: ids drawn first, then plain rows streamed (COPY), parents first."""
        events = self._order(batch, final)
        for plan, pk in zip(batch, self.ids[Registration].take(len(batch)), strict=True):
            plan["id"] = pk
        copy_rows(
            Registration,
            _REGISTRATION_COLUMNS,
            (
                (
                    plan["id"],
                    plan["number"],
                    plan["party"].pk,
                    plan["grantor"][0],
                    "uscc",
                    plan["grantor"][1],
                    plan["registered_at"],
                    plan["expires_at"],
                    RegistrationStatus.DISCHARGED
                    if plan["discharged_at"]
                    else RegistrationStatus.ACTIVE,
                    plan["discharged_at"],
                    plan["amount"],
                    "CNY",
                    f"SEED-{plan['number']}",
                    "Synthetic registration",
                    plan["discharged_at"] or plan["registered_at"],
                )
                for plan in batch
            ),
        )
        items = [(plan, item) for plan in batch for item in plan["items"]]
        item_ids = self.ids[CollateralItem].take(len(items))
        for (plan, _item), item_id in zip(items, item_ids, strict=True):
            plan.setdefault("item_ids", []).append(item_id)
        copy_rows(
            CollateralItem,
            _ITEM_COLUMNS,
            (
                (
                    item_id,
                    plan["id"],
                    kind,
                    attributes,
                    None,
                    plan["registered_at"],
                    plan["sequence"],
                    None,
                )
                for (plan, (kind, attributes, _keys, _holders)), item_id in zip(
                    items, item_ids, strict=True
                )
            ),
        )
        key_rows = [
            (
                key.scheme,
                key.value,
                fold_lookalikes(key.value),
                item_id,
                plan["id"],
                plan["registered_at"],
                plan["sequence"],
                plan["expires_at"],
                plan["discharged_at"],
            )
            for (plan, (_kind, _attributes, item_keys, _holders)), item_id in zip(
                items, item_ids, strict=True
            )
            for key in item_keys
        ]
        key_ids = self.ids[IdentityKeyEntry].take(len(key_rows))
        copy_rows(
            IdentityKeyEntry,
            _KEY_COLUMNS,
            ((pk, *row) for pk, row in zip(key_ids, key_rows, strict=True)),
        )
        folded = ((row[0], row[2]) for row in key_rows)
        if self.lookalikes:
            self.lookalikes.add(folded)
        else:
            lookalike_index_add(keys=folded)
        event_ids = self.ids[LedgerEvent].take(len(events))
        copy_rows(
            LedgerEvent,
            _EVENT_COLUMNS,
            ((pk, *self._event(e, p)) for pk, (e, p) in zip(event_ids, events, strict=True)),
        )

    def _conflicts(self, plan: dict) -> list[dict]:
        """Prior live pledges of the same items, as the service records them."""
        conflicts: dict[str, dict] = {}
        for _kind, _attributes, item_keys, holders in plan["items"]:
            live = [
                h
                for h in holders
                if h["expires_at"] > plan["registered_at"]
                and not (h["discharged_at"] and h["discharged_at"] <= plan["registered_at"])
            ]
            for rank, holder in enumerate(live, start=1):
                entry = conflicts.setdefault(
                    holder["number"],
                    {"registration_number": holder["number"], "rank": rank, "matched": []},
                )
                entry["matched"].extend(k.as_dict() for k in item_keys)
            # what a later pledge needs of this one, not the plan itself: a plan holding its
            # items holding their holders would be a reference cycle only the collector frees
            holders.append({k: plan[k] for k in ("number", "expires_at", "discharged_at")})
        return list(conflicts.values())

    def _event(self, event: str, plan: dict) -> tuple:
        if event == "registered":
            occurred_at = plan["registered_at"]
            payload: dict[str, Any] = {
                "secured_party": plan["party"].code,
                "grantor": {
                    "name": plan["grantor"][0],
                    "id_type": "uscc",
                    "id_number": plan["grantor"][1],
                },
                "period": {"months": plan["months"]},
                # already as the ledger's JSON has them, so no round trip is needed
                "expires_at": _JSON.default(plan["expires_at"]),
                "secured_amount": _JSON.default(plan["amount"]),
                "currency": "CNY",
                "loan_reference": f"SEED-{plan['number']}",
                "description": "Synthetic registration",
                "collateral": [
                    {
                        "id": item_id,
                        "kind": kind,
                        "attributes": attributes,
                        "external_registration": None,
                        "identifiers": [k.as_dict() for k in item_keys],
                    }
                    for item_id, (kind, attributes, item_keys, _h) in zip(
                        plan["item_ids"], plan["items"], strict=True
                    )
                ],
                "conflicts": self._conflicts(plan),
            }
        else:
            occurred_at, payload = plan["discharged_at"], {}
        occurred_at = occurred_at.astimezone(UTC)
        self.chain["sequence"] += 1
        event_type = LedgerEventType.REGISTERED if event == "registered" else event
        # the ledger's own recipe (LedgerEvent.canonical_content, canonical_json, chain_hash:
        # compute_hash's steps), applied to a plain row: a model instance per event would
        # cost more than the hashing; the payload column is the payload's part of that text
        row = SimpleNamespace(
            sequence=self.chain["sequence"],
            event=str(event_type),
            actor="seed_registry",
            occurred_at=occurred_at,
            payload=payload,
        )
        text = canonical_json(LedgerEvent.canonical_content(row, plan["number"]))
        digest = LedgerEvent.chain_hash(self.chain["hash"], text)
        values = (
            row.sequence,
            plan["id"],
            row.event,
            row.actor,
            occurred_at,
            _payload_text(text),
            self.chain["hash"],
            digest,
        )
        self.chain["hash"], self.chain["time"] = digest, occurred_at
        return values

"""API benchmark (``make bench``): latency of the REST endpoints banks call, on PostgreSQL.

Builds a fresh database ``registry_bench_api`` on the server named by DATABASE_URL, seeds it
with ``seed_registry --registrations N`` (default 100,000), then calls the endpoints in process
through Django's test client with a real API key and prints p50 / p95 / max per endpoint.
Nothing here is asserted: the figures go into the issue notes. Never touches dev data.

Usage: DATABASE_URL=postgres://... python bench/run.py [--registrations 100000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

from bench_databases import drop_database, fresh_database

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "registry_bench_api"


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench: set DATABASE_URL to a PostgreSQL server (SQLite proves nothing here).")
    os.environ["DATABASE_URL"] = fresh_database(url, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("API_THROTTLE_RATE", "1000000/min")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from registry.actors import Actor
    from registry.models import IdentityKeyEntry, Registration
    from registry.services.organizations import api_key_create, organization_ensure
    from tests.factories import (
        ear_tag,
        ip_item,
        livestock_item,
        patent_number,
        receipt_item,
        registration_payload,
    )

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_registry", registrations=args.registrations, verbosity=0)
    seeded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics after the bulk load, as autovacuum would
    keys_total = IdentityKeyEntry.objects.count()
    organization, _ = organization_ensure(code="BENCH", name="Bench Bank")
    _key, raw = api_key_create(actor=Actor.command(organization, "bench"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    rng = random.Random(7)
    sample_keys = list(IdentityKeyEntry.objects.order_by("?").values_list("scheme", "value")[:400])
    grantor_names = list(
        Registration.objects.order_by("?").values_list("grantor_name", flat=True)[:60]
    )
    serial = iter(range(9_000_000, 9_999_999))  # 7-digit serials fit a patent number

    def call(method: str, path: str, data=None, expect: int = 200, **params):
        response = getattr(client, method)(path, data, format="json", **params)
        if response.status_code != expect:
            raise SystemExit(f"bench: {method.upper()} {path} -> {response.status_code}")

    scenarios = [
        (
            "POST registrations/ (1 item)",
            200,
            lambda: call(
                "post",
                "/api/v1/registrations/",
                registration_payload(ip_item(patent_number(next(serial)))),
                201,
            ),
        ),
        (
            "POST registrations/ (500 items)",
            5,
            lambda: call(
                "post",
                "/api/v1/registrations/",
                registration_payload(
                    *[livestock_item([ear_tag(next(serial))]) for _ in range(500)]
                ),
                201,
            ),
        ),
        (
            "POST conflict-checks/ (500 items)",
            10,
            lambda: call(
                "post",
                "/api/v1/conflict-checks/",
                {"collateral": [receipt_item(f"WR{next(serial)}") for _ in range(500)]},
            ),
        ),
        (
            "GET search/?identifier= (exact + similar)",
            300,
            lambda: call("get", "/api/v1/search/", {"identifier": rng.choice(sample_keys)[1]}),
        ),
        (
            "GET search/?grantor_name= (trigram)",
            60,
            lambda: call("get", "/api/v1/search/", {"grantor_name": rng.choice(grantor_names)}),
        ),
        (
            "GET priority/",
            200,
            lambda: call(
                "get",
                "/api/v1/priority/",
                {"kind": "ip", "identifier": patent_number(rng.randrange(1, 10_000))},
            ),
        ),
        ("GET registrations/ (page of 50)", 50, lambda: call("get", "/api/v1/registrations/")),
        (
            "POST search-certificates/",
            50,
            lambda: call(
                "post",
                "/api/v1/search-certificates/",
                {"identifier": rng.choice(sample_keys)[1]},
                201,
            ),
        ),
    ]
    print(
        f"\nRegistry: {args.registrations:,} registrations, {keys_total:,} identity keys "
        f"(seeded in {seeded:.1f} s), PostgreSQL, in-process client, one caller.\n"
    )
    print("| endpoint | calls | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for name, count, fn in scenarios:
        fn()  # warm-up
        samples = []
        for _ in range(count):
            began = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - began)
        p50, p95, worst = _percentiles(samples)
        print(f"| {name} | {count} | {p50:.1f} | {p95:.1f} | {worst:.1f} |")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(url, BENCH_DB)


if __name__ == "__main__":
    main()

"""Benchmark of the alert scans (``make bench-scan``): PostgreSQL only, never on dev data.

For 100,000 and 1,000,000 identity keys it builds a fresh database ``registry_bench`` on the
server named by DATABASE_URL, seeds it with ``seed_registry``, then times

* the full duplicate scan (first run: opens the alerts; second run: nothing to change),
* the expiry scan (same two runs),
* the incremental duplicate check: what it adds to a registration's commit path (queueing
  the task after commit) and what it costs the worker that runs it,

and prints a table. Usage: DATABASE_URL=postgres://... [REDIS_URL=...] python bench/scan.py
[--sizes 100000,1000000] [--keep].
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_databases import drop_database, fresh_database

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_DB", "registry_bench")  # one per concurrent run
REGISTRATIONS_TIMED = 40
RAW_GROUP_BY = (
    "SELECT count(*) FROM (SELECT scheme, value FROM registry_identitykeyentry"
    " WHERE released_at IS NULL AND expires_at > now()"
    " GROUP BY 1, 2 HAVING count(DISTINCT registration_id) > 1) AS s"
)


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def measure(keys: int) -> dict:
    """Runs in a child process whose DATABASE_URL is the bench database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.getLogger("registry.jobs").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    from config.celery import app as celery_app
    from registry import dispatch
    from registry.actors import Actor
    from registry.alerts.services.duplicates import duplicate_pledges_check, duplicate_pledges_scan
    from registry.alerts.services.expiring import expiring_scan
    from registry.items import items_validate
    from registry.models import IdentityKeyEntry, Organization, Registration
    from registry.services.registrations import Period, registration_create

    call_command("migrate", verbosity=0)
    # seeded by its own process, so this one's peak RSS is the scans'
    seed_seconds, _ = _timed(
        lambda: subprocess.run(  # noqa: S603 - manage.py of this checkout
            [
                sys.executable,
                "manage.py",
                "seed_registry",
                "--keys",
                str(keys),
                "--duplicate-rate",
                "0.02",
                "--verbosity",
                "0",
            ],
            cwd=ROOT,
            check=True,
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    out: dict = {
        "keys": IdentityKeyEntry.objects.count(),
        "registrations": Registration.objects.count(),
        "seed_s": seed_seconds,
        "rss_before_scans_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    # the ceiling: the raw GROUP BY of the machine's ceiling script, over these same live keys
    with connection.cursor() as cursor:
        raw = []
        for _ in range(2):
            started = time.perf_counter()
            cursor.execute(RAW_GROUP_BY)
            raw.append(time.perf_counter() - started)
    out["raw_group_by_s"] = min(raw)
    out["dup_first_s"], first = _timed(duplicate_pledges_scan)
    out["dup_again_s"], again = _timed(duplicate_pledges_scan)
    out["dup_found"], out["dup_opened"], out["dup_again_changed"] = (
        first.found,
        first.opened,
        again.changed,
    )
    out["exp_first_s"], first = _timed(expiring_scan)
    out["exp_again_s"], again = _timed(expiring_scan)
    out["exp_scanned"], out["exp_opened"], out["exp_again_changed"] = (
        first.scanned,
        first.opened,
        again.changed,
    )

    # The commit path: registrations that duplicate a seeded patent, with and without the
    # after-commit hook, which only queues the check (the broker is Redis when REDIS_URL).
    celery_app.conf.task_default_queue = "bench-scan"
    actor = Actor(organization=Organization.objects.get(code="SEED01"), label="bench")
    patents = list(
        IdentityKeyEntry.objects.filter(scheme="cn_patent").values_list("value", flat=True)[
            : REGISTRATIONS_TIMED * 2
        ]
    )
    grantor = {"name": "Bench grantor", "id_type": "other", "id_number": "BENCH-1"}

    def register(number: str) -> int:
        raw = [{"kind": "ip", "ip_type": "invention_patent", "number": number, "title": "x"}]
        return registration_create(
            actor=actor, grantor=grantor, items=items_validate(raw), period=Period(years=1)
        ).registration.pk

    hook_times, plain_times, queue_times, check_times = [], [], [], []
    queue, announce = dispatch.queue, dispatch.registrations_changed

    def timed_queue(*args, **kwargs):
        started = time.perf_counter()
        queue(*args, **kwargs)
        queue_times.append(time.perf_counter() - started)

    dispatch.queue = timed_queue
    for i, number in enumerate(patents):
        with_hook = i % 2 == 0
        dispatch.registrations_changed = announce if with_hook else (lambda ids: None)
        seconds, pk = _timed(lambda number=number: register(number))
        (hook_times if with_hook else plain_times).append(seconds)
        if with_hook:
            seconds, _result = _timed(lambda pk=pk: duplicate_pledges_check(registration_ids=[pk]))
            check_times.append(seconds)
    dispatch.queue, dispatch.registrations_changed = queue, announce
    with celery_app.connection_for_write() as conn:
        celery_app.amqp.queues["bench-scan"].bind(conn.default_channel).purge()
    out["broker"] = "redis" if os.environ.get("REDIS_URL") else "filesystem"
    out["commit_with_hook_ms"] = statistics.median(hook_times) * 1000
    out["commit_without_hook_ms"] = statistics.median(plain_times) * 1000
    out["queue_ms_median"] = statistics.median(queue_times) * 1000
    out["queue_ms_max"] = max(queue_times) * 1000
    out["check_ms_median"] = statistics.median(check_times) * 1000
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--keep", action="store_true", help="Keep the bench database.")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench-scan needs DATABASE_URL=postgres://... (it refuses SQLite).", file=sys.stderr)
        return 2
    rows = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            bench_url = fresh_database(url, BENCH_DB)
            print(f"bench-scan: {size:,} keys into {BENCH_DB} …", file=sys.stderr, flush=True)
            child = subprocess.run(  # noqa: S603 - this script, with the bench database
                [sys.executable, __file__, "--measure", str(size)],
                env={**os.environ, "DATABASE_URL": bench_url},
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode:
                print(child.stdout, child.stderr, file=sys.stderr)
                return child.returncode
            rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
    finally:
        if not args.keep:
            drop_database(url, BENCH_DB)
    _print(rows)
    return 0


def _print(rows: list[dict]) -> None:
    lines = [
        ("identity keys", "keys", "{:,}"),
        ("registrations", "registrations", "{:,}"),
        ("seed (s)", "seed_s", "{:.1f}"),
        ("raw GROUP BY over the same keys (s)", "raw_group_by_s", "{:.2f}"),
        ("duplicate scan, first run (s)", "dup_first_s", "{:.2f}"),
        ("  colliding sets found / alerts opened", None, None),
        ("duplicate scan, second run (s)", "dup_again_s", "{:.2f}"),
        ("  changed on second run", "dup_again_changed", "{}"),
        ("expiry scan, first run (s)", "exp_first_s", "{:.2f}"),
        ("  due registrations / alerts opened", None, None),
        ("expiry scan, second run (s)", "exp_again_s", "{:.2f}"),
        ("  changed on second run", "exp_again_changed", "{}"),
        ("registration, with hook (ms, median)", "commit_with_hook_ms", "{:.1f}"),
        ("registration, hook off (ms, median)", "commit_without_hook_ms", "{:.1f}"),
        ("queueing after commit (ms, median)", "queue_ms_median", "{:.2f}"),
        ("queueing after commit (ms, max)", "queue_ms_max", "{:.2f}"),
        ("incremental check in worker (ms, median)", "check_ms_median", "{:.1f}"),
        ("peak RSS, seeded elsewhere (MB)", "peak_rss_mb", "{:.0f}"),
    ]
    width = 44
    print(f"{'':<{width}}" + "".join(f"{r['keys']:>16,}" for r in rows))
    for label, key, fmt in lines:
        if key is None:
            if "colliding" in label:
                cells = [f"{r['dup_found']:,} / {r['dup_opened']:,}" for r in rows]
            else:
                cells = [f"{r['exp_scanned']:,} / {r['exp_opened']:,}" for r in rows]
        else:
            cells = [fmt.format(r[key]) for r in rows]
        print(f"{label:<{width}}" + "".join(f"{c:>16}" for c in cells))
    print(f"{'broker':<{width}}" + "".join(f"{r['broker']:>16}" for r in rows))
    for name, key in (("first", "dup_first_s"), ("second", "dup_again_s")):
        ratios = [f"{r[key] / r['raw_group_by_s']:.2f}x" for r in rows]
        print(
            f"{'duplicate scan ' + name + ' / raw GROUP BY':<{width}}"
            + "".join(f"{c:>16}" for c in ratios)
        )
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        for label, key in (
            ("seed", "seed_s"),
            ("raw GROUP BY", "raw_group_by_s"),
            ("duplicate scan, first", "dup_first_s"),
            ("duplicate scan, second", "dup_again_s"),
            ("expiry scan, first", "exp_first_s"),
        ):
            growth = large[key] / small[key]
            print(f"{label} grows {growth:.1f}x for {large['keys'] / small['keys']:.1f}x the keys")
    print(json.dumps(rows))


if __name__ == "__main__":
    sys.exit(main())

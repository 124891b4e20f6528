"""``make bench``: the registry over HTTP as production runs it, beside the machine's ceiling.

On the PostgreSQL server named by DATABASE_URL (never on dev data: it builds its own databases)
it, for each size in ``--scan-keys`` and then ``--keys``:

1. creates a fresh database, migrates, seeds ``seed_registry --keys N`` with a known duplicate
   rate (seed_registry ANALYZEs what it loaded) and times the seeding;
2. starts a Celery worker (production settings, ``--concurrency 2`` as docker-compose runs it)
   and, for the main size, gunicorn (production settings, DEBUG off, 2 workers);
3. at the main size drives gunicorn from wrk (a separate process, Lua scripts in bench/wrk/):
   identifier, grantor-ID and grantor-name search (p50/p95/p99 at 1 client, throughput at 8),
   registration create with 5 items and the conflict check (throughput and p95 at 8);
4. times the ceiling script's raw ``GROUP BY`` over the database's own live keys (best of
   two: the duplicate scan's ceiling over the same keys), then queues the full duplicate scan
   and the expiry scan to the worker, twice each, and reads their wall times from the
   worker's log and its processes' peak RSS from /proc.

Then it runs ``../shared/ceiling/run`` (beside the checkout; skipped with a message if absent)
on the same server, prints every figure beside its ceiling as a ratio, and writes
``bench/results/<timestamp>.json``. ``--quick`` (``make bench-quick``): 100,000 keys, shorter
probes, about two minutes. ``--only registration,conflict`` (any of registration, conflict,
search, scans) measures just those parts, for quick iterations. ``--database NAME`` skips
step 1 and the other sizes: it measures an existing, seeded and ANALYZEd database as it is
(say a clone, ``createdb -T registry_tpl1m NAME``: a million keys without seeding them),
migrating it first so the checkout's migrations apply, and never drops it (the probes add
an API key and registrations to it). With DATABASE_REPLICA_URL (a streaming replica of that
server) the web processes read search, priority and lists from the replica. ``--replica``
builds such a pair for the run (``tests/pgcluster.py``: a throwaway primary on a free port and
a ``pg_basebackup`` hot standby of it, both stopped and removed afterwards), measures on it
instead of DATABASE_URL's server, and waits for the standby to replay the seed and the probes'
API key before the web processes start.

Usage: DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench_databases import drop_database, fresh_database
from scan import RAW_GROUP_BY
from stack import ROOT, Web, Worker, free_port, manage, pgcluster, production_env

WRK_DIR = ROOT / "bench" / "wrk"
RESULTS = ROOT / "bench" / "results"
BENCH_DB = os.environ.get("BENCH_DB", "registry_bench")  # one per concurrent run
DUPLICATE_RATE = 0.02


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def with_db(url: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=f"/{name}"))


def wrk(url: str, script: str, clients: int, seconds: int, *args: str, warm: bool = True) -> dict:
    """One probe after a short unrecorded warm-up (connections, imports, caches)."""
    if warm:
        wrk(url, script, 2, 2, *args, warm=False)
    threads = min(clients, 2)
    done = subprocess.run(  # noqa: S603 - wrk with our scripts
        [shutil.which("wrk") or "wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s",
         "--timeout", "30s", "-s", str(WRK_DIR / script), url, "--", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        sys.exit(f"bench: wrk failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[6:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["clients"] = clients
    if result["http_errors"] or result["socket_errors"]:
        log(f"{script} {args[:1]}: {result['http_errors']} HTTP errors, "
            f"{result['socket_errors']} socket errors")  # fmt: skip
    return result


def prepare_probes(env: dict, workdir: Path) -> dict:
    """API key and request samples from the seeded database, written where wrk reads them."""
    code = """
import json, random
from urllib.parse import urlencode
from registry.actors import Actor
from registry.models import CollateralItem, IdentityKeyEntry, Registration
from registry.services.organizations import api_key_create, organization_ensure
from tests.factories import grantor
rng = random.Random(13)
organization, _ = organization_ensure(code="BENCH", name="Bench Bank")
_key, raw = api_key_create(actor=Actor.command(organization, "bench"), role="officer")
keys = list(IdentityKeyEntry.objects.order_by("?").values_list("value", flat=True)[:2000])
ids = sorted(set(Registration.objects.values_list("grantor_id_number", flat=True)))
names = sorted(set(Registration.objects.values_list("grantor_name", flat=True)))
rows = CollateralItem.objects.order_by("?").values_list("kind", "attributes")[:5000]
items = [{"kind": k, **{a: v for a, v in attrs.items() if v is not None}} for k, attrs in rows]
print(json.dumps({
    "key": raw,
    "identifier": ["/api/v1/search/?" + urlencode({"identifier": v}) for v in keys],
    "grantor_id": ["/api/v1/search/?" + urlencode({"grantor_id": v}) for v in ids],
    "grantor_name": ["/api/v1/search/?" + urlencode({"grantor_name": v}) for v in names],
    "conflict_check": [json.dumps({"collateral": rng.sample(items, 5)}, ensure_ascii=False)
                       for _ in range(1000)],
    "grantor": json.dumps(grantor(), ensure_ascii=False),
}))
"""
    data = json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    files = {}
    for name in ("identifier", "grantor_id", "grantor_name", "conflict_check", "grantor"):
        path = workdir / f"{name}.txt"
        lines = data[name] if isinstance(data[name], list) else [data[name]]
        path.write_text("\n".join(lines) + "\n")
        files[name] = str(path)
    return {"key": data["key"], "files": files}


def drain(url: str) -> None:
    """Wait until both web workers answer again (wrk may leave slow requests running)."""
    for _ in range(4):
        request = urllib.request.Request(  # noqa: S310 - our own local server
            f"{url}/api/v1/", headers={"X-Forwarded-Proto": "https"}
        )
        with contextlib.suppress(urllib.error.HTTPError):  # 401: it answered
            urllib.request.urlopen(request, timeout=120)  # noqa: S310


PARTS = ("registration", "conflict", "search", "scans")


def http_probes(url: str, probes: dict, seconds: int, only: set[str]) -> dict:
    key, files = probes["key"], probes["files"]
    out = {}
    if "registration" in only:
        log("POST registrations (5 items) at 8 clients")
        out["register_5_items"] = {
            "c8": wrk(
                url,
                "post.lua",
                8,
                seconds,
                "/api/v1/registrations/",
                key,
                "register:" + files["grantor"],
            )
        }
        drain(url)
    if "conflict" in only:
        log("POST conflict-checks (5 items) at 8 clients")
        out["conflict_check_5_items"] = {
            "c8": wrk(
                url,
                "post.lua",
                8,
                seconds,
                "/api/v1/conflict-checks/",
                key,
                files["conflict_check"],
            )
        }
    for name in ("identifier", "grantor_id", "grantor_name") if "search" in only else ():
        drain(url)
        log(f"GET search by {name} at 1 and 8 clients")
        c1 = wrk(url, "get.lua", 1, seconds, files[name], key)
        drain(url)
        out[f"search_{name}"] = {"c1": c1, "c8": wrk(url, "get.lua", 8, seconds, files[name], key)}
    drain(url)
    return out


def raw_group_by_ms(database_url: str) -> float:
    """The ceiling script's raw ``GROUP BY`` over this database's own live keys, best of two:
    the target compares the duplicate scan with it over the same keys."""
    import psycopg

    times = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        for _ in range(2):
            started = time.perf_counter()
            conn.execute(RAW_GROUP_BY).fetchone()
            times.append((time.perf_counter() - started) * 1000)
    return min(times)


def scans(worker: Worker, database_url: str) -> dict:
    out = {"raw_group_by_ms": raw_group_by_ms(database_url)}
    for name, task in (
        ("duplicate_scan", "registry.duplicate_pledges_scan"),
        ("expiry_scan", "registry.expiring_alerts"),
    ):
        log(f"{task}, twice")
        first, again = worker.run(task), worker.run(task)
        out[name] = {"first": first, "again": again}
    out["worker_peak_rss_mb"] = worker.peak_rss_mb()
    return out


def explain_searches(env: dict) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of every query one search of each kind runs, on this data."""
    code = """
import json
from django.db import connection
from django.test.utils import CaptureQueriesContext
from registry.models import IdentityKeyEntry, Registration
from registry.selectors.search import SearchQuery, search_registrations
patents = IdentityKeyEntry.objects.filter(scheme="cn_patent").values_list("value", flat=True)
patents = list(patents[:2000])
key = patents[len(patents) // 2]
registration = Registration.objects.order_by("id")[Registration.objects.count() // 2]
queries = {
    "identifier": SearchQuery(identifier=key),
    "grantor_id": SearchQuery(grantor_id=registration.grantor_id_number),
    "grantor_name": SearchQuery(grantor_name=registration.grantor_name),
}
out = {}
for name, query in queries.items():
    search_registrations(query)[:50]  # warm; a first page, as GET search/ reads it
    with CaptureQueriesContext(connection) as captured:
        search_registrations(query)[:50]
    plans = []
    with connection.cursor() as cursor:
        for sql in (q["sql"] for q in captured.captured_queries):
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plans.append({"sql": sql, "plan": "\\n".join(row[0] for row in cursor.fetchall())})
    out[name] = {"query": query.as_dict(), "plans": plans}
print(json.dumps(out, ensure_ascii=False))
"""
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def counts(env: dict) -> dict:
    code = """
import json
from datetime import timedelta
from django.utils import timezone
from registry.models import IdentityKeyEntry, Registration
from django.db import connection
now = timezone.now()
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname IN "
        "('registry_registration', 'registry_collateralitem', 'registry_identitykeyentry', "
        "'registry_ledgerevent')"
    )
    sizes = dict(cursor.fetchall())
print(json.dumps({
    "table_bytes": sizes,
    "keys": IdentityKeyEntry.objects.count(),
    "registrations": Registration.objects.count(),
    "expiring_within_30_days": Registration.objects.active(now)
        .filter(expires_at__lte=now + timedelta(days=30)).count(),
}))
"""
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def measure(
    size: int | None, *, http: bool, args, url: str, replica: str | None, redis: str
) -> dict:
    """Seed ``size`` keys into a fresh BENCH_DB and measure; ``size`` None: measure the
    existing database ``args.database`` as it is (migrated, not seeded)."""
    name = args.database or BENCH_DB
    database = with_db(url, name) if args.database else fresh_database(url, name)
    replica_db = with_db(replica, name) if replica else None
    env = production_env(database, redis, replica_db)
    out: dict = {}
    if size is None:
        log(f"{name} as it is: migrate, no seeding")
        manage(env, "migrate", "--noinput")
    else:
        log(f"{size:,} keys into {name}: migrate, seed_registry (ANALYZEs what it loads)")
        manage(env, "migrate", "--noinput")
        started = time.perf_counter()
        manage(env, "seed_registry", "--keys", str(size), "--duplicate-rate", str(DUPLICATE_RATE))
        out["seed_s"] = time.perf_counter() - started
    out.update(counts(env))
    with tempfile.TemporaryDirectory(prefix="registry-bench-") as tmp:
        workdir = Path(tmp)
        worker = Worker(env, workdir)
        web = None
        try:
            if http:
                probes = prepare_probes(env, workdir)
                if replica_db:  # the seed and the probes' key must be readable there
                    log("waiting for the replica to replay the seed")
                    pgcluster().wait_for_replay(database, replica_db, timeout=900)
                    served = replica_transactions(replica_db)
                web = Web(env, free_port())
                out["http"] = http_probes(web.url, probes, args.seconds, args.only)
                if replica_db:  # proof the reads went there: the standby's own transactions
                    out["replica_transactions"] = replica_transactions(replica_db) - served
                if "search" in args.only:
                    out["explain"] = explain_searches(env)
                web.stop()
                web = None
            if "scans" in args.only:
                out["scans"] = scans(worker, database)
        finally:
            if web:
                web.stop()
            worker.stop()
    return out


def ceiling_script() -> Path | None:
    """``../shared/ceiling/run`` beside the checkout (for a git worktree: beside the main one)."""
    candidates = [Path(os.environ["CEILING_RUN"])] if os.environ.get("CEILING_RUN") else []
    candidates.append(ROOT.parent / "shared" / "ceiling" / "run")
    common = subprocess.run(  # noqa: S603
        [shutil.which("git") or "git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    if common:
        candidates.append(Path(common).parent.parent / "shared" / "ceiling" / "run")
    return next((path for path in candidates if path.exists()), None)


def ceiling(url: str) -> dict:
    script = ceiling_script()
    if script is None:
        log("../shared/ceiling/run is absent beside the checkout: no ceiling, no ratios")
        return {}
    log(f"running {script}")
    parts = urllib.parse.urlsplit(url)
    env = {
        **os.environ,
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "CEIL_DB": f"ceiling_{BENCH_DB}",
    }
    done = subprocess.run(  # noqa: S603 - the shared ceiling script
        [str(script)], env=env, capture_output=True, text=True, check=False
    )
    text = done.stdout
    out: dict = {"script": str(script), "raw_output": text}

    def number(pattern: str) -> float | None:
        match = re.search(pattern, text)
        return float(match.group(1)) if match else None

    def ms(value: str) -> float:
        amount, unit = re.match(r"([0-9.]+)(us|ms|s)", value).groups()
        return float(amount) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    out["bulk_insert_1m_ms"] = number(r"raw: bulk insert 1M identity rows ms ([0-9.]+)")
    out["group_by_1m_ms"] = number(r"raw: duplicate GROUP BY scan over 1M keys ms ([0-9.]+)")
    out["raw_lookup_c1_tps"] = number(r"raw: lookup c=1 tps (\d+)")
    out["raw_lookup_c8_tps"] = number(r"raw: lookup c=8 tps (\d+)")
    out["raw_register_c8_tps"] = number(r"raw: register\(5 items\) c=8 tps (\d+)")
    for c in (1, 8):
        match = re.search(rf"django-min: lookup c={c} rps (\d+) p50 (\S+) p99 (\S+)", text)
        if match:
            out[f"django_min_c{c}_rps"] = float(match.group(1))
            out[f"django_min_c{c}_p50_ms"] = ms(match.group(2))
            out[f"django_min_c{c}_p99_ms"] = ms(match.group(3))
    return out


def table(result: dict) -> str:
    ceil = result["ceiling"]
    main = result["sizes"][str(result["keys"])]
    rows = []

    def row(probe, value, unit, ceiling_value=None, ceiling_name="", higher_is_better=True):
        if ceiling_value:
            ratio = value / ceiling_value
            shown = f"{ratio:.2f}×" if higher_is_better else f"{ratio:.1f}× the ceiling's time"
        else:
            shown = "–"
        ceiling_text = f"{ceiling_value:,.1f} {unit} ({ceiling_name})" if ceiling_value else "–"
        rows.append(f"| {probe} | {value:,.1f} {unit} | {ceiling_text} | {shown} |")

    http = main.get("http", {})

    def failed(*probes) -> str:
        errors = sum(p["http_errors"] + p["socket_errors"] for p in probes)
        return (
            f" — {errors} of {sum(p['requests'] for p in probes)} requests FAILED" if errors else ""
        )

    for name, label in (
        ("identifier", "identifier search (exact + similar)"),
        ("grantor_id", "grantor-ID search"),
        ("grantor_name", "grantor-name search"),
    ):
        probe = http.get(f"search_{name}")
        if not probe:
            continue
        c1, c8 = probe["c1"], probe["c8"]
        label += failed(c1, c8)
        minimal = "minimal Django view"
        row(f"{label}, 1 client, p50", c1["p50_ms"], "ms", ceil.get("django_min_c1_p50_ms"),
            minimal, higher_is_better=False)  # fmt: skip
        row(f"{label}, 1 client, p95", c1["p95_ms"], "ms")
        row(f"{label}, 1 client, p99", c1["p99_ms"], "ms", ceil.get("django_min_c1_p99_ms"),
            minimal, higher_is_better=False)  # fmt: skip
        row(f"{label}, 1 client, throughput", c1["rps"], "/s", ceil.get("django_min_c1_rps"),
            minimal)  # fmt: skip
        row(f"{label}, 8 clients, throughput", c8["rps"], "/s", ceil.get("django_min_c8_rps"),
            minimal)  # fmt: skip
    if "register_5_items" in http:
        c8 = http["register_5_items"]["c8"]
        row("registration create (5 items), 8 clients" + failed(c8), c8["rps"], "/s",
            ceil.get("raw_register_c8_tps"), "raw PostgreSQL transaction")  # fmt: skip
        row("registration create (5 items), 8 clients, p95", c8["p95_ms"], "ms")
    if "conflict_check_5_items" in http:
        c8 = http["conflict_check_5_items"]["c8"]
        row("conflict check (5 items), 8 clients" + failed(c8), c8["rps"], "/s",
            ceil.get("django_min_c8_rps"), "minimal Django view")  # fmt: skip
        row("conflict check (5 items), 8 clients, p95", c8["p95_ms"], "ms")
    group_by = ceil.get("group_by_1m_ms")
    bulk = ceil.get("bulk_insert_1m_ms")
    for size, data in sorted(result["sizes"].items(), key=lambda kv: int(kv[0])):
        scale = int(size) / 1_000_000  # the nominal size; seeding stops within a registration
        tag = f"{data['keys']:,} keys"
        if "scans" not in data:  # --only without scans
            if "seed_s" in data:  # not with --database
                row(f"seed_registry, {tag}", data["seed_s"] * 1000, "ms")
            continue
        for name, label in (
            ("duplicate_scan", "full duplicate scan"),
            ("expiry_scan", "expiry scan"),
        ):
            same_keys = data["scans"].get("raw_group_by_ms")  # absent in older results
            if name != "duplicate_scan":
                ceiling_ms, ceiling_name = None, ""
            elif same_keys:
                ceiling_ms, ceiling_name = same_keys, "raw GROUP BY over the same keys"
            else:
                ceiling_ms = group_by * scale if group_by else None
                ceiling_name = "raw GROUP BY" + ("" if scale == 1 else f" × {scale:g}, linear")
            for run in ("first", "again"):
                seconds = data["scans"][name][run]["seconds"]
                row(f"{label}, {tag}, {'first' if run == 'first' else 'second'} run",
                    seconds * 1000, "ms", ceiling_ms, ceiling_name,
                    higher_is_better=False)  # fmt: skip
        row(f"worker peak RSS, {tag}", data["scans"]["worker_peak_rss_mb"], "MB")
        if "seed_s" not in data:  # --database: nothing was seeded
            continue
        row(f"seed_registry, {tag}", data["seed_s"] * 1000, "ms",
            bulk * scale if bulk else None,
            "raw bulk insert" + ("" if scale == 1 else f" × {scale:g}, linear"),
            higher_is_better=False)  # fmt: skip
    sizes = sorted(result["sizes"].values(), key=lambda d: d["keys"])
    if len(sizes) > 1 and all("scans" in d for d in sizes):
        small, large = sizes[0], sizes[-1]
        keys_ratio = large["keys"] / small["keys"]
        for name in ("duplicate_scan", "expiry_scan"):
            ratio = (
                large["scans"][name]["first"]["seconds"] / small["scans"][name]["first"]["seconds"]
            )
            rows.append(
                f"| {name.replace('_', ' ')}: time ratio {large['keys']:,} / {small['keys']:,} "
                f"keys | {ratio:.1f}× | {keys_ratio:.1f}× (linear) | {ratio / keys_ratio:.2f} |"
            )
    head = "| probe | this project | ceiling (same machine, same run) | ratio |\n|---|---|---|---|"
    return head + "\n" + "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 keys, short probes")
    parser.add_argument("--keys", type=int, help="main size (default 1,000,000; quick 100,000)")
    parser.add_argument("--scan-keys", default=None, help="other sizes for the scans, comma-sep.")
    parser.add_argument("--seconds", type=int, help="per wrk probe (default 10; quick 5)")
    parser.add_argument("--keep", action="store_true", help="keep the last bench database")
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument(
        "--replica",
        action="store_true",
        help="measure on a throwaway primary with a streaming replica built for the run",
    )
    parser.add_argument(
        "--database",
        help="measure this existing, seeded database as it is (e.g. a clone of a template); "
        "migrated, never seeded nor dropped; --keys and --scan-keys do not apply",
    )
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to measure, of {', '.join(PARTS)} (default: all)",
    )
    args = parser.parse_args()
    args.only = {part.strip() for part in args.only.split(",") if part.strip()}
    if args.only - set(PARTS):
        parser.error(f"--only takes {', '.join(PARTS)}")
    args.keys = args.keys or (100_000 if args.quick else 1_000_000)
    args.seconds = args.seconds or (5 if args.quick else 10)
    if args.scan_keys is None:
        args.scan_keys = "" if args.quick else "100000"
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench: set DATABASE_URL to a PostgreSQL server (SQLite proves nothing here).")
        return 2
    redis = os.environ.get("REDIS_URL", "")
    if not redis:
        print("bench: set REDIS_URL (the worker's broker, the web processes' cache).")
        return 2
    if not shutil.which("wrk"):
        print("bench: needs wrk (Debian: apt-get install -y wrk).")
        return 2
    replica = os.environ.get("DATABASE_REPLICA_URL") or None
    if args.replica and (replica or args.database):
        parser.error("--replica builds its own pair: not with DATABASE_REPLICA_URL or --database")
    with contextlib.ExitStack() as stack:
        if args.replica:
            log("starting a primary and a pg_basebackup streaming replica on free ports")
            pair = pgcluster().start_replicated_pair()
            stack.callback(pair.stop)
            url, replica = pair.primary.url(), pair.replica.url()
        return run(args, url=url, redis=redis, replica=replica)


def replica_transactions(replica_url: str) -> int:
    """Transactions the standby has run in its database (its own statistics, not replayed)."""
    import psycopg

    with psycopg.connect(replica_url, autocommit=True) as conn:
        (done,) = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database"
            " WHERE datname = current_database()"
        ).fetchone()
    return int(done)


def run(args, *, url: str, redis: str, replica: str | None) -> int:
    started_at = datetime.now(UTC)
    result: dict = {
        "started_at": started_at.isoformat(),
        "quick": args.quick,
        "keys": args.keys,
        "duplicate_rate": DUPLICATE_RATE,
        "replica": bool(replica),
        "web_workers": int(os.environ.get("WEB_CONCURRENCY", "2")),
        "probe_seconds": args.seconds,
        "only": sorted(args.only),
        "git": subprocess.run(  # noqa: S603
            [shutil.which("git") or "git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
        "sizes": {},
    }
    sizes = [int(s) for s in args.scan_keys.split(",") if s] + [args.keys]
    if args.database:
        measured = measure(None, http=True, args=args, url=url, replica=replica, redis=redis)
        result["database"] = args.database
        result["keys"] = measured["keys"]
        result["sizes"][str(measured["keys"])] = measured
        sizes = []
    try:
        for size in sizes:
            result["sizes"][str(size)] = measure(
                size, http=size == args.keys, args=args, url=url, replica=replica, redis=redis
            )
    finally:
        if not args.keep and not args.database:
            drop_database(url, BENCH_DB)
    result["ceiling"] = {} if args.no_ceiling else ceiling(url)
    result["finished_at"] = datetime.now(UTC).isoformat()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(table(result))
    for size, measured in result["sizes"].items():
        if "replica_transactions" in measured:
            print(
                f"\nreplica: {measured['replica_transactions']:,} transactions run on the standby"
                f" during the HTTP probes at {int(size):,} keys"
            )
    print(f"\nbench: wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

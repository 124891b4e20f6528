"""``make chaos`` (issue 12, Build 5): faults under load, against servers it starts itself.

It starts its own Redis (port CHAOS_REDIS_PORT, default 56379) and PostgreSQL cluster
(CHAOS_PG_PORT, default 55433; bench/stack.py), migrates, creates two lenders with an API key
each, both subscribed by webhook to every alert at a local receiver that counts deliveries by
``X-Registry-Delivery``, and starts gunicorn (production settings, a throwaway signing key),
a Celery worker and beat. ``CELERY_VISIBILITY_TIMEOUT`` is 20 s here (production: 300 s) and
the full duplicate scan runs every minute instead of hourly, so recovery fits in the run.

a. **Redis stopped while lenders register**: clients of both lenders register the same
   patents (each pair is a duplicate pledge, one alert for each lender). Redis is killed
   mid-load and restarted empty. Every registration must be a 201; afterwards every alert
   exists once and its webhook reaches the receiver exactly once.
b. **A worker SIGKILLed mid-task**: the alerts table is locked so the duplicate check of a new
   pair blocks inside the worker; the worker and its pool are SIGKILLed, the lock released
   and a new worker started. The task must run again (after the visibility timeout) and
   create its alerts and deliveries once.
c. **PostgreSQL restarted under load** (``pg_ctl stop -m fast``, then ``-m immediate``;
   started again 2 s later each time):
   clients retry every registration with its ``Idempotency-Key`` until it is a 201. Every
   answer must be a 201 or a 503 with ``Retry-After`` (never a 500); each key ends with exactly
   one registration, none half-written; ``verify_ledger`` passes; the service recovers alone.

It prints the counts (requests, statuses, failures, alerts, deliveries, duplicates) and exits
1 when an invariant breaks. About four minutes.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stack import (
    Beat,
    PrivateServers,
    Receiver,
    StackError,
    Web,
    Worker,
    logger,
    manage,
    shell_json,
    stop_on_sigterm,
)
from traffic import (
    Client,
    Tally,
    lenders_setup,
    new_idempotency_key,
    registration_body,
    service_env,
)

VISIBILITY_TIMEOUT = 20
RECOVERY_SECONDS = 150


log = logger("chaos")


_COUNTS = """
import json
from collections import Counter
from django.db.models import Count
from registry.alerts.models import Alert, Notification
from registry.models import Registration
alerts = Alert.objects.filter(kind="duplicate_pledge")
per_subject = alerts.values("organization_id", "subject_key").annotate(n=Count("id"))
webhook_rows = Notification.objects.filter(channel="webhook")
print(json.dumps({
    "alerts": alerts.count(),
    "alerts_twice": sum(1 for row in per_subject if row["n"] > 1),
    "webhook_outbox": webhook_rows.count(),
    "webhook_pending": webhook_rows.exclude(status__in=["sent", "failed", "cancelled"]).count(),
    "webhook_status": dict(Counter(webhook_rows.values_list("status", flat=True))),
    "registrations": Registration.objects.count(),
}))
"""

_REGISTRATIONS = """
import json
from django.db.models import Count
from registry.models import LedgerEvent, Registration
rows = Registration.objects.annotate(n_items=Count("items", distinct=True))
by_reference = {}
for loan_reference, items in rows.values_list("loan_reference", "n_items"):
    by_reference.setdefault(loan_reference, []).append(items)
without_event = Registration.objects.exclude(
    pk__in=LedgerEvent.objects.values("registration_id")
).count()
print(json.dumps({"by_reference": by_reference, "without_ledger_event": without_event}))
"""


class Chaos:
    def __init__(self) -> None:
        self.broken: list[str] = []
        self.report: dict = {}
        self.servers = PrivateServers(
            pg_port=int(os.environ.get("CHAOS_PG_PORT", "55433")),
            redis_port=int(os.environ.get("CHAOS_REDIS_PORT", "56379")),
        )
        self.receiver = Receiver()
        self.workdir = Path(tempfile.mkdtemp(prefix="chaos-", dir=self.servers.base))
        self.env = service_env(
            self.servers,
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            CELERY_TASK_TIME_LIMIT=str(VISIBILITY_TIMEOUT - 5),
            CELERY_TASK_SOFT_TIME_LIMIT=str(VISIBILITY_TIMEOUT - 10),
            LOG_LEVEL="ERROR",
        )
        self.worker: Worker | None = None
        self.beat: Beat | None = None
        self.web: Web | None = None

    # -- set-up ------------------------------------------------------------------------------

    def start(self) -> None:
        log(
            f"private PostgreSQL on {self.servers.postgres.port}, "
            f"Redis on {self.servers.redis.port}"
        )
        manage(self.env, "migrate", "--noinput")
        setup = lenders_setup(self.env, self.receiver.url)
        manage(
            self.env, "shell", "-c",
            "from django_celery_beat.models import CrontabSchedule, PeriodicTask\n"
            "every, _ = CrontabSchedule.objects.get_or_create(minute='*', hour='*')\n"
            "PeriodicTask.objects.filter(task='registry.duplicate_pledges_scan')"
            ".update(crontab=every)",
        )  # fmt: skip
        self.grantor = setup["grantor"]
        self.patents = iter(setup["patents"])
        self.patent_lock = threading.Lock()
        self.worker = Worker(self.env, self.workdir, name="worker-1")
        self.beat = Beat(self.env, self.workdir)
        self.web = Web(
            self.env, int(os.environ.get("CHAOS_WEB_PORT", "58000")), self.workdir / "web.log"
        )
        self.clients = [Client(self.web.url, setup["keys"][code]) for code in sorted(setup["keys"])]

    def stop(self) -> None:
        for process in (self.web, self.beat, self.worker):
            if process is not None:
                process.stop()
        self.receiver.stop()
        self.servers.stop()

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.broken.append(what)
            log(f"BROKEN: {what}")

    def patent(self) -> str:
        with self.patent_lock:
            return next(self.patents)

    def counts(self) -> dict:
        return shell_json(self.env, _COUNTS)

    def pair(self, tally: Tally) -> None:
        """Both lenders pledge one new patent: one duplicate set, an alert for each lender."""
        number = self.patent()
        for client in self.clients:
            reply = client.register(registration_body(self.grantor, number))
            tally.add("register", reply, (201,))

    def settled(self, expected_alerts: int, *, label: str) -> dict:
        """Wait until every expected alert exists and every webhook of it was delivered."""
        deadline = time.monotonic() + RECOVERY_SECONDS
        started = time.monotonic()
        while True:
            counts = self.counts()
            delivered = self.receiver.counts()
            done = (
                counts["alerts"] >= expected_alerts
                and counts["webhook_pending"] == 0
                and delivered["distinct"] >= counts["webhook_outbox"]
            )
            if done or time.monotonic() > deadline:
                break
            time.sleep(3)
        time.sleep(5)  # anything sent twice would arrive now
        counts, delivered = self.counts(), self.receiver.counts()
        log(f"{label}: settled in {time.monotonic() - started:.0f}s: {counts} {delivered}")
        self.check(
            counts["alerts"] == expected_alerts,
            f"{label}: {counts['alerts']} duplicate alerts, expected {expected_alerts}",
        )
        self.check(counts["alerts_twice"] == 0, f"{label}: an alert exists twice")
        self.check(counts["webhook_outbox"] == counts["alerts"], f"{label}: outbox != alerts")
        self.check(
            delivered["distinct"] == counts["webhook_outbox"],
            f"{label}: {delivered['distinct']} webhooks delivered, "
            f"{counts['webhook_outbox']} written",
        )
        self.check(delivered["duplicates"] == 0, f"{label}: webhooks delivered twice")
        return {**counts, "webhook_deliveries": delivered["deliveries"],
                "webhook_duplicates": delivered["duplicates"]}  # fmt: skip

    # -- a. Redis stopped while lenders register --------------------------------------------

    def redis_outage(self) -> None:
        log("a. Redis stopped while both lenders register the same patents")
        tally = Tally()
        phases = [("redis up", 6), ("redis down", 15), ("redis back", 6)]
        pairs = Counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            for name, seconds in phases:
                if name == "redis down":
                    self.servers.redis.stop()
                elif name == "redis back":
                    self.servers.redis.start()
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    list(pool.map(lambda _: self.pair(tally), range(4)))
                    pairs[name] += 4
        log(f"a. {dict(pairs)} pairs registered: {tally.summary()}")
        self.check(not tally.failures, f"a. registrations failed: {tally.failures[:3]}")
        expected = 2 * sum(pairs.values())
        self.report["a_redis_outage"] = {
            "pairs": dict(pairs),
            **tally.summary(),
            **self.settled(expected, label="a"),
        }

    # -- b. a worker SIGKILLed mid-task -------------------------------------------------------

    def worker_killed(self) -> None:
        import psycopg

        log("b. the worker SIGKILLed while its duplicate check is running")
        before = self.counts()
        lock = psycopg.connect(self.servers.database_url)
        lock.execute("LOCK TABLE registry_alert IN ACCESS EXCLUSIVE MODE")
        mark = len(self.worker.log())
        tally = Tally()
        self.pair(tally)
        self.check(not tally.failures, f"b. registrations failed: {tally.failures[:3]}")
        deadline = time.monotonic() + 30
        waiting = 0
        while time.monotonic() < deadline and not waiting:
            with psycopg.connect(self.servers.postgres.url(), autocommit=True) as conn:
                (waiting,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = 'registry'"
                ).fetchone()
            time.sleep(0.2)
        received = re.search(
            r"duplicate_pledges_check\[([0-9a-f-]+)\] received", self.worker.log()[mark:]
        )
        task_id = received.group(1) if received else ""
        self.check(bool(waiting and task_id), "b. the duplicate check never blocked in the worker")
        killed_at = time.monotonic()
        self.worker.kill()
        log(f"b. SIGKILLed the worker during task {task_id}; {waiting} queries were waiting")
        lock.rollback()
        lock.close()
        self.worker = Worker(self.env, self.workdir, name="worker-2", purge=False)
        deadline = time.monotonic() + VISIBILITY_TIMEOUT * 4
        rerun = None
        while time.monotonic() < deadline:
            if task_id and f"[{task_id}] succeeded" in self.worker.log():
                rerun = time.monotonic() - killed_at
                break
            time.sleep(0.5)
        self.check(rerun is not None, f"b. task {task_id} did not run again")
        log(f"b. task {task_id} ran again {rerun or -1:.0f}s after the kill")
        self.report["b_worker_killed"] = {
            "task": task_id,
            "rerun_after_s": round(rerun, 1) if rerun else None,
            **self.settled(before["alerts"] + 2, label="b"),
        }

    def restart_postgres(self) -> None:
        time.sleep(5)
        cluster = self.servers.postgres
        log("c. pg_ctl stop -m fast; start")
        cluster.stop("fast")
        time.sleep(2)
        cluster.start()
        time.sleep(8)
        log("c. pg_ctl stop -m immediate; start")
        cluster.stop("immediate")
        time.sleep(2)
        cluster.start()
        time.sleep(8)

    # -- c. PostgreSQL restarted under load -----------------------------------------------------

    def postgres_restart(self) -> None:
        log("c. PostgreSQL stopped and started (fast, then immediate) while lenders register")
        tally = Tally()
        retry_after_missing = []
        outcome = Counter()
        stop = threading.Event()

        def one_registration(client: Client, reference: str) -> None:
            key = new_idempotency_key()
            body = {**registration_body(self.grantor, self.patent()), "loan_reference": reference}
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                reply = client.register(body, idempotency_key=key)
                tally.add("register", reply, (201, 503))
                if reply.status == 503 and not reply.headers.get("Retry-After"):
                    retry_after_missing.append(reply.body)
                if reply.status == 201:
                    replayed = reply.headers.get("Idempotent-Replayed") == "true"
                    outcome["replayed" if replayed else "first"] += 1
                    return
                time.sleep(0.5)
            outcome["gave_up"] += 1

        def client_loop(index: int) -> int:
            n = 0
            while not stop.is_set():
                n += 1
                one_registration(self.clients[index % 2], f"CHAOS-C-{index}-{n}")
            return n

        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(client_loop, i) for i in range(4)]
            try:
                self.restart_postgres()
            finally:
                stop.set()  # also when interrupted: the pool waits for its clients
            logical = sum(f.result() for f in futures)
        log(f"c. {logical} registrations attempted: {tally.summary()} {dict(outcome)}")
        self.check(not tally.failures, f"c. answers other than 201/503: {tally.failures[:3]}")
        self.check(not retry_after_missing, "c. a 503 without Retry-After")
        self.check(outcome["gave_up"] == 0, f"c. {outcome['gave_up']} registrations gave up")
        self.check(tally.statuses[503] > 0, "c. no 503 seen: the restart was not under load")
        rows = shell_json(self.env, _REGISTRATIONS)
        mine = {k: v for k, v in rows["by_reference"].items() if k.startswith("CHAOS-C-")}
        twice = [k for k, v in mine.items() if len(v) > 1]
        half = [k for k, v in mine.items() if 0 in v]
        self.check(len(mine) == logical, f"c. {len(mine)} registrations for {logical} keys")
        self.check(not twice, f"c. registered twice: {twice[:5]}")
        self.check(not half and not rows["without_ledger_event"], "c. half-written registration")
        try:
            verified = manage(self.env, "verify_ledger").strip().splitlines()[-1:]
        except StackError as exc:
            verified = ["FAILED"]
            self.check(False, f"c. verify_ledger: {exc}")
        log(f"c. verify_ledger: {verified}")
        self.report["c_postgres_restart"] = {
            "registrations": logical,
            **tally.summary(),
            "outcome": dict(outcome),
            "registered_twice": len(twice),
            "half_written": len(half) + rows["without_ledger_event"],
            "verify_ledger": verified,
        }
        # the service recovered by itself: a plain registration works without a restart
        after = Tally()
        self.pair(after)
        self.check(not after.failures, f"c. no recovery: {after.failures[:3]}")


def main() -> int:
    stop_on_sigterm()
    chaos = None
    try:
        chaos = Chaos()
        chaos.start()
        for scenario in (chaos.redis_outage, chaos.worker_killed, chaos.postgres_restart):
            scenario()
    except StackError as exc:
        print(f"chaos: {exc}", file=sys.stderr)
        return 2
    finally:
        if chaos is not None:
            chaos.stop()
    print(json.dumps(chaos.report, indent=2))
    for line in chaos.broken:
        print(f"chaos: BROKEN: {line}")
    print(f"chaos: {'FAILED' if chaos.broken else 'passed'}: {len(chaos.broken)} invariants broken")
    return 1 if chaos.broken else 0


if __name__ == "__main__":
    sys.exit(main())

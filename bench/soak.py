"""``make soak`` (issue 12, Build 7): steady mixed load for SOAK_SECONDS (default 600).

On its own Redis and PostgreSQL cluster (bench/stack.py: ports 56380 and 55434 unless
SOAK_REDIS_PORT / SOAK_PG_PORT say otherwise) it starts gunicorn (production settings), a
Celery worker and beat, and a webhook receiver; two lenders then send, at a steady
SOAK_RATE requests per second (default 6), a mix of searches (identifier and grantor ID),
registrations (one in ten pledging a patent the other lender already holds, so duplicate
alerts and webhooks flow), amendments and valuations. Every 10 s it samples the resident
set of each web and worker process (/proc VmRSS) and the open connections to the database
(pg_stat_activity).

It passes when: no request failed (every answer the expected 2xx); each process group's
RSS at the end is at most 10 % (and at least 16 MB allowed) above its RSS after the first
minute (warm-up: imports, caches); and the peak number of connections in the second half
is at most the first half's peak plus 2. It prints the samples' summary and writes
bench/results/soak-<time>.json.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from stack import (
    ROOT,
    Beat,
    PrivateServers,
    Receiver,
    Web,
    Worker,
    logger,
    manage,
    memory_kb,
    stop_on_sigterm,
)
from traffic import LENDERS, Client, Tally, lenders_setup, registration_body, service_env

SAMPLE_SECONDS = 10
WARM_UP_SECONDS = 60


log = logger("soak")


class Mix:
    """The requests of the soak: each call picks one operation, weighted like a lender's day."""

    def __init__(self, clients: dict[str, Client], setup: dict, tally: Tally) -> None:
        self.clients = clients
        self.grantor = setup["grantor"]
        self.patents = iter(setup["patents"])
        self.tally = tally
        self.lock = threading.Lock()
        self.pledged: dict[str, list[str]] = {code: [] for code in clients}
        self.registrations: dict[str, list[tuple[str, int]]] = {code: [] for code in clients}
        self.rng = random.Random(7)

    def _pick(self) -> tuple[str, str]:
        with self.lock:
            operation = self.rng.choices(
                ["search_identifier", "search_grantor", "register", "amend", "value"],
                weights=[40, 15, 20, 15, 10],
            )[0]
            return operation, self.rng.choice(LENDERS)

    def one(self) -> None:
        operation, code = self._pick()
        if operation != "register" and not self.registrations[code]:
            operation = "register"
        getattr(self, operation)(code)

    def search_identifier(self, code: str) -> None:
        with self.lock:
            other = self.pledged[self.rng.choice(LENDERS)]
            number = self.rng.choice(other) if other else "201910000001.X"
        reply = self.clients[code].call("GET", f"search/?identifier={number}")
        self.tally.add("search identifier", reply, (200,))

    def search_grantor(self, code: str) -> None:
        reply = self.clients[code].call("GET", f"search/?grantor_id={self.grantor['id_number']}")
        self.tally.add("search grantor", reply, (200,))

    def register(self, code: str) -> None:
        with self.lock:
            other = self.pledged[LENDERS[1 - LENDERS.index(code)]]
            if other and self.rng.random() < 0.1:
                number = self.rng.choice(other)  # a duplicate pledge: alerts both lenders
            else:
                number = next(self.patents)
        reply = self.clients[code].register(registration_body(self.grantor, number))
        self.tally.add("register", reply, (201,))
        if reply.status == 201:
            with self.lock:
                self.pledged[code].append(number)
                item = reply.body["collateral"][0]["id"]
                self.registrations[code].append((reply.body["registration_number"], item))

    def amend(self, code: str) -> None:
        with self.lock:
            number, _item = self.rng.choice(self.registrations[code])
        body = {"description": f"soak amendment {uuid.uuid4().hex[:12]}"}
        reply = self.clients[code].call("POST", f"registrations/{number}/amendments/", body)
        self.tally.add("amend", reply, (200, 201))

    def value(self, code: str) -> None:
        with self.lock:
            _number, item = self.rng.choice(self.registrations[code])
        body = {
            "value": f"{self.rng.randint(100_000, 900_000)}.00",
            "method": "appraisal",
            "appraiser": "Soak Appraisal Co.",
            "valued_on": datetime.now(UTC).date().isoformat(),
        }
        reply = self.clients[code].call("POST", f"collateral/{item}/valuations/", body)
        self.tally.add("value", reply, (201,))


def sample(web: Web, worker: Worker, servers: PrivateServers, started: float) -> dict:
    def rss(pids: list[int]) -> dict[str, int]:
        return {str(pid): memory_kb(pid).get("VmRSS", 0) for pid in pids}

    return {
        "t": round(time.monotonic() - started, 1),
        "web_rss_kb": rss(web.pids()),
        "worker_rss_kb": rss(worker.pids()),
        "db_connections": servers.connections(),
    }


def verdict(samples: list[dict], tally: Tally) -> tuple[dict, list[str]]:
    broken = []
    if tally.failures:
        broken.append(f"{len(tally.failures)} requests failed, e.g. {tally.failures[:3]}")
    warm = next((s for s in samples if s["t"] >= WARM_UP_SECONDS), samples[0])
    last = samples[-1]
    figures: dict = {}
    for group in ("web_rss_kb", "worker_rss_kb"):
        start_mb = sum(samples[0][group].values()) / 1024
        warm_mb = sum(warm[group].values()) / 1024
        end_mb = sum(last[group].values()) / 1024
        peak_mb = max(sum(s[group].values()) for s in samples) / 1024
        per_process = {
            pid: {
                "start_mb": round(samples[0][group].get(pid, 0) / 1024, 1),
                "end_mb": round(last[group].get(pid, 0) / 1024, 1),
                "peak_mb": round(max(s[group].get(pid, 0) for s in samples) / 1024, 1),
            }
            for pid in last[group]
        }
        allowed = warm_mb + max(0.10 * warm_mb, 16)
        figures[group] = {
            "start_mb": round(start_mb, 1),
            "after_warm_up_mb": round(warm_mb, 1),
            "end_mb": round(end_mb, 1),
            "peak_mb": round(peak_mb, 1),
            "allowed_end_mb": round(allowed, 1),
            "per_process": per_process,
        }
        if end_mb > allowed:
            broken.append(f"{group}: {end_mb:.1f} MB at the end > {allowed:.1f} MB allowed")
        if set(last[group]) != set(samples[0][group]):
            broken.append(f"{group}: processes changed (restarted?) during the soak")
    half = len(samples) // 2
    first = max(s["db_connections"] for s in samples[: half or 1])
    second = max(s["db_connections"] for s in samples[half:])
    figures["db_connections"] = {
        "first_half_peak": first,
        "second_half_peak": second,
        "start": samples[0]["db_connections"],
        "end": last["db_connections"],
    }
    if second > first + 2:
        broken.append(f"database connections grew: peak {first} then {second}")
    return figures, broken


def main() -> int:
    stop_on_sigterm()
    seconds = int(os.environ.get("SOAK_SECONDS", "600"))
    rate = float(os.environ.get("SOAK_RATE", "6"))
    servers = PrivateServers(
        pg_port=int(os.environ.get("SOAK_PG_PORT", "55434")),
        redis_port=int(os.environ.get("SOAK_REDIS_PORT", "56380")),
    )
    receiver = Receiver()
    processes = []
    try:
        env = service_env(servers)
        log(f"private PostgreSQL on {servers.postgres.port}, Redis on {servers.redis.port}")
        manage(env, "migrate", "--noinput")
        setup = lenders_setup(env, receiver.url)
        workdir = Path(tempfile.mkdtemp(prefix="registry-soak-", dir=servers.base))
        worker = Worker(env, workdir)
        processes.append(worker)
        processes.append(Beat(env, workdir))
        web = Web(env, int(os.environ.get("SOAK_WEB_PORT", "58001")), workdir / "web.log")
        processes.append(web)
        clients = {code: Client(web.url, key) for code, key in setup["keys"].items()}
        tally = Tally()
        mix = Mix(clients, setup, tally)
        log(f"{seconds} s at {rate:g} requests/s")
        started = time.monotonic()
        samples = [sample(web, worker, servers, started)]
        next_sample = started + SAMPLE_SECONDS
        with ThreadPoolExecutor(max_workers=8) as pool:
            n = 0
            while (now := time.monotonic()) < started + seconds:
                due = started + n / rate
                if now < due:
                    time.sleep(min(due, next_sample) - now if next_sample > now else 0)
                    continue
                pool.submit(mix.one)
                n += 1
                if now >= next_sample:
                    samples.append(sample(web, worker, servers, started))
                    next_sample += SAMPLE_SECONDS
                    if len(samples) % 6 == 0:
                        log(f"t={samples[-1]['t']:.0f}s {tally.summary()}")
        samples.append(sample(web, worker, servers, started))
        figures, broken = verdict(samples, tally)
        result = {
            "seconds": seconds,
            "rate_per_s": rate,
            "achieved_rate_per_s": round(tally.requests / (time.monotonic() - started), 2),
            **tally.summary(),
            "webhooks": receiver.counts(),
            **figures,
            "broken": broken,
            "samples": samples,
        }
    finally:
        for process in reversed(processes):
            process.stop()
        receiver.stop()
        servers.stop()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"soak-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    shown = {k: v for k, v in result.items() if k != "samples"}
    print(json.dumps(shown, indent=2))
    print(f"soak: wrote {path.relative_to(ROOT)}")
    for line in broken:
        print(f"soak: BROKEN: {line}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

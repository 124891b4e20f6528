"""Process-local counters of degraded operation, shown by ``/healthz/``.

Each counter counts events since the process started (for example, requests let through
because the rate-limit store was unreachable). They are cheap, need no server, and a scraper
or an operator reads them from the health endpoint of each process.
"""

from __future__ import annotations

import threading
from collections import Counter

THROTTLE_FAIL_OPEN = "throttle_fail_open"

_lock = threading.Lock()
_counters: Counter[str] = Counter()


def increment(name: str, amount: int = 1) -> None:
    with _lock:
        _counters[name] += amount


def snapshot() -> dict[str, int]:
    with _lock:
        return dict(_counters)

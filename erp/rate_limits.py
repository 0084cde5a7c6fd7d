"""Throttles outside DRF (order-status look-ups, password-reset e-mails): how many
attempts one key (a client address, an e-mail address) may make per window.

Invariants:

- counts live in the cache every web process shares (``CACHES["shared"]``: the
  CACHE_URL cache, else a database table), so N processes allow what one allows;
- a window is fixed (``10/hour``: at most 10 from the start of each hour), and
  every attempt counts under every key it names, refused ones included;
- the count is the cache's increment: atomic on Redis; on the database cache two
  requests at the same instant may both read the same count, so a burst of
  parallel requests can pass the limit by the number of them in flight;
- keys are stored hashed: e-mail addresses never sit in the cache in clear.

Rates are written as DRF writes them: ``"<count>/<period>"`` with the period
``s``, ``m``, ``h`` or ``d`` (or a word starting with one: ``10/hour``).
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        count, _, period = text.partition("/")
        try:
            rate = cls(int(count), PERIODS[period.strip()[:1].lower()])
        except (ValueError, KeyError):
            raise ImproperlyConfigured(
                f"{text!r} is not a rate: write it as count/period, e.g. 10/hour."
            ) from None
        if rate.count < 1:
            raise ImproperlyConfigured(f"{text!r} allows nothing: the count must be at least 1.")
        return rate


def wait_minutes(seconds: int) -> int:
    """A wait in whole minutes, rounded up, for messages to people."""
    return max(1, math.ceil(seconds / 60))


def rate_limit_hit(scope: str, rate: str, *keys: str | None) -> int:
    """Count one attempt under each key of ``scope`` (empty keys are skipped).

    Returns 0 when every key is within ``rate``, else the seconds until the
    window ends and the caller may try again.
    """
    allowance = Rate.parse(rate)
    cache = caches["shared"]
    now = time.time()
    window = int(now // allowance.seconds)
    wait = 0
    for key in keys:
        if not key:
            continue
        digest = hashlib.sha256(key.encode()).hexdigest()
        cache_key = f"rate:{scope}:{window}:{digest}"
        cache.add(cache_key, 0, timeout=allowance.seconds)
        try:
            attempts = cache.incr(cache_key)
        except ValueError:  # expired between add and incr: this attempt opens the window
            cache.set(cache_key, 1, timeout=allowance.seconds)
            attempts = 1
        if attempts > allowance.count:
            wait = math.ceil((window + 1) * allowance.seconds - now)
    return wait

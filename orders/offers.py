"""Site offers for orders placed outside the web shop's requests (API, staff).

Oscar's ``Applicator`` reads the open site offers with every basket it
prices. Most of the time a shop runs none, so this process remembers for a few
seconds when each open site offer starts and ends, and skips Oscar's query
while none is running. When one is, Oscar's own query and rules apply
unchanged (limits, ranges, priorities). An offer saved or deleted in this
process is seen at once; one saved in another process within
``SITE_OFFERS_TTL_SECONDS``.
"""

import time
from datetime import datetime
from typing import Any

from django.utils import timezone
from oscar.apps.offer.applicator import Applicator as OscarApplicator
from oscar.core.loading import get_model

ConditionalOffer = get_model("offer", "ConditionalOffer")

SITE_OFFERS_TTL_SECONDS = 10.0
_known: dict[str, Any] = {"windows": (), "until": 0.0}


def _site_offer_windows() -> tuple[tuple[datetime | None, datetime | None], ...]:
    now = time.monotonic()
    if now >= _known["until"]:
        windows = tuple(
            ConditionalOffer.objects.filter(
                offer_type=ConditionalOffer.SITE, status=ConditionalOffer.OPEN
            ).values_list("start_datetime", "end_datetime")
        )
        _known.update(windows=windows, until=now + SITE_OFFERS_TTL_SECONDS)
    return _known["windows"]


def site_offer_running() -> bool:
    """Whether an open site offer may apply now (remembered briefly, see above)."""
    cutoff = timezone.now()
    return any(
        (start is None or start <= cutoff) and (end is None or end >= cutoff)
        for start, end in _site_offer_windows()
    )


def site_offers_forget(**_kwargs: Any) -> None:
    """Drop what this process remembers about site offers (one changed)."""
    _known["until"] = 0.0


class Applicator(OscarApplicator):
    def get_site_offers(self) -> Any:
        if not site_offer_running():
            return []  # not even an empty queryset: iterating one costs a compile
        return super().get_site_offers()

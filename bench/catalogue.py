"""Storefront catalogue page: queries and render time with the demo catalogue."""

import statistics
import time

from django.core.management import call_command
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

REQUESTS = 50


def run() -> list[tuple[str, str, str]]:
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = Client()
    rows = []
    for name, url in [
        ("catalogue page (24 products)", "/catalogue/"),
        ("search page", "/search/?q=tent"),
    ]:
        client.get(url)
        reset_queries()  # DEBUG logs every query; a full log would hide new ones
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        timings = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        rows.append((f"{name}: SQL queries", str(len(queries)), "queries/request"))
        rows.append((f"{name}: median", f"{statistics.median(timings) * 1000:.1f}", "ms/request"))
    return rows

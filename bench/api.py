"""Order placement over HTTP: gunicorn (2 sync workers) and 16 concurrent API clients.

Sync workers (one thread each) measured best on 2 cores: with 4 threads per
worker the same run gave 31 instead of 47 orders/s, the threads fighting over
the GIL for what is CPU-bound Python (``BENCH_GUNICORN_THREADS`` to compare).

Each client is a thread with its own keep-alive connection and its own token,
posting ``POST /api/v1/orders/`` with a fresh Idempotency-Key. Two runs:
(a) orders spread over many products, (b) every order for one hot product with
fewer units than orders, so the rest must get 409. Oversells are counted from
the database afterwards and must be 0; "errors" are answers other than 201/409
and dropped connections.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from erp.permissions import SYSTEM

CLIENTS = 16
ORDERS_PER_CLIENT = 25
HOT_STOCK = CLIENTS * ORDERS_PER_CLIENT // 2
GUNICORN_WORKERS = 2
LOG = Path(tempfile.gettempdir()) / "kontor-bench-gunicorn.log"
ADDRESS = {
    "first_name": "Bea",
    "last_name": "Bench",
    "line1": "Heidestraße 17",
    "line4": "Köln",
    "postcode": "51147",
    "country": "DE",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DEBUG": "0",  # production settings: no query log, no debug toolbar
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "bench-only-not-secret",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback, as behind a TLS proxy
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "erp.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--threads",
            os.environ.get("BENCH_GUNICORN_THREADS", "1"),
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        stderr=open(LOG, "wb"),  # noqa: SIM115 - gunicorn keeps it open; 4xx lines are noise
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {LOG}")


def _client(
    port: int, token: str, payloads: list[dict[str, Any]], start: threading.Barrier, out: list
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start.wait()
    for payload in payloads:
        body = json.dumps(payload)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Token {token}",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        began = time.perf_counter()
        try:
            connection.request("POST", "/api/v1/orders/", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        out.append((status, time.perf_counter() - began))
    connection.close()


def _run(port: int, tokens: list[str], payloads: list[list[dict[str, Any]]]) -> dict[str, Any]:
    start = threading.Barrier(len(tokens) + 1)
    results: list[tuple[int, float]] = []
    threads = [
        threading.Thread(target=_client, args=(port, token, mine, start, results))
        for token, mine in zip(tokens, payloads, strict=True)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies = sorted(latency for _, latency in results)
    return {
        "elapsed": elapsed,
        "created": sum(1 for status, _ in results if status == 201),
        "refused": sum(1 for status, _ in results if status == 409),
        "errors": sum(1 for status, _ in results if status not in (201, 409)),
        "attempts": len(results),
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def _rows(name: str, run: dict[str, Any], per_second: int) -> list[tuple[str, str, str]]:
    return [
        (f"API POST orders/, {name}", f"{per_second / run['elapsed']:.0f}", "orders/s over HTTP"),
        (f"API {name}: latency p50 / p95", f"{run['p50']:.0f} / {run['p95']:.0f}", "ms"),
        (f"API {name}: errors (not 201/409)", str(run["errors"]), "must be 0"),
    ]


def run() -> list[tuple[str, str, str]]:
    from django.db import connections
    from oscar.core.loading import get_model
    from rest_framework.authtoken.models import Token

    from inventory.models import Stock, Warehouse
    from inventory.selectors import available_to_promise, stock_drift
    from inventory.services import stock_count, stock_receive
    from tests.factories import UserFactory, shipping_address

    Product = get_model("catalogue", "Product")
    Order = get_model("order", "Order")
    shipping_address()  # Germany ships
    warehouse = Warehouse.objects.get(code="BER-1")
    products = list(Product.objects.order_by("pk").prefetch_related("stockrecords"))
    skus = [product.stockrecords.all()[0].partner_sku for product in products]
    for product in products[1:]:
        if available_to_promise([product.pk])[product.pk] < 100:
            stock_receive(
                user=SYSTEM,
                product=product,
                warehouse=warehouse,
                quantity=500,
                unit_cost=Decimal(5),
            )
    users: list[Any] = [UserFactory(username=f"api-bench-{n}") for n in range(CLIENTS)]
    tokens = [Token.objects.get_or_create(user_id=user.pk)[0].key for user in users]
    connections.close_all()
    port = _free_port()
    server = _start_gunicorn(port)
    rows = []
    try:
        spread = [
            [
                {
                    "lines": [
                        {
                            "sku": skus[1 + (c * ORDERS_PER_CLIENT + i) % (len(skus) - 1)],
                            "quantity": 1,
                        }
                    ],
                    "shipping_address": ADDRESS,
                }
                for i in range(ORDERS_PER_CLIENT)
            ]
            for c in range(CLIENTS)
        ]
        before = Order.objects.count()
        outcome = _run(port, tokens, spread)
        assert Order.objects.count() - before == outcome["created"]
        rows += _rows("16 clients, many products", outcome, outcome["created"])

        hot = products[0]
        for stock in Stock.objects.filter(product=hot).select_related("warehouse"):
            extra = HOT_STOCK if stock.warehouse_id == warehouse.pk else 0
            stock_count(
                user=SYSTEM, product=hot, warehouse=stock.warehouse, counted=stock.allocated + extra
            )
        connections.close_all()
        payload = {"lines": [{"sku": skus[0], "quantity": 1}], "shipping_address": ADDRESS}
        outcome = _run(port, tokens, [[payload] * ORDERS_PER_CLIENT for _ in range(CLIENTS)])
        oversold = max(0, outcome["created"] - HOT_STOCK) + max(
            0, -available_to_promise([hot.pk])[hot.pk]
        )
        rows += _rows("16 clients, one hot product", outcome, outcome["attempts"])
        rows.append(
            (
                "API hot product: 201 / 409 / units available",
                f"{outcome['created']}/{outcome['refused']}/{HOT_STOCK}",
                "orders",
            )
        )
        rows.append(("API oversells", str(oversold), "must be 0"))
        rows.append(
            ("API stock rows drifted from the ledger", str(len(stock_drift())), "must be 0")
        )
    finally:
        server.terminate()
        server.wait(30)
    return rows

"""Run every benchmark on a scratch database (``kontor_bench``) and print a table."""

import os
import sys
import tempfile
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")
os.environ.setdefault("ERP_DATABASE_NAME", "kontor_bench")
# Background tasks go to a throw-away queue: measured here is the request path,
# as in production where a worker does the rest.
os.environ.setdefault("CELERY_BROKER_DIR", tempfile.mkdtemp(prefix="kontor-bench-broker-"))
os.environ.setdefault("CELERY_QUEUE", "kontor-bench")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from bench import api, catalogue, imports, ledger, orders, purchasing, shipping
    from bench.database import scratch_database

    settings.ALLOWED_HOSTS = ["*"]
    rows: list[tuple[str, str, str]] = []
    benchmarks: list[Callable[[], list[tuple[str, str, str]]]] = [
        catalogue.run,
        orders.run,
        api.run,
        shipping.run,
        ledger.run,
        purchasing.run,
        imports.run,
    ]
    only = set(sys.argv[1:])  # e.g. `python -m bench catalogue api`: a subset, in this order
    if only:
        benchmarks = [b for b in benchmarks if b.__module__.rsplit(".", 1)[-1] in only]
    with scratch_database():
        for benchmark in benchmarks:
            started = time.perf_counter()
            rows.extend(benchmark())
            print(f"  ({benchmark.__module__} took {time.perf_counter() - started:.1f} s)")
    width = max(len(name) for name, _, _ in rows)
    print()
    print(f"{'benchmark':<{width}}  {'result':>14}  unit")
    print(f"{'-' * width}  {'-' * 14}  {'-' * 20}")
    for name, value, unit in rows:
        print(f"{name:<{width}}  {value:>14}  {unit}")


if __name__ == "__main__":
    main()

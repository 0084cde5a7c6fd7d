"""PostgreSQL advisory locks held until the transaction ends."""

from django.db import connection, transaction


def advisory_xact_lock(*, owner_id: int, key: str) -> None:
    """Hold a PostgreSQL advisory lock on (owner, key) until the transaction ends:
    requests with the same key queue here, others pass."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("advisory_xact_lock must run inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [owner_id, key])

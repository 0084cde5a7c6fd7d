"""PostgreSQL backend that starts the embedded server on first connection.

Used only when no ``DATABASE_URL`` is configured. It is Django's own
PostgreSQL backend; the single difference is that opening a connection first
makes sure the project-local server (``erp.embedded_db``) is up, so every
process (web, worker, beat, pytest, a shell) finds or starts the same server
with no extra settings and no import-time side effects.
"""

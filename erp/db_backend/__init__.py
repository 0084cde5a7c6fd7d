"""PostgreSQL backend that starts the embedded server on a process's first connection.

Used only when no ``DATABASE_URL`` is configured. It is Django's own
PostgreSQL backend; the single difference is that the first connection of a
process that may start the server (``erp.embedded_db.claim_start``: not a web
server, and only once) first makes sure the project-local server is up, so a
``manage.py`` command, the test session or a worker finds or starts the same
server with no extra settings and no import-time side effects. Every other
connection is a plain connection: when the server is down it fails at once
(``connect_timeout``) and the request is answered 503; a request never runs
``pg_ctl``.
"""

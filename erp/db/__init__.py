"""Database helpers of the shared kernel that lean on Django's and Oscar's internals,
kept in one place so an upgrade has one place to re-check
(``erp/tests/test_db_internals.py`` fails loudly when they move):

- ``raw_select``: hand-written SELECTs on the hottest paths, read back into model
  instances; each has an ORM-equivalence test and is routed through the database
  router. No new one without a measurement and such a test.
- ``evaluated``: ``as_evaluated``, a queryset that answers from objects already in
  memory (seeds ``_result_cache``; callers seed ``_prefetched_objects_cache`` and
  Oscar's ``basket._lines`` with it).

Not to be confused with ``erp.db_backend``, the database backend that starts the
embedded PostgreSQL.
"""

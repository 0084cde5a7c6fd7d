"""Demo business data for ``manage.py seed_demo``: idempotent builders.

Each builder creates what is missing and reuses what exists, so a second
``make run`` starts instantly on the same data. Later features add builders.
"""

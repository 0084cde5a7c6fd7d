"""Accounting: the single truth about money.

Owns the chart of accounts, the double-entry journal (balanced, immutable,
idempotent postings), posting rules, invoices and credit notes, payments and
the financial reports. Sits low in the layer contract: other apps call
``accounting.services`` to post their events; accounting imports none of them.
"""

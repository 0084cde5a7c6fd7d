"""The accounting back office: chart of accounts, posting rules, periods, the
journal, invoices, payments and bank statements.

Nothing here writes money directly: the journal, invoices, payments and
statement lines are read-only screens, and every change (closing a period,
reversing an entry, recording, applying or refunding a payment, importing a
statement) is a form or an action whose work is one ``accounting`` service
call. A refused call shows the service's message and changes nothing.

One module per area, each registering its models when imported here:
``journal`` (accounts, posting rules, periods, journal entries), ``invoices``,
``payments`` and ``bank_statements``; ``common`` holds what they share.
"""

from accounting.admin import bank_statements, invoices, journal, payments

__all__ = ["bank_statements", "invoices", "journal", "payments"]

"""The purchasing back office: suppliers and their items, purchase orders with
their receiving, bill-entry and return pages, receipts, supplier bills and
payments.

Nothing here writes purchasing documents directly: receipts, bills, debit notes
and payments are read-only screens, and every change (creating, sending or
cancelling an order, receiving goods, entering, approving or rejecting a bill,
sending goods back, paying) is a form or an action whose work is one
``purchasing.services`` call. A refused call shows the service's message and
changes nothing. Suppliers and supplier items are master data: a new one is
created by the service; a supplier's address or terms are edited in place.

One module per area, each registering its models when imported here:
``suppliers``, ``orders`` (purchase orders and receipts) and ``bills`` (bills,
debit notes and payments); ``common`` holds what they share.
"""

from purchasing.admin import bills, orders, suppliers

__all__ = ["bills", "orders", "suppliers"]

"""The receipt path's queries are pinned: a fixed cost per receipt plus a fixed
cost per line (each line is a stock move with its own posting), never a query
per earlier receipt, bill or line of the order."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp.permissions import SYSTEM
from purchasing.services import ChargeRequest, ReceiptLineRequest, purchase_order_receive
from purchasing.tests.factories import sent_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def receipt_queries(line_count: int, earlier_receipts: int) -> int:
    """Queries of one receipt of ``line_count`` lines of products already in stock
    (their first receipt creates their stock and cost rows, once in their life)."""
    warm_up = ProductFactory(stock=1)
    purchase_order_receive(
        user=SYSTEM,
        order=sent_order((warm_up, 1, Decimal("1"))),
        lines=[ReceiptLineRequest(warm_up, 1)],
    )
    products = [ProductFactory(stock=1) for _ in range(line_count)]
    order = sent_order(*[(product, 100, Decimal("4.20")) for product in products])
    for _ in range(earlier_receipts):
        purchase_order_receive(user=SYSTEM, order=order, lines=[ReceiptLineRequest(products[0], 1)])
    with CaptureQueriesContext(connection) as queries:
        purchase_order_receive(
            user=SYSTEM,
            order=order,
            lines=[ReceiptLineRequest(product, 2) for product in products],
            charges=[ChargeRequest("freight", Decimal("9.00"))],
        )
    return len(queries.captured_queries)


# per receipt: lock the order and its lines, number it, write it and its charges,
# the order's status and the webhook event; per line: the stock row, the cost
# row (read and lock), the move, its journal entry (idempotency check, period,
# accounts, entry, lines, with savepoints), the new availability, the receipt line
# and the order line's quantities
RECEIPT_QUERIES = 15
QUERIES_PER_LINE = 20


def test_a_receipt_costs_a_fixed_number_of_queries_plus_a_fixed_number_per_line():
    one, three = receipt_queries(1, 0), receipt_queries(3, 0)
    assert (one, three) == (
        RECEIPT_QUERIES + QUERIES_PER_LINE,
        RECEIPT_QUERIES + 3 * QUERIES_PER_LINE,
    )


def test_earlier_receipts_on_the_order_add_no_queries():
    # (from the first receipt on, the order's status is already "partially received")
    assert receipt_queries(2, 1) == receipt_queries(2, 5)

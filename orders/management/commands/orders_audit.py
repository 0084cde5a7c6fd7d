"""Prove that every order agrees with its totals, allocations, parcels and
invoices (``orders.audit``); exit 1 on any disagreement."""

import sys
from typing import Any

from django.core.management.base import BaseCommand
from oscar.core.loading import get_model

from orders.audit import order_drift

Order = get_model("order", "Order")


class Command(BaseCommand):
    help = (
        "Check that every order's lines agree with its totals, stock allocations, "
        "shipped parcels and invoices."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        drift = order_drift()
        if not drift:
            orders = Order.objects.count()
            self.stdout.write(self.style.SUCCESS(f"orders audit: all {orders} orders agree"))
            return
        for found in drift:
            self.stdout.write(self.style.ERROR(str(found)))
        orders = len({found.order_number for found in drift})
        self.stdout.write(self.style.ERROR(f"orders audit: {orders} order(s) disagree"))
        sys.exit(1)

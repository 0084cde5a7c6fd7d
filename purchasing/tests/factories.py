"""Factories for purchasing tests: a supplier, its items, and a sent order ready to receive."""

from decimal import Decimal

import factory

from erp.permissions import SYSTEM
from purchasing.models import Supplier, SupplierItem
from purchasing.services import PurchaseLineRequest, purchase_order_create, purchase_order_send
from tests.factories import WarehouseFactory


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SUP{n}")
    name = factory.LazyAttribute(lambda supplier: f"{supplier.code} Outdoor GmbH")
    email = factory.LazyAttribute(lambda supplier: f"orders@{supplier.code.lower()}.example")
    currency = "EUR"
    payment_terms_days = 30
    lead_time_days = 14
    address = "Industriestr. 1\n10115 Berlin"
    tax_id = "DE811111111"


class SupplierItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierItem

    supplier = factory.SubFactory(SupplierFactory)
    unit_cost = Decimal("10.00")
    supplier_sku = factory.Sequence(lambda n: f"S-{n}")


def sent_order(*lines: tuple[object, int, Decimal], warehouse=None, supplier=None, user=SYSTEM):
    """A sent purchase order of (product, quantity, unit cost) lines."""
    order = purchase_order_create(
        user=user,
        supplier=supplier or SupplierFactory(),
        warehouse=warehouse or WarehouseFactory(code="MAIN", priority=1),
        lines=[PurchaseLineRequest(product=p, quantity=q, unit_cost=c) for p, q, c in lines],
    )
    return purchase_order_send(user=user, order=order)

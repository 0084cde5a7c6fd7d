"""Contract tests of the purchasing endpoints: suppliers and their items, purchase
orders (draft, list, read, send, cancel), receipts against them (idempotent) and
supplier bills; who may call which, and that refused input writes nothing."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from accounting.services import business_date
from erp.models import OutboxEvent
from erp.permissions import SYSTEM
from inventory.selectors import on_hand
from purchasing import services
from purchasing.models import (
    PurchaseOrder,
    Receipt,
    Supplier,
    SupplierBill,
    SupplierItem,
)
from purchasing.tests.factories import SupplierFactory, SupplierItemFactory, sent_order
from tests.api.conftest import assert_error, client_for
from tests.factories import ProductFactory, StaffFactory, UserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def today():
    """The business date now (not at import: a run may pass midnight)."""
    return business_date()


def next_month():
    return today() + timedelta(days=30)


def po_number(n: int) -> str:
    return f"PO-{today().year}-{n:06d}"


def sku(product) -> str:
    return product.stockrecords.get().partner_sku


@pytest.fixture
def warehouse():
    return WarehouseFactory(code="MAIN", priority=1)


@pytest.fixture
def buyer():
    return client_for(StaffFactory(username="paula", role="Purchasing"))


@pytest.fixture
def receiver():
    return client_for(StaffFactory(username="wanda", role="Warehouse"))


@pytest.fixture
def accountant():
    return client_for(StaffFactory(username="anton", role="Accounting"))


@pytest.fixture
def tent():
    return ProductFactory(title="Tent")


@pytest.fixture
def stove():
    return ProductFactory(title="Stove")


@pytest.fixture
def alpine(tent, stove):
    supplier = SupplierFactory(code="ALPINE", name="Alpine Outdoor GmbH")
    SupplierItemFactory(supplier=supplier, product=tent, unit_cost=Decimal("10.00"), pack_size=1)
    SupplierItemFactory(supplier=supplier, product=stove, unit_cost=Decimal("4.00"), pack_size=1)
    return supplier


def order_of(tent, stove, *, status="sent"):
    """PO-…-000001 from ALPINE to MAIN: 10 tents at 10.00, 5 stoves at 4.00."""
    order = sent_order(
        (tent, 10, Decimal("10.00")),
        (stove, 5, Decimal("4.00")),
        supplier=Supplier.objects.get(code="ALPINE"),
    )
    if status == "draft":
        PurchaseOrder.objects.filter(pk=order.pk).update(status="draft")
    return order


def order_body(order_number, tent, stove, *, status="sent", tents=(10, 0, 0), stoves=(5, 0, 0)):
    return {
        "number": order_number,
        "status": status,
        "supplier": "ALPINE",
        "warehouse": "MAIN",
        "expected_date": (today() + timedelta(days=14)).isoformat(),
        "origin": "manual",
        "lines": [
            {
                "sku": sku(tent),
                "quantity": tents[0],
                "received_quantity": tents[1],
                "billed_quantity": tents[2],
                "unit_cost": "10.0000",
            },
            {
                "sku": sku(stove),
                "quantity": stoves[0],
                "received_quantity": stoves[1],
                "billed_quantity": stoves[2],
                "unit_cost": "4.0000",
            },
        ],
        "total": {"amount": "120.00", "currency": "EUR"},
        "bills": [],
    }


# --- suppliers -----------------------------------------------------------------------


SUPPLIER = {
    "code": "alpine",
    "name": "Alpine Outdoor GmbH",
    "email": "orders@alpine.example",
    "currency": "eur",
    "payment_terms_days": 14,
    "lead_time_days": 10,
    "tax_id": "ATU12345678",
}
SUPPLIER_BODY = {
    "code": "ALPINE",
    "name": "Alpine Outdoor GmbH",
    "email": "orders@alpine.example",
    "currency": "EUR",
    "payment_terms_days": 14,
    "lead_time_days": 10,
    "tax_id": "ATU12345678",
    "address": "",
    "is_active": True,
}


def test_a_purchasing_user_adds_a_supplier_and_reads_it_back(buyer):
    created = buyer.post("/api/v1/suppliers/", SUPPLIER, format="json")

    assert created.status_code == 201, created.content
    assert created.json() == SUPPLIER_BODY
    assert buyer.get("/api/v1/suppliers/alpine/").json() == SUPPLIER_BODY
    assert buyer.get("/api/v1/suppliers/").json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [SUPPLIER_BODY],
    }


def test_a_supplier_code_is_taken_once(buyer):
    SupplierFactory(code="ALPINE")

    response = buyer.post("/api/v1/suppliers/", SUPPLIER, format="json")

    body = assert_error(response, 409, "supplier_exists")
    assert body["fields"] == {"code": ["A supplier has this code."]}
    assert Supplier.objects.count() == 1


def test_a_supplier_with_bad_fields_is_refused_naming_them_and_nothing_is_written(buyer):
    response = buyer.post(
        "/api/v1/suppliers/",
        {**SUPPLIER, "code": "AL PINE", "email": "nobody", "payment_terms_days": "thirty"},
        format="json",
    )

    body = assert_error(response, 400, "invalid")
    assert sorted(body["fields"]) == ["code", "email", "payment_terms_days"]
    assert Supplier.objects.count() == 0


def test_an_unknown_supplier_is_404(buyer):
    assert_error(buyer.get("/api/v1/suppliers/NOPE/"), 404, "not_found")
    assert_error(buyer.get("/api/v1/suppliers/NOPE/items/"), 404, "not_found")


def test_supplier_items_are_set_by_sku_and_listed_with_decimal_string_costs(buyer, tent, stove):
    SupplierFactory(code="ALPINE")

    created = buyer.post(
        "/api/v1/suppliers/ALPINE/items/",
        {
            "sku": sku(tent).lower(),
            "supplier_sku": "AT-2P",
            "unit_cost": "12.50",
            "lead_time_days": 21,
            "min_order_quantity": 4,
            "pack_size": 2,
            "is_preferred": True,
        },
        format="json",
    )
    buyer.post(
        "/api/v1/suppliers/ALPINE/items/", {"sku": sku(stove), "unit_cost": "4"}, format="json"
    )
    updated = buyer.post(
        "/api/v1/suppliers/ALPINE/items/",
        {"sku": sku(stove), "unit_cost": "3.9900", "pack_size": 6},
        format="json",
    )

    assert created.status_code == 201, created.content
    tent_item = {
        "sku": sku(tent),
        "supplier_sku": "AT-2P",
        "unit_cost": "12.5000",
        "lead_time_days": 21,
        "min_order_quantity": 4,
        "pack_size": 2,
        "is_preferred": True,
    }
    stove_item = {
        "sku": sku(stove),
        "supplier_sku": "",
        "unit_cost": "3.9900",
        "lead_time_days": None,
        "min_order_quantity": 1,
        "pack_size": 6,
        "is_preferred": False,
    }
    assert created.json() == tent_item
    assert updated.status_code == 201 and updated.json() == stove_item
    assert sku(tent) < sku(stove)  # listed by SKU
    assert buyer.get("/api/v1/suppliers/ALPINE/items/").json()["results"] == [
        tent_item,
        stove_item,
    ]
    assert SupplierItem.objects.count() == 2


def test_a_supplier_item_for_an_unknown_sku_is_400_and_nothing_is_written(buyer):
    SupplierFactory(code="ALPINE")

    response = buyer.post(
        "/api/v1/suppliers/ALPINE/items/", {"sku": "NOPE", "unit_cost": "1.00"}, format="json"
    )

    body = assert_error(response, 400, "invalid")
    assert body["fields"] == {"sku": ["No product has the SKU “NOPE”."]}
    assert SupplierItem.objects.count() == 0


# --- purchase orders -----------------------------------------------------------------


def test_a_purchase_order_is_drafted_with_unit_costs_from_the_supplier_items(
    buyer, alpine, warehouse, tent, stove
):
    response = buyer.post(
        "/api/v1/purchase-orders/",
        {
            "supplier": "alpine",
            "warehouse": "main",
            "expected_date": next_month().isoformat(),
            "lines": [
                {"sku": sku(tent), "quantity": 3},
                {"sku": sku(stove), "quantity": 2, "unit_cost": "3.75"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json() == {
        "number": po_number(1),
        "status": "draft",
        "supplier": "ALPINE",
        "warehouse": "MAIN",
        "expected_date": next_month().isoformat(),
        "origin": "manual",
        "lines": [
            {
                "sku": sku(tent),
                "quantity": 3,
                "received_quantity": 0,
                "billed_quantity": 0,
                "unit_cost": "10.0000",
            },
            {
                "sku": sku(stove),
                "quantity": 2,
                "received_quantity": 0,
                "billed_quantity": 0,
                "unit_cost": "3.7500",
            },
        ],
        "total": {"amount": "37.50", "currency": "EUR"},
        "bills": [],
    }
    assert buyer.get(f"/api/v1/purchase-orders/{po_number(1)}/").json() == response.json()


def test_quantities_are_rounded_up_to_the_pack_size_only_when_asked(buyer, alpine, warehouse, tent):
    SupplierItem.objects.filter(product=tent).update(pack_size=12)
    body = {
        "supplier": "ALPINE",
        "warehouse": "MAIN",
        "lines": [{"sku": sku(tent), "quantity": 10}],
    }

    refused = buyer.post("/api/v1/purchase-orders/", body, format="json")
    rounded = buyer.post("/api/v1/purchase-orders/", {**body, "round_to_pack": True}, format="json")

    assert_error(refused, 422, "invalid")
    assert "packs of 12" in refused.json()["detail"]
    assert rounded.status_code == 201, rounded.content
    assert [line["quantity"] for line in rounded.json()["lines"]] == [12]
    assert PurchaseOrder.objects.count() == 1


def test_a_purchase_order_with_unknown_codes_or_skus_is_400_naming_each_and_nothing_is_written(
    buyer, alpine, warehouse, tent
):
    response = buyer.post(
        "/api/v1/purchase-orders/",
        {
            "supplier": "NOBODY",
            "warehouse": "NOWHERE",
            "lines": [{"sku": sku(tent), "quantity": 1}, {"sku": "NOPE", "quantity": 1}],
        },
        format="json",
    )

    body = assert_error(response, 400, "invalid")
    assert body["fields"] == {
        "supplier": ["There is no supplier “NOBODY”."],
        "warehouse": ["There is no warehouse “NOWHERE”."],
        "lines[1].sku": ["No product has the SKU “NOPE”."],
    }
    assert PurchaseOrder.objects.count() == 0


def test_a_purchase_order_line_without_a_cost_or_supplier_item_is_422(buyer, warehouse):
    SupplierFactory(code="ALPINE")
    unlisted = ProductFactory(title="Lantern")

    response = buyer.post(
        "/api/v1/purchase-orders/",
        {
            "supplier": "ALPINE",
            "warehouse": "MAIN",
            "lines": [{"sku": sku(unlisted), "quantity": 1}],
        },
        format="json",
    )

    assert_error(response, 422, "invalid")
    assert PurchaseOrder.objects.count() == 0


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [{"sku": "X", "quantity": 0}],
        [{"sku": "X", "quantity": "2"}],
        [{"sku": "X", "quantity": 1, "unit_cost": "-1"}],
        [{"sku": "X", "quantity": 1, "unit_cost": "1.00001"}],
        [{"sku": "X", "quantity": 1}, {"sku": "x", "quantity": 2}],
    ],
)
def test_malformed_purchase_order_lines_are_400(buyer, alpine, warehouse, lines):
    response = buyer.post(
        "/api/v1/purchase-orders/",
        {"supplier": "ALPINE", "warehouse": "MAIN", "lines": lines},
        format="json",
    )

    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["lines"]
    assert PurchaseOrder.objects.count() == 0


def test_a_draft_is_sent_once_and_cancelled_only_before_goods_arrive(
    buyer, alpine, warehouse, tent, stove
):
    order = order_of(tent, stove, status="draft")

    sent = buyer.post(f"/api/v1/purchase-orders/{order.number}/send/")
    sent_again = buyer.post(f"/api/v1/purchase-orders/{order.number}/send/")
    cancelled = buyer.post(f"/api/v1/purchase-orders/{order.number}/cancel/")
    cancelled_again = buyer.post(f"/api/v1/purchase-orders/{order.number}/cancel/")

    assert sent.status_code == 200, sent.content
    assert sent.json() == order_body(order.number, tent, stove, status="sent")
    assert_error(sent_again, 409, "invalid_state")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json() == order_body(order.number, tent, stove, status="cancelled")
    assert_error(cancelled_again, 409, "invalid_state")
    assert OutboxEvent.objects.filter(event="purchase_order.sent").count() == 2  # + factory's


def test_an_order_with_goods_received_cannot_be_cancelled(buyer, alpine, warehouse, tent, stove):
    order = order_of(tent, stove)
    services.purchase_order_receive(
        user=SYSTEM, order=order, lines=[services.ReceiptLineRequest(product=tent, quantity=1)]
    )

    response = buyer.post(f"/api/v1/purchase-orders/{order.number}/cancel/")

    assert_error(response, 409, "invalid_state")
    assert PurchaseOrder.objects.get().status == "partially_received"


def test_an_unknown_purchase_order_is_404_on_every_endpoint(buyer, receiver, accountant):
    assert_error(buyer.get("/api/v1/purchase-orders/PO-1999-000001/"), 404, "not_found")
    assert_error(buyer.post("/api/v1/purchase-orders/NOPE/send/"), 404, "not_found")
    assert_error(buyer.post("/api/v1/purchase-orders/NOPE/cancel/"), 404, "not_found")
    receipt = {"lines": [{"sku": "X", "quantity": 1}]}
    assert_error(
        receiver.post("/api/v1/purchase-orders/NOPE/receipts/", receipt, format="json"),
        404,
        "not_found",
    )
    bill = {"supplier_reference": "R-1", "bill_date": today().isoformat(), "lines": []}
    assert_error(
        accountant.post("/api/v1/purchase-orders/NOPE/bills/", bill, format="json"),
        404,
        "not_found",
    )


# --- the list ------------------------------------------------------------------------


def test_purchase_orders_are_listed_newest_first_and_filtered(
    buyer, alpine, warehouse, tent, stove
):
    first = order_of(tent, stove)
    other = SupplierFactory(code="BERGER")
    second = services.purchase_order_create(
        user=SYSTEM,
        supplier=other,
        warehouse=warehouse,
        lines=[services.PurchaseLineRequest(product=stove, quantity=2, unit_cost=Decimal("4"))],
        origin=PurchaseOrder.Origin.REPLENISHMENT,
    )

    def numbers(query: str) -> list[str]:
        response = buyer.get(f"/api/v1/purchase-orders/{query}")
        assert response.status_code == 200, response.content
        return [order["number"] for order in response.json()["results"]]

    assert numbers("") == [second.number, first.number]
    assert numbers("?status=sent") == [first.number]
    assert numbers("?status=draft") == [second.number]
    assert numbers("?supplier=berger") == [second.number]
    assert numbers(f"?sku={sku(tent).lower()}") == [first.number]
    assert numbers(f"?sku={sku(stove)}") == [second.number, first.number]
    assert numbers("?sku=NOPE") == []
    assert numbers("?origin=replenishment") == [second.number]
    assert numbers("?origin=manual&supplier=ALPINE") == [first.number]
    assert numbers("?status=&supplier=&sku=&origin=") == [second.number, first.number]
    listed = buyer.get("/api/v1/purchase-orders/?supplier=ALPINE").json()
    assert listed == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [order_body(first.number, tent, stove)],
    }


def test_a_bad_list_filter_is_400_naming_it(buyer):
    body = assert_error(buyer.get("/api/v1/purchase-orders/?status=lost"), 400, "invalid")

    assert list(body["fields"]) == ["status"]


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/purchase-orders/")
    assert response.status_code == 200, response.content
    return len(queries)


def test_the_purchase_order_list_costs_the_same_queries_for_one_order_and_for_many(
    buyer, alpine, warehouse, tent, stove
):
    order = order_of(tent, stove)
    services.purchase_order_receive(
        user=SYSTEM, order=order, lines=[services.ReceiptLineRequest(product=tent, quantity=2)]
    )
    services.supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="R-1",
        bill_date=today(),
        lines=[services.BillLineRequest(product=tent, quantity=2, unit_cost=Decimal("10.00"))],
    )
    one = _list_queries(buyer)

    for index in range(6):
        products = [ProductFactory(), ProductFactory()]
        extra = sent_order(
            *((product, 3, Decimal("2.50")) for product in products),
            supplier=SupplierFactory(code=f"S{index}"),
        )
        services.purchase_order_receive(
            user=SYSTEM,
            order=extra,
            lines=[services.ReceiptLineRequest(product=products[0], quantity=3)],
        )
        services.supplier_bill_enter(
            user=SYSTEM,
            order=extra,
            supplier_reference=f"R-{index}",
            bill_date=today(),
            lines=[
                services.BillLineRequest(product=products[0], quantity=3, unit_cost=Decimal("2.50"))
            ],
        )
    many = _list_queries(buyer)

    # token, user's permissions (2), count, orders, lines, bills, SKUs
    assert one == many == 8


# --- receipts ------------------------------------------------------------------------


def receive(client, number, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/api/v1/purchase-orders/{number}/receipts/", body, format="json", **headers
    )


def test_goods_are_received_against_a_purchase_order_with_freight_spread_by_value(
    receiver, buyer, alpine, warehouse, tent, stove
):
    order = order_of(tent, stove)

    response = receive(
        receiver,
        order.number,
        {
            "lines": [{"sku": sku(tent), "quantity": 4}, {"sku": sku(stove), "quantity": 5}],
            "charges": [{"kind": "freight", "amount": "12.00"}],
        },
    )

    assert response.status_code == 201, response.content
    assert response.json() == {
        "receipt": f"GR-{today().year}-000001",
        "purchase_order": order.number,
        "status": "partially_received",
        "supplier": "ALPINE",
        "warehouse": "MAIN",
        "lines": [
            # 40.00 + 8.00 of the freight over 4 tents; 20.00 + 4.00 over 5 stoves
            {"sku": sku(tent), "quantity": 4, "landed_unit_cost": "12.0000"},
            {"sku": sku(stove), "quantity": 5, "landed_unit_cost": "4.8000"},
        ],
        "charges": {"amount": "12.00", "currency": "EUR"},
    }
    assert "Idempotent-Replayed" not in response
    assert on_hand(tent.pk, warehouse.pk) == 4 and on_hand(stove.pk, warehouse.pk) == 5
    assert buyer.get(f"/api/v1/purchase-orders/{order.number}/").json() == order_body(
        order.number, tent, stove, status="partially_received", tents=(10, 4, 0), stoves=(5, 5, 0)
    )


def test_charges_are_spread_by_quantity_when_asked(receiver, alpine, warehouse, tent, stove):
    order = order_of(tent, stove)

    response = receive(
        receiver,
        order.number,
        {
            "lines": [{"sku": sku(tent), "quantity": 5}, {"sku": sku(stove), "quantity": 5}],
            "charges": [{"kind": "duty", "amount": "5.00"}, {"kind": "insurance", "amount": "5"}],
            "basis": "quantity",
        },
    )

    assert response.status_code == 201, response.content
    assert [line["landed_unit_cost"] for line in response.json()["lines"]] == [
        "11.0000",
        "5.0000",
    ]
    assert Receipt.objects.get().charges_basis == "quantity"


def test_receiving_past_the_ordered_quantity_is_409_over_receipt_and_nothing_is_written(
    receiver, alpine, warehouse, tent, stove
):
    order = order_of(tent, stove)

    response = receive(
        receiver,
        order.number,
        {"lines": [{"sku": sku(stove), "quantity": 1}, {"sku": sku(tent), "quantity": 11}]},
    )

    body = assert_error(response, 409, "over_receipt")
    assert "10 ordered" in body["detail"]
    assert Receipt.objects.count() == 0
    assert on_hand(stove.pk, warehouse.pk) == 0


def test_receiving_on_a_draft_is_409_invalid_state(receiver, alpine, warehouse, tent, stove):
    order = order_of(tent, stove, status="draft")

    response = receive(receiver, order.number, {"lines": [{"sku": sku(tent), "quantity": 1}]})

    assert_error(response, 409, "invalid_state")
    assert Receipt.objects.count() == 0


def test_receiving_a_sku_that_is_not_on_the_order_is_400_naming_the_line(
    receiver, alpine, warehouse, tent, stove
):
    order = order_of(tent, stove)
    elsewhere = ProductFactory()

    response = receive(
        receiver,
        order.number,
        {"lines": [{"sku": sku(tent), "quantity": 1}, {"sku": sku(elsewhere), "quantity": 1}]},
    )

    body = assert_error(response, 400, "invalid")
    assert body["fields"] == {
        "lines[1].sku": [f"Purchase order {order.number} has no line with this SKU."]
    }
    assert Receipt.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"lines": []},
        {"lines": [{"sku": "X", "quantity": -1}]},
        {"lines": [{"sku": "X", "quantity": 1}], "charges": [{"kind": "bribe", "amount": "1"}]},
        {"lines": [{"sku": "X", "quantity": 1}], "charges": [{"kind": "duty", "amount": "0"}]},
        {"lines": [{"sku": "X", "quantity": 1}], "basis": "weight"},
    ],
)
def test_malformed_receipts_are_400(receiver, alpine, warehouse, tent, stove, body):
    order = order_of(tent, stove)

    assert_error(receive(receiver, order.number, body), 400, "invalid")
    assert Receipt.objects.count() == 0


def test_a_retried_receipt_answers_with_the_first_and_receives_nothing_twice(
    receiver, alpine, warehouse, tent, stove
):
    order = order_of(tent, stove)
    body = {"lines": [{"sku": sku(tent), "quantity": 3}]}
    key = str(uuid.uuid4())

    first = receive(receiver, order.number, body, key)
    retry = receive(receiver, order.number, body, key)
    reused = receive(receiver, order.number, {"lines": [{"sku": sku(tent), "quantity": 4}]}, key)

    assert first.status_code == 201, first.content
    assert retry.status_code == 201 and retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert_error(reused, 422, "idempotency_key_reused")
    assert Receipt.objects.get().idempotency_key == key
    assert on_hand(tent.pk, warehouse.pk) == 3
    assert OutboxEvent.objects.filter(event="purchase_order.received").count() == 1


def test_a_receipt_sent_again_by_another_scanner_with_the_same_key_answers_with_the_first(
    receiver, alpine, warehouse, tent, stove
):
    order = order_of(tent, stove)
    other_scanner = client_for(StaffFactory(username="walter", role="Warehouse"))
    body = {"lines": [{"sku": sku(tent), "quantity": 2}]}

    first = receive(receiver, order.number, body, "delivery-4711")
    again = receive(other_scanner, order.number, body, "delivery-4711")

    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert on_hand(tent.pk, warehouse.pk) == 2


# --- bills ---------------------------------------------------------------------------


def bill(client, number, reference, *lines):
    return client.post(
        f"/api/v1/purchase-orders/{number}/bills/",
        {
            "supplier_reference": reference,
            "bill_date": today().isoformat(),
            "lines": [
                {"sku": sku(product), "quantity": quantity, "unit_cost": cost}
                for product, quantity, cost in lines
            ],
        },
        format="json",
    )


@pytest.fixture
def received(alpine, warehouse, tent, stove):
    """The order with 4 tents and all 5 stoves received."""
    order = order_of(tent, stove)
    services.purchase_order_receive(
        user=SYSTEM,
        order=order,
        lines=[
            services.ReceiptLineRequest(product=tent, quantity=4),
            services.ReceiptLineRequest(product=stove, quantity=5),
        ],
    )
    return order


def test_a_bill_that_matches_order_and_receipts_is_posted(accountant, buyer, received, tent, stove):
    response = bill(accountant, received.number, "AO-7781", (tent, 4, "10.00"), (stove, 5, "4"))

    assert response.status_code == 201, response.content
    assert response.json() == {
        "number": f"BILL-{today().year}-000001",
        "kind": "bill",
        "status": "matched",
        "supplier": "ALPINE",
        "supplier_reference": "AO-7781",
        "purchase_order": received.number,
        "bill_date": today().isoformat(),
        "due_date": (today() + timedelta(days=30)).isoformat(),
        "total": {"amount": "71.40", "currency": "EUR"},  # 60.00 + 19 % VAT
        "reasons": [],
    }
    order = buyer.get(f"/api/v1/purchase-orders/{received.number}/").json()
    assert order["bills"] == [response.json()]
    assert [line["billed_quantity"] for line in order["lines"]] == [4, 5]
    assert OutboxEvent.objects.filter(event="supplier_bill.posted").count() == 1


def test_a_bill_above_the_price_tolerance_is_held_with_its_reasons(accountant, received, tent):
    response = bill(accountant, received.number, "AO-7782", (tent, 4, "11.00"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "on_hold"
    assert body["total"] == {"amount": "52.36", "currency": "EUR"}
    assert len(body["reasons"]) == 1 and "Tent" in body["reasons"][0]
    assert SupplierBill.objects.get().hold_reasons == body["reasons"]


def test_the_same_supplier_reference_twice_is_409_and_writes_no_second_bill(
    accountant, received, tent, stove
):
    bill(accountant, received.number, "AO-7781", (tent, 2, "10.00"))

    response = bill(accountant, received.number, "AO-7781", (stove, 5, "4.00"))

    assert_error(response, 409, "duplicate_bill")
    assert SupplierBill.objects.count() == 1


def test_a_bill_with_a_sku_not_on_the_order_is_400_and_nothing_is_written(
    accountant, received, tent
):
    elsewhere = ProductFactory()

    response = bill(accountant, received.number, "AO-1", (tent, 1, "10"), (elsewhere, 1, "1"))

    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["lines[1].sku"]
    assert SupplierBill.objects.count() == 0


def test_a_bill_dated_in_the_future_is_422_and_nothing_is_written(accountant, received, tent):
    response = accountant.post(
        f"/api/v1/purchase-orders/{received.number}/bills/",
        {
            "supplier_reference": "AO-1",
            "bill_date": (today() + timedelta(days=1)).isoformat(),
            "lines": [{"sku": sku(tent), "quantity": 1, "unit_cost": "10.00"}],
        },
        format="json",
    )

    assert_error(response, 422, "invalid")
    assert SupplierBill.objects.count() == 0


# --- who may do what -----------------------------------------------------------------


def every_endpoint(order_number: str, product_sku: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", "/api/v1/suppliers/", None),
        ("post", "/api/v1/suppliers/", SUPPLIER),
        ("get", "/api/v1/suppliers/ALPINE/", None),
        ("get", "/api/v1/suppliers/ALPINE/items/", None),
        ("post", "/api/v1/suppliers/ALPINE/items/", {"sku": product_sku, "unit_cost": "1"}),
        ("get", "/api/v1/purchase-orders/", None),
        (
            "post",
            "/api/v1/purchase-orders/",
            {
                "supplier": "ALPINE",
                "warehouse": "MAIN",
                "lines": [{"sku": product_sku, "quantity": 1}],
            },
        ),
        ("get", f"/api/v1/purchase-orders/{order_number}/", None),
        ("post", f"/api/v1/purchase-orders/{order_number}/send/", None),
        ("post", f"/api/v1/purchase-orders/{order_number}/cancel/", None),
        (
            "post",
            f"/api/v1/purchase-orders/{order_number}/receipts/",
            {"lines": [{"sku": product_sku, "quantity": 1}]},
        ),
        (
            "post",
            f"/api/v1/purchase-orders/{order_number}/bills/",
            {
                "supplier_reference": "R-1",
                "bill_date": today().isoformat(),
                "lines": [{"sku": product_sku, "quantity": 1, "unit_cost": "1"}],
            },
        ),
    ]


def _call(client, method, path, body):
    return (
        getattr(client, method)(path, body, format="json")
        if body
        else getattr(client, method)(path)
    )


def test_anonymous_callers_get_401_on_every_endpoint(api, alpine, warehouse, tent, stove):
    order = order_of(tent, stove)

    for method, path, body in every_endpoint(order.number, sku(tent)):
        assert_error(_call(api, method, path, body), 401, "not_authenticated")
    assert PurchaseOrder.objects.count() == 1 and Receipt.objects.count() == 0


@pytest.mark.parametrize("who", ["customer", "staff without a role", "Sales"])
def test_customers_and_staff_without_the_role_get_403_on_every_endpoint(
    who, alpine, warehouse, tent, stove
):
    order = order_of(tent, stove)
    if who == "customer":
        user = UserFactory(username="carla")
    elif who == "staff without a role":
        user = StaffFactory(username="sam")
    else:
        user = StaffFactory(username="sally", role="Sales")
    client = client_for(user)

    for method, path, body in every_endpoint(order.number, sku(tent)):
        assert_error(_call(client, method, path, body), 403, "permission_denied")
    assert PurchaseOrder.objects.get().status == "sent"
    assert Receipt.objects.count() == 0 and SupplierBill.objects.count() == 0


def test_each_role_calls_only_the_endpoints_of_its_work(
    buyer, receiver, accountant, alpine, warehouse, tent, stove
):
    order = order_of(tent, stove)
    receipt = {"lines": [{"sku": sku(tent), "quantity": 1}]}

    # Warehouse receives and reads orders, but does not buy
    assert receiver.get(f"/api/v1/purchase-orders/{order.number}/").status_code == 200
    assert_error(
        receiver.post(f"/api/v1/purchase-orders/{order.number}/cancel/"), 403, "permission_denied"
    )
    assert_error(
        receiver.post(
            "/api/v1/suppliers/ALPINE/items/", {"sku": sku(tent), "unit_cost": "1"}, format="json"
        ),
        403,
        "permission_denied",
    )
    # Purchasing buys, but does not receive
    assert_error(receive(buyer, order.number, receipt), 403, "permission_denied")
    # Accounting enters bills, reads orders, but neither buys nor receives
    assert accountant.get("/api/v1/purchase-orders/").status_code == 200
    assert_error(receive(accountant, order.number, receipt), 403, "permission_denied")
    assert_error(
        accountant.post("/api/v1/suppliers/", SUPPLIER, format="json"), 403, "permission_denied"
    )
    assert receive(receiver, order.number, receipt).status_code == 201


# --- the schema ----------------------------------------------------------------------


def test_the_schema_documents_every_purchasing_endpoint_without_warnings():
    GENERATOR_STATS.reset()

    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert dict(GENERATOR_STATS._warn_cache) == {}
    assert dict(GENERATOR_STATS._error_cache) == {}
    operations = {
        f"{method.upper()} {path}": operation
        for path, methods in schema["paths"].items()
        if "supplier" in path or "purchase-order" in path
        for method, operation in methods.items()
    }
    assert sorted(operations) == [
        "GET /api/v1/purchase-orders/",
        "GET /api/v1/purchase-orders/{number}/",
        "GET /api/v1/suppliers/",
        "GET /api/v1/suppliers/{code}/",
        "GET /api/v1/suppliers/{code}/items/",
        "POST /api/v1/purchase-orders/",
        "POST /api/v1/purchase-orders/{number}/bills/",
        "POST /api/v1/purchase-orders/{number}/cancel/",
        "POST /api/v1/purchase-orders/{number}/receipts/",
        "POST /api/v1/purchase-orders/{number}/send/",
        "POST /api/v1/suppliers/",
        "POST /api/v1/suppliers/{code}/items/",
    ]
    for name, operation in operations.items():
        if name.startswith("POST") and name != "POST /api/v1/suppliers/{code}/items/":
            assert {"409", "422"} <= set(operation["responses"]), name

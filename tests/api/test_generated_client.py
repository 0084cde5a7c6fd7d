"""The API as a partner meets it: a typed client generated from the live schema with
openapi-python-client (offline, into a temporary folder), used as written against a
real server. Every answer must parse into the generated model the schema promises,
with no field left ``UNSET``, no raw dict where a model belongs, no undocumented
key, and nothing lost (``to_dict()`` gives back the JSON the server sent)."""

import contextlib
import importlib
import json
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from oscar.core.loading import get_model

from orders import services, statuses
from tests.factories import (
    CompanyFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    buyer_for,
    shipping_address,
)

pytestmark = pytest.mark.django_db(transaction=True)

Order = get_model("order", "Order")
PASSWORD = "correct-horse-battery"  # UserFactory's
PACKAGE = "kontor_api_client"
# What a partner writes in the generator's config: no formatter run after
# generating (none need be installed), and the invoice PDF read as a binary file.
GENERATOR_CONFIG = """\
post_hooks: []
content_type_overrides:
  application/pdf: application/octet-stream
"""


@pytest.fixture
def generated(live_server, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package generated from ``/api/schema/`` of the running server."""
    schema = tmp_path / "schema.json"
    with urllib.request.urlopen(  # noqa: S310 - the test's own live server
        f"{live_server.url}/api/schema/?format=json"
    ) as answer:
        schema.write_bytes(answer.read())
    config = tmp_path / "generator.yaml"
    config.write_text(GENERATOR_CONFIG)
    output = tmp_path / "client" / PACKAGE
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(output),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # the generator prints "Warning(s) encountered" for every operation it had to skip
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(output.parent))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(output.parent))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def connect(live_server, generated) -> Iterator[Any]:
    """``connect()``: an anonymous generated client; ``connect(token)``: one that sends
    ``Authorization: Token <token>``. All are closed after the test, so the live
    server's request threads end and close their database connections."""
    client_module = module(generated, "client")
    with contextlib.ExitStack() as open_clients:

        def make(token: str | None = None) -> Any:
            client = (
                client_module.AuthenticatedClient(
                    base_url=live_server.url, token=token, prefix="Token"
                )
                if token
                else client_module.Client(base_url=live_server.url)
            )
            return open_clients.enter_context(client)

        yield make


def module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def fully_typed(value: Any, where: str = "answer") -> list[str]:
    """What in a parsed answer is not a generated model's typed field: an ``UNSET``
    field, a raw dict or list element where a model belongs, an undocumented key."""
    types = sys.modules[f"{type(value).__module__.split('.')[0]}.types"]
    problems = []
    declared = [field.name for field in attrs.fields(type(value))]
    is_map = declared == ["additional_properties"]  # a schema "object of X" (fields, links)
    for name in declared:
        inner = getattr(value, name)
        if name == "additional_properties":
            if is_map:
                for key, item in inner.items():
                    problems += _typed_item(item, f"{where}[{key!r}]", types)
            elif inner:
                problems.append(f"{where} has undocumented keys {sorted(inner)}")
            continue
        problems += _typed_item(inner, f"{where}.{name}", types)
    return problems


def _typed_item(item: Any, where: str, types: ModuleType) -> list[str]:
    if isinstance(item, types.Unset):
        return [f"{where} is UNSET"]
    if isinstance(item, dict):
        return [f"{where} is a raw dict, not a model: {item!r}"]
    if isinstance(item, list):
        return [
            problem
            for i, x in enumerate(item)
            for problem in _typed_item(x, f"{where}[{i}]", types)
        ]
    if attrs.has(type(item)):
        return fully_typed(item, where)
    return []


def parsed(response: Any, status: int, model: type | list[type]) -> Any:
    """The answer's model (``[Model]``: a list of them), after checking it is
    complete and loses nothing."""
    assert response.status_code == status, response.content
    answer = response.parsed
    if isinstance(model, list):
        assert isinstance(answer, list), (type(answer), response.content)
        assert all(type(item) is model[0] for item in answer), response.content
        assert [problem for item in answer for problem in fully_typed(item)] == []
        assert [item.to_dict() for item in answer] == json.loads(response.content)
        return answer
    assert type(answer) is model, (type(answer), response.content)
    assert fully_typed(answer) == []
    assert answer.to_dict() == json.loads(response.content)
    return answer


def test_a_client_generated_from_the_schema_logs_in_orders_and_reads_its_invoices(
    live_server, generated, connect
):
    # given: a shop with a tent in stock, a customer and a warehouse clerk
    shipping_address()  # Germany is a shipping country
    tent = ProductFactory(title="Trail tent", listing=Decimal("119.00"), stock=5)
    sku = tent.stockrecords.get().partner_sku
    UserFactory(username="partner-customer")
    buyer_for(CompanyFactory(credit_limit=Decimal("50.00")), "partner-buyer")
    StaffFactory(username="partner-warehouse", role="Warehouse")
    bookkeeper = StaffFactory(username="partner-accounting", role="Accounting")
    models = module(generated, "models")
    api = {
        name: module(generated, f"api.{name}")
        for name in (
            "auth.auth_token_create",
            "products.products_list",
            "orders.orders_create",
            "orders.orders_retrieve",
            "orders.orders_list",
            "shipments.shipments_create",
            "invoices.invoices_list",
            "invoices.invoices_retrieve",
            "invoices.invoices_pdf_retrieve",
        )
    }
    anonymous = connect()

    def log_in(username: str, password: str = PASSWORD) -> Any:
        answer = api["auth.auth_token_create"].sync_detailed(
            client=anonymous,
            body=models.AuthTokenRequest(username=username, password=password),
        )
        return connect(parsed(answer, 200, models.Token).token)

    # when: the customer logs in, finds the tent and orders two
    wrong = api["auth.auth_token_create"].sync_detailed(
        client=anonymous,
        body=models.AuthTokenRequest(username="partner-customer", password="wrong"),
    )
    assert parsed(wrong, 400, models.Error).code == "invalid"
    shopper = log_in("partner-customer")

    catalogue = parsed(
        api["products.products_list"].sync_detailed(client=anonymous),
        200,
        models.PaginatedProductList,
    )
    assert [(product.sku, product.price.amount) for product in catalogue.results] == [
        (sku, "119.00")
    ]

    key = str(uuid.uuid4())
    order_body = models.OrderCreateRequest(
        lines=[models.LineInRequest(sku=sku, quantity=2)],
        shipping_address=models.AddressRequest(
            first_name="Erika",
            last_name="Mustermann",
            line1="Heidestraße 17",
            line4="Köln",
            postcode="51147",
            country="DE",
        ),
    )
    placed = parsed(
        api["orders.orders_create"].sync_detailed(
            client=shopper, body=order_body, idempotency_key=key
        ),
        201,
        models.OrderOut,
    )
    replay = api["orders.orders_create"].sync_detailed(
        client=shopper, body=order_body, idempotency_key=key
    )
    too_many = api["orders.orders_create"].sync_detailed(
        client=shopper,
        body=models.OrderCreateRequest(
            lines=[models.LineInRequest(sku=sku, quantity=50)],
            shipping_address=order_body.shipping_address,
        ),
        idempotency_key=str(uuid.uuid4()),
    )

    # then: the order reads back as placed, once, with its price from the server
    assert placed.status == "Pending payment"
    assert placed.total.amount == "238.00" and placed.total.currency == "EUR"
    assert [(line.sku, line.quantity) for line in placed.lines] == [(sku, 2)]
    assert parsed(replay, 201, models.OrderOut).number == placed.number
    assert replay.headers["Idempotent-Replayed"] == "true"
    shortage = parsed(too_many, 409, models.InsufficientStockError)
    assert [(line.sku, line.requested, line.available) for line in shortage.lines] == [(sku, 50, 3)]
    over_credit = api["orders.orders_create"].sync_detailed(
        client=log_in("partner-buyer"),
        body=models.OrderCreateRequest(
            lines=[models.LineInRequest(sku=sku, quantity=1)],
            shipping_address=order_body.shipping_address,
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    refused = parsed(over_credit, 409, models.CreditLimitError)
    assert (refused.code, refused.available.amount) == ("credit_limit_exceeded", "50.00")
    read_back = parsed(
        api["orders.orders_retrieve"].sync_detailed(number=placed.number, client=shopper),
        200,
        models.OrderOut,
    )
    assert read_back == placed
    mine = parsed(
        api["orders.orders_list"].sync_detailed(client=shopper), 200, models.PaginatedOrderOutList
    )
    assert [order.number for order in mine.results] == [placed.number]

    # when: the transfer arrives and the warehouse ships the parcel through the client
    services.order_mark_paid(
        order=Order.objects.get(number=placed.number), user=bookkeeper, reference="TX-1"
    )
    warehouse = log_in("partner-warehouse")
    shipment = parsed(
        api["shipments.shipments_create"].sync_detailed(
            client=warehouse,
            body=models.ShipmentCreateRequest(
                order=placed.number,
                carrier="dhl",
                tracking_number="00340434161234567890",
                lines=[models.LineInRequest(sku=sku, quantity=2)],
            ),
        ),
        201,
        models.ShipmentOut,
    )

    # then: the customer sees the shipment, the invoice and its PDF
    assert shipment.carrier == "dhl" and [(s.sku, s.quantity) for s in shipment.lines] == [(sku, 2)]
    shipped = parsed(
        api["orders.orders_retrieve"].sync_detailed(number=placed.number, client=shopper),
        200,
        models.OrderOut,
    )
    assert shipped.status == statuses.SHIPPED
    assert [s.tracking_number for s in shipped.shipments] == ["00340434161234567890"]
    invoices = parsed(
        api["invoices.invoices_list"].sync_detailed(client=shopper),
        200,
        models.PaginatedInvoiceList,
    )
    assert [(invoice.total.amount, invoice.order_number) for invoice in invoices.results] == [
        ("238.00", placed.number)
    ]
    number = invoices.results[0].number
    invoice = parsed(
        api["invoices.invoices_retrieve"].sync_detailed(number=number, client=shopper),
        200,
        models.Invoice,
    )
    assert invoice == invoices.results[0]
    pdf = api["invoices.invoices_pdf_retrieve"].sync_detailed(number=number, client=shopper)
    assert pdf.status_code == 200
    assert pdf.parsed.payload.read().startswith(b"%PDF-")


def test_a_client_generated_from_the_schema_receives_goods_and_reads_stock_and_the_books(
    live_server, generated, connect
):
    # given: a product in stock and a manager's token
    tent = ProductFactory(title="Trail tent", listing=Decimal("119.00"), stock=5)
    sku = tent.stockrecords.get().partner_sku
    warehouse_code = "MAIN"  # where ProductFactory receives its stock
    manager = StaffFactory(username="partner-manager", role="Manager")
    models = module(generated, "models")
    anonymous = connect()
    token = parsed(
        module(generated, "api.auth.auth_token_create").sync_detailed(
            client=anonymous,
            body=models.AuthTokenRequest(username=manager.username, password=PASSWORD),
        ),
        200,
        models.Token,
    )
    staff = connect(token.token)
    receive = module(generated, "api.inventory.inventory_receipts_create")
    scan = models.ReceiptInRequest(
        warehouse=warehouse_code, quantity=3, unit_cost="40.00", sku=sku, reference="DN-7"
    )

    # when: a scanner receives three more, twice with the same key
    received = parsed(
        receive.sync_detailed(client=staff, body=scan, idempotency_key="scan-1"),
        201,
        models.ReceiptOut,
    )
    again = parsed(
        receive.sync_detailed(client=staff, body=scan, idempotency_key="scan-1"),
        201,
        models.ReceiptOut,
    )
    refused = receive.sync_detailed(
        client=staff,
        body=models.ReceiptInRequest(warehouse="NOWHERE", quantity=1, unit_cost="1", sku=sku),
    )

    # then: stock, the root's links and the trial balance all parse into their models
    assert (received.sku, received.quantity, received.on_hand) == (sku, 3, 8)
    assert again == received
    assert parsed(refused, 400, models.Error).code == "invalid"
    rows = parsed(
        module(generated, "api.inventory.inventory_stock_list").sync_detailed(
            client=staff, sku=sku
        ),
        200,
        [models.StockRow],
    )
    assert [(row.warehouse, row.on_hand, row.available) for row in rows] == [(warehouse_code, 8, 8)]
    root = parsed(
        module(generated, "api.default.root_retrieve").sync_detailed(client=anonymous),
        200,
        models.ApiRoot,
    )
    assert root.endpoints["orders"] == f"{live_server.url}/api/v1/orders/"
    books = parsed(
        module(generated, "api.accounting.accounting_trial_balance_retrieve").sync_detailed(
            client=staff
        ),
        200,
        models.TrialBalance,
    )
    assert books.total_debit == books.total_credit

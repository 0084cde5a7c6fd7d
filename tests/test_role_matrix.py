"""Every role against every admin page, admin action and fulfilment step.

The expected answer of each page is computed from the role's permissions (as
the role group holds them) and the admin's own rules (what a superuser is
refused, e.g. read-only posted documents); the answers that matter most are
also written out, so a wrong role definition in ``erp/roles.py`` is caught
even when the computation agrees with it. Actions and fulfil steps are
listed with the roles that may use them; a refused one changes nothing.
"""

from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse
from oscar.core.loading import get_model

from crm.models import Company
from erp.permissions import SYSTEM
from erp.roles import ROLES
from inventory.models import Stock
from inventory.services import stock_receive
from orders import statuses
from orders.models import Carrier, ReturnRequest, Shipment
from orders.services import (
    return_request_create,
    shipment_pack,
    shipment_ship,
)
from orders.services.returns import ReturnItem
from purchasing.models import PurchaseOrder, SupplierBill
from purchasing.services import (
    BillLineRequest,
    PurchaseLineRequest,
    ReceiptLineRequest,
    purchase_order_create,
    purchase_order_receive,
    supplier_bill_enter,
    supplier_payment_record,
)
from purchasing.tests.factories import SupplierFactory, SupplierItemFactory, sent_order
from tests.factories import (
    CompanyFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
    buyer_for,
    place_order,
)

Order = get_model("order", "Order")
User = get_model("auth", "User")
pytestmark = pytest.mark.django_db

EVERY_ROLE = tuple(ROLES)

#: admin actions and the roles that may run them (delete_selected: from permissions)
ACTION_ROLES = {
    ("order.Order", "mark_paid"): {"Accounting", "Manager"},
    ("order.Order", "release_credit_hold"): {"Accounting", "Manager"},
    ("order.Order", "start_picking"): {"Warehouse", "Manager"},
    ("order.Order", "cancel_orders"): {"Sales", "Manager"},
    ("order.ReturnRequest", "authorise"): {"Sales", "Manager"},
    ("order.ReturnRequest", "reject"): {"Sales", "Manager"},
    ("accounting.FiscalPeriod", "close_periods"): {"Accounting", "Manager"},
    ("accounting.FiscalPeriod", "reopen_periods"): {"Accounting", "Manager"},
    ("accounting.JournalEntry", "reverse_entries"): {"Accounting", "Manager"},
    ("erp.WebhookDelivery", "retry_now"): {"Manager"},
    ("erp.SideEffect", "retry_now"): {"Manager"},
    ("axes.AccessAttempt", "unlock_accounts"): {"Manager"},
    ("axes.AccessAttempt", "unlock_addresses"): {"Manager"},
    ("purchasing.PurchaseOrder", "send_orders"): {"Purchasing", "Manager"},
    ("purchasing.PurchaseOrder", "cancel_orders"): {"Purchasing", "Manager"},
    ("purchasing.SupplierBill", "approve_bills"): {"Accounting", "Manager"},
    ("purchasing.SupplierBill", "reject_bills"): {"Accounting", "Manager"},
}

#: fulfil-page steps and the roles that may take them
STEP_ROLES = {
    "paid": {"Accounting", "Manager"},
    "release_credit": {"Accounting", "Manager"},
    "pick": {"Warehouse", "Manager"},
    "pack": {"Warehouse", "Manager"},
    "ship": {"Warehouse", "Manager"},
    "deliver": {"Warehouse", "Manager"},
    "cancel": {"Sales", "Manager"},
    "address": {"Sales", "Manager"},
}

#: the pages that matter most, written out: (model, page) -> roles answered 200
#: ("change!" = the change page is offered for editing, not only for viewing)
KEY_PAGES = {
    ("auth.User", "add"): {"Manager"},
    ("auth.User", "change"): {"Manager", "Sales", "HR"},
    ("auth.User", "change!"): {"Manager"},
    ("auth.User", "delete"): set(),
    ("auth.Group", "changelist"): set(),
    ("order.Order", "changelist"): {"Manager", "Warehouse", "Sales", "Accounting"},
    ("order.Order", "change!"): set(),
    ("order.Line", "change!"): set(),
    ("order.ShippingAddress", "change!"): set(),
    ("accounting.Payment", "changelist"): {"Manager", "Accounting"},
    ("accounting.Invoice", "change!"): set(),
    ("accounting.Account", "add"): {"Manager", "Accounting"},
    ("inventory.Warehouse", "add"): {"Manager", "Warehouse"},
    ("inventory.Stock", "change!"): {"Manager", "Warehouse"},
    ("inventory.StockMove", "change!"): set(),
    ("crm.Company", "add"): {"Manager", "Sales"},
    ("catalogue.Product", "change!"): {"Manager", "Sales"},
    ("erp.WebhookSubscription", "changelist"): {"Manager"},
    ("purchasing.Supplier", "add"): {"Manager", "Purchasing"},
    ("purchasing.Supplier", "change!"): {"Manager", "Purchasing"},
    ("purchasing.SupplierItem", "change!"): {"Manager", "Purchasing"},
    ("purchasing.PurchaseOrder", "add"): {"Manager", "Purchasing"},
    ("purchasing.PurchaseOrder", "changelist"): {
        "Manager",
        "Purchasing",
        "Warehouse",
        "Accounting",
    },
    ("purchasing.PurchaseOrder", "change!"): set(),
    ("purchasing.Receipt", "add"): set(),
    ("purchasing.Receipt", "change!"): set(),
    ("purchasing.SupplierBill", "changelist"): {"Manager", "Purchasing", "Accounting"},
    ("purchasing.SupplierBill", "add"): set(),
    ("purchasing.SupplierBill", "change!"): set(),
    ("purchasing.SupplierPayment", "changelist"): {"Manager", "Purchasing", "Accounting"},
    ("purchasing.SupplierPayment", "add"): set(),
    ("data_exchange.ImportJob", "changelist"): {
        "Manager",
        "Sales",
        "Warehouse",
        "Purchasing",
        "Accounting",
    },
    ("data_exchange.ImportJob", "add"): set(),
    ("data_exchange.ImportJob", "change!"): set(),
}

#: custom staff pages: path (filled in per test) -> roles answered 200
CUSTOM_PAGES = {
    "staff order": {"Manager", "Sales"},
    "pick list": {"Manager", "Warehouse", "Sales", "Accounting"},
    "fulfil": {"Manager", "Warehouse", "Sales", "Accounting"},
    "packing slip": {"Manager", "Warehouse"},
    "receive return": {"Manager", "Warehouse"},
    "record payment": {"Manager", "Accounting"},
    "import statement": {"Manager", "Accounting"},
    "invoice pdf": {"Manager", "Accounting"},
    "stock transfer": {"Manager", "Warehouse"},
    "scan station": {"Manager", "Warehouse"},
    "reports": {"Manager", "Accounting"},
    "edit purchase order": {"Manager", "Purchasing"},
    "send purchase order": {"Manager", "Purchasing"},
    "purchase order pdf": {"Manager", "Purchasing", "Warehouse", "Accounting"},
    "payables aging": {"Manager", "Accounting"},
    "payment proposal": {"Manager", "Accounting"},
    "cancel purchase order": {"Manager", "Purchasing"},
    "receive purchase order": {"Manager", "Warehouse"},
    "enter supplier bill": {"Manager", "Purchasing", "Accounting"},
    "return to supplier": {"Manager", "Purchasing", "Accounting"},
    "approve supplier bill": {"Manager", "Accounting"},
    "reject supplier bill": {"Manager", "Accounting"},
    "pay supplier bill": {"Manager", "Accounting"},
    "receiving station": {"Manager", "Warehouse"},
    "receiving station order": {"Manager", "Warehouse"},
    "incoming goods": {"Manager", "Warehouse", "Purchasing", "Accounting"},
    "data quality": {"Manager", "Sales"},
    "data quality check": {"Manager", "Sales"},
    "import data": {"Manager", "Sales", "Warehouse", "Purchasing"},
    "export data": {"Manager", "Sales", "Warehouse", "Purchasing", "Accounting"},
}


def role_permissions(role: str) -> set[str]:
    permissions = Group.objects.get(name=role).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def may(permissions: set[str], action: str, model: Any) -> bool:
    opts = model._meta
    return f"{opts.app_label}.{get_permission_codename(action, opts)}" in permissions


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=1)


@pytest.fixture
def business(berlin) -> dict[str, Any]:
    """A little of everything: orders in each state, a parcel out, a return, an invoice."""
    tent = ProductFactory(title="Granite Tent", listing=Decimal("120.00"))
    stock_receive(
        user=SYSTEM, product=tent, warehouse=berlin, quantity=200, unit_cost=Decimal("50")
    )
    shipped = place_order([(tent, 2)], user=UserFactory(username="erika"))
    line = shipped.lines.get()
    parcel = shipment_pack(user=SYSTEM, order=shipped, warehouse=berlin, quantities={line.pk: 2})
    shipment_ship(
        user=SYSTEM, shipment=parcel, carrier=Carrier.objects.get(code="dhl"), tracking_number="1"
    )
    returned = return_request_create(
        user=SYSTEM, order=shipped, items=[ReturnItem(line.pk, 1, "damaged")]
    )
    company = CompanyFactory(credit_limit=Decimal("100.00"), over_limit="hold", price_list=None)
    return {
        **purchasing_business(tent, berlin),
        "tent": tent,
        "berlin": berlin,
        "shipped": shipped,
        "return": returned,
        "company": company,
        "buyer": buyer_for(company, "bea"),
        "target user": StaffFactory(username="wes-target", role="Warehouse"),
    }


def purchasing_business(tent: Any, berlin: Any) -> dict[str, Any]:
    """A supplier and its item, a partly received order, a paid bill and a held one."""
    supplier = SupplierFactory(code="ALPINE")
    SupplierItemFactory(supplier=supplier, product=tent, unit_cost=Decimal("50"))
    order = sent_order((tent, 10, Decimal("50")), warehouse=berlin, supplier=supplier)
    purchase_order_receive(user=SYSTEM, order=order, lines=[ReceiptLineRequest(tent, 6)])
    paid = supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="INV-1",
        bill_date=order.order_date,
        lines=[BillLineRequest(tent, 2, Decimal("50"))],
    )
    supplier_payment_record(user=SYSTEM, bill=paid, amount=Decimal("10.00"))
    held = supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="INV-2",
        bill_date=order.order_date,
        lines=[BillLineRequest(tent, 2, Decimal("60"))],
    )
    draft = purchase_order_create(
        user=SYSTEM,
        supplier=supplier,
        warehouse=berlin,
        lines=[PurchaseLineRequest(tent, 5)],
    )
    return {"purchase order": order, "draft order": draft, "held bill": held, "paid bill": paid}


def login(client: Client, role: str) -> Any:
    user = StaffFactory(username=f"the-{role.lower()}", role=role)
    client.force_login(user)
    return user


def sample(model: Any, business: dict[str, Any]) -> Any:
    if model is User:
        return business["target user"]
    return model._default_manager.order_by("pk").first()


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_every_admin_page_answers_as_the_roles_permissions_say(client, role, business):
    permissions = role_permissions(role)
    login(client, role)
    root = RequestFactory().get("/admin/")
    root.user = User(is_superuser=True, is_staff=True, is_active=True)
    answered: dict[tuple[str, str], bool] = {}
    wrong = []

    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        info = (model._meta.app_label, model._meta.model_name)
        obj = sample(model, business)
        viewer = may(permissions, "view", model) or may(permissions, "change", model)
        adder = may(permissions, "add", model) and model_admin.has_add_permission(root)
        editor = may(permissions, "change", model) and model_admin.has_change_permission(root, obj)
        deleter = may(permissions, "delete", model) and model_admin.has_delete_permission(root, obj)
        one = [obj.pk if obj is not None else 999_999_999]
        found = 200 if obj is not None else 302  # a missing object redirects to the list
        name = "admin:{}_{}_{}".format
        pages = {
            "changelist": (reverse(name(*info, "changelist")), viewer, 200),
            "add": (reverse(name(*info, "add")), adder, 200),
            "change": (reverse(name(*info, "change"), args=one), viewer, found),
            "delete": (reverse(name(*info, "delete"), args=one), deleter, found),
        }
        answered[label, "change!"] = False
        for page, (path, allowed, success) in pages.items():
            response = client.get(path)
            expected = success if allowed else 403
            if response.status_code != expected:
                wrong.append((label, page, expected, response.status_code))
            answered[label, page] = response.status_code in (200, 302)
            if page == "change" and response.status_code == 200:
                editable = bool(response.context["has_change_permission"])
                if editable != editor:
                    wrong.append((label, "change!", editor, editable))
                answered[label, "change!"] = editable

    assert wrong == []
    for (label, page), roles in KEY_PAGES.items():
        assert answered[label, page] == (role in roles), (label, page)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_every_admin_action_is_offered_exactly_to_the_roles_that_may_run_it(client, role):
    user = login(client, role)
    permissions = role_permissions(role)
    request = RequestFactory().get("/admin/")
    root = RequestFactory().get("/admin/")
    request.user = user
    root.user = User(is_superuser=True, is_staff=True, is_active=True)
    unclassified = []
    wrong = []

    for model, model_admin in admin.site._registry.items():
        offered = set(model_admin.get_actions(request))
        for action in model_admin.get_actions(root):
            key = (model._meta.label, action)
            if action == "delete_selected":
                allowed = may(permissions, "delete", model)
            elif key in ACTION_ROLES:
                allowed = role in ACTION_ROLES[key]
            else:
                unclassified.append(key)
                continue
            if (action in offered) != allowed:
                wrong.append((key, allowed))

    assert unclassified == [], "add these actions to ACTION_ROLES"
    assert wrong == []


def bank_order(tent) -> Any:
    return place_order([(tent, 1)], payment_method="bank_transfer")


def step_setups(business: dict[str, Any]) -> dict[str, tuple[Any, dict[str, Any], Any]]:
    """For each fulfil step: the order, the POST, and what the step changes."""
    tent, berlin = business["tent"], business["berlin"]
    dhl = Carrier.objects.get(code="dhl")

    def packed() -> Any:
        order = place_order([(tent, 1)])
        shipment_pack(
            user=SYSTEM, order=order, warehouse=berlin, quantities={order.lines.get().pk: 1}
        )
        return order

    def out() -> Any:
        order = packed()
        shipment_ship(user=SYSTEM, shipment=order.shipments.get(), carrier=dhl, tracking_number="X")
        return order

    held = place_order([(tent, 1)], user=business["buyer"], payment_method="on_account")
    assert held.status == statuses.CREDIT_HOLD
    to_pack = place_order([(tent, 1)])
    to_ship, to_deliver = packed(), out()
    status = lambda order: Order.objects.get(pk=order.pk).status  # noqa: E731
    return {
        "paid": (bank := bank_order(tent), {}, lambda: status(bank)),
        "release_credit": (held, {}, lambda: status(held)),
        "pick": (ready := place_order([(tent, 1)]), {}, lambda: status(ready)),
        "pack": (
            to_pack,
            {"warehouse": berlin.pk, f"qty-{to_pack.lines.get().pk}": "1"},
            lambda: (status(to_pack), to_pack.shipments.count()),
        ),
        "ship": (
            to_ship,
            {
                "shipment": to_ship.shipments.get().pk,
                "carrier": dhl.pk,
                "tracking_number": "JJD1",
            },
            lambda: list(to_ship.shipments.values_list("status", "tracking_number")),
        ),
        "deliver": (
            to_deliver,
            {"shipment": to_deliver.shipments.get().pk},
            lambda: list(to_deliver.shipments.values_list("status", flat=True)),
        ),
        "cancel": (cancel := place_order([(tent, 1)]), {}, lambda: status(cancel)),
        "address": (
            moving := place_order([(tent, 1)]),
            {
                "first_name": "Erika",
                "last_name": "Mustermann",
                "line1": "Neue Straße 5",
                "line4": "Köln",
                "postcode": "51147",
                "reason": "customer moved",
            },
            lambda: Order.objects.get(pk=moving.pk).shipping_address.line1,
        ),
    }


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_every_fulfil_step_is_taken_exactly_for_the_roles_that_may(client, role, business):
    setups = step_setups(business)
    login(client, role)
    wrong = []

    for step, (order, data, state) in setups.items():
        before = state()
        response = client.post(
            f"/admin/order/order/{order.pk}/fulfil/", {"action": step, **data}, follow=True
        )
        changed = state() != before
        allowed = role in STEP_ROLES[step]
        if changed != allowed:
            wrong.append((step, allowed, response.status_code))
        if not allowed and response.status_code == 200:
            assert "role does not allow you to" in response.content.decode(), step

    assert wrong == []


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_order_and_return_actions_change_only_what_the_role_may(client, role, business):
    tent = business["tent"]
    bank, ready, cancel = bank_order(tent), place_order([(tent, 1)]), place_order([(tent, 1)])
    held = place_order([(tent, 1)], user=business["buyer"], payment_method="on_account")
    returned = business["return"]
    login(client, role)
    runs = {
        "mark_paid": (bank, lambda: Order.objects.get(pk=bank.pk).status),
        "release_credit_hold": (held, lambda: Order.objects.get(pk=held.pk).status),
        "start_picking": (ready, lambda: Order.objects.get(pk=ready.pk).status),
        "cancel_orders": (cancel, lambda: Order.objects.get(pk=cancel.pk).status),
    }
    wrong = []

    for action, (order, state) in runs.items():
        before = state()
        client.post("/admin/order/order/", {"action": action, "_selected_action": [order.pk]})
        if (state() != before) != (role in ACTION_ROLES["order.Order", action]):
            wrong.append(action)
    client.post(
        "/admin/order/returnrequest/", {"action": "authorise", "_selected_action": [returned.pk]}
    )
    authorised = ReturnRequest.objects.get(pk=returned.pk).status == "authorised"
    if authorised != (role in ACTION_ROLES["order.ReturnRequest", "authorise"]):
        wrong.append("authorise")

    assert wrong == []


def purchasing_pages(business: dict[str, Any]) -> dict[str, str]:
    order, draft = business["purchase order"].pk, business["draft order"].pk
    held, paid = business["held bill"].pk, business["paid bill"].pk
    orders, bills = "/admin/purchasing/purchaseorder", "/admin/purchasing/supplierbill"
    return {
        "edit purchase order": f"{orders}/{draft}/edit/",
        "send purchase order": f"{orders}/{draft}/send/",
        "purchase order pdf": reverse(
            "purchasing-documents:purchase-order-pdf", args=[business["draft order"].number]
        ),
        "payables aging": reverse("purchasing-documents:payables-aging"),
        "payment proposal": reverse("purchasing-documents:payment-proposal"),
        "cancel purchase order": f"{orders}/{draft}/cancel/",
        "receive purchase order": f"{orders}/{order}/receive/",
        "enter supplier bill": f"{orders}/{order}/bill/",
        "return to supplier": f"{orders}/{order}/return/",
        "approve supplier bill": f"{bills}/{held}/approve/",
        "reject supplier bill": f"{bills}/{held}/reject/",
        "pay supplier bill": f"{bills}/{paid}/pay/",
        "receiving station": "/warehouse/purchasing/receive/",
        "receiving station order": f"/warehouse/purchasing/receive/{order}/",
        "incoming goods": "/warehouse/purchasing/incoming/",
    }


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_purchasing_actions_change_only_what_the_role_may(client, role, business):
    draft, held = business["draft order"], business["held bill"]
    login(client, role)

    client.post(
        "/admin/purchasing/purchaseorder/",
        {"action": "send_orders", "_selected_action": [draft.pk]},
    )
    client.post(
        "/admin/purchasing/supplierbill/",
        {"action": "approve_bills", "_selected_action": [held.pk]},
    )

    sent = PurchaseOrder.objects.get(pk=draft.pk).status == "sent"
    approved = SupplierBill.objects.get(pk=held.pk).status == "approved"
    assert sent == (role in ACTION_ROLES["purchasing.PurchaseOrder", "send_orders"])
    assert approved == (role in ACTION_ROLES["purchasing.SupplierBill", "approve_bills"])


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_custom_staff_pages_answer_as_the_role_may(client, role, business):
    shipped = business["shipped"]
    returned = business["return"]
    ReturnRequest.objects.filter(pk=returned.pk).update(status="authorised")
    stock = Stock.objects.get(product=business["tent"], warehouse=business["berlin"])
    invoice = shipped.invoices.get()
    pages = {
        "staff order": "/admin/order/order/new/",
        "pick list": f"/admin/order/order/pick-list/{business['berlin'].pk}/",
        "fulfil": f"/admin/order/order/{shipped.pk}/fulfil/",
        "packing slip": (
            f"/admin/order/order/{shipped.pk}/parcels/{shipped.shipments.get().pk}/packing-slip/"
        ),
        "receive return": f"/admin/order/returnrequest/{returned.pk}/receive/",
        "record payment": "/admin/accounting/payment/record/",
        "import statement": "/admin/accounting/bankstatementline/import/",
        "invoice pdf": f"/admin/accounting/invoice/{invoice.pk}/pdf/",
        "stock transfer": f"/admin/inventory/stock/{stock.pk}/transfer/",
        "scan station": "/warehouse/scan/",
        "reports": "/admin/reports/trial-balance/",
        "data quality": "/admin/data-quality/",
        "data quality check": "/admin/data-quality/products-without-weight/",
        **purchasing_pages(business),
        "import data": "/admin/data_exchange/importjob/import/",
        "export data": "/admin/data_exchange/importjob/export/",
    }
    login(client, role)

    answers = {name: client.get(url).status_code for name, url in pages.items()}

    assert answers == {name: 200 if role in CUSTOM_PAGES[name] else 403 for name in pages}


def test_the_roles_keep_payments_and_people_where_they_belong():
    payers = {role for role in ROLES if "accounting.add_payment" in role_permissions(role)}
    user_editors = {role for role in ROLES if "auth.change_user" in role_permissions(role)}
    cancellers = {role for role in ROLES if "order.change_order" in role_permissions(role)}
    credit = {role for role in ROLES if "crm.override_credit_hold" in role_permissions(role)}

    assert payers == {"Accounting", "Manager"}
    assert user_editors == {"Manager"}
    assert cancellers == {"Sales", "Manager"}
    assert credit == {"Accounting", "Manager"}


def test_sales_sees_but_cannot_raise_a_companys_credit_limit(client):
    company = CompanyFactory(credit_limit=Decimal("1000.00"))
    login(client, "Sales")

    page = client.get(f"/admin/crm/company/{company.pk}/change/")

    assert "credit_limit" not in page.context["adminform"].form.fields
    assert "over_limit" not in page.context["adminform"].form.fields
    assert Company.objects.get(pk=company.pk).credit_limit == Decimal("1000.00")


def test_a_shipment_record_is_read_only_even_for_warehouse(client, business):
    login(client, "Warehouse")
    shipment = Shipment.objects.get()

    page = client.get(f"/admin/order/shipment/{shipment.pk}/change/")
    posted = client.post(f"/admin/order/shipment/{shipment.pk}/change/", {})

    assert (page.status_code, posted.status_code) == (200, 403)


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_the_api_cancels_and_ships_exactly_for_the_roles_that_may(role, business):
    from tests.api.conftest import client_for

    tent = business["tent"]
    to_cancel, to_ship = place_order([(tent, 1)]), place_order([(tent, 1)])
    api = client_for(StaffFactory(username=f"api-{role.lower()}", role=role))

    cancelled = api.post(f"/api/v1/orders/{to_cancel.number}/cancel/")
    shipped = api.post(
        "/api/v1/shipments/",
        {
            "order": to_ship.number,
            "carrier": "dhl",
            "tracking_number": "JJD2",
            "lines": [{"sku": to_ship.lines.get().partner_sku, "quantity": 1}],
        },
        format="json",
    )

    may_cancel, may_ship = role in STEP_ROLES["cancel"], role in STEP_ROLES["ship"]
    # roles that may not read orders at all do not learn that the order exists
    sees_orders = role not in {"HR", "Purchasing"}
    assert cancelled.status_code == (200 if may_cancel else 403 if sees_orders else 404)
    assert shipped.status_code == (201 if may_ship else 403)
    assert Order.objects.get(pk=to_cancel.pk).status == (
        statuses.CANCELLED if may_cancel else statuses.READY
    )
    assert to_ship.shipments.exists() == may_ship
    for refused in [r for r in (cancelled, shipped) if r.status_code == 403]:
        assert refused.json()["code"] == "permission_denied"


def test_customers_cancel_and_return_only_their_own_orders(business):
    from erp.permissions import PermissionRefused
    from orders.services import order_cancel

    tent = business["tent"]
    erika, mallory = business["shipped"].user, UserFactory(username="mallory")
    hers = place_order([(tent, 1)], user=erika)

    with pytest.raises(PermissionRefused, match="cancel orders"):
        order_cancel(order=hers, user=mallory, by_customer=True)
    with pytest.raises(PermissionRefused, match="open returns for customers"):
        return_request_create(
            order=business["shipped"],
            user=mallory,
            items=[ReturnItem(business["shipped"].lines.get().pk, 1, "damaged")],
        )
    with pytest.raises(PermissionRefused, match="Sign in"):
        order_cancel(order=hers, user=None)
    order_cancel(order=hers, user=erika, by_customer=True)

    assert Order.objects.get(pk=hers.pk).status == statuses.CANCELLED
    assert ReturnRequest.objects.filter(order=business["shipped"]).count() == 1

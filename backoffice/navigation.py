"""The screens of each role: the home page's list and the bar on every page.

A screen is shown to a user holding any one of its permissions, the same one
its view checks (``erp/roles.py`` grants them), so nobody is offered a page
that answers 403.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from orders import statuses

#: the order list's filter of orders to fulfil
FULFIL_QUEUE = (statuses.READY, statuses.PICKING, statuses.PACKED, statuses.PARTIALLY_SHIPPED)


def order_list(**params: str) -> str:
    url = reverse("admin:order_order_changelist")
    return f"{url}?{urlencode(params)}" if params else url


@dataclass(frozen=True)
class Screen:
    section: str
    title: str
    url_name: str
    permissions: tuple[str, ...]  # any one of them
    description: str
    in_bar: bool = False  # also in the bar on every back-office page
    query: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name) + self.query


SCREENS = (
    Screen(
        "Orders",
        "Orders",
        "admin:order_order_changelist",
        ("order.view_order",),
        "Every order from every channel.",
        in_bar=True,
    ),
    Screen(
        "Orders",
        "Fulfil queue",
        "admin:order_order_changelist",
        ("order.view_order",),
        "Orders ready to pick, being picked, packed or partly shipped.",
        in_bar=True,
        query="?" + urlencode({"status__in": ",".join(FULFIL_QUEUE)}),
    ),
    Screen(
        "Orders",
        "New staff order",
        "admin:order_order_new",
        ("order.add_order",),
        "Phone, counter and B2B orders, priced by the server.",
    ),
    Screen(
        "Orders",
        "Returns",
        "admin:order_returnrequest_changelist",
        ("order.view_returnrequest",),
        "Returns to authorise and receive.",
        in_bar=True,
    ),
    Screen(
        "Orders",
        "Shipments",
        "admin:order_shipment_changelist",
        ("order.view_shipment",),
        "Parcels packed, shipped and delivered.",
    ),
    Screen(
        "Warehouse",
        "Stock",
        "admin:inventory_stock_changelist",
        ("inventory.view_stock",),
        "Stock per warehouse: transfer, count, adjust.",
        in_bar=True,
    ),
    Screen(
        "Warehouse",
        "Scan station",
        "inventory:scan",
        ("inventory.add_stockmove",),
        "Receive and count with a barcode scanner.",
        in_bar=True,
    ),
    Screen(
        "Warehouse",
        "Stock moves",
        "admin:inventory_stockmove_changelist",
        ("inventory.view_stockmove",),
        "The ledger of every stock change.",
    ),
    Screen(
        "Warehouse",
        "Inventory valuation",
        "inventory:valuation",
        ("inventory.view_stock", "accounting.view_journalentry"),
        "Stock at moving-average cost, checked against the books.",
    ),
    Screen(
        "Warehouse",
        "Receiving station",
        "purchasing:receive",
        ("purchasing.add_receipt",),
        "Receive goods on purchase orders by barcode or order.",
        in_bar=True,
    ),
    Screen(
        "Warehouse",
        "Incoming goods",
        "purchasing:incoming",
        ("purchasing.view_purchaseorder",),
        "What is on its way to each warehouse, and when.",
    ),
    Screen(
        "Purchasing",
        "Purchase orders",
        "admin:purchasing_purchaseorder_changelist",
        ("purchasing.view_purchaseorder",),
        "Orders to suppliers: send, receive, bill, return.",
        in_bar=True,
    ),
    Screen(
        "Purchasing",
        "New purchase order",
        "admin:purchasing_purchaseorder_add",
        ("purchasing.add_purchaseorder",),
        "A draft order to a supplier, priced from its items.",
    ),
    Screen(
        "Purchasing",
        "Suppliers",
        "admin:purchasing_supplier_changelist",
        ("purchasing.view_supplier",),
        "Who we buy from: terms, lead times, what each sells us.",
    ),
    Screen(
        "Purchasing",
        "Supplier bills",
        "admin:purchasing_supplierbill_changelist",
        ("purchasing.view_supplierbill",),
        "Bills and debit notes: matched, on hold, approved, paid.",
        in_bar=True,
    ),
    Screen(
        "Money",
        "Invoices",
        "admin:accounting_invoice_changelist",
        ("accounting.view_invoice",),
        "Invoices and credit notes.",
        in_bar=True,
    ),
    Screen(
        "Money",
        "Payments",
        "admin:accounting_payment_changelist",
        ("accounting.view_payment",),
        "Money received and refunded.",
    ),
    Screen(
        "Money",
        "Record a payment",
        "admin:accounting_payment_record",
        ("accounting.add_payment",),
        "A customer's bank transfer, applied to invoices.",
    ),
    Screen(
        "Money",
        "Payment proposal",
        "purchasing-documents:payment-proposal",
        # the page also needs purchasing.view_supplierbill, which every role
        # that reads the journal has (backoffice/tests/test_home.py opens it)
        ("accounting.view_journalentry",),
        "Supplier bills due by a date: what to pay each supplier.",
    ),
    Screen(
        "Money",
        "Reports",
        "reports:index",
        ("accounting.view_journalentry",),
        "Trial balance, profit and loss, balance sheet, receivables aging.",
        in_bar=True,
    ),
    Screen(
        "Customers and catalogue",
        "Companies",
        "admin:crm_company_changelist",
        ("crm.view_company",),
        "B2B customers: terms, credit limits, price lists.",
        in_bar=True,
    ),
    Screen(
        "Customers and catalogue",
        "Products",
        "admin:catalogue_product_changelist",
        ("catalogue.view_product",),
        "The catalogue: titles, listings, images.",
    ),
    Screen(
        "Customers and catalogue",
        "Data quality",
        "data-quality:report",
        ("data_exchange.view_data_quality",),
        "What to fix: products without cost or barcode, bad SKUs, look-alike customers.",
    ),
    Screen(
        "Data in and out",
        "Import data",
        "admin:data_exchange_importjob_import",
        ("data_exchange.add_importjob",),
        "Products, stock, prices, customers, suppliers, sales history: dry run, then confirm.",
    ),
    Screen(
        "Data in and out",
        "Export data",
        "admin:data_exchange_importjob_export",
        ("data_exchange.view_importjob",),
        "Download records in the columns the import reads.",
    ),
    Screen(
        "People",
        "Staff accounts",
        "admin:auth_user_changelist",
        ("auth.view_user",),
        "Who works in the back office, and their roles.",
        in_bar=True,
    ),
)


def may_open(user: Any, screen: Screen) -> bool:
    return any(user.has_perm(permission) for permission in screen.permissions)


def screens_for(user: Any) -> list[Screen]:
    return [screen for screen in SCREENS if may_open(user, screen)]


def bar_for(user: Any) -> list[Screen]:
    """The screens of the bar on every page (the home page comes first)."""
    return [screen for screen in screens_for(user) if screen.in_bar]

"""Writes of purchasing: suppliers, purchase orders, receipts, bills, debit notes
and payments. Each public function checks its permission and is one transaction;
other apps call these, never the models."""

from purchasing.services.bills import (
    BillLineRequest,
    ReturnLineRequest,
    supplier_bill_approve,
    supplier_bill_enter,
    supplier_bill_reject,
    supplier_return,
)
from purchasing.services.errors import (
    DuplicateBill,
    OverReceipt,
    PurchaseOrderState,
    PurchasingError,
)
from purchasing.services.orders import (
    PURCHASE_ORDER_EMAIL,
    PurchaseLineRequest,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_send,
    purchase_order_update,
    supplier_create,
    supplier_item_set,
    supplier_update,
)
from purchasing.services.payments import supplier_payment_record
from purchasing.services.receiving import (
    ChargeRequest,
    ReceiptLineRequest,
    charges_allocate,
    purchase_order_receive,
)

__all__ = [
    "PURCHASE_ORDER_EMAIL",
    "BillLineRequest",
    "ChargeRequest",
    "DuplicateBill",
    "OverReceipt",
    "PurchaseLineRequest",
    "PurchaseOrderState",
    "PurchasingError",
    "ReceiptLineRequest",
    "ReturnLineRequest",
    "charges_allocate",
    "purchase_order_cancel",
    "purchase_order_create",
    "purchase_order_receive",
    "purchase_order_send",
    "purchase_order_update",
    "supplier_bill_approve",
    "supplier_bill_enter",
    "supplier_bill_reject",
    "supplier_create",
    "supplier_item_set",
    "supplier_payment_record",
    "supplier_return",
    "supplier_update",
]

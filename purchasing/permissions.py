"""Which permission each purchasing write needs (erp.roles gives them to roles).

Every service checks its own, so the admin, the receiving station, the API and
the demo all pass the same check.
"""

SUPPLIER_ADD = "purchasing.add_supplier"
SUPPLIER_CHANGE = "purchasing.change_supplier"
SUPPLIER_ITEM_SET = "purchasing.add_supplieritem"
PURCHASE_ORDER_ADD = "purchasing.add_purchaseorder"
#: send and cancel
PURCHASE_ORDER_CHANGE = "purchasing.change_purchaseorder"
#: receiving also needs inventory's own stock permission (inventory.services)
RECEIPT_ADD = "purchasing.add_receipt"
#: bills and debit notes
BILL_ADD = "purchasing.add_supplierbill"
BILL_APPROVE = "purchasing.approve_supplierbill"
PAYMENT_ADD = "purchasing.add_supplierpayment"

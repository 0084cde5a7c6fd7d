"""Staff roles: least-privilege permission sets, one Django group each.

A role grants model permissions by app (``"inventory"``: every model of the
app) or by model (``"order.order"``), with the actions listed; a model's own
permissions (``"override_credit_hold"``) are listed by codename. Permissions of
models that do not exist yet are skipped, so each app's later migrations call
:func:`sync_role_groups` again to extend the roles to their new models.
Superusers are outside the roles; only they manage groups and permissions.
Managers create staff accounts and give them the other roles (``erp.users``);
which permission each order operation needs is ``orders.services.permissions``.
"""

from typing import Any

ALL = ("view", "add", "change", "delete")
VIEW = ("view",)
EDIT = ("view", "add", "change")

#: the role that runs the back office; only superusers make or change Managers
MANAGER = "Manager"

ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    MANAGER: {
        "catalogue": ALL,
        "partner": ALL,
        "order": ALL,
        "offer": ALL,
        "voucher": ALL,
        "shipping": ALL,
        "inventory": ALL,
        "accounting": EDIT,
        "payment": VIEW,
        "crm": ALL,
        "crm.company": (*ALL, "override_credit_hold"),
        "hr": ALL,
        "purchasing": ALL,
        "purchasing.supplierbill": (*ALL, "approve_supplierbill"),
        "planning": ALL,
        "customer": VIEW,
        # consumer customers' addresses: importing customers (crm.services)
        "address.useraddress": EDIT,
        "address": VIEW,
        "auth.user": EDIT,
        "erp.workerheartbeat": VIEW,
        "erp.webhooksubscription": ALL,
        # change = "Retry now" on a failed delivery; the log itself is read-only
        "erp.webhookdelivery": ("view", "change"),
        "erp.outboxevent": VIEW,
        # change = "Retry now" on a failed side effect; the list itself is read-only
        "erp.sideeffect": ("view", "change"),
        # failed logins and the lockout (django-axes): delete = the "unlock" actions
        "axes.accessattempt": ("view", "delete"),
        "axes.accesslog": VIEW,
        # the legal and help pages of the storefront (erp.legal_pages)
        "flatpages": ALL,
        "data_exchange.dataqualityreport": ("view_data_quality",),
        # imports from the back office: every person's, not only their own
        "data_exchange.importjob": (*ALL, "view_every_importjob"),
    },
    "Warehouse": {
        "inventory": EDIT,
        "catalogue.product": VIEW,
        "catalogue.productimage": VIEW,
        "catalogue.category": VIEW,
        "partner.stockrecord": VIEW,
        # picking, packing and shipping need order.add/change_shipment; cancelling
        # (order.change_order) and authorising returns are Sales' and Manager's
        "order.order": VIEW,
        "order.line": VIEW,
        "order.shippingaddress": VIEW,
        "order.orderstatuschange": VIEW,
        "order.shipment": EDIT,
        "order.shipmentline": EDIT,
        "order.carrier": VIEW,
        "order.returnrequest": VIEW,  # receiving one needs inventory.add_stockmove
        "order.returnline": VIEW,
        "shipping": VIEW,
        # receiving against purchase orders (the goods, not the money)
        "purchasing.supplier": VIEW,
        "purchasing.purchaseorder": VIEW,
        "purchasing.purchaseorderline": VIEW,
        "purchasing.receipt": ("view", "add"),
        "purchasing.receiptline": VIEW,
        "purchasing.receiptcharge": ("view", "add"),
        # importing opening stock (which also needs inventory.add_stockmove); own imports
        "data_exchange.importjob": ("view", "add"),
    },
    "Purchasing": {
        "purchasing.supplier": EDIT,
        "purchasing.supplieritem": ALL,
        "purchasing.purchaseorder": EDIT,
        "purchasing.purchaseorderline": EDIT,
        "purchasing.receipt": VIEW,
        "purchasing.receiptline": VIEW,
        "purchasing.receiptcharge": VIEW,
        # entering bills and debit notes; approving held ones is Accounting's
        "purchasing.supplierbill": ("view", "add"),
        "purchasing.supplierbillline": ("view", "add"),
        "purchasing.supplierpayment": VIEW,
        "catalogue.product": VIEW,
        "catalogue.category": VIEW,
        "partner.stockrecord": VIEW,
        "inventory.warehouse": VIEW,
        "inventory.stock": VIEW,
        "inventory.stockmove": VIEW,
        # past sales for demand planning (imported sales history)
        "planning.demandhistory": EDIT,
        # importing suppliers, supplier items and sales history; own imports
        "data_exchange.importjob": ("view", "add"),
    },
    "Sales": {
        "crm": EDIT,
        "order.order": EDIT,
        "order.line": VIEW,
        "order.shippingaddress": EDIT,
        "order.billingaddress": EDIT,
        "order.ordernote": EDIT,
        "order.orderstatuschange": VIEW,
        "order.returnrequest": EDIT,
        "order.returnline": VIEW,
        "order.shipment": VIEW,
        "order.shipmentline": VIEW,
        "order.carrier": VIEW,
        "catalogue": EDIT,
        "partner": EDIT,
        "offer": ALL,
        "voucher": ALL,
        "customer": VIEW,
        "address": VIEW,
        "auth.user": VIEW,
        "inventory": VIEW,
        # the data-quality report: Sales keeps the catalogue and the customers
        "data_exchange.dataqualityreport": ("view_data_quality",),
        # importing products (the catalogue and its listings); own imports
        "data_exchange.importjob": ("view", "add"),
    },
    "Accounting": {
        "accounting": EDIT,
        "payment": VIEW,
        "order.order": VIEW,
        "order.line": VIEW,
        "crm": VIEW,
        "crm.company": ("view", "override_credit_hold"),
        "catalogue.product": VIEW,
        "partner.stockrecord": VIEW,
        # payables: approve held bills, pay suppliers
        "purchasing.supplier": VIEW,
        "purchasing.purchaseorder": VIEW,
        "purchasing.purchaseorderline": VIEW,
        "purchasing.receipt": VIEW,
        "purchasing.receiptline": VIEW,
        "purchasing.receiptcharge": VIEW,
        "purchasing.supplierbill": ("view", "add", "change", "approve_supplierbill"),
        "purchasing.supplierbillline": ("view", "add"),
        "purchasing.supplierpayment": ("view", "add"),
        # exports of what the role reads
        "data_exchange.importjob": VIEW,
    },
    "HR": {
        "hr": ALL,
        "auth.user": VIEW,
    },
}


def _ensure_permissions_exist(apps: Any) -> None:
    # Permissions are normally created after all migrations ran; a data
    # migration that assigns them must create them first.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def role_permissions(apps: Any, role: str) -> list[Any]:
    """The permission rows a role grants, resolved against ``apps``' models."""
    Permission = apps.get_model("auth", "Permission")
    granted = []
    for target, actions in ROLES[role].items():
        app_label, _, model = target.partition(".")
        permissions = Permission.objects.filter(content_type__app_label=app_label)
        if model:
            permissions = permissions.filter(content_type__model=model)
        for permission in permissions.select_related("content_type"):
            action = permission.codename.split("_", 1)[0]
            is_model_action = permission.codename == f"{action}_{permission.content_type.model}"
            if (is_model_action and action in actions) or permission.codename in actions:
                granted.append(permission)
    return granted


def sync_role_groups(apps: Any, schema_editor: Any = None) -> None:
    """Create the role groups and set each one's permissions exactly."""
    _ensure_permissions_exist(apps)
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(role_permissions(apps, role))

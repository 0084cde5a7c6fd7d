"""Which permission each order operation needs, in one table.

The services check it (``step_require``) before they write, whoever calls
them; screens ask ``step_allowed`` only to decide which buttons to offer.
With ``erp.roles`` that gives:

=====================  ==================================  =====================
operation              permission                          roles
=====================  ==================================  =====================
payment received       accounting.add_payment              Accounting, Manager
release credit hold    crm.override_credit_hold            Accounting, Manager
start picking, pack    order.add_shipment                  Warehouse, Manager
print a packing slip   order.add_shipment                  Warehouse, Manager
ship, deliver          order.change_shipment               Warehouse, Manager
cancel (staff)         order.change_order                  Sales, Manager
correct ship-to        order.change_shippingaddress        Sales, Manager
authorise/reject RMA   order.change_returnrequest          Sales, Manager
receive a return       order.view_returnrequest +          Warehouse, Manager
                       inventory.add_stockmove
return for a customer  order.add_returnrequest             Sales, Manager
=====================  ==================================  =====================

Customers cancel and return their own orders (the services check that the
order is theirs); ``erp.permissions.SYSTEM`` may do everything.
"""

from typing import Any, NamedTuple

from erp.permissions import PermissionRefused, has_permissions, is_system, permission_require


class Step(NamedTuple):
    permissions: tuple[str, ...]
    doing: str


STEPS: dict[str, Step] = {
    "paid": Step(("accounting.add_payment",), "record payments"),
    "release_credit": Step(("crm.override_credit_hold",), "release orders from credit hold"),
    "pick": Step(("order.add_shipment",), "start picking"),
    "pack": Step(("order.add_shipment",), "pack parcels"),
    "packing_slip": Step(("order.add_shipment",), "print packing slips"),
    "ship": Step(("order.change_shipment",), "ship parcels"),
    "deliver": Step(("order.change_shipment",), "mark parcels delivered"),
    "cancel": Step(("order.change_order",), "cancel orders"),
    "correct_address": Step(("order.change_shippingaddress",), "correct shipping addresses"),
    "authorise_return": Step(("order.change_returnrequest",), "authorise or reject returns"),
    "receive_return": Step(
        ("order.view_returnrequest", "inventory.add_stockmove"), "receive returns into stock"
    ),
    "request_return": Step(("order.add_returnrequest",), "open returns for customers"),
}


def step_require(user: Any, step: str) -> None:
    """Refuse (``PermissionRefused``) unless ``user`` may do ``step``."""
    permission_require(user, *STEPS[step].permissions, doing=STEPS[step].doing)


def step_allowed(user: Any, step: str) -> bool:
    return has_permissions(user, *STEPS[step].permissions)


def owner_or_step_require(user: Any, order: Any, step: str) -> None:
    """The order's own customer may; anyone else needs ``step``'s permission."""
    if is_system(user):
        return
    if getattr(user, "is_authenticated", False) and order.user_id == user.pk:
        return
    step_require(user, step)


__all__ = ["STEPS", "PermissionRefused", "owner_or_step_require", "step_allowed", "step_require"]

"""Where Oscar's loader finds the shipping rules (``get_class("shipping.repository")``).

The rules live below the storefront, in ``orders.shipping``, so the order
service imports them directly; this module only re-exports them.
"""

from orders.shipping import Repository

__all__ = ["Repository"]

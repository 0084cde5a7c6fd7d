"""Where Oscar's loader finds the strategy (``get_class("partner.strategy")``).

The strategy itself lives below the storefront, in ``orders.pricing``, so the
order service imports it directly; this module only re-exports it.
"""

from orders.pricing import Selector

__all__ = ["Selector"]

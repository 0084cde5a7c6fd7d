"""Fork of Oscar's ``partner`` app: the storefront's Selector and Strategy.

``StockRecord`` stays Oscar's and means the sellable listing (SKU, list price,
currency). Availability and price come from ``orders.pricing`` (re-exported
by ``shop.partner.strategy`` for Oscar's loader); Oscar's
``num_in_stock``/``num_allocated`` are never read or written (the stock truth
is ``inventory``), so Oscar's stock-alert receivers are not connected.
"""

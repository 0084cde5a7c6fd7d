"""Inventory: the single truth about stock.

Owns warehouses, per-warehouse stock rows (on hand, allocated), the append-only
stock-move ledger, allocations of order lines to stock, receiving, transfers,
counts and moving-average costing. It is the only writer of stock: Oscar's
``num_in_stock``/``num_allocated`` are never used as a second copy.
"""

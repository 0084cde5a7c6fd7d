"""Orders: Oscar's ``order`` app, forked (the app label stays ``order``).

Sales orders from every channel (web, B2B, staff-entered, API) are the same
``Order`` rows, created through one placement service. The package also owns
what happens to an order after that: fulfilment (allocating stock through
``inventory``, pick, pack, ship, tracking, delivery), cancellations, shipping
address corrections, returns, credit control for orders on account, the
payment gateways, the order's postings to the books (through ``accounting``),
packing slips, and the orders API.

Purchasing (suppliers' purchase orders, receipts, replenishment) is not here:
it gets its own ``purchasing`` app beside this one, which already has its slot
in the layer contract (``pyproject.toml``).
"""

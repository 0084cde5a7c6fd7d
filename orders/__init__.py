"""Orders: Oscar's ``order`` app, forked (the app label stays ``order``).

Sales orders from every channel (web, B2B, staff-entered, API) are the same
``Order`` rows, created through one placement service. This package will also
own fulfilment (allocation, pick, pack, ship, tracking), returns, and
purchasing (suppliers' purchase orders, receipts, replenishment).
"""

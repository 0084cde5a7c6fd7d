"""Fork of Oscar's ``shipping`` app: shipping methods come from the database.

Staff configure them in the back office (Oscar's "order and item charges":
a price per order, per item, and a free-shipping threshold, optionally limited
to some countries). The schema is Oscar's own, so are the migrations.
"""

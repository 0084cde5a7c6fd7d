"""Shop: the django-oscar storefront adapter.

Forks of Oscar's ``partner`` and ``shipping`` (thin modules re-exporting, for
Oscar's loader, the strategy and shipping rules that live in ``orders.pricing``
and ``orders.shipping``), ``basket`` (a line stores its price for its quantity)
and ``search`` (browse and search on PostgreSQL), the storefront
root config without Oscar's dashboard, the checkout and the customer account
pages, the storefront templates and the demo data.
"""

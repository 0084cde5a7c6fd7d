"""Shop: the django-oscar storefront adapter.

Forks of Oscar's ``partner`` (Selector/Strategy: the ERP's availability and the
buyer's price) and ``search`` (browse and search on PostgreSQL), the storefront
root config without Oscar's dashboard, the checkout and the customer account
pages, the storefront templates and the demo data.
"""

"""Build the demo business: ``python manage.py seed_demo`` (idempotent)."""

from typing import Any

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand, CommandParser

from erp.demo import seed_users
from shop.demo.b2b import b2b_delivered_orders, seed_b2b_accounts, seed_b2b_open_orders
from shop.demo.catalogue import demo_products, seed_catalogue
from shop.demo.countries import seed_countries
from shop.demo.inventory import seed_stock
from shop.demo.ledger import seed_ledger
from shop.demo.legal import seed_legal_pages
from shop.demo.orders import seed_orders, seed_shipping_methods


class Command(BaseCommand):
    help = "Create the demo business (catalogue, stock, countries, logins); reuses what exists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-demo-users",
            action="store_true",
            help="Create the demo logins even with DEBUG off (they have public passwords).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        Site.objects.update_or_create(
            pk=settings.SITE_ID,
            defaults={"domain": f"127.0.0.1:{settings.PORT}", "name": settings.OSCAR_SHOP_NAME},
        )
        countries = seed_countries()
        products = seed_catalogue()
        stocked = seed_stock(demo_products())
        self.stdout.write(
            f"demo data: {products} products, {countries} shipping countries, "
            f"stock history for {stocked} new products"
        )
        seed_shipping_methods()
        legal = seed_legal_pages()
        self.stdout.write(f"demo legal and help pages: {legal} filled with demo text")
        if settings.DEBUG or options["with_demo_users"]:
            logins = seed_users()
            self.stdout.write(f"demo logins: {len(logins)}")
        else:
            self.stdout.write("demo logins skipped (DEBUG is off; use --with-demo-users)")
        b2b = seed_b2b_accounts()
        b2b_past = b2b_delivered_orders(b2b)
        # retail and B2B orders in one story, oldest first (invoice numbers follow dates)
        orders = seed_orders(also=b2b_past) - len(b2b_past)
        self.stdout.write(f"demo orders: {orders} new, in every state of the pipeline")
        b2b_orders = len(b2b_past) + seed_b2b_open_orders(b2b)
        self.stdout.write(f"demo B2B accounts: 2 companies, {b2b_orders} new orders on account")
        entries = seed_ledger()
        self.stdout.write(f"demo bookkeeping: {entries} new entries (capital, wages, rent)")

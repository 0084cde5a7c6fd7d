from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Storefront"

    def ready(self) -> None:
        from shop import analytics

        analytics.connect()

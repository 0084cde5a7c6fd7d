from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Storefront"

    def ready(self) -> None:
        from shop import analytics, oscar_admin

        analytics.connect()
        oscar_admin.register()

from oscar.apps.order import apps


class OrderConfig(apps.OrderConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        super().ready()
        from django.db.models.signals import post_delete, post_save
        from oscar.core.loading import get_model

        from orders.offers import site_offers_forget

        for signal in (post_save, post_delete):
            signal.connect(
                site_offers_forget,
                sender=get_model("offer", "ConditionalOffer"),
                dispatch_uid=f"site-offers-{signal is post_save}",
            )

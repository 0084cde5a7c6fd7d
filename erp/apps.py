from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = "Kontor"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from erp.db import lookups
        from erp.models import WebhookSubscription
        from erp.services.outbox import subscribed_events_forget

        lookups.register()
        for signal in (post_save, post_delete):
            signal.connect(
                subscribed_events_forget,
                sender=WebhookSubscription,
                dispatch_uid=f"subscribed-events-{signal is post_save}",
            )


class KontorAdminConfig(AdminConfig):
    """django.contrib.admin, with the back office's own site."""

    default_site = "erp.admin_site.BackOfficeSite"

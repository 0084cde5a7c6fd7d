from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """Cross-app read screens of the back office: the role home pages."""

    name = "backoffice"
    label = "backoffice"
    verbose_name = "Back office"

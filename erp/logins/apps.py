from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig


class LoginLockoutConfig(AxesAppConfig):
    """django-axes, named for the back office."""

    verbose_name = "Login lockouts"


class LoginsConfig(AppConfig):
    name = "erp.logins"
    label = "logins"
    verbose_name = "Logins"

    def ready(self) -> None:
        from erp.logins import passwords

        passwords.connect()

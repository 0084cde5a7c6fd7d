from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = "Kontor"


class KontorAdminConfig(AdminConfig):
    """django.contrib.admin, with the back office's own site."""

    default_site = "erp.admin_site.BackOfficeSite"

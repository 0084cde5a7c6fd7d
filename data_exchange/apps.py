from django.apps import AppConfig


class DataExchangeConfig(AppConfig):
    name = "data_exchange"
    label = "data_exchange"
    verbose_name = "Data import and export"
    default_auto_field = "django.db.models.BigAutoField"

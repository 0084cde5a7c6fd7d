from oscar.apps.order import apps


class OrderConfig(apps.OrderConfig):
    name = "orders"
    verbose_name = "Orders"

from oscar.apps.partner import apps


class PartnerConfig(apps.PartnerConfig):
    name = "shop.partner"

    def ready(self) -> None:
        # Oscar's receivers maintain low-stock alerts from num_in_stock, which
        # this project never uses; inventory owns stock and its alerts.
        pass

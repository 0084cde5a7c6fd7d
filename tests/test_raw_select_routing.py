"""The hand-written SELECTs (``erp.db.raw_select``) of every app ask the database
router where to run, as their ORM equivalents would: reads where reads go (a read
replica, once a router sends them there), the stock lock where writes go."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from oscar.core.loading import get_model
from rest_framework.authtoken.models import Token

from crm.models import Buyer
from crm.selectors import company_for
from erp.api.authentication import TokenAuthentication
from inventory import lock_objects
from inventory.models import Stock
from orders.selectors import basket_lines_for_placement, public_listings_by_sku
from tests.factories import CompanyFactory, ProductFactory, UserFactory, buyer_for

Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


class RecordingRouter:
    """Sends everything to ``default`` and notes which model each read or write asked for."""

    calls: list[tuple[str, type, dict]] = []

    def db_for_read(self, model: type, **hints: object) -> str:
        self.calls.append(("read", model, hints))
        return "default"

    def db_for_write(self, model: type, **hints: object) -> str:
        self.calls.append(("write", model, hints))
        return "default"


def routed(call):
    RecordingRouter.calls = []
    with override_settings(DATABASE_ROUTERS=[f"{__name__}.RecordingRouter"]):
        result = call()
    return result, RecordingRouter.calls


def test_every_hand_written_select_asks_the_router():
    buyer = buyer_for(CompanyFactory(), "anna")
    tent = ProductFactory(stock=5)
    token = Token.objects.create(user=UserFactory())
    basket = Basket.objects.create(owner=buyer)
    BasketLine.objects.create(
        basket=basket,
        product=tent,
        stockrecord=tent.stockrecords.get(),
        quantity=1,
        line_reference="tent",
    )
    sku = tent.stockrecords.get().partner_sku

    company, calls = routed(lambda: company_for(buyer))
    assert company is not None and calls == [("read", Buyer, {})]

    (user, _), calls = routed(lambda: TokenAuthentication().authenticate_credentials(token.key))
    assert user == token.user and calls == [("read", Token, {})]

    listings, calls = routed(lambda: public_listings_by_sku([sku]))
    assert len(listings) == 1 and calls == [("read", StockRecord, {})]

    lines, calls = routed(lambda: basket_lines_for_placement(basket))
    assert len(lines) == 1 and calls == [("read", BasketLine, {"instance": basket})]

    with transaction.atomic():
        locked, calls = routed(lambda: lock_objects.sellable_stock_for_update([tent.pk]))
    assert len(locked) == 1 and calls == [("write", Stock, {})]
    assert {row._state.db for row in [company, user, *listings, *lines, *locked]} == {"default"}
    assert get_user_model() is type(user)

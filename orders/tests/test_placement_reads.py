"""What order placement reads: options, vouchers and site offers when there are
some, nothing when there are none; and no savepoint inside a caller's transaction."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import OptionFactory, create_offer, create_voucher

from orders import offers
from orders.pricing import Selector
from orders.services import order_place_from_basket
from tests.factories import ProductFactory, UserFactory, place_order, shipping_address

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
ConditionalOffer = get_model("offer", "ConditionalOffer")


def _reads(queries: CaptureQueriesContext, table: str) -> list[str]:
    """Statements reading ``table`` itself, not in a subquery of another read."""
    found = []
    for query in queries.captured_queries:
        outer = query["sql"]
        while "(" in outer:  # drop parenthesised parts: subqueries, column lists
            stripped = re.sub(r"\([^()]*\)", "", outer)
            if stripped == outer:
                break
            outer = stripped
        if outer.startswith("SELECT") and f'FROM "{table}"' in outer:
            found.append(query["sql"])
    return found


def _basket(user, items, vouchers=()):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Selector().strategy(user=user)
    for product, quantity, options in items:
        basket.add_product(product, quantity, options=options)
    for voucher in vouchers:
        basket.vouchers.add(voucher)
    return Basket.objects.get(pk=basket.pk)  # as a later request loads it


def _place(basket, user):
    basket.strategy = Selector().strategy(user=user)
    return order_place_from_basket(
        basket=basket,
        shipping_address=shipping_address(),
        user=user,
        guest_email="" if user else "guest@example.com",
    )


@pytest.fixture(autouse=True)
def _offers_forgotten():
    offers.site_offers_forget()


def test_a_plain_order_reads_no_options_vouchers_or_offers_and_takes_no_savepoint():
    tent = ProductFactory(stock=5)
    # this process now knows that no site offer runs; the payment type exists
    place_order([(tent, 1)], payment_method="bank_transfer")
    basket = _basket(None, [(tent, 2, [])])

    with CaptureQueriesContext(connection) as queries:
        order = _place(basket, None)

    assert order.lines.get().quantity == 2
    for table in ("basket_lineattribute", "voucher_voucher", "offer_conditionaloffer"):
        assert _reads(queries, table) == [], table
    # inside the caller's transaction (here the test's) no savepoint is taken,
    # neither for the placement nor for place_order or the stock allocation
    assert not [q for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]


def test_a_line_option_reaches_the_order_line():
    engraving = OptionFactory(name="Engraving", code="engraving")
    knife = ProductFactory(stock=5)
    tent = ProductFactory(stock=5)
    basket = _basket(
        None,
        [(knife, 1, [{"option": engraving, "value": "Anna"}]), (tent, 1, [])],
    )

    order = _place(basket, None)

    lines = {line.product_id: line for line in order.lines.all()}
    assert [(a.type, a.value) for a in lines[knife.pk].attributes.all()] == [("engraving", "Anna")]
    assert not lines[tent.pk].attributes.exists()


def test_a_voucher_in_the_basket_is_applied_and_its_use_recorded():
    customer = UserFactory()
    voucher = create_voucher(code="WINTER")  # Oscar's: 20 % off everything
    tent = ProductFactory(listing=Decimal("100.00"), stock=5)
    basket = _basket(customer, [(tent, 1, [])], vouchers=[voucher])

    order = _place(basket, customer)

    assert order.total_incl_tax == Decimal("80.00")
    (discount,) = order.discounts.all()
    assert (discount.voucher_code, discount.amount) == ("WINTER", Decimal("20.00"))
    voucher.refresh_from_db()
    assert voucher.num_orders == 1
    assert voucher.applications.get().order == order


def test_a_site_offer_saved_in_this_process_applies_to_the_next_order_at_once():
    tent = ProductFactory(listing=Decimal("100.00"), stock=5)
    assert place_order([(tent, 1)]).total_incl_tax == Decimal("100.00")

    offer = create_offer(name="Winter sale")  # 20 % off, saved here: forgotten at once
    assert place_order([(tent, 1)]).total_incl_tax == Decimal("80.00")

    offer.status = ConditionalOffer.SUSPENDED
    offer.save()
    assert place_order([(tent, 1)]).total_incl_tax == Decimal("100.00")


def test_offer_dates_count_at_the_moment_of_the_order_not_when_remembered(monkeypatch):
    tent = ProductFactory(listing=Decimal("100.00"), stock=5)
    now = timezone.now()
    create_offer(name="Tomorrow", start=now + timedelta(days=1), end=now + timedelta(days=2))
    assert place_order([(tent, 1)]).total_incl_tax == Decimal("100.00")

    # a day later, within the time this process remembers the offers
    monkeypatch.setattr(offers.timezone, "now", lambda: now + timedelta(days=1, hours=1))
    assert offers.site_offer_running()
    monkeypatch.setattr(offers.timezone, "now", lambda: now + timedelta(days=3))
    assert not offers.site_offer_running()


def test_an_offer_opened_by_another_process_applies_once_the_memory_expires(monkeypatch):
    tent = ProductFactory(listing=Decimal("100.00"), stock=5)
    offer = create_offer(name="Flash sale", status=ConditionalOffer.SUSPENDED)
    assert place_order([(tent, 1)]).total_incl_tax == Decimal("100.00")

    # another process opens it: no signal reaches this one
    ConditionalOffer.objects.filter(pk=offer.pk).update(status=ConditionalOffer.OPEN)
    assert place_order([(tent, 1)]).total_incl_tax == Decimal("100.00")

    clock = offers.time.monotonic() + offers.SITE_OFFERS_TTL_SECONDS + 1
    monkeypatch.setattr(offers.time, "monotonic", lambda: clock)
    assert place_order([(tent, 1)]).total_incl_tax == Decimal("80.00")


def test_a_refusal_inside_a_callers_transaction_rolls_all_of_it_back():
    from django.db import transaction

    from inventory.services import InsufficientStock

    tent = ProductFactory(stock=1)
    basket = _basket(None, [(tent, 2, [])])
    with pytest.raises(InsufficientStock), transaction.atomic():
        kept = ProductFactory(title="Written by the caller before placing")
        _place(basket, None)
    # no savepoint: the caller's own write went with the refused order
    assert not type(kept).objects.filter(pk=kept.pk).exists()

    # a caller that goes on after a refusal takes its own savepoint
    with transaction.atomic():
        kept = ProductFactory(title="Kept")
        with pytest.raises(InsufficientStock), transaction.atomic():
            _place(basket, None)
        assert type(kept).objects.filter(pk=kept.pk).exists()


def _values(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_hand_written_lines_query_loads_what_select_related_loads():
    from orders.selectors import basket_lines_for_placement

    Product = get_model("catalogue", "Product")
    engraving = OptionFactory(name="Engraving", code="engraving")
    tent = ProductFactory(stock=5)
    parent = ProductFactory(structure="parent")
    variant = ProductFactory(structure="child", parent=parent, product_class=None, stock=5)
    Product.objects.filter(pk=variant.pk).update(upc=None)  # Oscar reads NULL back as ""
    voucher = create_voucher(code="SPRING")
    basket = _basket(
        None,
        [(tent, 2, [{"option": engraving, "value": "Anna"}]), (variant, 1, [])],
        vouchers=[voucher],
    )

    raw = basket_lines_for_placement(basket)
    orm = list(
        basket.lines.select_related("product__product_class", "stockrecord__partner").order_by("pk")
    )

    assert [line.pk for line in raw] == [line.pk for line in orm]
    for mine, theirs in zip(raw, orm, strict=True):
        assert _values(mine) == _values(theirs)
        assert _values(mine.product) == _values(theirs.product)
        assert mine.basket is basket
        if theirs.product.product_class is None:
            assert mine.product.product_class is None
        else:
            assert _values(mine.product.product_class) == _values(theirs.product.product_class)
        assert _values(mine.stockrecord) == _values(theirs.stockrecord)
        assert _values(mine.stockrecord.partner) == _values(theirs.stockrecord.partner)
        assert mine.basket_has_vouchers
    assert [line.has_attributes for line in raw] == [True, False]
    assert raw[1].product.upc == ""
    assert not raw[0]._state.adding and raw[0]._state.db == "default"


def test_listings_by_sku_load_what_select_related_loads():
    from orders.selectors import public_listings_by_sku

    StockRecord = get_model("partner", "StockRecord")
    tent = ProductFactory()
    parent = ProductFactory(structure="parent")
    variant = ProductFactory(structure="child", parent=parent, product_class=None)
    hidden = ProductFactory(is_public=False)
    skus = [p.stockrecords.get().partner_sku for p in (tent, variant, hidden)]

    raw = sorted(public_listings_by_sku([*skus, "NO-SUCH-SKU"]), key=lambda r: r.pk)
    orm = list(
        StockRecord.objects.filter(partner_sku__in=skus, product__is_public=True)
        .select_related("product__product_class", "product__parent__product_class", "partner")
        .order_by("pk")
    )

    assert [r.partner_sku for r in raw] == skus[:2]  # not the hidden product, not unknown SKUs
    for mine, theirs in zip(raw, orm, strict=True):
        assert _values(mine) == _values(theirs)
        assert _values(mine.product) == _values(theirs.product)
        assert _values(mine.partner) == _values(theirs.partner)
        assert mine.product.get_product_class().pk == theirs.product.get_product_class().pk
        assert mine.product.get_title() == theirs.product.get_title()
    assert raw[1].product.parent.pk == parent.pk
    assert raw[0].product.parent is None

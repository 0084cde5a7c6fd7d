"""factory_boy factories for the models tests build most often."""

from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from oscar.core.loading import get_model

from erp.permissions import SYSTEM


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class ProductClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_model("catalogue", "ProductClass")
        django_get_or_create = ("slug",)

    name = "Goods"
    slug = "goods"
    requires_shipping = True
    track_stock = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_model("catalogue", "Category")

    name = factory.Sequence(lambda n: f"Category {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.add_root(kwargs)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_model("partner", "Partner")
        django_get_or_create = ("code",)

    code = "kontor"
    name = "Kontor Demo Store"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_model("catalogue", "Product")
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Trail Product {n}")
    upc = factory.Sequence(lambda n: f"9{n:012d}")
    description = "A sturdy product for the trail."
    product_class = factory.SubFactory(ProductClassFactory)
    structure = "standalone"
    is_public = True

    @factory.post_generation
    def listing(self, create: bool, extracted: Decimal | None, **kwargs: object) -> None:
        """Every product gets its sellable listing (SKU + list price)."""
        if not create:
            return
        get_model("partner", "StockRecord").objects.create(
            product=self,
            partner=PartnerFactory(),
            partner_sku=f"SKU-{self.upc}",
            price=extracted if extracted is not None else Decimal("19.95"),
            price_currency=settings.OSCAR_DEFAULT_CURRENCY,
        )

    @factory.post_generation
    def stock(self, create: bool, extracted: int | None, **kwargs: object) -> None:
        """``ProductFactory(stock=10)`` receives 10 units into the MAIN warehouse."""
        if not create or not extracted:
            return
        from inventory.services import stock_receive

        stock_receive(
            user=SYSTEM,
            product=self,
            warehouse=WarehouseFactory(code="MAIN", priority=1),
            quantity=extracted,
            unit_cost=Decimal("5.00"),
        )


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inventory.Warehouse"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"WH-{n}")
    name = factory.LazyAttribute(lambda warehouse: f"Warehouse {warehouse.code}")
    is_sellable = True
    priority = factory.Sequence(lambda n: 10 + n)


class OrderFactory(factory.django.DjangoModelFactory):
    """A bare order row (no allocation): for tests of what happens after placement."""

    class Meta:
        model = get_model("order", "Order")

    number = factory.Sequence(lambda n: f"T{n:06d}")
    currency = "EUR"
    total_incl_tax = Decimal("0")
    total_excl_tax = Decimal("0")
    status = "Pending"


class LineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_model("order", "Line")

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    title = factory.LazyAttribute(lambda line: line.product.title)
    partner_sku = factory.LazyAttribute(lambda line: f"SKU-{line.product.upc}")
    quantity = 1
    line_price_incl_tax = Decimal("0")
    line_price_excl_tax = Decimal("0")
    line_price_before_discounts_incl_tax = Decimal("0")
    line_price_before_discounts_excl_tax = Decimal("0")
    num_allocated = 0


def shipping_address(**overrides: object) -> object:
    """An unsaved shipping address in Germany."""
    Country = get_model("address", "Country")
    country, _ = Country.objects.get_or_create(
        iso_3166_1_a2="DE",
        defaults={"printable_name": "Germany", "name": "Germany", "is_shipping_country": True},
    )
    fields = {
        "first_name": "Erika",
        "last_name": "Mustermann",
        "line1": "Heidestraße 17",
        "line4": "Köln",
        "postcode": "51147",
        "country": country,
        **overrides,
    }
    return get_model("order", "ShippingAddress")(**fields)


TEST_CARD = "4242424242424242"


def place_order(
    items: list[tuple[object, int]],
    user: object = None,
    payment_method: str = "test_card",
    card_number: str = TEST_CARD,
    channel: str = "web",
    shipping_method: object = None,
    customer_reference: str = "",
) -> object:
    """Place an order for ``[(product, quantity), ...]`` through the real placement path."""
    from orders.payment_gateways import CardDetails
    from orders.pricing import Selector
    from orders.services import order_place_from_basket

    basket = get_model("basket", "Basket").objects.create(owner=user)
    basket.strategy = Selector().strategy(user=user)
    for product, quantity in items:
        basket.add_product(product, quantity)
    card = CardDetails(card_number, 12, 2030, "123") if payment_method == "test_card" else None
    with transaction.atomic():  # tests go on after a refusal
        return order_place_from_basket(
            basket=basket,
            shipping_address=shipping_address(),
            user=user,
            guest_email="" if user else "guest@example.com",
            payment_method=payment_method,
            card=card,
            channel=channel,
            shipping_method=shipping_method,
            customer_reference=customer_reference,
        )


class PriceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.PriceList"

    name = factory.Sequence(lambda n: f"Price list {n}")
    currency = "EUR"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.Company"

    name = factory.Sequence(lambda n: f"Company {n} GmbH")
    billing_address = "Industriestraße 1\n70565 Stuttgart\nGermany"
    email = factory.LazyAttribute(
        lambda company: f"accounts@company{company.name.split()[1]}.example"
    )
    payment_terms = 30
    credit_limit = Decimal("5000.00")
    price_list = factory.SubFactory(PriceListFactory)


def buyer_for(company: object, username: str) -> object:
    """A login that buys for ``company``."""
    from crm.models import Buyer

    user = UserFactory(username=username, email=f"{username}@example.com")
    Buyer.objects.create(user=user, company=company)
    return user

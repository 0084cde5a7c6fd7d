"""factory_boy factories for the models tests build most often."""

from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from oscar.core.loading import get_model


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

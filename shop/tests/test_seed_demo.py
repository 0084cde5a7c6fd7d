import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from oscar.core.loading import get_model

from shop.demo.catalogue import ean13, product_specs

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def test_ean13_check_digit():
    assert ean13("400638133393") == "4006381333931"
    assert ean13("978020137962") == "9780201379624"


def test_specs_are_deterministic_and_unique():
    first, second = product_specs(), product_specs()

    assert first == second
    assert len(first) == 200
    assert len({spec.upc for spec in first}) == 200
    assert len({spec.sku for spec in first}) == 200
    assert len({spec.title for spec in first}) == 200


def test_seed_demo_builds_the_business_and_a_second_run_reuses_it(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True  # demo logins are created in development only

    call_command("seed_demo")
    counts = (Product.objects.count(), Category.objects.count(), ProductImage.objects.count())
    call_command("seed_demo")

    assert counts == (200, 10, 200)
    assert (
        Product.objects.count(),
        Category.objects.count(),
        ProductImage.objects.count(),
    ) == counts
    assert StockRecord.objects.filter(price__gt=0, price_currency="EUR").count() == 200
    assert set(Country.objects.filter(is_shipping_country=True).values_list("pk", flat=True)) >= {
        "DE",
        "FR",
        "GB",
        "US",
        "IE",
        "PL",
    }
    assert Country.objects.filter(is_shipping_country=True).count() == 29
    image = ProductImage.objects.first()
    assert (tmp_path / image.original.name).stat().st_size > 5000
    from inventory.models import StockMove, Warehouse
    from inventory.selectors import available_to_promise, stock_drift

    assert list(Warehouse.objects.values_list("code", "is_sellable")) == [
        ("BER-1", True),
        ("HAM-1", True),
        ("RET-Q", False),
    ]
    atp = available_to_promise(Product.objects.values_list("pk", flat=True))
    assert sum(1 for units in atp.values() if units == 0) == 6
    assert sum(1 for units in atp.values() if 0 < units <= 5) == 8
    assert StockMove.objects.filter(kind="receipt").count() >= 300
    assert stock_drift() == []
    from oscar.core.loading import get_model as model

    from orders import statuses

    orders = model("order", "Order").objects
    assert set(orders.values_list("status", flat=True)) == set(statuses.PIPELINE)
    assert orders.count() == 13
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="customer@example.com").is_staff is False
    assert list(users.get(username="warehouse").groups.values_list("name", flat=True)) == [
        "Warehouse"
    ]


def test_demo_logins_are_skipped_when_debug_is_off(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = False

    call_command("seed_demo")

    assert not get_user_model().objects.filter(username="admin").exists()

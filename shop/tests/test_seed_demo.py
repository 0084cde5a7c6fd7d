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
    from accounting.models import Invoice, JournalLine
    from accounting.selectors import account_for_role, trial_balance
    from crm.models import Company
    from data_exchange.quality import quality_summary
    from erp.permissions import SYSTEM
    from inventory.models import ProductSpecification, StockMove, Warehouse
    from inventory.selectors import available_to_promise, stock_drift
    from orders import statuses
    from orders.services.credit import credit_position
    from purchasing.models import PurchaseOrder, SupplierBill, SupplierPayment

    Order = get_model("order", "Order")
    settings.MEDIA_ROOT = tmp_path
    users = get_user_model().objects

    settings.DEBUG = False  # production: no demo logins with public passwords
    call_command("seed_demo")
    assert not users.filter(username="admin").exists()
    counts = (
        Product.objects.count(),
        Category.objects.count(),
        ProductImage.objects.count(),
        Order.objects.count(),
        Invoice.objects.count(),
    )
    settings.DEBUG = True
    call_command("seed_demo")  # adds the logins, and the B2B buyers' orders
    with_buyers = (Order.objects.count(), Invoice.objects.count())
    call_command("seed_demo")

    assert counts == (200, 10, 200, 53, counts[4])  # 40 history orders + 13 in every state
    assert with_buyers == (53 + 6, counts[4] + 4)  # 4 delivered B2B orders are invoiced
    counts = (*counts[:3], *with_buyers)
    assert (
        Product.objects.count(),
        Category.objects.count(),
        ProductImage.objects.count(),
        Order.objects.count(),
        Invoice.objects.count(),
    ) == counts
    assert StockRecord.objects.filter(price__gt=0, price_currency="EUR").count() == 200
    specified = ProductSpecification.objects.filter(
        weight_kg__gt=0, length_cm__gt=0, width_cm__gt=0, height_cm__gt=0, standard_cost__gt=0
    )
    assert specified.count() == 200  # once each, however often the seed runs
    report = {line.check.code: line.count for line in quality_summary(user=SYSTEM)}
    assert report["products-without-cost"] == report["products-without-weight"] == 0
    assert report["invalid-barcodes"] == report["duplicate-barcodes"] == 0
    shipping = set(Country.objects.filter(is_shipping_country=True).values_list("pk", flat=True))
    assert len(shipping) == 29
    assert shipping >= {"DE", "FR", "GB", "US", "IE", "PL"}
    image = ProductImage.objects.first()
    assert (tmp_path / image.original.name).stat().st_size > 5000
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
    assert set(Order.objects.values_list("status", flat=True)) == set(statuses.PIPELINE)
    call_command("ledger_audit")  # also: GRNI and payables agree with purchasing's documents
    assert set(PurchaseOrder.objects.values_list("status", flat=True)) == {
        "draft",
        "sent",
        "partially_received",
        "received",
        "billed",
    }
    assert SupplierBill.objects.filter(status="on_hold").count() == 1
    assert SupplierPayment.objects.exists()
    assert not JournalLine.objects.filter(
        entry__kind="demo", account=account_for_role("grni")
    ).exists()  # GRNI is cleared by bills, never by hand
    rows = trial_balance()
    assert sum(r.debit for r in rows) == sum(r.credit for r in rows) > 0
    assert Invoice.objects.filter(kind="invoice").count() >= 40
    assert Invoice.objects.filter(kind="credit_note").count() == 1
    assert users.get(username="admin").is_superuser
    assert users.get(username="customer@example.com").is_staff is False
    nordwerk = Company.objects.get(name="Nordwerk Schulbedarf AG")
    position = credit_position(nordwerk)
    assert 0 < position.available < 600  # close to its limit
    held = Order.objects.get(status=statuses.CREDIT_HOLD)
    assert held.user.buyer.company == nordwerk
    alpine = users.get(username="buyer@alpine.example").buyer.company
    assert (alpine.payment_terms, nordwerk.payment_terms) == (30, 15)
    assert alpine.price_list != nordwerk.price_list
    assert Invoice.objects.filter(order__user__buyer__company=nordwerk).count() == 2
    assert list(users.get(username="warehouse").groups.values_list("name", flat=True)) == [
        "Warehouse"
    ]

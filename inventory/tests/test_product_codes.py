"""The SKU policy and barcode rules: one normaliser, enforced by PostgreSQL, used by
every lookup, the admin and the migration that cleaned existing SKUs."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from inventory.models import SkuRepair
from inventory.product_codes import (
    CodeError,
    barcode_clean,
    normalise_sku,
    sku_clean,
    sku_is_normal,
)
from inventory.selectors import product_by_barcode, product_by_sku
from tests.factories import PartnerFactory, ProductFactory, StaffFactory

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("tnt-01", "TNT-01"),
        ("  tnt 01 ", "TNT-01"),
        ("TNT_01", "TNT-01"),
        ("tnt -- _ 01", "TNT-01"),
        ("ＴＮＴ０１", "TNT01"),  # full-width letters fold to ASCII
        ("a.b/c-1", "A.B/C-1"),
        ("-x-", "X"),
    ],
)
def test_skus_typed_several_ways_normalise_to_one(typed, stored):
    assert normalise_sku(typed) == stored
    assert sku_clean(typed) == stored
    assert sku_is_normal(stored)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "A SKU is required."),
        ("Zelt#1", "may contain only letters A-Z, digits"),
        ("ZELT-Ä", "may contain only letters A-Z, digits"),
        ("A..B", "may contain only letters A-Z, digits"),
        ("X" * 65, "longer than 64 characters"),
    ],
)
def test_skus_that_break_the_policy_are_refused_with_the_reason(typed, message):
    with pytest.raises(CodeError, match=message):
        sku_clean(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("4006381333931", "4006381333931"),  # EAN-13
        ("4006 3813 3393 1", "4006381333931"),
        ("036000291452", "036000291452"),  # UPC-A
        ("96385074", "96385074"),  # EAN-8
    ],
)
def test_valid_barcodes_are_kept_as_digits(typed, stored):
    assert barcode_clean(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("4006381333932", "wrong check digit for an EAN-13 \\(it should end in 1\\)"),
        ("036000291453", "wrong check digit for an UPC-A"),
        ("12345", "not an EAN-13, UPC-A or EAN-8"),
        ("ABC4006381333931", "not an EAN-13, UPC-A or EAN-8"),
    ],
)
def test_wrong_barcodes_are_refused_with_the_reason(typed, message):
    with pytest.raises(CodeError, match=message):
        barcode_clean(typed)


@pytest.mark.django_db
def test_postgresql_refuses_a_sku_out_of_normal_form_and_a_second_listing_of_a_sku():
    product = ProductFactory()
    other = ProductFactory()
    partner = PartnerFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        StockRecord.objects.filter(product=product).update(partner_sku="lower-case")
    sku = product.stockrecords.get().partner_sku
    with pytest.raises(IntegrityError), transaction.atomic():
        StockRecord.objects.filter(product=other).update(partner_sku=sku)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockRecord.objects.create(product=other, partner=partner, partner_sku=sku, price=1)


@pytest.mark.django_db
def test_lookups_normalise_what_they_are_given():
    lamp = ProductFactory(upc="4006381333931")
    StockRecord.objects.filter(product=lamp).update(partner_sku="LAMP-01")

    assert product_by_sku(" lamp_01 ") == lamp
    assert product_by_sku("lamp 01") == lamp
    assert product_by_barcode("4006 3813 3393 1") == lamp
    assert product_by_barcode("lamp-01") == lamp
    assert product_by_sku("LAMP-02") is None
    assert product_by_sku("\x00") is None


@pytest.mark.django_db
def test_the_product_api_finds_a_sku_typed_another_way():
    lamp = ProductFactory()
    StockRecord.objects.filter(product=lamp).update(partner_sku="LAMP-01")

    response = APIClient().get("/api/v1/products/lamp_01/")

    assert response.status_code == 200
    assert response.json()["sku"] == "LAMP-01"


@pytest.mark.django_db
def test_the_listing_admin_saves_the_normalised_sku_and_refuses_one_in_use():
    manager = StaffFactory(role="Manager")
    client = Client()
    client.force_login(manager)
    lamp = ProductFactory()
    tent = ProductFactory()
    StockRecord.objects.filter(product=lamp).update(partner_sku="LAMP-01")
    listing = tent.stockrecords.get()
    url = reverse("admin:partner_stockrecord_change", args=[listing.pk])
    form = {
        "product": tent.pk,
        "partner": listing.partner_id,
        "price_currency": "EUR",
        "price": "12.00",
    }

    clash = client.post(url, {**form, "partner_sku": "lamp 01"})
    bad = client.post(url, {**form, "partner_sku": "tent#1"})
    saved = client.post(url, {**form, "partner_sku": "  tent_01 "})

    assert "SKU LAMP-01 is already the SKU of" in clash.content.decode()
    assert "may contain only letters A-Z" in bad.content.decode()
    assert saved.status_code == 302
    listing.refresh_from_db()
    assert listing.partner_sku == "TENT-01"


@pytest.mark.django_db
def test_the_product_form_refuses_a_barcode_with_a_wrong_check_digit():
    from django.forms import modelform_factory

    from shop.admin import ProductForm

    form_class = modelform_factory(Product, form=ProductForm, fields=["upc", "title"])

    wrong = form_class(data={"upc": "4006381333932", "title": "Lamp"})
    typed_with_blanks = form_class(data={"upc": "4006 3813 3393 1", "title": "Lamp"})
    none = form_class(data={"upc": "", "title": "Lamp"})

    for form in (wrong, typed_with_blanks, none):
        form.is_valid()
    assert "wrong check digit" in str(wrong.errors["upc"])
    assert "upc" not in typed_with_blanks.errors
    assert typed_with_blanks.cleaned_data["upc"] == "4006381333931"
    assert "upc" not in none.errors and none.cleaned_data["upc"] is None

    ProductFactory(upc="4006381333931")
    taken = form_class(data={"upc": "4006-3813-3393-1", "title": "Lamp"})
    taken.is_valid()
    assert "already exists" in str(taken.errors["upc"])


@pytest.mark.django_db(transaction=False)
def test_the_migration_normalises_existing_skus_and_lists_collisions_for_a_person():
    migration = importlib.import_module(
        "inventory.migrations.0006_product_specification_sku_policy"
    )
    with connection.cursor() as cursor:  # the state before the migration (rolled back)
        cursor.execute(
            "ALTER TABLE partner_stockrecord DROP CONSTRAINT partner_stockrecord_sku_policy;"
            "DROP INDEX partner_stockrecord_sku_unique;"
        )
    products = [ProductFactory() for _ in range(5)]
    for product, sku in zip(
        products, ["tnt 01", "TNT_01", "TNT-01", "Zelt#1", "  abc  "], strict=True
    ):
        StockRecord.objects.filter(product=product).update(partner_sku=sku)

    migration.normalise_skus(django_apps, None)

    assert [StockRecord.objects.get(product=product).partner_sku for product in products] == [
        f"REPAIR-{products[0].stockrecords.get().pk}",
        f"REPAIR-{products[1].stockrecords.get().pk}",
        "TNT-01",
        f"REPAIR-{products[3].stockrecords.get().pk}",
        "ABC",
    ]
    assert sorted(SkuRepair.objects.values_list("original_sku", "reason")) == [
        ("TNT_01", "collision"),
        ("Zelt#1", "invalid"),
        ("tnt 01", "collision"),
    ]
    assert StockRecord.objects.count() == 5  # renamed, never merged or deleted

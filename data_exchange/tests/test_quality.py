import csv
import io
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from oscar.core.loading import get_model
from stdnum import ean

from crm.models import PriceListItem
from data_exchange.quality import (
    BARCODE_IS_VALID_SQL,
    CHECKS,
    CSV_HEADER,
    quality_csv_rows,
    quality_findings,
    quality_summary,
)
from erp.permissions import SYSTEM, PermissionRefused
from inventory.models import ProductSpecification, SkuRepair, Stock
from inventory.product_codes import barcode_is_valid
from purchasing.tests.factories import SupplierFactory
from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    PriceListFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
)

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db
REPORT = "/admin/data-quality/"


def barcode(number: int) -> str:
    body = f"40{number:010d}"
    return body + ean.calc_check_digit(body)


def good_product(number: int, **overrides: Any) -> Any:
    """A product every product check passes: barcode, category, weight, cost, image."""
    product = ProductFactory(upc=barcode(number), **overrides)
    ProductCategory.objects.create(product=product, category=CategoryFactory())
    ProductSpecification.objects.create(
        product=product, weight_kg=Decimal("1.2"), standard_cost=Decimal("10")
    )
    ProductImage.objects.create(product=product, original="images/products/tent.jpg")
    return product


def found(code: str) -> set[int]:
    return {finding.record_id for finding in CHECKS[code].findings(None)}


def test_products_without_cost_have_neither_a_standard_cost_nor_stock_at_a_cost():
    good_product(1)
    received = good_product(2, stock=3)
    ProductSpecification.objects.filter(product=received).update(standard_cost=None)
    no_cost = good_product(3)
    ProductSpecification.objects.filter(product=no_cost).update(standard_cost=None)
    no_specification = good_product(4)
    ProductSpecification.objects.filter(product=no_specification).delete()

    assert found("products-without-cost") == {no_cost.pk, no_specification.pk}
    assert CHECKS["products-without-cost"].count() == 2


def test_products_without_barcode_category_weight_or_image_are_found_by_their_check():
    good_product(1)
    no_barcode = good_product(2)
    Product.objects.filter(pk=no_barcode.pk).update(upc=None)
    no_category = good_product(3)
    ProductCategory.objects.filter(product=no_category).delete()
    no_weight = good_product(4)
    ProductSpecification.objects.filter(product=no_weight).update(weight_kg=None)
    no_image = good_product(5)
    ProductImage.objects.filter(product=no_image).delete()

    assert found("products-without-barcode") == {no_barcode.pk}
    assert found("products-without-category") == {no_category.pk}
    assert found("products-without-weight") == {no_weight.pk}
    assert found("products-without-image") == {no_image.pk}


def test_a_variant_takes_category_and_image_from_its_parent_and_a_parent_needs_no_cost():
    parent = good_product(1, structure="parent")
    child = good_product(2, structure="child", parent=parent)
    ProductCategory.objects.filter(product=child).delete()
    ProductImage.objects.filter(product=child).delete()
    ProductSpecification.objects.filter(product=parent).delete()
    Product.objects.filter(pk=parent.pk).update(upc=None)
    orphan_parent = good_product(3, structure="parent")
    lost_child = good_product(4, structure="child", parent=orphan_parent)
    ProductCategory.objects.filter(product__in=[orphan_parent, lost_child]).delete()

    assert found("products-without-category") == {orphan_parent.pk, lost_child.pk}
    assert found("products-without-image") == set()
    assert found("products-without-cost") == set()
    assert found("products-without-barcode") == set()
    problems = {f.record_id: f.problem for f in CHECKS["products-without-category"].findings(9)}
    assert problems[lost_child.pk] == "Its parent product is in no category."


def test_invalid_barcodes_are_found_with_the_reason_a_person_understands():
    good_product(1)
    Product.objects.filter(pk=good_product(2).pk).update(upc="400638 1333931")  # valid, blanks
    wrong_digit = good_product(3)
    Product.objects.filter(pk=wrong_digit.pk).update(upc="4006381333932")
    too_short = good_product(4)
    Product.objects.filter(pk=too_short.pk).update(upc="12345")

    findings = {f.record_id: f.problem for f in CHECKS["invalid-barcodes"].findings(None)}

    assert set(findings) == {wrong_digit.pk, too_short.pk}
    assert findings[wrong_digit.pk] == (
        "Barcode 4006381333932 has a wrong check digit for an EAN-13 (it should end in 1)."
    )
    assert "is not an EAN-13, UPC-A or EAN-8" in findings[too_short.pk]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="0123456789", min_size=7, max_size=14),
            st.text(alphabet="0123456789 -x", min_size=0, max_size=16),
            st.integers(0, 10**12 - 1).map(lambda n: barcode(n % 10**10)),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_the_sql_barcode_rule_agrees_with_barcode_is_valid(codes):
    sql = BARCODE_IS_VALID_SQL.format(code="codes.code")
    with connection.cursor() as cursor:
        select = f"SELECT codes.code, {sql} FROM unnest(%s::text[]) AS codes(code)"  # noqa: S608
        cursor.execute(select, [codes])
        answers = dict(cursor.fetchall())

    assert answers == {code: barcode_is_valid(code) for code in codes}


def test_duplicate_barcodes_are_the_same_barcode_once_blanks_are_removed():
    first = good_product(1)
    good_product(2)
    second = good_product(3)
    Product.objects.filter(pk=second.pk).update(upc="400000 0000013")
    assert first.upc == "4000000000013"

    findings = list(CHECKS["duplicate-barcodes"].findings(None))

    assert {f.record_id for f in findings} == {first.pk, second.pk}
    assert CHECKS["duplicate-barcodes"].count() == 2
    assert findings[0].problem == (
        f"Barcode 4000000000013 (stored as “4000000000013”) is also on product {second.pk}."
    )


def test_skus_breaking_the_policy_and_unresolved_repairs_are_listed():
    with connection.cursor() as cursor:  # only rows from before the CHECK can break it
        cursor.execute(
            "ALTER TABLE partner_stockrecord DROP CONSTRAINT partner_stockrecord_sku_policy"
        )
    tent, stove, lamp = good_product(1), good_product(2), good_product(3)
    renamed = StockRecord.objects.get(product=stove)
    StockRecord.objects.filter(pk=renamed.pk).update(partner_sku="TNT-01-2")
    SkuRepair.objects.create(
        stock_record=renamed, original_sku="tnt 01", assigned_sku="TNT-01-2", reason="collision"
    )
    resolved = StockRecord.objects.get(product=lamp)
    SkuRepair.objects.create(
        stock_record=resolved, original_sku="lmp_1", assigned_sku="LMP-1-2", reason="collision"
    )
    broken = StockRecord.objects.get(product=tent)
    StockRecord.objects.filter(pk=broken.pk).update(partner_sku="tnt 01")

    findings = list(CHECKS["sku-policy"].findings(None))

    assert [(f.record_id, f.identifier) for f in findings] == [
        (broken.pk, "tnt 01"),
        (renamed.pk, "TNT-01-2"),
    ]
    assert findings[0].problem == "SKU “tnt 01” is not in its normal form “TNT-01”."
    assert "Renamed from “tnt 01”" in findings[1].problem
    assert CHECKS["sku-policy"].count() == 2


def test_stock_rows_without_moves_are_found_and_received_ones_are_not():
    received = good_product(1, stock=5)
    bare = good_product(2)
    empty = Stock.objects.create(product=bare, warehouse=WarehouseFactory(code="BER-1"))

    findings = list(CHECKS["stock-without-moves"].findings(None))

    assert [f.record_id for f in findings] == [empty.pk]
    assert findings[0].problem == "No stock moves."
    assert Stock.objects.filter(product=received).exists()


def test_price_list_items_of_inactive_products_are_found():
    active, hidden = good_product(1), good_product(2, is_public=False)
    price_list = PriceListFactory(name="Trade")
    PriceListItem.objects.create(price_list=price_list, product=active, price=Decimal("9"))
    stale = PriceListItem.objects.create(price_list=price_list, product=hidden, price=Decimal("9"))

    findings = list(CHECKS["prices-of-inactive-products"].findings(None))

    assert [f.record_id for f in findings] == [stale.pk]
    assert findings[0].link == ("admin:crm_pricelist_change", price_list.pk)


def test_look_alike_companies_and_suppliers_are_found_with_their_evidence():
    alpine = CompanyFactory(name="Alpine Outfitters GmbH", email="info@alpine.example")
    CompanyFactory(name="Zeppelin Werkzeuge AG", email="info@zeppelin.example")
    again = CompanyFactory(name="ALPINE Outfitters", email="Info@Alpine.example")
    SupplierFactory(code="ONE", name="Nordwind Textil", email="a@nordwind.example", tax_id="")
    SupplierFactory(code="TWO", name="Bergwerk Metall", email="b@bergwerk.example", tax_id="")

    companies = list(CHECKS["duplicate-companies"].findings(None))

    assert [(f.record_id, f.record_type) for f in companies] == [(alpine.pk, "company")]
    assert f"Looks like company {again.pk}" in companies[0].problem
    assert "same e-mail" in companies[0].problem
    assert CHECKS["duplicate-suppliers"].count() == 0


def test_a_clean_database_has_nothing_to_fix():
    good_product(1, stock=2)
    good_product(2, stock=2)

    assert {line.check.code: line.count for line in quality_summary(user=SYSTEM)} == dict.fromkeys(
        CHECKS, 0
    )


SERIAL = itertools.count(1000)


def messy_records(number: int) -> None:
    """``number`` records failing each check (the look-alikes: pairs)."""
    price_list = PriceListFactory()
    warehouse = WarehouseFactory(code="QRY-1")
    for _ in range(number):
        index = next(SERIAL)
        code = barcode(index)
        bare = ProductFactory(upc=code, is_public=False)
        Product.objects.filter(pk=bare.pk).update(upc=f"{code[:6]} {code[6:]}")
        ProductFactory(upc=barcode(index)[:-1] + "X")
        no_barcode = ProductFactory(upc=f"NONE{index}")
        Product.objects.filter(pk=no_barcode.pk).update(upc=None)
        PriceListItem.objects.create(price_list=price_list, product=bare, price=Decimal("1"))
        Stock.objects.create(product=bare, warehouse=warehouse)
        Product.objects.create(upc=barcode(index), title="twin", structure="standalone")
        listing = StockRecord.objects.get(product=bare)
        SkuRepair.objects.create(
            stock_record=listing,
            original_sku="x",
            assigned_sku=listing.partner_sku,
            reason="invalid",
        )
        for kind in ("a", "b"):
            CompanyFactory(name=f"Twin {index} {kind}", email=f"twin{index}@co.example")
            SupplierFactory(
                code=f"T{index}{kind.upper()}", email=f"twin{index}@sup.example", tax_id=""
            )
            UserFactory(username=f"twin{index}{kind}", email=f"Twin{index}@Mail.example")


def queries_of_every_check() -> dict[str, int]:
    counted = {}
    for code, check in CHECKS.items():
        with CaptureQueriesContext(connection) as queries:
            check.count()
            list(check.findings(None))
            list(check.findings(2))
        counted[code] = len(queries)
    return counted


def test_every_check_takes_as_many_queries_for_one_bad_record_as_for_many():
    messy_records(1)
    one = queries_of_every_check()
    for code, check in CHECKS.items():
        assert check.count() >= 1, code

    messy_records(4)
    many = queries_of_every_check()

    assert many == one
    assert max(one.values()) <= 6


def test_the_csv_lists_every_record_of_every_check():
    messy_records(2)
    Product.objects.create(title="Naked", structure="standalone")

    rows: list[tuple[Any, ...]] = list(quality_csv_rows(user=SYSTEM))
    by_check: dict[str, int] = {}
    for row in rows[1:]:
        by_check[row[0]] = by_check.get(row[0], 0) + 1

    assert rows[0] == CSV_HEADER
    summary = quality_summary(user=SYSTEM)
    assert by_check == {line.check.code: line.count for line in summary if line.count}
    naked = next(row for row in rows if row[4] == "Naked" and row[0] == "products-without-image")
    assert naked[1:3] == ("product", Product.objects.get(title="Naked").pk)


def test_the_report_page_shows_each_check_with_its_count_and_links(client):
    messy_records(1)
    client.force_login(StaffFactory(username="mia", role="Manager"))

    page = client.get(REPORT)

    assert page.status_code == 200
    counts = {line.check.code: line.count for line in page.context["summary"]}
    assert counts["invalid-barcodes"] == 1
    html = page.content.decode()
    assert "/admin/catalogue/product/?data_quality=invalid-barcodes" in html
    assert f"{REPORT}stock-without-moves/" in html


def test_a_checks_page_lists_its_records_linked_to_their_admin_pages(client):
    messy_records(1)
    client.force_login(StaffFactory(username="mia", role="Manager"))
    stock = Stock.objects.get(warehouse__code="QRY-1")

    page = client.get(f"{REPORT}stock-without-moves/")
    missing = client.get(f"{REPORT}no-such-check/")

    assert page.status_code == 200
    assert f"/admin/inventory/stock/{stock.pk}/change/" in page.content.decode()
    assert missing.status_code == 404


def test_the_product_admin_filter_shows_exactly_the_products_of_a_check(client):
    messy_records(2)
    client.force_login(StaffFactory(username="mia", role="Manager"))

    for code in ("invalid-barcodes", "duplicate-barcodes", "products-without-barcode"):
        page = client.get("/admin/catalogue/product/", {"data_quality": code})
        shown = {product.pk for product in page.context["cl"].result_list}
        assert shown == found(code), code


def test_the_report_downloads_as_csv_with_the_same_rows(client):
    messy_records(1)
    client.force_login(StaffFactory(username="mia", role="Sales"))

    response = client.get(REPORT, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == list(CSV_HEADER)
    assert len(rows) - 1 == sum(line.count for line in quality_summary(user=SYSTEM))


def test_the_page_answers_in_as_many_queries_for_one_bad_record_as_for_many(client):
    client.force_login(StaffFactory(username="mia", role="Manager"))
    messy_records(1)
    with CaptureQueriesContext(connection) as one:
        client.get(REPORT)
        client.get(f"{REPORT}duplicate-barcodes/")

    messy_records(4)
    with CaptureQueriesContext(connection) as many:
        client.get(REPORT)
        client.get(f"{REPORT}duplicate-barcodes/")

    assert len(many) == len(one)


@pytest.mark.parametrize("role", ["Warehouse", "Accounting", "HR", "Purchasing"])
def test_roles_without_the_permission_are_refused(client, role):
    client.force_login(StaffFactory(username=f"no-{role.lower()}", role=role))

    assert client.get(REPORT).status_code == 403
    assert client.get(REPORT, {"format": "csv"}).status_code == 403
    assert client.get(f"{REPORT}invalid-barcodes/").status_code == 403


def test_the_services_refuse_a_user_without_the_permission():
    clerk = StaffFactory(username="wes", role="Warehouse")

    with pytest.raises(PermissionRefused, match="data-quality report"):
        quality_summary(user=clerk)
    with pytest.raises(PermissionRefused):
        quality_findings(user=clerk, check=CHECKS["invalid-barcodes"])
    with pytest.raises(PermissionRefused):
        quality_csv_rows(user=clerk)


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(REPORT)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_command_prints_the_table_and_writes_the_csv(tmp_path):
    messy_records(1)
    out = io.StringIO()
    target = tmp_path / "quality.csv"

    call_command("data_quality", "--csv", str(target), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["check", "count"]
    assert any(line.split()[-1] == "1" and line.startswith("Invalid barcodes") for line in lines)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0] == list(CSV_HEADER)
    assert f"Wrote {len(rows) - 1} records" in lines[-1]

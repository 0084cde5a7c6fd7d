"""Importing products: a messy file is refused with every problem by row and column
and changes nothing; a clean file creates exactly what it says; importing it again
changes nothing; export -> import round-trips."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook
from oscar.core.loading import get_model

from data_exchange.resources import export_bytes
from data_exchange.services import import_file
from erp.permissions import SYSTEM, PermissionRefused
from inventory.models import ProductSpecification
from tests.factories import CategoryFactory, ProductFactory, StaffFactory

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")
Category = get_model("catalogue", "Category")

HEADER = "sku,name,category,price,cost,barcode,weight_kg,is_active\n"


def run(text: str, *, dry_run: bool = False, filename: str = "products.csv", **options):
    return import_file(
        kind="products",
        content=text.encode(),
        filename=filename,
        user=SYSTEM,
        dry_run=dry_run,
        options=options,
    )


def snapshot() -> tuple:
    return (
        list(Product.objects.order_by("pk").values_list("pk", "title", "upc", "is_public")),
        list(StockRecord.objects.order_by("pk").values_list("partner_sku", "price")),
        list(ProductCategory.objects.order_by("pk").values_list("product_id", "category_id")),
        list(ProductSpecification.objects.order_by("pk").values_list("weight_kg", "standard_cost")),
        Category.objects.count(),
    )


@pytest.fixture
def tents():
    root = CategoryFactory(name="Tents & Shelters")
    return root.add_child(name="Dome", slug="dome")


def test_a_clean_file_creates_exactly_the_products_it_lists(tents):
    result = run(
        HEADER
        + 'tnt 01,Dome tent,Tents & Shelters > Dome,"129,00",61.5,4006381333931,2.4,yes\n'
        + "TNT_02,Dome tent XL,tents & shelters>dome,149.50,70,,3.1,no\n"
    )

    assert result.applied and not result.problems
    assert result.counts == {"create": 2, "update": 0, "unchanged": 0}
    listing = StockRecord.objects.select_related("product").get(partner_sku="TNT-01")
    assert listing.price == Decimal("129.00")
    assert listing.product.title == "Dome tent"
    assert listing.product.upc == "4006381333931"
    assert listing.product.is_public is True
    assert list(listing.product.categories.all()) == [tents]
    assert StockRecord.objects.get(partner_sku="TNT-02").product.is_public is False
    spec = ProductSpecification.objects.get(product=listing.product)
    assert (spec.weight_kg, spec.standard_cost) == (Decimal("2.400"), Decimal("61.5000"))


def test_importing_the_same_file_again_changes_nothing(tents):
    text = HEADER + "TNT-01,Dome tent,Tents & Shelters > Dome,129.00,61.5,4006381333931,2.4,yes\n"
    run(text)
    before = snapshot()

    again = run(text)

    assert again.counts == {"create": 0, "update": 0, "unchanged": 1}
    assert snapshot() == before


def test_a_changed_row_updates_the_product_and_leaves_absent_columns_alone(tents):
    run(HEADER + "TNT-01,Dome tent,Tents & Shelters > Dome,129.00,61.5,4006381333931,2.4,yes\n")

    result = run("sku,name,category,price\ntnt-01,Dome tent 2,Tents & Shelters > Dome,99\n")

    assert result.counts == {"create": 0, "update": 1, "unchanged": 0}
    listing = StockRecord.objects.select_related("product").get(partner_sku="TNT-01")
    assert (listing.product.title, listing.price) == ("Dome tent 2", Decimal("99.00"))
    assert listing.product.upc == "4006381333931"
    assert ProductSpecification.objects.get().weight_kg == Decimal("2.400")


def test_a_messy_file_lists_every_problem_by_row_and_column_and_changes_nothing(tents):
    ProductFactory(upc="4006381333931", title="Existing lamp")
    before = snapshot()
    messy = (
        HEADER
        + "TNT 01,Dome tent,Tents & Shelters > Dome,129,60,,1,yes\n"  # row 2
        + "tnt-01,Dome tent again,Tents & Shelters > Dome,129,60,,1,yes\n"  # row 3: same SKU
        + 'TNT-03,Price typo,Tents & Shelters > Dome,"12,5x",60,,1,yes\n'  # row 4
        + "TNT-04,Unknown category,Tents > Tunnel,10,60,,1,yes\n"  # row 5
        + "TNT-05,Negative price,Tents & Shelters > Dome,-5,60,,1,yes\n"  # row 6
        + "TNT-06,Bad barcode,Tents & Shelters > Dome,5,60,4006381333932,1,yes\n"  # row 7
        + "TNT-07,Taken barcode,Tents & Shelters > Dome,5,60,4006381333931,1,yes\n"  # row 8
        + "TNT#8,Bad SKU,Tents & Shelters > Dome,5,60,,1,maybe\n"  # row 9
        + ",No SKU,Tents & Shelters > Dome,5,60,,1,yes\n"  # row 10
    )

    result = run(messy)

    assert not result.applied
    found = {(problem.row, problem.column) for problem in result.problems}
    assert found == {
        (3, "sku"),
        (4, "price"),
        (5, "category"),
        (6, "price"),
        (7, "barcode"),
        (8, "barcode"),
        (9, "sku"),
        (9, "is_active"),
        (10, "sku"),
    }
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "TNT-01 is already on row 2" in messages[(3, "sku")]
    assert "“12,5x” is not a price" in messages[(4, "price")]
    assert "There is no category “Tents > Tunnel”" in messages[(5, "category")]
    assert "cannot be negative" in messages[(6, "price")]
    assert "wrong check digit" in messages[(7, "barcode")]
    assert "already belongs to “Existing lamp”" in messages[(8, "barcode")]
    assert [p.value for p in result.problems if (p.row, p.column) == (4, "price")] == ["12,5x"]
    assert snapshot() == before


def test_a_missing_required_column_and_an_unknown_one_are_named(tents):
    result = run("SKU,Name,Colour\nTNT-01,Dome,red\n")

    messages = sorted(str(problem) for problem in result.problems)
    assert messages == [
        "row 1, column Colour: Unknown column “Colour”; a products file has the columns "
        "sku, name, description, category, product_class, price, cost, currency, barcode, "
        "weight_kg, length_cm, width_cm, height_cm, is_active.",
        "row 1, column category: The required column “category” is missing.",
        "row 1, column price: The required column “price” is missing.",
    ]
    assert Product.objects.count() == 0


def test_a_dry_run_counts_what_would_change_and_writes_nothing(tents):
    result = run(HEADER + "TNT-01,Dome,Tents & Shelters > Dome,10,,,,\n", dry_run=True)

    assert result.counts["create"] == 1 and not result.applied
    assert Product.objects.count() == 0


def test_missing_categories_are_created_only_when_asked():
    refused = run(HEADER + "TNT-01,Dome,Tents & Shelters > Dome,10,,,,\n")
    assert [p.column for p in refused.problems] == ["category"]

    created = run(
        HEADER + "TNT-01,Dome,Tents & Shelters > Dome,10,,,,\n",
        create_missing_categories=True,
    )

    assert created.applied
    dome = StockRecord.objects.get(partner_sku="TNT-01").product.categories.get()
    assert [c.name for c in dome.get_ancestors_and_self()] == ["Tents & Shelters", "Dome"]


def test_an_xlsx_with_a_formula_is_refused_with_the_cell_named(tents):
    book = Workbook()
    sheet = book.active
    sheet.append(["sku", "name", "category", "price"])
    sheet.append(["TNT-01", "Dome", "Tents & Shelters > Dome", 129.5])
    sheet.append(["TNT-02", "Dome XL", "Tents & Shelters > Dome", "=B2*2"])
    content = io.BytesIO()
    book.save(content)

    result = import_file(
        kind="products",
        content=content.getvalue(),
        filename="products.xlsx",
        user=SYSTEM,
        dry_run=False,
    )

    assert [(p.row, p.column) for p in result.problems] == [(3, "price")]
    assert "formula" in result.problems[0].message
    assert Product.objects.count() == 0


def test_an_xlsx_without_formulas_imports_its_numbers_exactly(tents):
    book = Workbook()
    sheet = book.active
    sheet.append(["sku", "name", "category", "price", "weight_kg"])
    sheet.append(["TNT-01", "Dome", "Tents & Shelters > Dome", 129.95, 0.1])
    content = io.BytesIO()
    book.save(content)

    result = import_file(
        kind="products", content=content.getvalue(), filename="p.xlsx", user=SYSTEM, dry_run=False
    )

    assert result.applied
    assert StockRecord.objects.get().price == Decimal("129.95")
    assert ProductSpecification.objects.get().weight_kg == Decimal("0.100")


def test_export_then_import_round_trips(tents):
    run(
        HEADER
        + "TNT-01,Dome tent,Tents & Shelters > Dome,129.00,61.5,4006381333931,2.4,yes\n"
        + 'TNT-02,"Tent, with comma",Tents & Shelters > Dome,9.99,,,,no\n'
    )
    before = snapshot()

    exported = export_bytes("products", "csv")
    again = import_file(
        kind="products", content=exported, filename="export.csv", user=SYSTEM, dry_run=False
    )
    xlsx_again = import_file(
        kind="products",
        content=export_bytes("products", "xlsx"),
        filename="export.xlsx",
        user=SYSTEM,
        dry_run=False,
    )

    assert exported.decode().splitlines()[0] == (
        "sku,name,description,category,product_class,price,cost,currency,barcode,"
        "weight_kg,length_cm,width_cm,height_cm,is_active"
    )
    assert again.counts == {"create": 0, "update": 0, "unchanged": 2}, again.problems
    assert xlsx_again.counts == {"create": 0, "update": 0, "unchanged": 2}, xlsx_again.problems
    assert snapshot() == before


def test_a_role_without_catalogue_rights_may_not_import_products(tents):
    warehouse_clerk = StaffFactory(role="Warehouse")

    with pytest.raises(PermissionRefused):
        import_file(
            kind="products",
            content=(HEADER + "TNT-01,Dome,Tents & Shelters > Dome,10,,,,\n").encode(),
            filename="p.csv",
            user=warehouse_clerk,
            dry_run=True,
        )


def test_semicolon_csv_in_windows_1252_with_decimal_commas_is_understood(tents):
    text = "sku;name;category;price\nTNT-01;Zelt für zwei;Tents & Shelters > Dome;1.234,50\n"

    result = import_file(
        kind="products",
        content=text.encode("cp1252"),
        filename="p.csv",
        user=SYSTEM,
        dry_run=False,
    )

    assert result.applied, result.problems
    listing = StockRecord.objects.select_related("product").get()
    assert (listing.product.title, listing.price) == ("Zelt für zwei", Decimal("1234.50"))


def test_the_command_exits_1_on_a_refused_file_and_0_when_applied(tmp_path, tents, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "TNT-01,Dome,Tents & Shelters > Dome,abc,,,,\n")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "TNT-01,Dome,Tents & Shelters > Dome,10,,,,\n")

    with pytest.raises(SystemExit) as refused:
        call_command("import_data", "products", str(bad))
    output = capsys.readouterr().out
    call_command("import_data", "products", str(good))
    applied = capsys.readouterr().out

    assert refused.value.code == 1
    assert "row       2  price" in output and "refused: nothing was changed" in output
    assert "1 created, 0 updated, 0 unchanged, 0 errors; applied." in applied
    assert StockRecord.objects.get().partner_sku == "TNT-01"


def test_checking_a_file_takes_as_many_queries_for_one_row_as_for_fifty(tents):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(25):
        ProductFactory()
    rows = "".join(
        f"TNT-{n:02d},Dome {n},Tents & Shelters > Dome,{10 + n},,,,\n" for n in range(50)
    )
    existing = "".join(
        f"{listing.partner_sku},Renamed,Tents & Shelters > Dome,5,,,,\n"
        for listing in StockRecord.objects.all()[:25]
    )

    one_existing = existing.splitlines()[0] + "\n"
    with CaptureQueriesContext(connection) as one:
        run(HEADER + "TNT-00,Dome,Tents & Shelters > Dome,10,,,,\n" + one_existing, dry_run=True)
    with CaptureQueriesContext(connection) as fifty:
        result = run(HEADER + rows + existing, dry_run=True)

    assert result.counts == {"create": 50, "update": 25, "unchanged": 0}
    assert len(fifty) == len(one)


def test_an_update_moves_the_product_to_another_class_and_category(tents):
    from tests.factories import ProductClassFactory

    lamps = ProductClassFactory(name="Lamps", slug="lamps")
    other = CategoryFactory(name="Lighting")
    run(HEADER + "TNT-01,Dome tent,Tents & Shelters > Dome,129.00,61.5,,2.4,yes\n")

    result = run("sku,name,category,price,product_class\nTNT-01,Lantern,lighting,12,lamps\n")

    assert result.counts == {"create": 0, "update": 1, "unchanged": 0}
    product = StockRecord.objects.select_related("product").get().product
    assert (product.title, product.product_class_id) == ("Lantern", lamps.pk)
    assert list(product.categories.all()) == [other]
    again = run("sku,name,category,price,product_class\nTNT-01,Lantern,lighting,12,Lamps\n")
    assert again.counts == {"create": 0, "update": 0, "unchanged": 1}

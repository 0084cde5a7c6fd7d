"""The back office's import and export screens: upload, dry-run preview with every
error, confirm once, progress of a job a worker runs, export that imports back,
and who may do what."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model

from data_exchange.jobs import import_job_create
from data_exchange.models import ImportJob
from data_exchange.tests.files import csv_bytes, dome_category
from tests.factories import ProductFactory, StaffFactory

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
pytestmark = pytest.mark.django_db

IMPORT = "/admin/data_exchange/importjob/import/"
EXPORT = "/admin/data_exchange/importjob/export/"
JOBS = "/admin/data_exchange/importjob/"

HEADER = ["sku", "name", "category", "price"]
GOOD_ROWS = [
    ["tent-1", "Granite Dome Tent", "Tents > Dome", "129,00"],
    ["TENT-2", "Basalt Dome Tent", "Tents > Dome", "149.50"],
]
BAD_ROWS = [
    ["tent-1", "Granite Dome Tent", "Tents > Dome", "12,5x"],
    ["TENT-2", "Basalt Dome Tent", "Tents > Tunnel", "149.50"],
    ["Tent 1", "Twice", "Tents > Dome", "10"],
]


def login(client: Client, role: str = "Manager", username: str = "") -> object:
    user = StaffFactory(username=username or f"import-{role.lower()}", role=role)
    client.force_login(user)
    return user


def upload(client: Client, name: str, content: bytes, kind: str = "products", **extra: str):
    return client.post(
        IMPORT, {"kind": kind, "file": SimpleUploadedFile(name, content), **extra}, follow=True
    )


def problems(page) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.value) for p in page.context["problems"]]


def test_the_import_page_lists_the_columns_of_the_chosen_kind(client):
    login(client)

    products = client.get(IMPORT).content.decode()
    stock = client.get(IMPORT + "?kind=opening_stock").content.decode()

    assert "Columns of a file of products" in products
    assert '<a href="?kind=opening_stock#columns">Opening stock</a>' in products
    assert "<code>sku</code></td><td>required" in products
    assert "<code>barcode</code></td><td>optional" in products
    assert "EAN-13, UPC-A or EAN-8 with a right check digit." in products
    assert "<code>warehouse</code></td><td>required" in stock
    assert "<code>barcode</code>" not in stock


def test_a_file_with_errors_shows_every_error_and_changes_nothing(client):
    dome_category()
    login(client)

    page = upload(client, "products.csv", csv_bytes(HEADER, BAD_ROWS))

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED
    assert problems(page) == [
        (2, "price", "12,5x"),
        (3, "category", "Tents > Tunnel"),
        (4, "sku", "Tent 1"),
    ]
    text = page.content.decode()
    assert "3 errors: the file is not imported" in text
    assert "There is no category “Tents &gt; Tunnel”" in text
    assert "Confirm and import" not in text
    assert Product.objects.count() == 0
    assert StockRecord.objects.count() == 0


def test_a_clean_file_is_previewed_then_applied_on_confirm(client):
    dome_category()
    manager = login(client)

    page = upload(client, "products.csv", csv_bytes(HEADER, GOOD_ROWS))
    job = ImportJob.objects.get()
    before = Product.objects.count()
    confirmed = client.post(f"{JOBS}{job.pk}/apply/", follow=True)

    assert page.context["job"].status == ImportJob.Status.CHECKED
    assert "Confirm and import" in page.content.decode()
    assert (page.context["result"].counts["create"], page.context["problem_count"]) == (2, 0)
    assert before == 0
    job.refresh_from_db()
    assert (job.status, job.applied_by, job.create_count) == ("applied", manager, 2)
    assert "Imported: 2 created, 0 updated, 0 unchanged, 0 errors." in confirmed.content.decode()
    assert sorted(StockRecord.objects.values_list("partner_sku", "price")) == [
        ("TENT-1", Decimal("129.00")),
        ("TENT-2", Decimal("149.50")),
    ]


def test_a_second_confirm_is_refused_and_imports_nothing_more(client):
    dome_category()
    login(client)
    upload(client, "products.csv", csv_bytes(HEADER, GOOD_ROWS))
    job = ImportJob.objects.get()
    client.post(f"{JOBS}{job.pk}/apply/")

    again = client.post(f"{JOBS}{job.pk}/apply/", follow=True)

    assert "This import was applied already; it is applied only once." in again.content.decode()
    assert Product.objects.count() == 2
    assert ImportJob.objects.get().status == "applied"


def test_a_confirm_by_get_changes_nothing(client):
    dome_category()
    login(client)
    upload(client, "products.csv", csv_bytes(HEADER, GOOD_ROWS))
    job = ImportJob.objects.get()

    response = client.get(f"{JOBS}{job.pk}/apply/")

    assert response.status_code == 405
    assert Product.objects.count() == 0


def test_an_xlsx_file_is_read_like_a_csv(client):
    dome_category()
    login(client)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["tent-9", "Obsidian Dome Tent", "Tents > Dome", 99.5])
    content = io.BytesIO()
    book.save(content)

    page = upload(client, "products.xlsx", content.getvalue())
    client.post(f"{JOBS}{ImportJob.objects.get().pk}/apply/")

    assert page.context["result"].counts["create"] == 1
    assert StockRecord.objects.get().price == Decimal("99.50")


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused_by_the_form(client):
    login(client)

    page = upload(client, "products.txt", b"sku,name\n")

    assert "is not a .csv or .xlsx file" in page.content.decode()
    assert ImportJob.objects.count() == 0


def test_create_missing_categories_is_passed_to_the_products_import(client):
    login(client)

    page = upload(
        client,
        "products.csv",
        csv_bytes(HEADER, [["tent-1", "Granite", "Tents > Tunnel", "10"]]),
        create_missing_categories="on",
    )
    client.post(f"{JOBS}{ImportJob.objects.get().pk}/apply/")

    assert page.context["job"].options == {"create_missing_categories": True}
    assert Product.objects.get().categories.get().name == "Tunnel"


def test_a_role_without_the_kinds_permissions_may_not_import_it(client):
    dome_category()
    login(client, "Warehouse")  # may import opening stock, not products

    page = client.get(IMPORT)
    refused = upload(client, "products.csv", csv_bytes(HEADER, GOOD_ROWS))

    assert [kind for kind, _ in page.context["form"].fields["kind"].choices] == ["opening_stock"]
    assert "Select a valid choice" in refused.content.decode()
    assert ImportJob.objects.count() == 0
    assert Product.objects.count() == 0


@pytest.mark.parametrize("role", ["Accounting", "HR"])
def test_roles_that_import_nothing_get_no_import_page(client, role):
    login(client, role)

    assert client.get(IMPORT).status_code == 403


def test_a_checked_job_is_not_applied_by_a_role_that_lost_the_permission(client):
    dome_category()
    sales = login(client, "Sales", "sam")
    upload(client, "products.csv", csv_bytes(HEADER, GOOD_ROWS))
    job = ImportJob.objects.get()
    sales.groups.clear()
    sales.groups.add(get_model("auth", "Group").objects.get(name="Warehouse"))
    client.force_login(sales)

    response = client.post(f"{JOBS}{job.pk}/apply/", follow=True)

    assert "role does not allow you to import products" in response.content.decode()
    assert ImportJob.objects.get().status == "checked"
    assert Product.objects.count() == 0


def test_people_see_their_own_imports_and_a_manager_sees_everyones(client):
    dome_category()
    sam = StaffFactory(username="sam", role="Sales")
    wes = StaffFactory(username="wes", role="Sales")
    sams = import_job_create(
        user=sam, kind="products", filename="a.csv", content=csv_bytes(HEADER, GOOD_ROWS)
    )
    import_job_create(
        user=wes, kind="products", filename="b.csv", content=csv_bytes(HEADER, GOOD_ROWS)
    )

    client.force_login(sam)
    own = client.get(JOBS)
    others = client.get(f"{JOBS}{sams.pk + 1}/preview/")
    apply_others = client.post(f"{JOBS}{sams.pk + 1}/apply/")
    login(client, "Manager")
    every = client.get(JOBS)

    assert [job.filename for job in own.context["cl"].result_list] == ["a.csv"]
    assert (others.status_code, apply_others.status_code) == (404, 404)
    assert [job.filename for job in every.context["cl"].result_list] == ["b.csv", "a.csv"]
    assert ImportJob.objects.get(filename="b.csv").status == "checked"


def test_the_list_of_imports_shows_who_when_and_the_counts(client):
    dome_category()
    manager = login(client)
    job = import_job_create(
        user=manager, kind="products", filename="a.csv", content=csv_bytes(HEADER, GOOD_ROWS)
    )

    page = client.get(JOBS).content.decode()

    assert f'<a href="/admin/data_exchange/importjob/{job.pk}/preview/">#{job.pk}</a>' in page
    assert "a.csv" in page
    assert "import-manager" in page
    assert "Checked: ready to apply" in page
    assert 'href="/admin/data_exchange/importjob/import/"' in page
    assert 'href="/admin/data_exchange/importjob/export/"' in page


def test_the_list_of_imports_takes_the_same_queries_for_one_and_many(client):
    dome_category()
    login(client)

    def make(count: int) -> None:
        for index in range(count):
            import_job_create(
                user=StaffFactory(role="Sales"),
                kind="products",
                filename=f"{index}.csv",
                content=csv_bytes(HEADER, GOOD_ROWS),
            )

    make(1)
    client.get(JOBS)  # the first request fills the caches of the session
    with CaptureQueriesContext(connection) as one:
        client.get(JOBS)
    make(9)
    with CaptureQueriesContext(connection) as many:
        page = client.get(JOBS)

    assert len(page.context["cl"].result_list) == 10
    assert len(many) == len(one)


def test_a_running_job_shows_its_progress_on_a_page_that_refreshes_itself(client):
    manager = login(client)
    job = ImportJob.objects.create(
        kind="products",
        filename="big.csv",
        content=b"",
        status=ImportJob.Status.CHECKING,
        stage="planning",
        done=25_000,
        total=100_000,
        created_by=manager,
        created_at=timezone.now() - timedelta(seconds=12),
        in_background=True,
    )

    page = client.get(f"{JOBS}{job.pk}/preview/")
    text = page.content.decode()

    assert '<meta http-equiv="refresh" content="2">' in text
    assert "Planning: 25000 of 100000 rows" in text
    assert '<progress max="100" value="25"' in text
    assert "Confirm and import" not in text
    assert "<script>" not in text


def test_a_finished_job_page_does_not_refresh(client):
    dome_category()
    login(client)
    upload(client, "products.csv", csv_bytes(HEADER, GOOD_ROWS))

    page = client.get(f"{JOBS}{ImportJob.objects.get().pk}/preview/").content.decode()

    assert 'http-equiv="refresh"' not in page


def test_staff_text_in_a_file_is_escaped_on_the_preview(client):
    dome_category()
    login(client)

    page = upload(
        client,
        "products<b>.csv",
        csv_bytes(HEADER, [["<script>x</script>", "Tent", "Tents > Dome", "1"]]),
    )

    text = page.content.decode()
    assert "<script>x</script>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text
    assert "products&lt;b&gt;.csv" in text


def test_many_errors_are_paginated_with_their_total(client):
    dome_category()
    login(client)
    rows = [[f"tent-{n}", "Tent", "Tents > Dome", "-1"] for n in range(250)]

    first = upload(client, "products.csv", csv_bytes(HEADER, rows))
    job = ImportJob.objects.get()
    third = client.get(f"{JOBS}{job.pk}/preview/?page=3")

    assert first.context["problem_count"] == 250
    assert len(first.context["problems"]) == 100
    assert "250 errors" in first.content.decode()
    assert [p.row for p in third.context["problems"]] == list(range(202, 252))
    assert "Page 3 of 3" in third.content.decode()


def test_export_downloads_what_imports_back_unchanged(client):
    dome_category()
    login(client)
    upload(client, "products.csv", csv_bytes(HEADER, GOOD_ROWS))
    client.post(f"{JOBS}{ImportJob.objects.get().pk}/apply/")

    download = client.post(EXPORT, {"kind": "products", "file_format": "csv"})
    again = upload(client, "products-export.csv", download.content)

    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"].startswith('attachment; filename="products-')
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [(row["sku"], row["price"], row["category"]) for row in rows] == [
        ("TENT-1", "129", "Tents > Dome"),
        ("TENT-2", "149.5", "Tents > Dome"),
    ]
    counts = again.context["result"].counts
    assert (counts["unchanged"], counts["create"], counts["update"]) == (2, 0, 0)


def test_export_as_xlsx_is_a_workbook(client):
    ProductFactory(title="Granite Tent")
    login(client)

    download = client.post(EXPORT, {"kind": "products", "file_format": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    assert [cell.value for cell in sheet[1]][:4] == ["sku", "name", "description", "category"]
    assert sheet.cell(row=2, column=2).value == "Granite Tent"


def test_export_offers_only_the_kinds_the_role_may_view(client):
    login(client, "Accounting")  # reads products, not stock moves

    page = client.get(EXPORT)
    refused = client.post(EXPORT, {"kind": "opening_stock", "file_format": "csv"})

    offered = [kind for kind, _ in page.context["form"].fields["kind"].choices]
    assert "products" in offered and "companies" in offered
    assert "opening_stock" not in offered and "customers" not in offered
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()


def test_hr_may_not_export(client):
    login(client, "HR")

    assert client.get(EXPORT).status_code == 403

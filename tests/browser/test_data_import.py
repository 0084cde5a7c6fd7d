"""Importing products in Chromium, under the Content-Security-Policy: a manager
uploads a file with an error and sees it in the preview (nothing imported), uploads
the fixed file, confirms, and finds the products in the admin; a large file's page
follows the worker's progress by refreshing itself until the preview is there."""

from collections.abc import Iterator

import pytest
from oscar.core.loading import get_model
from playwright.sync_api import Browser, Page, expect

from data_exchange import jobs
from data_exchange.models import ImportJob
from data_exchange.tests.files import csv_bytes, dome_category
from tests.browser.test_csp import REPORT_VIOLATIONS
from tests.factories import StaffFactory

Product = get_model("catalogue", "Product")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMPORT = "/admin/data_exchange/importjob/import/"
HEADER = ["sku", "name", "category", "price"]
FIXED = [
    ["tent-1", "Granite Dome Tent", "Tents > Dome", "129,00"],
    ["tent-2", "Basalt Dome Tent", "Tents > Dome", "149.50"],
]
BROKEN = [FIXED[0], ["tent-2", "Basalt Dome Tent", "Tents > Tunnel", "149.50"]]


@pytest.fixture
def problems() -> list[str]:
    return []


@pytest.fixture
def manager_page(browser: Browser, live_server, problems: list[str]) -> Iterator[Page]:
    StaffFactory(username="mia", role="Manager")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.expose_function("kontorCspViolation", lambda text: problems.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url + IMPORT)
    page.fill("input[name=username]", "mia")
    page.fill("input[name=password]", "correct-horse-battery")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Import data")
    yield page
    context.close()


def choose_file(page: Page, name: str, rows: list[list[str]]) -> None:
    page.select_option("select[name=kind]", "products")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": name, "mimeType": "text/csv", "buffer": csv_bytes(HEADER, rows)}],
    )
    page.click("input[type=submit][value='Upload and check']")


def test_a_manager_sees_the_error_then_imports_the_fixed_file(
    manager_page: Page, live_server, problems
):
    page = manager_page
    dome_category()
    expect(page.locator("table.data-import-columns")).to_contain_text("required")

    choose_file(page, "tents.csv", BROKEN)

    error = page.locator("table.data-import-problems tr.problem")
    expect(error).to_have_count(1)
    expect(error.locator(".problem-row")).to_have_text("3")
    expect(error.locator(".problem-column")).to_have_text("category")
    expect(error.locator(".problem-value")).to_have_text("Tents > Tunnel")
    expect(error.locator(".problem-message")).to_contain_text("There is no category")
    expect(page.locator("input[value='Confirm and import']")).to_have_count(0)
    assert Product.objects.count() == 0

    page.click("text=upload it again")
    choose_file(page, "tents-fixed.csv", FIXED)
    expect(page.locator(".count-create")).to_have_text("2")
    expect(page.locator(".count-errors")).to_have_text("0")
    page.click("input[type=submit][value='Confirm and import']")
    expect(page.locator(".messagelist")).to_contain_text("Imported: 2 created")
    expect(page.locator(".data-import-status")).to_have_text("Applied")

    page.goto(live_server.url + "/admin/catalogue/product/")
    expect(page.locator("#result_list")).to_contain_text("Granite Dome Tent")
    expect(page.locator("#result_list")).to_contain_text("Basalt Dome Tent")
    assert problems == []


def test_a_large_files_page_refreshes_itself_until_the_preview_is_there(
    manager_page: Page, live_server, problems, monkeypatch
):
    page = manager_page
    dome_category()
    monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 1)  # this file goes to a worker
    monkeypatch.setattr(jobs.broker, "task_enqueue", lambda **kwargs: True)  # none runs yet

    choose_file(page, "tents.csv", FIXED)
    expect(page.locator(".data-import-progress")).to_contain_text("Waiting for a worker")
    job = ImportJob.objects.get()
    assert jobs.import_job_run_check(job_id=job.pk)  # the worker's turn

    expect(page.locator("input[value='Confirm and import']")).to_be_visible(timeout=10_000)
    expect(page.locator(".data-import-progress")).to_have_count(0)
    expect(page.locator(".count-create")).to_have_text("2")
    assert problems == []

"""The financial reports: exact figures, balanced totals, CSV, bad filters,
access for accountants only, and a constant number of queries per page."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localdate

from accounting import selectors
from accounting.reports.charts import ChartSeries, bar_chart_svg, stacked_bar_svg
from accounting.services import (
    Customer,
    InvoiceLineData,
    credit,
    debit,
    invoice_issue,
    journal_entry_post,
)
from erp.csv_export import csv_cell
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
REPORTS = "/admin/reports/"
TRIAL_BALANCE = "/admin/reports/trial-balance/"
PROFIT_AND_LOSS = "/admin/reports/profit-and-loss/"
BALANCE_SHEET = "/admin/reports/balance-sheet/"
AGING = "/admin/reports/receivables-aging/"


def post(source: str, day: date, *postings) -> None:
    journal_entry_post(source=source, kind="test", description=source, postings=postings, day=day)


@pytest.fixture
def accountant(client: Client) -> Client:
    client.force_login(StaffFactory(username="ada", role="Accounting"))
    return client


@pytest.fixture
def books() -> None:
    """Q1 2025: the owner pays in, two sales, wages; one sale after the quarter."""
    post("capital", date(2025, 1, 10), debit("bank", 1000), credit("equity", 1000))
    post("cash-sale", date(2025, 1, 20), debit("bank", 500), credit("revenue", 500))
    post("wages-feb", date(2025, 2, 5), debit("wages", 200), credit("bank", 200))
    post(
        "web-sale",
        date(2025, 2, 15),
        debit("receivable", 130),
        credit("revenue", 100),
        credit("shipping_income", 30),
    )
    post("april-sale", date(2025, 4, 1), debit("bank", 50), credit("revenue", 50))


def invoice(email: str, amount: str, issued: date, due_in_days: int) -> None:
    invoice_issue(
        source=f"test:{email}:{issued}",
        customer=Customer(email, email.split("@")[0].title(), "1 Test Street"),
        lines=[InvoiceLineData("Goods", Decimal(1), Decimal(amount))],
        day=issued,
        due_in_days=due_in_days,
    )


@pytest.fixture
def invoices() -> None:
    """Open invoices seen on 30 June 2025, one in each bucket (and one not yet issued)."""
    invoice("alice@example.com", "100.00", date(2025, 6, 20), 30)  # due 20 Jul: current
    invoice("alice@example.com", "200.00", date(2025, 5, 1), 14)  # due 15 May: 46 days
    invoice("bob@example.com", "50.00", date(2025, 6, 1), 0)  # 29 days late
    invoice("bob@example.com", "75.00", date(2025, 3, 1), 0)  # 121 days late
    invoice("carol@example.com", "40.00", date(2025, 4, 15), 0)  # 76 days late
    invoice("carol@example.com", "999.00", date(2025, 7, 5), 0)  # issued after the date


def csv_lines(response) -> list[str]:
    return response.content.decode().splitlines()


# --- trial balance -------------------------------------------------------------


def test_trial_balance_lists_each_balance_and_equal_totals(accountant, books):
    response = accountant.get(TRIAL_BALANCE, {"date": "2025-03-31"})

    assert response.status_code == 200
    rows = [(r.code, r.debit, r.credit) for r in response.context["rows"]]
    assert rows == [
        ("1200", Decimal("1300.00"), Decimal("0")),
        ("1400", Decimal("130.00"), Decimal("0")),
        ("3000", Decimal("0"), Decimal("1000.00")),
        ("4000", Decimal("0"), Decimal("600.00")),
        ("4100", Decimal("0"), Decimal("30.00")),
        ("6000", Decimal("200.00"), Decimal("0")),
    ]
    assert response.context["total_debit"] == response.context["total_credit"] == Decimal("1630")
    assert response.context["is_balanced"]
    assert "Debits equal credits: 1,630.00." in response.content.decode()


def test_trial_balance_csv_has_the_same_figures(accountant, books):
    response = accountant.get(TRIAL_BALANCE, {"date": "2025-03-31", "format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="trial-balance-2025-03-31.csv"'
    assert csv_lines(response) == [
        "code,account,debit,credit",
        "1200,Bank,1300.00,0.00",
        "1400,Accounts receivable,130.00,0.00",
        "3000,Owner's equity,0.00,1000.00",
        "4000,Sales revenue,0.00,600.00",
        "4100,Shipping income,0.00,30.00",
        "6000,Wages expense,200.00,0.00",
        ",Total,1630.00,1630.00",
    ]


def test_the_page_links_its_csv_with_the_same_filters(accountant, books):
    response = accountant.get(TRIAL_BALANCE, {"date": "2025-03-31"})

    assert 'href="?date=2025-03-31&amp;format=csv"' in response.content.decode()


# --- profit and loss -----------------------------------------------------------


def test_profit_and_loss_for_a_period(accountant, books):
    response = accountant.get(PROFIT_AND_LOSS, {"from": "2025-01-01", "to": "2025-03-31"})

    statement = response.context["statement"]
    assert [(r.code, r.amount) for r in statement.income] == [
        ("4000", Decimal("600.00")),
        ("4100", Decimal("30.00")),
    ]
    assert [(r.code, r.amount) for r in statement.expenses] == [("6000", Decimal("200.00"))]
    assert (statement.total_income, statement.total_expenses, statement.profit) == (
        Decimal("630.00"),
        Decimal("200.00"),
        Decimal("430.00"),
    )


def test_profit_and_loss_chart_has_a_bar_pair_per_month(accountant, books):
    response = accountant.get(PROFIT_AND_LOSS, {"from": "2025-01-01", "to": "2025-03-31"})

    page = response.content.decode()
    assert page.count('<svg class="report-chart"') == 1
    assert 'role="img"' in page
    assert "<title>Income Jan: 500.00</title>" in page
    assert "<title>Expenses Feb: 200.00</title>" in page
    assert "<title>Income Mar: 0.00</title>" in page
    assert "<script" not in page.split('<div class="report">')[1]


def test_monthly_totals_list_every_month_of_the_period(books):
    months = selectors.monthly_income_and_expenses(start=date(2025, 1, 15), end=date(2025, 4, 1))

    assert [(m.month, m.income, m.expenses, m.profit) for m in months] == [
        (date(2025, 1, 1), Decimal("500.00"), Decimal("0"), Decimal("500.00")),
        (date(2025, 2, 1), Decimal("130.00"), Decimal("200.00"), Decimal("-70.00")),
        (date(2025, 3, 1), Decimal("0"), Decimal("0"), Decimal("0")),
        (date(2025, 4, 1), Decimal("50.00"), Decimal("0"), Decimal("50.00")),
    ]


def test_profit_and_loss_csv(accountant, books):
    response = accountant.get(
        PROFIT_AND_LOSS, {"from": "2025-01-01", "to": "2025-03-31", "format": "csv"}
    )

    assert response["Content-Disposition"] == (
        'attachment; filename="profit-and-loss-2025-01-01-to-2025-03-31.csv"'
    )
    assert csv_lines(response) == [
        "section,code,account,amount",
        "Income,4000,Sales revenue,600.00",
        "Income,4100,Shipping income,30.00",
        "Income,,Total income,630.00",
        "Expenses,6000,Wages expense,200.00",
        "Expenses,,Total expenses,200.00",
        "Profit,,Profit (loss if negative),430.00",
    ]


def test_profit_and_loss_quick_links_and_default_this_year(accountant):
    today = localdate()

    response = accountant.get(PROFIT_AND_LOSS)

    assert (response.context["start"], response.context["end"]) == (
        date(today.year, 1, 1),
        date(today.year, 12, 31),
    )
    page = response.content.decode()
    month_start = today.replace(day=1)
    assert f'href="?from={month_start}&amp;to=' in page
    assert f'href="?from={today.year}-01-01&amp;to={today.year}-12-31" aria-current="true"' in page
    assert ">Last month</a>" in page


def test_a_long_period_has_no_chart_but_a_note(accountant, books):
    response = accountant.get(PROFIT_AND_LOSS, {"from": "2000-01-01", "to": "2025-12-31"})

    assert response.status_code == 200
    assert response.context["chart"] is None
    assert response.context["statement"].profit == Decimal("480.00")
    assert "periods of up to 36 months" in response.content.decode()


# --- balance sheet ---------------------------------------------------------------


def test_balance_sheet_balances_with_current_earnings(accountant, books):
    response = accountant.get(BALANCE_SHEET, {"date": "2025-03-31"})

    sheet = response.context["sheet"]
    assert [(r.code, r.amount) for r in sheet.assets] == [
        ("1200", Decimal("1300.00")),
        ("1400", Decimal("130.00")),
    ]
    assert sheet.liabilities == []
    assert [(r.name, r.amount) for r in sheet.equity] == [
        ("Owner's equity", Decimal("1000.00")),
        ("Current earnings (not yet closed)", Decimal("430.00")),
    ]
    assert sheet.total_assets == sheet.total_liabilities_and_equity == Decimal("1430.00")
    assert response.context["is_balanced"]
    assert "Assets equal liabilities and equity: 1,430.00." in response.content.decode()


def test_balance_sheet_csv(accountant, books):
    response = accountant.get(BALANCE_SHEET, {"date": "2025-03-31", "format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="balance-sheet-2025-03-31.csv"'
    assert csv_lines(response) == [
        "section,code,account,amount",
        "Assets,1200,Bank,1300.00",
        "Assets,1400,Accounts receivable,130.00",
        "Equity,3000,Owner's equity,1000.00",
        "Equity,,Current earnings (not yet closed),430.00",
        "Total,,Total assets,1430.00",
        "Total,,Total liabilities,0.00",
        "Total,,Total equity,1430.00",
        "Total,,Total liabilities and equity,1430.00",
    ]


# --- receivables aging -------------------------------------------------------------


def test_aging_puts_each_open_invoice_in_its_bucket_by_customer_name(accountant, invoices):
    response = accountant.get(AGING, {"date": "2025-06-30"})

    table = [
        (customer, currency, amounts, total)
        for customer, currency, amounts, total in response.context["table"]
    ]
    zero = Decimal("0")
    assert table == [
        ("Alice", "EUR", [Decimal("100.00"), zero, Decimal("200.00"), zero, zero], 300),
        ("Bob", "EUR", [zero, Decimal("50.00"), zero, zero, Decimal("75.00")], 125),
        ("Carol", "EUR", [zero, zero, zero, Decimal("40.00"), zero], 40),
    ]
    [total] = response.context["footer"]
    assert (total.currency, total.amounts, total.total) == (
        "EUR",
        [Decimal(n) for n in ("100.00", "50.00", "200.00", "40.00", "75.00")],
        Decimal("465.00"),
    )
    page = response.content.decode()
    assert "<title>Over 90 days: 75.00 (16%)</title>" in page
    assert "<title>31-60 days: 200.00 (43%)</title>" in page
    assert '<tr><td>Alice</td><td class="num">€100.00</td>' in page
    assert "@example.com" not in page
    assert '<th scope="row">Total EUR</th>' in page


def test_aging_adds_money_up_per_currency_never_across(accountant, invoices):
    invoice_issue(
        source="test:gbp",
        customer=Customer("dan@example.co.uk", "Dan Ltd", "1 Test Street"),
        lines=[InvoiceLineData("Goods", Decimal(1), Decimal("30.00"))],
        day=date(2025, 6, 1),
        due_in_days=0,
        currency="GBP",
    )

    response = accountant.get(AGING, {"date": "2025-06-30"})

    totals = [(t.currency, t.total) for t in response.context["footer"]]
    assert totals == [("EUR", Decimal("465.00")), ("GBP", Decimal("30.00"))]
    assert ("Dan Ltd", "GBP") in [(row[0], row[1]) for row in response.context["table"]]
    assert "£30.00" in response.content.decode()


def test_aging_csv(accountant, invoices):
    response = accountant.get(AGING, {"date": "2025-06-30", "format": "csv"})

    assert response["Content-Disposition"] == (
        'attachment; filename="receivables-aging-2025-06-30.csv"'
    )
    assert csv_lines(response) == [
        "customer,currency,current,1-30,31-60,61-90,90+,total",
        "Alice,EUR,100.00,0.00,200.00,0.00,0.00,300.00",
        "Bob,EUR,0.00,50.00,0.00,0.00,75.00,125.00",
        "Carol,EUR,0.00,0.00,0.00,40.00,0.00,40.00",
        "Total,EUR,100.00,50.00,200.00,40.00,75.00,465.00",
    ]


def test_aging_with_nothing_open_draws_an_empty_bar(accountant):
    response = accountant.get(AGING, {"date": "2025-06-30"})

    assert response.status_code == 200
    assert [t.total for t in response.context["footer"]] == [0]
    assert "No open invoices on this date." in response.content.decode()


# --- bad input, access ---------------------------------------------------------------


@pytest.mark.parametrize("url", [TRIAL_BALANCE, BALANCE_SHEET, AGING])
def test_a_bad_date_is_explained_and_today_shown(accountant, url):
    response = accountant.get(url, {"date": "banana"})

    assert response.status_code == 200
    assert response.context["as_of"] == localdate()
    assert "“banana” is not a date for the date; use YYYY-MM-DD." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "banana", "to": "2025-01-31"}, "“banana” is not a date for “from”"),
        ({"from": "2025-01-01", "to": "2025-02-30"}, "“2025-02-30” is not a date for “to”"),
        ({"from": "<script>", "to": ""}, "“&lt;script&gt;” is not a date"),
        ({"from": "2025-01-01", "to": "9" * 500}, "“" + "9" * 40 + "…” is not a date"),
    ],
)
def test_a_bad_period_date_is_explained(accountant, params, message):
    response = accountant.get(PROFIT_AND_LOSS, params)

    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_period_ending_before_it_starts_is_explained_and_this_year_shown(accountant):
    response = accountant.get(PROFIT_AND_LOSS, {"from": "2025-03-01", "to": "2025-01-31"})

    assert response.status_code == 200
    assert (
        "The period starts (01 Mar 2025) after it ends (31 Jan 2025); showing this year instead."
        in response.content.decode()
    )
    year = localdate().year
    assert (response.context["start"], response.context["end"]) == (
        date(year, 1, 1),
        date(year, 12, 31),
    )


def test_a_bad_date_in_a_csv_download_falls_back_to_today(accountant):
    response = accountant.get(TRIAL_BALANCE, {"date": "banana", "format": "csv"})

    assert response.status_code == 200
    assert f"trial-balance-{localdate()}.csv" in response["Content-Disposition"]


@pytest.mark.parametrize("url", [REPORTS, TRIAL_BALANCE, PROFIT_AND_LOSS, BALANCE_SHEET, AGING])
def test_only_staff_with_ledger_access_see_reports(client: Client, url):
    anonymous = client.get(url)
    client.force_login(StaffFactory(username="wes", role="Warehouse"))
    warehouse = client.get(url)
    warehouse_csv = client.get(url, {"format": "csv"})
    client.force_login(StaffFactory(username="max", role="Manager"))
    manager = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(f"/admin/login/?next={url}")
    assert (warehouse.status_code, warehouse_csv.status_code) == (403, 403)
    assert manager.status_code == 200


def test_the_index_links_every_report(accountant):
    page = accountant.get(REPORTS).content.decode()

    for url in (TRIAL_BALANCE, PROFIT_AND_LOSS, BALANCE_SHEET, AGING, "/warehouse/valuation/"):
        assert f'href="{url}"' in page


# --- query counts ---------------------------------------------------------------------


def more_books(count: int) -> None:
    for number in range(count):
        day = date(2025, 1 + number % 3, 1 + number % 28)
        post(f"more-{number}", day, debit("cash", 10 + number), credit("revenue", 10 + number))
        invoice(f"customer{number}@example.com", "10", day, number % 60)


# session, user, two for permissions, the report's queries, and on pages the
# storefront's unread-notifications count (an Oscar context processor)
@pytest.mark.parametrize(
    ("url", "params", "expected"),
    [
        (TRIAL_BALANCE, {"date": "2025-03-31"}, 6),
        (PROFIT_AND_LOSS, {"from": "2025-01-01", "to": "2025-03-31"}, 7),
        (BALANCE_SHEET, {"date": "2025-03-31"}, 6),
        (AGING, {"date": "2025-06-30"}, 6),
        (TRIAL_BALANCE, {"date": "2025-03-31", "format": "csv"}, 5),
        (PROFIT_AND_LOSS, {"from": "2025-01-01", "to": "2025-03-31", "format": "csv"}, 5),
        (BALANCE_SHEET, {"date": "2025-03-31", "format": "csv"}, 5),
        (AGING, {"date": "2025-06-30", "format": "csv"}, 5),
    ],
)
def test_query_count_does_not_grow_with_the_ledger(accountant, url, params, expected):
    more_books(1)
    with CaptureQueriesContext(connection) as one:
        assert accountant.get(url, params).status_code == 200
    more_books(20)
    with CaptureQueriesContext(connection) as many:
        assert accountant.get(url, params).status_code == 200

    assert len(one) == len(many) == expected


# --- chart helpers --------------------------------------------------------------------


def test_bar_chart_escapes_labels_and_handles_negatives():
    svg = bar_chart_svg(
        title="A <b> chart",
        labels=["<Jan>", "Feb"],
        series=[ChartSeries("Profit", "#333", [Decimal("-50"), Decimal("120")])],
    )

    assert "<b>" not in svg and "&lt;Jan&gt;" in svg
    assert "<title>Profit Feb: 120.00</title>" in svg
    assert ">-50</text>" in svg  # a gridline below zero


def test_stacked_bar_with_nothing_draws_no_segments():
    svg = stacked_bar_svg(title="Empty", segments=[("Not yet due", Decimal("0"), "#2e7d32")])

    assert "Not yet due: 0.00 (0%)" in svg
    assert svg.count("<rect") == 2  # the background bar and the legend swatch


def test_csv_cells_that_a_spreadsheet_would_run_are_defused():
    assert [csv_cell(v) for v in ("=SUM(A1)", "+1", "-x", "@cmd", "plain", Decimal("-5"))] == [
        "'=SUM(A1)",
        "'+1",
        "'-x",
        "'@cmd",
        "plain",
        "-5.00",
    ]

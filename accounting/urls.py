"""Back-office report pages, mounted at /admin/reports/ (erp/urls.py)."""

from django.urls import path

from accounting.reports import views as reports

app_name = "reports"

urlpatterns = [
    path("", reports.index, name="index"),
    path("trial-balance/", reports.trial_balance, name="trial-balance"),
    path("profit-and-loss/", reports.profit_and_loss, name="profit-and-loss"),
    path("balance-sheet/", reports.balance_sheet, name="balance-sheet"),
    path("receivables-aging/", reports.receivables_aging, name="receivables-aging"),
]

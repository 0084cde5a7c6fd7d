"""Purchasing documents and payables reports for staff, mounted at
/admin/purchasing-documents/ (``erp/urls.py``)."""

from django.urls import path

from purchasing import reports, views_documents

app_name = "purchasing-documents"

urlpatterns = [
    path(
        "purchase-orders/<str:number>/pdf/",
        views_documents.purchase_order_pdf_view,
        name="purchase-order-pdf",
    ),
    path("payables-aging/", reports.payables_aging_report, name="payables-aging"),
    path("payment-proposal/", reports.payment_proposal, name="payment-proposal"),
]

"""inventory endpoints under /api/v1/: stock per warehouse and goods receipts (staff)."""

from django.urls import path

from inventory.api import views

urlpatterns = [
    path("inventory/stock/", views.StockView.as_view(), name="stock"),
    path("inventory/receipts/", views.ReceiptCreateView.as_view(), name="receipt-create"),
]

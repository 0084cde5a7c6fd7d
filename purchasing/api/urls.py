"""purchasing endpoints under /api/v1/: suppliers, supplier items, purchase orders,
receipts and supplier bills (staff)."""

from django.urls import path

from purchasing.api import views

urlpatterns = [
    path("suppliers/", views.SupplierListCreateView.as_view(), name="supplier-list"),
    path("suppliers/<str:code>/", views.SupplierDetailView.as_view(), name="supplier-detail"),
    path(
        "suppliers/<str:code>/items/",
        views.SupplierItemListSetView.as_view(),
        name="supplier-items",
    ),
    path(
        "purchase-orders/",
        views.PurchaseOrderListCreateView.as_view(),
        name="purchase-order-list",
    ),
    path(
        "purchase-orders/<str:number>/",
        views.PurchaseOrderDetailView.as_view(),
        name="purchase-order-detail",
    ),
    path(
        "purchase-orders/<str:number>/send/",
        views.PurchaseOrderSendView.as_view(),
        name="purchase-order-send",
    ),
    path(
        "purchase-orders/<str:number>/cancel/",
        views.PurchaseOrderCancelView.as_view(),
        name="purchase-order-cancel",
    ),
    path(
        "purchase-orders/<str:number>/receipts/",
        views.ReceiptCreateView.as_view(),
        name="purchase-order-receipts",
    ),
    path(
        "purchase-orders/<str:number>/bills/",
        views.SupplierBillCreateView.as_view(),
        name="purchase-order-bills",
    ),
]

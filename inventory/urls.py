from django.urls import path

from inventory import reports, views

app_name = "inventory"

urlpatterns = [
    path("scan/", views.scan_station, name="scan"),
    path("valuation/", reports.valuation, name="valuation"),
]

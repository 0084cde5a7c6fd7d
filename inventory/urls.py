from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("scan/", views.scan_station, name="scan"),
]

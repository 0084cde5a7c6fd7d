"""The warehouse's purchasing screens, mounted at /warehouse/purchasing/ (``erp/urls.py``)."""

from django.urls import path

from purchasing import views

app_name = "purchasing"

urlpatterns = [
    path("receive/", views.receiving_station, name="receive"),
    path("receive/<int:pk>/", views.receive_order, name="receive_order"),
    path("incoming/", views.incoming, name="incoming"),
]

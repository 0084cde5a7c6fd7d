"""The data-quality report, mounted at /admin/data-quality/ (``erp/urls.py``)."""

from django.urls import path

from data_exchange import quality_views

app_name = "data-quality"

urlpatterns = [
    path("", quality_views.report, name="report"),
    path("<slug:code>/", quality_views.check_detail, name="check"),
]

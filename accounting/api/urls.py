"""accounting endpoints under /api/v1/: the trial balance (staff)."""

from django.urls import path

from accounting.api import views

urlpatterns = [
    path("accounting/trial-balance/", views.TrialBalanceView.as_view(), name="trial-balance"),
]

"""The back office: the Django admin is the one staff interface."""

from django.conf import settings
from django.contrib import admin


class BackOfficeSite(admin.AdminSite):
    site_header = f"{settings.PRODUCT_NAME} back office"
    site_title = f"{settings.PRODUCT_NAME} back office"
    index_title = "Run the business"
    site_url = "/"

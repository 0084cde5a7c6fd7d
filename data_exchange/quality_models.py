"""The data-quality report's permission. The report has no table of its own; Django
hangs a permission on a model, so this one is unmanaged (no table is ever created)
and has no add/change/delete/view permissions of its own, only the one the report
page, its CSV and ``manage.py data_quality`` check."""

from django.db import models


class DataQualityReport(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_data_quality", "Can see the data-quality report")]
        verbose_name = "data-quality report"

    def __str__(self) -> str:
        return "Data-quality report"

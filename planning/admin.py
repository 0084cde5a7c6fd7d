from django.contrib import admin

from planning.models import DemandHistory


@admin.register(DemandHistory)
class DemandHistoryAdmin(admin.ModelAdmin):
    list_display = ("date", "product", "quantity", "channel", "source", "reference")
    list_filter = ("source", "channel")
    date_hierarchy = "date"
    list_select_related = ("product",)
    raw_id_fields = ("product",)
    search_fields = ("reference",)

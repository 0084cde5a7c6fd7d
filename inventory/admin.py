from django.contrib import admin

from inventory.models import Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_sellable", "priority", "is_active"]
    list_filter = ["is_sellable", "is_active"]
    search_fields = ["code", "name"]

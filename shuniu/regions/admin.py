from django.contrib import admin

from shuniu.core.admin import ScopedReadOnlyAdmin
from shuniu.regions.models import Region


@admin.register(Region)
class RegionAdmin(ScopedReadOnlyAdmin):
    # Divisions are public reference data: every staff user may read all of them.
    scope_filter = "everything"
    list_display = ["code", "name", "level", "parent", "retired_on"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    show_full_result_count = False

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return admin.ModelAdmin.get_queryset(self, request)

from django.contrib import admin

from shuniu.core.admin import ReadOnlyAdmin
from shuniu.regions.models import Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    # Divisions are public reference data: every staff user may read all of them.
    list_display = ["code", "name", "level", "parent", "retired_on"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    show_full_result_count = False

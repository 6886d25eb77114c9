from django.contrib import admin

from shuniu.accounts.admin import ScopedReadOnlyAdmin
from shuniu.registry.models import Hub, HubLink, Incubator, SocialOrg


@admin.register(SocialOrg)
class SocialOrgAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "uscc", "type", "region", "industry", "status", "full_time_staff"]
    list_filter = ["type", "status", "registration_level", "industry"]
    search_fields = ["name", "uscc"]
    list_select_related = ["region", "industry"]
    show_full_result_count = False


@admin.register(Hub)
class HubAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "level", "region", "field"]
    list_filter = ["level"]
    search_fields = ["name"]


@admin.register(HubLink)
class HubLinkAdmin(ScopedReadOnlyAdmin):
    list_display = ["hub", "org", "started_on", "ended_on"]


@admin.register(Incubator)
class IncubatorAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "region", "established_on"]

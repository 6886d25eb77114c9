from django.contrib import admin

from shuniu.audit.models import AuditEntry
from shuniu.core.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "actor_label"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # The audit log spans every jurisdiction: only administrators read it here.
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.none()

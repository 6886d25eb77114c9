from django.contrib import admin

from shuniu.core.admin import ReadOnlyAdmin
from shuniu.imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "filename", "status", "actor_label", "created_at", "committed_at", "rolled_back_at"]
    list_filter = ["kind", "status"]
    search_fields = ["filename", "actor_label", "file_sha256"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # Batches span jurisdictions: only administrators list them here (officers see their own at /imports/).
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.none()

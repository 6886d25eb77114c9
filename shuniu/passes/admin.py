from django.contrib import admin

from shuniu.accounts.admin import ScopedReadOnlyAdmin
from shuniu.passes.models import EvaluationRecord, InspectionRecord


@admin.register(InspectionRecord)
class InspectionRecordAdmin(ScopedReadOnlyAdmin):
    list_display = ["org", "year", "conclusion", "coverage_status", "full_members", "recorded_at"]
    list_filter = ["year", "conclusion"]


@admin.register(EvaluationRecord)
class EvaluationRecordAdmin(ScopedReadOnlyAdmin):
    list_display = ["org", "year", "grade", "decided_on", "valid_until", "document_number"]
    list_filter = ["year", "grade"]

from django.contrib import admin

from shuniu.accounts.admin import ScopedReadOnlyAdmin
from shuniu.accounts.scopes import can_see_personal_data
from shuniu.party.models import Instructor, InstructorAssignment, PartyMember, PartyOrg, PartyOrgCoverage


@admin.register(PartyOrg)
class PartyOrgAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "kind", "formation", "superior", "established_on", "dissolved_on"]
    list_filter = ["kind", "formation"]
    search_fields = ["name"]


@admin.register(PartyOrgCoverage)
class PartyOrgCoverageAdmin(ScopedReadOnlyAdmin):
    list_display = ["party_org", "org", "started_on", "ended_on"]


@admin.register(PartyMember)
class PartyMemberAdmin(ScopedReadOnlyAdmin):
    # Only masked personal data: the admin is not a place to read full ID or phone numbers.
    list_display = ["name", "gender", "status", "id_number_masked", "phone_masked", "workplace", "relation_org"]
    exclude = ["id_number_encrypted", "id_number_hash", "phone_encrypted"]
    list_filter = ["status", "gender", "is_mobile"]
    search_fields = ["name"]
    list_select_related = ["workplace", "relation_org"]

    def get_exclude(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The birth date is read from the ID number: shown only to the roles that may see that.
        exclude = list(super().get_exclude(request, obj) or [])
        return exclude if can_see_personal_data(request.user) else [*exclude, "birth_date"]


@admin.register(Instructor)
class InstructorAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "kind", "region", "capacity", "ended_on"]
    exclude = ["phone_encrypted"]


@admin.register(InstructorAssignment)
class InstructorAssignmentAdmin(ScopedReadOnlyAdmin):
    list_display = ["instructor", "org", "started_on", "ended_on"]

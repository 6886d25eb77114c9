from django.contrib import admin

from shuniu.core.admin import ScopedReadOnlyAdmin
from shuniu.party.models import Instructor, InstructorAssignment, PartyMember, PartyOrg, PartyOrgCoverage


@admin.register(PartyOrg)
class PartyOrgAdmin(ScopedReadOnlyAdmin):
    scope_filter = "filter_party_orgs"
    list_display = ["name", "kind", "formation", "superior", "established_on", "dissolved_on"]
    list_filter = ["kind", "formation"]
    search_fields = ["name"]


@admin.register(PartyOrgCoverage)
class PartyOrgCoverageAdmin(ScopedReadOnlyAdmin):
    scope_org_field = "org"
    list_display = ["party_org", "org", "started_on", "ended_on"]


@admin.register(PartyMember)
class PartyMemberAdmin(ScopedReadOnlyAdmin):
    scope_filter = "filter_members"
    # Only masked personal data: the admin is not a place to read full ID or phone numbers.
    list_display = ["name", "gender", "status", "id_number_masked", "phone_masked", "workplace", "relation_org"]
    exclude = ["id_number_encrypted", "id_number_hash", "phone_encrypted"]
    list_filter = ["status", "gender", "is_mobile"]
    search_fields = ["name"]
    list_select_related = ["workplace", "relation_org"]


@admin.register(Instructor)
class InstructorAdmin(ScopedReadOnlyAdmin):
    scope_filter = "filter_instructors"
    list_display = ["name", "kind", "region", "capacity", "ended_on"]
    exclude = ["phone_encrypted"]


@admin.register(InstructorAssignment)
class InstructorAssignmentAdmin(ScopedReadOnlyAdmin):
    scope_org_field = "org"
    list_display = ["instructor", "org", "started_on", "ended_on"]

"""Reads of party orgs, members and instructors, always through a scope."""

from __future__ import annotations

from django.db.models import QuerySet

from shuniu.accounts.scopes import Scope
from shuniu.party.models import Instructor, PartyMember, PartyOrg


def party_org_list(scope: Scope) -> QuerySet[PartyOrg]:
    return scope.filter_party_orgs(PartyOrg.objects.select_related("superior", "secretary"))


def member_list(scope: Scope) -> QuerySet[PartyMember]:
    """Current members (not ended) in scope."""
    return scope.filter_members(
        PartyMember.objects.filter(ended_on__isnull=True).select_related("workplace", "relation_org")
    )


def member_find_by_id_number(scope: Scope, id_number: str) -> PartyMember | None:
    """Look a member up by ID number through its keyed hash (the plain number is never queried)."""
    from shuniu.core import crypto
    from shuniu.core.validators import normalize_code

    digest = crypto.keyed_hash(normalize_code(id_number))
    return scope.filter_members(PartyMember.objects.filter(id_number_hash=digest)).first()


def instructor_list(scope: Scope) -> QuerySet[Instructor]:
    return scope.filter_instructors(Instructor.objects.filter(ended_on__isnull=True))

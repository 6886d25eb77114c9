"""Instructors and liaisons: list and detail, through the party selectors."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from shuniu.accounts.scopes import Scope
from shuniu.api.common import found, in_region, page, scope_in, scope_of
from shuniu.api.schemas import ERRORS, MAX_ID, InstructorDetail, InstructorFilters, InstructorOut, Page
from shuniu.party import selectors
from shuniu.party.models import Instructor

router = Router(tags=["instructors"])
InstructorId = Annotated[int, Path(ge=1, le=MAX_ID, description="指导员编号")]


def instructor_get(scope: Scope, instructor_id: int) -> Instructor | None:
    """The instructor (one who has left too) if it exists and lies in scope."""
    return scope.filter(Instructor.objects.filter(pk=instructor_id)).first()


@router.get("/instructors", response={200: Page[InstructorOut], **ERRORS}, summary="党建工作指导员列表")
def list_instructors(request: HttpRequest, filters: Query[InstructorFilters]) -> Any:
    scope, region = scope_in(request, filters.region)
    qs = in_region(selectors.instructor_list(scope), "region", region)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return page(qs.order_by(filters.ordering, "id"), filters)


@router.get("/instructors/{id}", response={200: InstructorDetail, **ERRORS}, summary="党建工作指导员详情")
def get_instructor(request: HttpRequest, id: InstructorId) -> Any:
    return found(instructor_get(scope_of(request), id))

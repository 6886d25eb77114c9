"""Relation transfers: the letters in and out with their states, one letter, the pocket-member list,
the forms for letters to and from outside the system, and a dissolved party org's batch."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from shuniu.transfers.selectors import letter_get
from shuniu.web.views.common import scope_of


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    return redirect("case_list")


@login_required
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = letter_get(scope_of(request), pk)
    if letter is None:
        raise Http404
    if letter.case_id is not None:
        return redirect("case_detail", letter.case_id)
    return redirect("transfer_list")

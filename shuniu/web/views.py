from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shuniu.accounts.scopes import Scope
from shuniu.core.selectors import summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = Scope.for_user(request.user)
    return render(request, "web/home.html", {"summary": summary(scope), "scope": scope})

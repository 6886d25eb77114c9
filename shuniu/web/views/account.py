"""The user's own API tokens: made here (shown once), listed with their last use, revoked."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuniu.accounts.actors import SignedInRequest
from shuniu.accounts.models import ApiToken
from shuniu.accounts.services import token_create, token_revoke
from shuniu.web.forms import TokenForm


@login_required
def tokens(request: SignedInRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_token = ""
    if request.method == "POST" and form.is_valid():
        new_token = token_create(actor=request.user, user=request.user, label=form.cleaned_data["label"])
        form = TokenForm()
    return render(request, "web/tokens.html", {
        "form": form, "new_token": new_token,
        "tokens": ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at"),
    })


@login_required
@require_POST
def token_revoke_view(request: SignedInRequest, pk: int) -> HttpResponse:
    # Only one's own tokens are found here (others' are a 404, as for every object outside a scope);
    # administrators revoke others' tokens in the admin.
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404
    token_revoke(actor=request.user, token=token)
    messages.success(request, _("令牌 %(prefix)s… 已撤销，使用它的系统将无法再访问") % {"prefix": token.prefix})
    return redirect("tokens")

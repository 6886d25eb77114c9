"""Helpers shared by the page views."""

from __future__ import annotations

import datetime as dt
import functools
import io
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.scopes import Scope
from shuniu.audit.services import record_export
from shuniu.core import output
from shuniu.regions.models import Region
from shuniu.web.forms import FilterForm

PAGE_SIZE = 50
V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def scope_of(request: HttpRequest) -> Scope:
    return Scope.for_user(request.user)


def is_htmx(request: HttpRequest) -> bool:
    """A request made by htmx to refresh part of a page (not a boosted navigation)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_page(request: HttpRequest, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only ``partial`` when htmx asks for the results of a filter. With a
    ``form`` of filters that did not validate, the page again with the errors under its fields
    (the partial lists them in place of the results), as a 400."""
    form = context.get("form")
    invalid = isinstance(form, FilterForm) and not form.is_valid()
    response = render(request, partial if is_htmx(request) else template, context, status=400 if invalid else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def takes_query(form_class: type[FilterForm]) -> Callable[[V], V]:
    """Declare the query parameters a view reads: it is called with ``query=`` the bound
    ``form_class`` (valid or not: the view answers each its own way). The form stays on the view
    as ``query_form``, where tests find every page's parameters."""

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return view(request, *args, query=form_class(request.GET), **kwargs)

        wrapped.query_form = form_class  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def bad_query(request: HttpRequest, form: FilterForm) -> HttpResponse:
    """A 400 naming every invalid parameter, for a page that has no filter form to show them in
    (a download, a prefilled form reached by a link)."""
    return render(request, "web/bad_query.html", {"errors": form_errors(form)}, status=400)


def render_form(request: HttpRequest, context: dict[str, Any], prefill: FilterForm) -> HttpResponse:
    """A form page (web/form.html). A link that prefills it with values it cannot take (``prefill``
    did not validate) gets the form without them, the reasons above it, as a 400."""
    errors = form_errors(prefill) if request.method == "GET" else []
    return render(request, "web/form.html", {**context, "query_errors": errors}, status=400 if errors else 200)


def form_errors(form: FilterForm) -> list[str]:
    return [str(message) for errors in form.errors.values() for message in errors]


def region_in_scope(scope: Scope, code: str) -> None:
    """A list's region filter names a region of the user's jurisdiction, as the region pages
    require: a region outside it, or none such, is a 404 there too (an object filter, an id, finds
    nothing instead: objects move between jurisdictions, a link to one may be stale)."""
    from shuniu.coverage.selectors import resolve_region

    if code:
        try:
            resolve_region(scope, code)
        except (PermissionDenied, Region.DoesNotExist) as exc:
            raise Http404 from exc


def paginate(qs: QuerySet[Any], number: int, size: int = PAGE_SIZE, count: int | None = None) -> Page:
    """Page ``number`` of ``qs`` (the last one when it is past the end); ``count``, when the caller
    knows the total already, spares counting the rows."""
    paginator = Paginator(qs, size)
    if count is not None:
        paginator.count = count  # type: ignore[misc]  # a cached_property: set, it is not computed
    return paginator.get_page(number)


def export(request: HttpRequest, rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], fmt: str,
           stem: str, *, kind: str, region: str | None = None) -> FileResponse:
    """Rows as a CSV or xlsx download, written by shuniu.core.output like every other export
    (formulas neutralized), audited, and kept by no cache."""
    suffix = {"csv": ".csv", "xlsx": ".xlsx"}[fmt]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        output.write(rows, columns, fmt, out=str(path), sheet=stem[:31])
        data = path.read_bytes()
    content_type = ("text/csv; charset=utf-8" if fmt == "csv"
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = FileResponse(io.BytesIO(data), as_attachment=True, content_type=content_type,
                            filename=f"{stem}_{dt.date.today():%Y%m%d}{suffix}")
    record_export(actor=request.user, kind=kind, fmt=fmt, scope=scope_of(request), rows=len(rows), region=region,
                  via="web")
    response["Cache-Control"] = "no-store"
    return response


# ---- the change history (audit entries) ---------------------------------------------------------

ACTIONS = {
    "org.create": gettext_lazy("登记社会组织"),
    "org.update": gettext_lazy("修改信息"),
    "org.deregister": gettext_lazy("注销"),
    "org.hub": gettext_lazy("变更所属枢纽"),
    "inspection.record": gettext_lazy("记录年检"),
    "coverage.add": gettext_lazy("纳入党组织覆盖"),
    "coverage.end": gettext_lazy("结束党组织覆盖"),
    "assignment.start": gettext_lazy("派驻党建工作指导员"),
    "assignment.end": gettext_lazy("结束指导员派驻"),
    "party_org.create": gettext_lazy("建立党组织"),
    "party_org.update": gettext_lazy("修改党组织"),
    "party_org.dissolve": gettext_lazy("撤销党组织"),
}
# Derived or placement columns that every creation lists; the history shows the facts people entered.
_HIDDEN = {"id", "province_code", "city_code", "county_code", "street_code", "community_code", "path",
           "coverage_status", "full_members", "members_on_staff", "is_demo", "created_at", "updated_at"}


def _names(model_label: str, ids: set[Any]) -> dict[str, str]:
    from django.apps import apps

    model = apps.get_model(model_label)
    return {str(pk): str(obj) for pk, obj in model._default_manager.in_bulk([i for i in ids if i]).items()}


_REFS = {"party_org_id": "party.PartyOrg", "instructor_id": "party.Instructor", "hub_id": "registry.Hub",
         "industry_id": "registry.Industry", "region_id": "regions.Region", "superior_id": "party.PartyOrg",
         "supervisory_unit_id": "registry.SupervisoryUnit", "secretary_id": "party.PartyMember",
         "registration_region_id": "regions.Region"}
_EXTRA_LABELS = {"on": gettext_lazy("日期"), "reason": gettext_lazy("原因"), "year": gettext_lazy("年度"),
                 "result": gettext_lazy("结论"), "rows": gettext_lazy("行数"),
                 "party_org_id": gettext_lazy("党组织"), "instructor_id": gettext_lazy("指导员"),
                 "started_on": gettext_lazy("起始日期"), "ended_on": gettext_lazy("结束日期"),
                 "files": gettext_lazy("附件")}


def _shown(value: Any, names: dict[str, str]) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    return names.get(str(value), str(value))


def history(entries: Sequence[Any], model: type[Model]) -> list[dict[str, Any]]:
    """Audit entries with readable changes: field labels, names for ids, 是/否 for flags."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    refs: dict[str, set[Any]] = {}
    for entry in entries:
        for key, pair in entry.changes.items():
            if key in _REFS and isinstance(pair, list):
                refs.setdefault(_REFS[key], set()).update(v for v in pair if v not in (None, ""))
    names: dict[str, dict[str, str]] = {label: _names(label, ids) for label, ids in refs.items()}
    out = []
    for entry in entries:
        changes = []
        for key, pair in entry.changes.items():
            if key in _HIDDEN or not isinstance(pair, list) or len(pair) != 2:
                continue
            field = fields.get(key)
            label = _EXTRA_LABELS.get(key) or (field.verbose_name if field is not None else key)
            if field is not None and field.choices:
                display = dict(field.flatchoices)
                pair = [display.get(v, v) for v in pair]
            if pair[0] in (None, "") and pair[1] in (None, ""):
                continue
            lookup = names.get(_REFS.get(key, ""), {})
            changes.append({"label": label, "old": _shown(pair[0], lookup), "new": _shown(pair[1], lookup)})
        out.append({"at": entry.at, "actor": entry.actor_label, "action": ACTIONS.get(entry.action, entry.action),
                    "changes": changes})
    return out

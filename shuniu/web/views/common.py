"""Helpers shared by the page views."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.scopes import Scope
from shuniu.audit.services import record_export
from shuniu.core import output

PAGE_SIZE = 50


def scope_of(request: HttpRequest) -> Scope:
    return Scope.for_user(request.user)


def is_htmx(request: HttpRequest) -> bool:
    """A request made by htmx to refresh part of a page (not a boosted navigation)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_page(request: HttpRequest, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only ``partial`` when htmx asks for the results of a filter."""
    response = render(request, partial if is_htmx(request) else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def paginate(request: HttpRequest, qs: QuerySet[Any], size: int = PAGE_SIZE, count: int | None = None) -> Page:
    """A page of ``qs``; ``count``, when the caller knows the total already, spares counting the rows."""
    paginator = Paginator(qs, size)
    if count is not None:
        paginator.count = count  # type: ignore[misc]  # a cached_property: set, it is not computed
    return paginator.get_page(request.GET.get("page"))


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
                 "started_on": gettext_lazy("起始日期"), "ended_on": gettext_lazy("结束日期")}


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

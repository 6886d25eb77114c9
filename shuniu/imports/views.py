"""Pages for imports and exports: upload, preview with errors, commit with progress, batches, rollback.

Thin: forms parse, the services in ``shuniu.imports.services`` do the work, the selectors read.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuniu.accounts.scopes import Scope
from shuniu.imports import jobs
from shuniu.imports.forms import UploadForm
from shuniu.imports.kinds import KINDS
from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.imports.readers import UnreadableFile
from shuniu.imports.selectors import EXPORT_KINDS, export_table
from shuniu.imports.services import (
    actor_scope,
    batch_list,
    batch_preview_upload,
    batch_rollback,
    import_preview,
    kind_get,
    store_upload,
)
from shuniu.imports.spreadsheets import write_annotated, write_export, write_template
from shuniu.regions.codes import InvalidRegionCode
from shuniu.regions.models import Region
from shuniu.web.forms import ExportQuery
from shuniu.web.views.common import bad_query, takes_query

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if not batch_list(request.user).filter(pk=pk).exists():
        raise Http404
    return batch


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor_scope(request.user)  # 403 without a region scope
    batches = batch_list(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, batches=batches)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = store_upload(upload.chunks(), upload.name)
        source = form.cleaned_data["mapping_from"]
        try:
            batch = batch_preview_upload(actor=request.user, kind=form.cleaned_data["kind"], path=path,
                                         filename=upload.name, mapping=source.mapping if source else None)
        except UnreadableFile as exc:
            path.unlink(missing_ok=True)
            form.add_error("file", str(exc))
        else:
            return redirect("imports:batch", pk=batch.pk)
    return render(request, "imports/index.html", {
        "form": form, "batches": batches[:30], "kinds": KINDS, "export_kinds": EXPORT_KINDS,
        "scope": Scope.for_user(request.user),
    })


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    kind = kind_get(batch.kind)
    columns = {c.field: c for c in kind.columns}
    mapping = [(columns[f].zh if f in columns else f, header) for f, header in (batch.mapping or {}).items()]
    return render(request, "imports/batch.html", {
        "batch": batch, "kind": kind, "mapping": mapping, "errors": batch.errors[:200],
        "progress": jobs.progress_get(batch.pk), "running": jobs.is_running(batch),
        "can_rollback": batch.status == BatchStatus.COMMITTED and (
            batch.created_by_id == request.user.pk or Scope.for_user(request.user).kind == "all"),
    })


@login_required
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    state = jobs.progress_get(batch.pk) or {"stage": "queued", "percent": 0, "message": ""}
    response = render(request, "imports/_progress.html", {"batch": batch, "progress": state,
                                                           "running": jobs.is_running(batch)})
    if not jobs.is_running(batch):
        response["HX-Refresh"] = "true"  # done or failed: show the batch as it now is
    return response


@login_required
@require_POST
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status != BatchStatus.PREVIEW or batch.errors or jobs.is_running(batch):
        messages.error(request, _("该批次不能导入"))
        return redirect("imports:batch", pk=pk)
    jobs.submit_commit(batch, request.user)
    return redirect("imports:batch", pk=pk)


@login_required
@require_POST
def batch_undo(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        batch = batch_rollback(actor=request.user, batch=batch)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    else:
        c = batch.counts
        messages.success(request, _("已撤销批次 #%(id)s：恢复 %(r)s 条，删除 %(d)s 条，保留 %(k)s 条（已被其他数据引用）")
                         % {"id": batch.pk, "r": c.get("restored", 0), "d": c.get("removed", 0),
                            "k": c.get("kept", 0)})
    return redirect("imports:batch", pk=pk)


@login_required
def batch_errors_file(request: HttpRequest, pk: int) -> FileResponse:
    batch = _batch(request, pk)
    if not batch.stored_path or not Path(batch.stored_path).exists():
        raise Http404
    preview = import_preview(actor=request.user, kind=batch.kind, path=batch.stored_path, filename=batch.filename,
                             mapping=batch.mapping or None)
    return _file(lambda p: write_annotated(preview, p), f"{Path(batch.filename).stem}_错误标注.xlsx",
                 ascii_name=f"batch-{batch.pk}-errors.xlsx")


@login_required
def template(request: HttpRequest, kind: str) -> FileResponse:
    if kind not in KINDS:
        raise Http404
    return _file(lambda p: write_template(KINDS[kind], p), f"{KINDS[kind].label}导入模板.xlsx",
                 ascii_name=f"{kind}-template.xlsx")


@login_required
@takes_query(ExportQuery)
def export(request: HttpRequest, kind: str, fmt: str, query: ExportQuery) -> HttpResponseBase:
    if kind not in EXPORT_KINDS or fmt not in ("xlsx", "csv"):
        raise Http404
    if not query.is_valid():
        return bad_query(request, query)
    region = query.cleaned_data["region"] or None
    try:
        rows, columns, title = export_table(kind, Scope.for_user(request.user), region)
    except (Region.DoesNotExist, InvalidRegionCode) as exc:
        raise Http404 from exc
    note = _("统计日期：%(d)s") % {"d": f"{timezone.localdate():%Y-%m-%d}"} if kind == "coverage" else ""
    stem = f"{title}_{timezone.localdate():%Y%m%d}"
    return _file(lambda p: write_export(rows, columns, fmt, p, title=title, totals=kind == "coverage", note=note),
                 f"{stem}.{fmt}", content_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX,
                 ascii_name=f"{kind}-{timezone.localdate():%Y%m%d}.{fmt}")


def _file(write, filename: str, content_type: str = XLSX, ascii_name: str = "") -> FileResponse:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("out" + Path(filename).suffix)
        write(path)
        data = path.read_bytes()
    response = FileResponse(io.BytesIO(data), content_type=content_type)
    # A plain ASCII name first for clients that ignore the RFC 5987 form (headless Chromium among them).
    fallback = ascii_name or f"shuniu{Path(filename).suffix}"
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(filename)}"
    return response

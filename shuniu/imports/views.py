"""Pages for imports and exports: upload, preview with errors, commit with progress, batches, rollback.

Thin: forms parse, the services in ``shuniu.imports.services`` do the work, the selectors read.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from shuniu.accounts.actors import SignedInRequest
from shuniu.accounts.scopes import Scope
from shuniu.audit.services import record_export
from shuniu.imports import jobs
from shuniu.imports.forms import UploadForm
from shuniu.imports.kinds import KINDS
from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.imports.readers import Refused, UnreadableFile, limits, refusal_message
from shuniu.imports.selectors import EXPORT_KINDS, STATISTICS_KINDS, export_table
from shuniu.imports.services import (
    actor_scope,
    batch_list,
    batch_preview_upload,
    batch_rollback,
    import_preview,
    kind_get,
    store_upload,
    upload_expired_message,
)
from shuniu.imports.spreadsheets import write_annotated, write_export, write_template
from shuniu.regions.codes import InvalidRegionCode
from shuniu.regions.models import Region
from shuniu.web.forms import ExportQuery
from shuniu.web.views.common import bad_query, takes_query

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batch(request: SignedInRequest, pk: int) -> ImportBatch:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if not batch_list(request.user).filter(pk=pk).exists():
        raise Http404
    return batch


class _UploadLimit(FileUploadHandler):
    """Stops storing an uploaded file once it passes SHUNIU_IMPORT_MAX_UPLOAD_MB: the rest of the
    request is read and dropped, nothing of it written to disk or kept in memory."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        size = start + len(raw_data)
        if size > self.limit:
            self.request.shuniu_upload_refused = refusal_message(Refused("upload_size", size=size, limit=self.limit))  # type: ignore[union-attr]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt
def index(request: SignedInRequest) -> HttpResponse:
    # The upload handlers must be in place before the CSRF check reads the form.
    request.upload_handlers.insert(0, _UploadLimit(request, limits().upload_bytes))
    return _index(request)


@login_required
@csrf_protect
def _index(request: SignedInRequest) -> HttpResponse:
    actor_scope(request.user)  # 403 without a region scope
    batches = batch_list(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, batches=batches)
    refused = getattr(request, "shuniu_upload_refused", "")
    if refused:
        form.is_valid()
        form.errors["file"] = form.error_class([refused])
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        source = form.cleaned_data["mapping_from"]
        try:
            jobs.uploads_sweep()
            path = store_upload(upload.chunks(), upload.name)
            try:
                batch = batch_preview_upload(actor=request.user, kind=form.cleaned_data["kind"], path=path,
                                             filename=upload.name, mapping=source.mapping if source else None)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        except UnreadableFile as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("imports:batch", pk=batch.pk)
    return render(request, "imports/index.html", {
        "form": form, "batches": batches[:30], "kinds": KINDS, "export_kinds": EXPORT_KINDS,
        "scope": Scope.for_user(request.user),
    })


def _queue_unavailable(request: SignedInRequest, batch: ImportBatch, template: str = "imports/batch.html") -> HttpResponse:
    """The batch without its commit state, saying that the queue is down: 503, not 500."""
    return render(request, template, {**_batch_context(request, batch), "queue_down": QUEUE_DOWN_MESSAGE,
                                      "progress": None, "running": False}, status=503)


QUEUE_DOWN_MESSAGE = gettext_lazy("后台任务队列暂不可用，请稍后再试（已上传的文件和预览不受影响；如持续出现，请联系系统管理员检查 Redis）")


def _batch_context(request: SignedInRequest, batch: ImportBatch) -> dict[str, Any]:
    kind = kind_get(batch.kind)
    columns = {c.field: c for c in kind.columns}
    mapping = [(columns[f].zh if f in columns else f, header) for f, header in (batch.mapping or {}).items()]
    return {
        "batch": batch, "kind": kind, "mapping": mapping, "errors": batch.errors[:200],
        "file_kept": bool(batch.stored_path) and Path(batch.stored_path).is_file(),
        "upload_max_age": f"{float(settings.SHUNIU_IMPORT_UPLOAD_MAX_AGE_HOURS):g}",
        "can_rollback": batch.status == BatchStatus.COMMITTED and (
            batch.created_by_id == request.user.pk or Scope.for_user(request.user).kind == "all"),
    }


@login_required
def batch_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        state = jobs.progress_state(batch)
    except jobs.QueueUnavailable:
        return _queue_unavailable(request, batch)
    return render(request, "imports/batch.html", {**_batch_context(request, batch), "progress": state,
                                                  "running": jobs.is_running(batch, state)})


@login_required
def batch_progress(request: SignedInRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        state = jobs.progress_state(batch)
    except jobs.QueueUnavailable:
        # htmx keeps the fragment it has and polls again: the progress comes back with the queue.
        return render(request, "imports/_progress.html", {"batch": batch, "queue_down": QUEUE_DOWN_MESSAGE,
                                                           "progress": None, "running": True}, status=503)
    running = jobs.is_running(batch, state)
    response = render(request, "imports/_progress.html", {
        "batch": batch, "progress": state or {"stage": "queued", "percent": 0, "message": ""}, "running": running})
    if not running:
        response["HX-Refresh"] = "true"  # done or failed: show the batch as it now is
    return response


@login_required
@require_POST
def batch_commit(request: SignedInRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        if batch.status != BatchStatus.PREVIEW or batch.errors or jobs.is_running(batch):
            messages.error(request, _("该批次不能导入"))
        elif not batch.stored_path or not Path(batch.stored_path).is_file():
            messages.error(request, upload_expired_message())
        else:
            jobs.submit_commit(batch, request.user)
    except jobs.QueueUnavailable:
        return _queue_unavailable(request, batch)
    return redirect("imports:batch", pk=pk)


@login_required
@require_POST
def batch_undo(request: SignedInRequest, pk: int) -> HttpResponse:
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
def batch_errors_file(request: SignedInRequest, pk: int) -> HttpResponseBase:
    batch = _batch(request, pk)
    if not batch.stored_path or not Path(batch.stored_path).exists():
        raise Http404
    try:
        preview = import_preview(actor=request.user, kind=batch.kind, path=batch.stored_path, filename=batch.filename,
                                 mapping=batch.mapping or None)
    except UnreadableFile as exc:  # the limits were lowered since the upload
        messages.error(request, str(exc))
        return redirect("imports:batch", pk=pk)
    response = _file(lambda p: write_annotated(preview, p), f"{Path(batch.filename).stem}_错误标注.xlsx",
                     ascii_name=f"batch-{batch.pk}-errors.xlsx")
    response["Cache-Control"] = "no-store"  # the file as uploaded: full ID numbers among its cells
    return response


@login_required
def template(request: SignedInRequest, kind: str) -> FileResponse:
    if kind not in KINDS:
        raise Http404
    return _file(lambda p: write_template(KINDS[kind], p), f"{KINDS[kind].label}导入模板.xlsx",
                 ascii_name=f"{kind}-template.xlsx")


@login_required
@takes_query(ExportQuery)
def export(request: SignedInRequest, kind: str, fmt: str, query: ExportQuery) -> HttpResponseBase:
    if kind not in EXPORT_KINDS or fmt not in ("xlsx", "csv"):
        raise Http404
    if not query.is_valid():
        return bad_query(request, query)
    region = query.cleaned_data["region"] or None
    scope = Scope.for_user(request.user)
    try:
        rows, columns, title = export_table(kind, scope, region)
    except (Region.DoesNotExist, InvalidRegionCode) as exc:
        raise Http404 from exc
    totals = kind in STATISTICS_KINDS
    note = _("统计日期：%(d)s") % {"d": f"{timezone.localdate():%Y-%m-%d}"} if totals else ""
    stem = f"{title}_{timezone.localdate():%Y%m%d}"
    response = _file(lambda p: write_export(rows, columns, fmt, p, title=title, totals=totals, note=note),
                     f"{stem}.{fmt}", content_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX,
                     ascii_name=f"{kind}-{timezone.localdate():%Y%m%d}.{fmt}")
    record_export(actor=request.user, kind=kind, fmt=fmt, scope=scope, rows=len(rows), region=region, via="web")
    response["Cache-Control"] = "no-store"  # lists of people and places: never kept by a proxy or the browser
    return response


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

"""The import pipeline: read → match headers → read cells → validate every row → preview → commit.

``import_preview`` reads and validates the whole file and writes nothing. ``import_commit`` writes a
clean preview in one transaction (all rows or none), records the batch with every row it created or
changed, and one audit entry. ``batch_rollback`` undoes a committed batch: rows it changed get their
old values back; rows it created are removed unless something else now refers to them (a party org
covering the org, a member working there...), in which case they are kept and counted as such.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.actors import Actor, actor_label, is_system, require_actor
from shuniu.accounts.scopes import Scope
from shuniu.audit.services import record
from shuniu.imports import bulk, cells, readers
from shuniu.imports.kinds import KINDS, get_kind
from shuniu.imports.kinds.base import Context, Kind, Parsed, Plan
from shuniu.imports.models import BatchStatus, ImportBatch, ImportChange
from shuniu.imports.spec import EXAMPLE_PREFIX, HeaderMatch, RowError, match_headers
from shuniu.imports.undo import RollbackRefused, undo_batch

log = logging.getLogger(__name__)


class UnknownKind(ValueError):
    pass


@contextmanager
def many_objects() -> Iterator[None]:
    """Cyclic garbage collection off while a file is read, checked and written.

    An import creates millions of small objects that refcounting frees; the collector would walk
    all of them again and again as they accumulate (about a third of the time of a 100,000-row
    preview) without finding cycles to free.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class Preview:
    kind: Kind
    filename: str
    sha256: str
    sheet: readers.Sheet
    header: HeaderMatch
    ctx: Context
    plan: Plan | None

    @property
    def errors(self) -> list[RowError]:
        return [*self.header.errors, *(self.plan.errors if self.plan else [])]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        if self.plan is None:
            return {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "skipped": 0,
                    "errors": len(self.header.errors), "error_rows": 0}
        return self.plan.counts()


@contextmanager
def big_writes() -> Iterator[None]:
    """On SQLite, a page cache large enough for the batch (as the demo generator uses): with the
    default 2 MB, pages of the table's indexes are spilled to the WAL and read back again and
    again during a large insert. Pages are only allocated when used."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        previous = cur.fetchone()[0]
        cur.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {int(previous)}")


def actor_scope(actor: Actor) -> Scope | None:
    """None (unrestricted) for system actors; a user's scope, which must be a region or everything.

    Each kind then checks every row with it as the services check a call: the row's place and
    every object it names (a workplace, a relation org, a superior, a covered org...) must lie in
    the scope, else the row is refused with its number and column (``Context.refuse_outside``)."""
    if is_system(require_actor(actor)):
        return None
    scope = Scope.for_user(actor)
    if scope.kind not in ("all", "region"):
        raise PermissionDenied(_("导入须有地区管辖范围"))
    return scope


def _check_same_actor(actor: Actor, preview: Preview) -> None:
    """A preview is kept and committed by the actor it was checked for (its rows were checked
    against that actor's scope, not another's), or by one no scope restricts."""
    if is_system(require_actor(actor)) or Scope.for_user(actor).kind == "all":
        return
    made_by = preview.ctx.actor
    if is_system(made_by) or actor.pk != made_by.pk:
        raise PermissionDenied(_("只能提交本人预览的导入（规则：预览与导入须为同一操作者）"))


def _check_batch_owner(actor: Actor, batch: ImportBatch) -> None:
    """A stored batch is committed by the officer who uploaded it, or by one whose scope is everything."""
    scope = actor_scope(actor)
    if scope is not None and scope.kind != "all" and batch.created_by_id != actor.pk:
        raise PermissionDenied(_("只能处理本人导入的批次（规则：本人或系统管理员）"))


def kind_get(name: str) -> Kind:
    try:
        return get_kind(name)
    except KeyError:
        raise UnknownKind(_("未知的导入类型“%(k)s”；可选：%(all)s") % {"k": name, "all": "、".join(KINDS)}) from None


def parse_rows(sheet: readers.Sheet, header: HeaderMatch, kind: Kind) -> tuple[list[Parsed], int]:
    """The data rows under the header: non-blank cells read into field values (rows with nothing
    in the matched columns are left out), and how many example rows were skipped: those whose
    first column starts with "示例：", as the template's example row does."""
    first = kind.columns[0].field
    skipped = 0
    by_field = {c.field: c for c in kind.columns}
    # Cells that repeat (regions, types, dates...) are read once per distinct value; the memo of a
    # column stops growing at MEMO_LIMIT values (names and codes hardly repeat).
    cols: list[tuple[str, int, Any, str, dict[Any, Any]]] = [
        (f, idx, by_field[f].parse, by_field[f].zh, {}) for f, idx in header.index.items()]
    out: list[Parsed] = []
    rows = sheet.rows
    miss = object()
    for i in range(header.row + 1, len(rows)):
        row = rows[i]
        width = len(row)
        data: dict[str, Any] = {}
        bad: dict[str, tuple[str, str]] | None = None
        for field_name, idx, parse, label, memo in cols:
            if idx >= width:
                continue
            value = row[idx]
            if value is None or value == "" or (value.__class__ is str and value.isspace()):
                continue
            # (True and 1 are equal keys but not equal cells: booleans skip the memo.)
            parsed = miss if value.__class__ is bool else memo.get(value, miss)
            if parsed is miss:
                try:
                    parsed = parse(value)
                except cells.CellError as exc:
                    if bad is None:
                        bad = {}
                    bad[field_name] = (exc.code, f"{label}{exc.message}")
                    continue
                if len(memo) < MEMO_LIMIT:
                    memo[value] = parsed
            if parsed is not None and parsed != "":
                data[field_name] = parsed
        if data or bad:
            if str(data.get(first, "")).startswith(EXAMPLE_PREFIX):
                skipped += 1
                continue
            out.append(Parsed(i + 1, data, bad or {}))
    return out, skipped


MEMO_LIMIT = 20_000


def _read(spec: Any, actor: Actor, scope: Any, path: Path, filename: str,
          mapping: Mapping[str, str] | None) -> tuple[Any, Any, Context]:
    """The sheet, its matched header row and the validation context: the start of every import."""
    sheet = readers.read(path, filename or path.name)
    header = match_headers(sheet.rows, list(spec.columns), mapping)
    return sheet, header, Context(actor=actor, scope=scope, header=header, columns={c.field: c for c in spec.columns})


def import_preview(*, actor: Actor, kind: str, path: str | Path, filename: str = "",
                   mapping: Mapping[str, str] | None = None) -> Preview:
    """Read and validate every row of the file; nothing is written."""
    spec = kind_get(kind)
    scope = actor_scope(actor)
    path = Path(path)
    with many_objects():
        sheet, header, ctx = _read(spec, actor, scope, path, filename, mapping)
        plan = None
        if not header.errors:
            parsed, skipped = parse_rows(sheet, header, spec)
            plan = spec.plan(parsed, ctx)
            plan.rows += skipped
            plan.skipped += skipped
    return Preview(kind=spec, filename=filename or path.name, sha256=readers.sha256(path), sheet=sheet,
                   header=header, ctx=ctx, plan=plan)


def _actor_fields(actor: Actor) -> dict[str, Any]:
    user = actor if getattr(actor, "pk", None) else None
    label = actor_label(actor)
    return {"created_by": user, "actor_label": label}


def batch_record_preview(*, actor: Actor, preview: Preview, stored_path: str = "") -> ImportBatch:
    """Keep a preview (for the pages: the file waits under var/ until it is committed)."""
    _check_same_actor(actor, preview)
    return ImportBatch.objects.create(
        kind=preview.kind.name, filename=preview.filename[:255], file_sha256=preview.sha256, stored_path=stored_path,
        status=BatchStatus.PREVIEW, counts=preview.counts(), mapping=preview.header.headers,
        errors=[e.as_dict() for e in preview.errors[:200]], **_actor_fields(actor))


def import_commit(*, actor: Actor, preview: Preview, batch: ImportBatch | None = None) -> ImportBatch:
    """Write a clean preview in one transaction: all of it, or (on any error) nothing."""
    _check_same_actor(actor, preview)
    if batch is not None:
        _check_batch_owner(actor, batch)
    if not preview.ok or preview.plan is None:
        raise ValidationError(_("文件有 %(n)s 处错误，未导入任何数据") % {"n": len(preview.errors)}, code="invalid")
    plan = preview.plan
    # The rows as read are only needed to annotate errors, and a committed preview has none.
    preview.sheet.rows = []
    try:
        with many_objects(), big_writes(), transaction.atomic():
            changes = preview.kind.commit(plan, preview.ctx)
            batch = _record_commit(actor, preview, changes, batch)
    except IntegrityError as exc:
        raise _conflict(exc) from exc
    return batch


class _Invalid(Exception):
    """Raised inside the transaction of ``import_run`` to roll back what was written before an error."""


def import_run(*, actor: Actor, kind: str, path: str | Path, filename: str = "",
               mapping: Mapping[str, str] | None = None, batch: ImportBatch | None = None
               ) -> tuple[Preview, ImportBatch | None]:
    """Validate the file and, if every row is right, commit it: what ``import_preview`` and then
    ``import_commit`` do, with the same result and the same errors. Kinds that can
    (``plan_and_commit``) check and write in one pass inside the transaction, rolled back at the
    end if any row was wrong; the database then works while the rows are checked. The batch is
    None when the file has errors (``preview.errors``)."""
    spec = kind_get(kind)
    if batch is not None:
        _check_batch_owner(actor, batch)
    fused = getattr(spec, "plan_and_commit", None)
    if fused is None:
        preview = import_preview(actor=actor, kind=kind, path=path, filename=filename, mapping=mapping)
        if not preview.ok:
            return preview, None
        return preview, import_commit(actor=actor, preview=preview, batch=batch)
    scope = actor_scope(actor)
    path = Path(path)
    with many_objects():
        sheet, header, ctx = _read(spec, actor, scope, path, filename, mapping)
        preview = Preview(kind=spec, filename=filename or path.name, sha256=readers.sha256(path), sheet=sheet,
                          header=header, ctx=ctx, plan=None)
        if header.errors:
            return preview, None
        parsed, skipped = parse_rows(sheet, header, spec)
        try:
            with big_writes(), transaction.atomic():
                plan, changes = fused(parsed, ctx)
                plan.rows += skipped
                plan.skipped += skipped
                preview.plan = plan
                if plan.errors:
                    raise _Invalid
                del parsed
                sheet.rows = []  # only needed to annotate errors
                batch = _record_commit(actor, preview, changes, batch)
        except _Invalid:
            return preview, None
        except IntegrityError as exc:
            raise _conflict(exc) from exc
    return preview, batch


def _record_commit(actor: Actor, preview: Preview, changes: list[tuple[str, int, int, str, Any, Any]],
                   batch: ImportBatch | None) -> ImportBatch:
    """The batch, its change records and the audit entry, inside the import's transaction.

    The batch row is written last, just before the commit: the pages poll it while the data is
    written, and a writer holding it for the whole transaction would make them wait (or, on
    SQLite's shared-cache test database, fail with "table is locked"). A new batch gets its id
    first so that its change records can point to it (foreign keys are checked at commit).
    """
    assert preview.plan is not None
    new = batch is None
    if batch is not None and ImportBatch.objects.select_for_update().filter(pk=batch.pk).exclude(
            status=BatchStatus.PREVIEW).exists():
        # Another run committed it meanwhile (one whose heartbeat was thought stopped): all of this
        # transaction is rolled back.
        raise ValidationError(_("批次 #%(id)s 已处理") % {"id": batch.pk}, code="state")
    if batch is None:
        batch = ImportBatch(pk=bulk.reserve_ids(ImportBatch, 1)[0], kind=preview.kind.name,
                            filename=preview.filename[:255], file_sha256=preview.sha256,
                            mapping=preview.header.headers, **_actor_fields(actor))
    batch.status = BatchStatus.COMMITTED
    batch.committed_at = timezone.now()
    batch.counts = preview.plan.counts()
    batch.errors = []
    bulk.insert_rows(ImportChange, ["batch_id", "model", "object_id", "count", "action", "before", "after"],
                     ([batch.pk, *c] for c in changes))
    record(actor=actor, action="import.commit", target=batch,
           changes={"kind": [None, batch.kind], "file": [None, batch.filename],
                    "file_sha256": [None, batch.file_sha256], "counts": [None, batch.counts]})
    batch.save(force_insert=new)
    return batch


def _conflict(exc: IntegrityError) -> ValidationError:
    # Something else wrote the same rows between the checks and this commit.
    return ValidationError(_("数据在预览之后被修改（%(err)s），未导入任何数据，请重新导入") % {"err": exc},
                           code="conflict")


def import_file(*, actor: Actor, kind: str, path: str | Path, filename: str = "",
                mapping: Mapping[str, str] | None = None, dry_run: bool = False
                ) -> tuple[Preview, ImportBatch | None]:
    """Validate, then commit when clean and not a dry run (what ``shuniu import`` does)."""
    if dry_run:
        return import_preview(actor=actor, kind=kind, path=path, filename=filename, mapping=mapping), None
    return import_run(actor=actor, kind=kind, path=path, filename=filename, mapping=mapping)


def upload_folder() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def store_upload(chunks: Any, filename: str) -> Path:
    """Keep an uploaded file under SHUNIU_VAR_DIR/imports until its batch is committed (or the file
    is older than SHUNIU_IMPORT_UPLOAD_MAX_AGE_HOURS); ``UnreadableFile`` past the size limit,
    with nothing kept. (The upload page sweeps stale files first: ``jobs.uploads_sweep``.)"""
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(filename).suffix.lower()[:6] if Path(filename).suffix.lower() in (
        ".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt") else ".bin"
    limit = readers.limits().upload_bytes
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=suffix) as tmp:
        try:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise readers.UnreadableFile(readers.refusal_message(
                        readers.Refused("upload_size", size=size, limit=limit)), "upload_size")
                digest.update(chunk)
                tmp.write(chunk)
        except BaseException:
            tmp.close()
            Path(tmp.name).unlink(missing_ok=True)
            raise
    target = folder / f"{digest.hexdigest()[:16]}-{uuid.uuid4().hex[:8]}{suffix}"
    Path(tmp.name).replace(target)
    return target


def batch_preview_upload(*, actor: Actor, kind: str, path: Path, filename: str,
                         mapping: Mapping[str, str] | None = None) -> ImportBatch:
    """Preview an uploaded file and record the preview as a batch (what the upload page does)."""
    preview = import_preview(actor=actor, kind=kind, path=path, filename=filename, mapping=mapping)
    return batch_record_preview(actor=actor, preview=preview, stored_path=str(path))


def batch_commit_stored(*, actor: Actor, batch: ImportBatch, on_progress: Any = None) -> ImportBatch:
    """Commit a previewed batch from its stored file, validating it again first: the database may
    have changed since the preview. If it is no longer clean, the batch keeps its new errors."""
    _check_batch_owner(actor, batch)
    if batch.status != BatchStatus.PREVIEW:
        raise ValidationError(_("批次 #%(id)s 已处理") % {"id": batch.pk}, code="state")
    if not batch.stored_path or not Path(batch.stored_path).is_file():
        raise ValidationError(upload_expired_message(), code="expired")
    if on_progress:
        on_progress("writing", 30)
    preview, committed = import_run(actor=actor, kind=batch.kind, path=batch.stored_path, filename=batch.filename,
                                    mapping=batch.mapping or None, batch=batch)
    if committed is None:
        batch.counts = preview.counts()
        batch.errors = [e.as_dict() for e in preview.errors[:200]]
        batch.save(update_fields=["counts", "errors"])
        raise ValidationError(_("文件有 %(n)s 处错误，未导入任何数据") % {"n": len(preview.errors)}, code="invalid")
    Path(committed.stored_path).unlink(missing_ok=True)
    return committed


def upload_expired_message() -> str:
    return _("上传的文件已超过保留期限并已删除，请重新上传（规则：上传的文件保留 %(h)s 小时）") % {
        "h": f"{float(settings.SHUNIU_IMPORT_UPLOAD_MAX_AGE_HOURS):g}"}


def batch_list(actor: Actor) -> Any:
    """The batches a user may see: their own, or all with a scope over everything."""
    qs = ImportBatch.objects.select_related("created_by")
    if is_system(actor) or Scope.for_user(actor).kind == "all":
        return qs
    return qs.filter(created_by_id=actor.pk)


# ---- rollback -------------------------------------------------------------------------------------

def batch_rollback(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Undo a committed batch (see the module docstring); one transaction, one audit entry."""
    if batch.status != BatchStatus.COMMITTED:
        raise RollbackRefused(_("批次 #%(id)s 未处于“已导入”状态，不能撤销") % {"id": batch.pk}, code="state")
    scope = actor_scope(actor)
    if scope is not None and scope.kind != "all" and batch.created_by_id != actor.pk:
        # An officer undoes their own imports; others' only with a scope over everything.
        raise PermissionDenied(_("只能撤销本人导入的批次"))
    with many_objects(), transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.COMMITTED:
            raise RollbackRefused(_("批次 #%(id)s 已被撤销") % {"id": batch.pk}, code="state")
        result = undo_batch(locked, scope)
        locked.status = BatchStatus.ROLLED_BACK
        locked.rolled_back_at = timezone.now()
        locked.counts = {**locked.counts, **result}
        locked.save(update_fields=["status", "rolled_back_at", "counts"])
        record(actor=actor, action="import.rollback", target=locked, changes={"result": [None, result]})
    batch.refresh_from_db()
    return batch

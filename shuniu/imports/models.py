"""Import batches: what each spreadsheet import did, so that it can be shown, audited and rolled back."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BatchStatus(models.TextChoices):
    PREVIEW = "preview", _("预览")
    COMMITTED = "committed", _("已导入")
    ROLLED_BACK = "rolled_back", _("已撤销")


class ImportBatch(models.Model):
    """One spreadsheet read for one kind: previewed, then committed (all rows or none), maybe rolled back."""

    kind = models.CharField(_("导入类型"), max_length=30, db_index=True)
    filename = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件 SHA-256"), max_length=64, db_index=True)
    # Where the uploaded file is kept between preview and commit (under SHUNIU_VAR_DIR); "" for the CLI.
    stored_path = models.CharField(_("存放位置"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept even if the user is later renamed; "cli" or "system" when run without a user.
    actor_label = models.CharField(_("操作人名称"), max_length=150)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.PREVIEW)
    # {"rows", "created", "updated", "unchanged", "errors", "error_rows"} and, after a rollback,
    # {"restored", "removed", "kept"}.
    counts = models.JSONField(_("计数"), default=dict, blank=True)
    # Field → header as found in the file: reusable with ``--mapping`` or in the upload form.
    mapping = models.JSONField(_("列对应关系"), default=dict, blank=True)
    # The first errors of the preview (row, column, field, code, message), for the pages.
    errors = models.JSONField(_("错误"), default=list, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.filename}"


class ChangeAction(models.TextChoices):
    CREATED = "created", _("新增")
    UPDATED = "updated", pgettext_lazy("import count", "修改")


class ImportChange(models.Model):
    """Rows written by a committed batch: enough to undo them.

    An update is one change per row: ``before`` holds the old values of the fields the batch changed
    (by attname) and ``after`` the values it wrote, so that a rollback can tell whether someone
    changed the row since. Created rows are recorded as runs of consecutive ids (``object_id`` up
    to ``object_id + count - 1``): a batch's new ids are reserved together, so 100,000 created orgs
    are usually one change row rather than 100,000.
    """

    batch = models.ForeignKey(ImportBatch, verbose_name=_("导入批次"), on_delete=models.CASCADE, related_name="changes")
    model = models.CharField(_("对象类型"), max_length=60)  # the model's label_lower, e.g. "registry.socialorg"
    object_id = models.BigIntegerField(_("对象编号"))
    count = models.PositiveIntegerField(_("连续编号数"), default=1)
    action = models.CharField(_("操作"), max_length=8, choices=ChangeAction.choices)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入变更")
        verbose_name_plural = _("导入变更")
        ordering = ["id"]

    def __str__(self) -> str:
        ids = f"{self.object_id}" if self.count == 1 else f"{self.object_id}–{self.object_id + self.count - 1}"
        return f"{self.batch_id}: {self.action} {self.model}#{ids}"

    def ids(self) -> range:
        return range(self.object_id, self.object_id + self.count)

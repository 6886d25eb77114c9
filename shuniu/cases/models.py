"""A case (事项): a request that the body above must decide, with its timeline and attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.regions.models import InRegion
from shuniu.registry.models import SocialOrg


class WaitingOn(models.TextChoices):
    APPLICANT = "applicant", _("申请方")
    BODY = "body", _("审批方")
    NOBODY = "", _("已办结")


class Case(InRegion, Timestamped):
    """One request, of a kind declared in ``shuniu.cases.kinds``.

    The subject is the org, party org or member the case is about (the kind says which). ``body``
    is the party org that must decide: resolved by the mechanism when the case is submitted (the
    superior of a party org, the responsible party body of an org), never typed. ``holder`` is the
    party org whose subtree the case belongs to (the subject party org, else the body), so that a
    secretary sees their own org's cases and a committee the cases waiting on it. The case is
    placed in its subject's region.
    """

    kind = models.CharField(_("事项类别"), max_length=40, db_index=True)
    state = models.CharField(_("状态"), max_length=24, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    org = models.ForeignKey(SocialOrg, verbose_name=_("社会组织"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="cases")
    party_org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="cases")
    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="cases")
    body = models.ForeignKey(PartyOrg, verbose_name=_("审批党组织"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="cases_to_decide")
    holder = models.ForeignKey(PartyOrg, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               editable=False)
    waiting_on = models.CharField(_("待办方"), max_length=10, choices=WaitingOn.choices, blank=True, db_index=True)
    data = models.JSONField(_("申请内容"), default=dict, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    opened_by_label = models.CharField(_("发起人"), max_length=150)
    # Who submitted it last: they may not decide it (no self-approval).
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", editable=False)
    submitted_on = models.DateField(_("提交日期"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True, db_index=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    # A key that makes an automatic case (the establishment opened at registration) happen once.
    origin = models.CharField(max_length=80, blank=True, editable=False)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_binding = ScopeBinding(region="", org="org", party_org="holder")

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["body", "waiting_on", "due_on"], name="case_inbox")]
        constraints = [
            models.UniqueConstraint(fields=["origin"], condition=~Q(origin=""), name="case_unique_origin"),
            models.CheckConstraint(condition=Q(org__isnull=False) | Q(party_org__isnull=False)
                                   | Q(member__isnull=False), name="case_has_a_subject"),
        ]

    def __str__(self) -> str:
        return self.title


class CaseStep(models.Model):
    """One entry of a case's timeline: an action, who took it, when, with what comment."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(_("操作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=24, blank=True)
    to_state = models.CharField(_("新状态"), max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=150)
    body = models.ForeignKey(PartyOrg, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    comment = models.TextField(_("意见"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    scope_binding = ScopeBinding(region="case", org="case__org", party_org="case__holder")

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is the content hash, never the uploaded name (which may hold anything).
    return f"cases/{instance.case_id}/{instance.sha256}.{instance.extension}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    step = models.ForeignKey(CaseStep, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=255)
    name = models.CharField(_("文件名"), max_length=200)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_by_label = models.CharField(_("上传人"), max_length=150)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    scope_binding = ScopeBinding(region="case", org="case__org", party_org="case__holder")

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

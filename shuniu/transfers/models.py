"""Organizational-relation transfer letters (组织关系介绍信) and the batches opened at a dissolution."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.cases.models import Case
from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding
from shuniu.party.models import PartyMember, PartyOrg
from shuniu.registry.models import SocialOrg


class LetterKind(models.TextChoices):
    INTERNAL = "internal", _("系统内转接")
    OUTGOING = "outgoing", _("转出到系统外")
    INCOMING = "incoming", _("从系统外转入")


class LetterState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已开具，待接收")
    RETURNED = "returned", _("已退回")
    COMPLETED = "completed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


class TransferBatch(Timestamped):
    """The transfers of every member of a party org, opened in one action when it is dissolved or
    merged (《意见》第八条), tracked until the last one is received or sent out."""

    party_org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT,
                                  related_name="transfer_batches")
    opened_on = models.DateField(_("发起日期"))
    reason = models.CharField(_("原因"), max_length=200)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    opened_by_label = models.CharField(_("发起人"), max_length=150)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_binding = ScopeBinding(region="party_org", party_org="party_org")

    class Meta:
        verbose_name = _("批量转接")
        verbose_name_plural = _("批量转接")
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.party_org} {self.opened_on}"


class RelationLetter(Timestamped):
    """One letter: issued inside the system (its case carries the steps: issue, receipt, return,
    extension), sent to a party org outside the system, or received from one.

    ``receiver`` is the receiving party org once the letter is sent to it (empty while a draft), so
    that the receiving side sees a letter only then; the sending side sees it through ``from_org``.
    """

    kind = models.CharField(_("类别"), max_length=10, choices=LetterKind.choices, db_index=True)
    state = models.CharField(_("状态"), max_length=10, choices=LetterState.choices, db_index=True)
    case = models.OneToOneField(Case, verbose_name=_("事项"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="letter")
    batch = models.ForeignKey(TransferBatch, verbose_name=_("批量转接"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="letters")
    number = models.CharField(_("介绍信编号"), max_length=40, db_index=True)
    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT,
                               related_name="relation_letters")
    from_org = models.ForeignKey(PartyOrg, verbose_name=_("转出党组织"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="letters_out")
    from_elsewhere = models.CharField(_("开具介绍信的党组织（系统外）"), max_length=200, blank=True)
    to_org = models.ForeignKey(PartyOrg, verbose_name=_("接收党组织"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    to_elsewhere = models.CharField(_("去往党组织（系统外）"), max_length=200, blank=True)
    receiver = models.ForeignKey(PartyOrg, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="letters_in", editable=False)
    to_workplace = models.ForeignKey(SocialOrg, verbose_name=_("新工作单位"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("转接原因"), max_length=200, blank=True)
    dues_paid_to = models.CharField(_("党费交至（年月）"), max_length=7, blank=True)
    issued_on = models.DateField(_("开具日期"), null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("有效期（天）"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, db_index=True)
    extended = models.BooleanField(_("已延期"), default=False)
    received_on = models.DateField(_("接收日期（回执）"), null=True, blank=True)
    received_by = models.CharField(_("经办人"), max_length=150, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_binding = ScopeBinding(region=("from_org", "receiver"), party_org=("from_org", "receiver"),
                                 org="member__workplace")

    class Meta:
        verbose_name = _("组织关系介绍信")
        verbose_name_plural = _("组织关系介绍信")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["state", "valid_until"], name="letter_state_valid")]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=Q(kind="internal") & ~Q(number=""),
                                    name="letter_internal_number_unique"),
            # One letter under way per member: a second one waits until the first is over.
            models.UniqueConstraint(fields=["member"], condition=Q(state__in=["draft", "issued", "returned"]),
                                    name="letter_one_open_per_member"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def destination(self) -> str:
        return self.to_org.name if self.to_org is not None else self.to_elsewhere

    @property
    def origin(self) -> str:
        return self.from_org.name if self.from_org is not None else self.from_elsewhere

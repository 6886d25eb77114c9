"""Mobile members (流动党员, rule MOBILE; DOMAIN.md §3 and §6 C).

A member away from work or home without a fixed place, or for less than 6 months, is registered
as flowing out (``Outflow``: where to, since when, why, the 流动党员活动证 number) and may be taken
in for org life by a party org where they are (``Inflow``, with a ``party.Participation``:
一方隶属、参加多重组织生活, Opinions art. 15). The relation does not move: the member is counted
once, at the relation org; the host's participation counts for attendance only.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding
from shuniu.party.models import Participation, PartyMember, PartyOrg
from shuniu.regions.models import Region


class OutflowEnd(models.TextChoices):
    RETURNED = "returned", _("返回")
    TRANSFERRED = "transferred", _("转移组织关系")
    OTHER = "other", _("其他")


class Outflow(Timestamped):
    """A member registered as flowing out (流出登记) by the party org holding the relation."""

    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="outflows")
    destination = models.CharField(_("外出地点"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("流入地区"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    fixed_place = models.BooleanField(_("地点相对固定"), default=False)
    since = models.DateField(_("外出日期"))
    reason = models.CharField(_("外出原因"), max_length=200)
    certificate_no = models.CharField(_("流动党员活动证编号"), max_length=40, blank=True)
    expected_return = models.DateField(_("预计返回日期"), null=True, blank=True)
    phone_encrypted = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=12, choices=OutflowEnd.choices, blank=True)
    end_note = models.CharField(_("结束说明"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    # The relation side holds it (and the member's workplace and place, as for the member).
    scope_binding = ScopeBinding(region="member", org="member__workplace", party_org="member__relation_org")

    class Meta:
        verbose_name = _("流出登记")
        verbose_name_plural = _("流出登记")
        ordering = ["-since", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on__isnull=True),
                                    name="outflow_one_open_per_member"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("since")),
                                   name="outflow_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.destination}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class Inflow(Timestamped):
    """A mobile member taken in for org life by a host party org (流入登记): both the relation side
    and the host see it; the member is counted once, at the relation."""

    outflow = models.ForeignKey(Outflow, verbose_name=_("流出登记"), on_delete=models.PROTECT, related_name="inflows")
    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="inflows")
    host = models.ForeignKey(PartyOrg, verbose_name=_("流入党组织"), on_delete=models.PROTECT, related_name="inflows")
    participation = models.OneToOneField(Participation, verbose_name=_("参加组织生活"), on_delete=models.PROTECT,
                                         related_name="inflow")
    started_on = models.DateField(_("接收日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_note = models.CharField(_("结束说明"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_binding = ScopeBinding(region=("member", "host"), org="member__workplace",
                                 party_org=("member__relation_org", "host"))

    class Meta:
        verbose_name = _("流入登记")
        verbose_name_plural = _("流入登记")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["outflow"], condition=Q(ended_on__isnull=True),
                                    name="inflow_one_open_per_outflow"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                                   name="inflow_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.host}"

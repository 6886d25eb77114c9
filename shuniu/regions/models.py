from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shuniu.regions.codes import parse


class Level(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("地级")
    COUNTY = "county", _("县级")
    STREET = "street", _("乡级（街道）")
    COMMUNITY = "community", _("村级（社区）")


class Placed(models.Model):
    """A row that lives in a place: its region and one indexed prefix column per level."""

    province_code = models.CharField(_("省级代码"), max_length=2, db_index=True, editable=False)
    city_code = models.CharField(_("地级代码"), max_length=4, db_index=True, blank=True, editable=False)
    county_code = models.CharField(_("县级代码"), max_length=6, db_index=True, blank=True, editable=False)
    street_code = models.CharField(_("乡级代码"), max_length=9, db_index=True, blank=True, editable=False)
    community_code = models.CharField(
        _("村级代码"), max_length=12, db_index=True, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def place_at(self, code: str) -> None:
        """Set the prefix columns from a region code (any accepted form)."""
        for field, value in parse(code).prefixes().items():
            setattr(self, field, value)


class Region(Placed):
    # The short code ("11", "1101", "110105", "110105001", 12 digits for communities) is the key:
    # the 12-digit form is ambiguous for the cities without counties (东莞 4419 and its county-level
    # entry 441900 both pad to 441900000000), the short form never is.
    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    full_code = models.CharField(_("12 位区划代码"), max_length=12, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    retired_on = models.DateField(_("撤销日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(_("%(name)s（%(code)s）") % {"name": self.name, "code": self.code})

    @property
    def is_active(self) -> bool:
        return self.retired_on is None


class InRegion(Placed):
    """A row placed in a region: the region itself plus the denormalized prefix columns."""

    region = models.ForeignKey(Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def set_region(self, region: Region) -> None:
        self.region = region
        self.place_at(region.code)

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shuniu.core.models import Timestamped
from shuniu.core.scoping import ScopeBinding, Through
from shuniu.regions.models import InRegion, Region


class OrgType(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SERVICE_INSTITUTION = "service_institution", _("社会服务机构（民办非企业单位）")
    FOUNDATION = "foundation", _("基金会")
    COMMUNITY_ORG = "community_org", _("社区社会组织")
    # 社会中介类社会组织 (seed 001): law, accounting and tax-agent firms. Registered outside civil
    # affairs: law firms by the justice bureau (USCC 31), CPA and tax-agent firms by market
    # regulation as partnerships or companies (USCC 91).
    SOCIAL_INTERMEDIARY = "social_intermediary", _("社会中介组织（律师、会计师、税务师事务所）")


class RegistrationAuthority(models.TextChoices):
    """The kind of authority that registered an org: the first character of its USCC (GB 32100-2015)."""

    CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
    JUSTICE = "justice", _("司法行政机关")
    MARKET_REGULATION = "market_regulation", _("市场监督管理部门")
    OTHER = "other", _("其他登记管理部门")


# GB 32100-2015 appendix A: the USCC's 1st character is the registration authority, the 2nd the
# institution type within it. Only the codes that a social org can carry are named here.
USCC_AUTHORITY = {"5": RegistrationAuthority.CIVIL_AFFAIRS, "3": RegistrationAuthority.JUSTICE,
                  "9": RegistrationAuthority.MARKET_REGULATION}
USCC_CATEGORY_LABELS = {
    "51": _("民政部门登记的社会团体"), "52": _("民政部门登记的民办非企业单位（社会服务机构）"),
    "53": _("民政部门登记的基金会"), "59": _("民政部门登记的其他组织"),
    "31": _("司法行政机关登记的律师执业机构"), "32": _("司法行政机关登记的公证处"),
    "33": _("司法行政机关登记的基层法律服务所"), "34": _("司法行政机关登记的司法鉴定机构"),
    "35": _("司法行政机关登记的仲裁委员会"), "39": _("司法行政机关登记的其他机构"),
    "91": _("市场监督管理部门登记的企业"), "92": _("市场监督管理部门登记的个体工商户"),
    "93": _("市场监督管理部门登记的农民专业合作社"),
}
# The first two USCC characters each org type may carry. A community org filed with its street has
# none; one registered by civil affairs carries a civil-affairs code.
USCC_PREFIXES_BY_TYPE: dict[str, tuple[str, ...]] = {
    OrgType.SOCIAL_GROUP: ("51",),
    OrgType.SERVICE_INSTITUTION: ("52",),
    OrgType.FOUNDATION: ("53",),
    OrgType.COMMUNITY_ORG: ("51", "52", "59"),
    OrgType.SOCIAL_INTERMEDIARY: ("31", "91"),
}


# A bound against typing errors, not a policy number: the largest social orgs (private universities
# and hospitals registered as 民办非企业单位) have a few thousand full-time staff.
MAX_FULL_TIME_STAFF = 100_000


class RegistrationLevel(models.TextChoices):
    NATIONAL = "national", _("国家")
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    DEREGISTERED = "deregistered", _("注销")


class CoverageStatus(models.TextChoices):
    """DOMAIN.md §4: each org in the population has exactly one, the first that applies. The one
    definition of the values, used by the stored field, the coverage engine, the API and the pages;
    ``short_label`` is the label of charts and table heads."""

    OWN = "own", _("单独建立党组织")
    JOINT = "joint", _("联合（行业、区域）党组织覆盖")
    INSTRUCTOR = "instructor", _("选派党建工作指导员（联络员）")
    MASS_ORG = "mass_org", _("建立工会或共青团组织")
    NONE = "none", _("未覆盖")

    @property
    def short_label(self) -> str | Promise:
        return _COVERAGE_SHORT[self.value]


_COVERAGE_SHORT: dict[str, str | Promise] = {
    CoverageStatus.OWN.value: _("单独建立"),
    CoverageStatus.JOINT.value: _("联合覆盖"),
    CoverageStatus.INSTRUCTOR.value: _("指导员覆盖"),
    CoverageStatus.MASS_ORG.value: _("群团组织覆盖"),
    CoverageStatus.NONE.value: _("未覆盖"),
}


class InspectionResult(models.TextChoices):
    """The conclusions of an annual inspection (``passes.InspectionRecord``), best first: defined
    here, below the coverage app, so that rule INSPECTION names them too."""

    PASS = "pass", _("合格")
    BASIC_PASS = "basic_pass", _("基本合格")
    FAIL = "fail", _("不合格")


class Grade(models.TextChoices):
    A1 = "1A", "1A"
    A2 = "2A", "2A"
    A3 = "3A", "3A"
    A4 = "4A", "4A"
    A5 = "5A", "5A"


class HubLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道级")


class Industry(models.Model):
    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("行业")
        verbose_name_plural = _("行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SupervisoryUnit(Timestamped):
    name = models.CharField(_("名称"), max_length=120)
    region = models.ForeignKey(Region, verbose_name=_("地区"), null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("业务主管单位")
        verbose_name_plural = _("业务主管单位")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "region"], name="supervisory_unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class Hub(InRegion, Timestamped):
    """枢纽型社会组织: links the orgs of one field at city, district or street level."""

    name = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("层级"), max_length=10, choices=HubLevel.choices)
    field = models.CharField(_("领域"), max_length=60, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    scope_binding = ScopeBinding(region="", hub="")

    class Meta:
        verbose_name = _("枢纽型社会组织")
        verbose_name_plural = _("枢纽型社会组织")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name


class SocialOrg(InRegion, Timestamped):
    """A registered (or, for community orgs, filed) social organization."""

    # Every index here is paid on each insert (an import writes 100,000 rows): only the ones a query
    # uses are kept. Dropped (migration 0005, see docs/benchmarks.md, import): the index on
    # ``type`` (four values; lists filter it within a region, whose covering index includes it),
    # those on ``region`` and ``registration_region`` (no query filters or sorts by them: places are
    # matched by the prefix columns) and, on PostgreSQL, the LIKE (varchar_pattern_ops) twins of
    # ``name``, ``uscc`` and ``industry`` (no LIKE prefix query uses them: the USCC prefix search is
    # ORed with a name substring match, which no index serves).
    name = models.CharField(_("名称"), max_length=200, db_index=True)
    # NULL (not "") when absent so that the unique constraint ignores community orgs without one.
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True)
    type = models.CharField(_("类型"), max_length=24, choices=OrgType.choices)
    # Not indexed: deleting a division checks this table without an index (PROTECT), but divisions
    # are retired (``retired_on``), never deleted.
    region = models.ForeignKey(
        Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    registration_level = models.CharField(
        _("登记管理机关级别"), max_length=10, choices=RegistrationLevel.choices
    )
    registration_region = models.ForeignKey(
        Region, verbose_name=_("登记管理机关所在地区"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    supervisory_unit = models.ForeignKey(
        SupervisoryUnit, verbose_name=_("业务主管单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    industry = models.ForeignKey(Industry, verbose_name=_("行业"), null=True, blank=True, on_delete=models.PROTECT)
    # The current hub; the dated history is in HubLink and kept in step by the services.
    hub = models.ForeignKey(
        Hub, verbose_name=_("所属枢纽"), null=True, blank=True, on_delete=models.PROTECT, related_name="orgs"
    )
    full_time_staff = models.PositiveIntegerField(_("专职人员数"), default=0)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=14, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    deregistered_on = models.DateField(_("注销日期"), null=True, blank=True)
    has_trade_union = models.BooleanField(_("建立工会"), default=False)
    trade_union_on = models.DateField(_("工会成立日期"), null=True, blank=True)
    has_youth_league = models.BooleanField(_("建立团组织"), default=False)
    youth_league_on = models.DateField(_("团组织成立日期"), null=True, blank=True)
    evaluation_grade = models.CharField(_("评估等级"), max_length=2, choices=Grade.choices, blank=True)
    evaluation_year = models.PositiveSmallIntegerField(_("评估年度"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    # Derived, stored and kept true by the services (shuniu.coverage.engine); see DOMAIN.md §4.
    coverage_status = models.CharField(
        # Not indexed on its own: lists filter it together with an indexed region prefix, and an
        # index here would make every status change on PostgreSQL a non-HOT update.
        _("覆盖状态"), max_length=10, default=CoverageStatus.NONE, editable=False, choices=CoverageStatus.choices,
    )
    full_members = models.PositiveIntegerField(_("专职人员中的正式党员"), default=0, editable=False)
    members_on_staff = models.PositiveIntegerField(_("专职人员中的党员"), default=0, editable=False)
    # The prefix columns of Placed without their single-column indexes (on PostgreSQL each also had a
    # LIKE twin, useless for codes matched by equality): Meta.indexes has one (code, name, id) index
    # per level instead. Lists page through a region in name order (the default everywhere); with
    # that index a page of a city of 17,000 orgs at 1,000,000 is an index-only scan of 400 entries
    # (0.2 ms) instead of sorting the city's rows (250 ms), and the same index counts the region
    # and serves every equality filter on the code. See docs/benchmarks.md (API). The price: a
    # coverage status change is no longer a HOT update on PostgreSQL (it is in an index now).
    province_code = models.CharField(_("省级代码"), max_length=2, editable=False)
    city_code = models.CharField(_("地级代码"), max_length=4, blank=True, editable=False)
    county_code = models.CharField(_("县级代码"), max_length=6, blank=True, editable=False)
    street_code = models.CharField(_("乡级代码"), max_length=9, blank=True, editable=False)
    community_code = models.CharField(_("村级代码"), max_length=12, blank=True, editable=False)

    # A hub scope holds its orgs, a party scope the orgs its subtree covers now, an instructor the
    # orgs they are assigned to now.
    scope_binding = ScopeBinding(region="", org="", hub="hub", party_org=Through("party_coverages", "party_org"),
                                 instructor=Through("instructor_assignments", "instructor"))

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name", "id"]
        indexes = [
            # INCLUDE (PostgreSQL; SQLite ignores it, hence models.W040 silenced in settings): sorting
            # a region by date, or counting it by type or status, then reads the index alone.
            *(models.Index(fields=[f"{level}_code", "name", "id"], name=f"org_{level}_name_idx",
                           include=["established_on", "type", "status", "coverage_status"])
              for level in ("province", "city", "county", "street")),
            models.Index(fields=["community_code"], name="org_community_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(type="community_org") | Q(uscc__isnull=False),
                name="social_org_uscc_required_unless_community",
            ),
            models.CheckConstraint(
                condition=Q(status="active", deregistered_on__isnull=True)
                | Q(status="deregistered", deregistered_on__isnull=False),
                name="social_org_deregistered_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def registration_authority(self) -> str:
        """Who registered the org, read from its USCC (GB 32100-2015, 1st character): stored
        nowhere else, so it cannot disagree with the code. A community org filed without a code
        is filed under civil affairs' rules for community social orgs."""
        if not self.uscc:
            return RegistrationAuthority.CIVIL_AFFAIRS
        return USCC_AUTHORITY.get(self.uscc[0], RegistrationAuthority.OTHER)

    def get_registration_authority_display(self) -> str:
        return str(RegistrationAuthority(self.registration_authority).label)


class HubLink(Timestamped):
    hub = models.ForeignKey(Hub, verbose_name=_("枢纽"), on_delete=models.PROTECT, related_name="links")
    org = models.ForeignKey(SocialOrg, verbose_name=_("社会组织"), on_delete=models.PROTECT, related_name="hub_links")
    started_on = models.DateField(_("起始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    scope_binding = ScopeBinding(region="org", org="org")

    class Meta:
        verbose_name = _("枢纽联系")
        verbose_name_plural = _("枢纽联系")
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=Q(ended_on__isnull=True), name="hub_link_one_open_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hub} — {self.org}"


class Incubator(InRegion, Timestamped):
    """孵化基地: a base incubating new orgs (and their party orgs: "double incubation")."""

    name = models.CharField(_("名称"), max_length=200)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    # Placed in a region only: hub, party and instructor scopes hold orgs, not places.
    scope_binding = ScopeBinding(region="")

    class Meta:
        verbose_name = _("孵化基地")
        verbose_name_plural = _("孵化基地")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

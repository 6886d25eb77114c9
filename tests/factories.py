"""factory_boy factories that create rows through the services, never around them.

Each ``_create`` calls the service (``org_create``, ``party_org_create``...), so a factory-made row
has passed the same validation, placement and audit as one made by a user. The generated USCCs
(GB 32100-2015) and citizen ID numbers (GB 11643-1999) carry correct check digits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from stdnum.cn import ric, uscc

from shuniu.accounts.actors import SystemActor
from shuniu.party.models import Instructor, PartyMember, PartyOrg
from shuniu.party.services import instructor_create, member_create, party_org_create
from shuniu.registry.models import Hub, OrgType, SocialOrg
from shuniu.registry.services import hub_create, org_create

# The tests act as the operator of the server does through a command: no scope restricts them.
SYSTEM = SystemActor("test")

# Real places (GB/T 2260 and the shipped street list).
ZHONGLOU = "320404"  # 常州市钟楼区
HEHUACHI = "320404006"  # 荷花池街道
XILIN = "320404004"  # 西林街道
BEIJING = "11"
CHAOYANG = "110105"  # 北京市朝阳区
JIANWAI = "110105001"  # 建外街道

# GB 32100-2015, position 2: the organization category within civil affairs (registration authority "5").
# A social intermediary here is a firm registered by market regulation ("91", rule USCC_TYPE).
_USCC_CATEGORY = {OrgType.SOCIAL_GROUP: "51", OrgType.SERVICE_INSTITUTION: "52", OrgType.FOUNDATION: "53",
                  OrgType.SOCIAL_INTERMEDIARY: "91"}


def make_uscc(n: int, county: str = ZHONGLOU, org_type: str = OrgType.SOCIAL_GROUP) -> str:
    """A valid 18-character USCC: 17 characters, then the GB 32100-2015 check character."""
    body = f"{_USCC_CATEGORY.get(org_type, '59')}{county}MJ{n % 10_000_000:07d}"
    assert len(body) == 17
    return body + uscc.calc_check_digit(body)


def make_id_number(n: int, county: str = ZHONGLOU) -> str:
    """A valid 18-digit citizen ID number: county of issue, a plausible birth date, sequence, check digit.

    Birth dates start in 1985 because 钟楼区 (320404) exists since 1983 and python-stdnum checks
    that the county existed in the birth year; they end in 1994, so that a member admitted in 2015
    (the factory's default) was at least 18 (rule MEMBER_DATES).
    """
    born = dt.date(1985, 1, 1) + dt.timedelta(days=n % 3650)
    body = f"{county}{born:%Y%m%d}{n % 1000:03d}"
    assert len(body) == 17
    # calc_check_digit expects the number with a (placeholder) check digit in place.
    return body + ric.calc_check_digit(body + "0")


def make_phone(n: int) -> str:
    return f"139{n % 100_000_000:08d}"


class _ServiceFactory(factory.Factory):
    """Base: ``actor`` is passed to the service; ``SYSTEM`` is a system actor that no scope restricts."""

    class Meta:
        abstract = True

    actor = SYSTEM

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("these factories only create, through the services")


class HubFactory(_ServiceFactory):
    class Meta:
        model = Hub

    name = factory.Sequence(lambda n: f"测试枢纽{n}")
    level = "street"
    region_code = HEHUACHI
    field = "社区服务"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, actor: Any = SYSTEM, **kwargs: Any) -> Hub:
        return hub_create(actor=actor, **kwargs)


class SocialOrgFactory(_ServiceFactory):
    class Meta:
        model = SocialOrg

    name = factory.Sequence(lambda n: f"测试社会组织{n:04d}")
    type = OrgType.SOCIAL_GROUP
    region_code = HEHUACHI
    registration_level = "county"
    uscc = factory.LazyAttributeSequence(
        lambda o, n: None if o.type == OrgType.COMMUNITY_ORG else make_uscc(n, o.region_code[:6], o.type)
    )
    full_time_staff = 5
    established_on = dt.date(2018, 3, 1)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, actor: Any = SYSTEM, **kwargs: Any) -> SocialOrg:
        return org_create(actor=actor, **kwargs)


class PartyOrgFactory(_ServiceFactory):
    class Meta:
        model = PartyOrg

    name = factory.Sequence(lambda n: f"测试党支部{n:04d}")
    kind = "branch"
    established_on = dt.date(2019, 7, 1)
    superior = None
    covers: Any = ()
    # Without covers or a superior (which place it), a party org sits in 荷花池街道.
    region_code = factory.LazyAttribute(lambda o: None if o.covers or o.superior else HEHUACHI)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, actor: Any = SYSTEM, **kwargs: Any) -> PartyOrg:
        return party_org_create(actor=actor, **kwargs)


class PartyMemberFactory(_ServiceFactory):
    class Meta:
        model = PartyMember

    name = factory.Faker("name", locale="zh_CN")
    gender = "female"
    status = "full"
    id_number = factory.Sequence(make_id_number)
    phone = factory.Sequence(make_phone)
    # A full member was admitted in 2015 and became full a year later; a probationary one was
    # admitted 100 days ago (rule PROBATION: probation lasts 1 year, at most 2).
    admitted_on = factory.LazyAttribute(
        lambda o: dt.date(2015, 6, 1) if o.status == "full" else dt.date.today() - dt.timedelta(days=100))
    full_on = factory.LazyAttribute(lambda o: dt.date(2016, 6, 1) if o.status == "full" else None)
    workplace = factory.SubFactory(SocialOrgFactory)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, actor: Any = SYSTEM, **kwargs: Any) -> PartyMember:
        return member_create(actor=actor, **kwargs)


class InstructorFactory(_ServiceFactory):
    class Meta:
        model = Instructor

    name = factory.Faker("name", locale="zh_CN")
    kind = "instructor"
    region_code = HEHUACHI
    phone = factory.Sequence(lambda n: make_phone(50_000_000 + n))
    employer = "钟楼区社会组织综合党委"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, actor: Any = SYSTEM, **kwargs: Any) -> Instructor:
        return instructor_create(actor=actor, **kwargs)

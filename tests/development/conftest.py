"""A branch under a comprehensive committee, with three full members (who work elsewhere, so that the
branch's org starts with none), the committee's user, and a person to develop."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shuniu.core.services import add_years
from shuniu.development.models import Applicant
from shuniu.development.services import applicant_create, step_record
from tests.factories import HEHUACHI, SYSTEM, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory, make_id_number

# The dates of a run that respects every duration, relative to today: the member service keeps a
# probationary member at most two years from the branch meeting, so the meeting is about 19 months ago.
APPLIED = dt.date.today() - dt.timedelta(days=1050)


def _after(days: int) -> dt.date:
    return APPLIED + dt.timedelta(days=days)


ACTIVIST = _after(31)
MEETING = _after(480)
FULL_MEETING = add_years(MEETING, 1)
RUN: list[tuple[str, dt.date, dict[str, Any]]] = [
    ("talk", _after(14), {}),
    ("activist", ACTIVIST, {"recommended_by": "members", "contacts": "@0"}),
    ("review", _after(31 + 180), {"conclusion": "表现良好"}),
    ("review", _after(31 + 350), {"conclusion": "表现良好"}),
    ("candidate", _after(31 + 370), {}),
    ("introducers", _after(31 + 377), {"introducers": "@0,@1"}),
    ("political_review", _after(31 + 400), {"conclusion": "合格"}),
    ("training", _after(31 + 410), {"days": 3}),
    ("notice", _after(31 + 420), {}),
    # 20 calendar days hold 5 working days whatever the holidays.
    ("pre_review", _after(31 + 440), {}),
    ("meeting", MEETING, {"eligible": 3, "votes_for": 3}),
    ("approval", _after(500), {}),
    ("oath", _after(505), {}),
    ("full_meeting", FULL_MEETING, {"eligible": 3, "votes_for": 2}),
    ("full_approval", FULL_MEETING + dt.timedelta(days=10), {}),
]
SUPERIOR_STEPS = {"pre_review", "approval", "extension", "full_approval"}


@pytest.fixture
def committee(db):  # type: ignore[no-untyped-def]
    return PartyOrgFactory(name="钟楼区社会组织综合党委", kind="comprehensive_committee", region_code=HEHUACHI)


@pytest.fixture
def dev_org(db):  # type: ignore[no-untyped-def]
    return SocialOrgFactory(name="荷花池青少年服务中心", type="service_institution", region_code=HEHUACHI)


@pytest.fixture
def dev_branch(dev_org, committee):  # type: ignore[no-untyped-def]
    return PartyOrgFactory(name="荷花池青少年服务中心党支部", kind="branch", covers=[dev_org], superior=committee)


@pytest.fixture
def full_members(dev_branch):  # type: ignore[no-untyped-def]
    elsewhere = SocialOrgFactory(region_code=HEHUACHI)
    return [PartyMemberFactory(name=name, workplace=elsewhere, relation_org=dev_branch)
            for name in ("柏文彬", "董素琴", "岳长庚")]


@pytest.fixture
def committee_user(committee):  # type: ignore[no-untyped-def]
    from tests.conftest import _user

    return _user("committee", "secretary", f"party:{committee.pk}")


@pytest.fixture
def branch_secretary(dev_branch):  # type: ignore[no-untyped-def]
    from tests.conftest import _user

    return _user("dev_secretary", "secretary", f"party:{dev_branch.pk}")


@pytest.fixture
def person(dev_org, dev_branch, full_members):  # type: ignore[no-untyped-def]
    return applicant_create(actor=SYSTEM, name="石晓岚", gender="female", id_number=make_id_number(5001),
                            phone="13900005001", applied_on=APPLIED, workplace=dev_org, branch=dev_branch)


def fill(data: dict[str, Any], members: list[Any]) -> dict[str, Any]:
    """The step's data with "@n" replaced by the name of the n-th full member."""
    out = {}
    for key, value in data.items():
        if isinstance(value, str) and "@" in value:
            value = ",".join(members[int(part[1:])].name for part in value.split(","))
        out[key] = value
    return out


def run(person: Applicant, members: list[Any], until: str | None = None, *, actor: Any = SYSTEM,
        superior: Any = SYSTEM) -> Applicant:
    """Record the steps of ``RUN`` in order, up to (not including) the first ``until``."""
    for step, on, data in RUN:
        if step == until:
            break
        step_record(actor=superior if step in SUPERIOR_STEPS else actor, applicant=person, step=step, on=on,
                    **fill(data, members))
    person.refresh_from_db()
    return person


def data_of(step: str, members: list[Any]) -> dict[str, Any]:
    return fill(next(d for s, _on, d in RUN if s == step), members)

"""The `summary` command and the summary selector behind it."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from shuniu.accounts.scopes import Scope
from shuniu.coverage.summary import summary
from tests.factories import (
    HEHUACHI,
    JIANWAI,
    XILIN,
    HubFactory,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhonglou(db):
    orgs = [
        SocialOrgFactory(region_code=HEHUACHI, type="social_group"),
        SocialOrgFactory(region_code=HEHUACHI, type="service_institution"),
        SocialOrgFactory(region_code=XILIN, type="service_institution"),
        SocialOrgFactory(region_code=XILIN, type="community_org"),
    ]
    SocialOrgFactory(region_code=JIANWAI)  # Beijing: must not be counted for 320404
    branch = PartyOrgFactory(covers=orgs[:1])
    PartyMemberFactory(workplace=orgs[0], relation_org=branch)
    PartyMemberFactory(workplace=orgs[1], status="probationary", full_on=None)
    InstructorFactory(region_code=XILIN)
    HubFactory(region_code=HEHUACHI, level="street")
    return orgs


def _summary_json(capsys, *args):
    call_command("summary", *args, "--json")
    return json.loads(capsys.readouterr().out)


def test_summary_of_zhonglou_counts_its_streets_and_the_orgs_created_here(zhonglou, capsys):
    data = _summary_json(capsys, "--region", "320404")
    assert data["regions"]["street"] == 8
    assert data["regions"]["community"] == 105
    assert data["regions"]["county"] == 0
    assert data["social_orgs"]["total"] == 4
    assert data["social_orgs"]["by_type"] == {"social_group": 1, "service_institution": 2, "foundation": 0,
                                              "community_org": 1, "social_intermediary": 0}
    assert data["social_orgs"]["by_status"] == {"active": 4, "deregistered": 0}
    assert data["party_orgs"]["total"] == 1
    assert data["members"] == {"total": 2, "by_status": {"full": 1, "probationary": 1}}
    assert data["instructors"] == 1
    assert data["hubs"]["street"] == 1


def test_summary_of_one_street(zhonglou, capsys):
    data = _summary_json(capsys, "--region", XILIN)
    assert data["social_orgs"]["total"] == 2
    assert data["regions"]["street"] == 0


def test_summary_accepts_the_twelve_digit_form(zhonglou, capsys):
    assert _summary_json(capsys, "--region", "320404000000")["social_orgs"]["total"] == 4


def test_summary_of_beijing_counts_only_beijing(zhonglou, capsys):
    data = _summary_json(capsys, "--region", "11")
    assert data["social_orgs"]["total"] == 1
    assert data["regions"]["county"] == 16


@pytest.mark.parametrize("code", ["999999", "12345"])
def test_summary_of_an_unknown_region_is_a_clear_error(code):
    with pytest.raises(CommandError, match=code):
        call_command("summary", "--region", code, "--json")


def test_the_summary_selector_respects_the_scope(zhonglou, chaoyang_officer):
    data = summary(Scope.for_user(chaoyang_officer), "320404")
    assert data["social_orgs"]["total"] == 0
    assert data["members"]["total"] == 0

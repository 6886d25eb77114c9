"""Leaks the access matrix found, each pinned by a focused test."""

from __future__ import annotations

import pytest

from shuniu.accounts.scopes import Scope
from shuniu.regions.models import Region
from shuniu.registry.models import Incubator
from tests.factories import HEHUACHI, JIANWAI, PartyMemberFactory, PartyOrgFactory, SocialOrgFactory

pytestmark = pytest.mark.django_db


def _incubator(pk: int, name: str, code: str) -> Incubator:
    incubator = Incubator(pk=pk, name=name)
    incubator.set_region(Region.objects.get(code=code))
    incubator.save()
    return incubator


def test_hub_staff_do_not_see_an_incubator_that_shares_their_hubs_id(client, hub_staff, hub):  # type: ignore[no-untyped-def]
    """The incubator admin filtered with ``filter_hubs``, which for a hub scope is ``id = hub id``:
    the staff of hub 7 saw incubator 7, wherever it was."""
    _incubator(hub.pk, "建外创益孵化基地", JIANWAI)
    client.force_login(hub_staff)
    listing = client.get("/admin/registry/incubator/")
    assert listing.status_code == 200
    assert "建外创益孵化基地" not in listing.content.decode()
    assert client.get(f"/admin/registry/incubator/{hub.pk}/change/").status_code in (302, 404)
    assert not Scope.for_user(hub_staff).filter(Incubator.objects.all()).exists()


def test_placed_rows_follow_the_region_scope(zhonglou_officer, chaoyang_officer, secretary):  # type: ignore[no-untyped-def]
    here = _incubator(901, "荷花池创益孵化基地", HEHUACHI)
    _incubator(902, "建外创益孵化基地", JIANWAI)
    assert list(Scope.for_user(zhonglou_officer).filter(Incubator.objects.all())) == [here]
    assert [i.pk for i in Scope.for_user(chaoyang_officer).filter(Incubator.objects.all())] == [902]
    assert not Scope.for_user(secretary).filter(Incubator.objects.all()).exists()
    assert Scope.everything().filter(Incubator.objects.all()).count() == 2


def test_the_admin_shows_a_members_birth_date_only_to_roles_that_may_see_personal_data(  # type: ignore[no-untyped-def]
        client, hub_staff, hub, zhonglou_officer):
    """The member admin excluded the encrypted numbers but showed the birth date, which the ID
    number holds and the API hides from the same roles."""
    org = SocialOrgFactory(name="荷花池邻里守望互助会", region_code=HEHUACHI, hub=hub)
    member = PartyMemberFactory(workplace=org)
    born = f"{member.birth_date.year}年{member.birth_date.month}月{member.birth_date.day}日"
    url = f"/admin/party/partymember/{member.pk}/change/"
    client.force_login(hub_staff)
    page = client.get(url)
    assert page.status_code == 200 and member.name in page.content.decode()
    assert born not in page.content.decode()
    client.force_login(zhonglou_officer)
    assert born in client.get(url).content.decode()


def test_a_party_orgs_page_lists_only_the_covered_orgs_inside_the_scope(client, hub_staff, hub, branch_org):  # type: ignore[no-untyped-def]
    """A joint branch covering one of the hub's orgs and another org: the hub's staff may open it,
    and its page named every org it covers (unlinked) where the API lists only those in scope."""
    mine = SocialOrgFactory(name="荷花池邻里守望互助会", region_code=HEHUACHI, hub=hub)
    joint = PartyOrgFactory(name="荷花池街道邻里联合党支部", kind="joint_branch", covers=[mine, branch_org])
    client.force_login(hub_staff)
    page = client.get(f"/party/{joint.pk}/").content.decode()
    assert mine.name in page
    assert branch_org.name not in page

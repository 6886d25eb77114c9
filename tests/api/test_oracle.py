"""No membership oracle: a refused ID number tells most users nothing, is audited, and is limited.

A street officer (who may not look members up by ID number) registering a number that a member
somewhere already holds learns only "无法登记该人员，请联系上级组织部门核实", the same words whatever
the holder's place and status; the precise message goes only to those ``may_learn_owner`` allows.
Every refusal is audited without the number; after ``SHUNIU_ID_REFUSALS_LIMIT`` refusals in the
window every further ID check is answered 429 (API), or with the same message (pages, the import
preview). Each test has a cache of its own, so that no count leaks from one test into another.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from shuniu.audit.models import AuditEntry
from shuniu.core import crypto
from shuniu.imports.services import batch_preview_upload, import_preview, store_upload
from shuniu.party.models import PartyMember
from shuniu.party.privacy import REFUSED, REFUSED_ACTION
from shuniu.party.services import member_update
from tests.factories import CHAOYANG, HEHUACHI, JIANWAI, SYSTEM, XILIN, PartyMemberFactory, SocialOrgFactory
from tests.factories import make_id_number as _make_id_number
from tests.imports.files import write_csv

LIMIT, WINDOW = 20, 60
MEMBER_HEADERS = ["姓名", "性别", "公民身份号码", "党员状态", "入党日期", "转正日期", "工作单位统一社会信用代码"]


def number(n: int, county: str = "320404") -> str:
    return _make_id_number(70_000 + n, county)


@pytest.fixture(autouse=True)
def private_cache(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"oracle-{uuid.uuid4().hex}"}}
    settings.SHUNIU_ID_REFUSALS_LIMIT = LIMIT
    settings.SHUNIU_ID_REFUSALS_WINDOW_SECONDS = WINDOW


@pytest.fixture
def street_officer(db: Any) -> Any:
    from shuniu.accounts.services import user_create

    user, _pw = user_create(actor=SYSTEM, username="hehuachi_street", role="street_officer", scope=HEHUACHI)
    return user


@pytest.fixture
def places(db: Any) -> dict[str, Any]:
    """An org in the street officer's street, and members elsewhere with different places and statuses."""
    here = SocialOrgFactory(name="荷花池测试组织", region_code=HEHUACHI)
    far = SocialOrgFactory(name="建外远方组织", region_code=JIANWAI)
    near = SocialOrgFactory(name="西林近处组织", region_code=XILIN)
    return {
        "here": here,
        "far_full": PartyMemberFactory(name="远方正式党员", workplace=far, status="full", id_number=number(1, CHAOYANG)),
        "near_probationary": PartyMemberFactory(name="近处预备党员", workplace=near, status="probationary",
                                                admitted_on="2025-01-01", full_on=None, id_number=number(2)),
        "own_street": PartyMemberFactory(name="本街道党员", workplace=here, id_number=number(3)),
    }


def register(api_client: Any, org: Any, id_number: str, name: str = "试探") -> Any:
    return api_client.post("/api/v1/members", {"name": name, "gender": "male", "status": "full",
                                               "admitted_on": "2015-07-01", "full_on": "2016-07-01",
                                               "id_number": id_number, "workplace": org.pk},
                           content_type="application/json")


def test_a_street_officer_cannot_learn_where_or_with_what_status_a_number_is_registered(
        api: Any, street_officer: Any, places: dict[str, Any]) -> None:
    client = api(street_officer)
    bodies = []
    for key in ("far_full", "near_probationary", "own_street"):
        member = places[key]
        response = register(client, places["here"], member.id_number)
        assert response.status_code == 422
        body = response.content.decode()
        for secret in (member.id_number, member.id_number_masked, member.name, member.workplace.name,
                       member.region_id, "正式", "预备", "朝阳", "西林", "管辖"):
            assert secret not in body, (key, secret)
        errors = response.json()["errors"]
        assert errors == [{"field": "id_number", "rule": "id_refused", "message": str(REFUSED)}]
        bodies.append(body)
    # A full member in Beijing, a probationary one in the next street, one in the officer's own
    # street: the answers cannot be told apart.
    assert len(set(bodies)) == 1
    assert PartyMember.objects.filter(name="试探").count() == 0


def test_only_those_who_may_see_the_holder_get_the_precise_message(
        api: Any, zhonglou_officer: Any, chaoyang_officer: Any, street_officer: Any, places: dict[str, Any]) -> None:
    inside = places["near_probationary"]  # in 钟楼区
    response = register(api(zhonglou_officer), places["here"], inside.id_number)
    message = response.json()["errors"][0]["message"]
    assert inside.name in message and inside.id_number_masked in message and inside.id_number not in message
    # A district officer of Beijing, registering in his own district a number held in 钟楼区.
    beijing_org = SocialOrgFactory(region_code=JIANWAI)
    response = register(api(chaoyang_officer), beijing_org, inside.id_number)
    assert response.json()["errors"][0]["message"] == str(REFUSED)
    # The holder in the street officer's own street: still no right to see ID numbers.
    response = register(api(street_officer), places["here"], places["own_street"].id_number)
    assert response.json()["errors"][0]["message"] == str(REFUSED)


def test_every_refusal_is_audited_without_the_number(api: Any, street_officer: Any, places: dict[str, Any]) -> None:
    client = api(street_officer)
    held = places["far_full"].id_number
    register(client, places["here"], held)
    register(client, places["here"], places["own_street"].id_number)
    entries = list(AuditEntry.objects.filter(action=REFUSED_ACTION).order_by("id"))
    assert [e.actor for e in entries] == [street_officer, street_officer]
    first = entries[0]
    assert first.changes["id_number_hash"] == crypto.keyed_hash(held)
    assert first.changes["id_number_masked"] == crypto.mask_id_number(held)
    assert first.changes["via"] == "member_create"
    for entry in AuditEntry.objects.all():
        text = f"{entry.target_repr} {entry.changes}"
        assert held not in text and places["own_street"].id_number not in text


def test_forty_refusals_in_a_minute_are_met_with_429(api: Any, street_officer: Any, admin_user: Any,
                                                     places: dict[str, Any]) -> None:
    held = [PartyMemberFactory(workplace=places["far_full"].workplace, id_number=number(100 + i, CHAOYANG))
            for i in range(40)]
    client = api(street_officer)
    statuses = []
    for member in held:
        response = register(client, places["here"], member.id_number)
        statuses.append(response.status_code)
    assert statuses == [422] * LIMIT + [429] * (40 - LIMIT)
    body = response.json()
    message = body["errors"][0]["message"]
    assert body["errors"][0]["rule"] == "rate_limit"
    assert message.startswith("查询过于频繁，请于 ") and "秒后再试（规则：" in message and str(LIMIT) in message
    assert 0 < int(response["Retry-After"]) <= WINDOW
    assert AuditEntry.objects.filter(action=REFUSED_ACTION, actor=street_officer).count() == LIMIT

    # While limited, a number nobody holds gets the same 429: the limit itself answers nothing.
    free = register(client, places["here"], number(999))
    assert free.status_code == 429 and not PartyMember.objects.filter(id_number_hash=crypto.keyed_hash(number(999)))
    # Registering someone without an ID number checks none, and goes through.
    assert client.post("/api/v1/members", {"name": "无号党员", "gender": "female", "status": "full",
                                           "admitted_on": "2015-07-01", "full_on": "2016-07-01",
                                           "workplace": places["here"].pk},
                       content_type="application/json").status_code == 201
    # Another user is not limited by this one's refusals.
    assert register(api(admin_user), places["here"], number(998)).status_code == 201


def test_the_same_number_refused_again_is_not_counted_twice(api: Any, street_officer: Any,
                                                             places: dict[str, Any]) -> None:
    client = api(street_officer)
    for _ in range(LIMIT + 5):
        assert register(client, places["here"], places["far_full"].id_number).status_code == 422
    assert AuditEntry.objects.filter(action=REFUSED_ACTION).count() == LIMIT + 5  # each is audited all the same


def test_the_limit_ends_with_its_window(api: Any, street_officer: Any, places: dict[str, Any],
                                        monkeypatch: Any) -> None:
    held = [PartyMemberFactory(workplace=places["far_full"].workplace, id_number=number(200 + i, CHAOYANG))
            for i in range(LIMIT)]
    client = api(street_officer)
    for member in held:
        register(client, places["here"], member.id_number)
    assert register(client, places["here"], number(997)).status_code == 429
    later = time.time() + WINDOW + 1
    monkeypatch.setattr(time, "time", lambda: later)  # the cache's clock too
    assert register(client, places["here"], number(997)).status_code == 201


def test_an_id_number_change_is_refused_alike(street_officer: Any, places: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        member_update(actor=street_officer, member=places["own_street"], id_number=places["far_full"].id_number)
    assert info.value.message_dict == {"id_number": [str(REFUSED)]}
    assert AuditEntry.objects.filter(action=REFUSED_ACTION, changes__via="member_update").count() == 1


def test_the_pages_say_the_same(client: Any, street_officer: Any, places: dict[str, Any]) -> None:
    client.force_login(street_officer)
    data = {"name": "试探", "gender": "male", "status": "full", "admitted_on": "2015-07-01", "full_on": "2016-07-01",
            "workplace": places["here"].pk}
    response = client.post("/members/new/", {**data, "id_number": places["far_full"].id_number})
    assert response.context["form"].errors["id_number"] == [str(REFUSED)]
    page = response.content.decode()
    assert places["far_full"].name not in page and places["far_full"].id_number_masked not in page
    held = [PartyMemberFactory(workplace=places["far_full"].workplace, id_number=number(300 + i, CHAOYANG))
            for i in range(LIMIT)]
    for member in held:
        client.post("/members/new/", {**data, "id_number": member.id_number})
    response = client.post("/members/new/", {**data, "id_number": number(996)})
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and errors[0].startswith("查询过于频繁，请于 ")
    assert not PartyMember.objects.filter(name="试探").exists()


def _members_file(path: Path, numbers: list[str], org: Any) -> Path:
    return write_csv(path, [[f"导入试探{i}", "男", n, "正式党员", "2015-07-01", "2016-07-01", org.uscc] for i, n in enumerate(numbers)],
                     headers=MEMBER_HEADERS)


def test_the_import_preview_refuses_alike_and_stops_at_the_limit(street_officer: Any, places: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    held = [PartyMemberFactory(workplace=places["far_full"].workplace, id_number=number(400 + i, CHAOYANG))
            for i in range(40)]
    path = _members_file(tmp_path / "members.csv", [m.id_number for m in held], places["here"])
    preview = import_preview(actor=street_officer, kind="members", path=path)
    refusals = [e for e in preview.errors if e.code == "id_refused"]
    assert len(refusals) == LIMIT
    assert {e.message for e in refusals} == {str(REFUSED)}
    assert [e.row for e in refusals] == list(range(2, 2 + LIMIT))  # stopped there: the rest were not looked at
    stop = [e for e in preview.errors if e.code == "rate_limit"]
    assert len(stop) == 1 and stop[0].message.startswith("查询过于频繁，请于 ")
    text = " ".join(e.message for e in preview.errors)
    assert "朝阳" not in text and "管辖" not in text and "正式" not in text
    assert AuditEntry.objects.filter(action=REFUSED_ACTION, changes__via="import").count() == LIMIT
    # A second look (the error file, another upload) stops before the first row.
    stored = store_upload([path.read_bytes()], path.name)
    batch = batch_preview_upload(actor=street_officer, kind="members", path=stored, filename=path.name)
    assert [e["code"] for e in batch.errors] == ["rate_limit"]


def test_a_district_officer_importing_a_number_held_elsewhere_learns_nothing_more(
        zhonglou_officer: Any, places: dict[str, Any], tmp_path: Path) -> None:
    path = _members_file(tmp_path / "m.csv", [places["far_full"].id_number, number(995)], places["here"])
    preview = import_preview(actor=zhonglou_officer, kind="members", path=path)
    assert [(e.row, e.field, e.message) for e in preview.errors] == [(2, "id_number", str(REFUSED))]
    # The holder in 钟楼区 itself is updated, as before.
    path = _members_file(tmp_path / "n.csv", [places["near_probationary"].id_number], places["here"])
    preview = import_preview(actor=zhonglou_officer, kind="members", path=path)
    assert preview.ok and preview.counts()["updated"] == 1

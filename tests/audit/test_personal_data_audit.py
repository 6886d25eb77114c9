"""Reads of full ID numbers, look-ups by ID number and every export are audited; responses that
carry full numbers (or lists of people) are ``Cache-Control: no-store``. No entry holds a number."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from shuniu.audit.models import AuditEntry
from shuniu.imports.selectors import EXPORT_KINDS
from shuniu.imports.services import batch_preview_upload, store_upload
from tests.factories import HEHUACHI, PartyMemberFactory, SocialOrgFactory, make_id_number, make_phone
from tests.imports.files import org_row, write_csv

pytestmark = pytest.mark.django_db

NUMBER, PHONE = make_id_number(6061), make_phone(6061)


@pytest.fixture
def member(db: Any) -> Any:
    org = SocialOrgFactory(region_code=HEHUACHI)
    return PartyMemberFactory(name="审计对象", workplace=org, id_number=NUMBER, phone=PHONE)


def _no_number_in_the_log() -> None:
    for entry in AuditEntry.objects.all():
        text = f"{entry.target_repr} {entry.changes}"
        assert NUMBER not in text and PHONE not in text, entry.action


def test_reading_a_full_id_number_is_audited_and_not_cached(api: Any, member: Any, zhonglou_officer: Any,
                                                            hub_staff: Any, hub: Any) -> None:
    response = api(zhonglou_officer).get(f"/api/v1/members/{member.pk}")
    assert response.json()["id_number"] == NUMBER
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="member.read_personal")
    assert (entry.actor, entry.target_id) == (zhonglou_officer, str(member.pk))
    assert entry.changes == {"fields": ["id_number", "phone"], "via": "api"}
    # A role that sees only masked numbers reads nothing personal: nothing to audit.
    member_of_hub = PartyMemberFactory(workplace=SocialOrgFactory(hub=hub), id_number=make_id_number(6063))
    response = api(hub_staff).get(f"/api/v1/members/{member_of_hub.pk}")
    assert response.status_code == 200 and response.json()["id_number"] is None
    assert response["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="member.read_personal").count() == 1
    _no_number_in_the_log()


def test_a_registration_answer_is_not_cached(api: Any, zhonglou_officer: Any, member: Any) -> None:
    response = api(zhonglou_officer).post("/api/v1/members", {
        "name": "新党员", "gender": "male", "status": "full", "id_number": make_id_number(6062),
        "admitted_on": "2015-07-01", "full_on": "2016-07-01",
        "workplace": member.workplace_id}, content_type="application/json")
    assert response.status_code == 201 and response["Cache-Control"] == "no-store"


def test_looking_members_up_by_id_number_is_audited(api: Any, member: Any, admin_user: Any, hub_staff: Any) -> None:
    found = api(admin_user).get("/api/v1/members", {"id_number": NUMBER}).json()
    assert found["count"] == 1
    entry = AuditEntry.objects.get(action="member.lookup_id")
    assert entry.actor == admin_user
    assert entry.changes["found"] == 1 and entry.changes["id_number_masked"] == member.id_number_masked
    assert api(hub_staff).get("/api/v1/members", {"id_number": NUMBER}).status_code == 403
    refused = AuditEntry.objects.filter(action="member.lookup_id").latest("id")
    assert refused.actor == hub_staff and refused.changes["found"] is None
    # A list without an ID number is no look-up.
    api(admin_user).get("/api/v1/members", {"q": "审计"})
    assert AuditEntry.objects.filter(action="member.lookup_id").count() == 2
    _no_number_in_the_log()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_export_is_audited_with_kind_format_scope_and_rows(client: Any, member: Any, zhonglou_officer: Any,
                                                                 tmp_path: Path, fmt: str) -> None:
    client.force_login(zhonglou_officer)
    for kind in EXPORT_KINDS:
        response = client.get(reverse("imports:export", args=[kind, fmt]), {"region": HEHUACHI})
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    entries = list(AuditEntry.objects.filter(action="export").order_by("id"))
    assert [e.changes["kind"] for e in entries] == EXPORT_KINDS
    members = next(e for e in entries if e.changes["kind"] == "members")
    assert members.actor == zhonglou_officer
    assert members.changes == {"kind": "members", "format": fmt, "scope": "region:320404", "region": HEHUACHI,
                               "rows": 1, "via": "web"}

    response = client.get(reverse("org_list"), {"format": fmt})
    assert response["Cache-Control"] == "no-store"
    org_list = AuditEntry.objects.filter(action="export").latest("id")
    assert (org_list.changes["kind"], org_list.changes["rows"], org_list.changes["via"]) == ("org_list", 1, "web")

    out = tmp_path / f"members.{fmt}"
    call_command("export", "members", "--format", fmt, "-o", str(out), stdout=io.StringIO())
    cli = AuditEntry.objects.filter(action="export").latest("id")
    assert cli.actor is None and cli.actor_label == "system:cli"
    assert (cli.changes["scope"], cli.changes["rows"], cli.changes["via"]) == ("all", 1, "cli")
    call_command("export", "members", "--user", "zhonglou", "--format", fmt, "-o", str(out), stdout=io.StringIO())
    assert AuditEntry.objects.filter(action="export").latest("id").actor == zhonglou_officer
    _no_number_in_the_log()


def test_the_error_file_of_an_upload_is_not_cached(client: Any, zhonglou_officer: Any, tmp_path: Path) -> None:
    bad = org_row(1)
    bad[1] = "bad"
    path = write_csv(tmp_path / "bad.csv", [bad])
    batch = batch_preview_upload(actor=zhonglou_officer, kind="orgs", path=store_upload([path.read_bytes()], "bad.csv"),
                                 filename="bad.csv")
    client.force_login(zhonglou_officer)
    response = client.get(reverse("imports:errors_file", args=[batch.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"

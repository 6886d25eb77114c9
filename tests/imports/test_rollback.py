"""Rolling back a committed batch: old values back, created rows removed unless referenced."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from shuniu.audit.models import AuditEntry
from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.imports.services import batch_rollback, import_commit, import_preview
from shuniu.registry.models import SocialOrg
from shuniu.registry.services import org_update
from tests.factories import SYSTEM, PartyOrgFactory, SocialOrgFactory
from tests.imports.files import org_row, org_rows, write_csv
from tests.imports.test_orgs import assert_coverage_true

pytestmark = pytest.mark.django_db


def _import(tmp_path, name, rows, actor=SYSTEM):  # type: ignore[no-untyped-def]
    preview = import_preview(actor=actor, kind="orgs", path=write_csv(tmp_path / name, rows))
    assert preview.ok, preview.errors
    return import_commit(actor=actor, preview=preview)


def test_rollback_restores_updated_rows_and_removes_created_ones_latest_first(tmp_path):
    existing = SocialOrgFactory(name="原有组织", full_time_staff=2)
    a = _import(tmp_path, "a.csv", org_rows(3))
    row = org_row(1, staff=33)
    row[1] = existing.uscc
    row[2] = "社会团体"
    b = _import(tmp_path, "b.csv", [org_row(0, staff=21), row, org_row(9)])
    assert b.counts == {**b.counts, "created": 1, "updated": 2}
    existing.refresh_from_db()
    assert (existing.name, existing.full_time_staff) == ("测试导入社会组织000001", 33)

    with pytest.raises(ValidationError) as info:
        batch_rollback(actor=SYSTEM, batch=a)
    assert f"批次 #{b.pk}" in info.value.messages[0]

    out = io.StringIO()
    call_command("rollback", str(b.pk), stdout=out)
    assert f"batch #{b.pk} rolled back: 2 restored, 1 removed, 0 kept" in out.getvalue()
    existing.refresh_from_db()
    assert (existing.name, existing.full_time_staff) == ("原有组织", 2)
    assert SocialOrg.objects.get(name="测试导入社会组织000000").full_time_staff == 0
    assert not SocialOrg.objects.filter(name="测试导入社会组织000009").exists()
    assert_coverage_true()

    batch_rollback(actor=SYSTEM, batch=a)
    assert set(SocialOrg.objects.values_list("name", flat=True)) == {"原有组织"}
    a.refresh_from_db()
    # Its three orgs and the supervisory unit it created for them.
    assert a.status == BatchStatus.ROLLED_BACK and a.counts["removed"] == 4
    assert AuditEntry.objects.filter(action="import.rollback").count() == 2
    with pytest.raises(CommandError):
        call_command("rollback", str(a.pk), stdout=io.StringIO())
    assert_coverage_true()


def test_created_rows_that_something_refers_to_are_kept(tmp_path):
    batch = _import(tmp_path, "a.csv", org_rows(2))
    covered = SocialOrg.objects.get(name="测试导入社会组织000000")
    PartyOrgFactory(name="导入组织党支部", covers=[covered])
    batch = batch_rollback(actor=SYSTEM, batch=batch)
    # The other org and the supervisory unit created for it go; the covered org stays.
    assert (batch.counts["removed"], batch.counts["kept"]) == (2, 1)
    assert list(SocialOrg.objects.values_list("name", "coverage_status")) == [("测试导入社会组织000000", "own")]
    assert_coverage_true()


def test_a_row_changed_again_after_the_import_blocks_the_rollback(tmp_path):
    org = SocialOrgFactory(full_time_staff=1)
    row = org_row(5, staff=8)
    row[1], row[2] = org.uscc, "社会团体"
    batch = _import(tmp_path, "a.csv", [row])
    org_update(actor=SYSTEM, org=SocialOrg.objects.get(pk=org.pk), full_time_staff=10)
    with pytest.raises(ValidationError) as info:
        batch_rollback(actor=SYSTEM, batch=batch)
    assert "在导入之后又被修改过" in info.value.messages[0]
    assert SocialOrg.objects.get(pk=org.pk).full_time_staff == 10


def test_an_officer_rolls_back_only_their_own_batches(tmp_path, zhonglou_officer, admin_user):
    batch = _import(tmp_path, "a.csv", org_rows(2))
    with pytest.raises(PermissionDenied):
        batch_rollback(actor=zhonglou_officer, batch=batch)
    own = _import(tmp_path, "b.csv", org_rows(2, start=10), actor=zhonglou_officer)
    batch_rollback(actor=zhonglou_officer, batch=own)
    batch_rollback(actor=admin_user, batch=batch)
    assert SocialOrg.objects.count() == 0
    assert ImportBatch.objects.filter(status=BatchStatus.ROLLED_BACK).count() == 2

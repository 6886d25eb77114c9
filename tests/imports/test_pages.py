"""The import pages: upload, preview with errors, commit, batch list, rollback, templates, exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.registry.models import SocialOrg
from tests.factories import SocialOrgFactory
from tests.imports.files import org_rows, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, zhonglou_officer, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    client.force_login(zhonglou_officer)
    return client


def upload(client, path, kind="orgs", **extra):  # type: ignore[no-untyped-def]
    with open(path, "rb") as fh:
        return client.post("/imports/", {"kind": kind, "file": fh, **extra})


def test_upload_preview_errors_then_commit_and_roll_back(officer_client, tmp_path):
    rows = org_rows(3)
    rows[1][3] = "320499999"
    response = upload(officer_client, write_csv(tmp_path / "bad.csv", rows))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    page = officer_client.get(response.url).content.decode()
    assert batch.status == BatchStatus.PREVIEW and 'id="errors"' in page and "320499999" in page
    assert 'id="commit"' not in page
    annotated = officer_client.get(f"/imports/{batch.pk}/errors.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(annotated.streaming_content))).active
    assert ws.cell(1, 11).value == "错误" and "不存在" in ws.cell(3, 11).value
    assert SocialOrg.objects.count() == 0

    response = upload(officer_client, write_csv(tmp_path / "good.csv", org_rows(3)))
    batch = ImportBatch.objects.get(filename="good.csv")
    page = officer_client.get(response.url).content.decode()
    assert 'id="commit"' in page and 'id="errors"' not in page
    response = officer_client.post(f"/imports/{batch.pk}/commit/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and SocialOrg.objects.count() == 3
    page = officer_client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="rollback"' in page
    listing = officer_client.get("/imports/").content.decode()
    assert "good.csv" in listing and "bad.csv" in listing

    officer_client.post(f"/imports/{batch.pk}/rollback/")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ROLLED_BACK and SocialOrg.objects.count() == 0


def test_a_saved_mapping_is_offered_for_the_next_upload(officer_client, tmp_path):
    headers = ["机构全称", "统一社会信用代码", "类型", "所在地区代码", "登记管理机关级别"]
    rows = [r[:5] for r in org_rows(2)]
    response = upload(officer_client, write_csv(tmp_path / "odd.csv", rows, headers=headers))
    batch = ImportBatch.objects.get()
    assert "缺少必填列“名称”" in officer_client.get(response.url).content.decode()
    batch.mapping = {**batch.mapping, "name": "机构全称"}
    batch.status = BatchStatus.COMMITTED  # as if committed with a mapping fixed by an administrator
    batch.save()
    upload(officer_client, write_csv(tmp_path / "odd2.csv", rows, headers=headers), mapping_from=batch.pk)
    assert ImportBatch.objects.get(filename="odd2.csv").errors == []


def test_templates_and_exports_download_within_scope(officer_client):
    SocialOrgFactory(name="钟楼组织")
    SocialOrgFactory(name="朝阳组织", region_code="110105")
    template = officer_client.get("/imports/templates/orgs.xlsx")
    assert template.status_code == 200
    export = officer_client.get("/imports/exports/orgs.csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "钟楼组织" in text and "朝阳组织" not in text
    assert officer_client.get("/imports/exports/orgs.csv?region=110105").status_code == 403


def test_batches_of_others_are_not_shown(client, zhonglou_officer, beijing_city_officer, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    client.force_login(zhonglou_officer)
    upload(client, write_csv(tmp_path / "z.csv", org_rows(1)))
    batch = ImportBatch.objects.get()
    client.force_login(beijing_city_officer)
    assert client.get(f"/imports/{batch.pk}/").status_code == 404
    assert "z.csv" not in client.get("/imports/").content.decode()


def test_someone_without_a_region_scope_cannot_import(client, secretary):
    client.force_login(secretary)
    assert client.get("/imports/").status_code == 403


def test_the_main_navigation_links_to_imports_for_those_who_may_import(client, zhonglou_officer, admin_user,
                                                                        secretary):
    link = 'href="/imports/"'
    for user in (zhonglou_officer, admin_user):
        client.force_login(user)
        assert link in client.get("/").content.decode()
        assert 'href="/imports/" class="on"' in client.get("/imports/").content.decode()
    client.force_login(secretary)
    assert link not in client.get("/").content.decode()


def test_downloads_name_their_files(officer_client):
    response = officer_client.get("/imports/templates/orgs.xlsx")
    assert response["Content-Disposition"].startswith('attachment; filename="orgs-template.xlsx"; filename*=utf-8')

"""The import journey in a real browser (Chromium through Playwright) against the live server.

A Zhonglou district officer downloads the template, uploads a file with a mistake, reads the error
(row, column, rule) on the preview, downloads the annotated file, uploads the corrected file,
commits it and watches the progress until the batch is committed, then rolls it back from the
batch page. Screenshots go to ``test-artifacts/imports-*.png``; any JavaScript error fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.factories import SYSTEM, ZHONGLOU
from tests.imports.files import org_rows, write_csv
from tests.web.browser import Browser, _ensure_reference_data
from tests.web.test_browser import PASSWORD

pytestmark = pytest.mark.slow


def _payload(path: Any, name: str) -> dict[str, Any]:
    # The file's bytes with the Chinese name an officer's file has (a path with Chinese characters
    # is not attached by this Chromium).
    return {"name": name, "mimeType": "text/csv", "buffer": path.read_bytes()}


@pytest.fixture
def uncommitted_reads_on_shared_cache(transactional_db: None) -> Iterator[None]:
    """On SQLite the test database is in memory with a shared cache, whose locks are per table and
    fail at once ("database table is locked") instead of waiting: the live server's reads of
    ``imports_importbatch`` (the pages poll it) would collide with the import job's thread writing
    it (or block that write), which a SQLite file in WAL mode or PostgreSQL never do. The live
    server shares this test's connection (pytest-django's ``connections_override``); reading
    uncommitted rows, it takes no table read locks, as readers of a real database take none. The
    job writes the batch row last, just before it commits (``import_commit``)."""
    from django.db import connection

    shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if shared:
        with connection.cursor() as cur:
            cur.execute("PRAGMA read_uncommitted = 1")
    yield
    if shared:
        with connection.cursor() as cur:
            cur.execute("PRAGMA read_uncommitted = 0")


@pytest.fixture
def officer(reference_data: None, transactional_db: None, uncommitted_reads_on_shared_cache: None,
            monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any) -> Any:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.VAR_DIR = tmp_path
    _ensure_reference_data()
    from shuniu.accounts.services import user_create

    user, _pw = user_create(actor=SYSTEM, username="zhonglou", role="district_officer", scope=ZHONGLOU,
                            password=PASSWORD, full_name="钟楼区社会组织综合党委")
    return user


def test_officer_uploads_sees_errors_fixes_commits_with_progress_and_rolls_back(officer: Any, chrome: Browser,
                                                                                 tmp_path: Any) -> None:
    from shuniu.imports.models import BatchStatus, ImportBatch
    from shuniu.registry.models import SocialOrg

    b = chrome
    page = b.page
    b.go("/login/")
    page.fill("input[name=username]", "zhonglou")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(b.base + "/")
    b.go("/imports/")
    with page.expect_download() as template:
        page.click("a[href='/imports/templates/orgs.xlsx']")
    saved = tmp_path / "template.xlsx"
    template.value.save_as(saved)
    assert load_workbook(saved)["社会组织"].cell(1, 1).value == "名称*"
    b.shot("imports-01-index")

    rows = org_rows(40)
    rows[7][1] = rows[7][1][:-1] + ("0" if rows[7][1][-1] != "0" else "1")
    page.select_option("#id_kind", "orgs")
    page.set_input_files("#id_file", _payload(write_csv(tmp_path / "survey.csv", rows), "摸底表.csv"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(b.base + "/imports/*/")
    b.settle()
    errors = page.inner_text("#errors")
    assert "9" in errors and "统一社会信用代码" in errors and "校验码不正确" in errors
    assert page.locator("#commit").count() == 0
    with page.expect_download() as annotated:
        page.click("#errors-file")
    annotated.value.save_as(tmp_path / "annotated.xlsx")
    assert "校验码不正确" in load_workbook(tmp_path / "annotated.xlsx").active.cell(9, 11).value
    b.shot("imports-02-preview-errors")
    assert SocialOrg.objects.count() == 0

    b.go("/imports/")
    page.select_option("#id_kind", "orgs")
    page.set_input_files("#id_file", _payload(write_csv(tmp_path / "fixed.csv", org_rows(40)), "摸底表（改）.csv"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(b.base + "/imports/*/")
    b.settle()
    assert page.inner_text("#count-created") == "40"
    b.shot("imports-03-preview-clean")
    page.click("#commit")
    page.wait_for_selector("#rollback", timeout=60_000)  # the page reloads when the job is done
    b.settle()
    batch = ImportBatch.objects.get(filename="摸底表（改）.csv")
    assert batch.status == BatchStatus.COMMITTED and SocialOrg.objects.count() == 40
    b.shot("imports-04-committed")

    b.go("/imports/")
    assert "摸底表（改）.csv" in page.inner_text("#batches")
    page.click(f"a[href='/imports/{batch.pk}/']")
    b.settle()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#rollback")
    page.wait_for_load_state("networkidle")
    assert "已撤销批次" in page.inner_text(".messages")
    b.shot("imports-05-rolled-back")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ROLLED_BACK and SocialOrg.objects.count() == 0

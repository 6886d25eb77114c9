"""What is left behind when imports are abandoned or their worker dies.

* Uploaded files (``var/imports/``) older than SHUNIU_IMPORT_UPLOAD_MAX_AGE_HOURS are removed, never
  a younger one, nor the file of a batch whose commit is under way.
* A commit refreshes a heartbeat; when its worker is killed, the batch is reported as failed once
  the heartbeat is older than SHUNIU_IMPORT_HEARTBEAT_TIMEOUT, and it may be committed again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from shuniu.imports import jobs
from shuniu.imports.models import BatchStatus, ImportBatch
from shuniu.registry.models import SocialOrg
from tests.imports.files import org_rows, write_csv, write_xlsx
from tests.imports.test_kill import REGIONS, ROOT, _committed_batch_1, _env, _shuniu, _wait_until_paused
from tests.redis_server import private_redis

INTERRUPTED = "导入进程已中断，未写入任何数据，可重新提交"


def _last(done: subprocess.CompletedProcess[str]) -> str:
    """The last line a ``shuniu shell -c`` printed (after the shell's "N objects imported")."""
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


@pytest.fixture
def officer_client(client, zhonglou_officer, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path / "var"
    client.force_login(zhonglou_officer)
    return client


def upload(client, path: Path):  # type: ignore[no-untyped-def]
    with open(path, "rb") as fh:
        response = client.post("/imports/", {"kind": "orgs", "file": fh})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))


def _age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


@pytest.mark.django_db
def test_stale_uploads_are_removed_after_the_configured_age_and_never_a_younger_one(officer_client, settings,
                                                                                    tmp_path, monkeypatch):
    settings.SHUNIU_IMPORT_UPLOAD_MAX_AGE_HOURS = 2
    old = upload(officer_client, write_csv(tmp_path / "old.csv", org_rows(2)))
    young = upload(officer_client, write_csv(tmp_path / "young.csv", org_rows(2, start=10)))
    running = upload(officer_client, write_csv(tmp_path / "running.csv", org_rows(2, start=20)))
    folder = Path(old.stored_path).parent
    orphan_old = folder / "tmpabandoned.xlsx"  # an upload cut short, never previewed
    orphan_young = folder / "tmpuploading.xlsx"
    for path in (orphan_old, orphan_young):
        path.write_bytes(b"x")
    _age(Path(old.stored_path), 3)
    _age(Path(young.stored_path), 1.5)
    _age(Path(running.stored_path), 3)
    _age(orphan_old, 3)
    jobs.progress_set(running.pk, "writing", 30)  # its commit is under way, heartbeat fresh

    monkeypatch.setattr(jobs, "_last_sweep", 0.0)  # (a sweep runs at most once a minute)
    upload(officer_client, write_csv(tmp_path / "next.csv", org_rows(2, start=30)))

    left = {p.name for p in folder.iterdir()}
    assert Path(old.stored_path).name not in left and orphan_old.name not in left
    assert {Path(young.stored_path).name, Path(running.stored_path).name, orphan_young.name} <= left
    assert len(left) == 4  # and the new upload

    # The batch whose file is gone says so, and cannot be committed.
    page = officer_client.get(f"/imports/{old.pk}/").content.decode()
    assert "上传的文件已超过保留期限并已删除，请重新上传（规则：上传的文件保留 2 小时）" in page and 'id="commit"' not in page
    officer_client.post(f"/imports/{old.pk}/commit/")
    old.refresh_from_db()
    assert old.status == BatchStatus.PREVIEW and not SocialOrg.objects.exists()
    assert 'id="commit"' in officer_client.get(f"/imports/{young.pk}/").content.decode()


@pytest.mark.django_db
def test_a_commit_whose_heartbeat_stopped_is_failed_and_may_be_committed_again(officer_client, settings, tmp_path):
    settings.SHUNIU_IMPORT_HEARTBEAT_TIMEOUT = 60
    batch = upload(officer_client, write_csv(tmp_path / "orgs.csv", org_rows(4)))
    # A worker took the commit and is writing: its heartbeat is fresh.
    jobs.progress_set(batch.pk, "writing", 30)
    page = officer_client.get(f"/imports/{batch.pk}/").content.decode()
    assert "正在导入" in page and 'id="commit"' not in page
    officer_client.post(f"/imports/{batch.pk}/commit/")
    assert not SocialOrg.objects.exists()

    # Its worker was killed 61 seconds ago: no beat since.
    state = cache.get(jobs._key(batch.pk))
    cache.set(jobs._key(batch.pk), {**state, "beat": time.time() - 61}, jobs.PROGRESS_TTL)
    page = officer_client.get(f"/imports/{batch.pk}/").content.decode()
    assert INTERRUPTED in page and 'id="commit"' in page
    progress = officer_client.get(f"/imports/{batch.pk}/progress/")
    assert progress["HX-Refresh"] == "true" and jobs.progress_get(batch.pk)["stage"] == "failed"

    assert officer_client.post(f"/imports/{batch.pk}/commit/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and SocialOrg.objects.count() == 4
    assert jobs.progress_get(batch.pk)["stage"] == "done"


def test_a_killed_worker_leaves_a_failed_batch_that_commits_on_the_next_try(tmp_path):
    """The production arrangement, killed mid-commit: ``shuniu worker`` holds the batch's
    transaction open (the test hook pauses it after 10 rows) and is killed with SIGKILL. While it
    lived its heartbeat kept the batch running past the timeout; once dead, the batch is failed
    after the timeout, nothing of it is in the database, and committing it again works."""
    with private_redis(tmp_path) as redis:
        env = {**_env(tmp_path), "REDIS_URL": redis.url, "SHUNIU_JOB_QUEUE": f"shuniu-test-{uuid.uuid4().hex[:8]}",
               "SHUNIU_IMPORT_HEARTBEAT_TIMEOUT": "2"}
        assert _shuniu(env, "migrate", "-v0").returncode == 0
        loaded = _shuniu(env, "shell", "-c", "from shuniu.regions.services import load_divisions; "
                         f"load_divisions({REGIONS}, levels=['province', 'city', 'county', 'street'], source='test')")
        assert loaded.returncode == 0, loaded.stderr
        path = write_xlsx(tmp_path / "orgs.xlsx", org_rows(30))
        state = ("from shuniu.imports import jobs; from shuniu.imports.models import ImportBatch; "
                 "from shuniu.registry.models import SocialOrg; b = ImportBatch.objects.get(pk=1); "
                 "s = jobs.progress_state(b); print(b.status, s['stage'], SocialOrg.objects.count(), s['message'])")
        commit = ("from shuniu.accounts.actors import SystemActor; from shuniu.imports import jobs; "
                  "from shuniu.imports.models import ImportBatch; "
                  "b = ImportBatch.objects.get(pk=1); print(jobs.is_running(b)); jobs.submit_commit(b, SystemActor('web'))")
        queued = _shuniu(env, "shell", "-c", (
            "from pathlib import Path; from shuniu.accounts.actors import SystemActor; "
            "from shuniu.imports import services; "
            f"services.batch_preview_upload(actor=SystemActor('web'), kind='orgs', path=Path('{path}'), "
            "filename='orgs.xlsx')"))
        assert queued.returncode == 0, queued.stderr
        assert _shuniu(env, "shell", "-c", commit).returncode == 0

        worker = subprocess.Popen([sys.executable, "-m", "shuniu.cli", "worker", "--burst", "--no-fork"], cwd=ROOT,
                                  env={**env, "SHUNIU_IMPORT_PAUSE_AFTER_ROWS": "10"}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        try:
            _wait_until_paused(worker, "the commit never started")
            time.sleep(5)  # longer than the heartbeat timeout: alive, it is still running
            alive = _shuniu(env, "shell", "-c", state)
            assert _last(alive).split()[:3] == ["preview", "writing", "0"], alive.stderr
            os.kill(worker.pid, signal.SIGKILL)
            assert worker.wait(timeout=60) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.wait()

        time.sleep(3)
        dead = _shuniu(env, "shell", "-c", state)
        assert _last(dead).split() == ["preview", "failed", "0", INTERRUPTED], dead.stderr
        again = _shuniu(env, "shell", "-c", commit)
        assert _last(again) == "False", again.stderr
        done = subprocess.run([sys.executable, "-m", "shuniu.cli", "worker", "--burst", "--no-fork"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert _committed_batch_1(tmp_path / "db.sqlite3") == (("committed",), (30,))

"""``shuniu backup`` and ``shuniu restore``: a round trip keeps every row, the ID numbers and their
uniqueness; the wrong keys are refused before anything is restored, and a restored database with the
wrong keys refuses to start.

The source is this test run's database (SQLite, or PostgreSQL when DATABASE_URL says so), with
members made through the services and committed so that pg_dump, another process, sees them. Each
restore goes into a fresh database of its own (a file, or ``<test database>_<suffix>`` on
PostgreSQL, dropped afterwards) through the real command in a subprocess, as an operator runs it.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

import shuniu
from shuniu.core import crypto
from shuniu.core.backup import BackupError, backup, read_manifest, restore
from tests.factories import InstructorFactory, PartyMemberFactory, make_id_number, make_phone

# Every test is marked so that pytest-django keeps the module's tests together: the module's
# fixtures (committed data, a backup, a restore) are made once.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
OTHER = "a key from another machine"


def _table_counts(cursor: Any, vendor: str) -> dict[str, int]:
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    tables = sorted(r[0] for r in cursor.fetchall())
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _pg_admin() -> Any:
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(dbname="postgres", host=db["HOST"] or None, port=db["PORT"] or None,
                           user=db["USER"] or None, password=db["PASSWORD"] or None, autocommit=True)


@dataclass
class Target:
    url: str
    vendor: str
    path: Path | None = None
    name: str = ""

    def counts(self) -> dict[str, int]:
        if self.vendor == "sqlite":
            assert self.path is not None
            con = sqlite3.connect(self.path)
            try:
                return _table_counts(con.cursor(), "sqlite")
            finally:
                con.close()
        import psycopg

        with psycopg.connect(self.url) as con:
            return _table_counts(con.cursor(), "postgresql")


@contextmanager
def fresh_database(folder: Path, suffix: str) -> Iterator[Target]:
    """An empty database of the vendor under test, removed afterwards."""
    if connection.vendor == "sqlite":
        path = folder / f"{suffix}.sqlite3"
        yield Target(url=f"sqlite:///{path}", vendor="sqlite", path=path)
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_{suffix}"
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    try:
        yield Target(url=f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{name}", vendor="postgresql",
                     name=name)
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(target: Target, var: Path, **keys: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "SHUNIU_", "DATABASE_URL"))}
    env.update(DATABASE_URL=target.url, SHUNIU_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="shuniu.settings", **keys)
    return env


def _keys(**changed: str) -> dict[str, str]:
    keys = {"SHUNIU_SECRET_KEY": settings.SECRET_KEY, "SHUNIU_ENCRYPTION_KEY": settings.SHUNIU_ENCRYPTION_KEY,
            "SHUNIU_HASH_KEY": settings.SHUNIU_HASH_KEY}
    return {**keys, **changed}


def _shuniu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shuniu.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def _ensure_reference_data() -> None:
    """The divisions, Zhonglou's communities and the industries, which the module's flush removes."""
    from shuniu.regions.models import Region
    from shuniu.regions.services import load_communities, load_shipped
    from shuniu.registry.models import Industry

    if not Region.objects.filter(code="320404").exists():
        load_shipped()
    if not Region.objects.filter(code__startswith="320404006", level="community").exists():
        load_communities(DATA / "villages-320404.csv")
    if not Industry.objects.exists():
        industries = importlib.import_module("shuniu.registry.migrations.0002_industries").INDUSTRIES
        Industry.objects.bulk_create([Industry(code=c, name=n) for c, n in industries])


@dataclass
class Source:
    archive: Path
    with_keys: Path
    warnings: str
    counts: dict[str, int]
    members: list[dict[str, Any]]


@pytest.fixture(scope="module")
def source(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """Members with ID and phone numbers and an instructor, committed; the backup made of them."""
    folder = tmp_path_factory.mktemp("backup")
    with django_db_blocker.unblock():
        _ensure_reference_data()
        members = []
        for n in range(3):
            number, phone = make_id_number(8100 + n), make_phone(8100 + n)
            member = PartyMemberFactory(id_number=number, phone=phone)
            members.append({"pk": member.pk, "id_number": number, "phone": phone})
        InstructorFactory(phone=make_phone(8200))
        # Outside the tests' transactions, as an operator runs it (SQLite cannot copy from inside one).
        archive, with_keys, warnings = folder / "shuniu.tar.gz", folder / "with-keys.tar", io.StringIO()
        call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
        call_command("backup", str(with_keys), "--include-keys", stdout=io.StringIO(), stderr=warnings)
        with connection.cursor() as cursor:
            counts = _table_counts(cursor, connection.vendor)
        try:
            yield Source(archive=archive, with_keys=with_keys, warnings=warnings.getvalue(), counts=counts,
                         members=members)
        finally:
            call_command("flush", interactive=False, verbosity=0)
            _ensure_reference_data()


@pytest.fixture(scope="module")
def restored(source: Source, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The backup restored, with the keys it was made with, into a database of its own."""
    folder = tmp_path_factory.mktemp("restored")
    with fresh_database(folder, "restore") as target:
        done = _shuniu(_env(target, folder / "var", **_keys()), "restore", str(source.archive))
        assert done.returncode == 0, done.stderr
        yield target


# ---- the archive ----

def test_the_manifest_names_the_date_version_database_migrations_rows_and_key_fingerprints(source):
    manifest = read_manifest(source.archive)
    assert manifest["format"] == "shuniu-backup"
    assert manifest["created_at"][:4].isdigit()
    assert manifest["shuniu_version"] == shuniu.__version__
    assert manifest["database"]["vendor"] == connection.vendor
    assert "0001_key_check" in manifest["migrations"]["core"]
    assert manifest["tables"] == source.counts
    assert manifest["tables"]["party_partymember"] == len(source.members)
    assert manifest["keys"]["encryption_key_fingerprint"] == crypto.encryption_key_fingerprint()
    assert manifest["keys"]["hash_key_fingerprint"] == crypto.hash_key_fingerprint()
    assert manifest["keys"]["included"] is False


def test_an_archive_made_without_include_keys_holds_no_key(source):
    with tarfile.open(source.archive) as tar:
        names = tar.getnames()
        contents = b"".join(tar.extractfile(m).read() for m in tar.getmembers())  # type: ignore[union-attr]
    assert "keys.env" not in names
    for key in _keys().values():
        assert key.encode() not in contents
    assert oct(source.archive.stat().st_mode & 0o777) == oct(0o600)


def test_a_backup_never_overwrites_a_file(source):
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup", str(source.archive), stdout=io.StringIO())


# ---- the round trip ----

VERIFY = """
import json
from django.core.exceptions import ValidationError
from shuniu.accounts.actors import SystemActor
from shuniu.core import crypto
from shuniu.party.models import PartyMember
from shuniu.party.services import member_create
out = {"members": [], "count_before": PartyMember.objects.count()}
for pk, number in json.loads(%r):
    member = PartyMember.objects.get(pk=pk)
    found = list(PartyMember.objects.filter(id_number_hash=crypto.keyed_hash(number)).values_list("pk", flat=True))
    try:
        member_create(actor=SystemActor("restore test"), name="重复登记", gender="male", status="full",
                      region_code="320404006", id_number=number)
        refused = []
    except ValidationError as exc:
        refused = exc.message_dict.get("id_number", [])
    out["members"].append({"pk": pk, "id_number": member.id_number, "phone": member.phone, "found": found,
                           "refused": refused})
out["count_after"] = PartyMember.objects.count()
print(json.dumps(out, ensure_ascii=False))
"""


def test_a_round_trip_restores_every_row_the_id_numbers_and_their_uniqueness(source, restored, tmp_path):
    assert restored.counts() == source.counts
    script = VERIFY % json.dumps([[m["pk"], m["id_number"]] for m in source.members])
    done = _shuniu(_env(restored, tmp_path / "var", **_keys()), "shell", "-c", script)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["count_after"] == seen["count_before"] == len(source.members)
    for member, got in zip(source.members, seen["members"], strict=True):
        assert got["id_number"] == member["id_number"]
        assert got["phone"] == member["phone"]
        assert got["found"] == [member["pk"]]
        assert any("号码唯一" in message for message in got["refused"]), got["refused"]


def test_the_restored_database_starts_with_the_keys_of_the_backup(restored, tmp_path):
    env = _env(restored, tmp_path / "var", **_keys())
    checked = _shuniu(env, "check")
    assert checked.returncode == 0, checked.stderr
    started = subprocess.run([sys.executable, "-c", "import shuniu.wsgi"], env=env, cwd=ROOT, capture_output=True,
                             text=True, timeout=600, check=False)
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize("variable", ["SHUNIU_ENCRYPTION_KEY", "SHUNIU_HASH_KEY"])
def test_a_restored_database_refuses_to_start_with_another_key(restored, tmp_path, variable):
    env = _env(restored, tmp_path / "var", **_keys(**{variable: OTHER}))
    checked = _shuniu(env, "check")
    started = subprocess.run([sys.executable, "-c", "import shuniu.wsgi"], env=env, cwd=ROOT, capture_output=True,
                             text=True, timeout=600, check=False)
    for done in (checked, started):
        assert done.returncode != 0
        assert variable in done.stderr
        assert "请恢复备份时的密钥，见 docs/backup.md" in done.stderr


@pytest.mark.parametrize("variable", ["SHUNIU_ENCRYPTION_KEY", "SHUNIU_HASH_KEY"])
def test_a_restore_with_another_key_is_refused_before_touching_the_database(source, tmp_path, variable):
    manifest = read_manifest(source.archive)
    stored = manifest["keys"]["encryption_key_fingerprint" if variable == "SHUNIU_ENCRYPTION_KEY"
                              else "hash_key_fingerprint"]
    with fresh_database(tmp_path, "wrongkey") as target:
        done = _shuniu(_env(target, tmp_path / "var", **_keys(**{variable: OTHER})), "restore", str(source.archive))
        assert done.returncode != 0
        assert variable in done.stderr
        assert stored in done.stderr
        assert "docs/backup.md" in done.stderr
        assert target.counts() == {}


def test_a_restore_into_a_database_that_is_not_empty_needs_force(source, restored, tmp_path):
    env = _env(restored, tmp_path / "var", **_keys())
    refused = _shuniu(env, "restore", str(source.archive))
    assert refused.returncode != 0
    assert "--force" in refused.stderr
    forced = _shuniu(env, "restore", "--force", str(source.archive))
    assert forced.returncode == 0, forced.stderr
    assert restored.counts() == source.counts


def test_a_restore_whose_rows_differ_from_the_manifest_fails(source, tmp_path):
    manifest = read_manifest(source.archive)
    manifest["tables"]["party_partymember"] += 1
    archive = _retar(source.archive, tmp_path / "miscounted.tar", manifest=manifest)
    with fresh_database(tmp_path, "miscounted") as target:
        done = _shuniu(_env(target, tmp_path / "var", **_keys()), "restore", str(archive))
    assert done.returncode != 0
    assert "party_partymember" in done.stderr
    assert "行数与备份清单不一致" in done.stderr


# ---- keys in the archive ----

def test_keys_travel_only_with_include_keys_and_install_on_a_new_machine(source, tmp_path):
    archive = source.with_keys
    assert "keys.env" in source.warnings  # the warning that the archive must be protected like the keys
    assert read_manifest(archive)["keys"]["included"] is True
    with tarfile.open(archive) as tar:
        keys_env = tar.extractfile("keys.env").read().decode()  # type: ignore[union-attr]
    assert f"SHUNIU_ENCRYPTION_KEY={settings.SHUNIU_ENCRYPTION_KEY}" in keys_env

    var = tmp_path / "new-machine-var"
    with fresh_database(tmp_path, "newmachine") as target:
        env = _env(target, var)  # no keys in the environment: the new machine generates its own into var/
        refused = _shuniu(env, "restore", str(archive))
        assert refused.returncode != 0
        assert "--install-keys" in refused.stderr
        installed = _shuniu(env, "restore", "--install-keys", str(archive))
        assert installed.returncode == 0, installed.stderr
        assert (var / "encryption_key").read_text() == settings.SHUNIU_ENCRYPTION_KEY
        assert (var / "hash_key").read_text() == settings.SHUNIU_HASH_KEY
        assert len(list(var.glob("encryption_key.replaced-*"))) == 1  # the generated key is kept, not lost
        checked = _shuniu(env, "check")
        assert checked.returncode == 0, checked.stderr
        assert target.counts() == source.counts


# ---- archives that must be refused (checked before the database is touched) ----

def _retar(archive: Path, out: Path, *, manifest: dict[str, Any] | None = None, damage: bool = False) -> Path:
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest).encode()
            elif member.name.startswith("database.") and damage:
                data = data[:-1] + bytes([data[-1] ^ 1])
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def test_a_damaged_database_file_is_refused_by_its_checksum(source, tmp_path):
    before = source.counts
    with pytest.raises(BackupError, match="校验和"):
        restore(_retar(source.archive, tmp_path / "damaged.tar", damage=True))
    with connection.cursor() as cursor:
        assert _table_counts(cursor, connection.vendor) == before


def test_an_archive_of_another_database_vendor_is_refused(source, tmp_path):
    manifest = read_manifest(source.archive)
    manifest["database"]["vendor"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    with pytest.raises(BackupError, match="只能恢复到同一种数据库"):
        restore(_retar(source.archive, tmp_path / "vendor.tar", manifest=manifest))


def test_an_archive_of_a_newer_shuniu_is_refused(source, tmp_path):
    manifest = read_manifest(source.archive)
    manifest["migrations"]["core"].append("0999_from_the_future")
    with pytest.raises(BackupError, match="0999_from_the_future"):
        restore(_retar(source.archive, tmp_path / "newer.tar", manifest=manifest))


def test_a_sqlite_backup_inside_a_transaction_is_refused_instead_of_waiting_forever(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("pg_dump reads in a connection of its own")
    with pytest.raises(BackupError, match="事务"):
        backup(tmp_path / "in-transaction.tar")
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    not_tar = tmp_path / "photo.tar.gz"
    not_tar.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(BackupError, match="不是 shuniu 的备份文件"):
        read_manifest(not_tar)
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(__file__, arcname="notes.txt")
    with pytest.raises(BackupError, match="不是 shuniu 的备份文件"):
        read_manifest(other)
    broken = tmp_path / "broken.tar"
    with tarfile.open(broken, "w") as tar:
        data = json.dumps({"format": "shuniu-backup", "format_version": 1, "tables": []}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="不完整或已损坏"):
        read_manifest(broken)


def test_without_the_postgresql_client_tools_the_message_says_what_to_install(monkeypatch, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump is used for PostgreSQL only")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match=r"未找到 pg_dump.*postgresql-client"):
        backup(tmp_path / "out.tar")
    assert not (tmp_path / "out.tar").exists()

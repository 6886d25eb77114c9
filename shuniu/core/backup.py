"""Backup and restore of the database, with a manifest, in one tar archive (docs/backup.md).

SQLite is copied with SQLite's online backup API, a consistent copy while the server runs.
PostgreSQL is dumped by ``pg_dump -Fc`` inside a snapshot that the manifest's row counts are taken
in too, and restored by ``pg_restore`` in one transaction. The manifest names the date, the shuniu
version, the database, the migrations, the rows of every table and the fingerprints of the keys the
data was written with; the keys themselves go into the archive only when asked for.

A restore refuses before touching anything when the configured keys are not those of the archive,
then checks the restored rows against the manifest and the keys against the key check row
(shuniu/core/checks.py), the same check that keeps the server from starting with the wrong keys.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import django
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

import shuniu
from shuniu.core import crypto
from shuniu.core.checks import KeyVerdict, verify_keys
from shuniu.core.models import KeyCheck

FORMAT = "shuniu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEYS_FILE = "keys.env"
DUMP_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
#: environment variable -> (setting, file under SHUNIU_VAR_DIR that shuniu/settings.py generates)
KEYS = {
    "SHUNIU_SECRET_KEY": ("SECRET_KEY", "secret_key"),
    "SHUNIU_ENCRYPTION_KEY": ("SHUNIU_ENCRYPTION_KEY", "encryption_key"),
    "SHUNIU_HASH_KEY": ("SHUNIU_HASH_KEY", "hash_key"),
}
_CHUNK = 1 << 20
#: how long a SQLite backup or restore waits for a database that another connection keeps busy
SQLITE_BUSY_SECONDS = 60


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in the user's language."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    tables: int
    rows: int
    keys_installed: list[str] = field(default_factory=list)
    #: migrations of this shuniu that the archive's database has not had yet (run ``shuniu migrate``)
    unapplied: list[str] = field(default_factory=list)


# ---- backup ----

def backup(out: str | Path, *, using: str = "default", include_keys: bool = False) -> BackupResult:
    """Write the database of ``using`` to the archive ``out`` (a .tar, or .tar.gz / .tgz compressed)."""
    out = Path(out)
    connection = connections[using]
    vendor = _supported_vendor(connection)
    if out.exists():
        raise BackupError(_("文件 %(path)s 已存在：备份不覆盖已有文件，请换一个文件名") % {"path": out})
    if not out.parent.is_dir():
        raise BackupError(_("目录 %(path)s 不存在") % {"path": out.parent})
    warnings = []
    verdict = verify_keys(using)  # also writes the key check row of an older database whose data agrees
    if not verdict.ok:
        if include_keys:
            raise BackupError(_("当前密钥与数据库中的个人信息不一致，不能写入备份：") + "；".join(verdict.messages()))
        warnings.append(_("当前密钥与数据库中的个人信息不一致；备份清单记下的是写入数据时所用密钥的指纹：")
                        + "；".join(verdict.messages()))
    if include_keys:
        warnings.append(_("备份中含有密钥（keys.env）：这个文件必须像密钥本身一样保管，不能与其他备份放在同一处"))

    with tempfile.TemporaryDirectory(prefix=".shuniu-backup-", dir=out.parent) as tmp:
        dump = Path(tmp) / DUMP_FILES[vendor]
        described = _sqlite_backup(connection, dump) if vendor == "sqlite" else _pg_backup(connection, dump)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "shuniu_version": shuniu.__version__,
            "django_version": django.get_version(),
            "database": {"vendor": vendor, "server_version": described.pop("server_version"),
                         "file": dump.name, "bytes": dump.stat().st_size, "sha256": _sha256(dump)},
            "migrations": described["migrations"],
            "tables": described["tables"],
            "keys": {
                "encryption_key_fingerprint": described["keys"].get("encryption_key_fingerprint", ""),
                "hash_key_fingerprint": described["keys"].get("hash_key_fingerprint", ""),
                "secret_key_fingerprint": crypto.key_fingerprint(settings.SECRET_KEY),
                "configured_keys_match": verdict.ok,
                "included": include_keys,
            },
        }
        extra = {KEYS_FILE: _keys_env(manifest["created_at"]).encode()} if include_keys else {}
        _write_archive(out, manifest, dump, extra)
    return BackupResult(path=out, manifest=manifest, warnings=warnings)


def _sqlite_backup(connection: BaseDatabaseWrapper, dump: Path) -> dict[str, Any]:
    if connection.in_atomic_block:
        # SQLite cannot copy a database from a connection in a write transaction (and this backend
        # begins every transaction as one): the backup API would answer "busy" until it ends.
        raise BackupError(_("不能在事务中备份 SQLite 数据库：请在事务之外运行备份"))
    connection.ensure_connection()
    target = sqlite3.connect(dump)
    try:
        # One step (pages=-1) under one read lock: a consistent copy while others keep writing (WAL).
        connection.connection.backup(target, progress=_give_up_after(SQLITE_BUSY_SECONDS))
        # The copy is a plain file: no -wal / -shm beside it when it is opened again.
        target.execute("PRAGMA journal_mode=DELETE")
        described = _describe(target.cursor(), "sqlite")
    finally:
        target.close()
    described["server_version"] = sqlite3.sqlite_version
    return described


def _pg_backup(connection: BaseDatabaseWrapper, dump: Path) -> dict[str, Any]:
    pg_dump = _pg_tool("pg_dump")
    # A connection of its own: its transaction exports the snapshot that pg_dump reads, so that the
    # manifest's row counts describe exactly the rows in the dump, whatever is written meanwhile.
    own = connections.create_connection(connection.alias)
    try:
        own.ensure_connection()
        raw = own.connection
        raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = raw.execute("SELECT pg_export_snapshot()").fetchone()[0]
        described = _describe(raw.cursor(), "postgresql")
        described["server_version"] = raw.execute("SHOW server_version").fetchone()[0]
        args, env = _pg_args(own.settings_dict)
        _run([pg_dump, "--format=custom", f"--file={dump}", f"--snapshot={snapshot}", *args], env, "pg_dump")
        raw.execute("COMMIT")
    finally:
        own.close()
    return described


def _keys_env(created_at: str) -> str:
    lines = [f"# shuniu keys of the backup made {created_at}: keep this file as safe as the keys themselves"]
    lines += [f"{env}={shlex.quote(str(getattr(settings, setting)))}" for env, (setting, _file) in KEYS.items()]
    return "\n".join(lines) + "\n"


def _write_archive(out: Path, manifest: dict[str, Any], dump: Path, extra: dict[str, bytes]) -> None:
    """Write the archive beside ``out`` and move it into place only once complete (readable by its owner only)."""
    partial = out.with_name(out.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            gz = out.name.endswith((".gz", ".tgz"))
            with (tarfile.open(fileobj=fh, mode="w:gz", compresslevel=6) if gz
                  else tarfile.open(fileobj=fh, mode="w")) as tar:
                # Small members first: a restore reads the manifest and keys without passing the database.
                _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
                for name, content in extra.items():
                    _add_bytes(tar, name, content)
                tar.add(dump, arcname=dump.name, filter=_anonymous)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(content))


# ---- restore ----

def read_manifest(archive: str | Path) -> dict[str, Any]:
    """The archive's manifest, checked for its format."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("备份文件 %(path)s 不存在") % {"path": archive})
    try:
        manifest = json.loads(_small_member(archive, MANIFEST, first=True) or b"")
    except (tarfile.TarError, ValueError, OSError, EOFError) as exc:
        raise BackupError(_("%(path)s 不是 shuniu 的备份文件（没有可读的 manifest.json：%(error)s）")
                          % {"path": archive, "error": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s 不是 shuniu 的备份文件（manifest.json 的格式不对）") % {"path": archive})
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(_("备份文件格式版本 %(found)s 不受支持（本版本 shuniu 读取版本 %(known)s）")
                          % {"found": manifest.get("format_version"), "known": FORMAT_VERSION})
    shapes = {"database": dict, "migrations": dict, "tables": dict, "keys": dict, "created_at": str,
              "shuniu_version": str}
    broken = [name for name, kind in shapes.items() if not isinstance(manifest.get(name), kind)]
    database = manifest.get("database") or {}
    if not broken and (database.get("vendor") not in DUMP_FILES or not isinstance(database.get("sha256"), str)):
        broken.append("database")
    if not broken and not all(isinstance(n, int) for n in manifest["tables"].values()):
        broken.append("tables")
    if broken:
        raise BackupError(_("备份文件的 manifest.json 不完整或已损坏（%(fields)s）") % {"fields": "、".join(broken)})
    return manifest


def restore(archive: str | Path, *, using: str = "default", force: bool = False,
            install_keys: bool = False, dry_run: bool = False) -> RestoreResult:
    """Replace the database of ``using`` with the archive's, after checking the archive and the keys.

    ``dry_run`` stops after the checks that need nothing but the archive and the configuration."""
    archive = Path(archive)
    manifest = read_manifest(archive)
    connection = connections[using]
    vendor = _supported_vendor(connection)
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(_("备份来自 %(archive)s 数据库，当前数据库是 %(current)s：只能恢复到同一种数据库")
                          % {"archive": manifest["database"]["vendor"], "current": vendor})
    unknown, unapplied = _compare_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(_("备份来自更新版本的 shuniu（%(version)s），含本版本没有的迁移 %(names)s：请先升级 shuniu 再恢复")
                          % {"version": manifest.get("shuniu_version", "?"), "names": "、".join(unknown[:5])})

    archive_keys = _read_keys_env(archive) if manifest["keys"].get("included") else {}
    to_install = _keys_to_use(manifest, archive_keys, install_keys)
    if dry_run:
        return RestoreResult(manifest=manifest, tables=len(manifest["tables"]), rows=sum(manifest["tables"].values()),
                             unapplied=unapplied)

    with tempfile.TemporaryDirectory(prefix=".shuniu-restore-", dir=settings.VAR_DIR) as tmp:
        dump = _extract_dump(archive, manifest, Path(tmp))
        existing = _tables(connection)
        if existing and not force:
            raise BackupError(_("目标数据库不是空的（已有 %(n)s 张表）：恢复会用备份替换其中的全部数据；确认无误后加 --force 再运行")
                              % {"n": len(existing)})
        if vendor == "sqlite":
            _sqlite_restore(connection, dump)
        else:
            _pg_restore(connection, dump, drop=[t for t in existing if t not in manifest["tables"]])

    connection.close()
    counts = _describe_connection(connection)["tables"]
    differ = sorted(t for t in set(counts) | set(manifest["tables"]) if counts.get(t) != manifest["tables"].get(t))
    if differ:
        raise BackupError(_("恢复后的行数与备份清单不一致：%(tables)s")
                          % {"tables": "，".join(f"{t} {counts.get(t, '-')}≠{manifest['tables'].get(t, '-')}"
                                                for t in differ[:10])})

    with _keys_in_use(to_install):
        verdict = verify_keys(using)
        if not verdict.ok:
            raise BackupError("\n".join(verdict.messages()))
    installed = _install_keys(to_install)
    return RestoreResult(manifest=manifest, tables=len(counts), rows=sum(counts.values()),
                         keys_installed=installed, unapplied=unapplied)


def _compare_migrations(archived: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """(migrations in the archive that this code lacks, migrations of this code the archive lacks)."""
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_archive = {(app, name) for app, names in archived.items() for name in names}
    unknown = sorted(f"{app}.{name}" for app, name in in_archive - on_disk)
    unapplied = sorted(f"{app}.{name}" for app, name in on_disk - in_archive)
    return unknown, unapplied


def _keys_to_use(manifest: dict[str, Any], archive_keys: dict[str, str], install: bool) -> dict[str, str]:
    """The keys to install from the archive ({} to keep the configured ones); refuses the wrong keys."""
    wanted = {"SHUNIU_ENCRYPTION_KEY": manifest["keys"].get("encryption_key_fingerprint", ""),
              "SHUNIU_HASH_KEY": manifest["keys"].get("hash_key_fingerprint", "")}
    current = {"SHUNIU_ENCRYPTION_KEY": crypto.encryption_key_fingerprint(),
               "SHUNIU_HASH_KEY": crypto.hash_key_fingerprint()}
    differ = [env for env, fp in wanted.items() if fp and fp != current[env]]
    if install:
        if not archive_keys:
            raise BackupError(_("备份中没有密钥（备份时未加 --include-keys），不能 --install-keys；"
                                "请按 docs/backup.md 配置备份时的密钥"))
        for env, fp in wanted.items():
            if fp and crypto.key_fingerprint(archive_keys.get(env, "")) != fp:
                raise BackupError(_("备份中的 %(env)s 与备份清单记下的指纹不一致：备份文件已损坏") % {"env": env})
        install_now = {env: value for env, value in archive_keys.items()
                       if env in KEYS and value != str(getattr(settings, KEYS[env][0]))}
        from_env = [env for env in install_now if os.environ.get(env)]
        if from_env:
            raise BackupError(_("%(envs)s 由环境变量设定，不能由恢复改写：请把环境变量设为备份中 keys.env 的值后再运行")
                              % {"envs": "、".join(from_env)})
        return install_now
    if differ:
        verdict = KeyVerdict(encryption_ok="SHUNIU_ENCRYPTION_KEY" not in differ,
                             hash_ok="SHUNIU_HASH_KEY" not in differ,
                             stored_encryption=wanted["SHUNIU_ENCRYPTION_KEY"], stored_hash=wanted["SHUNIU_HASH_KEY"])
        message = "\n".join(verdict.messages())
        if archive_keys:
            message += "\n" + _("备份中带有密钥：加 --install-keys 可把它们装入 SHUNIU_VAR_DIR")
        raise BackupError(message)
    return {}


@contextmanager
def _keys_in_use(keys: dict[str, str]) -> Iterator[None]:
    """The archive's keys in this process's settings while the restored data is verified with them."""
    saved = {env: getattr(settings, KEYS[env][0]) for env in keys}
    for env, value in keys.items():
        setattr(settings, KEYS[env][0], value)
    try:
        yield
    finally:
        for env, value in saved.items():
            setattr(settings, KEYS[env][0], value)


def _install_keys(keys: dict[str, str]) -> list[str]:
    """Write the keys into SHUNIU_VAR_DIR, keeping each replaced key file beside it (never lost by accident)."""
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    written = []
    for env, value in keys.items():
        path = Path(settings.VAR_DIR) / KEYS[env][1]
        if path.exists():
            path.replace(path.with_name(f"{path.name}.replaced-{stamp}"))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value)
        setattr(settings, KEYS[env][0], value)
        written.append(str(path))
    return written


def _small_member(archive: Path, name: str, *, first: bool = False) -> bytes | None:
    """The content of the member ``name``, read while streaming (never a pass over the whole archive
    for the manifest, which is the first member); None when absent."""
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            if member.name == name and member.isfile():
                source = tar.extractfile(member)
                return source.read() if source is not None else None
            if first or member.name in DUMP_FILES.values():
                return None
    return None


def _read_keys_env(archive: Path) -> dict[str, str]:
    content = _small_member(archive, KEYS_FILE)
    keys: dict[str, str] = {}
    for line in (content or b"").decode().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#") and name in KEYS:
            keys[name] = "".join(shlex.split(value))
    return keys


def _extract_dump(archive: Path, manifest: dict[str, Any], folder: Path) -> Path:
    """The database file of the archive, streamed to ``folder`` under a name of ours and checked."""
    name = DUMP_FILES[manifest["database"]["vendor"]]
    target = folder / name
    digest = hashlib.sha256()
    with tarfile.open(archive, "r:*") as tar:
        source: IO[bytes] | None = None
        for member in tar:
            if member.name == name and member.isfile():
                source = tar.extractfile(member)
                break
        if source is None:
            raise BackupError(_("备份文件中没有数据库文件 %(name)s：备份文件已损坏") % {"name": name})
        with source, open(target, "wb") as fh:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                fh.write(chunk)
    if digest.hexdigest() != manifest["database"].get("sha256"):
        raise BackupError(_("备份文件中的数据库文件 %(name)s 与清单中的校验和不一致：备份文件已损坏") % {"name": name})
    return target


def _sqlite_restore(connection: BaseDatabaseWrapper, dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        # The backup API replaces every page of the target in one step: all or nothing.
        source.backup(connection.connection, progress=_give_up_after(SQLITE_BUSY_SECONDS))
    finally:
        source.close()


def _give_up_after(seconds: float) -> Callable[[int, int, int], None]:
    """A progress callback for sqlite3's backup, which otherwise retries a busy database forever."""
    deadline = time.monotonic() + seconds

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise BackupError(_("SQLite 数据库在 %(seconds)s 秒内一直被占用，未能完成：请稍后重试") % {"seconds": seconds})

    return progress


def _pg_restore(connection: BaseDatabaseWrapper, dump: Path, drop: list[str]) -> None:
    pg_restore = _pg_tool("pg_restore")
    if drop:
        # Tables the archive does not have (a newer shuniu's): pg_restore --clean only drops its own.
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS " + ", ".join(connection.ops.quote_name(t) for t in drop)
                           + " CASCADE")
    connection.close()
    args, env = _pg_args(connection.settings_dict)
    _run([pg_restore, "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner",
          "--no-privileges", *args, str(dump)], env, "pg_restore")


# ---- shared ----

def _supported_vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DUMP_FILES:
        raise BackupError(_("不支持备份 %(vendor)s 数据库（只支持 SQLite 和 PostgreSQL）") % {"vendor": connection.vendor})
    return connection.vendor


def _tables(connection: BaseDatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        return _table_names(cursor, connection.vendor)


def _table_names(cursor: Any, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(row[0] for row in cursor.fetchall())


def _describe(cursor: Any, vendor: str) -> dict[str, Any]:
    """Rows per table, applied migrations and the key fingerprints, read through a DB-API cursor."""
    tables = {}
    for table in _table_names(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        tables[table] = cursor.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    keys = {}
    if KeyCheck._meta.db_table in tables:
        cursor.execute("SELECT encryption_key_fingerprint, hash_key_fingerprint "
                       f"FROM {_quote(KeyCheck._meta.db_table)} WHERE id = 1")
        row = cursor.fetchone()
        if row:
            keys = {"encryption_key_fingerprint": row[0], "hash_key_fingerprint": row[1]}
    return {"tables": tables, "migrations": migrations, "keys": keys}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _describe_connection(connection: BaseDatabaseWrapper) -> dict[str, Any]:
    with connection.cursor() as cursor:
        return _describe(cursor, connection.vendor)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(_("未找到 %(tool)s：PostgreSQL 数据库的备份与恢复需要 PostgreSQL 客户端工具（主版本不低于服务器的，"
                            "如 Debian 的 postgresql-client-15）；请安装后重试，或把它所在的目录加入 PATH") % {"tool": name})
    return path


def _pg_args(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Command-line arguments and environment for pg_dump / pg_restore; the password never in argv."""
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args.append(f"{flag}={db[key]}")
    args.append(f"--dbname={db['NAME']}")
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("passfile", "PGPASSFILE")):
        if db.get("OPTIONS", {}).get(option):
            env[variable] = str(db["OPTIONS"][option])
    return args, env


def _run(argv: list[str], env: dict[str, str], tool: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BackupError(_("%(tool)s 失败（退出码 %(code)s）：%(detail)s")
                          % {"tool": tool, "code": done.returncode, "detail": " ".join(detail)})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def summary_lines(manifest: dict[str, Any]) -> list[str]:
    """The manifest in a few lines, for the commands' output."""
    keys = manifest["keys"]
    return [
        _("备份时间：%(at)s；shuniu %(version)s；数据库 %(vendor)s %(server)s")
        % {"at": manifest["created_at"], "version": manifest["shuniu_version"],
           "vendor": manifest["database"]["vendor"], "server": manifest["database"]["server_version"]},
        _("%(tables)s 张表，共 %(rows)s 行")
        % {"tables": len(manifest["tables"]), "rows": sum(manifest["tables"].values())},
        (_("密钥指纹：加密密钥 %(enc)s，查找密钥 %(hash)s；备份中含有密钥") if keys.get("included")
         else _("密钥指纹：加密密钥 %(enc)s，查找密钥 %(hash)s；备份中不含密钥"))
        % {"enc": keys.get("encryption_key_fingerprint") or "-", "hash": keys.get("hash_key_fingerprint") or "-"},
    ]

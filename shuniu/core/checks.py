"""Refuse to run with keys other than those the personal data was written with.

shuniu/settings.py takes SHUNIU_ENCRYPTION_KEY and SHUNIU_HASH_KEY from the environment, else
generates them once into SHUNIU_VAR_DIR. A database restored without its keys would therefore run
with new keys without a word: member details fail to decrypt, and the lookup hash of an ID number
finds nothing, so duplicates can be registered. The one row of ``core.KeyCheck`` holds a value
encrypted with the encryption key and one keyed with the hash key, written when the database is
migrated (before any personal data can exist); ``verify_keys`` compares them with the configured keys.

It runs as a system check (``shuniu check``, and every command that runs the checks: runserver,
demo, worker, generate, import, export, migrate...), where a mismatch is an Error that stops the
command, and at WSGI startup (shuniu/wsgi.py: gunicorn, runserver, demo). When the database holds
encrypted data but no row (installed before the row existed), one stored value is decrypted, and
its lookup hash recomputed, instead; if they agree, the row is written then.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from cryptography.exceptions import InvalidTag
from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from shuniu.core import crypto

log = logging.getLogger(__name__)

#: the plain text of the check values; what matters is that it is known, not secret
CHECK_VALUE = "shuniu key check v1"
#: a column holding ciphertext ends with this; ``<name>_hash`` beside it holds its lookup hash
ENCRYPTED_SUFFIX = "_encrypted"

_NO_TABLE = object()


class KeysDoNotMatch(ImproperlyConfigured):
    """The configured keys are not those the database's personal data was written with."""


@dataclass
class KeyVerdict:
    """The configured keys measured against one database."""

    encryption_ok: bool = True
    hash_ok: bool = True
    #: fingerprints of the keys the data was written with, as the key check row records them
    stored_encryption: str = ""
    stored_hash: str = ""

    @property
    def ok(self) -> bool:
        return self.encryption_ok and self.hash_ok

    def problems(self) -> list[tuple[str, str]]:
        """(check id, message) for each key that does not match, in the user's language."""
        out = []
        if not self.encryption_ok:
            values = {"stored": self.stored_encryption, "current": crypto.encryption_key_fingerprint()}
            if self.stored_encryption:
                message = _("数据库中的个人信息无法用当前密钥解密：SHUNIU_ENCRYPTION_KEY 与备份时的密钥不一致，"
                            "密钥指纹应为 %(stored)s，当前为 %(current)s（请恢复备份时的密钥，见 docs/backup.md）")
            else:
                message = _("数据库中的个人信息无法用当前密钥解密：SHUNIU_ENCRYPTION_KEY 与备份时的密钥不一致，"
                            "当前密钥指纹为 %(current)s（请恢复备份时的密钥，见 docs/backup.md）")
            out.append(("keys.E001", message % values))
        if not self.hash_ok:
            values = {"stored": self.stored_hash, "current": crypto.hash_key_fingerprint()}
            if self.stored_hash:
                message = _("数据库中身份证号的查找值无法用当前密钥重现：SHUNIU_HASH_KEY 与备份时的密钥不一致，"
                            "密钥指纹应为 %(stored)s，当前为 %(current)s；按身份证号查找和查重将找不到已登记的人员"
                            "（请恢复备份时的密钥，见 docs/backup.md）")
            else:
                message = _("数据库中身份证号的查找值无法用当前密钥重现：SHUNIU_HASH_KEY 与备份时的密钥不一致，"
                            "当前密钥指纹为 %(current)s；按身份证号查找和查重将找不到已登记的人员"
                            "（请恢复备份时的密钥，见 docs/backup.md）")
            out.append(("keys.E002", message % values))
        return out

    def messages(self) -> list[str]:
        return [message for _id, message in self.problems()]


def verify_keys(using: str = "default", *, apps: Apps = global_apps) -> KeyVerdict:
    """Compare the configured keys with the database's key check row, else with one stored value.

    One query when the row exists. Without a row, and when nothing stored contradicts the keys, the
    row is written, so that it witnesses the keys from then on. Raises DatabaseError
    when the database cannot be reached; a database not migrated yet passes.
    """
    key_check = _model(apps, "core", "KeyCheck")
    row: Any = _NO_TABLE
    if key_check is not None:
        fields = ("encrypted_value", "keyed_hash", "encryption_key_fingerprint", "hash_key_fingerprint")
        row = _unless_no_table(using, key_check, lambda: key_check._base_manager.using(using)
                               .filter(pk=1).values(*fields).first())
    if row is not _NO_TABLE and row is not None:
        return KeyVerdict(
            encryption_ok=_decrypts_to(row["encrypted_value"], CHECK_VALUE),
            hash_ok=hmac.compare_digest(crypto.keyed_hash(CHECK_VALUE), row["keyed_hash"]),
            stored_encryption=row["encryption_key_fingerprint"], stored_hash=row["hash_key_fingerprint"],
        )
    verdict = _verify_against_stored_data(using, apps)
    if verdict.ok and key_check is not None and row is not _NO_TABLE:
        _write_row(using, key_check)
    return verdict


def require_matching_keys(using: str = "default") -> bool:
    """For server startup: raise KeysDoNotMatch when the keys differ from the database's.

    Returns False when the database could not be asked (down, not reachable yet, or closed to a
    test run's import of the WSGI module): that alone must not stop the server, which then asks
    again at the first request. True when the keys were verified.
    """
    try:
        verdict = verify_keys(using)
    except Exception as exc:  # whatever keeps the database from answering; see the docstring
        log.warning("shuniu: the keys of personal data could not be verified at startup (%s); "
                    "verifying at the first request", exc)
        return False
    if not verdict.ok:
        raise KeysDoNotMatch("\n".join(verdict.messages()))
    return True


def check_keys(app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None,
               **kwargs: Any) -> list[checks.CheckMessage]:
    """System check: an Error for each key that does not match the database's personal data.

    Registered without Django's "database" tag on purpose: commands run the checks without naming
    a database (runserver, worker, import...), and those are the ones that must refuse.
    """
    if app_configs is not None and not any(c.name == "shuniu.core" for c in app_configs):
        return []
    out: list[checks.CheckMessage] = []
    for alias in databases or ["default"]:
        try:
            verdict = verify_keys(alias)
        except DatabaseError as exc:
            out.append(checks.Warning(_("无法连接数据库，未能核对个人信息的密钥：%(error)s") % {"error": exc},
                                      id="keys.W001"))
            continue
        out.extend(checks.Error(message, id=check_id) for check_id, message in verdict.problems())
    return out


def key_check_after_migrate(sender: AppConfig, using: str = "default", apps: Apps = global_apps,
                            **kwargs: Any) -> None:
    """post_migrate: write the key check row of a new (or flushed) database before any personal data."""
    if _model(apps, "core", "KeyCheck") is not None:
        verify_keys(using, apps=apps)


def _model(apps: Apps, app_label: str, name: str) -> type[Model] | None:
    try:
        return apps.get_model(app_label, name)
    except LookupError:  # a migration state from before the model
        return None


def _unless_no_table(using: str, model: type[Model], query: Callable[[], Any]) -> Any:
    """``query()``, or _NO_TABLE when the model's table does not exist (a database not migrated yet)."""
    connection = connections[using]
    try:
        if connection.in_atomic_block:
            # A failed statement would spoil the caller's transaction on PostgreSQL: use a savepoint.
            with transaction.atomic(using=using):
                return query()
        return query()
    except DatabaseError:
        if model._meta.db_table in connection.introspection.table_names():
            raise
        return _NO_TABLE


def _decrypts_to(token: str, expected: str) -> bool:
    try:
        return crypto.decrypt(token) == expected
    except (InvalidTag, ValueError):  # the wrong key; ValueError: a malformed or unknown token
        return False


def _verify_against_stored_data(using: str, apps: Apps) -> KeyVerdict:
    """Decrypt one stored value (one that has a lookup hash beside it first, to verify both keys)."""
    columns: list[tuple[type[Model], str, str | None]] = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        for name in sorted(names):
            if name.endswith(ENCRYPTED_SUFFIX):
                paired = name.removesuffix(ENCRYPTED_SUFFIX) + "_hash"
                columns.append((model, name, paired if paired in names else None))
    columns.sort(key=lambda c: c[2] is None)
    for model, column, hash_column in columns:
        sample = _unless_no_table(using, model, partial(_one_value, model, using, column, hash_column))
        if sample is _NO_TABLE or sample is None:
            continue
        try:
            plain = crypto.decrypt(sample[0])
        except (InvalidTag, ValueError):
            return KeyVerdict(encryption_ok=False)
        hash_ok = not hash_column or not sample[1] or hmac.compare_digest(crypto.keyed_hash(plain), sample[1])
        return KeyVerdict(hash_ok=hash_ok)
    return KeyVerdict()


def _one_value(model: type[Model], using: str, column: str, hash_column: str | None) -> Any:
    wanted = (column, hash_column) if hash_column else (column,)
    return model._base_manager.using(using).exclude(**{column: ""}).order_by("pk").values_list(*wanted).first()


def _write_row(using: str, key_check: type[Model]) -> None:
    try:
        with transaction.atomic(using=using):
            key_check._base_manager.using(using).create(
                pk=1, encrypted_value=crypto.encrypt(CHECK_VALUE), keyed_hash=crypto.keyed_hash(CHECK_VALUE),
                encryption_key_fingerprint=crypto.encryption_key_fingerprint(),
                hash_key_fingerprint=crypto.hash_key_fingerprint(),
            )
    except IntegrityError:
        # Another process starting at the same moment wrote it; the next check compares with it.
        pass

"""The keys of personal data are checked against the database before anything serves or writes it.

A database keeps one key check row (shuniu/core/checks.py), written at migrate; with any other
encryption or hash key, the system check answers an Error and the WSGI application refuses to load.
The subprocess tests run the real entry points (``shuniu check``, runserver, worker, import, export,
demo, the WSGI module, gunicorn) against a SQLite file of their own.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from shuniu.core import crypto
from shuniu.core.checks import check_keys
from shuniu.core.models import KeyCheck
from shuniu.party.models import PartyMember
from shuniu.wsgi import KeyCheckedApplication
from tests.factories import InstructorFactory, PartyMemberFactory, make_id_number, make_phone

# Every test is marked, the subprocess ones too, so that pytest-django keeps the module's tests
# together and the module's fixture is made once.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NUMBER = make_id_number(4711)


def _errors(**kwargs: Any) -> dict[str, str]:
    return {m.id: m.msg for m in check_keys(**kwargs) if m.is_serious()}


# ---- in process: the system check ----

def test_a_migrated_database_holds_a_key_check_row_of_the_configured_keys():
    row = KeyCheck.objects.get()
    assert row.encryption_key_fingerprint == crypto.encryption_key_fingerprint()
    assert row.hash_key_fingerprint == crypto.hash_key_fingerprint()
    assert crypto.decrypt(row.encrypted_value)
    assert _errors() == {}


def test_the_key_check_row_holds_no_key():
    from django.conf import settings

    values = " ".join(str(v) for v in KeyCheck.objects.values().get().values())
    for key in (settings.SHUNIU_ENCRYPTION_KEY, settings.SHUNIU_HASH_KEY, settings.SECRET_KEY):
        assert key not in values


def test_another_encryption_key_is_an_error_naming_the_variable_both_fingerprints_and_the_docs(settings):
    stored = crypto.encryption_key_fingerprint()
    settings.SHUNIU_ENCRYPTION_KEY = "a key from another machine"
    errors = _errors()
    assert set(errors) == {"keys.E001"}
    assert "SHUNIU_ENCRYPTION_KEY" in errors["keys.E001"]
    assert "docs/backup.md" in errors["keys.E001"]
    assert stored in errors["keys.E001"]
    assert crypto.encryption_key_fingerprint() in errors["keys.E001"]


def test_another_hash_key_is_an_error_of_its_own(settings):
    settings.SHUNIU_HASH_KEY = "a hash key from another machine"
    errors = _errors()
    assert set(errors) == {"keys.E002"}
    assert "SHUNIU_HASH_KEY" in errors["keys.E002"]
    assert "docs/backup.md" in errors["keys.E002"]


def test_both_keys_wrong_are_both_reported(settings):
    settings.SHUNIU_ENCRYPTION_KEY = "other 1"
    settings.SHUNIU_HASH_KEY = "other 2"
    assert set(_errors()) == {"keys.E001", "keys.E002"}


def test_the_message_is_in_english_when_the_language_is(settings):
    from django.utils import translation

    settings.SHUNIU_ENCRYPTION_KEY = "a key from another machine"
    with translation.override("en"):
        message = _errors()["keys.E001"]
    assert message.startswith("The personal data in the database cannot be decrypted with the current key")
    assert "docs/backup.md" in message


def test_the_check_is_an_error_of_shuniu_check(settings):
    from django.core.management.base import SystemCheckError

    settings.SHUNIU_ENCRYPTION_KEY = "a key from another machine"
    with pytest.raises(SystemCheckError, match=r"keys\.E001"):
        call_command("check")


def test_the_check_reads_one_row_when_it_exists():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert _errors() == {}
    # Inside the test's transaction the query is wrapped in a savepoint; outside, it is the only statement.
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 1
    assert KeyCheck._meta.db_table in statements[0]


# ---- databases without a row (installed before it existed) ----

def test_a_missing_row_on_existing_data_is_verified_with_a_stored_value_and_written():
    member = PartyMemberFactory(id_number=NUMBER, phone=make_phone(4711))
    KeyCheck.objects.all().delete()
    assert _errors() == {}
    row = KeyCheck.objects.get()
    assert row.encryption_key_fingerprint == crypto.encryption_key_fingerprint()
    assert row.hash_key_fingerprint == crypto.hash_key_fingerprint()
    assert PartyMember.objects.get(pk=member.pk).id_number == NUMBER


def test_a_missing_row_on_data_of_another_encryption_key_is_an_error_and_no_row_is_written(settings):
    PartyMemberFactory(id_number=NUMBER)
    KeyCheck.objects.all().delete()
    settings.SHUNIU_ENCRYPTION_KEY = "a key from another machine"
    errors = _errors()
    assert set(errors) == {"keys.E001"}
    assert "SHUNIU_ENCRYPTION_KEY" in errors["keys.E001"]
    assert not KeyCheck.objects.exists()


def test_a_missing_row_on_id_numbers_hashed_with_another_key_is_an_error_and_no_row_is_written(settings):
    PartyMemberFactory(id_number=NUMBER)
    KeyCheck.objects.all().delete()
    settings.SHUNIU_HASH_KEY = "a hash key from another machine"
    assert set(_errors()) == {"keys.E002"}
    assert not KeyCheck.objects.exists()


def test_a_missing_row_on_phone_numbers_only_is_verified_by_them(settings):
    InstructorFactory(phone=make_phone(4712))
    KeyCheck.objects.all().delete()
    settings.SHUNIU_ENCRYPTION_KEY = "a key from another machine"
    assert set(_errors()) == {"keys.E001"}


def test_a_missing_row_on_a_database_without_personal_data_is_written():
    KeyCheck.objects.all().delete()
    assert _errors() == {}
    assert KeyCheck.objects.get().encryption_key_fingerprint == crypto.encryption_key_fingerprint()


def test_a_flushed_database_gets_its_row_again():
    call_command("flush", interactive=False, verbosity=0)
    assert KeyCheck.objects.get().hash_key_fingerprint == crypto.hash_key_fingerprint()


# ---- the WSGI application ----

def test_the_wsgi_application_checks_at_the_first_request_when_startup_could_not(settings, caplog):
    def inner(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"served"]

    statuses: list[str] = []
    ok = KeyCheckedApplication(inner)
    assert ok({}, lambda status, headers: statuses.append(status)) == [b"served"]

    settings.SHUNIU_ENCRYPTION_KEY = "a key from another machine"
    wrong = KeyCheckedApplication(inner)
    with caplog.at_level(logging.CRITICAL, logger="shuniu.wsgi"):
        body = b"".join(wrong({}, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK", "503 Service Unavailable"]
    assert b"served" not in body
    assert crypto.encryption_key_fingerprint().encode() not in body  # for the operator's log, not for visitors
    assert "SHUNIU_ENCRYPTION_KEY" in caplog.text


# ---- the real entry points, in subprocesses ----

def _env(tmp_path: Path, **keys: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "SHUNIU_", "DATABASE_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SHUNIU_VAR_DIR=str(tmp_path / "var"),
               DJANGO_SETTINGS_MODULE="shuniu.settings", **keys)
    return env


def _run(env: dict[str, str], *argv: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)


def _shuniu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _run(env, sys.executable, "-m", "shuniu.cli", *args)


def _wsgi(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run(env, sys.executable, "-c", "import shuniu.wsgi")


KEYS = {"SHUNIU_ENCRYPTION_KEY": "right encryption key", "SHUNIU_HASH_KEY": "right hash key",
        "SHUNIU_SECRET_KEY": "right secret key"}
MEMBER = ("from shuniu.accounts.actors import SystemActor; from shuniu.regions.services import load_divisions; "
          "from shuniu.party.services import member_create; "
          "load_divisions([('32', '江苏省'), ('3204', '常州市'), ('320404', '钟楼区')], "
          "levels=['province', 'city', 'county'], source='test'); "
          f"member_create(actor=SystemActor('test'), name='张三', gender='male', status='full', "
          "admitted_on=__import__('datetime').date(2015, 7, 1), full_on=__import__('datetime').date(2016, 7, 1), "
          f"region_code='320404', id_number='{NUMBER}', phone='{make_phone(4711)}')")


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with one member (ID and phone number), written with KEYS."""
    folder = tmp_path_factory.mktemp("keys")
    env = _env(folder, **KEYS)
    assert _shuniu(env, "migrate", "-v0").returncode == 0
    made = _shuniu(env, "shell", "-c", MEMBER)
    assert made.returncode == 0, made.stderr
    return folder


def test_an_empty_database_starts_fine_and_gets_its_row_at_migrate(tmp_path):
    env = _env(tmp_path)
    checked = _shuniu(env, "check")
    assert checked.returncode == 0, checked.stderr
    assert "keys." not in checked.stdout + checked.stderr
    assert _wsgi(env).returncode == 0
    migrated = _shuniu(env, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    assert _wsgi(env).returncode == 0
    shown = _shuniu(env, "shell", "-c", "import json; from shuniu.core.models import KeyCheck; "
                                        "print(json.dumps(list(KeyCheck.objects.values_list('id', flat=True))))")
    assert json.loads(shown.stdout.strip().splitlines()[-1]) == [1]


def test_the_right_keys_start(populated):
    env = _env(populated, **KEYS)
    checked = _shuniu(env, "check")
    assert checked.returncode == 0, checked.stderr
    started = _wsgi(env)
    assert started.returncode == 0, started.stderr


def test_a_database_older_than_the_key_check_is_verified_by_its_data_and_gets_the_row_at_migrate(populated, tmp_path):
    shutil.copy(populated / "db.sqlite3", tmp_path / "db.sqlite3")
    env = _env(tmp_path, **KEYS)
    unapplied = _shuniu(env, "migrate", "core", "zero", "-v0")
    assert unapplied.returncode == 0, unapplied.stderr
    wrong = _shuniu(_env(tmp_path, **{**KEYS, "SHUNIU_ENCRYPTION_KEY": "a key from another machine"}), "check")
    assert wrong.returncode != 0
    assert "keys.E001" in wrong.stderr
    migrated = _shuniu(env, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    shown = _shuniu(env, "shell", "-c", "from shuniu.core.models import KeyCheck; "
                                        "print(KeyCheck.objects.get().encryption_key_fingerprint)")
    assert shown.stdout.strip().splitlines()[-1] == crypto.key_fingerprint(KEYS["SHUNIU_ENCRYPTION_KEY"])


ENTRY_POINTS = {
    "runserver": ("runserver", "127.0.0.1:0", "--noreload"),
    "worker": ("worker", "--burst"),
    "export": ("export", "members", "--format", "csv", "-o", "/dev/null"),
    "import": ("import", "members", "/nonexistent.xlsx", "--dry-run"),
    "demo": ("demo", "--no-serve"),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_commands_that_serve_or_touch_personal_data_refuse_another_encryption_key(populated, entry):
    done = _shuniu(_env(populated, **{**KEYS, "SHUNIU_ENCRYPTION_KEY": "a key from another machine"}),
                   *ENTRY_POINTS[entry])
    assert done.returncode != 0
    assert "keys.E001" in done.stderr
    assert "SHUNIU_ENCRYPTION_KEY" in done.stderr
    assert "docs/backup.md" in done.stderr


@pytest.mark.parametrize(("variable", "check_id"), [("SHUNIU_ENCRYPTION_KEY", "keys.E001"),
                                                    ("SHUNIU_HASH_KEY", "keys.E002")])
def test_shuniu_check_the_wsgi_application_and_gunicorn_refuse_another_key(populated, variable, check_id):
    env = _env(populated, **{**KEYS, variable: "a key from another machine"})
    checked = _shuniu(env, "check")
    assert checked.returncode != 0
    assert check_id in checked.stderr
    loaded = [_wsgi(env), _run(env, sys.executable, "-m", "gunicorn", "--check-config", "shuniu.wsgi")]
    for done in loaded:
        assert done.returncode != 0
        assert "KeysDoNotMatch" in done.stderr
    for done in (checked, *loaded):
        assert variable in done.stderr
        assert "docs/backup.md" in done.stderr


def test_an_unreachable_database_is_a_warning_and_does_not_stop_the_server_from_loading(tmp_path):
    env = {**_env(tmp_path), "DATABASE_URL": "postgres://shuniu@127.0.0.1:9/nothing"}
    checked = _shuniu(env, "check")
    assert checked.returncode == 0
    assert "keys.W001" in checked.stderr + checked.stdout
    started = _wsgi(env)
    assert started.returncode == 0, started.stderr
    assert "verifying at the first request" in started.stderr

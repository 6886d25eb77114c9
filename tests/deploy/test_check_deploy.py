"""``shuniu check --deploy`` finds nothing with the production environment of docs/deploy.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.docs import environment

ROOT = Path(__file__).resolve().parents[2]


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only the documented environment (and what runs Python at all): nothing leaks in from the test run.
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run([sys.executable, "-m", "shuniu.cli", "check", "--deploy", "--fail-level", "WARNING"],
                          env={**base, **env}, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path: Path) -> None:
    # The checks include the key check (shuniu/core/checks.py), which reads the database: the
    # documented shuniu@db database does not exist here, so an empty one that can be reached stands in.
    env = {**environment(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}"}
    result = _check(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_the_https_settings(tmp_path: Path) -> None:
    env = environment(tmp_path)
    del env["SHUNIU_HTTPS"]
    result = _check(env)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout


_SHOW = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({k: getattr(s, k, None) for k in (
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER", "SHUNIU_BEHIND_PROXY", "AXES_FAILURE_LIMIT",
    "SESSION_COOKIE_AGE", "SHUNIU_API_RATE")}))
"""


def _settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run([sys.executable, "-c", _SHOW], env={**base, **env, "DJANGO_SETTINGS_MODULE": "shuniu.settings"},
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_documented_environment_turns_on_https_and_trusts_the_proxy(tmp_path: Path) -> None:
    import json

    result = _settings(environment(tmp_path))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["SESSION_COOKIE_SECURE"] is shown["CSRF_COOKIE_SECURE"] is shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600 and shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    # The documented defaults of the login, session and API settings.
    assert (shown["AXES_FAILURE_LIMIT"], shown["SESSION_COOKIE_AGE"], shown["SHUNIU_API_RATE"]) == (5, 1800, "600/m")


def test_the_numbers_come_from_the_environment(tmp_path: Path) -> None:
    import json

    env = {**environment(tmp_path), "SHUNIU_LOGIN_FAILURE_LIMIT": "8", "SHUNIU_SESSION_IDLE_MINUTES": "10",
           "SHUNIU_API_RATE": "100/s", "SHUNIU_HSTS_SECONDS": "300", "SHUNIU_BEHIND_PROXY": "0"}
    shown = json.loads(_settings(env).stdout)
    assert (shown["AXES_FAILURE_LIMIT"], shown["SESSION_COOKIE_AGE"], shown["SHUNIU_API_RATE"]) == (8, 600, "100/s")
    assert shown["SECURE_HSTS_SECONDS"] == 300 and shown["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize("name, value", [("SHUNIU_HTTPS", "yes please"), ("SHUNIU_LOGIN_FAILURE_LIMIT", "five"),
                                         ("SHUNIU_API_RATE", "lots")])
def test_a_mistyped_setting_stops_the_start_with_a_message_naming_it(tmp_path: Path, name: str, value: str) -> None:
    result = _check({**environment(tmp_path), name: value})
    assert result.returncode != 0
    assert name in result.stderr and "ImproperlyConfigured" in result.stderr

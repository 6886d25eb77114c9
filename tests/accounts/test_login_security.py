"""Logins under attack: lockouts per account and per address (django-axes), their audit, the
lockout page, unlocking, the client address behind the proxy, and the idle timeout of sessions.

Time is moved with time-machine, never waited for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client

from shuniu.accounts.login_security import login_unlock
from shuniu.audit.models import AuditEntry
from tests.factories import SYSTEM

PASSWORD = "Hehuachi-2026-login"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OFFICE = "203.0.113.7"
HOME = "198.51.100.23"


@pytest.fixture
def officer(db: Any) -> Any:
    from shuniu.accounts.services import user_create

    user, _pw = user_create(actor=SYSTEM, username="hehuachi", role="district_officer", scope="320404",
                            password=PASSWORD, full_name="荷花池街道")
    return user


def attempt(client: Client, username: str, password: str, address: str, **headers: str) -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def actions(username: str) -> list[str]:
    return list(AuditEntry.objects.filter(changes__username=[None, username]).order_by("id")
                .values_list("action", flat=True))


def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_is_refused_until_the_lockout_ends(officer):
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        answers = [attempt(client, "hehuachi", f"wrong-{i}", OFFICE).status_code for i in range(30)]
        # Four plain failures (the form again), then the lockout page from the fifth on.
        assert answers[:4] == [200] * 4
        assert answers[4:] == [429] * 26

        refused = attempt(client, "hehuachi", PASSWORD, OFFICE)
        assert refused.status_code == 429 and not signed_in(client)
        page = refused.content.decode()
        assert "登录失败次数过多，账号已锁定 15 分钟" in page
        assert "同一账号登录失败 5 次即锁定" in page
        # The account is locked, not only the address it was attacked from.
        assert attempt(Client(), "hehuachi", PASSWORD, HOME).status_code == 429

        clock.shift(dt.timedelta(minutes=14, seconds=59))
        assert attempt(client, "hehuachi", PASSWORD, HOME).status_code == 429 and not signed_in(client)

        clock.shift(dt.timedelta(seconds=2))  # 15 minutes after the fifth failure
        ok = attempt(client, "hehuachi", PASSWORD, HOME)
        assert ok.status_code == 302 and signed_in(client)


def test_failures_the_lockout_refusals_and_the_login_are_audited(officer):
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        for i in range(7):
            attempt(client, "hehuachi", f"wrong-{i}", OFFICE)
        attempt(client, "hehuachi", PASSWORD, OFFICE)
        clock.shift(dt.timedelta(minutes=16))
        attempt(client, "hehuachi", PASSWORD, OFFICE)

    assert actions("hehuachi") == ["login.failed"] * 5 + ["login.locked"] + ["login.refused"] * 3
    locked = AuditEntry.objects.get(action="login.locked")
    assert locked.actor is None and locked.actor_label == "system:auth"
    assert locked.target_type == "accounts.user" and locked.target_id == str(officer.pk)
    assert locked.changes["address"] == [None, OFFICE] and locked.changes["locked"] == [None, "username"]
    login = AuditEntry.objects.filter(action="login").latest("id")
    assert login.actor == officer and login.changes == {"address": [None, OFFICE]}
    # A password never reaches the log.
    assert not AuditEntry.objects.filter(changes__icontains="wrong-").exists()


def test_one_address_is_limited_across_accounts(officer):
    from shuniu.accounts.services import user_create

    other, _pw = user_create(actor=SYSTEM, username="xilin", role="district_officer", scope="320404",
                             password=PASSWORD)
    spray = Client()
    with time_machine.travel(START, tick=False):
        # Twenty accounts tried once each from one address: no account reaches its own limit...
        answers = [attempt(spray, f"guess{i}", "123456", OFFICE).status_code for i in range(20)]
        assert answers[:19] == [200] * 19 and answers[19] == 429
        # ...but the address is locked, for every account, the right password included.
        refused = attempt(spray, "xilin", PASSWORD, OFFICE)
        assert refused.status_code == 429 and not signed_in(spray)
        assert "您所在的网络地址已锁定 15 分钟" in refused.content.decode()
        assert "账号已锁定" not in refused.content.decode()
        # The same account from another address logs in.
        elsewhere = Client()
        assert attempt(elsewhere, "xilin", PASSWORD, HOME).status_code == 302 and signed_in(elsewhere)
    locked = AuditEntry.objects.get(action="login.locked")
    assert locked.changes["locked"] == [None, "ip_address"] and locked.changes["address"] == [None, OFFICE]
    assert other.pk  # created, untouched by the spray


def test_the_lockout_page_is_translated(officer):
    client = Client()
    client.cookies["django_language"] = "en"
    with time_machine.travel(START, tick=False):
        for i in range(5):
            page = attempt(client, "hehuachi", f"wrong-{i}", OFFICE).content.decode()
    assert "Too many failed logins: the account is locked for 15 minutes" in page
    assert "5 failed logins for one account within 15 minutes lock it" in page
    assert "登录" not in page.split("<main>", 1)[1].split("</main>", 1)[0]


def test_the_limits_and_the_cool_off_are_settings(officer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=3)
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        assert attempt(client, "hehuachi", "wrong", OFFICE).status_code == 200
        locked = attempt(client, "hehuachi", "wrong", OFFICE)
        assert locked.status_code == 429 and "账号已锁定 3 分钟" in locked.content.decode()
        clock.shift(dt.timedelta(minutes=3, seconds=1))
        assert attempt(client, "hehuachi", PASSWORD, OFFICE).status_code == 302


def test_behind_the_proxy_failures_count_against_the_address_nginx_appended(officer, settings):
    settings.SHUNIU_BEHIND_PROXY = True
    with time_machine.travel(START, tick=False):
        # The client writes a different address of its own into X-Forwarded-For each time; nginx
        # appends the one it saw (the right-most), and that one is counted.
        for i in range(20):
            attempt(Client(), f"guess{i}", "x", "127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.0.{i}, {OFFICE}")
        refused = attempt(Client(), "hehuachi", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.9, {OFFICE}")
        assert refused.status_code == 429
        other = Client()
        assert attempt(other, "hehuachi", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=HOME).status_code == 302
    addresses = {e.changes["address"][1] for e in AuditEntry.objects.filter(action="login.failed")}
    assert addresses == {OFFICE}


@pytest.mark.parametrize("behind_proxy", [True, False])
def test_behind_an_https_proxy_a_login_passes_the_csrf_check_only_with_the_proxy_setting(officer, settings,
                                                                                         behind_proxy):
    # What SHUNIU_BEHIND_PROXY=1 sets. Without it Django takes the request nginx received over
    # HTTPS for plain HTTP, and the browser's https:// Origin for another site's.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if behind_proxy else None
    client = Client(enforce_csrf_checks=True)
    proxied = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "testserver", "REMOTE_ADDR": "127.0.0.1"}
    page = client.get("/login/", **proxied).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login/", {"username": "hehuachi", "password": PASSWORD, "csrfmiddlewaretoken": token},
                           HTTP_ORIGIN="https://testserver", **proxied)
    assert response.status_code == (302 if behind_proxy else 403)


def test_without_the_proxy_setting_x_forwarded_for_is_ignored(officer, settings):
    settings.SHUNIU_BEHIND_PROXY = False
    with time_machine.travel(START, tick=False):
        for i in range(20):
            attempt(Client(), f"guess{i}", "x", OFFICE, HTTP_X_FORWARDED_FOR=f"10.9.0.{i}")
        assert attempt(Client(), "hehuachi", PASSWORD, OFFICE, HTTP_X_FORWARDED_FOR=HOME).status_code == 429


def test_an_administrator_unlocks_an_account_with_the_unlock_command(officer, capsys):
    client = Client()
    with time_machine.travel(START, tick=False):
        for i in range(5):
            attempt(client, "hehuachi", f"wrong-{i}", OFFICE)
        assert attempt(client, "hehuachi", PASSWORD, OFFICE).status_code == 429
        call_command("unlock", "hehuachi")
        assert capsys.readouterr().out.startswith("unlocked hehuachi: 1 record")
        assert attempt(client, "hehuachi", PASSWORD, OFFICE).status_code == 302 and signed_in(client)
    entry = AuditEntry.objects.get(action="login.unlock")
    assert entry.actor_label == "system:cli" and entry.changes["username"] == [None, "hehuachi"]


def test_an_address_is_unlocked_by_the_unlock_command(officer):
    with time_machine.travel(START, tick=False):
        for i in range(20):
            attempt(Client(), f"guess{i}", "x", OFFICE)
        assert attempt(Client(), "hehuachi", PASSWORD, OFFICE).status_code == 429
        call_command("unlock", "--address", OFFICE)
        assert attempt(Client(), "hehuachi", PASSWORD, OFFICE).status_code == 302


def test_only_administrators_unlock(officer, zhonglou_officer, admin_user):
    with pytest.raises(PermissionDenied):
        login_unlock(actor=zhonglou_officer, username="hehuachi")
    assert login_unlock(actor=admin_user, username="hehuachi") == 0
    assert AuditEntry.objects.filter(action="login.unlock", actor=admin_user).exists()


# ---- sessions ----------------------------------------------------------------------------------

def test_an_idle_session_expires_and_an_active_one_is_extended(officer, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # SHUNIU_SESSION_IDLE_MINUTES's default
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        assert attempt(client, "hehuachi", PASSWORD, OFFICE).status_code == 302
        # Active: a page every 20 minutes keeps the session for two hours.
        for _ in range(6):
            clock.shift(dt.timedelta(minutes=20))
            assert client.get("/members/").status_code == 200
        # Idle for 31 minutes: signed out.
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/members/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_idle_timeout_is_a_setting(officer, settings):
    settings.SESSION_COOKIE_AGE = 5 * 60
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        attempt(client, "hehuachi", PASSWORD, OFFICE)
        clock.shift(dt.timedelta(minutes=4))
        assert client.get("/members/").status_code == 200
        clock.shift(dt.timedelta(minutes=6))
        assert client.get("/members/").status_code == 302

"""The login and password pages speak in our words too: a wrong password, a mismatched or weak new
password are said with the rule, in Chinese and in English, never with Django's default message."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import password_validation as dj
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.test import Client
from django.utils import translation

from shuniu.accounts.services import user_create
from tests.factories import SYSTEM

PASSWORD = "Hehuachi-2026-login"


def django_auth_messages() -> list[str]:
    """The Chinese runs (four characters or more) of Django's own login, password-change and
    password-validator messages, in its zh-hans translation."""
    messages: list[Any] = [*AuthenticationForm.error_messages.values(), *PasswordChangeForm.error_messages.values(),
                           *SetPasswordForm.error_messages.values()]
    with translation.override("zh-hans"):
        texts = [str(m) for m in messages]
        texts += [dj.MinimumLengthValidator().get_error_message() % {"min_length": 8},
                  dj.CommonPasswordValidator().get_error_message(), dj.NumericPasswordValidator().get_error_message(),
                  dj.UserAttributeSimilarityValidator().get_error_message() % {"verbose_name": "用户名"}]
    return sorted({run for text in texts for run in re.findall(r"[\u3400-\u9fff]+", text) if len(run) >= 4})


@pytest.fixture
def officer(db: Any) -> Any:
    user, _pw = user_create(actor=SYSTEM, username="zhonglou_pw", role="district_officer", scope="320404",
                            password=PASSWORD)
    return user


def client_in(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_the_list_of_django_messages_has_the_login_one():
    assert any(m.startswith("请输入一个正确的") for m in django_auth_messages())


def test_a_wrong_password_is_said_with_the_rule(officer: Any) -> None:
    text = page(client_in("zh-hans").post("/login/", {"username": "zhonglou_pw", "password": "wrong"}))
    assert "用户名或密码不正确（规则：用户名区分大小写；连续输错将暂时锁定账号）" in text
    assert not [m for m in django_auth_messages() if m in text]
    english = page(client_in("en").post("/login/", {"username": "zhonglou_pw", "password": "wrong"}))
    assert "Incorrect username or password" in english


@pytest.mark.parametrize("new1, new2, ours", [
    ("Qinhuai-2026-new", "Qinhuai-2026-other", "两次输入的新密码不一致（规则：新密码须输入两次且相同）"),
    ("Ab1-x", "Ab1-x", "密码过短（规则：不少于 8 个字符）"),
    ("12345678901", "12345678901", "密码不能全是数字（规则：须含字母或符号）"),
    ("password123", "password123", "密码过于常见（规则：不能使用常见密码）"),
])
def test_a_new_password_refused_says_why(officer: Any, new1: str, new2: str, ours: str) -> None:
    client = client_in("zh-hans")
    client.force_login(officer)
    text = page(client.post("/password/", {"old_password": PASSWORD, "new_password1": new1, "new_password2": new2}))
    assert ours in text
    assert not [m for m in django_auth_messages() if m in text]
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)  # nothing changed


def test_a_wrong_old_password_is_said_with_the_rule_in_english_too(officer: Any) -> None:
    client = client_in("en")
    client.force_login(officer)
    text = page(client.post("/password/", {"old_password": "wrong", "new_password1": "Qinhuai-2026-new",
                                           "new_password2": "Qinhuai-2026-new"}))
    assert "old password" in text.lower() and not re.search(r"[\u3400-\u9fff]{4,}", text.split("<body", 1)[-1]
                                                                .replace("中文", ""))

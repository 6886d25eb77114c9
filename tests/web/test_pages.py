"""Login and home pages: Chinese by default, English on request, figures within the user's scope."""

from __future__ import annotations

import pytest

from tests.factories import JIANWAI, SocialOrgFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_even_for_an_english_browser(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_the_language_switch_gives_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Log in" in client.get("/login/").content.decode()


def test_home_requires_login(client):
    assert client.get("/").status_code == 302


def test_home_shows_the_district_figures_and_nothing_of_another_district(client, zhonglou_officer):
    SocialOrgFactory(name="钟楼测试协会")
    SocialOrgFactory(name="朝阳测试协会", region_code=JIANWAI)
    client.force_login(zhonglou_officer)
    page = client.get("/").content.decode()
    assert "钟楼区" in page and "荷花池街道" in page
    assert "朝阳" not in page
    assert "应建未建" in page

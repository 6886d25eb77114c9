"""Fixtures of the browser tests (tests/web/browser.py has the toolkit)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.browser import CHROMIUM, Browser, _chromium_or_skip, _ensure_reference_data


@pytest.fixture(scope="module")
def reference_data(django_db_blocker: Any) -> Iterator[None]:
    """Restore, after the module, what the last test's flush removed (other tests rely on it)."""
    yield
    with django_db_blocker.unblock():
        _ensure_reference_data()


@pytest.fixture
def chrome(live_server: Any) -> Iterator[Browser]:
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Chinese dates in <input type=date> (yyyy/mm/dd) when Debian's chromium-l10n is installed.
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=zh-CN"],
                                     env={**os.environ, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN:zh"})
        context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                       viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15_000)
        b = Browser(context.new_page(), live_server.url)
        try:
            yield b
            b.assert_no_errors()
        finally:
            context.close()
            chromium.close()
            # Inside Playwright's event loop the ORM keeps its connections in another context than
            # pytest-django's; close them, or PostgreSQL refuses to drop the test database at the end.
            from django.db import connections

            connections.close_all()

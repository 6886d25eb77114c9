"""The browser tests' toolkit: Chromium through Playwright against the live server, a page whose
console is watched, and the reference data a live server's flush removes (fixtures in conftest.py)."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.factories import HEHUACHI, ZHONGLOU

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DATA = ROOT / "tests" / "data"
CHROMIUM = "/usr/bin/chromium"


def _chromium_or_skip() -> None:
    if Path(CHROMIUM).exists() and shutil.which(CHROMIUM):
        return
    message = f"{CHROMIUM} not found: install the Debian package chromium (and fonts-noto-cjk) to run browser tests"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _ensure_reference_data() -> None:
    """The divisions, Zhonglou's communities and the industries, loaded again if a flush removed them."""
    from shuniu.regions.models import Region
    from shuniu.regions.services import load_communities, load_shipped
    from shuniu.registry.models import Industry

    if not Region.objects.filter(code=ZHONGLOU).exists():
        load_shipped()
    if not Region.objects.filter(code__startswith=HEHUACHI, level="community").exists():
        load_communities(DATA / "villages-320404.csv")
    if not Industry.objects.exists():
        industries = importlib.import_module("shuniu.registry.migrations.0002_industries").INDUSTRIES
        Industry.objects.bulk_create([Industry(code=c, name=n) for c, n in industries])


class Browser:
    """One page with the console watched; ``shot`` saves a screenshot under test-artifacts/."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base = base_url
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        self.settle()

    def settle(self) -> None:
        self.page.wait_for_load_state("networkidle")
        self.assert_no_errors()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.wait_for_timeout(500)  # chart animations
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def assert_no_errors(self) -> None:
        assert not self.errors, "JavaScript errors:\n" + "\n".join(self.errors)

    def pick(self, field: str, text: str, value: Any) -> None:
        """Type into a picker and choose the option with ``value``."""
        self.page.fill(f"#id_{field}", text)
        self.page.click(f"[data-pick-value='{value}']")
        assert self.page.input_value(f"input[type=hidden][name={field}]") == str(value)

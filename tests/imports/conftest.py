"""The browser fixtures of tests/web, shared with the import journey in tests/imports/test_browser.py."""

from tests.web.conftest import chrome, reference_data  # noqa: F401

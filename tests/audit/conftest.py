"""The API clients of tests/api, for the audit of what the API shows."""

from tests.api.conftest import api  # noqa: F401

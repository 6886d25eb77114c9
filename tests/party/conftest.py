"""The API clients of tests/api, for the integrity tests that send the same bad write through the API."""

from tests.api.conftest import api  # noqa: F401

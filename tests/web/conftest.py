from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language_after_each_test():  # type: ignore[no-untyped-def]
    """A request made with the English cookie activates English in this thread (the middleware has
    no reason to undo it); later tests in the same process expect the default language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)

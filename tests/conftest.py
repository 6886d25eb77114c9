"""Shared fixtures: the national divisions (and Zhonglou's communities) loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from shuniu.regions.services import load_communities, load_shipped

    with django_db_blocker.unblock():
        load_shipped()
        load_communities(DATA / "villages-320404.csv")

"""Shared fixtures: the national divisions (and Zhonglou's communities) loaded once per session, and
the named personas that every test uses, each with a different jurisdiction:

- ``admin_user``: role admin, sees everything;
- ``beijing_city_officer``: city officer of Beijing (scope "11");
- ``chaoyang_officer``: district officer of 朝阳区 (110105), Beijing;
- ``zhonglou_officer``: district officer of 钟楼区 (320404), Changzhou;
- ``secretary``: secretary of ``branch``, a party branch in 荷花池街道 (320404006) covering ``branch_org``;
- ``hub_staff``: staff of ``hub``, a street-level hub in 荷花池街道.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from tests.factories import (
    CHAOYANG,
    HEHUACHI,
    JIANWAI,
    SYSTEM,
    XILIN,
    ZHONGLOU,
    HubFactory,
    PartyOrgFactory,
    SocialOrgFactory,
)

DATA = Path(__file__).parent / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test has a node id of its own.

    schemathesis 4.32 under pytest 9.2 names each API operation of an unparametrized test
    ("test_no_request_gives_a_server_error[GET /api/v1/ping]") but gives them all the bare function's
    node id; pytest-xdist's --dist loadgroup schedules by node id, so it ran one of the 31 and reported
    the others as neither run nor missing. Such items get the node id their name says; any duplicate
    left stops the run instead of silently running fewer tests."""
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None and not item.nodeid.endswith("::" + item.name):
            item._id = item.parent.id.child(item.name)  # what pytest's Node gives a plain name
    duplicated = sorted(nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1)
    if duplicated:
        raise pytest.UsageError(f"tests share a node id (pytest-xdist would run only one): {duplicated[:5]}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from shuniu.regions.services import load_communities, load_shipped

    with django_db_blocker.unblock():
        load_shipped()
        load_communities(DATA / "villages-320404.csv")


@pytest.fixture(autouse=True)
def _default_language_after_each_test():  # type: ignore[no-untyped-def]
    """A request made with the English cookie activates English in this thread (the middleware has
    no reason to undo it); later tests in the same process expect the default language."""
    from django.conf import settings as django_settings
    from django.utils import translation

    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # user_create always hashes a password; PBKDF2 would make every persona cost ~0.3 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_api_rate_limit(settings):  # type: ignore[no-untyped-def]
    # The API's limit per token counts in the cache, which outlives a test, against tokens and user
    # ids that tests repeat; tests/api/test_rate_limit.py sets its own.
    settings.SHUNIU_API_RATE = "1000000/m"


def _user(username: str, role: str, scope: str = ""):  # type: ignore[no-untyped-def]
    from shuniu.accounts.services import user_create

    user, _password = user_create(actor=SYSTEM, username=username, role=role, scope=scope,
                                  full_name=username)
    return user


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    return _user("admin", "admin")


@pytest.fixture
def beijing_city_officer(db):  # type: ignore[no-untyped-def]
    return _user("beijing_city", "city_officer", "11")


@pytest.fixture
def chaoyang_officer(db):  # type: ignore[no-untyped-def]
    return _user("chaoyang", "district_officer", "110105")


@pytest.fixture
def zhonglou_officer(db):  # type: ignore[no-untyped-def]
    return _user("zhonglou", "district_officer", "320404")


@pytest.fixture
def branch_org(db):  # type: ignore[no-untyped-def]
    """A social org in 荷花池街道 with its own party branch (``branch``)."""
    return SocialOrgFactory(name="荷花池社工服务中心", type="service_institution", region_code=HEHUACHI)


@pytest.fixture
def branch(branch_org):  # type: ignore[no-untyped-def]
    return PartyOrgFactory(name="荷花池社工服务中心党支部", kind="branch", covers=[branch_org])


@pytest.fixture
def secretary(branch):  # type: ignore[no-untyped-def]
    return _user("secretary", "secretary", f"party:{branch.pk}")


@pytest.fixture
def hub(db):  # type: ignore[no-untyped-def]
    return HubFactory(name="荷花池街道社会组织联合会", level="street", region_code=HEHUACHI)


@pytest.fixture
def hub_staff(hub):  # type: ignore[no-untyped-def]
    return _user("hub_staff", "hub_staff", f"hub:{hub.pk}")


# Beside the personas' places, one street of another district of each city: a list asked for a whole
# city or province must count only the part of it inside the caller's scope.
_MIXED_PLACES = [HEHUACHI, XILIN, JIANWAI, CHAOYANG, ZHONGLOU, "110101001", "320402001"]
_MIXED_TYPES = ["social_group", "foundation", "service_institution"]


@pytest.fixture
def mixed_orgs(hub):  # type: ignore[no-untyped-def]
    """21 orgs over 7 places, 3 types, 2 industries, a hub; own and joint coverage; 2 deregistered."""
    from shuniu.registry.services import org_deregister

    made = [SocialOrgFactory(type=_MIXED_TYPES[n % 3], region_code=_MIXED_PLACES[n % 7],
                             industry=["legal", "health", None][n % 3], hub=hub if n % 4 == 0 else None)
            for n in range(21)]
    PartyOrgFactory(kind="branch", covers=[made[0]])
    PartyOrgFactory(kind="joint_branch", covers=[made[1], made[6]])
    org_deregister(actor=SYSTEM, org=made[5], on=dt.date(2024, 1, 1))
    org_deregister(actor=SYSTEM, org=made[3], on=dt.date(2024, 1, 1))
    return made

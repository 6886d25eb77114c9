"""Property-based fuzzing of every operation of the OpenAPI schema: no input gives a 5xx.

Schemathesis loads the schema from the app itself (through Django's WSGI handler, so the whole
middleware stack runs) and sends generated valid and invalid requests with an administrator's
bearer token. Only the ``not_a_server_error`` check runs: the other checks would hold the API to
response details this suite tests directly. Kept small (``max_examples``) to stay well under a
minute; for a deeper run against a server see the README section "API".

The GET operations (whose query parameters are filters) get more examples, as three personas (an
administrator, a district officer, a branch secretary), and a check that a refused query is answered
in the API's error format (shuniu/api/errors.py). The pages' query parameters are fuzzed in
tests/web/test_query_fuzz.py.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from shuniu.accounts.services import token_create
from shuniu.api.schemas import ErrorsOut
from shuniu.wsgi import application
from tests.factories import (
    SYSTEM,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_token(admin_user) -> str:  # type: ignore[no-untyped-def]
    return token_create(actor=SYSTEM, user=admin_user)


@pytest.fixture
def one_connection():  # type: ignore[no-untyped-def]
    """Keep the test's database connection open across requests, as Django's test client does.

    Schemathesis calls the WSGI handler directly, whose request signals would otherwise close the
    connection (and with it the test transaction) on PostgreSQL.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def some_rows(db):  # type: ignore[no-untyped-def]
    """A few rows, so that generated ids sometimes hit (ids start low in the test database)."""
    org = SocialOrgFactory()
    branch = PartyOrgFactory(covers=[org])
    PartyMemberFactory(workplace=org, relation_org=branch)
    InstructorFactory()


# Loaded eagerly at collection (the schema needs no database). schemathesis.pytest.from_fixture
# would be the lazy way, but schemathesis 4.32 reads a node attribute that pytest 9.2 removed.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gives_a_server_error(case, admin_token, some_rows, one_connection):  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=[not_a_server_error])


@schemathesis.check
def errors_in_our_format(ctx, response, case):  # type: ignore[no-untyped-def]
    """A request refused for its parameters (400, 422) says why in shuniu's error format: a list of
    {field, rule, message}, each message non-empty."""
    if response.status_code in (400, 422):
        errors = ErrorsOut.model_validate(response.json()).errors
        assert errors and all(e.message for e in errors), response.text
    return None


@pytest.fixture(params=["admin_user", "zhonglou_officer", "secretary"])
def persona_token(request) -> str:  # type: ignore[no-untyped-def]
    return token_create(actor=SYSTEM, user=request.getfixturevalue(request.param))


@schema.include(method="GET").parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_query_gives_a_server_error_and_refusals_are_in_our_format(  # type: ignore[no-untyped-def]
        case, persona_token, some_rows, one_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {persona_token}"},
                           checks=[not_a_server_error, errors_in_our_format])

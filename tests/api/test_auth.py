"""Who may call the API: bearer tokens, Django sessions with CSRF, and nobody else."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from shuniu.accounts.models import ApiToken
from shuniu.accounts.services import token_create, token_revoke
from shuniu.registry.models import SocialOrg
from tests.factories import CHAOYANG, HEHUACHI, JIANWAI, SYSTEM, ZHONGLOU, SocialOrgFactory, make_uscc

pytestmark = pytest.mark.django_db

ORG = {"name": "钟楼区会话测试协会", "type": "social_group", "region_code": ZHONGLOU}


def test_a_valid_bearer_token_authenticates_its_user(api, zhonglou_officer):
    response = api(zhonglou_officer).get("/api/v1/orgs")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_wrong_bearer_token_gets_401_in_the_error_shape(client):
    response = client.get("/api/v1/orgs", headers={"Authorization": "Bearer shn_not-a-real-token"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["rule"] == "authentication"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_credentials_get_401_even_for_a_write(client):
    assert client.get("/api/v1/regions").status_code == 401
    response = client.post("/api/v1/orgs", ORG, content_type="application/json")
    assert response.status_code == 401


def test_a_revoked_token_no_longer_works(zhonglou_officer):
    token = token_create(actor=SYSTEM, user=zhonglou_officer)
    ApiToken.objects.filter(user=zhonglou_officer).update(revoked_at=timezone.now())
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/orgs")
    assert response.status_code == 401


def test_a_wrong_token_is_not_rescued_by_a_session(client, zhonglou_officer):
    client.force_login(zhonglou_officer)
    response = client.get("/api/v1/orgs", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_a_session_reads_without_csrf(client, zhonglou_officer):
    client.force_login(zhonglou_officer)
    assert client.get("/api/v1/orgs").status_code == 200


def test_a_session_write_needs_the_csrf_token(zhonglou_officer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(zhonglou_officer)
    payload = {**ORG, "uscc": make_uscc(901)}
    refused = browser.post("/api/v1/orgs", payload, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["errors"][0]["message"]
    assert not SocialOrg.objects.filter(name=ORG["name"]).exists()

    browser.get("/api/v1/docs")  # renders the CSRF token, so sets its cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post("/api/v1/orgs", payload, content_type="application/json",
                            headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.content


def test_the_last_use_of_a_token_is_recorded_without_a_write_on_every_request(zhonglou_officer):
    token = token_create(actor=SYSTEM, user=zhonglou_officer)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    client.get("/api/v1/orgs")
    first = ApiToken.objects.get(user=zhonglou_officer).last_used_at
    assert first is not None
    client.get("/api/v1/orgs")
    assert ApiToken.objects.get(user=zhonglou_officer).last_used_at == first


def _token_queries(client: Client) -> int:
    """How many queries of a list request read the token table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/orgs").status_code == 200
    return sum("accounts_apitoken" in q["sql"] for q in captured.captured_queries)


def test_a_token_in_use_is_looked_up_once_not_on_every_request(zhonglou_officer):
    token = token_create(actor=SYSTEM, user=zhonglou_officer)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert _token_queries(client) >= 1
    assert _token_queries(client) == 0


def test_a_cached_token_is_refused_from_the_request_after_its_revocation(zhonglou_officer):
    token = token_create(actor=SYSTEM, user=zhonglou_officer)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/orgs").status_code == 200
    token_revoke(actor=zhonglou_officer, token=ApiToken.objects.get(user=zhonglou_officer))
    assert client.get("/api/v1/orgs").status_code == 401


def test_a_cached_token_follows_its_user_being_deactivated_or_moved(zhonglou_officer, chaoyang_officer):
    zhonglou_org = SocialOrgFactory(region_code=HEHUACHI)
    chaoyang_org = SocialOrgFactory(region_code=JIANWAI)
    token = token_create(actor=SYSTEM, user=zhonglou_officer)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert [o["id"] for o in client.get("/api/v1/orgs").json()["items"]] == [zhonglou_org.pk]

    # Moved to 朝阳区 (as the admin site saves a user): the next request has the new scope.
    zhonglou_officer.scope_region_id = CHAOYANG
    zhonglou_officer.save()
    assert [o["id"] for o in client.get("/api/v1/orgs").json()["items"]] == [chaoyang_org.pk]
    assert client.get(f"/api/v1/orgs/{zhonglou_org.pk}").status_code == 404

    zhonglou_officer.is_active = False
    zhonglou_officer.save()
    assert client.get("/api/v1/orgs").status_code == 401
    assert chaoyang_officer.is_active  # another user's token cache is not touched


def test_tokens_still_work_and_revoke_while_the_cache_is_down(zhonglou_officer, settings, caplog):
    # A Redis nobody listens on: every cache call fails, as when the production Redis is down.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    token = token_create(actor=SYSTEM, user=zhonglou_officer)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/orgs").status_code == 200
    token_revoke(actor=zhonglou_officer, token=ApiToken.objects.get(user=zhonglou_officer))
    assert ApiToken.objects.get(user=zhonglou_officer).revoked_at is not None
    assert client.get("/api/v1/orgs").status_code == 401
    assert "API token cache unavailable" in caplog.text


def test_the_cached_user_holds_no_password_hash(zhonglou_officer):
    from django.core.cache import cache

    from shuniu.accounts.services import _token_cache_key, _token_hash

    token = token_create(actor=SYSTEM, user=zhonglou_officer)
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/orgs").status_code == 200
    cached = cache.get(_token_cache_key(_token_hash(token)))
    assert cached.pk == zhonglou_officer.pk and cached.role == "district_officer"
    assert "password" not in cached.__dict__

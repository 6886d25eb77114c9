"""Who may call the API: bearer tokens, Django sessions with CSRF, and nobody else."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from shuniu.accounts.models import ApiToken
from shuniu.accounts.services import token_create
from shuniu.registry.models import SocialOrg
from tests.factories import ZHONGLOU, make_uscc

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
    token = token_create(actor="test", user=zhonglou_officer)
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
    token = token_create(actor="test", user=zhonglou_officer)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    client.get("/api/v1/orgs")
    first = ApiToken.objects.get(user=zhonglou_officer).last_used_at
    assert first is not None
    client.get("/api/v1/orgs")
    assert ApiToken.objects.get(user=zhonglou_officer).last_used_at == first

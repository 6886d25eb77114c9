"""The OpenAPI schema and the Swagger UI page: served from our own static files, nothing external."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_lists_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "shuniu"
    assert {"/api/v1/orgs", "/api/v1/orgs/{id}", "/api/v1/party-orgs/{id}/coverages", "/api/v1/members",
            "/api/v1/coverage", "/api/v1/findings", "/api/v1/regions/{code}"} <= set(schema["paths"])
    assert set(schema["components"]["securitySchemes"]) == {"BearerAuth", "SessionAuth"}


def test_the_docs_page_loads_no_external_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    assert urls, html
    assert all(u.startswith("/static/") for u in urls), urls
    assert not re.search(r"https?://|//cdn", html)
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), url
    # The online validator (validator.swagger.io) is switched off.
    assert '"validatorUrl": null' in html

"""The REST API (django-ninja), mounted at /api/v1/: OpenAPI at openapi.json, Swagger UI at docs."""

"""The web org list's total (read from the rollup where it can be) is always the number of rows."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from tests.factories import CHAOYANG, HEHUACHI, ZHONGLOU

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["admin_user", "zhonglou_officer", "beijing_city_officer", "hub_staff"])
def test_the_list_total_is_the_number_of_rows_for_every_filter(mixed_orgs, hub, persona, request):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    regions = ["", "32", ZHONGLOU, HEHUACHI, "11", CHAOYANG]
    extras = [{}, {"type": "foundation"}, {"by": "industry", "key": "legal"}, {"by": "industry", "key": ""},
              {"hub": str(hub.pk)}, {"type": "social_group", "hub": str(hub.pk)}, {"grade": "5A"}, {"q": "测试"},
              {"state": "all"}, {"due": "1"}]
    listed = 0
    for region, extra, status in itertools.product(regions, extras, ["", "own", "own,joint", "none"]):
        params = {**extra, **({"region": region} if region else {}), **({"status": status} if status else {})}
        response = client.get("/orgs/", params)
        if response.status_code == 404:  # a region outside the persona's scope
            continue
        assert response.status_code == 200, params
        paginator = response.context["page"].paginator
        # Every row of the list, not the page (which Django cuts at the count it is given).
        rows = len(list(paginator.object_list))
        assert paginator.count == rows, params
        listed += rows
    assert listed > 50

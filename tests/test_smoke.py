import json

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_summary_counts_the_national_divisions(capsys):
    call_command("summary", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["regions"] == {"province": 31, "city": 342, "county": 2978, "street": 41352, "community": 105}

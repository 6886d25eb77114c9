"""Importing coverage links, and what every kind shares: templates, commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from shuniu.imports.kinds import KINDS
from shuniu.imports.services import import_preview
from shuniu.party.models import PartyOrgCoverage
from shuniu.registry.models import SocialOrg
from tests.factories import SYSTEM, PartyOrgFactory, SocialOrgFactory
from tests.imports.files import write_csv
from tests.imports.test_orgs import assert_coverage_true

pytestmark = pytest.mark.django_db
HEADERS = ["党组织", "社会组织统一社会信用代码", "社会组织名称", "覆盖起始日期"]


def test_a_joint_branch_covers_the_orgs_listed_and_statuses_follow(tmp_path):
    orgs = [SocialOrgFactory(name=f"小微组织{i}") for i in range(4)]
    PartyOrgFactory(name="荷花池街道联合党支部", kind="joint_branch", established_on="2020-01-01")
    rows = [["荷花池街道联合党支部", o.uscc, o.name, "2020-07-01"] for o in orgs[:3]]
    path = write_csv(tmp_path / "l.csv", rows, headers=HEADERS)
    out = io.StringIO()
    call_command("import", "coverage_links", str(path), stdout=out, stderr=io.StringIO())
    assert "3 created, 0 updated, 0 unchanged" in out.getvalue()
    assert [SocialOrg.objects.get(pk=o.pk).coverage_status for o in orgs] == ["joint", "joint", "joint", "none"]
    assert_coverage_true()
    out = io.StringIO()
    call_command("import", "coverage_links", str(path), stdout=out, stderr=io.StringIO())
    assert "0 created, 0 updated, 3 unchanged" in out.getvalue()


def test_coverage_link_errors(tmp_path):
    org = SocialOrgFactory(name="小微组织")
    PartyOrgFactory(name="联合党支部", kind="joint_branch", established_on="2020-01-01")
    rows = [["联合党支部", org.uscc, "别的名字", "2020-07-01"], ["没有的党支部", org.uscc, "", "2020-07-01"],
            ["联合党支部", org.uscc, "", "2019-07-01"], ["联合党支部", "51320404MJ9999999X", "", "2020-07-01"]]
    preview = import_preview(actor=SYSTEM, kind="coverage_links", path=write_csv(tmp_path / "e.csv", rows,
                                                                                  headers=HEADERS))
    assert {(e.row, e.column, e.code) for e in preview.errors} == {
        (2, "社会组织名称", "mismatch"), (3, "党组织", "reference"), (4, "覆盖起始日期", "date_order"),
        (5, "社会组织统一社会信用代码", "reference")}
    assert PartyOrgCoverage.objects.count() == 0


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kinds_template_imports_as_one_skipped_example(tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"
    call_command("template", kind, "-o", str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("import", kind, str(path), stdout=out, stderr=io.StringIO())
    assert "0 created, 0 updated, 0 unchanged, 1 skipped" in out.getvalue()

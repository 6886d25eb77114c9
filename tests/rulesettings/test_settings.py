"""Local rule settings: keyed by rule, parameter and region prefix, the most specific prefix wins
parameter by parameter, each with its source; written through an audited, scope-checked service."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.audit.models import AuditEntry
from shuniu.rulesettings import selectors
from shuniu.rulesettings.selectors import current, enabled, param, params
from shuniu.rulesettings.services import rule_setting_clear, rule_setting_set
from tests.factories import SYSTEM, SocialOrgFactory

pytestmark = pytest.mark.django_db


def test_the_most_specific_prefix_wins_parameter_by_parameter_and_for_on_off():
    # EVALUATION_VETO is local: off, min_grade 3A and valid_years 5 unless set.
    assert not enabled("EVALUATION_VETO", "320404") and param("EVALUATION_VETO", "min_grade", "320404") == "3A"
    rule_setting_set(actor=SYSTEM, rule_id="EVALUATION_VETO", params={"min_grade": "5A"}, source="全国试点")
    rule_setting_set(actor=SYSTEM, rule_id="EVALUATION_VETO", region="32", enabled=True, params={"valid_years": 3},
                     source="江苏省文件")
    rule_setting_set(actor=SYSTEM, rule_id="EVALUATION_VETO", region="3204", params={"min_grade": "3A"},
                     source="常州市评估办法")
    rule_setting_set(actor=SYSTEM, rule_id="EVALUATION_VETO", region="320404", enabled=False, source="钟楼区暂缓")

    # Changzhou's Tianning (320402): the grade from Changzhou, on/off and years from Jiangsu.
    assert params("EVALUATION_VETO", "320402") == {"min_grade": "3A", "valid_years": 3}
    assert enabled("EVALUATION_VETO", "320402")
    # Zhonglou and a street in it: switched off by the district, the rest inherited from above.
    for code in ("320404", "320404006", "320404006001"):
        assert not enabled("EVALUATION_VETO", code)
        assert params("EVALUATION_VETO", code) == {"min_grade": "3A", "valid_years": 3}
    # Suzhou (3205): Jiangsu's on/off and years, the country's grade; Beijing: the country's grade only.
    assert params("EVALUATION_VETO", "3205") == {"min_grade": "5A", "valid_years": 3}
    assert enabled("EVALUATION_VETO", "3205")
    assert not enabled("EVALUATION_VETO", "11") and params("EVALUATION_VETO", "11") == {"min_grade": "5A",
                                                                                        "valid_years": 5}
    # Each value says where it comes from.
    resolved = current().resolve("EVALUATION_VETO", "min_grade", "320402")
    assert (resolved.value, resolved.region, resolved.source) == ("3A", "3204", "常州市评估办法")
    assert current().resolve("EVALUATION_VETO", "valid_years", "11").region is None  # the default

    # Clearing Changzhou's grade: its regions follow the country again.
    assert rule_setting_clear(actor=SYSTEM, rule_id="EVALUATION_VETO", region="3204") == 1
    assert param("EVALUATION_VETO", "min_grade", "320402") == "5A"


def test_the_rule_is_evaluated_once_per_part_of_the_country_with_its_own_settings():
    rule_setting_set(actor=SYSTEM, rule_id="EVALUATION_VETO", region="3204", enabled=True, source="常州")
    rule_setting_set(actor=SYSTEM, rule_id="EVALUATION_VETO", region="320404", params={"min_grade": "5A"},
                     source="钟楼")
    parts = {p.region: p for p in current().partitions("EVALUATION_VETO")}
    assert set(parts) == {"", "3204", "320404"}
    assert parts[""].excluded == ("3204", "320404") and not parts[""].enabled
    assert parts["3204"].excluded == ("320404",) and parts["3204"].params["min_grade"] == "3A"
    assert parts["320404"].enabled and parts["320404"].params["min_grade"] == "5A"


def test_writes_are_validated_all_at_once_and_audited_with_their_source():
    with pytest.raises(ValidationError) as refused:
        rule_setting_set(actor=SYSTEM, rule_id="ESTABLISH", region="9999",
                         params={"min_full_members": "two", "veto": 1}, source="")
    errors = refused.value.message_dict
    assert set(errors) == {"region", "params", "source"}
    assert len(errors["params"]) == 2
    with pytest.raises(ValidationError, match="未知规则"):
        rule_setting_set(actor=SYSTEM, rule_id="NO_SUCH_RULE", enabled=True, source="x")
    assert not AuditEntry.objects.filter(action__startswith="rule_setting").exists()

    rule_setting_set(actor=SYSTEM, rule_id="ESTABLISH", region="320400000000", params={"min_full_members": 2},
                     source="常州市文件", note="试行一年")
    entry = AuditEntry.objects.get(action="rule_setting.set")
    assert entry.target_repr == "ESTABLISH.min_full_members@3204"  # the 12-digit code read as the city
    assert entry.changes["source"] == [None, "常州市文件"] and entry.actor_label == "system:test"
    # Setting the same value with the same source changes nothing and records nothing.
    rule_setting_set(actor=SYSTEM, rule_id="ESTABLISH", region="3204", params={"min_full_members": 2},
                     source="常州市文件", note="试行一年")
    assert AuditEntry.objects.filter(action="rule_setting.set").count() == 1


def test_an_officer_sets_rules_inside_the_jurisdiction_only(zhonglou_officer, admin_user):
    rule_setting_set(actor=zhonglou_officer, rule_id="ESTABLISH", region="320404006",
                     params={"min_full_members": 2}, source="荷花池街道")
    for region in ("3204", "110105", ""):
        with pytest.raises(PermissionDenied):
            rule_setting_set(actor=zhonglou_officer, rule_id="ESTABLISH", region=region,
                             params={"min_full_members": 2}, source="越权")
    with pytest.raises(PermissionDenied):
        rule_setting_set(actor=None, rule_id="ESTABLISH", params={"min_full_members": 2}, source="无操作者")
    rule_setting_set(actor=admin_user, rule_id="ESTABLISH", params={"min_full_members": 4}, source="全国")
    assert param("ESTABLISH", "min_full_members", "320404006") == 2
    assert param("ESTABLISH", "min_full_members", "320404004") == 4


@pytest.fixture
def committed(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run the on-commit callbacks of the writes in the block, as a real commit would; the test's
    transaction is still rolled back at its end, so the process cache is dropped then."""
    yield lambda: django_capture_on_commit_callbacks(execute=True)
    selectors.forget()


def test_many_regions_are_resolved_without_a_query_each(client, admin_user, committed):
    with committed():
        rule_setting_set(actor=SYSTEM, rule_id="ESTABLISH", region="3204", params={"min_full_members": 2},
                         source="常州市文件")
    for n in range(30):
        SocialOrgFactory(name=f"列表协会{n:02d}")
    client.force_login(admin_user)
    selectors.current()
    with CaptureQueriesContext(connection) as queries:
        values = {param("ESTABLISH", "min_full_members", f"3204{n:02d}") for n in range(1, 100)}
        assert client.get("/orgs/?region=320404").status_code == 200  # a badge is decided per row
    assert values == {2}
    # At most the periodic check that another process changed nothing (none if under a second).
    assert len([q for q in queries if "rulesettings_rulesetting" in q["sql"]]) <= 1

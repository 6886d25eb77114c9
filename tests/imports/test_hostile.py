"""Hostile uploads are refused with a clear message, in bounded memory, before any parser
allocates; what slips past the checks kills the reading child, never the web process.

The three files of the issue (tests/imports/hostile_files.py): cells at A1 and XFD1048576 (1.6 KB),
30 million cells (1.9 MB), a member that inflates to 1 GiB (1 MB). Each is refused through the upload
page, as ``zhonglou_officer``, after which the site keeps answering; and through ``shuniu import``,
whose peak memory (the command and its reading child, ``RUSAGE_CHILDREN`` of a wrapper process
that runs only that command) stays under 300 MB.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from python_calamine import load_workbook

from shuniu.imports import guard, readers
from shuniu.imports.models import ImportBatch
from shuniu.registry.models import SocialOrg
from tests.factories import make_uscc
from tests.imports.files import HEADERS, convert, org_rows, write_csv, write_xlsx
from tests.imports.hostile_files import expanding_xlsx, far_cell_xlsx, many_cells_xlsx
from tests.imports.test_kill import ROOT

PEAK_MB = 300
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(__import__("json").dumps({"code": done.returncode, "stderr": done.stderr,
      "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

# What each file of the issue is refused for, as the user reads it.
EXPECTED = {
    "far": "工作表声明的范围 A1:XFD1048576 超过上限（规则：不超过 1,000,000 行 × 100 列）",
    "many": "工作表声明的范围 A1:CV300000 共 30,000,000 个单元格，超过上限（规则：不超过 10,000,000 个单元格）",
    "expanding": "解压后为 1,024 MB，超过上限（规则：解压后不超过 800 MB）",
    # Its sheet says it is one cell: the checks let it through, the reading child dies instead.
    "far_lying": "文件过大或格式异常，读取时超出内存上限，未导入任何数据（规则：读取一个文件最多使用 2,048 MB 内存）",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {
        "far": far_cell_xlsx(folder / "far.xlsx"),
        "many": many_cells_xlsx(folder / "many.xlsx"),
        "expanding": expanding_xlsx(folder / "expanding.xlsx"),
        "far_lying": far_cell_xlsx(folder / "far_lying.xlsx", dimension="A1"),
    }


@pytest.fixture
def officer_client(client, zhonglou_officer, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    client.force_login(zhonglou_officer)
    return client


def upload(client, path: Path, name: str = ""):  # type: ignore[no-untyped-def]
    with open(path, "rb") as fh:
        data = fh.read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/imports/", {"kind": "orgs", "file": SimpleUploadedFile(name or path.name, data)})


def _stored(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "imports"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_the_issue_files_are_as_small_and_as_large_as_it_says(hostile):
    sizes = {name: path.stat().st_size for name, path in hostile.items()}
    assert sizes["far"] < 2_000 and sizes["many"] < 2_500_000 and sizes["expanding"] < 1_200_000
    with zipfile.ZipFile(hostile["expanding"]) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size >= 1 << 30
    with zipfile.ZipFile(hostile["many"]) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size >= 30_000_000 * len(b"<c><v>1</v></c>")


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_hostile_workbook_is_refused_on_the_upload_page_and_the_site_keeps_serving(officer_client, hostile,
                                                                                      tmp_path, name):
    response = upload(officer_client, hostile[name])
    assert response.status_code == 200
    page = response.content.decode()
    assert EXPECTED[name] in page
    assert not ImportBatch.objects.exists() and _stored(tmp_path) == []
    # The web process is still here and answers the next request.
    assert officer_client.get("/imports/").status_code == 200
    assert upload(officer_client, write_csv(tmp_path.parent / f"{name}-ok.csv", org_rows(2))).status_code == 302


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_hostile_workbook_is_refused_by_the_command_line_in_bounded_memory(hostile, tmp_path, name):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHUNIU_IMPORT_", "PYTEST"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SHUNIU_VAR_DIR=str(tmp_path / "var"),
               DJANGO_SETTINGS_MODULE="shuniu.settings", SHUNIU_LANGUAGE="zh-hans")
    measured = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "shuniu.cli", "import", "orgs",
                               str(hostile[name])], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    result = json.loads(measured.stdout)
    assert result["code"] == 1 and EXPECTED[name] in result["stderr"], result["stderr"]
    assert result["peak_mb"] <= PEAK_MB, result


@pytest.mark.django_db
def test_a_png_renamed_xlsx_is_called_an_image(officer_client, tmp_path):
    png = tmp_path.parent / "orgs.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200))
    page = upload(officer_client, png).content.decode()
    assert "这是一张图片（PNG），不是电子表格" in page
    assert not ImportBatch.objects.exists() and _stored(tmp_path) == []


@pytest.mark.parametrize("head,expected", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "这是一张图片（JPEG），不是电子表格"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "这是一个 PDF 文档，不是电子表格"),
    ("<!DOCTYPE html><html><body><table><tr><td>名称</td></tr></table>".encode(), "这是一个网页（HTML）文件，不是电子表格"),
    (b"Rar!\x1a\x07\x01\x00", "这是一个压缩包（RAR），不是电子表格"),
    (b"\x7fELF\x02\x01\x01" + bytes(50), "这是一个程序文件，不是电子表格"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "这是一个程序文件，不是电子表格"),
    (b"\x01\x02\x03\x00\x00\xfe\x00\x07\x00\x00\x00\x00\x10\x00", "这不是电子表格或文本表格（文件含有二进制数据）"),
])
def test_files_that_are_not_spreadsheets_say_what_they_are(tmp_path, head, expected):
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(head + bytes(64))
    with pytest.raises(readers.UnreadableFile, match=expected):
        readers.read(path)


def test_a_zip_that_is_not_a_workbook_says_so(tmp_path):
    docx = tmp_path / "orgs.xlsx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(readers.UnreadableFile, match="这是一个文字处理文档（如 Word），不是电子表格"):
        readers.read(docx)
    archive = tmp_path / "orgs2.xlsx"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("orgs.csv", "名称\n")
    with pytest.raises(readers.UnreadableFile, match="这是一个压缩包（ZIP），不是电子表格"):
        readers.read(archive)


@pytest.mark.django_db
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_csv_without_bom_is_read_and_imported(tmp_path, codec):
    # Excel's "Unicode text" without its byte order mark: tab-separated UTF-16 ("一" is U+4E00, a
    # character with a NUL byte of its own).
    text = (f"名称\t统一社会信用代码\t类型\t所在地区代码\t登记管理机关级别\n"
            f"钟楼区第一行业协会\t{make_uscc(810_001)}\t社会团体\t320404006\t县\n")
    path = tmp_path / "orgs.csv"
    path.write_bytes(text.encode(codec))
    sheet = readers.read(path)
    assert (sheet.encoding, sheet.rows[1][0], sheet.rows[1][3]) == ("utf-16", "钟楼区第一行业协会", "320404006")
    out = io.StringIO()
    call_command("import", "orgs", str(path), stdout=out, stderr=io.StringIO())
    assert "1 created" in out.getvalue()
    assert SocialOrg.objects.get().name == "钟楼区第一行业协会"


@pytest.mark.django_db
def test_an_upload_over_the_size_limit_is_refused_and_not_kept(officer_client, settings, tmp_path):
    settings.SHUNIU_IMPORT_MAX_UPLOAD_MB = 0.01  # 10.2 KB
    path = write_csv(tmp_path.parent / "big.csv", org_rows(200))
    assert path.stat().st_size > 11 * 1024
    response = upload(officer_client, path)
    page = response.content.decode()
    assert response.status_code == 200 and "超过上限（规则：不超过 10.2 KB）" in page
    assert not ImportBatch.objects.exists() and _stored(tmp_path) == []


def test_the_limits_are_settings_and_the_message_names_the_limit_and_what_was_found(settings, tmp_path):
    from openpyxl import Workbook

    settings.SHUNIU_IMPORT_MAX_ROWS = 5
    settings.SHUNIU_IMPORT_MAX_COLUMNS = 8
    wb = Workbook()  # (not write-only: this one declares the sheet's range, as Excel does)
    for row in [HEADERS, *org_rows(10)]:
        wb.active.append(row)
    xlsx = tmp_path / "orgs.xlsx"
    wb.save(xlsx)
    with pytest.raises(readers.UnreadableFile, match=r"工作表声明的范围 A1:J11 超过上限（规则：不超过 5 行 × 8 列）"):
        readers.read(xlsx)
    # Written without the range (openpyxl's write-only mode): the real extent, measured in the child.
    with pytest.raises(readers.UnreadableFile, match=r"工作表“社会组织”有 11 行 × 10 列，超过上限（规则：不超过 5 行 × 8 列）"):
        readers.read(write_xlsx(tmp_path / "orgs-stream.xlsx", org_rows(10)))
    csv_path = write_csv(tmp_path / "orgs.csv", org_rows(10))
    with pytest.raises(readers.UnreadableFile, match=r"第 1 行有 10 列，超过上限（规则：不超过 8 列）"):
        readers.read(csv_path)
    settings.SHUNIU_IMPORT_MAX_COLUMNS = 10
    with pytest.raises(readers.UnreadableFile, match=r"文件超过 5 行（规则：不超过 5 行）"):
        readers.read(csv_path)
    settings.SHUNIU_IMPORT_MAX_ROWS = 100
    settings.SHUNIU_IMPORT_MAX_CELLS = 50
    with pytest.raises(readers.UnreadableFile, match=r"读到第 6 行时单元格已超过 50 个（规则：不超过 50 个单元格）"):
        readers.read(csv_path)
    with pytest.raises(readers.UnreadableFile, match=r"工作表声明的范围 A1:J11 共 110 个单元格，超过上限"):
        readers.read(xlsx)


def test_a_sheet_without_a_declared_range_is_measured_before_its_cells_are_converted(settings, tmp_path):
    # No <dimension>: the child checks the sheet's real extent, after calamine's parse, before to_python.
    settings.SHUNIU_IMPORT_MAX_ROWS = 1000
    settings.SHUNIU_IMPORT_MAX_COLUMNS = 20
    path = many_cells_xlsx(tmp_path / "wide.xlsx", rows=30, columns=40, dimension=False)
    with pytest.raises(readers.UnreadableFile, match=r"工作表“Sheet1”有 30 行 × 40 列，超过上限（规则：不超过 1,000 行 × 20 列）"):
        readers.read(path)


def test_a_csv_that_happens_to_start_like_a_program_is_still_a_csv(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text("MZ编号,名称\n1,钟楼区第一行业协会\n", encoding="utf-8")
    assert readers.read(path).rows == [["MZ编号", "名称"], ["1", "钟楼区第一行业协会"]]


def test_an_xls_is_measured_in_the_child_before_its_cells_are_converted(settings, tmp_path):
    # .xls (BIFF) declares nothing the checks could read cheaply: the child measures the sheet.
    path = convert(write_xlsx(tmp_path / "orgs.xlsx", org_rows(10)), "xls", tmp_path / "xls")
    settings.SHUNIU_IMPORT_MAX_ROWS = 5
    with pytest.raises(readers.UnreadableFile, match=r"工作表“社会组织”有 11 行 × 10 列，超过上限（规则：不超过 5 行 × 100 列）"):
        readers.read(path)


def test_a_member_that_compresses_too_well_is_refused_by_its_ratio(tmp_path):
    path = expanding_xlsx(tmp_path / "ratio.xlsx", expanded=4 << 20)
    with pytest.raises(readers.UnreadableFile, match=r"其中 xl/worksheets/sheet1.xml 解压后是压缩时的 [\d,]+ 倍，超过上限（规则：不超过 100 倍）"):
        readers.read(path)


def test_a_zip_with_too_many_members_is_refused(settings, tmp_path):
    settings.SHUNIU_IMPORT_MAX_MEMBERS = 12
    path = write_xlsx(tmp_path / "orgs.xlsx", org_rows(2))
    with zipfile.ZipFile(path, "a") as zf:
        for n in range(10):
            zf.writestr(f"xl/media/image{n}.png", b"x")
    with pytest.raises(readers.UnreadableFile, match=r"文件中包含 \d+ 个部件，超过上限（规则：不超过 12 个）"):
        readers.read(path)


def test_a_read_over_the_time_limit_is_stopped(settings, tmp_path):
    settings.SHUNIU_IMPORT_READ_SECONDS = 0
    with pytest.raises(readers.UnreadableFile, match=r"读取文件超过 0 秒，已停止，未导入任何数据"):
        readers.read(write_xlsx(tmp_path / "orgs.xlsx", org_rows(5)))


def test_without_the_child_the_same_limits_apply_in_process(settings, tmp_path, hostile):
    settings.SHUNIU_IMPORT_READ_MEMORY_MB = 0
    sheet = readers.read(write_xlsx(tmp_path / "orgs.xlsx", org_rows(3)))
    assert sheet.rows[0] == HEADERS and len(sheet.rows) == 4
    with pytest.raises(readers.UnreadableFile, match="A1:XFD1048576"):
        readers.read(hostile["far"])


def test_rows_streamed_from_the_child_are_the_rows_calamine_reads(tmp_path):
    """The child sends iter_rows with the empty columns before the data put back: the same rows,
    at the same numbers, as ``to_python(skip_empty_area=False)`` (a python-calamine upgrade that
    changed iter_rows would fail here)."""
    from openpyxl import Workbook

    for cells in (["C3", "B4", "D6"], ["A3", "C5"], ["B1", "D2"], ["A1"], ["C7"]):
        wb = Workbook()
        for n, ref in enumerate(cells):
            wb.active[ref] = f"v{n}" if n % 2 else n
        path = tmp_path / f"{'-'.join(cells)}.xlsx"
        wb.save(path)
        expected = load_workbook(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        assert readers.read(path).rows == expected


def test_the_child_sends_back_nothing_but_cell_values():
    import pickle

    with pytest.raises(pickle.UnpicklingError, match="is not a cell value"):
        guard._RowsUnpickler(__import__("io").BytesIO(pickle.dumps(("rows", [[os.system]])))).load()


@pytest.mark.django_db
def test_an_import_through_the_guarded_reader_still_imports(tmp_path):
    # The normal path end to end: xlsx read by the child, validated and written by the caller.
    path = write_xlsx(tmp_path / "orgs.xlsx", org_rows(30))
    call_command("import", "orgs", str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert SocialOrg.objects.count() == 30


def test_a_refused_file_is_a_command_error_naming_the_rule(hostile):
    with pytest.raises(CommandError, match="A1:XFD1048576"):
        call_command("import", "orgs", str(hostile["far"]))

"""Hostile spreadsheets, written by hand into a zip (standard library only: bench/hostile.py uses
them too). Each is small on disk and enormous once read:

* ``far_cell_xlsx``: cells at A1 and XFD1048576 (about 1.7 KB): a reader that allocates the sheet's
  rectangle asks for 17 billion cells (over 500 GB).
* ``many_cells_xlsx``: 30 million small cells (about 2 MB on disk, about 500 MB of sheet XML).
* ``expanding_xlsx``: one member of repeated bytes that inflates to over 1 GB (about 1 MB on disk).

The sheet XML is streamed into the zip, never held whole in memory.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_OPEN = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def write_workbook(path: Path, sheet_xml: Iterable[bytes], *, level: int = 9) -> Path:
    """A one-sheet .xlsx whose sheet XML is the concatenation of ``sheet_xml``, streamed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for chunk in sheet_xml:
                member.write(chunk)
    return path


def far_cell_xlsx(path: Path, *, dimension: str | None = "A1:XFD1048576") -> Path:
    """Two cells, A1 and XFD1048576 (the last cell a sheet can have). ``dimension`` is the range the
    sheet declares (Excel writes the true one; ``None`` leaves it out, a liar may write "A1")."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return write_workbook(path, [(
        f'{_SHEET_OPEN}{dim}<sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        '</sheetData></worksheet>').encode()])


def many_cells_xlsx(path: Path, *, rows: int = 300_000, columns: int = 100,
                    dimension: bool = True) -> Path:
    """``rows`` × ``columns`` cells (30 million by default), each a one-digit number."""
    def xml() -> Iterable[bytes]:
        dim = f'<dimension ref="A1:{_column_letters(columns)}{rows}"/>' if dimension else ""
        yield f"{_SHEET_OPEN}{dim}<sheetData>".encode()
        row = b"<c><v>1</v></c>" * columns
        block: list[bytes] = []
        for r in range(1, rows + 1):
            block.append(b'<row r="%d">' % r + row + b"</row>")
            if len(block) == 1000:
                yield b"".join(block)
                block = []
        yield b"".join(block) + b"</sheetData></worksheet>"

    return write_workbook(path, xml())


def expanding_xlsx(path: Path, *, expanded: int = 1 << 30) -> Path:
    """A sheet of one cell followed by ``expanded`` bytes of spaces (1 GiB by default): about 1 MB
    compressed, as deflate compresses a run of equal bytes about a thousand to one."""
    def xml() -> Iterable[bytes]:
        yield f'{_SHEET_OPEN}<dimension ref="A1"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'.encode()
        block = b" " * (1 << 20)
        for _ in range(expanded // len(block)):
            yield block
        yield b"</sheetData></worksheet>"

    return write_workbook(path, xml(), level=6)


def _column_letters(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters

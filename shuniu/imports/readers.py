"""Reading a spreadsheet into rows: .xlsx / .xlsm / .xls / .ods through python-calamine, .csv as
Chinese Excel saves it (UTF-8 with or without BOM, GBK / GB18030, or UTF-16 "Unicode text").

Every row of the sheet is kept, empty ones too, so that index + 1 is the row number the user sees.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (BIFF in an OLE compound file)


class UnreadableFile(ValueError):
    pass


@dataclass
class Sheet:
    rows: list[list[Any]]
    format: str  # "xlsx", "xls", "ods" or "csv"
    sheet_name: str = ""
    encoding: str = ""  # for CSV: the encoding detected


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sniff_format(head: bytes, filename: str = "") -> str:
    """By content first (files are often renamed), then by extension."""
    if head.startswith(_OLE):
        return "xls"
    if head.startswith(_ZIP):
        return "ods" if filename.lower().endswith(".ods") else "xlsx"
    return "csv"


def read(path: str | Path, filename: str = "") -> Sheet:
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    fmt = sniff_format(head, filename or path.name)
    if fmt == "csv":
        return read_csv(path.read_bytes())
    return read_workbook(path, fmt)


def read_workbook(path: Path, fmt: str) -> Sheet:
    from python_calamine import CalamineError, SheetVisibleEnum, load_workbook

    try:
        with load_workbook(str(path)) as wb:
            names = [m.name for m in wb.sheets_metadata if m.visible == SheetVisibleEnum.Visible] or wb.sheet_names
            for name in names:
                sheet = wb.get_sheet_by_name(name)
                # skip_empty_area=False: rows keep their positions, so row numbers match the file.
                rows = sheet.to_python(skip_empty_area=False)
                if any(any(c not in (None, "") for c in r) for r in rows[:50]):
                    return Sheet(rows=rows, format=fmt, sheet_name=name)
            return Sheet(rows=[], format=fmt, sheet_name=names[0] if names else "")
    except (CalamineError, OSError, ValueError) as exc:
        raise UnreadableFile(_("无法读取该文件（%(fmt)s）：%(err)s") % {"fmt": fmt, "err": exc}) from exc


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UnreadableFile(_("无法识别文件编码（规则：UTF-8 或 GBK/GB18030）")) from exc


def read_csv(data: bytes) -> Sheet:
    text, encoding = decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first.count)
    rows: list[list[Any]] = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return Sheet(rows=rows, format="csv", encoding=encoding)

"""Reading a spreadsheet into rows: .xlsx / .xlsm / .xls / .ods through python-calamine, .csv as
Chinese Excel saves it (UTF-8 with or without BOM, GBK / GB18030, or UTF-16 "Unicode text" with or
without BOM).

Every file goes through ``shuniu.imports.guard``: checked against the limits (settings
``SHUNIU_IMPORT_*``) before any parser runs, then read in a child process with a memory limit.
Every row of the sheet is kept, empty ones too, so that index + 1 is the row number the user sees.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.imports import guard
from shuniu.imports.guard import MB, Limits, Refused


class UnreadableFile(ValueError):
    """A file that cannot be imported; the message says why, in the user's language."""

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Sheet:
    rows: list[list[Any]]
    format: str  # "xlsx", "xls", "ods" or "csv"
    sheet_name: str = ""
    encoding: str = ""  # for CSV: the encoding detected


def limits() -> Limits:
    """The limits in force (settings ``SHUNIU_IMPORT_*``)."""
    return Limits(
        upload_bytes=int(settings.SHUNIU_IMPORT_MAX_UPLOAD_MB * MB),
        expanded_bytes=int(settings.SHUNIU_IMPORT_MAX_EXPANDED_MB * MB),
        ratio=int(settings.SHUNIU_IMPORT_MAX_RATIO),
        members=int(settings.SHUNIU_IMPORT_MAX_MEMBERS),
        rows=int(settings.SHUNIU_IMPORT_MAX_ROWS),
        columns=int(settings.SHUNIU_IMPORT_MAX_COLUMNS),
        cells=int(settings.SHUNIU_IMPORT_MAX_CELLS),
        memory_bytes=int(settings.SHUNIU_IMPORT_READ_MEMORY_MB * MB),
        seconds=int(settings.SHUNIU_IMPORT_READ_SECONDS),
    )


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read(path: str | Path, filename: str = "") -> Sheet:
    """The rows of the file's sheet, or ``UnreadableFile`` saying which rule the file breaks."""
    path = Path(path)
    rules = limits()
    try:
        fmt = guard.inspect(path, filename or path.name, rules)
        result = guard.read_rows(path, fmt, rules)
    except Refused as exc:
        raise UnreadableFile(refusal_message(exc), exc.code) from exc
    return Sheet(rows=result["rows"], format=fmt, sheet_name=result["sheet_name"], encoding=result["encoding"])


def _n(value: int) -> str:
    return f"{value:,}"


def _mb(value: int) -> str:
    if value < MB:
        return f"{value / 1024:,.1f} KB"
    return f"{value / MB:,.1f} MB" if value < 100 * MB else f"{value / MB:,.0f} MB"


_WHAT = {
    "image": gettext_lazy("这是一张图片（%(kind)s），不是电子表格"),
    "pdf": gettext_lazy("这是一个 PDF 文档，不是电子表格"),
    "word": gettext_lazy("这是一个文字处理文档（如 Word），不是电子表格"),
    "slides": gettext_lazy("这是一个演示文稿（如 PowerPoint），不是电子表格"),
    "archive": gettext_lazy("这是一个压缩包（%(kind)s），不是电子表格"),
    "program": gettext_lazy("这是一个程序文件，不是电子表格"),
    "binary": gettext_lazy("这不是电子表格或文本表格（文件含有二进制数据）"),
}


def refusal_message(exc: Refused) -> str:  # noqa: C901
    """The user's message for a refusal: what was found and the rule it breaks."""
    p = exc.params
    code = exc.code
    if code == "not_spreadsheet":
        what, _sep, kind = p["what"].partition(":")
        return (str(_WHAT[what]) % {"kind": kind} + _("；请上传 .xlsx、.xls、.ods 或 .csv 文件（规则：文件格式）"))
    if code == "html":
        return _("这是一个网页（HTML）文件，不是电子表格；请用 Excel 或 WPS 打开后另存为 .xlsx 再上传（规则：文件格式）")
    if code == "upload_size":
        return _("文件大小 %(size)s 超过上限（规则：不超过 %(limit)s）") % {"size": _mb(p["size"]), "limit": _mb(p["limit"])}
    if code == "zip_corrupt":
        return _("文件已损坏，无法作为表格打开：%(err)s") % {"err": p["err"]}
    if code == "zip_members":
        return _("文件中包含 %(n)s 个部件，超过上限（规则：不超过 %(limit)s 个）") % {
            "n": _n(p["count"]), "limit": _n(p["limit"])}
    if code == "expanded_member":
        return _("文件解压后过大：其中 %(member)s 解压后为 %(size)s，超过上限（规则：解压后不超过 %(limit)s）") % {
            "member": p["member"], "size": _mb(p["size"]), "limit": _mb(p["limit"])}
    if code == "expanded_total":
        return _("文件解压后共 %(size)s，超过上限（规则：解压后不超过 %(limit)s）") % {
            "size": _mb(p["size"]), "limit": _mb(p["limit"])}
    if code == "ratio":
        return _("文件压缩比异常：其中 %(member)s 解压后是压缩时的 %(ratio)s 倍，超过上限（规则：不超过 %(limit)s 倍）") % {
            "member": p["member"], "ratio": _n(p["ratio"]), "limit": _n(p["limit"])}
    if code == "dimension_shape":
        return _("工作表声明的范围 %(ref)s 超过上限（规则：不超过 %(rows)s 行 × %(columns)s 列）") % {
            "ref": p["ref"], "rows": _n(p["max_rows"]), "columns": _n(p["max_columns"])}
    if code == "dimension_cells":
        return _("工作表声明的范围 %(ref)s 共 %(cells)s 个单元格，超过上限（规则：不超过 %(limit)s 个单元格）") % {
            "ref": p["ref"], "cells": _n(p["cells"]), "limit": _n(p["limit"])}
    if code == "sheet_shape":
        return _("工作表“%(sheet)s”有 %(rows)s 行 × %(columns)s 列，超过上限（规则：不超过 %(max_rows)s 行 × "
                 "%(max_columns)s 列）") % {"sheet": p["sheet"], "rows": _n(p["rows"]), "columns": _n(p["columns"]),
                                            "max_rows": _n(p["max_rows"]), "max_columns": _n(p["max_columns"])}
    if code == "sheet_cells":
        return _("工作表“%(sheet)s”有 %(cells)s 个单元格（%(rows)s 行 × %(columns)s 列），超过上限（规则：不超过 "
                 "%(limit)s 个单元格）") % {"sheet": p["sheet"], "cells": _n(p["cells"]), "rows": _n(p["rows"]),
                                          "columns": _n(p["columns"]), "limit": _n(p["limit"])}
    if code == "csv_rows":
        return _("文件超过 %(limit)s 行（规则：不超过 %(limit)s 行）") % {"limit": _n(p["limit"])}
    if code == "csv_columns":
        return _("第 %(row)s 行有 %(columns)s 列，超过上限（规则：不超过 %(limit)s 列）") % {
            "row": _n(p["row"]), "columns": _n(p["columns"]), "limit": _n(p["limit"])}
    if code == "csv_cells":
        return _("读到第 %(row)s 行时单元格已超过 %(limit)s 个（规则：不超过 %(limit)s 个单元格）") % {
            "row": _n(p["row"]), "limit": _n(p["limit"])}
    if code == "encoding":
        return _("无法识别文件编码（规则：UTF-8、UTF-16 或 GBK/GB18030）")
    if code == "memory":
        return _("文件过大或格式异常，读取时超出内存上限，未导入任何数据（规则：读取一个文件最多使用 %(limit)s 内存）") % {
            "limit": _mb(p["limit"])}
    if code == "timeout":
        return _("读取文件超过 %(limit)s 秒，已停止，未导入任何数据（规则：读取一个文件不超过 %(limit)s 秒）") % {
            "limit": _n(p["limit"])}
    return _("无法读取该文件（%(fmt)s）：%(err)s") % {"fmt": p.get("fmt", ""), "err": p.get("err", code)}

"""Spreadsheets the importer hands out: a kind's template, and a file annotated with its errors."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shuniu.core import output
from shuniu.core.output import neutralize
from shuniu.imports import cells
from shuniu.imports.kinds.base import Kind
from shuniu.imports.spec import EXAMPLE_PREFIX

if TYPE_CHECKING:
    from shuniu.imports.services import Preview

ERROR_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
ERROR_FONT = Font(color="9C0006")
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
TEMPLATE_ROWS = 2000  # rows given the drop-down lists and text format in a template
ERROR_HEADER = "错误"


def write_template(kind: Kind, path: str | Path) -> None:
    """Chinese headers (required ones marked *), an example row the importer skips, drop-down lists
    for choice columns, codes formatted as text (so Excel keeps all 18 characters), and a sheet of notes."""
    columns = kind.template_columns()
    wb = Workbook()
    ws = wb.active
    ws.title = kind.sheet_title or kind.name
    lists = wb.create_sheet("选项")
    notes = wb.create_sheet("填写说明")
    ws.append([f"{c.zh}*" if c.required else c.zh for c in columns])
    example = []
    for i, c in enumerate(columns):
        example.append(f"{EXAMPLE_PREFIX}{c.example}" if i == 0 else c.example)
    ws.append(example)
    list_col = 0
    for idx, c in enumerate(columns, start=1):
        letter = get_column_letter(idx)
        head = ws.cell(1, idx)
        head.font = Font(bold=True, color="C00000" if c.required else "000000")
        head.fill = HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center")
        if c.note:
            head.comment = Comment(c.note, "shuniu")
        ws.column_dimensions[letter].width = max(c.width, cells_width(c.zh) + 4)
        if c.parse is cells.code:
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row, idx).number_format = "@"
        elif c.parse is cells.date:
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row, idx).number_format = "yyyy-mm-dd"
        if c.labels:
            list_col += 1
            list_letter = get_column_letter(list_col)
            lists.cell(1, list_col, c.zh)
            for i, label in enumerate(c.labels, start=2):
                lists.cell(i, list_col, neutralize(label, xlsx=True))  # labels may come from the database
            dv = DataValidation(type="list", formula1=f"'选项'!${list_letter}$2:${list_letter}${len(c.labels) + 1}",
                                allow_blank=True, showErrorMessage=False)
            dv.prompt = "、".join(c.labels)[:250]
            dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(dv)
    for row in ws.iter_rows(min_row=2, max_row=2):
        for cell in row:
            cell.font = Font(italic=True, color="808080")
    ws.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    notes.append([_("列名"), _("英文列名"), _("必填"), _("可填的值"), _("说明")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for c in columns:
        notes.append([neutralize(v, xlsx=True)
                      for v in (c.zh, c.en, _("是") if c.required else "", " / ".join(c.labels), c.note)])
    notes.append([])
    notes.append([_("第 2 行是示例：第一列以“%(p)s”开头的行导入时跳过，可直接删除。") % {"p": EXAMPLE_PREFIX}])
    notes.append([_("列的顺序可以调整；列名也可用英文或常见别名，导入时自动识别。")])
    for letter, width in zip("ABCDE", (18, 20, 6, 40, 50), strict=True):
        notes.column_dimensions[letter].width = width
    wb.save(path)


def cells_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_annotated(preview: Preview, path: str | Path) -> None:
    """The file as read, every row in place, with an extra 错误 column and the faulty cells highlighted."""
    by_row: dict[int, list[str]] = defaultdict(list)
    bad_cells: set[tuple[int, int]] = set()
    index = preview.header.index
    for e in preview.errors:
        by_row[e.row].append(f"{e.column}：{e.message}" if e.column else e.message)
        if e.field in index:
            bad_cells.add((e.row, index[e.field]))
    rows = preview.sheet.rows
    width = max((len(r) for r in rows), default=0)
    header_row = preview.header.row + 1
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(preview.sheet.sheet_name or "Sheet1")
    ws.column_dimensions[get_column_letter(width + 1)].width = 60
    for i, row in enumerate(rows, start=1):
        out: list[Any] = []
        for j in range(width):
            value = row[j] if j < len(row) else None
            if (i, j) in bad_cells:
                cell = WriteOnlyCell(ws, value=_cell_value(value))
                cell.fill = ERROR_FILL
                cell.font = ERROR_FONT
                out.append(cell)
            else:
                out.append(_cell_value(value))
        if i == header_row:
            # File-level errors (a missing column...) are told in the header of the error column.
            head = WriteOnlyCell(ws, value=neutralize("；".join([ERROR_HEADER, *by_row.get(i, [])]), xlsx=True))
            head.font = Font(bold=True, color="C00000")
            out.append(head)
        elif i in by_row:
            # A message starts with the file's own column header, which may look like a formula.
            msg = WriteOnlyCell(ws, value=neutralize("；".join(by_row[i]), xlsx=True))
            msg.font = ERROR_FONT
            out.append(msg)
        ws.append(out)
    wb.save(path)


def _cell_value(value: Any) -> Any:
    """A cell of the user's file written back: as read, except that it can never be a formula."""
    if value == "":
        return None
    if isinstance(value, dt.timedelta | dt.time):
        return str(value)
    return neutralize(value, xlsx=True)


def write_export(rows: list[dict[str, Any]], columns: list[tuple[str, str]], fmt: str, path: str | Path, *,
                 title: str = "", totals: bool = False, note: str = "") -> None:
    """An export through ``shuniu.core.output``; a statistics table (``totals``) gets its title and
    note above the header and a bold totals row, as the forms sent upward look."""
    output.write(rows, columns, fmt, str(path), sheet=(title or "导出")[:31])
    if fmt != "xlsx" or not totals:
        return
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.active
    ws.insert_rows(1, 2)
    ws.cell(1, 1, neutralize(title, xlsx=True)).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.cell(2, 1, neutralize(note, xlsx=True))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(columns))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "C4"
    wb.save(path)

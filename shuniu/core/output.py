"""Writing rows as a table, JSON, CSV or xlsx: one place for every command and export.

Every cell written to a spreadsheet (CSV or xlsx, here and in ``shuniu.imports.spreadsheets``)
goes through ``neutralize``: text that a spreadsheet would take for a formula is written with a
leading single quote (OWASP, "CSV Injection"), so an org named ``=HYPERLINK(...)`` stays a name.
The importer takes that quote off again (``shuniu.imports.cells``), so an exported file imports
back unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TextIO

FORMATS = ["table", "json", "csv", "xlsx"]


# A spreadsheet reads a text cell that starts with one of these as a formula (OWASP, CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Control characters that XML 1.0, hence xlsx, cannot hold (openpyxl refuses the whole file).
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralize(value: Any, *, xlsx: bool = False) -> Any:
    """``value`` as a spreadsheet cell that cannot be a formula: text starting with a formula
    character gets a leading single quote; numbers (a negative one too), dates and the rest are
    kept as they are. Text that already starts with quotes before a formula character gets one
    more, so that the importer, which takes one off, reads back exactly what was exported. For
    xlsx, control characters that it cannot hold are shown as U+FFFD instead of failing the file."""
    if not isinstance(value, str):
        return value
    if xlsx:
        value = _NOT_IN_XLSX.sub("\ufffd", value)
    if value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def percent(ratio: float | None, places: int = 1) -> float | None:
    """A ratio (0.80645…) as the percentage shown (80.6): the exact ratio rounded once, half up.

    Rates are kept exact everywhere (selectors, API); only what is shown is rounded, here, so that
    25/31 shows as 80.6 % and not 80.7 % (rounded first to 0.8065, then to one decimal)."""
    if ratio is None:
        return None
    step = Decimal(1).scaleb(-places)
    return float((Decimal(repr(ratio)) * 100).quantize(step, rounding=ROUND_HALF_UP))


def percent_text(ratio: float | None, places: int = 1) -> str:
    """0.80645… → "80.6%"; None → "—"."""
    shown = percent(ratio, places)
    return "—" if shown is None else f"{shown:.{places}f}%"


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return percent_text(value) if 0 <= value <= 1 else f"{value:.2f}"
    return "" if value is None else value


def write(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], fmt: str,
          out: str | None = None, stdout: TextIO | io.TextIOBase | None = None, sheet: str = "统计") -> None:
    """``columns``: (key, header) pairs; JSON keeps every key of the rows, the others these columns."""
    stdout = stdout or sys.stdout
    if fmt == "json":
        text = json.dumps(list(rows), ensure_ascii=False, default=str, indent=None)
        _emit(text + "\n", out, stdout)
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([neutralize(h) for _k, h in columns])
        for row in rows:
            writer.writerow([neutralize(row.get(k, "")) for k, _h in columns])
        # With a BOM Excel opens the UTF-8 file with its Chinese headers intact.
        _emit(("\ufeff" if out else "") + buf.getvalue(), out, stdout)
    elif fmt == "xlsx":
        if not out:
            raise ValueError("xlsx needs -o FILE")
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook(write_only=False)
        ws = wb.active
        ws.title = sheet
        ws.append([neutralize(h, xlsx=True) for _k, h in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([neutralize(row.get(k), xlsx=True) for k, _h in columns])
        for idx, (key, header) in enumerate(columns, start=1):
            if key.endswith("_rate"):
                for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                    cell.number_format = "0.0%"
            ws.column_dimensions[ws.cell(1, idx).column_letter].width = max(8, _width(header) + 2)
        ws.freeze_panes = "A2"
        wb.save(out)
    else:
        cells = [[h for _k, h in columns]] + [[str(_cell(row.get(k))) for k, _h in columns] for row in rows]
        widths = [max(_width(r[i]) for r in cells) for i in range(len(columns))]
        lines = []
        for r in cells:
            lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip())
        _emit("\n".join(lines) + "\n", out, stdout)


def _emit(text: str, out: str | None, stdout: TextIO | io.TextIOBase) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        stdout.write(text)

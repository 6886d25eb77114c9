"""Turning spreadsheet cells into the values the services take.

Cells arrive as whatever the reader produced: text from a CSV; numbers, dates and booleans from
Excel (python-calamine converts date-formatted cells to ``date`` / ``datetime``). Officers' files
hold codes typed as numbers (320404006000.0), full-width digits and letters (５１３２…), dates in
half a dozen spellings and 是/否 for yes and no. These functions accept all of that and give the
services' input form; what they cannot read raises ``CellError`` with a rule code and a message.

Exports write text that a spreadsheet would take for a formula with a leading single quote
(``shuniu.core.output.neutralize``). Read back, that one quote is taken off again when a formula
character follows it (``'=SUM(A1)`` is the text ``=SUM(A1)``, ``''=1`` is ``'=1``), so an exported
file imports unchanged; a quote before anything else is kept (``'名称``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from shuniu.core.output import FORMULA_STARTS


class CellError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_SPACES = re.compile(r"\s+")


def unquote(value: str) -> str:
    """``value`` without the single quote that an export put before a formula character (the
    inverse of ``shuniu.core.output.neutralize``)."""
    return value[1:] if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS) else value


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A text cell, trimmed. Numbers that are whole print without ".0"; dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unquote(value).strip()
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def code(value: Any) -> str:
    """A code (USCC, region code, ID number): full-width to ASCII, spaces and dashes removed, upper case.

    A 12-digit region code typed into a number cell arrives as a float; it is printed back in full.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    value = text(value) if not isinstance(value, str) else unquote(value)
    # As shuniu.core.validators.normalize_code: the same code is the same key everywhere.
    if value.isascii():
        return value.replace(" ", "").replace("-", "").strip().upper()
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).replace("-", "").upper()


def integer(value: Any) -> Any:
    """A whole number; text that is not one is returned as given, for the rules to report."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    s = unicodedata.normalize("NFKC", unquote(str(value))).strip().replace(",", "")
    if s.endswith(("人", "名", "个")):
        s = s[:-1].strip()
    if re.fullmatch(r"[+-]?\d+(\.0+)?", s):
        return int(float(s)) if "." in s else int(s)
    return str(value).strip()


# Excel's day 0 in the 1900 date system, allowing for its fictitious 29 February 1900.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
]


def date(value: Any) -> dt.date | None:
    """A date from a date cell, an Excel serial number, or text: 2016-01-02, 2016/1/2, 2016.1.2,
    2016年1月2日, 20160102 (a time after the date is ignored)."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # 8-digit whole numbers are dates typed without separators (20160102), not serials.
        if isinstance(value, int) or value.is_integer():
            n = int(value)
            if 19000101 <= n <= 29991231:
                return date(str(n))
            if 1 <= n <= 2_958_465:
                return _EXCEL_EPOCH + dt.timedelta(days=n if n > 60 else n + 1)
        elif 1 <= value <= 2_958_465:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError("date", _("“%(v)s”不是有效日期（规则：日期如 2016-01-02、2016/1/2、2016年1月2日 或 20160102）")
                        % {"v": text(value)})
    s = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise CellError("date", _("“%(v)s”不是有效日期（规则：日期如 2016-01-02、2016/1/2、2016年1月2日 或 20160102）")
                    % {"v": str(value).strip()})


_TRUE = {"是", "有", "已建立", "已建", "y", "yes", "true", "t", "1", "√", "✓", "对"}
_FALSE = {"否", "无", "没有", "未建立", "未建", "n", "no", "false", "f", "0", "×", "✗", "不是"}


def boolean(value: Any) -> bool | None:
    """是/否 and its usual spellings; None when the cell is empty."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
    else:
        key = unicodedata.normalize("NFKC", str(value)).strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    raise CellError("boolean", _("“%(v)s”无效（规则：填“是”或“否”）") % {"v": text(value)})


def choice_key(value: str) -> str:
    """How a choice label is compared: full-width folded, no spaces or brackets, lower case."""
    s = unicodedata.normalize("NFKC", value).lower()
    return re.sub(r"[\s()（）]", "", s)


def choice(value: Any, options: Mapping[str, str], labels: list[str]) -> str | None:
    """The stored value for a label or value in ``options`` (keys already ``choice_key``-ed)."""
    if is_blank(value):
        return None
    found = options.get(choice_key(text(value)))
    if found is None:
        raise CellError("choice", _("“%(v)s”无效（规则：取值为 %(allowed)s 之一）")
                        % {"v": text(value), "allowed": " / ".join(labels)})
    return found

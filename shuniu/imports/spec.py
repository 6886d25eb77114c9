"""What an import kind declares: its columns (Chinese and English header names, how to read a cell,
choice lists for the template), and how headers in a file are matched to them.

Header matching is tolerant: full-width and half-width characters are folded (NFKC), spaces,
underscores, hyphens, colons and required-marks (``*``, ``（必填）``) are ignored, case does not
matter. A mapping (field → header as written in the file) overrides the automatic match and is
saved on the batch, so the same layout can be imported again with ``--mapping``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from shuniu.imports import cells

# How many rows from the top may hold titles and notes before the header row.
HEADER_SEARCH_ROWS = 20
# A row whose first column starts with this is an example (the templates' second row): skipped.
EXAMPLE_PREFIX = "示例："


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    en: str
    parse: Callable[[Any], Any] = cells.text
    required: bool = False
    aliases: tuple[str, ...] = ()
    # For choice columns: the labels offered in the template's drop-down list and named in errors.
    labels: tuple[str, ...] = ()
    example: Any = ""
    note: str = ""
    width: int = 14

    def names(self) -> list[str]:
        return [self.zh, self.en, self.field, *self.aliases]


def choice_column(field_name: str, zh: str, en: str, options: Mapping[str, str], labels: tuple[str, ...],
                  **kw: Any) -> Column:
    """A column whose cells are one of ``options`` (label or alias → stored value)."""
    keyed = {cells.choice_key(k): v for k, v in options.items()}
    keyed.update({cells.choice_key(v): v for v in set(options.values())})
    # A choice column holds few distinct spellings: each is folded and looked up once.
    seen: dict[Any, str | None] = {}

    def parse(value: Any) -> str | None:
        try:
            return seen[value]
        except (KeyError, TypeError):
            found = cells.choice(value, keyed, list(labels))
            if len(seen) < 1000:
                seen[value] = found
            return found

    return Column(field_name, zh, en, parse=parse, labels=labels, **kw)


def header_key(value: Any) -> str:
    s = unicodedata.normalize("NFKC", cells.text(value)).lower()
    s = re.sub(r"\(必填\)|\(选填\)|\(可选\)", "", s)
    return re.sub(r"[\s_\-*:：]", "", s)


@dataclass
class RowError:
    row: int  # as numbered in the spreadsheet (1 = first row); the header row for file-level errors
    column: str  # the header as written in the file, else the column's Chinese name
    field: str
    code: str  # the rule, e.g. "uscc", "required", "duplicate", "region"
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "field": self.field, "code": self.code,
                "message": self.message}


@dataclass
class HeaderMatch:
    row: int = 0  # index of the header row in Sheet.rows (its row number is row + 1)
    index: dict[str, int] = field(default_factory=dict)  # field → column index
    headers: dict[str, str] = field(default_factory=dict)  # field → header text as in the file
    ignored: list[str] = field(default_factory=list)  # headers that match no column
    errors: list[RowError] = field(default_factory=list)


def match_headers(rows: list[list[Any]], columns: list[Column], mapping: Mapping[str, str] | None = None
                  ) -> HeaderMatch:
    """Find the header row among the first rows and the column of each field."""
    known: dict[str, str] = {}
    for col in columns:
        for name in col.names():
            known.setdefault(header_key(name), col.field)
    by_field = {c.field: c for c in columns}
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    mapped_keys = {header_key(v): k for k, v in mapping.items()}

    best, best_score = -1, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {header_key(c) for c in row if not cells.is_blank(c)}
        score = len({known[k] for k in keys if k in known} | {mapped_keys[k] for k in keys if k in mapped_keys})
        if score > best_score:
            best, best_score = i, score
    match = HeaderMatch()
    if best < 0:
        match.errors.append(RowError(1, "", "", "header", _(
            "未找到表头（规则：前 %(n)s 行中须有一行列名，如“%(example)s”）")
            % {"n": HEADER_SEARCH_ROWS, "example": "、".join(c.zh for c in columns[:3])}))
        return match
    match.row = best
    for idx, cell in enumerate(rows[best]):
        if cells.is_blank(cell):
            continue
        key = header_key(cell)
        matched = mapped_keys.get(key) or (known.get(key) if known.get(key) not in mapping else None)
        if matched is None or matched not in by_field:
            match.ignored.append(cells.text(cell))
        elif matched in match.index:
            match.errors.append(RowError(best + 1, cells.text(cell), matched, "header_duplicate", _(
                "列“%(h)s”与列“%(first)s”都对应“%(label)s”（规则：每项只能有一列）")
                % {"h": cells.text(cell), "first": match.headers[matched], "label": by_field[matched].zh}))
        else:
            match.index[matched] = idx
            match.headers[matched] = cells.text(cell)
    for name, header in mapping.items():
        if name not in by_field:
            match.errors.append(RowError(best + 1, header, name, "mapping", _(
                "列对应关系中的“%(f)s”不是可导入的项目") % {"f": name}))
        elif name not in match.index:
            match.errors.append(RowError(best + 1, header, name, "mapping", _(
                "列对应关系指定的列“%(h)s”在文件中不存在") % {"h": header}))
    for col in columns:
        if col.required and col.field not in match.index:
            match.errors.append(RowError(best + 1, col.zh, col.field, "required_column", _(
                "缺少必填列“%(h)s”（规则：模板中带 * 的列必须有）") % {"h": col.zh}))
    return match

"""Spreadsheets for the import tests: rows of orgs with valid codes, written as xlsx or CSV, and
files converted by LibreOffice (as officers' Excel/WPS files are)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.factories import HEHUACHI, XILIN, make_uscc

HEADERS = ["名称", "统一社会信用代码", "类型", "所在地区代码", "登记管理机关级别", "业务主管单位", "行业", "专职人员数",
           "成立日期", "状态"]
TYPES = ["社会团体", "民办非企业单位", "基金会", "社会服务机构"]
TYPE_VALUES = {"社会团体": "social_group", "民办非企业单位": "service_institution", "社会服务机构": "service_institution",
               "基金会": "foundation"}
# GB 32100-2015 category digit (position 2) by type, as tests.factories.make_uscc uses it.
_USCC_TYPE = {"社会团体": "social_group", "民办非企业单位": "service_institution", "社会服务机构": "service_institution",
              "基金会": "foundation"}


def org_row(n: int, *, staff: int | None = None) -> list[Any]:
    kind = TYPES[n % len(TYPES)]
    return [
        f"测试导入社会组织{n:06d}", make_uscc(700_000 + n, "320404", _USCC_TYPE[kind]), kind,
        HEHUACHI if n % 3 else XILIN, "县", "钟楼区民政局" if n % 2 else "", "社会服务" if n % 5 else "",
        n % 40 if staff is None else staff, dt.date(2010, 1, 1) + dt.timedelta(days=n % 3000), "正常",
    ]


def org_rows(count: int, start: int = 0) -> list[list[Any]]:
    return [org_row(n) for n in range(start, start + count)]


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS,
               title_rows: Sequence[Sequence[Any]] = ()) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("社会组织")
    for r in title_rows:
        ws.append(list(r))
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS,
              encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def libreoffice() -> str:
    """The LibreOffice binary, or skip (fail when CI is set: the format tests must run there)."""
    found = shutil.which("libreoffice") or shutil.which("soffice")
    if found is None:
        message = "LibreOffice is not installed: apt-get install libreoffice-calc-nogui"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def convert(source: Path, target_ext: str, outdir: Path, *, out_filter: str = "", in_filter: str = "") -> Path:
    """``libreoffice --headless --convert-to`` with a private profile (parallel runs do not collide)."""
    binary = libreoffice()
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [binary, f"-env:UserInstallation=file://{outdir / '.lo-profile'}", "--headless"]
    if in_filter:
        cmd.append(f"--infilter={in_filter}")
    cmd += ["--convert-to", f"{target_ext}:{out_filter}" if out_filter else target_ext, "--outdir", str(outdir),
            str(source)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    out = outdir / f"{source.stem}.{target_ext}"
    assert out.exists(), f"LibreOffice produced no {out}"
    return out

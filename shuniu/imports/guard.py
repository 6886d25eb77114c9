"""Reading an uploaded spreadsheet so that a hostile file cannot take the process down.

Two lines of defence:

1. ``inspect``, in the calling process, in bounded memory and without a parser: the file's size,
   what it really is (a PNG renamed .xlsx, a Word document...), and for a zip workbook (.xlsx,
   .ods) its central directory (members, expanded sizes, compression ratios) and each worksheet's
   declared dimension, read from the first bytes of the member. A file refused here is refused
   before anything is unpacked.
2. ``read_rows``: the parsing itself (python-calamine, or the CSV reader) in a child process
   whose address space (RLIMIT_AS) and CPU time are limited and which the caller stops after a
   time limit. The sheet's real extent is checked against the row, column and cell limits before
   its cells become Python objects. A file that still exhausts memory (a sheet that lies about
   its dimension, an .ods repeating a row a million times, an .xls) kills the child, and the
   caller gets a clear refusal instead of losing the web or worker process.

The boundary: turning the file's bytes into rows is the dangerous part and happens in the child;
matching headers, reading cells and validating rows against the database stay in the caller, on
rows already bounded by the limits. The rows come back pickled, a few thousand at a time.

This module imports no Django (the child is a fresh interpreter that loads only this module and
python-calamine): the limits come in as a ``Limits`` value, refusals go out as a ``Refused`` code with its figures, and
``shuniu.imports.readers`` turns those into messages in the user's language.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import json
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MB = 1 << 20
ZIP = b"PK\x03\x04"
EMPTY_ZIP = b"PK\x05\x06"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (BIFF in an OLE compound file)
# How much of each worksheet member is inflated to find its <dimension> (it comes right after
# <sheetPr>, within the first few hundred bytes of what Excel, WPS and LibreOffice write).
DIMENSION_HEAD = 64 * 1024
# Members smaller than this may compress as well as they like (a sheet of one repeated value).
RATIO_FLOOR = 1 * MB
ROWS_PER_MESSAGE = 5000
# Sheets whose first rows are looked at for content when choosing which one to read.
LOOK_AHEAD_ROWS = 50


@dataclass(frozen=True)
class Limits:
    """What an uploaded spreadsheet may be (settings ``SHUNIU_IMPORT_*``, see docs/deploy.md)."""

    upload_bytes: int = 50 * MB
    expanded_bytes: int = 800 * MB  # a zip workbook's members, inflated, in total and each
    ratio: int = 100  # inflated / compressed, for members above RATIO_FLOOR
    members: int = 1000
    rows: int = 1_000_000
    columns: int = 100
    cells: int = 10_000_000
    memory_bytes: int = 2048 * MB  # the reading child's address space; 0 reads in this process
    seconds: int = 300  # the reading child's time


class Refused(Exception):
    """A file refused: ``code`` names the rule, ``params`` the figures for the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


# ---- 1. inspection, before any parser ---------------------------------------------------------

# Formats that people rename .xlsx or .csv by mistake (or not): magic bytes → what they are.
_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image:PNG"),
    (b"\xff\xd8\xff", "image:JPEG"),
    (b"GIF87a", "image:GIF"),
    (b"GIF89a", "image:GIF"),
    (b"II*\x00", "image:TIFF"),
    (b"MM\x00*", "image:TIFF"),
    (b"%PDF-", "pdf"),
    (b"Rar!\x1a\x07", "archive:RAR"),
    (b"7z\xbc\xaf\x27\x1c", "archive:7z"),
    (b"\x1f\x8b", "archive:gzip"),
    (b"\x7fELF", "program"),
    (b"{\\rtf", "word"),
]


def inspect(path: Path, filename: str, limits: Limits) -> str:
    """The file's format ("xlsx", "ods", "xls" or "csv") if it may be read, else ``Refused``."""
    size = path.stat().st_size
    if size > limits.upload_bytes:
        raise Refused("upload_size", size=size, limit=limits.upload_bytes)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise Refused("not_spreadsheet", what=what)
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        raise Refused("not_spreadsheet", what="image:WebP")
    if head.startswith(b"BM") and len(head) > 6 and int.from_bytes(head[2:6], "little") == size:
        raise Refused("not_spreadsheet", what="image:BMP")
    if head.startswith(b"MZ") and b"\x00" in head[:64]:  # a Windows program (a CSV may start with "MZ")
        raise Refused("not_spreadsheet", what="program")
    if head.startswith(OLE):
        return "xls"
    if head.startswith((ZIP, EMPTY_ZIP)):
        return _inspect_zip(path, filename, limits)
    text_start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_start.startswith((b"<!doctype html", b"<html")) or (text_start.startswith(b"<") and b"<table" in head.lower()):
        # Many systems export an HTML table named .xls: Excel opens it, no spreadsheet reader does.
        raise Refused("html")
    if b"\x00" in head and utf16_without_bom(head) is None and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Refused("not_spreadsheet", what="binary")
    return "csv"


def _inspect_zip(path: Path, filename: str, limits: Limits) -> str:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused("zip_corrupt", err=str(exc)) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.members:
            raise Refused("zip_members", count=len(infos), limit=limits.members)
        fmt = _workbook_format(zf, {i.filename for i in infos}, filename)
        total = 0
        for info in infos:
            if info.file_size > limits.expanded_bytes:
                raise Refused("expanded_member", member=info.filename, size=info.file_size,
                              limit=limits.expanded_bytes)
            total += info.file_size
        if total > limits.expanded_bytes:
            raise Refused("expanded_total", size=total, limit=limits.expanded_bytes)
        if fmt == "xlsx":
            for info in infos:
                if info.filename.lower().endswith(".xml"):
                    _check_dimension(zf, info, limits)
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > limits.ratio * max(info.compress_size, 1):
                raise Refused("ratio", member=info.filename, ratio=info.file_size // max(info.compress_size, 1),
                              limit=limits.ratio)
    return fmt


def _workbook_format(zf: zipfile.ZipFile, names: set[str], filename: str) -> str:
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "content.xml" in names:
        mimetype = b""
        if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
            mimetype = zf.read("mimetype")
        if b"spreadsheet" in mimetype or (not mimetype and filename.lower().endswith(".ods")):
            return "ods"
        if b"text" in mimetype:
            raise Refused("not_spreadsheet", what="word")
        if b"presentation" in mimetype:
            raise Refused("not_spreadsheet", what="slides")
    if "word/document.xml" in names:
        raise Refused("not_spreadsheet", what="word")
    if "ppt/presentation.xml" in names:
        raise Refused("not_spreadsheet", what="slides")
    raise Refused("not_spreadsheet", what="archive:ZIP")


_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']{0,64})[\"']")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,10})\$?(\d{1,15})")


def _check_dimension(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    """Refuse a worksheet whose declared range (``<dimension ref="A1:XFD1048576"/>``) is over the
    limits; only the first bytes of the member are inflated."""
    try:
        with zf.open(info) as member:
            head = member.read(DIMENSION_HEAD)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, ValueError, EOFError) as exc:
        raise Refused("zip_corrupt", err=f"{info.filename}: {exc}") from exc
    found = _DIMENSION.search(head)
    if found is None:
        return
    sheet_data = _SHEET_DATA.search(head)
    if sheet_data is not None and sheet_data.start() < found.start():
        return  # a "dimension" inside the cells is text, not the sheet's declaration
    ref = found.group(1).decode("ascii", "replace")
    extent = dimension_extent(ref)
    if extent is None:
        return
    rows, columns = extent
    if rows > limits.rows or columns > limits.columns:
        raise Refused("dimension_shape", ref=ref, max_rows=limits.rows, max_columns=limits.columns)
    if rows * columns > limits.cells:
        raise Refused("dimension_cells", ref=ref, cells=rows * columns, limit=limits.cells)


def dimension_extent(ref: str) -> tuple[int, int] | None:
    """Rows and columns a sheet read from A1 has when its range is ``ref`` ("A1:C10" → (10, 3))."""
    last = ref.split(":")[-1].strip()
    found = _CELL_REF.fullmatch(last)
    if found is None:
        return None
    column = 0
    for letter in found.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(found.group(2)), column


def utf16_without_bom(head: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when ``head`` looks like UTF-16 text without a byte order mark:
    the ASCII characters every CSV has (digits, commas, tabs, line ends) leave a NUL in every
    other byte, on the odd positions for little-endian and on the even ones for big-endian; UTF-8
    and GB18030 text has no NUL at all. (Chinese characters have no NUL byte: the test counts the
    NULs against the pairs, not against all characters.)"""
    sample = head[: len(head) - len(head) % 2][:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd >= max(2, pairs // 16) and even * 8 <= odd:
        return "utf-16-le"
    if even >= max(2, pairs // 16) and odd * 8 <= even:
        return "utf-16-be"
    return None


# ---- 2. reading, in a child process with limits -------------------------------------------------

def read_rows(path: Path, fmt: str, limits: Limits) -> dict[str, Any]:
    """``{"rows", "sheet_name", "encoding"}`` of the file, read by a child process under the
    limits (or in this process when ``limits.memory_bytes`` is 0); ``Refused`` when a limit is
    reached, the child runs out of memory or time, or the file cannot be read.

    The child is a fresh interpreter (``python -S``, this module and python-calamine only): no
    Django, no database connection, no threads inherited, and its address space starts small, so
    that its memory limit is what the file may use. That costs a process start (tens of
    milliseconds) per file read.
    """
    if not limits.memory_bytes:
        return _collect(_produce(str(path), fmt, limits))
    read_fd, write_fd = os.pipe()
    try:
        child = subprocess.Popen(
            [sys.executable, "-S", "-c", _BOOT, json.dumps(_import_path()), str(write_fd), str(path), fmt,
             json.dumps(dataclasses.asdict(limits))],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, pass_fds=(write_fd,),
            # One line on stderr when an allocation fails ("memory allocation of N bytes failed"), not 30.
            env={**os.environ, "RUST_BACKTRACE": "0"})
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)  # the child's copy is its own: the pipe ends when the child does
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        child.kill()

    watchdog = threading.Timer(limits.seconds, stop)
    watchdog.daemon = True
    watchdog.start()
    try:
        with open(read_fd, "rb") as pipe:
            return _collect(_receive(pipe, child, timed_out, limits))
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
        child.wait()


_BOOT = ("import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
         "from shuniu.imports.guard import child_main; child_main(sys.argv[2:])")
_FRAME = struct.Struct("!Q")


def _import_path() -> list[str]:
    """Where the child finds this package and python-calamine (``-S`` skips site's .pth files,
    among them the editable install's finder)."""
    here = Path(__file__).resolve().parents[2]
    return [str(here), *(p for p in sys.path if p and Path(p).is_dir())]


def _receive(pipe: Any, child: subprocess.Popen[bytes], timed_out: threading.Event,
             limits: Limits) -> Iterator[tuple[Any, ...]]:
    while True:
        header = pipe.read(_FRAME.size)
        if len(header) < _FRAME.size:
            child.wait()
            raise _died(child.returncode, timed_out.is_set(), limits)
        (size,) = _FRAME.unpack(header)
        if size > max(limits.memory_bytes, 1 * MB):
            child.kill()
            raise Refused("memory", limit=limits.memory_bytes)
        data = pipe.read(size)
        if len(data) < size:
            child.wait()
            raise _died(child.returncode, timed_out.is_set(), limits)
        message = _RowsUnpickler(io.BytesIO(data)).load()
        yield message
        if message[0] in ("end", "refused"):
            return


def _died(returncode: int | None, timed_out: bool, limits: Limits) -> Refused:
    # Out of address space, the Rust reader aborts (SIGABRT) and Python raises MemoryError; the
    # kernel's OOM killer sends SIGKILL. SIGXCPU is the CPU limit, SIGKILL ours at the time limit.
    if timed_out or returncode == -signal.SIGXCPU:
        return Refused("timeout", limit=limits.seconds)
    return Refused("memory", limit=limits.memory_bytes)


class _RowsUnpickler(pickle.Unpickler):
    """Only the values a sheet holds: a child that a malformed file had somehow taken over still
    could not make this process run anything by what it sends back."""

    _ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def _collect(messages: Iterator[tuple[Any, ...]]) -> dict[str, Any]:
    result: dict[str, Any] = {"rows": [], "sheet_name": "", "encoding": ""}
    for message in messages:
        kind = message[0]
        if kind == "sheet":
            result["sheet_name"], result["encoding"] = message[1], message[2]
        elif kind == "rows":
            result["rows"].extend(message[1])
        elif kind == "refused":
            raise Refused(message[1], **message[2])
    return result


def child_main(argv: list[str]) -> None:
    """The reading child (``read_rows``): limits itself, reads, sends the rows in pieces, exits."""
    fd, path, fmt = int(argv[0]), argv[1], argv[2]
    limits = Limits(**json.loads(argv[3]))
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.seconds + 5, limits.seconds + 10))
    except (ImportError, ValueError, OSError):
        pass  # a platform without these limits still gets the caller's time limit
    with open(fd, "wb") as out:
        try:
            for message in _produce(path, fmt, limits):
                buffer = io.BytesIO()
                pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
                # No memo: rows hold no shared or cyclic objects, and memoizing every cell would
                # make pickling three times slower.
                pickler.fast = True
                pickler.dump(message)
                out.write(_FRAME.pack(buffer.tell()))
                out.write(buffer.getbuffer())
                del pickler, buffer
        except MemoryError:
            # If even this cannot be sent, the parent sees the pipe close: the same refusal.
            data = pickle.dumps(("refused", "memory", {"limit": limits.memory_bytes}))
            out.write(_FRAME.pack(len(data)) + data)


def _produce(path: str, fmt: str, limits: Limits) -> Iterator[tuple[Any, ...]]:
    """The messages of one read: ("sheet", name, encoding), ("rows", [...])..., then ("end",);
    or, at any point, ("refused", code, params)."""
    try:
        yield from (_csv_messages(path, limits) if fmt == "csv" else _workbook_messages(path, fmt, limits))
    except Refused as exc:
        yield ("refused", exc.code, exc.params)
        return
    yield ("end",)


def _workbook_messages(path: str, fmt: str, limits: Limits) -> Iterator[tuple[Any, ...]]:
    """The first visible sheet with something in its first rows, every row kept, empty ones too,
    so that index + 1 is the row number the user sees (as ``to_python(skip_empty_area=False)``
    gives them, but converted and sent a few thousand rows at a time)."""
    from python_calamine import CalamineError, SheetVisibleEnum, load_workbook

    try:
        with load_workbook(path) as wb:
            names = [m.name for m in wb.sheets_metadata if m.visible == SheetVisibleEnum.Visible] or wb.sheet_names
            for name in names:
                sheet = wb.get_sheet_by_name(name)
                start, end = sheet.start, sheet.end
                if start is None or end is None:
                    continue
                rows, columns = end[0] + 1, end[1] + 1
                if rows > limits.rows or columns > limits.columns:
                    raise Refused("sheet_shape", sheet=name, rows=rows, columns=columns, max_rows=limits.rows,
                                  max_columns=limits.columns)
                if rows * columns > limits.cells:
                    raise Refused("sheet_cells", sheet=name, rows=rows, columns=columns, cells=rows * columns,
                                  limit=limits.cells)
                head = sheet.to_python(skip_empty_area=False, nrows=LOOK_AHEAD_ROWS)
                if any(any(c not in (None, "") for c in r) for r in head):
                    yield ("sheet", name, "")
                    yield from _sheet_rows(sheet, start[1], rows)
                    return
            yield ("sheet", names[0] if names else "", "")
    except (CalamineError, OSError, ValueError) as exc:
        raise Refused("unreadable", fmt=fmt, err=str(exc)) from exc


def _sheet_rows(sheet: Any, first_column: int, expected: int) -> Iterator[tuple[Any, ...]]:
    # iter_rows gives every row from the first (empty ones too) but its cells from the first used
    # column: the empty columns before it are put back.
    pad = [""] * first_column
    chunk: list[list[Any]] = []
    count = 0
    for row in sheet.iter_rows():
        chunk.append(pad + row if first_column else row)
        if len(chunk) == ROWS_PER_MESSAGE:
            count += len(chunk)
            yield ("rows", chunk)
            chunk = []
    count += len(chunk)
    yield ("rows", chunk)
    if count != expected:  # python-calamine changed what iter_rows gives: row numbers would be wrong
        raise Refused("unreadable", fmt="calamine", err=f"iter_rows gave {count} rows, not {expected}")


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (BOM or not), UTF-16 with or without BOM, else GB18030 (a
    superset of GBK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    utf16 = utf16_without_bom(data[:4096])
    if utf16 is not None:
        try:
            return data.decode(utf16), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise Refused("encoding") from exc


def _csv_messages(path: str, limits: Limits) -> Iterator[tuple[Any, ...]]:
    """Rows of a CSV (or tab-separated "Unicode text"), refused as soon as a limit is passed."""
    text, encoding = decode(Path(path).read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first.count)
    yield ("sheet", "", encoding)
    chunk: list[list[Any]] = []
    number = cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            number += 1
            if number > limits.rows:
                raise Refused("csv_rows", limit=limits.rows)
            if len(row) > limits.columns:
                raise Refused("csv_columns", row=number, columns=len(row), limit=limits.columns)
            cells += len(row)
            if cells > limits.cells:
                raise Refused("csv_cells", row=number, limit=limits.cells)
            chunk.append(row)
            if len(chunk) == ROWS_PER_MESSAGE:
                yield ("rows", chunk)
                chunk = []
    except csv.Error as exc:
        raise Refused("unreadable", fmt="csv", err=f"{reader.line_num}: {exc}") from exc
    yield ("rows", chunk)

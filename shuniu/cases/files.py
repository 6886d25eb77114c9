"""What a case attachment may be: PDF, JPEG, PNG or DOCX, recognized by content, up to a size.

The type is read from the file's first bytes (``filetype``), never from its name or the browser's
claim: an .exe renamed .pdf is refused. A DOCX is a ZIP, so it must also hold ``word/document.xml``.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    DOCX: "docx",
}
ALLOWED_LABEL = "PDF / JPEG / PNG / DOCX"


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str
    size: int
    sha256: str


def max_bytes() -> int:
    return int(settings.SHUNIU_ATTACHMENT_MAX_MB * 1024 * 1024)


def _is_docx(stream: IO[bytes] | Any) -> bool:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def check(stream: IO[bytes] | Any, name: str, size: int) -> tuple[Checked | None, str | None]:
    """The attachment's type and digest, or the reason it is refused (in the user's language)."""
    limit = max_bytes()
    if size > limit:
        return None, _("附件“%(name)s”大小 %(size).1f MB，超过上限 %(max).0f MB（规则：附件大小上限）") % {
            "name": name, "size": size / 1048576, "max": limit / 1048576}
    if size == 0:
        return None, _("附件“%(name)s”是空文件") % {"name": name}
    stream.seek(0)
    head = stream.read(8192)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else ""
    # A DOCX is a ZIP archive: only one with a Word document inside is taken for one.
    if mime in ("application/zip", DOCX) or (not mime and head[:2] == b"PK"):
        mime = DOCX if _is_docx(stream) else ""
    if mime not in ALLOWED:
        return None, _("附件“%(name)s”的内容不是 %(allowed)s 文件（按文件内容识别，不看扩展名；规则：附件类型）") % {
            "name": name, "allowed": ALLOWED_LABEL}
    digest = hashlib.sha256()
    stream.seek(0)
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    stream.seek(0)
    return Checked(mime, ALLOWED[mime], size, digest.hexdigest()), None

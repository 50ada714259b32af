"""Checks on uploaded case attachments: SupportAssist (TSR/DSET) zip collections, screenshots, text logs.

Pure: a binary file object and the limits in, a verdict out; no ORM, no settings, no clock. A zip is read
in place and every member decompressed into a running byte budget, so a zip bomb that lies about its sizes
is stopped after at most `max_uncompressed_bytes`, before a technician ever extracts it. A zip inside the
zip is opened from a copy (memory, or a temporary file past 8 MB) and spends the same budgets.
"""

import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.db.models import TextChoices

from husky_support.domain import ErrorKind, Refused


class AttachmentKind(TextChoices):
    ARCHIVE = "archive", "Log archive (zip)"  # SupportAssist collection (TSR/DSET) or other zip of logs
    IMAGE = "image", "Screenshot"  # screenshot
    TEXT = "text", "Text log"  # a log or a text export
    PDF = "pdf", "PDF document"


# Extension → kind. Anything else is refused; SVG and HTML are not on the list (they can carry script).
EXTENSIONS: dict[str, AttachmentKind] = {
    ".zip": AttachmentKind.ARCHIVE,
    ".png": AttachmentKind.IMAGE,
    ".jpg": AttachmentKind.IMAGE,
    ".jpeg": AttachmentKind.IMAGE,
    ".gif": AttachmentKind.IMAGE,
    ".webp": AttachmentKind.IMAGE,
    ".txt": AttachmentKind.TEXT,
    ".log": AttachmentKind.TEXT,
    ".csv": AttachmentKind.TEXT,
    ".json": AttachmentKind.TEXT,
    ".xml": AttachmentKind.TEXT,
    ".pdf": AttachmentKind.PDF,
}

# Leading bytes each image type must start with (the name alone proves nothing).
_IMAGE_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}
_PDF_MAGIC = b"%PDF-"
_CHUNK = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class UploadLimits:
    max_bytes: int  # the uploaded file itself
    max_archive_members: int  # entries in a zip, directories included
    max_uncompressed_bytes: int  # sum of every member once decompressed


@dataclass(frozen=True, kw_only=True)
class CheckedUpload:
    """An upload that passed: the safe file name to store and offer, its kind and, for a zip, its contents."""

    filename: str
    kind: AttachmentKind
    size: int
    member_count: int = 0
    uncompressed_bytes: int = 0


class UploadRefused(Refused):
    """A refused upload: stable `code` for the API, `message` for people."""

    kind = ErrorKind.INVALID


_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._ ()+-]+")
_SPACES = re.compile(r"\s+")
MAX_FILENAME_LENGTH = 120


def safe_filename(raw: str, *, default: str = "attachment") -> str:
    """The name to store and offer for download: no directories, ASCII letters, digits and ``._ ()+-``
    only, no leading dot, at most MAX_FILENAME_LENGTH characters with the extension kept."""
    name = re.split(r"[\\/]", raw or "")[-1]
    # Decompose accents (é → e) so the ASCII filter keeps the letter rather than dropping it.
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE_CHARS.sub("_", name)
    name = _SPACES.sub(" ", name).strip(" .")
    if not name or set(name) <= {"_", "."}:
        return default
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_FILENAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name


def extension_of(filename: str) -> str:
    _stem, dot, ext = filename.rpartition(".")
    return f".{ext.lower()}" if dot else ""


def _unsafe_member_path(name: str) -> bool:
    """True for an absolute path, a Windows drive or UNC path, or any `..` component."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    parts = re.split(r"[\\/]", name)
    return any(part == ".." for part in parts)


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.0f} {unit}"


# A TSR collection may hold zips of its own (a DSET bundle, exported logs); those are opened and checked
# too, to this depth, and their entries and bytes count toward the outer archive's budgets.
MAX_ARCHIVE_DEPTH = 3
# A nested zip is copied out to be opened (zipfile needs to seek); past this size it spools to a temporary
# file instead of memory. The copy's bytes already count toward the budget.
_NESTED_SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class _Budget:
    """What the archive and every archive inside it may still hold, spent as they are read."""

    limits: UploadLimits
    members: int = 0
    uncompressed: int = 0

    def add_members(self, count: int) -> None:
        self.members += count
        if self.members > self.limits.max_archive_members:
            raise UploadRefused(
                "archive_too_many_members",
                f"The archive holds {self.members} entries (nested archives included); at most "
                f"{self.limits.max_archive_members} are accepted.",
            )

    def add_bytes(self, count: int) -> None:
        self.uncompressed += count
        if self.uncompressed > self.limits.max_uncompressed_bytes:
            raise UploadRefused(
                "archive_too_large_uncompressed",
                "The archive expands to more than "
                f"{_human(self.limits.max_uncompressed_bytes)}; it is refused as a possible zip bomb.",
            )


def _check_members(archive: zipfile.ZipFile, budget: _Budget) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    budget.add_members(len(members))
    for member in members:
        if _unsafe_member_path(member.filename):
            raise UploadRefused(
                "archive_unsafe_path",
                "The archive contains an absolute path or a “..” entry, which could write outside "
                "the folder it is extracted to.",
            )
        if member.flag_bits & 0x1:
            raise UploadRefused(
                "archive_encrypted", "Password-protected archives cannot be checked; upload it without one."
            )
    # The declared sizes are cheap to read but can lie; refuse early on them, then verify by reading.
    declared = sum(member.file_size for member in members)
    if budget.uncompressed + declared > budget.limits.max_uncompressed_bytes:
        raise UploadRefused(
            "archive_too_large_uncompressed",
            f"The archive expands to {_human(budget.uncompressed + declared)}; at most "
            f"{_human(budget.limits.max_uncompressed_bytes)} are accepted.",
        )
    return members


def _scan_zip(fileobj: BinaryIO, budget: _Budget, *, depth: int) -> None:
    """Check one (possibly nested) zip, spending `budget`; recurse into the zips it holds."""
    with zipfile.ZipFile(fileobj) as archive:
        for member in _check_members(archive, budget):
            if member.is_dir():
                continue
            nested = extension_of(member.filename) == ".zip"
            with archive.open(member) as stream, tempfile.SpooledTemporaryFile(_NESTED_SPOOL_BYTES) as copy:
                while chunk := stream.read(_CHUNK):
                    budget.add_bytes(len(chunk))
                    if nested:
                        copy.write(chunk)
                if not nested:
                    continue
                copy.seek(0)
                if not zipfile.is_zipfile(copy):
                    continue  # named .zip but only data: counted like any other entry
                if depth >= MAX_ARCHIVE_DEPTH:
                    raise UploadRefused(
                        "archive_nested_too_deep",
                        f"The archive holds archives nested more than {MAX_ARCHIVE_DEPTH} deep; "
                        "upload the inner collection on its own.",
                    )
                copy.seek(0)
                _scan_zip(copy, budget, depth=depth + 1)  # type: ignore[arg-type]  # a binary file object


def _check_zip(fileobj: BinaryIO, limits: UploadLimits) -> tuple[int, int]:
    """Return (entries, uncompressed bytes) of a safe zip, nested zips included; raise UploadRefused
    otherwise."""
    fileobj.seek(0)
    if not zipfile.is_zipfile(fileobj):
        raise UploadRefused("not_a_zip", "This file is named .zip but is not a zip archive.")
    fileobj.seek(0)
    budget = _Budget(limits)
    try:
        _scan_zip(fileobj, budget, depth=1)
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        # A CRC mismatch (sizes that lied), a truncated file or an unknown compression method.
        raise UploadRefused("archive_corrupt", f"The archive cannot be read ({type(exc).__name__}).") from None
    return budget.members, budget.uncompressed


def check_upload(*, name: str, size: int, fileobj: BinaryIO, limits: UploadLimits) -> CheckedUpload:
    """Check an upload by its name, size and content; return what to store or raise UploadRefused with a
    stable code (`file_empty`, `file_too_large`, `unsupported_file_type`, `content_mismatch`, `not_a_zip`,
    `archive_*`). Reads `fileobj` from the start and leaves it at an unspecified position."""
    filename = safe_filename(name)
    if size <= 0:
        raise UploadRefused("file_empty", "The file is empty.")
    if size > limits.max_bytes:
        raise UploadRefused("file_too_large", f"The file is {_human(size)}; the limit is {_human(limits.max_bytes)}.")
    ext = extension_of(filename)
    kind = EXTENSIONS.get(ext)
    if kind is None:
        allowed = ", ".join(sorted(EXTENSIONS))
        raise UploadRefused("unsupported_file_type", f"Files of type “{ext or 'none'}” are not accepted ({allowed}).")
    fileobj.seek(0)
    head = fileobj.read(16)
    if kind is AttachmentKind.IMAGE and not head.startswith(_IMAGE_MAGIC[ext]):
        raise UploadRefused("content_mismatch", f"This file is named {ext} but is not such an image.")
    if kind is AttachmentKind.PDF and not head.startswith(_PDF_MAGIC):
        raise UploadRefused("content_mismatch", "This file is named .pdf but is not a PDF document.")
    if kind is AttachmentKind.ARCHIVE:
        members, uncompressed = _check_zip(fileobj, limits)
        return CheckedUpload(
            filename=filename, kind=kind, size=size, member_count=members, uncompressed_bytes=uncompressed
        )
    return CheckedUpload(filename=filename, kind=kind, size=size)

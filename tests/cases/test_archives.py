"""Upload checks (cases.archives): every attack of the issue is refused with its code. Pure: no database."""

import io
import struct
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.archives import AttachmentKind, UploadLimits, UploadRefused, check_upload, safe_filename

LIMITS = UploadLimits(max_bytes=1_000_000, max_archive_members=20, max_uncompressed_bytes=200_000)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def make_zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def check(name: str, data: bytes, limits: UploadLimits = LIMITS):
    return check_upload(name=name, size=len(data), fileobj=io.BytesIO(data), limits=limits)


def refused(name: str, data: bytes, limits: UploadLimits = LIMITS) -> str:
    with pytest.raises(UploadRefused) as info:
        check(name, data, limits)
    return info.value.code


def test_a_supportassist_collection_passes_with_its_contents_counted():
    data = make_zip({"TSR/report.xml": b"<xml/>" * 100, "TSR/logs/raid.log": b"ok\n" * 500})
    result = check("TSR20260310_7XK2M93.zip", data)
    assert result.kind is AttachmentKind.ARCHIVE
    assert (result.member_count, result.uncompressed_bytes) == (2, 600 + 1500)
    assert result.filename == "TSR20260310_7XK2M93.zip"


def test_a_screenshot_and_a_text_log_pass():
    assert check("screen.png", PNG).kind is AttachmentKind.IMAGE
    assert check("idrac.log", b"<html><script>alert(1)</script>").kind is AttachmentKind.TEXT


@pytest.mark.parametrize(
    ("label", "name", "data", "code"),
    [
        ("empty file", "a.zip", b"", "file_empty"),
        ("oversized", "big.txt", b"x" * (LIMITS.max_bytes + 1), "file_too_large"),
        ("html", "page.html", b"<html></html>", "unsupported_file_type"),
        ("svg", "logo.svg", b"<svg onload='alert(1)'/>", "unsupported_file_type"),
        ("no extension", "README", b"text", "unsupported_file_type"),
        ("non-zip named .zip", "TSR.zip", b"<html>not a zip</html>", "not_a_zip"),
        ("html named .png", "shot.png", b"<html><script>alert(1)</script></html>", "content_mismatch"),
        ("text named .pdf", "doc.pdf", b"hello", "content_mismatch"),
        ("absolute member path", "a.zip", make_zip({"/etc/cron.d/evil": b"x"}), "archive_unsafe_path"),
        ("dot-dot member path", "a.zip", make_zip({"logs/../../evil.sh": b"x"}), "archive_unsafe_path"),
        ("backslash dot-dot", "a.zip", make_zip({"..\\..\\evil.bat": b"x"}), "archive_unsafe_path"),
        ("windows drive path", "a.zip", make_zip({"C:/Windows/evil.dll": b"x"}), "archive_unsafe_path"),
        ("too many members", "a.zip", make_zip({f"f{i}.txt": b"x" for i in range(21)}), "archive_too_many_members"),
        ("zip bomb", "a.zip", make_zip({"zeros.bin": b"\0" * 300_000}), "archive_too_large_uncompressed"),
        (
            "bomb spread over members",
            "a.zip",
            make_zip({f"z{i}.bin": b"\0" * 60_000 for i in range(4)}),
            "archive_too_large_uncompressed",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "",
)
def test_refused_uploads_have_a_stable_code(label, name, data, code):
    assert refused(name, data) == code, label


def _lie_about_size(data: bytes, fake_size: int) -> bytes:
    """Rewrite the declared uncompressed size of the only member in both headers (a lying zip bomb)."""
    raw = bytearray(data)
    local = raw.find(b"PK\x03\x04")
    struct.pack_into("<I", raw, local + 22, fake_size)
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 24, fake_size)
    return bytes(raw)


def test_a_bomb_that_lies_about_its_size_is_refused_by_reading_it():
    data = _lie_about_size(make_zip({"zeros.bin": b"\0" * 500_000}), 100)
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].file_size == 100  # the headers lie
    assert refused("lying.zip", data) in {"archive_too_large_uncompressed", "archive_corrupt"}


def test_an_encrypted_member_is_refused():
    data = bytearray(make_zip({"secret.txt": b"x"}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        flags = struct.unpack_from("<H", data, at + offset)[0]
        struct.pack_into("<H", data, at + offset, flags | 0x1)
    assert refused("secret.zip", bytes(data)) == "archive_encrypted"


def test_a_truncated_zip_is_refused_not_crashed():
    data = make_zip({"a.txt": b"hello" * 1000})
    assert refused("cut.zip", data[: len(data) // 2]) in {"not_a_zip", "archive_corrupt"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\TSR 2026.zip", "TSR 2026.zip"),
        ('"><img src=x onerror=alert(1)>.png', "_img src_x onerror_alert(1)_.png"),
        ("rapport-é.txt", "rapport-e.txt"),
        (".htaccess", "htaccess"),
        ("", "attachment"),
        ("///", "attachment"),
        ("a" * 300 + ".zip", "a" * 116 + ".zip"),
    ],
)
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected


@given(st.text(max_size=400))
def test_safe_filename_never_yields_a_path_or_markup(raw):
    name = safe_filename(raw)
    assert name
    assert len(name) <= 120
    assert not set(name) & set("/\\<>\"'&;:\0\r\n")
    assert not name.startswith(".")


# --- zips inside the TSR zip spend the same budgets ------------------------------------------------------


def test_a_nested_collection_passes_with_its_entries_counted_once_each():
    inner = make_zip({"dset/report.xml": b"<r/>" * 100, "dset/lc.log": b"line\n" * 100})
    data = make_zip({"tsr/summary.txt": b"ok", "tsr/dset.zip": inner})
    checked = check("TSR.zip", data)
    assert checked.member_count == 4  # two outer entries, two inner ones
    assert checked.uncompressed_bytes == 2 + len(inner) + 400 + 500


def test_a_bomb_hidden_in_a_nested_zip_is_refused():
    inner = make_zip({"zeros.bin": b"\0" * 190_000})  # compresses to a few hundred bytes
    data = make_zip({"a.txt": b"x" * 20_000, "inner.zip": inner})
    assert len(data) < 2_000  # small enough that only reading the inner zip finds it
    assert refused("TSR.zip", data) == "archive_too_large_uncompressed"


def test_entries_of_a_nested_zip_count_toward_the_member_limit():
    inner = make_zip({f"f{i}.txt": b"x" for i in range(15)})
    data = make_zip({f"o{i}.txt": b"x" for i in range(5)} | {"inner.zip": inner})
    assert refused("TSR.zip", data) == "archive_too_many_members"  # 6 outer + 15 inner > 20


def test_a_dangerous_path_inside_a_nested_zip_is_refused():
    data = make_zip({"inner.zip": make_zip({"../../etc/cron.d/evil": b"x"})})
    assert refused("TSR.zip", data) == "archive_unsafe_path"


def test_archives_nested_past_the_depth_limit_are_refused():
    data = make_zip({"leaf.txt": b"x"})
    for level in range(4):
        data = make_zip({f"level{level}.zip": data})
    assert refused("TSR.zip", data) == "archive_nested_too_deep"


def test_a_member_named_zip_that_is_not_one_is_only_counted():
    checked = check("TSR.zip", make_zip({"notes.zip": b"just text"}))
    assert (checked.member_count, checked.uncompressed_bytes) == (1, 9)

"""File checks (trust.md §2.2, quality.md §2 "Bad input"): content decides, metadata goes,
polyglots and active PDFs are refused. Pure functions: no database."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.identity import samples
from workhall.core.errors import Unprocessable
from workhall.identity import files
from workhall.identity.files import Upload

MAX = 10 * 1024 * 1024


def refused(upload: Upload, *, selfie: bool = False) -> str:
    with pytest.raises(Unprocessable) as caught:
        (files.clean_selfie if selfie else files.clean_document)(upload, MAX)
    return caught.value.detail


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (samples.jpeg(), "jpeg"),
        (samples.png(), "png"),
        (samples.pdf(), "pdf"),
        (b"GIF89a....", None),
        (b"<html><body>hi</body></html>", None),
        (b"PK\x03\x04archive", None),
        (b"", None),
        (b"  %PDF-1.7", None),  # the header must be at the very start
    ],
)
def test_the_kind_comes_from_the_first_bytes(data: bytes, kind: str | None) -> None:
    assert files.sniff(data) == kind


def test_jpeg_is_reencoded_without_exif_or_gps() -> None:
    original = samples.jpeg()
    assert samples.CAMERA_MODEL.encode() in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(samples.GPS_IFD)
    clean = files.clean_document(Upload(original, "id.jpg", "image/jpeg"), MAX)
    assert clean.kind == "jpeg" and clean.content_type == "image/jpeg"
    assert samples.CAMERA_MODEL.encode() not in clean.data
    reopened = Image.open(io.BytesIO(clean.data))
    assert reopened.format == "JPEG" and reopened.size == (64, 48)
    assert not reopened.getexif()
    assert not reopened.getexif().get_ifd(samples.GPS_IFD)
    assert "icc_profile" not in reopened.info


def test_png_is_reencoded_without_text_chunks_or_exif() -> None:
    original = samples.png(text="Made on a secret island")
    clean = files.clean_selfie(Upload(original, "me.png", "image/png"), MAX)
    assert clean.kind == "png"
    assert b"secret island" not in clean.data and b"eXIf" not in clean.data
    reopened = Image.open(io.BytesIO(clean.data))
    assert reopened.format == "PNG" and not reopened.getexif() and "Comment" not in reopened.info


def test_an_ordinary_jpeg_comment_is_not_a_polyglot() -> None:
    data = samples.jpeg_with_comment(b"Scanned at the post office, 300 dpi")
    clean = files.clean_document(Upload(data, "scan.jpeg"), MAX)
    assert b"post office" not in clean.data


def test_a_clean_pdf_is_kept_as_sent() -> None:
    original = samples.pdf()
    clean = files.clean_document(Upload(original, "passport.pdf", "application/pdf"), MAX)
    assert clean.kind == "pdf" and clean.data == original


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("photo.pdf", "image/png"),  # a PNG renamed .pdf
        ("photo.png", "application/pdf"),  # declared as another type
        ("photo.gif", None),
        ("photo.png.exe", None),
        ("photo", "text/html"),
    ],
)
def test_a_name_or_declared_type_that_disagrees_with_the_content_is_refused(
    name: str, content_type: str | None
) -> None:
    assert "PNG" in refused(Upload(samples.png(), name, content_type))


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("IMG_0001.PNG", "image/png"), ("scan", None), (None, "application/octet-stream")],
)
def test_a_matching_or_missing_name_and_type_are_accepted(
    name: str | None, content_type: str | None
) -> None:
    assert files.clean_document(Upload(samples.png(), name, content_type), MAX).kind == "png"


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "..\\..\\boot.ini",
        "/etc/passwd.png",
        "a\x00.png",
        "a%00.png",
        "..%2F..%2Fetc%2Fpasswd.png",
        "a\n.png",
        "x" * 300,
    ],
)
def test_file_names_with_path_tricks_are_refused(name: str) -> None:
    detail = refused(Upload(samples.png(), name, "image/png"))
    assert "name" in detail


@pytest.mark.parametrize(
    "data",
    [
        samples.png() + b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF",  # a PDF after IEND
        samples.jpeg() + b"PK\x03\x04" + b"\x00" * 26,  # a ZIP after EOI
        samples.png_with_chunk(b"teXt", b"PK\x03\x04" + b"\x00" * 26),  # a ZIP inside a chunk
        samples.png_with_chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>"),
        samples.png_with_chunk(b"tEXt", b"Comment\x00%PDF-1.7 hidden"),
        samples.jpeg_with_comment(b"<html><body>hello</body></html>"),
        samples.pdf() + b"PK\x03\x04" + b"\x00" * 26,  # a ZIP after %%EOF
        samples.pdf().replace(b"(PASSPORT)", b"(<script>alert(1)</script>)"),
    ],
)
def test_polyglots_are_refused(data: bytes) -> None:
    assert "another kind of file" in refused(Upload(data))


@pytest.mark.parametrize(
    "data",
    [
        samples.pdf(catalog_extra="/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),
        samples.pdf(catalog_extra="/OpenAction << /S /J#61vaScript /J#53 (x) >> "),
        samples.pdf(catalog_extra="/Names << /EmbeddedFiles << /Names [] >> >> "),
        samples.pdf(catalog_extra="/OpenAction << /S /Launch /F (calc.exe) >> "),
        samples.pdf_with_compressed_javascript(),
    ],
)
def test_pdfs_with_scripts_actions_or_attachments_are_refused(data: bytes) -> None:
    assert "scripts, actions or attached files" in refused(Upload(data, "id.pdf"))


def test_a_pdf_open_action_without_script_is_accepted() -> None:
    data = samples.pdf(catalog_extra="/OpenAction [3 0 R /Fit] ")
    assert files.clean_document(Upload(data, "id.pdf"), MAX).kind == "pdf"


def test_encrypted_pdfs_are_refused() -> None:
    data = samples.pdf().replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 9 0 R")
    assert "Password-protected" in refused(Upload(data))


@pytest.mark.parametrize(
    "data",
    [
        samples.pdf()[:-10],  # no %%EOF
        samples.png()[:-20],  # cut short
        samples.jpeg()[:200],  # cut short
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
    ],
)
def test_damaged_files_are_refused(data: bytes) -> None:
    refused(Upload(data))


def test_the_selfie_must_be_an_image() -> None:
    assert "JPEG or PNG" in refused(Upload(samples.pdf(), "me.pdf"), selfie=True)


def test_size_limits() -> None:
    assert "Choose a file" in refused(Upload(b""))
    big = Upload(samples.png(), "id.png")
    with pytest.raises(Unprocessable, match="at most 0 MB"):
        files.clean_document(big, 100)


def test_decompression_bombs_are_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")  # 100 Mpx in a few kB
    assert "too large in pixels" in refused(Upload(out.getvalue(), "bomb.png"))

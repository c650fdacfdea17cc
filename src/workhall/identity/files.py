"""Identity documents checked by their content (trust.md §2.2, quality.md §2 "Bad input").

A file is a JPEG, a PNG or a PDF by its first bytes, whatever its name or declared type says;
a name or a declared type that says otherwise gets the file refused, as does a name with
path tricks. Images are fully decoded and re-encoded without metadata. PDFs cannot be
re-encoded here, so they are checked instead: a header and an end-of-file marker, no
JavaScript, launch actions or embedded files (also inside compressed streams), no encryption.
Polyglots (bytes that also read as another format: a PDF, a ZIP archive, an HTML page) are
refused.
"""

from __future__ import annotations

import io
import re
import warnings
import zlib
from dataclasses import dataclass
from urllib.parse import unquote

from PIL import Image, ImageOps

from workhall.accounts.rules import PNG_MAGIC, image_kind
from workhall.core.errors import Unprocessable

PDF_HEADER = re.compile(rb"\A%PDF-[12]\.\d")
EXTENSIONS = {
    "jpeg": frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    "png": frozenset({"png"}),
    "pdf": frozenset({"pdf"}),
}
MEDIA_TYPES = {
    "jpeg": frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
    "png": frozenset({"image/png", "image/x-png"}),
    "pdf": frozenset({"application/pdf", "application/x-pdf"}),
}
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
GENERIC_MEDIA_TYPES = frozenset({"", "application/octet-stream"})
FILE_NAME_MAX = 255
# Refuse decompression bombs before decoding: a 10 MB file can claim gigapixels.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90
# Markers of another format, looked for case-insensitively. Long ones anywhere in the file;
# short ones (a ZIP header is 4 bytes, which compressed pixels contain by chance about once
# in 4 GB) only outside an image's compressed pixel data and outside a PDF's streams.
LONG_MARKERS = (b"%pdf-", b"<script", b"<html", b"<!doctype", b"<iframe", b"<?php")
SHORT_MARKERS = (b"pk\x03\x04", b"pk\x05\x06", b"pk\x01\x02", b"<svg", b"<body")
# PDF names that run code, start programs or carry files (with #xx escapes decoded first).
PDF_ACTIVE = re.compile(
    rb"/(JS|JavaScript|EmbeddedFiles?|Launch|RichMedia|XFA|GoToE|Encrypt)(?=[\s/<>\[\]()%{}]|\Z)"
)
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_STREAM = re.compile(rb"stream\r?\n")
PDF_INFLATE_BUDGET = 64 * 1024 * 1024  # decompressed bytes inspected at most per file


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes and what the sender said about it (trusted for nothing)."""

    data: bytes
    file_name: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class CleanFile:
    """A checked file ready to store: re-encoded image bytes or the checked PDF."""

    kind: str  # jpeg | png | pdf
    data: bytes

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def sniff(data: bytes) -> str | None:
    """``"jpeg"``, ``"png"`` or ``"pdf"`` by the first bytes, else None."""
    return image_kind(data) or ("pdf" if PDF_HEADER.match(data) else None)


def check_name_and_type(upload: Upload, kind: str, field: str) -> None:
    """Refuse a name with path tricks, and a name or declared type naming another format."""
    name = upload.file_name or ""
    if len(name) > FILE_NAME_MAX:
        raise Unprocessable("The file name is too long.", field=field)
    # Browsers percent-encode some characters in multipart names: check the decoded form too.
    for form in {name, unquote(name)}:
        if (
            any(ord(ch) < 32 or ord(ch) == 0x7F or ch in "/\\" for ch in form)
            or form.startswith("..")
            or ".." in form.split(".")[1:-1]
        ):
            raise Unprocessable(
                "The file name is not allowed; rename the file and retry.", field=field
            )
    base = name.rsplit(".", 1)
    extension = base[1].lower() if len(base) == 2 and base[0] else ""
    if extension and extension not in EXTENSIONS[kind]:
        raise Unprocessable(
            f"The file is a {kind.upper()} but its name ends in .{extension[:10]}; "
            "rename it or export it again.",
            field=field,
        )
    declared = (upload.content_type or "").split(";", 1)[0].strip().lower()
    if declared not in GENERIC_MEDIA_TYPES and declared not in MEDIA_TYPES[kind]:
        raise Unprocessable(
            f"The file is a {kind.upper()} but was sent as {declared[:60]}.", field=field
        )


def _has_marker(data: bytes, markers: tuple[bytes, ...]) -> bool:
    lowered = data.lower()
    return any(m in lowered for m in markers)


def _polyglot(field: str) -> Unprocessable:
    return Unprocessable(
        "The file also contains another kind of file (an archive, a document or a web page); "
        "export the image or document again and send only that.",
        field=field,
    )


def _damaged(field: str) -> Unprocessable:
    return Unprocessable("The file is damaged or incomplete; export it again.", field=field)


# --- images -------------------------------------------------------------------------------------


def _png_outside_pixels(data: bytes, field: str) -> bytes:
    """Every PNG chunk but the compressed pixels (IDAT); refused when damaged or followed
    by anything after IEND."""
    pos, parts = len(PNG_MAGIC), []
    while True:
        if pos + 12 > len(data):
            raise _damaged(field)
        length = int.from_bytes(data[pos : pos + 4], "big")
        chunk_type = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise _damaged(field)
        if chunk_type != b"IDAT":
            parts.append(data[pos + 4 : pos + 8 + length])
        pos = end
        if chunk_type == b"IEND":
            break
    if pos != len(data):
        raise _polyglot(field)
    return b"".join(parts)


def _jpeg_outside_pixels(data: bytes, field: str) -> bytes:
    """Every JPEG segment but the entropy-coded pixels; refused when damaged or followed by
    anything after EOI (zero padding, which some cameras add, excepted)."""
    n, pos, parts = len(data), 2, []
    while True:
        if pos >= n or data[pos] != 0xFF:
            raise _damaged(field)
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            raise _damaged(field)
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if pos + 2 > n:
            raise _damaged(field)
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > n:
            raise _damaged(field)
        parts.append(data[pos : pos + length])
        pos += length
        if marker == 0xDA:  # start of scan: skip the compressed data to the next marker
            while True:
                found = data.find(b"\xff", pos)
                if found < 0 or found + 1 >= n:
                    raise _damaged(field)
                follower = data[found + 1]
                if follower == 0x00 or 0xD0 <= follower <= 0xD7 or follower == 0xFF:
                    pos = found + 1
                    continue
                pos = found
                break
    if data[pos:].strip(b"\x00"):
        raise _polyglot(field)
    return b"".join(parts)


def _reencode(data: bytes, kind: str, field: str) -> bytes:
    """Decode every pixel and write a fresh file: no EXIF, GPS, ICC or text chunks survive."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(
                io.BytesIO(data), formats=["JPEG" if kind == "jpeg" else "PNG"]
            )
            width, height = image.size
            if width * height > MAX_PIXELS or min(width, height) < 1:
                raise Unprocessable("The image is too large in pixels.", field=field)
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the camera's rotation, drop the rest
            has_alpha = image.mode in ("RGBA", "LA", "PA") or (
                image.mode == "P" and "transparency" in image.info
            )
            mode = "RGBA" if has_alpha and kind == "png" else "RGB"
            pixels = image.convert(mode)
    except Unprocessable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Unprocessable("The image is too large in pixels.", field=field) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise Unprocessable("The file could not be read as an image.", field=field) from exc
    fresh = Image.frombytes(mode, pixels.size, pixels.tobytes())  # a canvas with no metadata
    out = io.BytesIO()
    if kind == "jpeg":
        fresh.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        fresh.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _clean_image(data: bytes, kind: str, field: str) -> bytes:
    outside = (
        _png_outside_pixels(data, field) if kind == "png" else _jpeg_outside_pixels(data, field)
    )
    if _has_marker(data, LONG_MARKERS) or _has_marker(outside, LONG_MARKERS + SHORT_MARKERS):
        raise _polyglot(field)
    return _reencode(data, kind, field)


# --- PDF ----------------------------------------------------------------------------------------


def _pdf_streams(data: bytes) -> tuple[bytes, list[bytes]]:
    """The PDF's bytes outside streams, and the streams' raw contents."""
    outside, streams, pos = [], [], 0
    for match in PDF_STREAM.finditer(data):
        if match.start() < pos:
            continue
        end = data.find(b"endstream", match.end())
        if end < 0:
            break
        outside.append(data[pos : match.start()])
        streams.append(data[match.end() : end])
        pos = end + len(b"endstream")
    outside.append(data[pos:])
    return b"".join(outside), streams


def _inflated(streams: list[bytes], field: str) -> list[bytes]:
    """Streams that inflate (FlateDecode, including object streams), within a budget: what a
    reader would see once decompressed. Streams that are not zlib data are skipped."""
    budget, out = PDF_INFLATE_BUDGET, []
    for raw in streams:
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(raw, budget + 1)
        except zlib.error:
            continue
        budget -= len(chunk)
        if budget < 0:
            raise Unprocessable("The PDF is too complex to check; export it again.", field=field)
        out.append(chunk)
    return out


def _check_pdf(data: bytes, field: str) -> bytes:
    tail = data.rstrip(b" \t\r\n\x00\x0c")
    if not tail.endswith(b"%%EOF"):
        # Nothing may follow the last end-of-file marker: that is where archives hide.
        raise _damaged(field) if b"%%EOF" not in data[-4096:] else _polyglot(field)
    if b"startxref" not in data[-2048:]:
        raise _damaged(field)
    outside, streams = _pdf_streams(data)
    if _has_marker(data, LONG_MARKERS[1:]) or _has_marker(outside, SHORT_MARKERS):
        raise _polyglot(field)
    for part in [outside, *_inflated(streams, field)]:
        found = PDF_ACTIVE.search(PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), part))
        if found:
            name = found[1].decode()
            raise Unprocessable(
                "Password-protected PDFs cannot be reviewed; send an unprotected copy."
                if name == "Encrypt"
                else "The PDF contains scripts, actions or attached files; export a plain "
                "copy (for example with “Print to PDF”) or send a photo instead.",
                field=field,
            )
    return data


# --- entry points -------------------------------------------------------------------------------


def check_size(upload: Upload, max_bytes: int, field: str) -> None:
    if not upload.data:
        raise Unprocessable("Choose a file to upload.", field=field)
    if len(upload.data) > max_bytes:
        raise Unprocessable(
            f"The file must be at most {max_bytes // (1024 * 1024)} MB.", field=field
        )


def clean_document(upload: Upload, max_bytes: int, field: str = "document") -> CleanFile:
    """The ID document: a JPEG or PNG (re-encoded) or a PDF (checked), or Unprocessable."""
    check_size(upload, max_bytes, field)
    kind = sniff(upload.data)
    if kind is None:
        raise Unprocessable("The document must be a JPEG, PNG or PDF file.", field=field)
    check_name_and_type(upload, kind, field)
    if kind == "pdf":
        return CleanFile(kind, _check_pdf(upload.data, field))
    return CleanFile(kind, _clean_image(upload.data, kind, field))


def clean_selfie(upload: Upload, max_bytes: int, field: str = "selfie") -> CleanFile:
    """The selfie: a JPEG or PNG photo, re-encoded, or Unprocessable."""
    check_size(upload, max_bytes, field)
    kind = sniff(upload.data)
    if kind not in ("jpeg", "png"):
        raise Unprocessable("The selfie must be a JPEG or PNG photo.", field=field)
    check_name_and_type(upload, kind, field)
    return CleanFile(kind, _clean_image(upload.data, kind, field))

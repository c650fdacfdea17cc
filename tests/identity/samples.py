"""Sample files for the identity tests: real images (with EXIF and GPS), PDFs, polyglots."""

from __future__ import annotations

import io
import zlib

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
CAMERA_MODEL = "SpyCam 3000"


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0110] = CAMERA_MODEL  # Model
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    return exif


def _picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    image = Image.new("RGB", size, (200, 120, 40))
    for x in range(size[0]):
        image.putpixel((x, x % size[1]), (10, 20, 200))
    return image


def jpeg(size: tuple[int, int] = (64, 48), *, exif: bool = True) -> bytes:
    out = io.BytesIO()
    _picture(size).save(out, format="JPEG", quality=90, **({"exif": _exif()} if exif else {}))
    return out.getvalue()


def jpeg_with_comment(comment: bytes) -> bytes:
    """A JPEG with a COM segment right after SOI."""
    data = jpeg()
    return data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]


def png(size: tuple[int, int] = (64, 48), *, text: str = "Made on a secret island") -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    out = io.BytesIO()
    _picture(size).save(out, format="PNG", pnginfo=info, exif=_exif())
    return out.getvalue()


def pdf(*, catalog_extra: str = "", extra_objects: tuple[str, ...] = ()) -> bytes:
    """A small, well-formed one-page PDF; ``catalog_extra`` goes into the catalog dictionary."""
    content = b"BT /F1 12 Tf 72 720 Td (PASSPORT) Tj ET"
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog_extra}>>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *(o.encode("latin-1") for o in extra_objects),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_compressed_javascript() -> bytes:
    """JavaScript hidden in a FlateDecode object stream: only visible once inflated."""
    hidden = zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    return pdf(
        extra_objects=(
            f"<< /Type /ObjStm /Filter /FlateDecode /Length {len(hidden)} >>\nstream\n"
            + hidden.decode("latin-1")
            + "\nendstream",
        )
    )


def png_with_chunk(chunk_type: bytes, payload: bytes) -> bytes:
    """A PNG with an extra ancillary chunk placed before IEND."""
    data = png()
    body = chunk_type + payload
    chunk = len(payload).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    return data[:-12] + chunk + data[-12:]

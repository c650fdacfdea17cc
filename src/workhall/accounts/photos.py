"""Profile photos: checked by content, re-encoded without metadata, stored under a random name.

Uploads are never served as sent: every photo is decoded and re-encoded by Pillow to a square
JPEG, which drops EXIF (location, camera), ICC profiles and anything hidden in the file.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from workhall.accounts.rules import has_trailing_data, image_kind
from workhall.core.errors import Unprocessable
from workhall.core.settings import Settings

# The only names /photos/{name} serves: what store_photo makes (32 URL-safe characters).
PHOTO_NAME = re.compile(r"\A[A-Za-z0-9_-]{32}\.jpg\Z")
# Refuse decompression bombs before decoding: a 5 MB file can claim gigapixels.
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85


def photos_dir(settings: Settings) -> Path:
    return settings.data_dir / "photos"


def reencode_photo(data: bytes, *, max_bytes: int, size_px: int) -> bytes:
    """A ``size_px`` square JPEG without metadata, or Unprocessable saying why not."""
    if not data:
        raise Unprocessable("Choose a photo to upload.", field="photo")
    if len(data) > max_bytes:
        raise Unprocessable(
            f"The photo must be at most {max_bytes // (1024 * 1024)} MB.", field="photo"
        )
    kind = image_kind(data)
    if kind is None:
        raise Unprocessable("The photo must be a JPEG or PNG image.", field="photo")
    if has_trailing_data(data, kind):
        raise Unprocessable(
            "The photo file is damaged or has extra data; export it again.", field="photo"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(
                io.BytesIO(data), formats=["JPEG" if kind == "jpeg" else "PNG"]
            )
            width, height = image.size
            if width * height > MAX_PIXELS or min(width, height) < 1:
                raise Unprocessable("The photo is too large in pixels.", field="photo")
            image.load()
            image = ImageOps.exif_transpose(image)  # honour the camera's rotation, then drop it
            square = ImageOps.fit(
                image.convert("RGBA"), (size_px, size_px), Image.Resampling.LANCZOS
            )
    except Unprocessable:
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise Unprocessable("The photo could not be read as an image.", field="photo") from exc
    # A fresh canvas: transparent areas become white and no metadata can ride along.
    canvas = Image.new("RGB", (size_px, size_px), (255, 255, 255))
    canvas.paste(square, mask=square.getchannel("A"))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def write_photo(settings: Settings, jpeg: bytes) -> str:
    """Store a re-encoded photo under a new random name and return the name."""
    folder = photos_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(24) + ".jpg"
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(jpeg)
    tmp.replace(folder / name)
    return name


def photo_file(settings: Settings, name: str) -> Path | None:
    """The file for a photo name, or None for any name store_photo could not have made."""
    if not PHOTO_NAME.match(name):
        return None
    folder = photos_dir(settings).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path


def delete_photo(settings: Settings, name: str | None) -> None:
    if name:
        path = photo_file(settings, name)
        if path is not None:
            path.unlink(missing_ok=True)

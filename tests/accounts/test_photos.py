"""Profile photos: the content decides, everything is re-encoded, nothing bad is stored, and
/photos/{name} serves only names the upload made."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from tests.accounts.conftest import headers_for, image_bytes
from tests.factories import make_client, make_freelancer, sign_in_browser
from workhall.accounts import photos, profiles
from workhall.core.errors import Unprocessable


def _stored(settings):  # type: ignore[no-untyped-def]
    folder = photos.photos_dir(settings)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _upload(client, csrf, data, filename="me.jpg", content_type="image/jpeg"):  # type: ignore[no-untyped-def]
    return client.post(
        "/settings/profile/photo",
        data={"csrf_token": csrf},
        files={"photo": (filename, data, content_type)},
        follow_redirects=False,
    )


def _exif_jpeg() -> bytes:
    image = Image.new("RGB", (900, 600), (40, 90, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "SecretSoftware 1.0"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_jpeg_becomes_a_400px_square_jpeg_without_metadata(client, db, settings):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    original = _exif_jpeg()
    assert b"SecretCam" in original
    r = _upload(client, csrf, original)
    assert r.status_code == 303
    db.refresh(user.freelancer_profile)
    name = user.freelancer_profile.photo_path
    assert name and photos.PHOTO_NAME.match(name) and _stored(settings) == [name]

    served = client.get(f"/photos/{name}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "JPEG" and image.size == (400, 400)
    assert not image.getexif() and b"SecretCam" not in served.content
    assert b"SecretSoftware" not in served.content
    assert "icc_profile" not in image.info


def test_a_png_named_jpg_is_fine_because_the_content_decides(client, db, settings):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    r = _upload(client, csrf, image_bytes("PNG", (300, 500)), filename="photo.jpg")
    assert r.status_code == 303
    assert len(_stored(settings)) == 1


def _polyglot() -> bytes:
    return image_bytes("JPEG") + b"PK\x03\x04" + b"<script>alert(document.cookie)</script>"


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"just some text, not an image\n", "me.jpg", "JPEG or PNG"),
        (b"", "me.jpg", "Choose a photo"),
        (image_bytes("GIF"), "me.gif", "JPEG or PNG"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "me.png",
            "JPEG or PNG",
        ),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 100 + b"\xff\xd9", "me.jpg", "could not be read"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50 + b"IEND\xaeB`\x82", "me.png", "could not be read"),
        (_polyglot(), "me.jpg", "extra data"),
    ],
)
def test_refused_uploads_store_nothing(client, db, settings, data, filename, message):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    r = _upload(client, csrf, data, filename=filename)
    assert r.status_code == 400 and message in r.text
    db.refresh(user.freelancer_profile)
    assert user.freelancer_profile.photo_path is None
    assert _stored(settings) == []


def test_oversized_upload_is_refused(client, db, settings):
    settings.profile_photo_max_bytes = 200_000  # the same rule, with a smaller file to send
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    big = image_bytes("PNG", (800, 800), compress_level=0)
    assert len(big) > 200_000
    r = _upload(client, csrf, big, filename="big.png", content_type="image/png")
    assert r.status_code == 400 and "at most" in r.text
    assert _stored(settings) == []


def test_the_default_limit_is_5_mb(settings):
    assert settings.profile_photo_max_bytes == 5 * 1024 * 1024


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (100_000, 1_000)])
def test_decompression_bombs_are_refused_before_decoding(settings, width, height):
    with pytest.raises(Unprocessable, match=r"too large in pixels|could not be read"):
        photos.reencode_photo(_png_claiming(width, height), max_bytes=5 * 1024 * 1024, size_px=400)


def test_replacing_a_photo_deletes_the_old_file_after_commit(client, db, settings):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    _upload(client, csrf, image_bytes())
    first = _stored(settings)
    _upload(client, csrf, image_bytes("PNG"), filename="new.png")
    second = _stored(settings)
    assert len(first) == len(second) == 1 and first != second
    r = client.post(
        "/settings/profile/photo/remove", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and _stored(settings) == []


def test_a_rolled_back_upload_leaves_no_file_and_keeps_the_old_photo(db, settings):
    user = make_freelancer(db, settings)
    old = profiles.set_profile_photo(db, settings, user, image_bytes())
    db.commit()
    profiles.set_profile_photo(db, settings, user, image_bytes("PNG"))
    assert len(_stored(settings)) == 2
    db.rollback()
    assert _stored(settings) == [old]
    db.refresh(user.freelancer_profile)
    assert user.freelancer_profile.photo_path == old


@pytest.mark.parametrize(
    "path",
    [
        "/photos/../x",
        "/photos/..%2F..%2Fsecret_key",
        "/photos/%2e%2e%2fsecret_key",
        "/photos/secret_key",
        "/photos/.hidden.jpg.tmp",
        "/photos/" + "a" * 32 + ".png",
        "/photos/" + "a" * 31 + ".jpg",
        "/photos/" + "a" * 32 + ".jpg",  # the right shape but no such file
        "/photos/" + "a" * 32 + ".jpg%00",
    ],
)
def test_photo_names_are_validated_strictly(client, db, settings, path):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "secret_key").write_text("do not serve me")
    r = client.get(path)
    assert r.status_code == 404
    assert "do not serve me" not in r.text


def test_api_photo_upload(client, db, settings):
    user = make_freelancer(db, settings)
    headers = headers_for(db, settings, user)
    r = client.post(
        "/api/v1/me/photo",
        headers=headers,
        files={"file": ("x.png", image_bytes("PNG"), "image/png")},
    )
    assert r.status_code == 200 and r.json()["photo_url"].startswith("/photos/")
    r = client.post(
        "/api/v1/me/photo",
        headers=headers,
        files={"file": ("x.jpg", b"not an image", "image/jpeg")},
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert client.delete("/api/v1/me/photo", headers=headers).status_code == 204
    assert _stored(settings) == []
    other = make_client(db, settings)
    r = client.post(
        "/api/v1/me/photo",
        headers=headers_for(db, settings, other),
        files={"file": ("x.png", image_bytes("PNG"), "image/png")},
    )
    assert r.status_code == 403
    assert (
        client.post(
            "/api/v1/me/photo", files={"file": ("x.png", image_bytes("PNG"), "image/png")}
        ).status_code
        == 401
    )

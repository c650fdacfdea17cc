"""Reading an identity upload from a multipart request without trusting its size.

``UploadLimit`` runs before anything reads the body (list it first in the route's
``dependencies``, before ``Csrf``, which parses the form): a declared ``Content-Length`` over
the limit is refused before a byte is read, and the body is counted as it streams, so a
request without a length (chunked) is cut off at the limit too. The multipart parser keeps at
most 1 MB of each file in memory and spools the rest to a temporary file; each file is then
read with a bound of the per-file limit plus one byte.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.types import Message

from workhall.core.errors import Problem, Unprocessable
from workhall.core.web import SettingsDep
from workhall.identity.files import Upload

FORM_OVERHEAD = 64 * 1024  # the text fields and multipart headers around the two files
MAX_FIELDS = 8
TEXT_FIELD_MAX = 200


class PayloadTooLarge(Problem):
    status, slug, title = 413, "upload-too-large", "Upload too large"


def body_limit(max_file_bytes: int) -> int:
    return 2 * max_file_bytes + FORM_OVERHEAD


def too_large(max_file_bytes: int) -> PayloadTooLarge:
    mb = max_file_bytes // (1024 * 1024)
    return PayloadTooLarge(f"Each file must be at most {mb} MB.")


async def limit_upload_body(request: Request, settings: SettingsDep) -> None:
    limit = body_limit(settings.identity_max_file_bytes)
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Unprocessable("The Content-Length header is not a number.")
        if int(declared) > limit:
            raise too_large(settings.identity_max_file_bytes)
    receive = request.receive
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large(settings.identity_max_file_bytes)
        return message

    # The request reads its body through this callable from now on (Csrf, the form parser).
    request._receive = counted


UploadLimit = Depends(limit_upload_body)


async def upload_form(request: Request, _: Annotated[None, UploadLimit]) -> FormData:
    return await request.form(max_files=2, max_fields=MAX_FIELDS, max_part_size=FORM_OVERHEAD)


UploadForm = Annotated[FormData, Depends(upload_form)]


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip()[:TEXT_FIELD_MAX]


def file_field(form: FormData, name: str, max_file_bytes: int) -> Upload:
    """The named file, read with a bound; an empty Upload when the field is missing."""
    value = form.get(name)
    if not isinstance(value, UploadFile):
        return Upload(b"")
    data = value.file.read(max_file_bytes + 1)
    if len(data) > max_file_bytes:
        raise too_large(max_file_bytes)
    return Upload(data, value.filename, value.content_type)

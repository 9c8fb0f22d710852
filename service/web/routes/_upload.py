"""The file an import request carries: a multipart/form-data upload or the raw request body.

Browsers (and `curl -F`) send files as multipart/form-data; scripts often send the file as the
body (`curl --data-binary`). Both reach the same import code. Starlette's form parser (on
python-multipart) reads the form; a malformed form is its 400.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile

from service.errors import Invalid

__all__ = ["FILE_FIELD", "read_upload"]

FILE_FIELD = "file"


def _is_form(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return media_type == "multipart/form-data"


async def read_upload(request: Request) -> bytes:
    """The uploaded file's bytes (the size limit is the caller's, or the body-size middleware's)."""
    if not _is_form(request):
        return await request.body()
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get(FILE_FIELD)
        if not isinstance(upload, UploadFile):
            raise Invalid(
                f"a multipart upload carries the file in a form field named {FILE_FIELD!r}"
            )
        return await upload.read()

"""One HTTP-host push, read whole and strictly: the alert document plus its image parts.

A push is a finite upload, so unlike the alert stream it is judged strictly: the body must be
complete (the closing boundary present), every part must frame, the alert part must parse, and
every other part must be an image. Anything else is an `UploadError` with an HTTP status
(400 malformed, 413 too large, 415 wrong type) and nothing is stored. The body is read with a
running byte count against `max_body_bytes` (a declared Content-Length over it is refused
before reading), parts are split with the SDK's `MultipartSplitter` (bounded per part), and
images are matched to the alert by file name and content type, never by position alone
(part and field names vary by firmware: enforcement.md §3.3).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from adapters.hikvision_itc.codec import MAX_ALERT_BYTES, Alert, parse_alert
from adapters.hikvision_itc.const import ALERT_TYPES, IMAGE_MAGIC
from gateway.sdk import DecodeError
from gateway.sdk.http import MultipartSplitter, Part, PartError, boundary_from_content_type

__all__ = ["UploadError", "Image", "Upload", "read_upload", "sniff_image"]

_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))""", re.I)
_NAME = re.compile(r"""(?:^|;)\s*name=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))""", re.I)


class UploadError(Exception):
    """A push refused as a whole; `status` is the HTTP answer, `reason` a stable key."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


@dataclass(slots=True, frozen=True)
class Image:
    file_name: str | None
    content_type: str
    content: bytes


@dataclass(slots=True, frozen=True)
class Upload:
    alert: Alert
    images: tuple[Image, ...]
    raw_alert: bytes


def sniff_image(body: bytes) -> str | None:
    return next((kind for magic, kind in IMAGE_MAGIC.items() if body.startswith(magic)), None)


async def _read_body(request: web.Request, max_body: int) -> bytes:
    declared = request.content_length
    if declared is not None and declared > max_body:
        raise UploadError(413, "body_too_large",
                          f"body of {declared} bytes exceeds the {max_body} byte limit")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.content.iter_chunked(256 * 1024):
            size += len(chunk)
            if size > max_body:
                raise UploadError(413, "body_too_large",
                                  f"body exceeds the {max_body} byte limit")
            chunks.append(chunk)
    except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as err:
        raise UploadError(400, "incomplete_body", f"the body broke off: {err}") from None
    if declared is not None and size != declared:
        raise UploadError(400, "incomplete_body",
                          f"got {size} of {declared} declared body bytes")
    return b"".join(chunks)


def _disposition(part: Part) -> tuple[str | None, str | None]:
    value = part.headers.get("content-disposition", "")
    fn, nm = _FILENAME.search(value), _NAME.search(value)
    return ((fn.group(1) or fn.group(2)) if fn else None,
            (nm.group(1) or nm.group(2)) if nm else None)


def _is_alert(part: Part, file_name: str | None) -> bool:
    ctype = part.content_type
    if ctype in ALERT_TYPES:
        return True
    lowered = (file_name or "").lower()
    if lowered.endswith((".xml", ".json")):
        return True
    head = part.body.lstrip()[:1]
    return ctype in ("", "text/plain", "application/octet-stream") and head in (b"<", b"{")


def _image_type(part: Part, file_name: str | None) -> str | None:
    """The image's declared media type, or what its bytes show when the part is untyped;
    None when the part is not an image at all."""
    ctype = part.content_type
    if ctype.startswith("image/"):
        return ctype
    lowered = (file_name or "").lower()
    if ctype in ("", "application/octet-stream") or lowered.endswith((".jpg", ".jpeg", ".png")):
        return sniff_image(part.body) or ("image/jpeg" if lowered.endswith((".jpg", ".jpeg"))
                                          else None)
    return None


def _parse(body: bytes, what: str) -> Alert:
    try:
        return parse_alert(body, what)
    except DecodeError as err:
        raise UploadError(400, "bad_alert", err.message) from None


def _split(body: bytes, boundary: str, max_part: int) -> list[Part]:
    try:
        splitter = MultipartSplitter(boundary, max_part_bytes=max_part)
    except ValueError as err:
        raise UploadError(400, "bad_multipart", str(err)) from None
    parts: list[Part] = []
    for item in splitter.feed(body):
        if isinstance(item, PartError):
            status = 413 if item.reason == "oversize" else 400
            raise UploadError(status, "part_too_large" if status == 413 else "bad_multipart",
                              f"multipart part {len(parts)} does not frame ({item.reason})")
        parts.append(item)
    if not splitter.closed:
        raise UploadError(400, "incomplete_body", "multipart body has no closing boundary "
                          "(truncated upload); nothing was stored")
    return parts


def _from_parts(parts: list[Part], max_image: int) -> Upload:
    alert_part: Part | None = None
    images: list[Image] = []
    for n, part in enumerate(parts):
        file_name, name = _disposition(part)
        label = file_name or name or f"#{n}"
        if _is_alert(part, file_name):
            if alert_part is not None:
                raise UploadError(400, "two_alerts", f"part {label!r} is a second alert "
                                  "document; a push carries one")
            if len(part.body) > MAX_ALERT_BYTES:
                raise UploadError(413, "part_too_large", f"alert part {label!r} exceeds "
                                  f"{MAX_ALERT_BYTES} bytes")
            alert_part = part
            continue
        ctype = _image_type(part, file_name)
        if ctype is None:
            raise UploadError(415, "content_type", f"part {label!r} is "
                              f"{part.content_type or 'untyped'}: expected the XML/JSON alert "
                              "or a JPEG/PNG image")
        if len(part.body) > max_image:
            raise UploadError(413, "image_too_large", f"image {label!r} is {len(part.body)} "
                              f"bytes; the limit is {max_image}")
        images.append(Image(file_name or name, ctype, part.body))
    if alert_part is None:
        raise UploadError(400, "no_alert", "multipart push without an EventNotificationAlert "
                          "part (XML or JSON)")
    return Upload(_parse(alert_part.body, "alert part"), tuple(images), alert_part.body)


async def read_upload(request: web.Request, *, max_body: int, max_image: int) -> Upload:
    """Read and check one push. Raises UploadError (nothing has been stored)."""
    media = request.content_type.lower()
    if media != "multipart/form-data" and media not in ALERT_TYPES:
        raise UploadError(415, "content_type", f"Content-Type {media or 'missing'!r}: expected "
                          "multipart/form-data, application/xml or application/json")
    body = await _read_body(request, max_body)
    if media in ALERT_TYPES:
        if len(body) > MAX_ALERT_BYTES:
            raise UploadError(413, "part_too_large",
                              f"alert of {len(body)} bytes exceeds {MAX_ALERT_BYTES}")
        return Upload(_parse(body, "alert body"), (), body)
    boundary = boundary_from_content_type(request.headers.get("Content-Type", ""))
    if boundary is None:
        raise UploadError(400, "bad_multipart", "multipart/form-data without a boundary")
    parts = _split(body, boundary, max(max_image, MAX_ALERT_BYTES))
    return _from_parts(parts, max_image)

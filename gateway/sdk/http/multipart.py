"""Incremental splitter for server-push multipart bodies (camera alert and event streams).

Hikvision's alertStream (`multipart/mixed`) and Dahua's eventManager attach
(`multipart/x-mixed-replace`) are HTTP responses that never end: one part per event or
heartbeat. aiohttp's `MultipartReader` is built for finite uploads and stops for good at the
first part whose Content-Length disagrees with the framing ("Reader did not read all the data
or it is malformed"), dropping every later event; field firmware does send such parts
(field-pain-points §1 #9, #10). This splitter never raises on device data: a bad part becomes a
`PartError` and the reader resynchronizes on the next boundary, so one broken event costs one
event. Memory is bounded by `max_part_bytes`.

Leniencies, each seen in the field or in community clients:
- the boundary is searched as `--<boundary without leading dashes>`, so a device that repeats
  a `boundary=--xyz` parameter verbatim (`--xyz`) or per RFC 2046 (`----xyz`) both frame;
- bare LF line ends are accepted as well as CRLF;
- Content-Length is used when present (a part is delivered as soon as its bytes are in, not
  one heartbeat later when the next boundary arrives); when the next boundary shows up inside
  the declared length, the framing wins and the part is reported as `length_mismatch` (a body
  ending like the start of a boundary, '-' or '--x', waits for a few more bytes to tell, so
  chunking never changes the result);
- a part without Content-Length ends at the next boundary (one CRLF before it is dropped).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Part", "PartError", "MultipartSplitter", "boundary_from_content_type"]

MAX_HEADER_BYTES = 8 * 1024


@dataclass(slots=True, frozen=True)
class Part:
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @property
    def content_type(self) -> str:
        """Media type without parameters, lower case ('' if the part has none)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(slots=True, frozen=True)
class PartError:
    """A part that could not be framed; `sample` is its first bytes, for diagnostics."""

    reason: str  # "length_mismatch" | "oversize" | "bad_headers"
    sample: bytes = b""


def boundary_from_content_type(value: str) -> str | None:
    """The `boundary` parameter of a Content-Type header value, unquoted; None if absent."""
    for param in value.split(";")[1:]:
        name, sep, raw = param.partition("=")
        if sep and name.strip().lower() == "boundary":
            boundary = raw.strip()
            if len(boundary) >= 2 and boundary[0] == boundary[-1] == '"':
                boundary = boundary[1:-1]
            return boundary or None
    return None


class MultipartSplitter:
    """Feed it bytes as they arrive; it returns every part completed by them, in order."""

    __slots__ = ("_token", "_buf", "_max_part", "closed")

    def __init__(self, boundary: str, *, max_part_bytes: int = 1024 * 1024) -> None:
        core = boundary.lstrip("-")
        if not core or any(c in core for c in "\r\n"):
            raise ValueError(f"unusable multipart boundary {boundary!r}")
        self._token = b"--" + core.encode("latin-1", "replace")
        self._buf = bytearray()
        self._max_part = max_part_bytes
        self.closed = False  # the close delimiter (--boundary--) was seen

    @property
    def pending_bytes(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Part | PartError]:
        self._buf += data
        out: list[Part | PartError] = []
        while self._step(out):
            pass
        return out

    # -- one framing step; False when more data is needed ----------------------------------
    def _step(self, out: list[Part | PartError]) -> bool:
        buf, token = self._buf, self._token
        start = buf.find(token)
        if start < 0:  # keep only what could be the start of a boundary
            keep = len(token) - 1
            if len(buf) > keep:
                del buf[: len(buf) - keep]
            return False
        if start:
            del buf[:start]
        after = len(token)
        if len(buf) < after + 2:
            return False
        if buf[after: after + 2] == b"--":  # close delimiter; a push stream may go on anyway
            self.closed = True
            del buf[: after + 2]
            return True
        line_end = buf.find(b"\n", after)
        if line_end < 0:
            if len(buf) > after + MAX_HEADER_BYTES:
                return self._reject(out, "bad_headers", after)
            return False
        headers, body_start = self._headers(line_end + 1)
        if headers is None:
            if body_start < 0:  # header block not complete yet
                if len(buf) - line_end > MAX_HEADER_BYTES:
                    return self._reject(out, "bad_headers", after)
                return False
            return self._reject(out, "bad_headers", after)  # next boundary inside headers
        return self._body(out, headers, body_start)

    def _headers(self, pos: int) -> tuple[dict[str, str] | None, int]:
        """Parse header lines from `pos`. Returns (headers, body start), (None, -1) when more
        data is needed, or (None, 0) when the next boundary comes before a blank line."""
        buf = self._buf
        headers: dict[str, str] = {}
        while True:
            end = buf.find(b"\n", pos)
            if end < 0:
                return None, -1
            line = bytes(buf[pos:end]).rstrip(b"\r")
            if not line:
                return headers, end + 1
            if self._token in line:  # the next boundary before a blank line
                return None, 0
            name, sep, value = line.decode("latin-1").partition(":")
            if sep and name.strip():
                headers[name.strip().lower()] = value.strip()
            pos = end + 1

    def _body(self, out: list[Part | PartError], headers: dict[str, str],
              body_start: int) -> bool:
        buf, token = self._buf, self._token
        length = _content_length(headers)
        if length is not None:
            end = body_start + length
            # a boundary starting inside the declared body means the length lies
            inside = buf.find(token, body_start, end + len(token) - 1)
            if inside >= 0:
                out.append(PartError("length_mismatch", bytes(buf[body_start:inside][:200])))
                del buf[:inside]
                return True
            if length > self._max_part:
                return self._reject(out, "oversize", body_start)
            if len(buf) < end:
                return False
            if len(buf) < end + len(token) - 1 and self._tail_may_be_boundary(body_start, end):
                return False  # wait a few bytes to see whether a boundary starts in the body
            out.append(Part(headers, bytes(buf[body_start:end])))
            del buf[:end]
            return True
        next_token = buf.find(token, body_start)
        if next_token < 0:
            if len(buf) - body_start > self._max_part:
                return self._reject(out, "oversize", body_start)
            return False
        body = bytes(buf[body_start:next_token])
        if body.endswith(b"\r\n"):
            body = body[:-2]
        elif body.endswith(b"\n"):
            body = body[:-1]
        out.append(Part(headers, body))
        del buf[:next_token]
        return True

    def _tail_may_be_boundary(self, start: int, end: int) -> bool:
        """Whether the body's last bytes could be the start of a boundary ('-', '--x' ...)."""
        buf, token = self._buf, self._token
        longest = min(len(token), end - start + 1)
        return any(buf[end - k:end] == token[:k] for k in range(1, longest))

    def _reject(self, out: list[Part | PartError], reason: str, skip_to: int) -> bool:
        """Report a part that cannot be framed and drop it up to the next boundary."""
        buf = self._buf
        out.append(PartError(reason, bytes(buf[skip_to: skip_to + 200])))
        nxt = buf.find(self._token, len(self._token))
        if nxt >= 0:
            del buf[:nxt]
            return True
        keep = len(self._token) - 1
        del buf[: max(0, len(buf) - keep)]
        return False


def _content_length(headers: dict[str, str]) -> int | None:
    raw = headers.get("content-length")
    if raw is None:
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        return None
    return value if value >= 0 else None

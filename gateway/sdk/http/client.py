"""One device's HTTP client: a session with digest (or basic) auth and Junction's errors.

Cameras (Hikvision ISAPI, Dahua CGI, Axis VAPIX) all speak HTTP with RFC 7616 digest auth,
fail in the same few ways, and must keep one digest state per device (nonce counts, one
challenge for many requests: field-pain-points §1 #10). This module gives each adapter that in
one object: aiohttp's `DigestAuthMiddleware` (aiohttp >= 3.12) does the digest arithmetic and
answers challenges, preemptively after the first; `auth="auto"` also falls back to Basic when a
device only offers Basic (old firmware) and keeps whichever worked. Transport failures become
`DeviceRefused` / `DeviceTimeout` / `DecodeError`, a rejected password `AuthFailed`; every
exchange is summarized in the device's diagnostics (never credentials).

It also tracks how far the device got (`progress`): TCP reached, HTTP answered, credentials
accepted, which camera adapters report as their health level.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Literal

import aiohttp
from aiohttp import hdrs
from aiohttp.client_middlewares import ClientHandlerType, ClientMiddlewareType

from gateway.sdk.diagnostics import Diagnostics
from gateway.sdk.errors import (
    AuthFailed,
    DecodeError,
    DeviceRefused,
    DeviceTimeout,
    JunctionError,
    ProtocolError,
)

__all__ = ["AuthMode", "HttpReply", "HttpDevice", "Progress"]

AuthMode = Literal["auto", "digest", "basic"]


class Progress:
    """How far the device got in the latest exchanges: a refused password or a dead link
    takes it back down, so a failing poll reports where it stopped."""

    __slots__ = ("connected", "answered", "challenged", "authenticated", "open_access")

    def __init__(self) -> None:
        self.connected = False  # a TCP connection was made
        self.answered = False  # some HTTP response came back
        self.challenged = False  # the device asked for credentials (a 401)
        self.authenticated = False  # a request with credentials was accepted
        self.open_access = False  # a request without credentials was answered 2xx

    def lost(self, *, connected: bool) -> None:
        self.connected = connected
        self.answered = self.authenticated = self.open_access = False


@dataclass(slots=True, frozen=True)
class HttpReply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    latency_ms: float

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class HttpDevice:
    """HTTP to one device. Create it once per device; `close()` it when the adapter closes."""

    __slots__ = ("base_url", "_username", "_password", "_auth", "_timeout_s", "_diag",
                 "_max_connections", "_session", "_basic", "progress")

    def __init__(self, base_url: str, username: str | None, password: str | None, *,
                 auth: AuthMode = "auto", timeout_s: float = 5.0,
                 diagnostics: Diagnostics | None = None, max_connections: int = 4) -> None:
        self.base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._auth: AuthMode = auth
        self._timeout_s = timeout_s
        self._diag = diagnostics
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._basic = auth == "basic"
        self.progress = Progress()

    @property
    def has_credentials(self) -> bool:
        return self._username is not None and self._password is not None

    def _new_session(self) -> aiohttp.ClientSession:
        middlewares: list[ClientMiddlewareType] = []
        if self.has_credentials and self._auth != "basic":
            assert self._username is not None and self._password is not None
            middlewares.append(aiohttp.DigestAuthMiddleware(self._username, self._password))
        middlewares.append(self._observe)
        trace = aiohttp.TraceConfig()
        trace.on_connection_create_end.append(self._on_connect)
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._max_connections),
            middlewares=tuple(middlewares),
            trace_configs=[trace], headers={"User-Agent": "Junction"},
            auto_decompress=True)

    async def _on_connect(self, session: aiohttp.ClientSession, ctx: SimpleNamespace,
                          params: aiohttp.TraceConnectionCreateEndParams) -> None:
        self.progress.connected = True

    async def _observe(self, request: aiohttp.ClientRequest,
                       handler: ClientHandlerType) -> aiohttp.ClientResponse:
        """Innermost middleware: sees every attempt, including the digest retry."""
        response = await handler(request)
        progress = self.progress
        progress.connected = progress.answered = True
        sent_auth = hdrs.AUTHORIZATION in request.headers
        if response.status == 401:
            progress.challenged = True
            progress.authenticated = progress.open_access = False
        elif sent_auth:
            progress.authenticated = True
        elif 200 <= response.status < 300:
            progress.open_access = True
        return response

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = self._new_session()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _auth_headers(self, extra: dict[str, str] | None = None) -> dict[str, str] | None:
        """Basic credentials once Basic is the mode (digest is the middleware's job)."""
        headers = dict(extra or {})
        if self._basic and self._username is not None and self._password is not None:
            token = base64.b64encode(f"{self._username}:{self._password}".encode()).decode()
            headers[hdrs.AUTHORIZATION] = f"Basic {token}"
        return headers or None

    # -- requests --------------------------------------------------------------------------
    async def request(self, method: str, path: str, *, body: bytes | None = None,
                      content_type: str | None = None, max_bytes: int = 1024 * 1024,
                      timeout_s: float | None = None) -> HttpReply:
        """One request; any status but 401 comes back as an `HttpReply` for the caller to
        judge. Raises AuthFailed (401 after answering the challenge), DeviceRefused,
        DeviceTimeout, DecodeError (body over `max_bytes` or not HTTP) or ProtocolError."""
        timeout = timeout_s if timeout_s is not None else self._timeout_s
        headers = {"Content-Type": content_type} if content_type else None
        started = time.perf_counter()
        what = f"{method} {path}"
        try:
            async with asyncio.timeout(timeout):
                reply = await self._send(method, path, body, headers, max_bytes, started)
                if reply.status == 401 and self._should_try_basic(reply):
                    self._basic = True
                    reply = await self._send(method, path, body, headers, max_bytes, started)
        except TimeoutError:
            raise self._fail(what, DeviceTimeout(
                f"{what}: no complete answer from {self.base_url} within {timeout} s"),
                started) from None
        except JunctionError as err:
            raise self._fail(what, err, started) from None
        except (aiohttp.ClientError, OSError) as err:
            raise self._fail(what, _wrap(err, what, self.base_url), started) from err
        if reply.status == 401:
            raise self._fail(what, self._auth_failed(what), started)
        self._record(what, "ok", f"{reply.status} {reply.content_type} {len(reply.body)} B: "
                     f"{reply.body[:120]!r}", started)
        return reply

    def _should_try_basic(self, reply: HttpReply) -> bool:
        challenge = reply.headers.get(hdrs.WWW_AUTHENTICATE, "")
        return (self._auth == "auto" and not self._basic and self.has_credentials
                and challenge.lower().startswith("basic"))

    async def _send(self, method: str, path: str, body: bytes | None,
                    headers: dict[str, str] | None, max_bytes: int,
                    started: float) -> HttpReply:
        async with self.session().request(method, self.base_url + path, data=body,
                                          headers=self._auth_headers(headers),
                                          allow_redirects=False) as resp:
            data = await read_limited(resp, max_bytes, f"{method} {path}")
            return HttpReply(resp.status, dict(resp.headers), data,
                             (time.perf_counter() - started) * 1000)

    @asynccontextmanager
    async def stream(self, path: str, *, connect_timeout_s: float | None = None
                     ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A long-lived GET (event streams). Yields the response once its headers are in,
        with no read timeout: the caller watches for silence. Raises as `request`, and
        ProtocolError for any status but 200 (the body's first bytes in the message)."""
        timeout = connect_timeout_s if connect_timeout_s is not None else self._timeout_s
        what = f"GET {path} (stream)"
        started = time.perf_counter()
        client_timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout)
        try:
            async with asyncio.timeout(timeout):
                resp = await self.session().get(self.base_url + path,
                                                headers=self._auth_headers(),
                                                timeout=client_timeout)
        except TimeoutError:
            raise self._fail(what, DeviceTimeout(
                f"{what}: no answer from {self.base_url} within {timeout} s"), started) from None
        except (aiohttp.ClientError, OSError) as err:
            raise self._fail(what, _wrap(err, what, self.base_url), started) from err
        try:
            if resp.status == 401:
                raise self._fail(what, self._auth_failed(what), started)
            if resp.status != 200:
                try:
                    async with asyncio.timeout(timeout):
                        head = await resp.content.read(200)
                except (TimeoutError, aiohttp.ClientError):
                    head = b""
                raise self._fail(what, ProtocolError(
                    f"{what}: HTTP {resp.status} {head!r}",
                    detail={"status": resp.status, "body": head.decode("utf-8", "replace")}),
                    started)
            self._record(what, "ok", f"{resp.status} {resp.headers.get('Content-Type', '')}",
                         started)
            yield resp
        finally:
            resp.close()

    # -- errors and diagnostics ------------------------------------------------------------
    def _auth_failed(self, what: str) -> AuthFailed:
        if not self.has_credentials:
            return AuthFailed(f"{what}: the device asks for credentials and none are "
                              "configured")
        return AuthFailed(f"{what}: the device rejected the credentials for user "
                          f"{self._username!r} (HTTP 401 after answering its challenge)")

    def _fail(self, what: str, err: JunctionError, started: float) -> JunctionError:
        if isinstance(err, DeviceRefused | DeviceTimeout):
            self.progress.lost(connected=isinstance(err, DeviceTimeout) and
                               self.progress.connected)
        self._record(what, err.reason, err.message, started)
        return err

    def _record(self, what: str, outcome: str, response: str, started: float) -> None:
        if self._diag is not None:
            self._diag.record("http", what, outcome, response,
                              (time.perf_counter() - started) * 1000)


async def read_limited(resp: aiohttp.ClientResponse, max_bytes: int, what: str) -> bytes:
    """The whole body, or DecodeError once it passes `max_bytes` (checked as it arrives)."""
    declared = resp.content_length
    if declared is not None and declared > max_bytes:
        raise DecodeError(f"{what}: body of {declared} bytes exceeds the {max_bytes} byte limit")
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise DecodeError(f"{what}: body exceeds the {max_bytes} byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _wrap(err: BaseException, what: str, base_url: str) -> JunctionError:
    """Map an aiohttp/OS error onto Junction's taxonomy."""
    if isinstance(err, aiohttp.ClientConnectorError):
        return DeviceRefused(f"{what}: cannot connect to {base_url}: {err.os_error}")
    if isinstance(err, aiohttp.ServerTimeoutError):
        return DeviceTimeout(f"{what}: {base_url} timed out: {err}")
    if isinstance(err, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError | OSError):
        return DeviceRefused(f"{what}: {base_url} dropped the connection: {err}")
    if isinstance(err, aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return DecodeError(f"{what}: {base_url} sent a malformed HTTP response: {err}")
    return ProtocolError(f"{what}: {base_url}: {type(err).__name__}: {err}")

"""The SOAP transport to one camera: HTTP over a shared aiohttp session, authentication chosen
from the device's own answer and cached, the camera clock tracked, every failure classified.

Authentication (cameras.md §1.4, field-pain-points §1 #1-2): PRE_AUTH operations go without
credentials. For the others the first request goes without credentials too, and the answer
names the scheme: a 401 with a Digest challenge means HTTP Digest, an HTTP 400 SOAP fault
`ter:NotAuthorized` means a WS-UsernameToken device. The scheme that worked is kept for the
device; a later auth fault re-measures the camera clock (WS-UsernameToken `Created` is stamped
in the camera's clock) and retries once, and switches scheme once when the device's answer
names the other one. Never both at once: the Core spec tells clients not to.

Only the configured host and port are ever connected to: device-supplied URLs (XAddrs,
subscription and snapshot addresses) contribute their path and query, nothing else.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

import aiohttp
from aiohttp import DigestAuthMiddleware
from lxml import etree

from adapters.onvif.codec import (
    Fault,
    UnsafeXml,
    addressing,
    build,
    el,
    parse_envelope,
    system_time,
    username_token,
)
from adapters.onvif.const import PRE_AUTH, SERVICE_NS, action
from gateway.sdk import (
    AuthFailed,
    DecodeError,
    DeviceRefused,
    DeviceTimeout,
    Diagnostics,
    ProtocolError,
)

__all__ = ["AuthMode", "FaultError", "SoapClient", "MAX_SOAP_BYTES", "new_session",
           "read_limited"]

MAX_SOAP_BYTES = 2 * 1024 * 1024


class AuthMode(StrEnum):
    NONE = "none"
    DIGEST = "digest"
    WSSE = "wsse"


class FaultError(ProtocolError):
    """The device answered a SOAP fault (other than an authentication fault)."""

    def __init__(self, operation: str, fault: Fault) -> None:
        super().__init__(f"{operation}: device fault {fault}",
                         detail={"fault": str(fault)})
        self.fault = fault


async def new_session() -> aiohttp.ClientSession:
    """One HTTP session for every ONVIF camera: no proxies from the environment, no cookies,
    no total connection cap (each camera keeps a long poll open), a few per camera."""
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=8, keepalive_timeout=30)
    return aiohttp.ClientSession(connector=connector, trust_env=False,
                                 cookie_jar=aiohttp.DummyCookieJar())


async def read_limited(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, or DecodeError once it passes `limit` bytes."""
    chunks, total = [], 0
    async for chunk in resp.content.iter_chunked(65536):
        total += len(chunk)
        if total > limit:
            raise DecodeError(f"device answer exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class _Answer:
    __slots__ = ("status", "body", "fault", "digest_challenge")

    def __init__(self, status: int, body: etree._Element | None, fault: Fault | None,
                 digest_challenge: bool) -> None:
        self.status, self.body, self.fault = status, body, fault
        self.digest_challenge = digest_challenge

    @property
    def auth_refused(self) -> bool:
        return self.status == 401 or (self.fault is not None and self.fault.is_auth)


class SoapClient:
    __slots__ = ("_session", "base", "_username", "_password", "_digest", "mode", "_pinned",
                 "offset", "timeout_s", "_diag", "device_path", "_bounds")

    def __init__(self, session: aiohttp.ClientSession, host: str, port: int,
                 username: str | None, password: str | None, *, timeout_s: float,
                 mode: AuthMode | None, diagnostics: Diagnostics,
                 device_path: str = "/onvif/device_service") -> None:
        self._session = session
        self.device_path = device_path
        self.base = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
        self._username, self._password = username or "", password or ""
        self._digest = DigestAuthMiddleware(self._username, self._password) \
            if username else None
        self.mode: AuthMode | None = mode
        self._pinned = mode is not None
        self.offset = timedelta(0)  # camera clock minus ours
        self._bounds: tuple[float, float] | None = None
        self.timeout_s = timeout_s
        self._diag = diagnostics

    # -- addressing and time ------------------------------------------------------------------

    @staticmethod
    def path(device_uri: str) -> str:
        """Path and query of a device URI; its scheme, host and port are dropped, because
        only the configured endpoint is ever connected to."""
        first = device_uri.split()
        parts = urlsplit(first[0] if first else "/")
        path = "/" + parts.path.lstrip("/")
        return path + (f"?{parts.query}" if parts.query else "")

    def device_now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def note_device_time(self, device_time: datetime, sent: float, received: float) -> None:
        """Update the clock offset from a device time read between `sent` and `received`
        (epoch seconds, our clock). Devices report whole seconds, so a reading T means a
        camera time in [T, T+1) at some moment of the exchange: each reading bounds the
        offset, and the bounds of successive readings are intersected; a reading outside
        them (the camera clock was set or reset) starts over. The estimate tightens to the
        round-trip time within a few polls instead of carrying a 0-1 s truncation error."""
        base = device_time.timestamp()
        lo, hi = base - received, base + 1.0 - sent
        if self._bounds is not None:
            old_lo, old_hi = self._bounds
            if lo <= old_hi and hi >= old_lo:
                lo, hi = max(lo, old_lo), min(hi, old_hi)
        self._bounds = (lo, hi)
        self.offset = timedelta(seconds=(lo + hi) / 2)

    # -- calls --------------------------------------------------------------------------------

    async def call(self, path: str, namespace: str, body: etree._Element, *,
                   to: str | None = None, timeout_s: float | None = None) -> etree._Element:
        """Send one operation to `path` on the configured endpoint and return the response's
        body element. Raises DeviceTimeout, DeviceRefused, AuthFailed, DecodeError,
        FaultError (a SOAP fault) or ProtocolError."""
        operation = etree.QName(body).localname
        creds = bool(self._username)
        if operation in PRE_AUTH or not creds or self.mode in (None, AuthMode.NONE):
            answer = await self._post(path, namespace, body, AuthMode.NONE, to, timeout_s)
            if not answer.auth_refused:
                return self._result(operation, answer)
            if not creds:
                raise AuthFailed(f"{operation}: device wants credentials; none configured")
            if self.mode in (None, AuthMode.NONE) and not self._pinned:
                self.mode = AuthMode.DIGEST if answer.digest_challenge else AuthMode.WSSE
        mode = self.mode or AuthMode.WSSE
        answer = await self._post(path, namespace, body, mode, to, timeout_s)
        if answer.auth_refused and mode == AuthMode.WSSE and \
                operation != "GetSystemDateAndTime":  # no clock to re-read for that one
            before = self.offset
            await self.sync_clock()
            if abs((self.offset - before).total_seconds()) > 1.0:
                answer = await self._post(path, namespace, body, mode, to, timeout_s)
        if answer.auth_refused and not self._pinned:
            other = AuthMode.DIGEST if answer.digest_challenge else AuthMode.WSSE
            if other != mode:
                answer = await self._post(path, namespace, body, other, to, timeout_s)
                mode = other
        if answer.auth_refused:
            reason = str(answer.fault) if answer.fault else f"HTTP {answer.status}"
            raise AuthFailed(f"{operation}: credentials refused ({mode.value}; {reason})",
                             detail={"auth_mode": mode.value})
        self.mode = mode
        return self._result(operation, answer)

    async def sync_clock(self) -> datetime:
        """GetSystemDateAndTime (PRE_AUTH) and the clock offset from it."""
        sent = time.time()
        body = await self.call(self.device_path, SERVICE_NS["device"],
                               el("tds:GetSystemDateAndTime"))
        received = time.time()
        device_time = system_time(body)
        if device_time is None:
            raise ProtocolError("GetSystemDateAndTime carried no usable UTCDateTime")
        self.note_device_time(device_time, sent, received)
        return device_time

    def _result(self, operation: str, answer: _Answer) -> etree._Element:
        if answer.fault is not None:
            raise FaultError(operation, answer.fault)
        if answer.body is None:
            raise ProtocolError(f"{operation}: empty SOAP body (HTTP {answer.status})")
        return answer.body

    async def _post(self, path: str, namespace: str, body: etree._Element, mode: AuthMode,
                    to: str | None, timeout_s: float | None) -> _Answer:
        operation = etree.QName(body).localname
        soap_action = action(namespace, operation)
        header = addressing(soap_action, to) if to is not None else []
        if mode == AuthMode.WSSE:
            header.append(username_token(self._username, self._password, self.device_now()))
        data = build(body, header)
        headers = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{soap_action}"'}
        middlewares = (self._digest,) if mode == AuthMode.DIGEST and self._digest else ()
        started = time.perf_counter()
        outcome = "ok"
        try:
            async with asyncio.timeout(timeout_s or self.timeout_s):
                async with self._session.post(self.base + path, data=data, headers=headers,
                                              middlewares=middlewares,
                                              allow_redirects=False) as resp:
                    status = resp.status
                    challenge = "digest" in resp.headers.get("WWW-Authenticate", "").lower()
                    content = b"" if status == 401 else await read_limited(resp, MAX_SOAP_BYTES)
        except TimeoutError:
            outcome = "timeout"
            raise DeviceTimeout(f"{operation}: no answer within "
                                f"{timeout_s or self.timeout_s} s") from None
        except aiohttp.ClientConnectorError as err:
            outcome = "refused"
            raise DeviceRefused(f"{operation}: cannot connect: {err.os_error}") from err
        except aiohttp.ServerDisconnectedError as err:
            outcome = "protocol_error"
            raise ProtocolError(f"{operation}: device closed the connection") from err
        except aiohttp.ClientError as err:
            outcome = "protocol_error"
            raise ProtocolError(f"{operation}: HTTP failure: {err}") from err
        finally:
            self._diag.record(operation, f"POST {path} ({mode.value})", outcome,
                              "" if outcome == "ok" else outcome,
                              (time.perf_counter() - started) * 1000)
        return self._answer(operation, status, content, challenge)

    def _answer(self, operation: str, status: int, content: bytes, challenge: bool) -> _Answer:
        if status == 401:
            return _Answer(status, None, None, challenge)
        try:
            body, fault = parse_envelope(content)
        except UnsafeXml:
            raise
        except (DecodeError, ProtocolError) as err:
            if status == 200:
                raise
            raise ProtocolError(f"{operation}: HTTP {status} with a body that is not SOAP",
                                detail={"http_status": status}) from err
        if status >= 300 and fault is None:
            raise ProtocolError(f"{operation}: HTTP {status}", detail={"http_status": status})
        return _Answer(status, body, fault, challenge)

    async def get(self, device_uri: str, max_bytes: int,
                  timeout_s: float | None = None) -> tuple[str, bytes]:
        """HTTP GET of a device URI (a snapshot) on the configured endpoint, with Digest when
        there are credentials. Returns (content type, body). Raises as `call` does."""
        url = self.base + self.path(device_uri)
        middlewares = (self._digest,) if self._digest else ()
        try:
            async with asyncio.timeout(timeout_s or self.timeout_s):
                async with self._session.get(url, middlewares=middlewares,
                                             allow_redirects=False) as resp:
                    if resp.status == 401:
                        raise AuthFailed("snapshot: credentials refused")
                    if resp.status != 200:
                        raise ProtocolError(f"snapshot: HTTP {resp.status}")
                    return resp.content_type, await read_limited(resp, max_bytes)
        except TimeoutError:
            raise DeviceTimeout("snapshot: no answer in time") from None
        except aiohttp.ClientConnectorError as err:
            raise DeviceRefused(f"snapshot: cannot connect: {err.os_error}") from err
        except aiohttp.ClientError as err:
            raise ProtocolError(f"snapshot: HTTP failure: {err}") from err

"""What every HTTP camera adapter repeats, so a vendor's adapter holds only its own paths and
parsing: one `HttpDevice` per camera built from its `devices:` entry, the health level from
how far that client got, the level added to every failed open or poll, and preset lookup.

`HttpCamera` is a base class: a subclass writes `_open` and `_read` (and `_read_presets` when
it has PTZ), and keeps `_streams`, `_presets` and `_has_ptz` up to date. `device_client` is the
client alone, for adapters that need nothing else (enforcement cameras).
"""

from __future__ import annotations

from typing import ClassVar

from gateway.model import MediaStream
from gateway.sdk.adapter import AdapterContext, DeviceIdentity, Reading
from gateway.sdk.errors import InvalidArguments, JunctionError
from gateway.sdk.http.client import AuthMode, HttpDevice

__all__ = ["HttpCamera", "device_client", "url_host"]


def url_host(host: str) -> str:
    """`host` as it goes in a URL: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def device_client(context: AdapterContext, auth: AuthMode, *,
                  max_connections: int = 4) -> HttpDevice:
    """The device's `HttpDevice`: http://host:port (port 80 unless configured), its
    credentials, `poll.timeout_s` as each request's deadline, its diagnostics."""
    dev = context.device
    creds = dev.credentials
    return HttpDevice(
        f"http://{url_host(dev.endpoint.host)}:{context.port or 80}",
        creds.username if creds else None, creds.secret() if creds else None,
        auth=auth, timeout_s=dev.poll.timeout_s, diagnostics=context.diagnostics,
        max_connections=max_connections)


class HttpCamera:
    """Base of an HTTP camera adapter: client, health level, open/read/close, presets."""

    MAX_CONNECTIONS: ClassVar[int] = 4  # per camera; a small CGI server may want fewer

    def __init__(self, context: AdapterContext, auth: AuthMode) -> None:
        self._ctx = context
        self._auth: AuthMode = auth
        self._http: HttpDevice | None = None
        self._streams: list[MediaStream] = []
        self._presets: dict[int, str] = {}  # preset id/number -> name
        self._has_ptz = False

    def _client(self) -> HttpDevice:
        if self._http is None:
            self._http = device_client(self._ctx, self._auth,
                                       max_connections=self.MAX_CONNECTIONS)
        return self._http

    def _level(self) -> str:
        progress = self._client().progress
        if progress.authenticated or progress.open_access:
            return "stream_uri_obtained" if self._streams else "authenticated"
        if progress.answered:
            return "answers_without_auth"
        return "reachable" if progress.connected else "unreachable"

    def _rtsp_base(self, port: int | str) -> str:
        """`rtsp://host:port` of this camera (no credentials, ever)."""
        return f"rtsp://{url_host(self._ctx.device.endpoint.host)}:{port}"

    # -- lifecycle --------------------------------------------------------------------------
    async def open(self) -> DeviceIdentity:
        try:
            return await self._open()
        except JunctionError as err:
            err.detail.setdefault("level", self._level())
            raise

    async def read(self) -> Reading:
        try:
            return await self._read()
        except JunctionError as err:
            err.detail.setdefault("level", self._level())
            raise

    async def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    async def _open(self) -> DeviceIdentity:
        """Identify the camera and read what rarely changes (streams, presets)."""
        raise NotImplementedError

    async def _read(self) -> Reading:
        """One poll."""
        raise NotImplementedError

    async def _read_presets(self) -> None:
        """Refresh `_presets` (and `_has_ptz`)."""
        raise NotImplementedError

    # -- presets ----------------------------------------------------------------------------
    async def _find_preset(self, wanted: str) -> int:
        """The preset whose id or name (any case) is `wanted`, reading the list again once
        (someone may have added it on the camera). Raises InvalidArguments."""
        for attempt in range(2):
            for ident, name in self._presets.items():
                if wanted == str(ident) or wanted.casefold() == name.casefold():
                    return ident
            if attempt == 0:
                await self._read_presets()
        raise InvalidArguments(f"no preset {wanted!r} on this camera (known: "
                               f"{', '.join(self._presets.values()) or 'none'})",
                               detail={"presets": list(self._presets.values())})

"""Asyncio SNMP v1/v2c client: one instance serves every device the gateway polls.

Why this shape: per-device sockets do not scale to thousands of devices, and one socket with
unbounded requests in flight loses datagrams (pysnmp 7 loses everything past ~126). So: a small
pool of unconnected UDP sockets with large receive buffers, a bound on in-flight requests per
socket, and responses matched by request id *and* source address. Timeouts are timer handles on
the loop (no task per request); every exit path (reply, timeout, cancellation, close) removes the
pending entry, so nothing leaks and nothing hangs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Self, TypeVar

from gateway.sdk.errors import ConfigError, ProtocolError
from gateway.sdk.snmp.ber import SnmpDecodeError
from gateway.sdk.snmp.exceptions import (
    SnmpClientClosed,
    SnmpErrorStatus,
    SnmpTimeout,
    raise_for_status,
)
from gateway.sdk.snmp.message import (
    OID,
    ErrorStatus,
    Message,
    PduType,
    Tag,
    VarBind,
    decode_message,
    encode_message,
    format_oid,
)
from gateway.sdk.snmp.response import GetResponse, response_id
from gateway.sdk.snmp.template import RequestTemplate

__all__ = [
    "SnmpClient",
    "SnmpClientClosed",
    "SnmpErrorStatus",
    "SnmpTimeout",
    "raise_for_status",
]

Addr = tuple[str, int]
T = TypeVar("T")
_RCVBUF = 4 * 1024 * 1024
_ID_LIMIT = 1 << 31
_TEMPLATE_CACHE_MAX = 4096
_ERROR_MEMORY_MAX = 4096


def _expire(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_result(None)  # None = timed out; the waiter builds the exception


class _Endpoint(asyncio.DatagramProtocol):
    """One UDP socket of the pool: its pending requests, id counter and in-flight bound."""

    def __init__(self, client: SnmpClient, max_in_flight: int) -> None:
        self.client = client
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[Addr, asyncio.Future[Any], Callable[[bytes], Any]]] = {}
        self.sem = asyncio.Semaphore(max_in_flight)
        self.load = 0
        self.next_id = random.randrange(1, _ID_LIMIT)

    def allocate_id(self) -> int:
        rid = self.next_id
        while rid in self.pending:
            rid = rid + 1 if rid + 1 < _ID_LIMIT else 1
        self.next_id = rid + 1 if rid + 1 < _ID_LIMIT else 1
        return rid

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        """Route the datagram to its request by request-id and source, then decode it with
        that request's decoder. An undecodable datagram is counted and remembered; the
        request keeps waiting (a good answer may still come)."""
        client = self.client
        stats = client.stats
        source = (str(addr[0]), int(addr[1]))
        rid = response_id(data)
        if rid is None:  # an unusual header: the full decoder decides what it is
            try:
                msg = decode_message(data)
            except SnmpDecodeError as err:
                stats["decode_errors"] += 1
                client._note_decode_error(source, str(err))
                return
            if msg.pdu_type != PduType.RESPONSE:
                stats["dropped"] += 1
                return
            rid = msg.request_id
        entry = self.pending.get(rid)
        if entry is None or entry[0] != source or entry[1].done():
            stats["dropped"] += 1
            return
        try:
            result = entry[2](data)
        except SnmpDecodeError as err:
            stats["decode_errors"] += 1
            client._note_decode_error(source, str(err))
            return
        except ProtocolError as err:
            stats["received"] += 1
            entry[1].set_exception(err)
            return
        stats["received"] += 1
        entry[1].set_result(result)

    def error_received(self, exc: Exception) -> None:
        key = "refused" if isinstance(exc, ConnectionRefusedError) else "socket_errors"
        self.client.stats[key] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail_all()

    def fail_all(self) -> None:
        for _, fut, _ in list(self.pending.values()):
            if not fut.done():
                fut.set_exception(SnmpClientClosed("SNMP client closed"))


class SnmpClient:
    """One client for many devices: a small pool of UDP sockets (default 4), request-id
    demultiplexing, a bound on in-flight requests per socket (default 64, asyncio.Semaphore),
    SO_RCVBUF raised (try 4 MiB), retries=0.

    `timeout_s` counts from the moment the request is sent; waiting for a free in-flight slot
    is not included (wrap calls in `asyncio.timeout` for an overall deadline). If a datagram
    from the device failed to decode while a request to it was waiting, that request's timeout
    is reported as SnmpDecodeError (reason "decode_error") instead of SnmpTimeout (turn off
    with decode_error_on_timeout=False). Use local_host="0.0.0.0" to reach non-loopback devices.
    """

    def __init__(
        self,
        *,
        sockets: int = 4,
        max_in_flight_per_socket: int = 64,
        local_host: str = "127.0.0.1",
        decode_error_on_timeout: bool = True,
    ) -> None:
        if sockets < 1 or max_in_flight_per_socket < 1:
            raise ConfigError("sockets and max_in_flight_per_socket must be >= 1")
        self._n_sockets = sockets
        self._max_in_flight = max_in_flight_per_socket
        self._local_host = local_host
        self._family = socket.AF_INET6 if ":" in local_host else socket.AF_INET
        self._endpoints: list[_Endpoint] = []
        self._started = False
        self._closed = False
        self._hosts: dict[str, str] = {}
        self._templates: dict[tuple[int, bytes, int, tuple[OID, ...]], RequestTemplate] = {}
        self._decode_errors: dict[Addr, tuple[float, str]] = {}
        self._decode_error_on_timeout = decode_error_on_timeout
        self.rcvbuf_bytes = 0
        self.stats: dict[str, int] = dict.fromkeys(
            ("sent", "received", "timeouts", "dropped", "decode_errors", "refused",
             "socket_errors"), 0
        )

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Open the socket pool. Idempotent; a client cannot be restarted after close()."""
        if self._started:
            return
        self._started = True
        try:
            for _ in range(self._n_sockets):
                self._endpoints.append(await self._open_endpoint())
        except BaseException:
            await self.close()
            raise

    async def _open_endpoint(self) -> _Endpoint:
        sock = socket.socket(self._family, socket.SOCK_DGRAM)
        try:
            for opt in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
                if opt is None:
                    continue
                try:  # SO_RCVBUFFORCE passes net.core.rmem_max when privileged
                    sock.setsockopt(socket.SOL_SOCKET, opt, _RCVBUF)
                    break
                except OSError:
                    continue
            sock.bind((self._local_host, 0))
            sock.setblocking(False)
            self.rcvbuf_bytes = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            endpoint = _Endpoint(self, self._max_in_flight)
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: endpoint, sock=sock
            )
        except BaseException:
            sock.close()
            raise
        endpoint.transport = transport
        return endpoint

    async def close(self) -> None:
        """Idempotent. Pending requests fail with SnmpClientClosed."""
        self._closed = True
        endpoints, self._endpoints = self._endpoints, []
        for endpoint in endpoints:
            endpoint.fail_all()
            if endpoint.transport is not None:
                endpoint.transport.close()
        await asyncio.sleep(0)  # let transports finish closing

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def pending_count(self) -> int:
        return sum(len(e.pending) for e in self._endpoints)

    def local_addresses(self) -> list[Addr]:
        out: list[Addr] = []
        for e in self._endpoints:
            if e.transport is not None:
                name = e.transport.get_extra_info("sockname")
                out.append((str(name[0]), int(name[1])))
        return out

    # ----------------------------------------------------------------- core

    async def request(
        self,
        host: str,
        port: int,
        message: Message | RequestTemplate,
        *,
        timeout_s: float = 2.0,
    ) -> Message:
        """Send `message` (its request_id is replaced) and await the matching response.

        Returns the response even when its error-status is non-zero (see raise_for_status).
        Raises SnmpTimeout, SnmpDecodeError, SnmpClientClosed, SnmpEncodeError, ConfigError.
        """
        encode: Callable[[int], bytes]
        if isinstance(message, RequestTemplate):
            encode = message.encode
        else:
            def encode(rid: int) -> bytes:
                return encode_message(replace(message, request_id=rid))
        result: Message = await self._exchange(host, port, encode, _decode_response,
                                               timeout_s)
        return result

    async def _exchange(self, host: str, port: int, encode: Callable[[int], bytes],
                        decode: Callable[[bytes], T], timeout_s: float) -> T:
        """Send encode(request_id) and await the answer from (host, port), decoded by
        `decode` (which may raise SnmpDecodeError or ProtocolError)."""
        ip = self._hosts.get(host)
        if ip is None:
            ip = await self._resolve(host)
        if self._closed or not self._endpoints:
            raise SnmpClientClosed("SNMP client is not running")
        addr = (ip, port)
        endpoint = min(self._endpoints, key=_load)
        loop = asyncio.get_running_loop()
        endpoint.load += 1
        try:
            async with endpoint.sem:
                transport = endpoint.transport
                if self._closed or transport is None or transport.is_closing():
                    raise SnmpClientClosed("SNMP client closed")
                rid = endpoint.allocate_id()
                data = encode(rid)
                fut: asyncio.Future[T | None] = loop.create_future()
                endpoint.pending[rid] = (addr, fut, decode)
                started = loop.time()
                handle = loop.call_later(timeout_s, _expire, fut)
                try:
                    transport.sendto(data, addr)
                    self.stats["sent"] += 1
                    result = await fut
                finally:
                    handle.cancel()
                    del endpoint.pending[rid]
        finally:
            endpoint.load -= 1
        if result is None:
            self.stats["timeouts"] += 1
            bad = self._decode_errors.get(addr) if self._decode_error_on_timeout else None
            if bad is not None and bad[0] >= started:
                raise SnmpDecodeError(
                    f"undecodable response from {ip}:{port}: {bad[1]}",
                    detail={"host": ip, "port": port},
                )
            raise SnmpTimeout(
                f"no SNMP response from {ip}:{port} within {timeout_s:g} s",
                detail={"host": ip, "port": port, "timeout_s": timeout_s},
            )
        return result

    def _note_decode_error(self, source: Addr, text: str) -> None:
        if len(self._decode_errors) >= _ERROR_MEMORY_MAX:
            self._decode_errors.clear()
        self._decode_errors[source] = (asyncio.get_running_loop().time(), text)

    async def _resolve(self, host: str) -> str:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, None, family=self._family, type=socket.SOCK_DGRAM
                )
            except OSError as err:
                raise ConfigError(f"cannot resolve SNMP host {host!r}: {err}") from err
            ip = ipaddress.ip_address(str(infos[0][4][0]))
        if (ip.version == 6) != (self._family == socket.AF_INET6):
            raise ConfigError(f"host {host!r} is IPv{ip.version}, client sockets are not")
        text = str(ip)
        if len(self._hosts) >= 65536:
            self._hosts.clear()
        self._hosts[host] = text
        return text

    def template(
        self, version: int, community: bytes, pdu_type: int, oids: Sequence[OID]
    ) -> RequestTemplate:
        """A cached RequestTemplate (what get() uses); handy for pollers."""
        key = (version, community, pdu_type, tuple(oids))
        tmpl = self._templates.get(key)
        if tmpl is None:
            if len(self._templates) >= _TEMPLATE_CACHE_MAX:
                self._templates.clear()
            tmpl = self._templates[key] = RequestTemplate(version, community, pdu_type, key[3])
        return tmpl

    # ----------------------------------------------------------------- operations

    async def get(
        self, host: str, port: int, community: bytes, oids: Sequence[OID], *,
        version: int = 1, timeout_s: float = 2.0,
    ) -> Message:
        tmpl = self.template(version, community, PduType.GET, oids)
        return await self.request(host, port, tmpl, timeout_s=timeout_s)

    async def get_values(
        self, host: str, port: int, community: bytes, oids: Sequence[OID], *,
        version: int = 1, timeout_s: float = 2.0,
    ) -> GetResponse:
        """GET, answered in columns aligned with `oids` (the poller's path: no VarBind
        objects; see gateway/sdk/snmp/response.py). A response naming other OIDs raises
        ProtocolError."""
        tmpl = self.template(version, community, PduType.GET, oids)
        return await self._exchange(host, port, tmpl.encode, tmpl.decode_response, timeout_s)

    async def get_next(
        self, host: str, port: int, community: bytes, oids: Sequence[OID], *,
        version: int = 1, timeout_s: float = 2.0,
    ) -> Message:
        msg = Message(version, community, PduType.GET_NEXT, 0, 0, 0,
                      tuple(VarBind(tuple(o)) for o in oids))
        return await self.request(host, port, msg, timeout_s=timeout_s)

    async def get_bulk(
        self, host: str, port: int, community: bytes, oids: Sequence[OID], *,
        non_repeaters: int = 0, max_repetitions: int = 10, timeout_s: float = 2.0,
    ) -> Message:
        """GETBULK (v2c only)."""
        msg = Message(1, community, PduType.GET_BULK, 0, non_repeaters, max_repetitions,
                      tuple(VarBind(tuple(o)) for o in oids))
        return await self.request(host, port, msg, timeout_s=timeout_s)

    async def set(
        self, host: str, port: int, community: bytes, varbinds: Sequence[VarBind], *,
        version: int = 1, timeout_s: float = 2.0,
    ) -> Message:
        msg = Message(version, community, PduType.SET, 0, 0, 0, tuple(varbinds))
        return await self.request(host, port, msg, timeout_s=timeout_s)

    async def walk(
        self, host: str, port: int, community: bytes, root: OID, *,
        version: int = 1, timeout_s: float = 2.0, max_rows: int = 10000,
        max_repetitions: int = 0,
    ) -> list[VarBind]:
        """All varbinds under `root`, by GETNEXT (or GETBULK when v2c and max_repetitions > 0).

        Stops at the end of the subtree, endOfMibView, v1 noSuchName, or after `max_rows` rows
        (the result is then exactly max_rows long). A non-increasing OID raises ProtocolError;
        other error statuses raise SnmpErrorStatus.
        """
        root = tuple(root)
        rows: list[VarBind] = []
        current = root
        depth = len(root)
        while len(rows) < max_rows:
            if version == 1 and max_repetitions > 0:
                resp = await self.get_bulk(host, port, community, [current],
                                           max_repetitions=max_repetitions, timeout_s=timeout_s)
            else:
                resp = await self.get_next(host, port, community, [current], version=version,
                                           timeout_s=timeout_s)
            if resp.error_status:
                if version == 0 and resp.error_status == ErrorStatus.NO_SUCH_NAME:
                    return rows
                raise_for_status(resp)
            if not resp.varbinds:
                raise ProtocolError(f"empty GETNEXT/GETBULK response from {host}:{port}")
            for vb in resp.varbinds:
                if vb.tag >= Tag.NO_SUCH_OBJECT or vb.oid[:depth] != root:
                    return rows
                if vb.oid <= current:
                    raise ProtocolError(
                        f"agent {host}:{port} returned non-increasing OID {format_oid(vb.oid)}"
                    )
                rows.append(vb)
                current = vb.oid
                if len(rows) >= max_rows:
                    break
        return rows


def _load(endpoint: _Endpoint) -> int:
    return endpoint.load


def _decode_response(data: bytes) -> Message:
    msg = decode_message(data)
    if msg.pdu_type != PduType.RESPONSE:  # routed by a header that only looked like one
        raise SnmpDecodeError(f"expected a RESPONSE PDU, got 0x{msg.pdu_type:02x}")
    return msg

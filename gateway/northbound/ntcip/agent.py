"""The NTCIP 1202 SNMP v1/v2c agent: every controller behind the gateway as a standard device.

Why: central systems that speak NTCIP (and tools like snmpwalk) can read any brand the gateway
knows, and call patterns, with no change on their side. The community selects the device,
`<community>@<device-id>` (`public@ctl-main-1st`); a plain `<community>` sees only the gateway's
own system group. Reads are answered synchronously from a snapshot of the state cache (one
datagram, one snapshot; never a device round trip). A SET needs a write community, runs as a
task through `Gateway.execute` (see setter.py) and is audited under that community's actor; a
client's retransmission of a SET still in flight is not run twice, and gets the same answer.

Requests with an unknown community are dropped without an answer, as SNMP agents do (counted in
junction_northbound_errors_total{reason="bad_community"}).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from gateway.northbound.config import NtcipAgentConfig
from gateway.northbound.metrics import NorthboundMetrics
from gateway.northbound.ntcip import oids as O
from gateway.northbound.ntcip.responder import error_response, respond_read, success_echo
from gateway.northbound.ntcip.setter import apply_set, check_set, command_for
from gateway.northbound.ntcip.view import MibSnapshot, device_view, gateway_view
from gateway.registry import DeviceRuntime
from gateway.sdk.errors import NotFound
from gateway.sdk.snmp import ErrorStatus, Message, PduType, SnmpDecodeError, decode_message
from gateway.service import Gateway

__all__ = ["NtcipAgent"]

log = logging.getLogger(__name__)

PROTOCOL = "ntcip"
SET_MEMORY_S = 60.0  # how long a SET's answer is kept for retransmissions
MAX_SETS_IN_FLIGHT = 64  # more at once are answered resourceUnavailable (v1 genErr)
MAX_SETS_REMEMBERED = 4096
_KINDS = {PduType.GET: "get", PduType.GET_NEXT: "getnext", PduType.GET_BULK: "getbulk",
          PduType.SET: "set"}
Address = tuple[str | Any, ...]


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, agent: NtcipAgent) -> None:
        self.agent = agent

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.agent.datagram(data, addr)

    def error_received(self, exc: Exception) -> None:  # ICMP from a vanished client
        log.debug("event=snmp_socket_error error=%s", exc)


class NtcipAgent:
    __slots__ = ("_gw", "_config", "_metrics", "_read", "_writers", "_transport", "_tasks",
                 "_sets", "_patterns")

    def __init__(self, gateway: Gateway, config: NtcipAgentConfig,
                 metrics: NorthboundMetrics) -> None:
        self._gw = gateway
        self._config = config
        self._metrics = metrics
        self._read = config.read_community.get_secret_value().encode()
        self._writers = {w.secret().encode(): w.actor for w in config.write_communities}
        self._transport: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._sets: dict[tuple[Address, bytes, int], tuple[float, bytes | None]] = {}
        self._patterns: dict[str, dict[int, tuple[int, int]]] = {}

    async def start(self) -> tuple[str, int]:
        """Bind the UDP socket; returns the bound (host, port). Raises OSError."""
        if self._transport is not None:
            raise RuntimeError("NtcipAgent.start() called twice; call close() first")
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(self._config.host, self._config.port))
        self._transport = transport
        name = transport.get_extra_info("sockname")
        log.info("event=ntcip_agent_started address=%s:%s", name[0], name[1])
        return str(name[0]), int(name[1])

    async def close(self) -> None:
        transport, self._transport = self._transport, None
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        if transport is not None:
            transport.close()

    # -- dispatch ------------------------------------------------------------------------------

    def datagram(self, data: bytes, addr: Address) -> None:
        try:
            req = decode_message(data)
        except SnmpDecodeError:
            self._metrics.error(PROTOCOL, "malformed")
            return
        kind = _KINDS.get(PduType(req.pdu_type)) if req.pdu_type in _KINDS else None
        if kind is None or (req.pdu_type == PduType.GET_BULK and req.version == 0):
            self._metrics.error(PROTOCOL, "unsupported_pdu")
            return
        base, sep, device = req.community.rpartition(b"@")
        if not sep:
            base, device = req.community, b""
        actor = self._writers.get(base)
        if base != self._read and actor is None:
            self._metrics.error(PROTOCOL, "bad_community")
            return
        self._metrics.request(PROTOCOL, kind)
        try:
            self._serve(req, addr, kind, device, actor)
        except Exception:  # a bug must cost one answer, never the agent
            log.exception("event=snmp_request_failed kind=%s", kind)
            self._metrics.error(PROTOCOL, "internal")
            self._send(error_response(req, ErrorStatus.GEN_ERR, 0), addr)

    def _serve(self, req: Message, addr: Address, kind: str, device: bytes,
               actor: str | None) -> None:
        rt: DeviceRuntime | None = None
        now = time.time()
        if not device:
            view = gateway_view(self._gw.started_at, now)
        else:
            try:
                rt = self._gw.registry.get(device.decode("utf-8", "replace"))
            except NotFound:
                self._metrics.error(PROTOCOL, "unknown_device")
                view = MibSnapshot({})
            else:
                view = self._device_view(rt, now)
        if kind != "set":
            self._send(respond_read(req, view, self._config.max_response_bytes), addr)
        elif actor is None:
            self._refuse_read_only_set(req, addr, rt)
        else:
            self._start_set(req, addr, rt, view, actor)

    def _device_view(self, rt: DeviceRuntime, now: float) -> MibSnapshot:
        backup = self._gw.loaded.options.get(rt.id, {}).get("backup_time_s")
        return device_view(rt, now=now, started_at=self._gw.started_at,
                           backup_time_s=backup if isinstance(backup, int) else None,
                           patterns=self._patterns.setdefault(rt.id, {}))

    def _send(self, data: bytes, addr: Address) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.sendto(data, addr)

    # -- SET -----------------------------------------------------------------------------------

    def _refuse_read_only_set(self, req: Message, addr: Address, rt: DeviceRuntime | None) -> None:
        self._metrics.error(PROTOCOL, "read_only_community")
        self._send(error_response(req, ErrorStatus.NO_ACCESS, 1), addr)
        pattern_sets = [vb for vb in req.varbinds if vb.oid == O.SYSTEM_PATTERN_CONTROL]
        if rt is not None and pattern_sets and len(self._tasks) < MAX_SETS_IN_FLIGHT:
            value = pattern_sets[0].value
            name = command_for(value)[0] if isinstance(value, int) and 0 <= value <= 255 \
                else "set_pattern"
            self._spawn(self._gw.audit_denied(rt.id, name, "unauthorized",
                                              "SNMP SET with a read-only community"))

    def _start_set(self, req: Message, addr: Address, rt: DeviceRuntime | None,
                   view: MibSnapshot, actor: str) -> None:
        status, index = check_set(req, view)
        if status or rt is None:
            self._metrics.error(PROTOCOL, "set_refused")
            self._send(error_response(req, status or ErrorStatus.NO_CREATION, index or 1), addr)
            return
        now = time.monotonic()
        for key in [k for k, (at, _) in self._sets.items() if now - at > SET_MEMORY_S]:
            del self._sets[key]
        key = (addr, req.community, req.request_id)
        seen = self._sets.get(key)
        if seen is not None:  # a retransmission: answer again, never run twice
            if seen[1] is not None:
                self._send(seen[1], addr)
            return
        if len(self._tasks) >= MAX_SETS_IN_FLIGHT or len(self._sets) >= MAX_SETS_REMEMBERED:
            self._metrics.error(PROTOCOL, "overloaded")
            self._send(error_response(req, ErrorStatus.RESOURCE_UNAVAILABLE, 1), addr)
            return
        self._sets[key] = (now, None)
        self._spawn(self._finish_set(req, addr, rt, actor, key))

    async def _finish_set(self, req: Message, addr: Address, rt: DeviceRuntime, actor: str,
                          key: tuple[Address, bytes, int]) -> None:
        try:
            status, index = await apply_set(self._gw, rt, req, actor)
        except Exception:
            log.exception("device=%s event=snmp_set_error", rt.id)
            status, index = ErrorStatus.GEN_ERR, 1
        if status:
            self._metrics.error(PROTOCOL, "command_failed")
            out = error_response(req, status, index)
        else:
            out = success_echo(req)
        self._sets[key] = (time.monotonic(), out)
        self._send(out, addr)

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

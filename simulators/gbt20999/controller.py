"""One simulated GB/T 20999-2017 controller: a SignalEngine, its object face, TCP and UDP.

It answers queries (0x10 -> 0x20, or 0x21 naming the values it lacks), applies sets (0x30 ->
0x40 / 0x41 with an error status per value), answers heartbeats (0x70 -> 0x80, or 0x71 in the
vendor mode of pitfall 19), and sends active reports (0x60) to every connected center when the
run mode, plan or stage changes and when a fault appears. Field quirks are options (CRC
variant, Length reading, escaping on UDP, the reply status byte); faults are hooks on the face,
never edits to the engine: bad CRC, truncated frames, bad escapes, latency, silence, dropped
connections, a GB 25280 reply, refused sets.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal

from simulators.engine.config import ControllerConfig
from simulators.engine.signal import SignalEngine
from simulators.gbt20999.face import Gbt20999Face
from simulators.gbt20999.wire import Item, Message, Splitter, WireError, WireFormat

__all__ = ["Gbt20999SimOptions", "Gbt20999Faults", "SimulatedGbt20999Controller"]

log = logging.getLogger(__name__)
QUERY, SET, TRAP, HEARTBEAT = 0x10, 0x30, 0x60, 0x70
MAX_DATA = 251
GB25280_FRAME = bytes.fromhex("c0 20 10 20 01 01 00 00 83 03 01 00 31 c0")


@dataclass(frozen=True, slots=True)
class Gbt20999SimOptions:
    """Framing and behaviour of the simulated controller (one vendor's choices)."""

    crc_poly: int = 0x1005
    crc_init: int = 0x0000
    crc_reflect: bool = False
    crc_xorout: int = 0x0000
    length_mode: Literal["with_length_field", "between_delimiters"] = "with_length_field"
    escape_udp: bool = False
    heartbeat_reply: int = 0x80  # 0x71: the vendor variant
    heartbeat_s: float = 0.0  # > 0: the controller also sends heartbeat queries
    traps: bool = True
    link_timeout_s: float = 60.0
    controller_id: int | None = None
    version: int = 0x0102
    split_tables: bool = False  # answer "all elements" with one value per element
    element_queries_only: bool = False  # refuse element 0 ("all") on tables, as some do
    missing: frozenset[tuple[int, int, int]] = frozenset()
    tick_s: float = 0.25

    def wire(self, escaped: bool) -> WireFormat:
        return WireFormat(self.crc_poly, self.crc_init, self.crc_reflect, self.crc_xorout,
                          self.length_mode == "between_delimiters", escaped)


@dataclass(slots=True)
class Gbt20999Faults:
    """Switch on at run time; each is checked per reply."""

    silent: bool = False
    latency_s: float = 0.0
    bad_crc: bool = False
    truncate: bool = False
    bad_escape: bool = False  # TCP only: a 0x5C before an ordinary byte
    status_byte: bool = False  # 0x00 in front of every query-reply value (pitfall 21)
    gb25280: bool = False  # answer with a GB 25280-2016 frame (pitfall 22)
    drop_connection: bool = False  # close the TCP connection instead of answering
    refuse_sets: int | None = None  # error status for every set (0x50 control failed ...)


@dataclass(slots=True)
class _Peer:
    send: Callable[[bytes], None]
    wire: WireFormat
    tcp: bool
    intersection: int = 1
    center: int = 1
    last_rx: float = 0.0


class SimulatedGbt20999Controller:
    def __init__(self, config: ControllerConfig, *, seed: int = 0,
                 options: Gbt20999SimOptions | None = None,
                 transport: Literal["tcp", "udp", "both"] = "both",
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.options = options or Gbt20999SimOptions()
        self.transport = transport
        self.clock = clock
        self.engine = SignalEngine(config, clock(), seed)
        self.face = Gbt20999Face(self.engine, controller_id=self.options.controller_id,
                                 link_timeout_s=self.options.link_timeout_s, clock=clock)
        self.faults = Gbt20999Faults()
        self.address: tuple[str, int] | None = None
        self.received = 0
        self.rejected = 0  # frames dropped (bad CRC, Length, escape ...)
        self.traps_sent = 0
        self.heartbeats_answered = 0  # the center's replies to our heartbeat queries
        self._tcp: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._peers: dict[object, _Peer] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._conns: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._last_rx = clock()  # the simulator's clock, so tests can move it
        self._last_hb = time.monotonic()
        self._snapshot: tuple[int, ...] = ()
        self._faults_seen: list[tuple[int, int]] = []
        self._in_backup = False
        self._seq = 0

    @property
    def port(self) -> int:
        if self.address is None:
            raise RuntimeError("call start() first")
        return self.address[1]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen on TCP and/or UDP; with both, on the same port number (a free one if 0)."""
        loop = asyncio.get_running_loop()
        for attempt in range(20):
            chosen = port
            if self.transport in ("tcp", "both"):
                self._tcp = await asyncio.start_server(self._serve_tcp, host, port)
                chosen = self._tcp.sockets[0].getsockname()[1]
            if self.transport in ("udp", "both"):
                try:
                    self._udp, _ = await loop.create_datagram_endpoint(
                        lambda: _Datagrams(self), local_addr=(host, chosen))
                except OSError:  # the TCP port number is taken for UDP: try another
                    if self._tcp is None or port or attempt == 19:
                        raise
                    self._tcp.close()
                    await self._tcp.wait_closed()
                    continue
                chosen = self._udp.get_extra_info("sockname")[1]
            break
        self.address = (host, chosen)
        self._ticker = asyncio.create_task(self._tick(), name=f"gbt20999-sim:{self.config.id}")
        return self.address

    async def close(self) -> None:
        if self._tcp is not None:
            self._tcp.close()
        for key in list(self._peers):  # TCP handlers end when their connection closes
            if isinstance(key, asyncio.StreamWriter):
                key.close()
        if self._conns:  # cancelling a start_server handler trips an asyncio 3.11 callback
            await asyncio.wait(self._conns, timeout=2.0)
        tasks = [t for t in (self._ticker, *self._tasks, *self._conns) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            await self._tcp.wait_closed()
        self._peers.clear()

    def reboot(self) -> None:
        self.engine.reboot(self.clock())

    def add_fault(self, kind: int, action: int = 0, *, persistent: bool = True) -> None:
        """A fault record (16.2): kept in the table if persistent, and reported at once."""
        if persistent:
            self.face.fault_log.append((kind, action))
            self._faults_seen = self.face.faults()
        self._report([Item(16, 2, 2, 1, bytes([kind])), Item(16, 2, 4, 1, bytes([action]))])

    # -- serving -----------------------------------------------------------------------------

    async def _serve_tcp(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._conns.add(task)
        peer = _Peer(writer.write, self.options.wire(True), True)
        self._peers[writer] = peer
        splitter = Splitter()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                for raw in splitter.feed(data):
                    if not await self._respond(raw, peer):
                        return
        except OSError:
            pass
        finally:
            self._peers.pop(writer, None)
            writer.close()
            if task is not None:
                self._conns.discard(task)

    def _datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        udp = self._udp
        if udp is None:
            return
        peer = self._peers.get(addr)
        if peer is None:
            peer = self._peers[addr] = _Peer(lambda b: udp.sendto(b, addr),
                                             self.options.wire(self.options.escape_udp), False,
                                             last_rx=self.clock())
        task = asyncio.get_running_loop().create_task(self._respond(data, peer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _respond(self, raw: bytes, peer: _Peer) -> bool:
        """Handle one frame; False closes the connection."""
        fmt = peer.wire
        try:
            msg = fmt.parse(raw)
        except WireError:
            self.rejected += 1
            return True
        self.received += 1
        self._last_rx = peer.last_rx = self.clock()
        peer.intersection, peer.center = msg.intersection, msg.center
        if msg.controller not in (0, self.face.controller_id):
            return True  # addressed to another controller
        self.engine.advance(self.clock())
        self.face.link_alive()
        reply = self._handle(msg)
        f = self.faults
        if reply is None or f.silent:
            return True
        if f.drop_connection and peer.tcp:
            return False
        if f.latency_s:
            await asyncio.sleep(f.latency_s)
        if f.gb25280:
            peer.send(GB25280_FRAME)
            return True
        wire = fmt.build(reply, crc_xor=0x5A5A if f.bad_crc else 0)
        if f.truncate:
            wire = wire[:len(wire) // 2].rstrip(b"\x5c") + b"\x7d"
        if f.bad_escape and fmt.escaped:
            wire = wire[:4] + b"\x5c\x41" + wire[4:]
        peer.send(wire)
        return True

    def _handle(self, msg: Message) -> Message | None:
        if msg.ftype == QUERY:
            return self._query(msg)
        if msg.ftype == SET:
            return self._set(msg)
        if msg.ftype == HEARTBEAT:
            return self._reply(msg, self.options.heartbeat_reply, ())
        if msg.ftype in (0x80, 0x71):
            self.heartbeats_answered += 1
        return None  # replies to our heartbeats, broadcasts: nothing to answer

    def _reply(self, msg: Message, ftype: int, items: tuple[Item, ...] | list[Item]) -> Message:
        return Message(ftype, msg.seq, tuple(items), self.options.version, msg.center,
                       self.face.controller_id, msg.intersection)

    def _query(self, msg: Message) -> Message:
        good: list[Item] = []
        bad: list[Item] = []
        prefix = b"\x00" if self.faults.status_byte else b""
        self.face.begin_frame()
        try:
            results = [0x30 if (it.cls, it.obj, it.attr) in self.options.missing else
                       self.face.read(it.cls, it.obj, it.attr, it.elem) for it in msg.items]
        finally:
            self.face.end_frame()
        for it, result in zip(msg.items, results, strict=True):
            if self.options.element_queries_only and it.elem == 0 and \
                    not isinstance(result, int) and result and result[0][0] != 0:
                result = 0x30
            if isinstance(result, int):
                bad.append(Item(it.cls, it.obj, it.attr, it.elem, bytes([result])))
                continue
            joined = b"".join(data for _, data in result)
            if it.elem == 0 and (len(joined) + len(prefix) <= MAX_DATA and
                                 not (self.options.split_tables and len(result) > 1)):
                good.append(Item(it.cls, it.obj, it.attr, 0, prefix + joined))
            else:
                good.extend(Item(it.cls, it.obj, it.attr, n, prefix + data)
                            for n, data in result)
        if bad:
            return self._reply(msg, 0x21, bad)
        return self._reply(msg, 0x20, good[:255])

    def _set(self, msg: Message) -> Message:
        refuse = self.faults.refuse_sets
        statuses = [refuse if refuse is not None else
                    self.face.write(it.cls, it.obj, it.attr, it.elem, it.data)
                    for it in msg.items]
        failed = [Item(it.cls, it.obj, it.attr, it.elem, bytes([s]))
                  for it, s in zip(msg.items, statuses, strict=True) if s]
        if failed:
            return self._reply(msg, 0x41, failed)
        return self._reply(msg, 0x40, [Item(it.cls, it.obj, it.attr, it.elem)
                                       for it in msg.items])

    # -- reports, heartbeats and the link watchdog -------------------------------------------

    def _report(self, items: list[Item], ftype: int = TRAP) -> None:
        if not self._peers or (ftype == TRAP and not self.options.traps):
            return
        self._seq = self._seq % 255 + 1
        for peer in list(self._peers.values()):
            msg = Message(ftype, self._seq, tuple(items), self.options.version, peer.center,
                          self.face.controller_id, peer.intersection)
            with suppress(OSError, RuntimeError):
                peer.send(peer.wire.build(msg))
        if ftype == TRAP:
            self.traps_sent += 1

    async def _tick(self) -> None:
        opts = self.options
        while True:
            await asyncio.sleep(opts.tick_s)
            now = self.clock()
            self.engine.advance(now)
            if self.face.center_override and now - self._last_rx > opts.link_timeout_s:
                self.face.link_lost()
                log.info("controller=%s event=center_link_lost", self.config.id)
                self._last_rx = now
            if self.engine.central.in_backup and not self._in_backup:
                self.face.fault_log.append((0x30, 0x50))
            self._in_backup = self.engine.central.in_backup
            for key, peer in list(self._peers.items()):  # UDP centers that went away
                if not peer.tcp and now - peer.last_rx > max(opts.link_timeout_s, 30.0):
                    del self._peers[key]
            if not self._peers:
                continue
            face = self.face
            snapshot = (face.run_mode(), face.current_plan(), face.current_stage())
            if snapshot != self._snapshot:
                self._snapshot = snapshot
                self._report([Item(13, 2, 2, 1, bytes([snapshot[0]])),
                              Item(13, 2, 3, 1, bytes([snapshot[1]])),
                              Item(13, 2, 4, 1, bytes([snapshot[2]])),
                              Item(3, 3, 1, 0, face.lamp_codes())])
            faults = face.faults()
            new = [f for f in faults if f not in self._faults_seen]
            self._faults_seen = faults
            if new:
                items = []
                for n, (kind, action) in enumerate(new, 1):
                    items += [Item(16, 2, 2, n, bytes([kind])), Item(16, 2, 4, n, bytes([action]))]
                self._report(items)
            if opts.heartbeat_s > 0 and time.monotonic() - self._last_hb >= opts.heartbeat_s:
                self._last_hb = time.monotonic()
                self._report([], HEARTBEAT)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, sim: SimulatedGbt20999Controller) -> None:
        self.sim = sim

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.sim._datagram(data, addr)

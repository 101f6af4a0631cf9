"""SnmpAgent against independent clients (net-snmp tools, pysnmp 7) and its RFC semantics.

The agent runs in the test's event loop, so net-snmp tools run via asyncio subprocesses and
pysnmp via its asyncio API: nothing here may block the loop.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import time
from collections.abc import AsyncIterator

import pytest

from gateway.sdk.snmp import (
    ErrorStatus,
    Message,
    PduType,
    SnmpClient,
    SnmpDecodeError,
    SnmpTimeout,
    Tag,
    VarBind,
    decode_message,
    encode_message,
)
from simulators.snmp.agent import (
    AgentFaults,
    DictMibView,
    SnmpAgent,
    Value,
    decode_request,
)

DESCR = (1, 3, 6, 1, 2, 1, 1, 1, 0)
UPTIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)
ENT = (1, 3, 6, 1, 4, 1, 99)
RW_INT = ENT + (1, 0)
C64 = ENT + (2, 0)
IP = ENT + (3, 0)
OBJ = ENT + (4, 0)
GAUGE = ENT + (5, 0)
RW_STR = ENT + (6, 0)


def make_view() -> DictMibView:
    return DictMibView(
        {
            DESCR: (Tag.OCTET_STRING, b"Junction test controller"),
            UPTIME: (Tag.TIMETICKS, 123),
            RW_INT: (Tag.INTEGER, -5),
            C64: (Tag.COUNTER64, 2**64 - 1),
            IP: (Tag.IP_ADDRESS, b"\x0a\x00\x00\x01"),
            OBJ: (Tag.OBJECT_ID, (1, 3, 6, 1, 4, 1, 1206)),
            GAUGE: (Tag.GAUGE32, 4_000_000_000),
            RW_STR: (Tag.OCTET_STRING, b"abc"),
        },
        writable=[RW_INT, RW_STR],
    )


class Harness:
    def __init__(self, agent: SnmpAgent, view: DictMibView, port: int) -> None:
        self.agent, self.view, self.port = agent, view, port


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    view = make_view()
    agent = SnmpAgent(view)
    _, port = await agent.start()
    yield Harness(agent, view, port)
    await agent.close()


@pytest.fixture
async def client() -> AsyncIterator[SnmpClient]:
    c = SnmpClient(sockets=1)
    await c.start()
    yield c
    await c.close()


# --------------------------------------------------------------------------- net-snmp

needs_netsnmp = pytest.mark.skipif(
    shutil.which("snmpget") is None, reason="net-snmp tools (snmpget) not installed"
)


async def netsnmp(tool: str, *args: str, timeout_s: int = 2) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        tool, "-On", "-r0", f"-t{timeout_s}", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "MIBS": ""},
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def dotted(oid: tuple[int, ...]) -> str:
    return "." + ".".join(map(str, oid))


ALL_LINES_V2 = [
    f'{dotted(DESCR)} = STRING: "Junction test controller"',
    f"{dotted(UPTIME)} = Timeticks: (123) 0:00:01.23",
    f"{dotted(RW_INT)} = INTEGER: -5",
    f"{dotted(C64)} = Counter64: 18446744073709551615",
    f"{dotted(IP)} = IpAddress: 10.0.0.1",
    f"{dotted(OBJ)} = OID: .1.3.6.1.4.1.1206",
    f"{dotted(GAUGE)} = Gauge32: 4000000000",
    f'{dotted(RW_STR)} = STRING: "abc"',
]


@needs_netsnmp
async def test_netsnmp_get_v2c_values_and_exceptions(h: Harness) -> None:
    rc, out, _ = await netsnmp(
        "snmpget", "-v2c", "-c", "public", f"127.0.0.1:{h.port}",
        dotted(DESCR), dotted(C64), dotted(IP), "1.3.6.1.2.1.1.9.0", "1.3.6.1.2.1.1.3.1",
    )
    assert rc == 0
    assert out.splitlines() == [
        ALL_LINES_V2[0], ALL_LINES_V2[3], ALL_LINES_V2[4],
        ".1.3.6.1.2.1.1.9.0 = No Such Object available on this agent at this OID",
        ".1.3.6.1.2.1.1.3.1 = No Such Instance currently exists at this OID",
    ]


@needs_netsnmp
async def test_netsnmp_get_v1_missing_object_is_nosuchname(h: Harness) -> None:
    rc, _, err = await netsnmp("snmpget", "-v1", "-Cf", "-c", "public", f"127.0.0.1:{h.port}",
                               dotted(DESCR), "1.3.6.1.2.1.1.9.0")
    assert rc != 0
    assert "noSuchName" in err and "Failed object: .1.3.6.1.2.1.1.9.0" in err


@needs_netsnmp
async def test_netsnmp_walk_v2c_and_v1(h: Harness) -> None:
    rc, out, _ = await netsnmp("snmpwalk", "-v2c", "-c", "public", f"127.0.0.1:{h.port}",
                               "1.3.6.1.4.1.99")
    assert rc == 0
    # net-snmp prints the endOfMibView varbind when the MIB ends inside the walked subtree.
    assert out.splitlines() == ALL_LINES_V2[2:] + [
        (f"{dotted(RW_STR)} = No more variables left in this MIB View "
         "(It is past the end of the MIB tree)")
    ]
    rc, out, _ = await netsnmp("snmpwalk", "-v1", "-c", "public", f"127.0.0.1:{h.port}",
                               "1.3.6")
    assert rc == 0
    # SNMPv1 cannot carry Counter64: a v1 GETNEXT skips it (RFC 2576 4.2.2.1).
    # v1 signals the end of the MIB with noSuchName, which snmpwalk reports as "End of MIB".
    assert out.splitlines() == ALL_LINES_V2[:3] + ALL_LINES_V2[4:] + ["End of MIB"]


@needs_netsnmp
async def test_netsnmp_bulkwalk_uses_few_requests(h: Harness) -> None:
    rc, out, _ = await netsnmp("snmpbulkwalk", "-v2c", "-Cr4", "-c", "public",
                               f"127.0.0.1:{h.port}", "1.3.6.1")
    assert rc == 0
    assert out.splitlines()[:8] == ALL_LINES_V2
    assert h.agent.stats["requests"] == 3  # 8 rows + end of view, 4 per request


@needs_netsnmp
async def test_netsnmp_set_v1_and_v2c(h: Harness) -> None:
    target = f"127.0.0.1:{h.port}"
    rc, out, _ = await netsnmp("snmpset", "-v1", "-c", "private", target, dotted(RW_INT), "i", "5")
    assert rc == 0 and out.strip() == f"{dotted(RW_INT)} = INTEGER: 5"
    assert h.view.get(RW_INT) == (Tag.INTEGER, 5)
    rc, out, _ = await netsnmp("snmpset", "-v2c", "-c", "private", target, dotted(RW_STR), "s",
                               "hello")
    assert rc == 0 and out.strip() == f'{dotted(RW_STR)} = STRING: "hello"'
    assert h.view.get(RW_STR) == (Tag.OCTET_STRING, b"hello")
    rc, _, err = await netsnmp("snmpset", "-v1", "-c", "private", target, dotted(UPTIME), "t", "5")
    assert rc != 0 and "noSuchName" in err
    rc, _, err = await netsnmp("snmpset", "-v2c", "-c", "private", target, dotted(UPTIME), "t",
                               "5")
    assert rc != 0 and "notWritable" in err
    rc, _, err = await netsnmp("snmpset", "-v2c", "-c", "private", target, dotted(RW_INT), "s",
                               "x")
    assert rc != 0 and "wrongType" in err
    assert h.view.get(UPTIME) == (Tag.TIMETICKS, 123)


@needs_netsnmp
async def test_netsnmp_wrong_community_and_read_community_set_get_no_reply(h: Harness) -> None:
    target = f"127.0.0.1:{h.port}"
    (rc1, _, err1), (rc2, _, err2) = await asyncio.gather(
        netsnmp("snmpget", "-v2c", "-c", "wrong", target, dotted(DESCR), timeout_s=1),
        netsnmp("snmpset", "-v1", "-c", "public", target, dotted(RW_INT), "i", "9", timeout_s=1),
    )
    assert rc1 != 0 and "Timeout" in err1
    assert rc2 != 0 and "Timeout" in err2
    assert h.view.get(RW_INT) == (Tag.INTEGER, -5)
    assert h.agent.stats["bad_community"] == 2 and h.agent.stats["responses"] == 0


# --------------------------------------------------------------------------- pysnmp 7

async def test_pysnmp_v1arch_get_next_set_walk(h: Harness) -> None:
    from pysnmp.hlapi.v1arch.asyncio import (
        CommunityData,
        SnmpDispatcher,
        UdpTransportTarget,
        get_cmd,
        next_cmd,
        set_cmd,
        walk_cmd,
    )
    from pysnmp.proto.rfc1902 import Integer32, Null, OctetString

    disp = SnmpDispatcher()
    try:
        target = await UdpTransportTarget.create(("127.0.0.1", h.port), timeout=2, retries=0)
        for model in (0, 1):
            ei, es, _, vbs = await get_cmd(disp, CommunityData("public", mpModel=model), target,
                                           (DESCR, Null("")), (GAUGE, Null("")), lookupMib=False)
            assert ei is None and int(es) == 0
            assert [(tuple(n), v.prettyPrint()) for n, v in vbs] == [
                (DESCR, "Junction test controller"), (GAUGE, "4000000000")]
        ei, es, _, vbs = await get_cmd(disp, CommunityData("public", mpModel=0), target,
                                       (DESCR, Null("")), (C64, Null("")), lookupMib=False)
        assert ei is None and int(es) == ErrorStatus.NO_SUCH_NAME
        ei, es, _, vbs = await next_cmd(disp, CommunityData("public"), target, (UPTIME, Null("")),
                                        lookupMib=False)
        assert ei is None and [(tuple(n), int(v)) for n, v in vbs] == [(RW_INT, -5)]
        ei, es, _, vbs = await set_cmd(disp, CommunityData("private", mpModel=0), target,
                                       (RW_INT, Integer32(42)), (RW_STR, OctetString(b"xyz")),
                                       lookupMib=False)
        assert ei is None and int(es) == 0
        assert h.view.get(RW_INT) == (Tag.INTEGER, 42)
        assert h.view.get(RW_STR) == (Tag.OCTET_STRING, b"xyz")
        rows = []
        async for ei, es, _, vbs in walk_cmd(disp, CommunityData("public", mpModel=1), target,
                                             (ENT, Null("")), lookupMib=False,
                                             lexicographicMode=False):
            assert ei is None and int(es) == 0
            rows += [tuple(n) for n, _ in vbs]
        assert rows == [RW_INT, C64, IP, OBJ, GAUGE, RW_STR]
    finally:
        disp.transport_dispatcher.close_dispatcher()


# --------------------------------------------------------------------------- semantics


async def test_getbulk_non_repeaters_and_repetitions(h: Harness, client: SnmpClient) -> None:
    resp = await client.get_bulk("127.0.0.1", h.port, b"public", [(1, 3, 6, 1, 2), ENT + (4,)],
                                 non_repeaters=1, max_repetitions=3)
    assert resp.error_status == 0
    assert [(vb.oid, vb.tag) for vb in resp.varbinds] == [
        (DESCR, Tag.OCTET_STRING), (OBJ, Tag.OBJECT_ID), (GAUGE, Tag.GAUGE32),
        (RW_STR, Tag.OCTET_STRING)]
    resp = await client.get_bulk("127.0.0.1", h.port, b"public", [GAUGE, OBJ],
                                 max_repetitions=5)
    assert [(vb.oid, vb.tag) for vb in resp.varbinds] == [
        (RW_STR, Tag.OCTET_STRING), (GAUGE, Tag.GAUGE32),
        (RW_STR, Tag.END_OF_MIB_VIEW), (RW_STR, Tag.OCTET_STRING),
        (RW_STR, Tag.END_OF_MIB_VIEW), (RW_STR, Tag.END_OF_MIB_VIEW)]


async def test_getbulk_is_bounded_by_datagram_size_and_max_varbinds(client: SnmpClient) -> None:
    view = DictMibView({ENT + (i, 0): (Tag.OCTET_STRING, b"x" * 100) for i in range(1, 200)})
    agent = SnmpAgent(view)
    _, port = await agent.start()
    try:
        resp = await client.get_bulk("127.0.0.1", port, b"public", [ENT], max_repetitions=100)
        assert resp.error_status == 0
        assert 10 <= len(resp.varbinds) <= 13
        assert len(encode_message(resp)) <= 1472
        assert [vb.oid for vb in resp.varbinds] == [ENT + (i, 0) for i in
                                                    range(1, len(resp.varbinds) + 1)]
        agent.faults.max_varbinds = 4
        resp = await client.get_bulk("127.0.0.1", port, b"public", [ENT], max_repetitions=100)
        assert len(resp.varbinds) == 4
    finally:
        await agent.close()


async def test_too_big_v1_echoes_request_v2c_is_empty(client: SnmpClient) -> None:
    view = DictMibView({ENT + (i, 0): (Tag.OCTET_STRING, b"y" * 200) for i in range(1, 20)})
    agent = SnmpAgent(view)
    _, port = await agent.start()
    oids = [ENT + (i, 0) for i in range(1, 20)]
    try:
        v1 = await client.get("127.0.0.1", port, b"public", oids, version=0)
        assert (v1.error_status, v1.error_index) == (ErrorStatus.TOO_BIG, 0)
        assert v1.varbinds == tuple(VarBind(o) for o in oids)  # RFC 1157 4.1.2: identical form
        v2 = await client.get("127.0.0.1", port, b"public", oids, version=1)
        assert (v2.error_status, v2.varbinds) == (ErrorStatus.TOO_BIG, ())  # RFC 3416 4.2.1
        ok = await client.get("127.0.0.1", port, b"public", oids[:5])
        assert ok.error_status == 0 and len(ok.varbinds) == 5
        agent.faults.max_varbinds = 2
        capped = await client.get("127.0.0.1", port, b"public", oids[:3])
        assert capped.error_status == ErrorStatus.TOO_BIG
        assert agent.stats["too_big"] == 3
    finally:
        await agent.close()


async def test_set_is_atomic(h: Harness, client: SnmpClient) -> None:
    vbs = [VarBind(RW_INT, Tag.INTEGER, 77), VarBind(RW_STR, Tag.INTEGER, 1)]
    for version, expected in ((0, ErrorStatus.BAD_VALUE), (1, ErrorStatus.WRONG_TYPE)):
        resp = await client.set("127.0.0.1", h.port, b"private", vbs, version=version)
        assert (resp.error_status, resp.error_index) == (expected, 2)
        assert resp.varbinds == tuple(vbs)
        assert h.view.get(RW_INT) == (Tag.INTEGER, -5)


async def test_set_rolls_back_when_a_view_without_test_set_fails() -> None:
    class NoValidate:
        def __init__(self) -> None:
            self.inner = make_view()

        def get(self, oid: tuple[int, ...]) -> tuple[int, Value] | None:
            return self.inner.get(oid)

        def next_oid(self, oid: tuple[int, ...]) -> tuple[int, ...] | None:
            return self.inner.next_oid(oid)

        def set(self, oid: tuple[int, ...], tag: int, value: Value) -> int:
            return self.inner.set(oid, tag, value)

    view = NoValidate()
    agent = SnmpAgent(view)
    _, port = await agent.start()
    try:
        async with SnmpClient(sockets=1) as c:
            resp = await c.set("127.0.0.1", port, b"private",
                               [VarBind(RW_INT, Tag.INTEGER, 1), VarBind(UPTIME, Tag.TIMETICKS, 1)])
        assert (resp.error_status, resp.error_index) == (ErrorStatus.NOT_WRITABLE, 2)
        assert view.get(RW_INT) == (Tag.INTEGER, -5)
    finally:
        await agent.close()


async def test_v1_hides_counter64(h: Harness, client: SnmpClient) -> None:
    resp = await client.get("127.0.0.1", h.port, b"public", [C64], version=0)
    assert (resp.error_status, resp.error_index) == (ErrorStatus.NO_SUCH_NAME, 1)
    resp = await client.get_next("127.0.0.1", h.port, b"public", [RW_INT], version=0)
    assert resp.varbinds == (VarBind(IP, Tag.IP_ADDRESS, b"\x0a\x00\x00\x01"),)
    resp = await client.get_next("127.0.0.1", h.port, b"public", [RW_STR], version=0)
    assert (resp.error_status, resp.error_index) == (ErrorStatus.NO_SUCH_NAME, 1)


async def test_on_request_hook_runs_before_serving(client: SnmpClient) -> None:
    view = make_view()
    ticks = [0]

    def advance() -> None:
        ticks[0] += 1
        view.put(UPTIME, Tag.TIMETICKS, ticks[0] * 100)

    agent = SnmpAgent(view, on_request=advance)
    _, port = await agent.start()
    try:
        for expected in (100, 200):
            resp = await client.get("127.0.0.1", port, b"public", [UPTIME])
            assert resp.varbinds[0].value == expected
        with pytest.raises(SnmpTimeout):
            await client.get("127.0.0.1", port, b"nope", [UPTIME], timeout_s=0.2)
        assert ticks == [2]
    finally:
        await agent.close()


async def test_faults_drop_rate_error_status_and_internal_error(client: SnmpClient) -> None:
    class Broken(DictMibView):
        def get(self, oid: tuple[int, ...]) -> tuple[int, Value] | None:
            if oid == UPTIME:
                raise RuntimeError("view bug")
            return super().get(oid)

    faults = AgentFaults(drop_rate=0.5)
    agent = SnmpAgent(Broken(make_view()._values), faults=faults)
    _, port = await agent.start()
    try:
        results = await asyncio.gather(
            *(client.get("127.0.0.1", port, b"public", [DESCR], timeout_s=0.5)
              for _ in range(40)),
            return_exceptions=True,
        )
        lost = sum(isinstance(r, SnmpTimeout) for r in results)
        assert lost == agent.stats["dropped"] and 5 < lost < 35
        faults.drop_rate = 0.0
        faults.error_status = ErrorStatus.GEN_ERR
        resp = await client.get("127.0.0.1", port, b"public", [DESCR])
        assert (resp.error_status, resp.error_index) == (ErrorStatus.GEN_ERR, 1)
        faults.error_status = 0
        resp = await client.get("127.0.0.1", port, b"public", [UPTIME])
        assert resp.error_status == ErrorStatus.GEN_ERR and agent.stats["internal_errors"] == 1
        resp = await client.get("127.0.0.1", port, b"public", [DESCR])
        assert resp.error_status == 0
    finally:
        await agent.close()


async def test_undecodable_and_unsupported_requests_are_dropped(h: Harness) -> None:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sock.connect(("127.0.0.1", h.port))
    try:
        v1_bulk = encode_message(
            Message(0, b"public", PduType.GET_BULK, 5, 0, 5, (VarBind(DESCR),))
        )
        response = encode_message(Message(1, b"public", PduType.RESPONSE, 6, 0, 0, ()))
        good = encode_message(Message(1, b"public", PduType.GET, 7, 0, 0, (VarBind(DESCR),)))
        for data in (b"\x30\x03\x02\x01", b"garbage", v1_bulk, response, good):
            await loop.sock_sendall(sock, data)
        reply = await asyncio.wait_for(loop.sock_recv(sock, 2000), 2)
        assert decode_message(reply).request_id == 7  # the only request answered
        await asyncio.sleep(0.05)
        assert h.agent.stats["malformed"] == 2 and h.agent.stats["unsupported"] == 2
        assert h.agent.stats["responses"] == 1
    finally:
        sock.close()


async def test_two_hundred_agents_in_one_loop(client: SnmpClient) -> None:
    view = make_view()
    agents = [SnmpAgent(view) for _ in range(200)]
    ports = [(await a.start())[1] for a in agents]
    try:
        assert len(set(ports)) == 200
        t0 = time.perf_counter()
        results = await asyncio.gather(
            *(client.get("127.0.0.1", p, b"public", [DESCR, UPTIME]) for p in ports)
        )
        elapsed = time.perf_counter() - t0
        assert all(r.varbinds[1].value == 123 for r in results)
        assert sum(a.stats["responses"] for a in agents) == 200
        assert elapsed < 5
    finally:
        await asyncio.gather(*(a.close() for a in agents))


def test_agent_answers_a_30_varbind_get_on_the_handler_itself() -> None:
    """The handler path bench/ measures (no sockets): 2,000 GETs, 2,000 right answers."""
    oids = [ENT + (i, 0) for i in range(30)]
    agent = SnmpAgent(DictMibView({o: (Tag.INTEGER, i * 1000) for i, o in enumerate(oids)}))
    sent = _sink(agent)
    req = encode_message(
        Message(1, b"public", PduType.GET, 1, 0, 0, tuple(VarBind(o) for o in oids))
    )
    for _ in range(2000):
        agent._datagram(req, ("127.0.0.1", 1))
    assert len(sent) == 2000 and decode_message(sent[-1]).varbinds[29].value == 29000


# --------------------------------------------------------------------------- hot-path caches


def _sink(agent: SnmpAgent) -> list[bytes]:
    sent: list[bytes] = []

    class Sink:
        def is_closing(self) -> bool:
            return False

        def sendto(self, data: bytes, addr: object) -> None:
            sent.append(data)

    agent._transport = Sink()  # type: ignore[assignment]
    return sent


@pytest.mark.parametrize("rid", [0, 1, 127, 128, 65_535, 2**31 - 1, -1, -300])
def test_request_cache_decodes_exactly_like_decode_message(rid: int) -> None:
    varbinds = tuple(VarBind(DESCR[:-2] + (i, 0)) for i in range(1, 60))  # long-form lengths
    for pdu in (PduType.GET, PduType.GET_NEXT, PduType.SET):
        for first in (5, rid):  # fill the cache with another request id, then hit it
            data = encode_message(Message(1, b"public", pdu, first, 0, 0, varbinds))
            assert decode_request(data) == decode_message(data)


def test_request_cache_hit_keeps_malformed_requests_malformed() -> None:
    good = encode_message(Message(1, b"public", PduType.GET, 9, 0, 0, (VarBind(DESCR),)))
    decode_request(good)
    for bad in (good[:-1], good + b"\x00", good.replace(b"public", b"publ\x80c")[:-2]):
        with pytest.raises(SnmpDecodeError):
            decode_request(bad)


def test_varbind_cache_answers_new_values_and_rejects_bools() -> None:
    view = make_view()
    agent = SnmpAgent(view)
    sent = _sink(agent)

    def get(rid: int) -> Message:
        req = Message(1, b"public", PduType.GET, rid, 0, 0, (VarBind(RW_INT),))
        agent._datagram(encode_message(req), ("127.0.0.1", 1))
        return decode_message(sent[-1])

    assert get(1).varbinds[0].value == -5
    view.put(RW_INT, Tag.INTEGER, 1)
    assert get(2).varbinds[0].value == 1
    view.put(RW_INT, Tag.INTEGER, True)  # a bool is not an INTEGER, even once 1 is cached
    assert get(3).error_status == ErrorStatus.GEN_ERR
    view.put(RW_INT, Tag.GAUGE32, 1)  # same value, another tag
    assert get(4).varbinds[0] == VarBind(RW_INT, Tag.GAUGE32, 1)


def test_repeated_request_shape_serves_current_values_per_agent() -> None:
    views = [make_view(), make_view()]
    agents = [SnmpAgent(v) for v in views]
    sinks = [_sink(a) for a in agents]
    req = encode_message(Message(1, b"public", PduType.GET, 1, 0, 0, (VarBind(UPTIME),
                                                                     VarBind(RW_INT))))
    for step in range(3):
        for k, (view, agent) in enumerate(zip(views, agents, strict=True)):
            view.put(UPTIME, Tag.TIMETICKS, step * 10 + k)
            view.put(RW_INT, Tag.INTEGER if step < 2 else Tag.GAUGE32, step - k)
            agent._datagram(req, ("127.0.0.1", 1))
            got = decode_message(sinks[k][-1]).varbinds
            assert got[0] == VarBind(UPTIME, Tag.TIMETICKS, step * 10 + k)
            assert got[1] == VarBind(RW_INT, Tag.INTEGER if step < 2 else Tag.GAUGE32, step - k)
